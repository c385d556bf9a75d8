"""The sending interface between the dispatcher and a chat platform: a sender sends one message and says,
as plain data, what came of it; the dispatcher decides what happens next (retry, give up, stop).

Telegram's sender (``bot/tg/sender.py``) and the terminal's printer implement it; tests use fakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # flood control: wait, then send again; not the message's fault
    BLOCKED = "blocked"  # the bot may no longer write to this chat: never retried
    TRANSIENT = "transient"  # network trouble or a server error: retried with backoff
    REJECTED = "rejected"  # Telegram refused this message (400): retrying would not change its mind


@dataclass(frozen=True)
class SendResult:
    """What one send came to, as plain data: the dispatcher decides what happens next."""

    outcome: SendOutcome
    message_id: int | None = None
    retry_after: float = 0.0
    error: str | None = None

    @classmethod
    def ok(cls, message_id: int) -> SendResult:
        return cls(SendOutcome.SENT, message_id=message_id)

    @classmethod
    def wait(cls, seconds: float, error: str) -> SendResult:
        return cls(SendOutcome.RETRY_AFTER, retry_after=seconds, error=error)

    @classmethod
    def blocked(cls, error: str) -> SendResult:
        return cls(SendOutcome.BLOCKED, error=error)

    @classmethod
    def transient(cls, error: str) -> SendResult:
        return cls(SendOutcome.TRANSIENT, error=error)

    @classmethod
    def rejected(cls, error: str) -> SendResult:
        return cls(SendOutcome.REJECTED, error=error)


class AlertSender(Protocol):
    async def send(self, chat_id: int, html: str) -> SendResult:
        """Send one Telegram-HTML message. Refusals come back as results; an exception means the sender
        itself is broken (a revoked token): the row is put back untouched and the dispatcher stops."""
        ...
