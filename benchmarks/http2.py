"""What HTTP/2 costs and saves against HTTP/1.1 keep-alive: the fetcher's conditional GETs to one TLS site.

OGP's website is served over TLS and offers HTTP/2, so that is what the watcher meets in real use. The
server (``tests/http2_site.py``, Hypercorn with a throwaway certificate authority) runs in a child process,
so the CPU figure is the fetcher's alone. Each round makes ``--requests`` conditional GETs (all 304) with a
new fetcher, HTTP/2 on and off in turn, so both see the same machine; medians are printed with the number of
connections the server saw. Settings overridden: no per-host gap, per-host concurrency ``--concurrency``
(real use keeps a 1 s gap and 2 at once), private addresses allowed (loopback).

    python -m benchmarks.http2 [--requests 1000] [--concurrency 8] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
from multiprocessing.connection import Connection

from jobs.fetch import Fetcher, FetchOutcome, FetchPolicy


def _serve(conn: Connection) -> None:
    from tests.http2_site import Http2Site

    with Http2Site() as site:
        conn.send((site.url, site.ca_file))
        while (message := conn.recv()) != "stop":
            if message == "connections":
                conn.send(len(site.connections()))
            elif message == "reset":
                site.requests.clear()
                conn.send("ok")


async def _round(url: str, policy: FetchPolicy, requests: int) -> tuple[float, float]:
    from tests.http2_site import ETAG

    async with Fetcher(policy) as fetcher:
        wall, cpu = time.perf_counter(), time.process_time()
        results = await asyncio.gather(*(fetcher.fetch(f"{url}/page/{n}", etag=ETAG) for n in range(requests)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    failed = [r for r in results if r.outcome is not FetchOutcome.NOT_MODIFIED]
    if failed:
        raise SystemExit(f"{len(failed)} requests did not come back 304, e.g. {failed[0].error}")
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.rounds) < 1:
        parser.error("--requests, --concurrency and --rounds must be at least 1")

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(theirs,), daemon=True)
    server.start()
    url, ca_file = ours.recv()
    os.environ["SSL_CERT_FILE"] = ca_file
    figures: dict[str, list[tuple[float, float, int]]] = {"HTTP/2": [], "HTTP/1.1": []}
    try:
        for _ in range(args.rounds):
            for name, http2 in (("HTTP/2", True), ("HTTP/1.1", False)):
                policy = FetchPolicy(allow_private=True, politeness_delay_s=0.0, retries=0,
                                     per_host_concurrency=args.concurrency, http2=http2)
                ours.send("reset")
                ours.recv()
                wall, cpu = asyncio.run(_round(url, policy, args.requests))
                ours.send("connections")
                figures[name].append((wall, cpu, ours.recv()))
    finally:
        ours.send("stop")
        server.join(10)

    print(f"{args.requests} conditional GETs (304) to one TLS site, concurrency {args.concurrency}, "
          f"{args.rounds} rounds, medians")
    print("| protocol | wall s | CPU s | CPU ms per request | connections |\n| --- | --- | --- | --- | --- |")
    for name, rows in figures.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {cpu / args.requests * 1000:.2f} | "
              f"{statistics.median(r[2] for r in rows):.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
