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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import re
import select
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_POLL_WAIT_S = 0.5
"""Long polls are cut short: PTB's stop and the server's close must not wait for a 10 s poll."""

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
CALLBACK_ANSWER_LIMIT = 200
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
BUTTON_URL_RE = re.compile(r"^(https?|tg)://\S+$", re.IGNORECASE)
SUPERGROUP_ID_BELOW = -1_000_000_000_000

DEFAULT_GROUP_USER_ID = 1001
"""Who speaks in a group chat when ``push_text`` is not told (private chats default to the chat's id)."""

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"

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

TEXT_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "url", "secret_token", "ip_address", "language_code",
        "description", "short_description", "name", "title", "data", "inline_message_id", "action", "emoji",
        "business_connection_id", "query", "photo", "document", "file_id", "sticker", "audio", "video",
        "animation", "voice", "message_effect_id",
    }
)
"""Parameters Telegram reads as strings, left as sent; everything else is JSON-decoded when it parses
(PTB sends numbers as "42", booleans as "true", objects and lists as JSON text)."""


# -- records -----------------------------------------------------------------------------------------------


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
class _Failure:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    chat_id: int | None
    times: int


class _ClientGone(Exception):
    """The client closed the connection while its request waited: answer nothing, record nothing."""


def _client_gone(connection: socket.socket | None) -> bool:
    if connection is None:
        return False
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


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


def _bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


# -- text formatting, as Telegram's server parses it -------------------------------------------------------


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units, so astral characters count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class HtmlParseError(ValueError):
    """Raised with Telegram's own wording (after "can't parse entities: ")."""


_HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "tg-emoji", "code",
     "pre", "blockquote"}
)
_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre", "a": "text_link", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Only &lt; &gt; &amp; &quot; and numeric references are entities; any other "&" is a literal."""
    match = _HTML_ENTITY_RE.match(text, pos)
    if not match:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        value = _NAMED_ENTITIES.get(name)
        return (value, match.end()) if value is not None else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities, or HtmlParseError worded as Telegram's.

    Follows tdlib's parser: a "<" always starts a tag (so "a < b" fails), only the documented tags are
    allowed, end tags must match the innermost open tag, and byte offsets in messages are UTF-8 offsets.
    """
    out: list[str] = []
    units = 0  # UTF-16 length of out
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    length = len(text)
    i = 0

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    while i < length:
        ch = text[i]
        if ch == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                units += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if ch != "<":
            out.append(ch)
            units += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        if i + 1 < length and text[i + 1] == "/":
            j = i + 2
            while j < length and not text[j].isspace() and text[j] != ">":
                j += 1
            name = text[i + 2 : j].lower()
            while j < length and text[j].isspace():
                j += 1
            if j >= length or text[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            if not stack:
                raise HtmlParseError(f'Unexpected end tag at byte offset {byte_offset(begin)}')
            open_name, start, attributes = stack.pop()
            if name != open_name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            _close_entity(open_name, start, units, attributes, stack, entities, "".join(out))
            i = j + 1
            continue
        j = i + 1
        while j < length and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= length:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}')
        attributes: dict[str, str] = {}
        while True:
            while j < length and text[j].isspace():
                j += 1
            if j >= length:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if text[j] == ">":
                j += 1
                break
            k = j
            while k < length and not text[k].isspace() and text[k] not in "=>":
                k += 1
            attribute = text[j:k].lower()
            if not attribute:
                raise HtmlParseError(f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(begin)}')
            while k < length and text[k].isspace():
                k += 1
            if k >= length or text[k] != "=":
                if attribute == "expandable" and name == "blockquote":
                    attributes[attribute] = ""
                    j = k
                    continue
                raise HtmlParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {byte_offset(begin)}"
                )
            k += 1
            while k < length and text[k].isspace():
                k += 1
            if k >= length:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if text[k] in "\"'":
                quote = text[k]
                end = text.find(quote, k + 1)
                if end < 0:
                    raise HtmlParseError(
                        f'Unclosed end of an attribute value of the tag "{name}" at byte offset {byte_offset(begin)}'
                    )
                value = _HTML_ENTITY_RE.sub(
                    lambda m: (_decode_html_entity(m.group(0), 0) or (m.group(0), 0))[0], text[k + 1 : end]
                )
                k = end + 1
            else:
                end = k
                while end < length and (text[end].isalnum() or text[end] in ".-_"):
                    end += 1
                if end == k:
                    raise HtmlParseError(
                        f'Expected quote in declaration of an attribute of the tag "{name}" '
                        f"at byte offset {byte_offset(begin)}"
                    )
                value = text[k:end]
                k = end
            attributes[attribute] = value
            j = k
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}')
        stack.append((name, units, attributes))
        i = j
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _close_entity(
    name: str,
    start: int,
    end: int,
    attributes: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[dict[str, Any]],
    plain: str,
) -> None:
    """Turn a closed tag into a MessageEntity; empty ones vanish, <pre><code class="language-x"> sets pre's language."""
    language = attributes.get("class", "")
    if name == "code" and stack and stack[-1][0] == "pre" and language.startswith("language-"):
        stack[-1][2]["language"] = language.removeprefix("language-")
        return
    if end <= start:
        return
    entity: dict[str, Any] = {"type": _ENTITY_TYPES[name], "offset": start, "length": end - start}
    if name == "a":
        entity["url"] = attributes.get("href") or plain.encode("utf-16-le")[start * 2 : end * 2].decode("utf-16-le")
        if entity["url"].startswith("tg://user?id="):
            entity = {"type": "text_mention", "offset": start, "length": end - start,
                      "user": {"id": int(entity["url"].split("=", 1)[1] or 0), "is_bot": False, "first_name": "User"}}
    elif name == "pre" and attributes.get("language"):
        entity["language"] = attributes["language"]
    elif name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attributes.get("emoji-id", "")
    entities.append(entity)


