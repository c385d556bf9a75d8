"""Fan-out delivery: how fast the dispatcher empties the outbox, and what memory 10,000 subscribers cost.

Why this exists: one event can match every subscriber. Production sends at Telegram's ~30 messages/s,
so the question is whether the dispatcher keeps that rate (target: at least 95 % of the configured rate,
sustained) and stays small while doing it. With the limiter off it shows what the machinery itself can do:
the headroom above 30/s (database writes, python-telegram-bot, HTTP).

    python -m benchmarks.fanout [--chats 10000] [--rate 30] [--window 20] [--concurrency 8]
                                [--latency 0] [--database-url URL] [--trace-memory]

1. ``--chats`` synthetic chats (ids from 900,000,001; about 10 % groups; 60 % English, 40 % Spanish),
   each subscribed to every topic, are written to a fresh SQLite file (or an EMPTY database at
   ``--database-url``, left filled afterwards).
2. The Bot API stand-in (``tests/botapi_standin.py``) runs as its own process; ``--latency`` adds a
   round trip to every send.
3. Limiter off: one synthetic event is fanned out to every chat and delivered; deliveries/s over the
   whole run (fan-out included) and over the stand-in's first-to-last send.
4. Peak RSS of this process (``resource.getrusage``), before and after delivering to every chat;
   ``--trace-memory`` also delivers a second event under ``tracemalloc`` and reports the Python heap peak.
5. Limiter at ``--rate``/s (1/s per chat, 20/min per group): one more event, delivered for ``--window``
   seconds; the rate the stand-in saw and its share of the configured rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.tg.sender import TelegramSender, build_bot
from jobs.deliver import DEFAULT_CONCURRENCY, Dispatcher, DispatchStats
from jobs.rate_limit import DeliveryLimits
from storage import events
from storage.database import make_engine, normalize_url, session_scope, sqlite_url
from storage.events import NewEvent
from storage.models import Chat, ChatKind, EventKind, Subscription, SubscriptionKind, utcnow
from storage.schema import upgrade
from storage.subscriptions import Topic

TOKEN = "900000000:SYNTHETIC-BENCHMARK"
FIRST_CHAT = 900_000_001
TARGET_SHARE = 0.95


# -- the synthetic audience ------------------------------------------------------------------------------


def generate_chats(engine: Engine, count: int) -> None:
    """``count`` synthetic chats subscribed to everything, bulk-inserted (subscribing one by one through
    ``storage.subscriptions`` would take longer than the benchmark and measure nothing of interest)."""
    now = utcnow()
    chats, subscriptions = [], []
    for n in range(count):
        group = n % 10 == 9
        chat_id = -(100_000_000_000 + FIRST_CHAT + n) if group else FIRST_CHAT + n
        chats.append({"id": chat_id, "kind": ChatKind.SUPERGROUP if group else ChatKind.PRIVATE,
                      "title": f"Synthetic chat {n:05d} (synthetic)", "language": "es" if n % 5 >= 3 else "en",
                      "active": True, "created_at": now, "updated_at": now})
        subscriptions.append({"chat_id": chat_id, "kind": SubscriptionKind.TOPIC, "value": Topic.ALL,
                              "label": "everything (synthetic)", "created_at": now})
    with session_scope(engine) as session:
        if session.exec(select(func.count()).select_from(Chat)).one():
            raise SystemExit("the database already has chats; give an empty one (it is left filled afterwards)")
        for start in range(0, count, 5_000):
            session.execute(insert(Chat), chats[start:start + 5_000])
            session.execute(insert(Subscription), subscriptions[start:start + 5_000])


def record_event(engine: Engine, n: int) -> None:
    with session_scope(engine) as session:
        events.record_events(session, [NewEvent(
            key=f"synthetic-benchmark-{n}-{time.time_ns()}", kind=EventKind.NEW_REPORT,
            title=f"New IRM report: Synthetic Results Report {n} (synthetic)",
            url=f"https://synthetic.example/documents/synthetic-results-report-{n}/",
            evidence="This is a synthetic document generated for benchmarking; none of it is true. " * 3,
            payload={"member_name": "Synthetic Country 001", "member_name_es": "País Sintético 001",
                     "document_title": f"Synthetic Results Report {n}", "period": "2024-2026"},
        )])


# -- the stand-in, as its own process -------------------------------------------------------------------------


class StandIn:
    def __init__(self, latency: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.botapi_standin", "--port", "0", "--token", TOKEN, "--latency", str(latency)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1],
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().decode().strip()
        self.control = self.base_url.removesuffix("/bot") + "/_standin"
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy

    def _call(self, action: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        with self._opener.open(urllib.request.Request(f"{self.control}/{action}", data=data), timeout=60) as answer:
            return json.loads(answer.read())["result"]

    def send_times(self) -> list[float]:
        return sorted(message["time"] for message in self._call("sent"))

    def clear(self) -> None:
        self._call("clear", {})

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# -- the runs ---------------------------------------------------------------------------------------------


async def deliver_all(engine: Engine, standin: StandIn, concurrency: int) -> tuple[DispatchStats, float]:
    async with build_bot(TOKEN, standin.base_url, connections=concurrency) as bot:
        dispatcher = Dispatcher(engine, TelegramSender(bot), DeliveryLimits.off(), concurrency=concurrency)
        started = time.perf_counter()
        stats = await dispatcher.run_once()
        return stats, time.perf_counter() - started


async def deliver_for(engine: Engine, standin: StandIn, limits: DeliveryLimits, concurrency: int,
                      window: float) -> DispatchStats:
    async with build_bot(TOKEN, standin.base_url, connections=concurrency) as bot:
        dispatcher = Dispatcher(engine, TelegramSender(bot), limits, concurrency=concurrency)
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(window, stop.set)
        return await dispatcher.run(stop)


def rate_between(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def machine(engine: Engine) -> list[str]:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            database = "PostgreSQL " + str(session.execute(text("SHOW server_version")).scalar())
        else:
            database = f"SQLite {sqlite3.sqlite_version}"
    return [f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", f"cpu: {cpu}, {os.cpu_count()} cores",
            f"python: {platform.python_version()}", f"database: {database}", f"load average: {os.getloadavg()}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="configured messages/s for the limited run")
    parser.add_argument("--window", type=float, default=20.0, help="seconds the limited run lasts")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the stand-in adds to each send")
    parser.add_argument("--database-url", help="an EMPTY database (default: a fresh SQLite file, removed after)")
    parser.add_argument("--trace-memory", action="store_true", help="also measure the Python heap (tracemalloc)")
    args = parser.parse_args(argv)

    folder = None
    if args.database_url:
        url = normalize_url(args.database_url)
    else:
        folder = Path(tempfile.mkdtemp(prefix="ogp-fanout-bench-"))
        url = sqlite_url(folder / "bench.sqlite3")
    engine = make_engine(url)
    standin = StandIn(args.latency)
    try:
        upgrade(engine)
        started = time.perf_counter()
        generate_chats(engine, args.chats)
        backend = make_url(url).get_backend_name()
        print(f"{args.chats:,} synthetic chats on {backend} in {time.perf_counter() - started:.1f} s; "
              f"concurrency {args.concurrency}, stand-in latency {args.latency * 1000:.0f} ms")
        for line in machine(engine):
            print("  " + line)

        rss_before = peak_rss_mib()
        record_event(engine, 1)
        stats, elapsed = asyncio.run(deliver_all(engine, standin, args.concurrency))
        rss_after = peak_rss_mib()  # before reading the stand-in's records, which are large themselves
        times = standin.send_times()
        print(f"\nlimiter off: {stats.summary()} in {elapsed:.1f} s (fan-out included): "
              f"{stats.sent / elapsed:,.0f} deliveries/s; between first and last send "
              f"{rate_between(times):,.0f}/s")
        print(f"peak RSS: {rss_before:.0f} MiB before delivering, {rss_after:.0f} MiB after delivering to "
              f"{stats.sent:,} chats (+{rss_after - rss_before:.0f} MiB)")

        if args.trace_memory:
            standin.clear()
            record_event(engine, 2)
            tracemalloc.start()
            stats, elapsed = asyncio.run(deliver_all(engine, standin, args.concurrency))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"\nPython heap peak (tracemalloc) delivering to {stats.sent:,} chats: {peak / 2**20:.1f} MiB "
                  f"({elapsed:.0f} s, slowed by tracing)")

        standin.clear()
        record_event(engine, 3)
        limits = DeliveryLimits(per_second=args.rate, chat_per_second=1.0, group_per_minute=20.0)
        limited = asyncio.run(deliver_for(engine, standin, limits, args.concurrency, args.window))
        times = standin.send_times()
        achieved = rate_between(times)
        share = achieved / args.rate if args.rate else 0.0
        verdict = "met" if share >= TARGET_SHARE else "NOT met"
        print(f"\nlimiter at {args.rate:g}/s for {args.window:g} s: {limited.summary()}; "
              f"the stand-in saw {len(times)} sends over {times[-1] - times[0]:.2f} s = {achieved:.2f}/s, "
              f"{share:.1%} of the configured rate (target {TARGET_SHARE:.0%}: {verdict})")
    finally:
        standin.close()
        engine.dispose()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
