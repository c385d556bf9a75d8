"""Misbehaving web servers, for ``LocalSite.handler()``: what the watcher must survive on the open web.

Each factory returns a handler that answers one request in full. Handlers that wait do so on the connection
(``_wait``), so they stop as soon as the client hangs up or the site closes, and a test that gave up early
leaves no thread behind writing into the void.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
import zlib
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler

from ogp_watch.local_site import Handler

HTML = "text/html; charset=utf-8"
CHUNK = 64 * 1024


def slow(seconds: float, body: str = "<html><body>slow</body></html>") -> Handler:
    """Headers at once, the body after ``seconds``: a server stuck in the middle of an answer."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        data = body.encode()
        _start(request, 200, {"Content-Type": HTML, "Content-Length": str(len(data))})
        if _wait(request, seconds):
            _write(request, data)

    return handle


def drip(total_seconds: float, body: str = "<html><body>" + "drip " * 20 + "</body></html>") -> Handler:
    """The body one byte at a time over ``total_seconds``: every read succeeds, the answer never ends in time."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        data = body.encode()
        _start(request, 200, {"Content-Type": HTML, "Content-Length": str(len(data))})
        pause = total_seconds / len(data)
        for i in range(len(data)):
            if not (_write(request, data[i : i + 1]) and _wait(request, pause)):
                return

    return handle


def reset() -> Handler:
    """Read the request, then drop the connection with a TCP reset and no answer at all."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True
        connection: socket.socket = request.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
        request.rfile.close()  # the last reference to the socket: now it really closes, and resets

    return handle


def endless() -> Handler:
    """A 200 page with no length that never ends, until the client goes away."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True
        _start(request, 200, {"Content-Type": HTML, "Connection": "close"})
        _write(request, b"<html><body>")
        while _write(request, b"endless " * (CHUNK // 8)):
            pass

    return handle


def huge(n_bytes: int) -> Handler:
    """A page that says (truthfully) that it is ``n_bytes`` long, and streams that much."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True
        _start(request, 200, {"Content-Type": HTML, "Content-Length": str(n_bytes)})
        block = b"x" * CHUNK
        sent = 0
        while sent < n_bytes and _write(request, block[: n_bytes - sent]):
            sent += min(CHUNK, n_bytes - sent)

    return handle


def gzip_bomb(decompressed_bytes: int) -> Handler:
    """A gzip body that expands to ``decompressed_bytes`` of zeros, about a thousand times its size.

    Compressed as it is sent, a megabyte at a time, so the server holds neither the gigabyte nor its
    compressed form, and stops compressing when the client hangs up.
    """

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True
        _start(request, 200, {"Content-Type": HTML, "Content-Encoding": "gzip", "Connection": "close"})
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        zeros = bytes(1024 * 1024)
        left = decompressed_bytes
        while left > 0:
            piece = zeros if left >= len(zeros) else zeros[:left]
            left -= len(piece)
            if not _write(request, compressor.compress(piece)):
                return
        _write(request, compressor.flush())

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    def handle(request: BaseHTTPRequestHandler) -> None:
        _start(request, status, {"Location": location, "Content-Length": "0"})

    return handle


def status(code: int, retry_after: int | None = None, body: str = "") -> Handler:
    """Always answer ``code`` (with a Retry-After header if given)."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        _answer(request, code, body, retry_after)

    return handle


def wrong_encoding() -> Handler:
    """Says UTF-8, sends Latin-1: the bytes are not valid UTF-8."""
    data = "<html><body><p>Gestión pública en Perú: compromisos del año</p></body></html>".encode("latin-1")

    def handle(request: BaseHTTPRequestHandler) -> None:
        _start(request, 200, {"Content-Type": HTML, "Content-Length": str(len(data))})
        request.wfile.write(data)

    return handle


def flaky(fail_times: int, then_body: str, *, fail_status: int = 503, retry_after: int | None = None) -> Handler:
    """``fail_status`` (a 5xx by default) for the first ``fail_times`` requests, then 200 with ``then_body``."""
    lock = threading.Lock()
    served = 0

    def handle(request: BaseHTTPRequestHandler) -> None:
        nonlocal served
        with lock:
            served += 1
            failing = served <= fail_times
        if failing:
            _answer(request, fail_status, "", retry_after)
        else:
            _answer(request, 200, then_body, None)

    return handle


def _answer(request: BaseHTTPRequestHandler, code: int, body: str, retry_after: int | None) -> None:
    data = body.encode()
    headers = {"Content-Type": HTML, "Content-Length": str(len(data))}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    _start(request, code, headers)
    request.wfile.write(data)


def _start(request: BaseHTTPRequestHandler, code: int, headers: Mapping[str, str]) -> None:
    request.send_response(code)
    for name, value in headers.items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.flush()


def _write(request: BaseHTTPRequestHandler, data: bytes) -> bool:
    """False once the client has gone away (or the site has closed)."""
    try:
        request.wfile.write(data)
    except OSError:
        return False
    return True


def _wait(request: BaseHTTPRequestHandler, seconds: float) -> bool:
    """Sleep ``seconds``; False, at once, if the client hangs up or the site closes meanwhile.

    A client waiting for an answer sends nothing, so the connection turns readable only at its end.
    """
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([request.connection], [], [], left)
        if readable:
            return False
    return True


def silent(seconds: float) -> Handler:
    """Read the request, then say nothing at all for ``seconds``: not even a status line."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True
        _wait(request, seconds)

    return handle


def truncated(declared_bytes: int, sent: bytes = b"<html><body><p>Synthetic page cut") -> Handler:
    """Promise ``declared_bytes``, send ``sent``, hang up: a download cut short by a crashing server."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.close_connection = True
        _start(request, 200, {"Content-Type": HTML, "Content-Length": str(declared_bytes)})
        _write(request, sent)

    return handle
