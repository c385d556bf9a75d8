"""A TCP proxy on loopback that a test can use to take a server away and bring it back.

Point a client at ``proxy.port`` instead of the server's own port and the proxy passes bytes both ways.
``cut()`` resets every open connection, as a server restart or a dropped network does; ``refuse()`` closes the
listening socket, so new connections are refused (ECONNREFUSED) as by a server that is down; ``resume()``
listens again on the same port. ``outage(seconds)`` does all three, the last one later, without blocking.

Plain threads and blocking sockets: the proxy must keep working while the code under test blocks its own
event loop or threads, and it serves a handful of pooled database connections, not thousands.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from types import TracebackType

DEFAULT_UPSTREAM = ("127.0.0.1", 5432)
BUFFER = 64 * 1024
ACCEPT_POLL_S = 0.05


class TcpProxy:
    def __init__(self, upstream: tuple[str, int] = DEFAULT_UPSTREAM, *, host: str = "127.0.0.1") -> None:
        self.upstream = upstream
        self.host = host
        self._port = 0
        self._listener: socket.socket | None = None
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._accepting = threading.Event()
        self._thread: threading.Thread | None = None
        self.accepted = 0
        """Connections forwarded so far: a test can tell that a client really reconnected."""
        self.refused = 0
        """Outages so far (``refuse()`` calls)."""

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the proxy is not running: call start() or use it as a context manager")
        return self._port

    def start(self) -> TcpProxy:
        self._listen()
        self._thread = threading.Thread(target=self._accept_loop, name=f"tcp-proxy-{self._port}", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self.refuse()
        self.cut()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- faults --------------------------------------------------------------------------------------

    def cut(self) -> int:
        """Reset every open connection (both sides); returns how many there were."""
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for client, server in pairs:
            _reset(client)
            _reset(server)
        return len(pairs)

    def refuse(self) -> None:
        """Stop listening: new connections are refused until ``resume()``."""
        self._accepting.clear()
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.close()
            self.refused += 1

    def resume(self) -> None:
        """Listen again, on the same port."""
        if self._listener is None and not self._closed.is_set():
            self._listen()

    def outage(self, seconds: float) -> threading.Thread:
        """Cut and refuse now, resume after ``seconds`` (in the background); returns the thread that resumes."""
        self.refuse()
        self.cut()

        def later() -> None:
            if not self._closed.wait(seconds):
                self.resume()

        thread = threading.Thread(target=later, name=f"tcp-proxy-{self._port}-outage", daemon=True)
        thread.start()
        return thread

    # -- forwarding -----------------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the port is ours again after an outage
        listener.bind((self.host, self._port))
        listener.listen(128)
        listener.settimeout(ACCEPT_POLL_S)  # so that refuse() and close() are noticed without waking accept()
        self._port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        self._accepting.set()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            if not self._accepting.wait(ACCEPT_POLL_S):
                continue
            with self._lock:
                listener = self._listener
            if listener is None:
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):  # nobody came, or refuse() closed the listener under us
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            client.settimeout(None)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = (client, server)
            with self._lock:
                self._pairs.add(pair)
                self.accepted += 1
            for source, target in (pair, pair[::-1]):
                threading.Thread(target=self._pump, args=(pair, source, target), daemon=True,
                                 name=f"tcp-proxy-{self._port}-pump").start()

    def _pump(self, pair: tuple[socket.socket, socket.socket], source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(BUFFER):
                target.sendall(data)
        except OSError:
            pass  # reset or closed, by cut() or by either end
        # One side is gone: so is the connection, as a client or server would see it.
        with self._lock:
            self._pairs.discard(pair)
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (linger 0) rather than an orderly FIN: the peer sees the connection break.

    Shutting down the reading side first wakes the pump thread blocked in ``recv`` on it (closing alone
    would not, on Linux), and sends nothing."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)
    with contextlib.suppress(OSError):
        sock.close()