_MARKDOWN_V2_ALWAYS_RESERVED = frozenset("#+-={}.!()")


def check_markdown_v2(text: str) -> None:
    """Telegram refuses MarkdownV2 with an unescaped reserved character; the mistake bots make most.

    Only the characters that never start formatting are checked (``# + - = { } . ! ( )``, and ``>`` away from
    the start of a line); inside `code`, ```pre``` and link URLs they are allowed, as on Telegram.
    """
    i = 0
    length = len(text)
    in_code: str | None = None
    in_url = False
    while i < length:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_code:
            if text.startswith(in_code, i):
                i += len(in_code)
                in_code = None
            else:
                i += 1
            continue
        if in_url:
            in_url = ch != ")"
            i += 1
            continue
        if ch == "`":
            in_code = "```" if text.startswith("```", i) else "`"
            i += len(in_code)
            continue
        if ch == "]" and text.startswith("](", i):
            in_url = True
            i += 2
            continue
        at_line_start = i == 0 or text[i - 1] == "\n"
        if ch in _MARKDOWN_V2_ALWAYS_RESERVED or (ch == ">" and not at_line_start):
            raise HtmlParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        i += 1


def _trim(plain: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing whitespace from a message and shifts its entities to match."""
    stripped = plain.strip()
    if stripped == plain:
        return plain, entities
    lead = utf16_len(plain[: len(plain) - len(plain.lstrip())])
    total = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# -- HTTP plumbing -----------------------------------------------------------------------------------------


def _decode_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in pairs:
        params[key] = _decode_value(key, value)
    return params


def _decode_value(key: str, value: str) -> Any:
    if key in TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """multipart/form-data by hand: the cgi module is gone in 3.13 and email's parser may touch binary data."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise _bad_request("can't parse multipart/form-data: no boundary")
    delimiter = b"--" + match.group(1).encode("latin-1")
    params: dict[str, Any] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, _, content = part.partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'(?:^|;)\s*name="([^"]*)"', headers, re.IGNORECASE | re.MULTILINE)
        if not name:
            continue
        filename = re.search(r'filename="([^"]*)"', headers, re.IGNORECASE)
        part_type = re.search(r"^content-type:\s*(\S+)", headers, re.IGNORECASE | re.MULTILINE)
        if filename is not None:
            params[name.group(1)] = UploadedFile(
                filename.group(1), part_type.group(1) if part_type else None, content
            )
        else:
            params[name.group(1)] = _decode_value(name.group(1), content.decode("utf-8", "replace"))
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # close() cuts keep-alive connections itself instead of joining their threads
    request_queue_size = 1024  # a fan-out opens hundreds of connections at once
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], standin: BotApiStandIn) -> None:
        super().__init__(address, _Handler)
        self.standin = standin
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    """Thin: parse the request, hand it to the stand-in, write one JSON answer in a single send."""

    protocol_version = "HTTP/1.1"  # keep-alive: PTB's pool reuses connections, a few thousand requests/s
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):  # the client may have gone already
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: thousands of requests per test would drown pytest's output."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload, content_type = self.server.standin._dispatch(
                self.command, self.path, self.headers.get("Content-Type", ""), body, self.connection
            )
        except _ClientGone:
            self.close_connection = True
            return
        except Exception as exc:  # a bug in the stand-in must still answer JSON, and say what broke
            status, content_type = 500, "application/json"
            payload = json.dumps(
                {"ok": False, "error_code": 500, "description": f"Internal Server Error: stand-in bug: {exc!r}"}
            ).encode()
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        closing = "Connection: close\r\n" if self.close_connection else ""
        head = (
            f"HTTP/1.1 {status} {phrase}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(payload)}\r\n{closing}\r\n"
        )
        try:
            self.wfile.write(head.encode("latin-1") + payload)
        except OSError:
            self.close_connection = True  # the client gave up (PTB cancelling a long poll): nothing to tell


