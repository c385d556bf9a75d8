"""What the stand-in records and how it refuses: the records tests read, and the Bot API error.

Why a module of their own: every part of the stand-in (transport, updates, messages, chats, faults) makes
or reads these, and tests import ``SentMessage`` and ``ApiCall`` without needing the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part, as PTB uploads photos and documents."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class SentMessage:
    """Something a chat member would see: a message sent or edited by the bot."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    """The text (or caption) as the bot sent it, markup included."""
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    photo: bytes | None
    time: float
    edited: bool = False
    plain_text: str | None = None
    """What the user reads: HTML tags parsed away, entities decoded, surrounding whitespace trimmed."""
    entities: list[dict[str, Any]] = field(default_factory=list)
    document: bytes | None = None
    filename: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One request to the Bot API, successful or not, with its parameters decoded as Telegram reads them."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 200
    error: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook; ``status`` is None when the receiver could not be reached."""

    update_id: int
    url: str
    status: int | None
    error: str | None
    time: float


@dataclass
class Failure:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


class ApiError(Exception):
    """A Bot API refusal; becomes ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")
