"""A small website on this machine: the demo, the tests and the benchmark watch it instead of the internet.

It is the standard library's threading HTTP server on loopback (a free port by default), answering from a
table of paths that can change while it runs, so a test can change a page between two checks, or put a
misbehaving handler (``tests/local_site_faults.py``) at a path. Static pages behave like a well-run web
server: a strong ETag and, if given, a Last-Modified date, with 304 answers to conditional requests, which
is what the watcher relies on to skip unchanged pages.

HTTP/1.1 with keep-alive, a deep accept queue and no access log, so that a benchmark of a thousand sources
measures the watcher rather than the server. ``close()`` returns at once even with a slow handler in the
middle of a response: open connections are shut down and the handler threads are daemons.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

Handler = Callable[[BaseHTTPRequestHandler], None]
"""Answers one request in full. On a kept-alive connection the answer needs a Content-Length, or the
handler sets ``close_connection = True`` and the body ends when the connection does."""

NOT_FOUND = b"<!doctype html><html><head><title>Not found</title></head><body><h1>Not found</h1></body></html>"


@dataclass(frozen=True)
class SiteRequest:
    """One request as the site saw it; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    query: str = ""


@dataclass(frozen=True)
class _Page:
    body: bytes
    status: int
    headers: dict[str, str]
    etag: str | None
    last_modified: int | None  # whole seconds since the epoch, the precision of an HTTP date

    def not_modified(self, request_headers: Mapping[str, str]) -> bool:
        """RFC 9110 section 13.2.2: If-None-Match, when present, decides alone; only 200s become 304s."""
        if self.status != 200:
            return False
        if_none_match = request_headers.get("if-none-match")
        if if_none_match is not None:
            if self.etag is None:
                return False
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or self.etag in tags
        if_modified_since = request_headers.get("if-modified-since")
        if if_modified_since is None or self.last_modified is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return since.timestamp() >= self.last_modified


class LocalSite:
    """A website on ``host`` (loopback by default) serving whatever ``page()`` and ``handler()`` put at a path."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[SiteRequest] = []
        self._routes: dict[str, _Page | Handler] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` with no trailing slash; known once the site has started (the port may be free)."""
        if self._server is None:
            raise RuntimeError("the local site is not running: call start() or use it as a context manager")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def page(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        etag: bool = True,
        last_modified: datetime | None = None,
    ) -> None:
        """Serve ``body`` (a ``str`` is sent as UTF-8) at ``path``, replacing what was there."""
        data = body.encode() if isinstance(body, str) else body
        stamp = None
        if last_modified is not None:
            aware = last_modified if last_modified.tzinfo is not None else last_modified.replace(tzinfo=UTC)
            stamp = int(aware.timestamp())
        page_headers = {"Content-Type": content_type}
        tag = f'"{hashlib.sha1(data).hexdigest()}"' if etag else None
        if tag is not None:
            page_headers["ETag"] = tag
        if stamp is not None:
            page_headers["Last-Modified"] = formatdate(stamp, usegmt=True)
        page_headers.update(headers or {})
        self._set(path, _Page(data, status, page_headers, tag, stamp))

    def handler(self, path: str, fn: Handler) -> None:
        """Let ``fn`` answer every request for ``path`` (any method), e.g. a fault from ``local_site_faults``."""
        self._set(path, fn)

    def remove(self, path: str) -> None:
        with self._lock:
            self._routes.pop(path, None)

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for request in self.requests if request.path == path)

    def start(self) -> LocalSite:
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _RequestHandler)
        server.site = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"local-site-{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        server.drop_connections()
        thread.join(timeout=5)

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _set(self, path: str, route: _Page | Handler) -> None:
        with self._lock:
            self._routes[path] = route

    def _route(self, path: str) -> _Page | Handler | None:
        with self._lock:
            return self._routes.get(path)

    def _record(self, request: SiteRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Server(ThreadingHTTPServer):
    """Keeps its open connections so that closing the site can end them, instead of waiting for them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # the benchmark opens hundreds of connections at once
    site: LocalSite

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Wake every handler thread: blocked reads see end-of-file, blocked writes fail."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # closed in the meantime
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that goes away mid-answer is the normal end of a fault test, not an error."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # reset, broken pipe, or a connection closed by close()
            return
        log.warning("local site: error answering %s", client_address, exc_info=error)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would hold the second one
    server: _Server
    server_version = "LocalSite/1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a benchmark makes thousands of requests."""

    def _answer(self, *, send_body: bool) -> None:
        site = self.server.site
        target = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        site._record(SiteRequest(self.command, target.path, headers, target.query))
        route = site._route(target.path)
        if callable(route):
            route(self)
        elif route is None:
            self._send(404, {"Content-Type": "text/html; charset=utf-8"}, NOT_FOUND, send_body=send_body)
        elif route.not_modified(headers):
            validators = {k: v for k, v in route.headers.items() if k in ("ETag", "Last-Modified")}
            self._send(304, validators, b"", send_body=False)
        else:
            self._send(route.status, route.headers, route.body, send_body=send_body)

    def _send(self, status: int, headers: Mapping[str, str], body: bytes, *, send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
