"""Sending alerts with python-telegram-bot: the one place that knows how Telegram says no.

The dispatcher (``jobs.deliver``) decides what a refusal means for the outbox; this module only turns
PTB's exceptions into a ``SendResult``. The order of the ``except`` clauses matters: ``BadRequest`` and
``TimedOut`` are subclasses of ``NetworkError``, and a 400 caught as a network error would be retried forever.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from jobs.sending import SendResult

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
"""An alert links its source; a preview card of OGP's home page would push the alert itself off screen."""

CHAT_GONE = (
    "chat not found",
    "bot was kicked",
    "bot is not a member",
    "user is deactivated",
    "group chat was deactivated",
    "peer_id_invalid",
    "not enough rights to send",
    "have no rights to send",
)
"""400 answers that mean this chat is gone for the bot (Telegram words them as bad requests, not 403)."""

_RETRY_AFTER_DEPRECATION = r".*attribute `retry_after` will be of type"


def build_bot(token: str, api_url: str, *, connections: int) -> Bot:
    """A Bot whose connection pool fits the dispatcher's concurrency (PTB's own default is one connection,
    and concurrent sends would queue for it and time out)."""
    request = HTTPXRequest(connection_pool_size=connections, connect_timeout=5.0, read_timeout=10.0,
                           write_timeout=10.0, pool_timeout=5.0)
    return Bot(token, base_url=api_url, request=request)


class TelegramSender:
    """``AlertSender`` over a PTB ``Bot`` (initialised by the caller, e.g. ``async with bot:``)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        # PTB 22 warns whenever it *creates* a RetryAfter (its constructor reads the deprecated int). We read
        # the value without the warning and accept both types, so this one warning says nothing to us.
        warnings.filterwarnings("ignore", message=_RETRY_AFTER_DEPRECATION, category=PTBDeprecationWarning)

    async def send(self, chat_id: int, html: str) -> SendResult:
        try:
            message = await self.bot.send_message(chat_id, html, parse_mode=ParseMode.HTML,
                                                  link_preview_options=NO_PREVIEW)
        except RetryAfter as error:
            return SendResult.wait(retry_after_seconds(error), str(error))
        except Forbidden as error:
            return SendResult.blocked(str(error))
        except ChatMigrated as error:
            return SendResult.blocked(f"the group became supergroup {error.new_chat_id}")
        except BadRequest as error:
            if any(phrase in error.message.lower() for phrase in CHAT_GONE):
                return SendResult.blocked(f"Bad Request: {error.message}")
            return SendResult.rejected(f"Bad Request: {error.message}")
        except TimedOut as error:
            return SendResult.transient(f"timed out: {error.message}")
        except NetworkError as error:
            return SendResult.transient(error.message)
        return SendResult.ok(message.message_id)


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` is an int today and a timedelta once PTB switches (or with PTB_TIMEDELTA=1)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
