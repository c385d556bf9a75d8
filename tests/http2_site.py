"""A TLS website on loopback that speaks HTTP/2 (and HTTP/1.1 to clients that do not offer it).

Hypercorn, a real HTTP/2 server, serves pages under any path with a strong ETag and 304s to conditional
requests, like ``ogp_watch.local_site.LocalSite`` over plain HTTP. Its certificate comes from a throwaway
authority (trustme) whose certificate ``ca_file`` names: point ``SSL_CERT_FILE`` at it and any httpx
client trusts the site. Every request's path, protocol and client port is written down, so a test can
count connections. Used by tests/jobs/test_fetch_http2.py and ``python -m benchmarks.http2``.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config

PAGE = b"<html><head><title>Norway</title></head><body><p>Norway joined OGP in 2011.</p></body></html>"
ETAG = '"norway-v1"'


class Http2Site:
    def __init__(self, page: bytes = PAGE) -> None:
        self.page = page
        self.requests: list[tuple[str, str, int]] = []
        """(path, HTTP version as ASGI gives it: "2" or "1.1", client port) of every request."""
        self._folder = tempfile.TemporaryDirectory(prefix="ogp-watch-tls-")
        folder = Path(self._folder.name)
        authority = trustme.CA()
        self.ca_file = str(folder / "ca.pem")
        authority.cert_pem.write_to_path(self.ca_file)
        authority.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
        listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        self._config = Config()
        self._config.bind = [f"fd://{listener.detach()}"]  # Hypercorn owns the listening socket and closes it
        self._config.certfile = self._config.keyfile = str(folder / "server.pem")
        self._config.accesslog = self._config.errorlog = None
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),), daemon=True)

    def __enter__(self) -> Http2Site:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        self._folder.cleanup()

    def connections(self) -> set[int]:
        return {port for _, _, port in self.requests}

    async def _serve(self) -> None:
        await serve(self._app, self._config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        self.requests.append((scope["path"], scope["http_version"], scope["client"][1]))
        headers = dict(scope["headers"])
        if scope["path"] == "/robots.txt":
            status, body, extra = 404, b"", []
        elif headers.get(b"if-none-match") == ETAG.encode():
            status, body, extra = 304, b"", [(b"etag", ETAG.encode())]
        else:
            status, body = 200, self.page
            extra = [(b"etag", ETAG.encode()), (b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(body)).encode()), *extra]})
        await send({"type": "http.response.body", "body": body})
