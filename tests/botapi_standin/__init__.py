"""A local stand-in for the Telegram Bot API, so the bot can be driven by the real python-telegram-bot.

There is no internet where the tests run, and mocking PTB's ``Bot`` methods would skip the code that breaks
in production (form encoding, JSON parsing of answers, error mapping, polling offsets). This server answers
the Bot API over HTTP the way Telegram does, closely enough for PTB 22.x to parse every answer:

* ``base_url`` / ``base_file_url`` go to ``ApplicationBuilder().base_url(...)`` / ``.base_file_url(...)``.
* ``push_text`` / ``push_callback`` / ``push_update`` play the users; ``sent``, ``calls``, ``my_commands``...
  record what the bot did; ``fail_next`` / ``block_chat`` script Telegram's refusals.
* Validation follows Telegram where bots usually get it wrong: HTML entity parsing (same error texts as the
  real server), 4,096/1,024 character limits, 64-byte callback data, "message is not modified", answering a
  callback query twice, getUpdates while a webhook is set.

Standard library only (``http.server`` in a daemon thread), so it also runs as a separate process for
benchmarks: ``python -m tests.botapi_standin --port 8081 --token 123:ABC`` prints its base URL first and
offers control endpoints under ``/_standin/`` (see :meth:`BotApiStandIn._control`).

Deliberate simplifications: sending to (or getChat of) a chat never seen before works, positive ids being
private chats and negative ones groups (benchmarks fan out to invented chats); a webhook delivery that fails
is recorded and not retried; MarkdownV2 is only checked for unescaped reserved characters; files are never
fetched from URLs; inline messages (inline_message_id) are not simulated.

The package, by concept: ``server`` (``BotApiStandIn``: lifecycle, routing, records, control endpoints),
``state`` (chats, messages and updates under one lock), ``updates`` (users' updates, getUpdates, webhooks),
``messages`` (what the bot sends and edits), ``chats`` (chats, members, command menus), ``faults`` (scripted
refusals and latency), ``formatting`` (HTML and MarkdownV2 as Telegram parses them), ``records`` and
``transport`` (the HTTP server).
"""

from tests.botapi_standin.formatting import HtmlParseError, check_markdown_v2, parse_html, utf16_len
from tests.botapi_standin.records import ApiCall, ApiError, SentMessage, UploadedFile, WebhookDelivery
from tests.botapi_standin.server import BotApiStandIn

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiStandIn",
    "HtmlParseError",
    "SentMessage",
    "UploadedFile",
    "WebhookDelivery",
    "check_markdown_v2",
    "parse_html",
    "utf16_len",
]
