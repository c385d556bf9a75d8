"""The web server serving the synthetic site, in a child process of its own.

Why a child process: the checker's CPU seconds per check are the figure measured, and a server in the same
process would add its own CPU time to them; apart, pinned to another CPU, its cost is read and printed
separately.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from multiprocessing.connection import Connection

from benchmarks.checks.pages import page_specs, render
from ogp_watch.local_site import LocalSite


def _serve(conn: Connection, count: int, report_share: float, seed: int, cpu: int | None) -> None:
    """Child process: serve the synthetic site with ``LocalSite`` and change pages when told to."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    specs = page_specs(count, report_share)
    site = LocalSite().start()
    sizes = []
    for spec in specs:
        body = render(spec, 0, seed)
        site.page(spec.path, body)
        sizes.append(len(body.encode()))
    conn.send((site.base_url, [(spec.path, spec.kind) for spec in specs], sizes))
    while True:
        command, *args = conn.recv()
        if command == "change":
            indices, version = args
            for i in indices:
                site.page(specs[i].path, render(specs[i], version, seed))
            conn.send(len(indices))
        elif command == "stats":
            conn.send((time.process_time(), len(site.requests)))
        elif command == "hits":
            (since,) = args
            conn.send(Counter(request.path for request in site.requests[since:]))
        else:
            site.close()
            conn.send("stopped")
            return


class SiteProcess:
    """The synthetic site in a child process, so its CPU time is not the checker's."""

    def __init__(self, count: int, report_share: float, seed: int, cpu: int | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, count, report_share, seed, cpu),
                                        name="synthetic-site", daemon=True)
        self._process.start()
        self.base_url, self.pages, self.sizes = self._conn.recv()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def change(self, indices: list[int], version: int) -> None:
        self._conn.send(("change", indices, version))
        self._conn.recv()

    def stats(self) -> tuple[float, int]:
        """(CPU seconds the server process has used, requests it has answered)."""
        self._conn.send(("stats",))
        return self._conn.recv()

    def hits(self, since: int) -> Counter[str]:
        """Requests per path from request number ``since`` on: a page fetched twice in a round was checked twice."""
        self._conn.send(("hits", since))
        return self._conn.recv()

    def close(self) -> None:
        if self._process.is_alive():
            self._conn.send(("stop",))
            self._conn.recv()
        self._process.join(timeout=10)
