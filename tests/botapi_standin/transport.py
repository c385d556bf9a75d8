"""HTTP plumbing: the threaded server, the request handler, and decoding parameters as Telegram does.

Why thin and apart: the handler only parses a request, hands it to ``BotApiStandIn._dispatch`` and writes one
JSON answer; everything Telegram-like lives in the stand-in's state and methods, not in the transport.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import threading
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tests.botapi_standin.records import UploadedFile, bad_request

if TYPE_CHECKING:
    from tests.botapi_standin.server import BotApiStandIn


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


class ClientGone(Exception):
    """The client closed the connection while its request waited: answer nothing, record nothing."""


def client_gone(connection: socket.socket | None) -> bool:
    if connection is None:
        return False
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def decode_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in pairs:
        params[key] = decode_value(key, value)
    return params


def decode_value(key: str, value: str) -> Any:
    if key in TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """multipart/form-data by hand: the cgi module is gone in 3.13 and email's parser may touch binary data."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise bad_request("can't parse multipart/form-data: no boundary")
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
            params[name.group(1)] = decode_value(name.group(1), content.decode("utf-8", "replace"))
    return params


def json_default(value: object) -> object:
    """Uploads and file contents appear in control answers as their size, not their bytes."""
    if isinstance(value, bytes):
        return {"bytes": len(value)}
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "content_type": value.content_type, "bytes": len(value.data)}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class StandInServer(ThreadingHTTPServer):
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
    server: StandInServer

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
        except ClientGone:
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