# -- the stand-in --------------------------------------------------------------------------------------------


class BotApiStandIn:
    """The Bot API for one bot, in memory. Thread-safe: every state change happens under one lock."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "ogp_watch_test_bot",
        *,
        bot_first_name: str = "OGP Watch Test",
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.bot_username = bot_username
        head = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(head) if head.isdigit() else 123456,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._lock = threading.RLock()
        self._local = threading.local()  # the connection of the request this thread is answering
        self._changed = threading.Condition(self._lock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._webhook_thread: threading.Thread | None = None
        self._closing = False

        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.my_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """(scope, language_code) -> commands. The scope is its type ("default", "all_private_chats",
        ...), with the chat (and user) appended for chat scopes: "chat:-100123", "chat_member:-100123:42"."""
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.files: dict[str, UploadedFile] = {}

        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._last_update_id = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._file_ids = itertools.count(1)
        self._failures: list[_Failure] = []
        self._blocked: set[int] = set()
        self._admins: dict[int, list[int]] = {}
        self._creators: dict[int, int] = {}
        self._latency = 0.0
        self._webhook_error: tuple[int, str] | None = None

        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._true,
                "close": self._true,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "sendChatAction": self._send_chat_action,
                "getFile": self._get_file,
                "setMyDescription": self._true,
                "setMyShortDescription": self._true,
                "setMyName": self._true,
                "setChatMenuButton": self._true,
            }.items()
        }

    # -- lifecycle -------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url``: PTB appends the token and "/method" itself."""
        return f"http://{self.host}:{self._bound_port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._bound_port()}/file/bot"

    @property
    def control_url(self) -> str:
        """Where a process that did not start the stand-in scripts it (see :meth:`_control`)."""
        return f"http://{self.host}:{self._bound_port()}/_standin"

    def _bound_port(self) -> int:
        if self._server is None:
            raise RuntimeError("BotApiStandIn is not started: call start() or use it as a context manager")
        return self._server.server_address[1]

    def start(self) -> BotApiStandIn:
        if self._server is not None:
            return self
        self._closing = False
        self._server = _Server((self.host, self.port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="botapi-standin", daemon=True
        )
        self._thread.start()
        self._webhook_thread = threading.Thread(target=self._webhook_worker, name="botapi-webhook", daemon=True)
        self._webhook_thread.start()
        return self

    def close(self) -> None:
        server = self._server
        if server is None:
            return
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        server.shutdown()
        server.server_close()
        with server.connections_lock:
            connections = list(server.connections)
        for connection in connections:  # idle keep-alive connections would otherwise outlive the server
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in (self._thread, self._webhook_thread):
            if thread is not None:
                thread.join(timeout=2)
        self._server = None

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- users type things -----------------------------------------------------------------------------------

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        first_name: str = "Test",
        username: str | None = None,
        chat_title: str | None = None,
    ) -> int:
        """A user writes ``text``; a leading "/word" (with any "@botname") gets a bot_command entity."""
        if user_id is None:
            user_id = chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID
        user = self._user(user_id, first_name, username, language_code)
        with self._lock:
            chat = self._remember_chat(chat_id, chat_type, chat_title, first_name, username)
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id),
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0] if text.strip() else text
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
            self._messages[(chat_id, message["message_id"])] = message
            return self._queue_update({"message": message})

    def push_callback(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        *,
        message_id: int,
        language_code: str | None = "en",
        chat_type: str = "private",
        first_name: str = "Test",
    ) -> int:
        """A user taps an inline button under ``message_id``, which must be a message the bot sent."""
        with self._lock:
            message = self._messages.get((chat_id, message_id))
            if message is None or not message.get("from", {}).get("is_bot"):
                raise ValueError(f"chat {chat_id} has no message {message_id} sent by the bot")
            query_id = str(next(self._callback_ids))
            if chat_id not in self._chats:
                self._remember_chat(chat_id, chat_type, None, first_name, None)
            query = {
                "id": query_id,
                "from": self._user(user_id, first_name, None, language_code),
                "message": json.loads(json.dumps(message)),
                "chat_instance": str(abs(chat_id) * 7919 + self.bot_user["id"]),
                "data": data,
            }
            self._callbacks[query_id] = {"answered": False, "chat_id": chat_id, "data": data}
            return self._queue_update({"callback_query": query})

    def push_update(self, update: dict[str, Any]) -> int:
        """Any update, as given (forged, odd or of a kind the helpers do not build); numbered if it is not."""
        with self._lock:
            return self._queue_update(dict(update))

    def _queue_update(self, update: dict[str, Any]) -> int:
        if "update_id" in update:
            update_id = int(update["update_id"])
            if update_id > self._last_update_id:
                self._update_ids = itertools.count(update_id + 1)
        else:
            update_id = next(self._update_ids)
            update = {"update_id": update_id, **update}
        in_order = not self._updates or self._updates[-1]["update_id"] < update_id
        self._last_update_id = max(self._last_update_id, update_id)
        self._updates.append(update)
        if not in_order:  # a forged id from the past: the queue stays sorted, offsets rely on it
            self._updates = deque(sorted(self._updates, key=lambda queued: queued["update_id"]))
        self._changed.notify_all()
        return update_id

    def _user(self, user_id: int, first_name: str, username: str | None, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def _remember_chat(
        self, chat_id: int, chat_type: str, title: str | None, first_name: str, username: str | None
    ) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
            if username:
                chat["username"] = username
        else:
            chat["title"] = title or f"Test {chat_type} {chat_id}"
        self._chats[chat_id] = chat
        return chat

    def _chat(self, chat_id: int) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = {"id": chat_id, "type": "private", "first_name": "Test"}
            else:
                kind = "supergroup" if chat_id < SUPERGROUP_ID_BELOW else "group"
                chat = {"id": chat_id, "type": kind, "title": f"Test {kind} {chat_id}"}
            self._chats[chat_id] = chat
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    # -- what the bot did ------------------------------------------------------------------------------------

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        with self._lock:
            return [message for message in self.sent if message.chat_id == chat_id]

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method.lower() == method.lower()]

    def wait_for_sent(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """Block until ``count`` messages were sent. Never call it on the bot's event loop: use the async one."""
        self.wait_for(lambda: len(self.sent) >= count, timeout, f"{count} sent message(s)")
        with self._lock:
            return list(self.sent)

    async def wait_for_sent_async(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """For tests running the bot in the same event loop, which a blocking wait would freeze."""
        deadline = time.monotonic() + timeout
        while len(self.sent) < count:
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(f"{count} sent message(s)", timeout))
            await asyncio.sleep(0.01)
        with self._lock:
            return list(self.sent)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "the condition") -> None:
        """Block until ``predicate()`` holds (checked on every change); TimeoutError says what did happen."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(what, timeout))
                self._changed.wait(remaining)

    def _timeout_message(self, what: str, timeout: float) -> str:
        with self._lock:
            sent = [f"{m.method} to {m.chat_id}: {(m.plain_text or m.text or '')[:60]!r}" for m in self.sent[-5:]]
            failed = [f"{c.method} -> {c.status} {c.error}" for c in self.calls if c.error][-5:]
            methods: dict[str, int] = {}
            for call in self.calls:
                methods[call.method] = methods.get(call.method, 0) + 1
            return (
                f"waited {timeout}s for {what}; sent so far: {len(self.sent)} (last: {sent}); "
                f"calls by method: {methods}; last failures: {failed}; pending updates: {len(self._updates)}"
            )

    def clear(self) -> None:
        """Forget what was sent and called (not chats, updates or settings), e.g. after a warm-up."""
        with self._lock:
            self.sent.clear()
            self.calls.clear()
            self.answered_callbacks.clear()

    # -- scripting -------------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str = "",
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id`` if given) fail as Telegram would say."""
        if not description:
            description = DEFAULT_DESCRIPTIONS.get(error_code, "Error")
            if error_code == 429 and retry_after is not None:
                description = f"Too Many Requests: retry after {retry_after}"
        with self._lock:
            self._failures.append(_Failure(method.lower(), error_code, description, retry_after, chat_id, times))

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot (or the group removed it): every send to the chat answers 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def set_chat_admins(self, chat_id: int, user_ids: Iterable[int], *, creator_id: int | None = None) -> None:
        """Who getChatMember reports as "administrator" (``creator_id``: "creator") in ``chat_id``."""
        with self._lock:
            self._admins[chat_id] = [int(user_id) for user_id in user_ids]
            if creator_id is not None:
                self._creators[chat_id] = int(creator_id)

    def set_latency(self, seconds: float) -> None:
        """Delay every send by ``seconds``, to make benchmarks feel a real network round trip."""
        with self._lock:
            self._latency = max(0.0, float(seconds))

    # -- dispatch --------------------------------------------------------------------------------------------

    def _dispatch(
        self, verb: str, raw_path: str, content_type: str, body: bytes, connection: socket.socket | None = None
    ) -> tuple[int, bytes, str]:
        self._local.connection = connection
        split = urlsplit(raw_path)
        path = unquote(split.path)
        if path.startswith("/_standin/"):
            return self._control(path.removeprefix("/_standin/"), split.query, body)
        if path.startswith("/file/bot"):
            return self._download(path.removeprefix("/file/bot"))
        if not path.startswith("/bot"):
            return self._json(ApiError(404, "Not Found").payload(), 404)
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            # Telegram: 401 for a well-formed but unknown token, 404 for a malformed one.
            code = 401 if re.fullmatch(r"\d+:[\w-]+", token) else 404
            self._record_call(method, {}, code, DEFAULT_DESCRIPTIONS[code])
            return self._json(ApiError(code, DEFAULT_DESCRIPTIONS[code]).payload(), code)
        try:
            params = _decode_params(parse_qsl(split.query, keep_blank_values=True))
            params.update(self._body_params(content_type, body))
        except ApiError as error:
            return self._json(error.payload(), error.error_code)
        name, handler = self._methods.get(method.lower(), (method, None))
        try:
            self._maybe_fail(name, params)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params)
        except ApiError as error:
            self._record_call(name, params, error.error_code, error.description)
            return self._json(error.payload(), error.error_code)
        self._record_call(name, params, 200, None)
        return self._json({"ok": True, "result": result}, 200)

    def _body_params(self, content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":
            return _parse_multipart(body, content_type)
        if kind == "application/json":
            try:
                decoded = json.loads(body)
            except ValueError as exc:
                raise _bad_request("can't parse JSON encoded request") from exc
            if not isinstance(decoded, dict):
                raise _bad_request("can't parse JSON encoded request")
            return decoded
        return _decode_params(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))

    @staticmethod
    def _json(payload: object, status: int) -> tuple[int, bytes, str]:
        body = json.dumps(payload, ensure_ascii=False, default=_json_default)
        return status, body.encode("utf-8"), "application/json"

    def _record_call(self, method: str, params: dict[str, Any], status: int, error: str | None) -> None:
        with self._changed:
            self.calls.append(ApiCall(method, params, time.monotonic(), status, error))
            self._changed.notify_all()

    def _maybe_fail(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            for failure in self._failures:
                if failure.method != method.lower():
                    continue
                if failure.chat_id is not None and str(params.get("chat_id")) != str(failure.chat_id):
                    continue
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                raise ApiError(failure.error_code, failure.description, parameters)

    def _download(self, rest: str) -> tuple[int, bytes, str]:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            return self._json(ApiError(401, "Unauthorized").payload(), 401)
        with self._lock:
            upload = self.files.get(file_path.removeprefix("files/"))
        if upload is None:
            return self._json(ApiError(404, "Not Found").payload(), 404)
        return 200, upload.data, upload.content_type or "application/octet-stream"

    # -- the methods -----------------------------------------------------------------------------------------

    def _true(self, params: dict[str, Any]) -> bool:
        return True

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.bot_user)

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        wait = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_WAIT_S)
        deadline = time.monotonic() + wait
        with self._changed:
            if self.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
            if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
                self._allowed_updates = [str(kind) for kind in params["allowed_updates"]]
            if offset < 0:  # Telegram: the last -offset updates; everything before is forgotten
                while len(self._updates) > -offset:
                    self._updates.popleft()
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()  # confirmed by the offset: gone for good, as on Telegram
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed.notify_all()  # an older long poll still waiting now ends with 409, like Telegram
            while True:
                batch = [update for update in self._updates if self._allowed(update)][:limit]
                if batch or self._closing:
                    return batch
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._changed.wait(remaining)
                if generation != self._poll_generation:
                    if _client_gone(getattr(self._local, "connection", None)):
                        raise _ClientGone  # PTB cancelled this poll before its last one: not a conflict
                    raise ApiError(409, POLL_CONFLICT)
                if self.webhook is not None:
                    raise ApiError(409, WEBHOOK_CONFLICT)

    def _allowed(self, update: dict[str, Any]) -> bool:
        if not self._allowed_updates:
            return True
        return any(kind in update for kind in self._allowed_updates)

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        if not re.match(r"^https?://", url):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN_RE.match(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        with self._changed:
            if params.get("drop_pending_updates"):
                self._updates.clear()
            self.webhook = {
                "url": url,
                "secret_token": secret,
                "max_connections": int(params.get("max_connections") or 40),
                "allowed_updates": params.get("allowed_updates"),
                "ip_address": params.get("ip_address"),
            }
            self._webhook_error = None
            self._changed.notify_all()
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        with self._changed:
            self.webhook = None
            if params.get("drop_pending_updates"):
                self._updates.clear()
            self._changed.notify_all()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            info: dict[str, Any] = {
                "url": self.webhook["url"] if self.webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self.webhook:
                info["max_connections"] = self.webhook["max_connections"]
                if self.webhook.get("allowed_updates"):
                    info["allowed_updates"] = self.webhook["allowed_updates"]
                if self._webhook_error:
                    info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    def _target_chat(self, params: dict[str, Any]) -> int:
        """The chat a send goes to, refused as Telegram refuses it; also where latency is simulated."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad_request("chat not found")
        with self._lock:
            latency = self._latency
            blocked = chat_id in self._blocked
            kind = self._chat(chat_id)["type"]
        if latency:
            time.sleep(latency)
        if blocked:
            reason = {
                "private": "bot was blocked by the user",
                "group": "bot was kicked from the group chat",
                "supergroup": "bot was kicked from the supergroup chat",
            }.get(kind, "bot is not a member of the channel chat")
            raise ApiError(403, f"Forbidden: {reason}")
        return chat_id

    def _formatted(
        self, text: str, params: dict[str, Any], limit: int, entities_key: str, what: str
    ) -> tuple[str, list[dict[str, Any]]]:
        parse_mode = params.get("parse_mode") or None
        mode = str(parse_mode).lower() if parse_mode else None
        try:
            if mode == "html":
                plain, entities = parse_html(text)
            elif mode == "markdownv2":
                check_markdown_v2(text)
                plain, entities = text, []
            elif mode in (None, "markdown"):
                given = params.get(entities_key)
                plain, entities = text, list(given) if isinstance(given, list) else []
            else:
                raise _bad_request("unsupported parse_mode")
        except HtmlParseError as error:
            raise _bad_request(f"can't parse entities: {error}") from error
        plain, entities = _trim(plain, entities)
        if what == "text" and not plain:
            raise _bad_request("message text is empty")
        if len(plain) > limit:
            raise _bad_request("message is too long" if what == "text" else "message caption is too long")
        return plain, entities

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
                data = button.get("callback_data")
                url = button.get("url")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                    raise _bad_request("BUTTON_DATA_INVALID")
                if url is not None and not BUTTON_URL_RE.match(str(url)):
                    raise _bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
                actions = {"callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
                           "web_app", "login_url", "callback_game", "pay", "copy_text",
                           "switch_inline_query_chosen_chat"}
                if not actions & button.keys():
                    raise _bad_request("text buttons are unallowed in the inline keyboard")
        return markup

    def _new_message(self, chat_id: int, content: dict[str, Any], markup: dict[str, Any] | None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if markup and "inline_keyboard" in markup:  # Telegram echoes only inline keyboards
            message["reply_markup"] = markup
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _record_sent(self, sent: SentMessage) -> None:
        self.sent.append(sent)
        self._changed.notify_all()

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        text = str(text)
        plain, entities = self._formatted(text, params, TEXT_LIMIT, "entities", "text")
        markup = self._markup(params)
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        with self._changed:
            message = self._new_message(chat_id, content, markup)
            self._record_sent(
                SentMessage("sendMessage", chat_id, message["message_id"], text, params.get("parse_mode"), markup,
                            None, time.monotonic(), plain_text=plain, entities=entities)
            )
            return dict(message)  # a copy: an edit may change the stored one while this answer is written

    def _file(self, params: dict[str, Any], key: str, kind: str) -> tuple[UploadedFile | None, str]:
        """The uploaded file (or the one a file_id names) and its file_id; URLs are accepted, never fetched."""
        value = params.get(key)
        if value is None or value == "":
            raise _bad_request(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.data:
                raise _bad_request("file must be non-empty")
            file_id = f"standin-{kind}-{next(self._file_ids)}"
            return value, file_id
        if isinstance(value, str) and value.startswith("attach://"):
            attached = params.get(value.removeprefix("attach://"))
            if isinstance(attached, UploadedFile):
                return attached, f"standin-{kind}-{next(self._file_ids)}"
        if isinstance(value, str) and re.match(r"^https?://", value):
            return None, f"standin-{kind}-{next(self._file_ids)}"
        with self._lock:
            known = self.files.get(str(value))
        if known is None:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        return known, str(value)

    def _caption(self, params: dict[str, Any]) -> tuple[str | None, str | None, list[dict[str, Any]]]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, None, []
        plain, entities = self._formatted(str(caption), params, CAPTION_LIMIT, "caption_entities", "caption")
        return str(caption), plain, entities

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        upload, file_id = self._file(params, "photo", "photo")
        if upload is not None and not upload.data.startswith((b"\x89PNG", b"\xff\xd8", b"GIF8", b"RIFF")):
            raise _bad_request("IMAGE_PROCESS_FAILED")
        caption, plain, entities = self._caption(params)
        markup = self._markup(params)
        width, height = _image_size(upload.data if upload else b"")
        content: dict[str, Any] = {
            "photo": [{"file_id": file_id, "file_unique_id": file_id.removeprefix("standin-"), "width": width,
                       "height": height, "file_size": len(upload.data) if upload else 0}]
        }
        if plain:
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        with self._changed:
            if upload is not None:
                self.files[file_id] = upload
            message = self._new_message(chat_id, content, markup)
            self._record_sent(
                SentMessage("sendPhoto", chat_id, message["message_id"], caption, params.get("parse_mode"), markup,
                            upload.data if upload else None, time.monotonic(), plain_text=plain, entities=entities)
            )
        return dict(message)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        upload, file_id = self._file(params, "document", "document")
        caption, plain, entities = self._caption(params)
        markup = self._markup(params)
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": file_id.removeprefix("standin-")}
        if upload is not None:
            document.update(file_size=len(upload.data))
            if upload.filename:
                document["file_name"] = upload.filename
            if upload.content_type:
                document["mime_type"] = upload.content_type
        content: dict[str, Any] = {"document": document}
        if plain:
            content["caption"] = plain
            if entities:
                content["caption_entities"] = entities
        with self._changed:
            if upload is not None:
                self.files[file_id] = upload
            message = self._new_message(chat_id, content, markup)
            self._record_sent(
                SentMessage("sendDocument", chat_id, message["message_id"], caption, params.get("parse_mode"),
                            markup, None, time.monotonic(), plain_text=plain, entities=entities,
                            document=upload.data if upload else None, filename=upload.filename if upload else None)
            )
        return dict(message)

    def _message_to_edit(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise _bad_request("MESSAGE_ID_INVALID")  # inline messages are not simulated
        chat_id = self._target_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad_request("message identifier is not specified")
        with self._lock:
            message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _bad_request("message to edit not found")
        if not message.get("from", {}).get("is_bot"):
            raise _bad_request("message can't be edited")
        return chat_id, message

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message = self._message_to_edit(params)
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        text = str(text)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        plain, entities = self._formatted(text, params, TEXT_LIMIT, "entities", "text")
        markup = self._markup(params)  # no reply_markup in an edit removes the keyboard, as on Telegram
        with self._changed:
            same_markup = message.get("reply_markup") == (markup if markup and "inline_keyboard" in markup else None)
            if message["text"] == plain and message.get("entities", []) == entities and same_markup:
                raise ApiError(400, NOT_MODIFIED)
            message["text"] = plain
            message["edit_date"] = int(time.time())
            self._replace_markup(message, markup)
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self._record_sent(
                SentMessage("editMessageText", chat_id, message["message_id"], text, params.get("parse_mode"),
                            markup, None, time.monotonic(), edited=True, plain_text=plain, entities=entities)
            )
            return dict(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        _, message = self._message_to_edit(params)
        markup = self._markup(params)
        with self._lock:
            if message.get("reply_markup") == (markup if markup and "inline_keyboard" in markup else None):
                raise ApiError(400, NOT_MODIFIED)
            self._replace_markup(message, markup)
            message["edit_date"] = int(time.time())
            return dict(message)

    @staticmethod
    def _replace_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._target_chat(params)
        with self._lock:
            if self._messages.pop((chat_id, int(params.get("message_id") or 0)), None) is None:
                raise _bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        text = params.get("text")
        if text is not None and len(str(text)) > CALLBACK_ANSWER_LIMIT:
            raise _bad_request("MESSAGE_TOO_LONG")
        with self._changed:
            query = self._callbacks.get(query_id)
            if query is None or query["answered"]:
                raise _bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
            query["answered"] = True
            self.answered_callbacks.append(dict(params))
            self._changed.notify_all()
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad_request("can't parse BotCommandScope JSON object")
        key = str(scope["type"])
        if "chat_id" in scope:
            key += f":{scope['chat_id']}"
        if "user_id" in scope:
            key += f":{scope['user_id']}"
        return key, str(params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        for command in commands:
            if not isinstance(command, dict) or "command" not in command:
                raise _bad_request("can't parse BotCommand: Can't find field \"command\"")
            if "description" not in command:
                raise _bad_request("can't parse BotCommand: Can't find field \"description\"")
            if not COMMAND_RE.match(str(command["command"])):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not str(command["description"]).strip():
                raise _bad_request("command description must be non-empty")
        key = self._scope_key(params)
        with self._changed:
            if commands:
                self.my_commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
            else:
                self.my_commands.pop(key, None)
            self._changed.notify_all()
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.my_commands.get(self._scope_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self.my_commands.pop(self._scope_key(params), None)
        return True

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise _bad_request("chat not found")
        with self._lock:
            chat = dict(self._chat(chat_id))
        # ChatFullInfo: PTB 22 refuses the answer without these
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                 "premium_subscription": False, "gifts_from_channels": False},
        )
        return chat

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_user["id"]:
            user: dict[str, Any] = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        else:
            user = {"id": user_id, "is_bot": False, "first_name": "Test"}
        if self._creators.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self._admins.get(chat_id, []):
            rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                      "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                      "can_delete_stories", "can_pin_messages")
            return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
                    "can_promote_members": False, **dict.fromkeys(rights, True)}
        return {"status": "member", "user": user}

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = params.get("chat_id"), params.get("user_id")
        if not isinstance(chat_id, int):
            raise _bad_request("chat not found")
        if not isinstance(user_id, int):
            raise _bad_request("invalid user_id specified")
        with self._lock:
            return self._member(chat_id, user_id)

    def _get_chat_administrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise _bad_request("chat not found")
        with self._lock:
            if self._chat(chat_id)["type"] == "private":
                raise _bad_request("there are no administrators in the private chat")
            creator = self._creators.get(chat_id)
            ids = ([creator] if creator is not None else []) + [
                user_id for user_id in self._admins.get(chat_id, []) if user_id != creator
            ]
            return [self._member(chat_id, user_id) for user_id in ids]

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._target_chat(params)
        actions = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                   "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
        if params.get("action") not in actions:
            raise _bad_request("wrong parameter action in request")
        return True

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id") or "")
        with self._lock:
            upload = self.files.get(file_id)
        if upload is None:
            raise _bad_request("invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id.removeprefix("standin-"),
                "file_size": len(upload.data), "file_path": f"files/{file_id}"}

    # -- webhook ---------------------------------------------------------------------------------------------

    def wait_for_webhook_deliveries(self, count: int, timeout: float = 5.0) -> list[WebhookDelivery]:
        self.wait_for(lambda: len(self.webhook_deliveries) >= count, timeout, f"{count} webhook deliveries")
        with self._lock:
            return list(self.webhook_deliveries)

    def _webhook_worker(self) -> None:
        """Deliver pending updates one at a time, in order, while a webhook is set (as Telegram does)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an environment proxy
        while True:
            with self._changed:
                while not self._closing and not (self.webhook is not None and self._updates):
                    self._changed.wait()
                if self._closing:
                    return
                update = self._updates[0]
                hook = dict(self.webhook or {})
            headers = {"Content-Type": "application/json"}
            if hook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(hook["secret_token"])
            request = urllib.request.Request(hook["url"], data=json.dumps(update).encode(), headers=headers)
            status: int | None = None
            error: str | None = None
            try:
                with opener.open(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"Wrong response from the webhook: {exc.code} {exc.reason}"
            except (OSError, ValueError) as exc:
                error = f"Connection failed: {exc}"
            with self._changed:
                if self._updates and self._updates[0] is update:
                    self._updates.popleft()  # delivered, or failed and not retried (see module docstring)
                self.webhook_deliveries.append(
                    WebhookDelivery(update["update_id"], hook["url"], status, error, time.monotonic())
                )
                if error:
                    self._webhook_error = (int(time.time()), error)
                self._changed.notify_all()

    # -- control endpoints, for a stand-in in another process -------------------------------------------------

    _CONTROL_ACTIONS = frozenset(
        {"push_text", "push_callback", "push_update", "fail_next", "block_chat", "unblock_chat", "set_chat_admins",
         "set_latency", "clear"}
    )

    def _control(self, action: str, query: str, body: bytes) -> tuple[int, bytes, str]:
        """``POST /_standin/<method>`` with a JSON object of keyword arguments calls that scripting method
        (push_text, push_callback, push_update, fail_next, block_chat, unblock_chat, set_chat_admins,
        set_latency, clear); ``GET /_standin/sent?chat_id=``, ``/calls?method=``, ``/stats`` read the records.
        """
        args = dict(parse_qsl(query))
        try:
            if action == "sent":
                with self._lock:
                    chosen = [m for m in self.sent if "chat_id" not in args or str(m.chat_id) == args["chat_id"]]
                return self._json({"ok": True, "result": [asdict(m) for m in chosen]}, 200)
            if action == "calls":
                with self._lock:
                    calls = [asdict(c) for c in self.calls if "method" not in args or c.method == args["method"]]
                return self._json({"ok": True, "result": calls}, 200)
            if action == "stats":
                with self._lock:
                    methods: dict[str, int] = {}
                    for call in self.calls:
                        methods[call.method] = methods.get(call.method, 0) + 1
                    stats = {"sent": len(self.sent), "calls": methods, "pending_updates": len(self._updates),
                             "errors": sum(1 for call in self.calls if call.error)}
                return self._json({"ok": True, "result": stats}, 200)
            if action not in self._CONTROL_ACTIONS:
                return self._json(ApiError(404, f"Not Found: no control action {action!r}").payload(), 404)
            kwargs = json.loads(body) if body else {}
            result = getattr(self, action)(**kwargs)
            return self._json({"ok": True, "result": result}, 200)
        except (TypeError, ValueError, KeyError) as exc:
            return self._json(ApiError(400, f"Bad Request: {exc}").payload(), 400)


def _json_default(value: object) -> object:
    """Uploads and file contents appear in control answers as their size, not their bytes."""
    if isinstance(value, bytes):
        return {"bytes": len(value)}
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "content_type": value.content_type, "bytes": len(value.data)}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG (read from its IHDR chunk); other formats get a plausible 1280x720."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1280, 720


def main(argv: list[str] | None = None) -> int:
    """Run a stand-in until interrupted; the first line of output is its base URL, for scripts to read."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--username", default="ogp_watch_test_bot")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every send")
    args = parser.parse_args(argv)
    standin = BotApiStandIn(args.token, args.host, args.port, args.username).start()
    standin.set_latency(args.latency)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(standin.base_url, flush=True)
    print(f"file URL: {standin.base_file_url}  control: {standin.control_url}  token: {standin.token}",
          file=sys.stderr, flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
