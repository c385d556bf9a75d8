"""Fan-out delivery: how fast the dispatcher empties the outbox, and what memory 10,000 subscribers cost.

Why this exists: one event can match every subscriber. Production sends at Telegram's ~30 messages/s,
so the question is whether the dispatcher keeps that rate (target: at least 95 % of the configured rate,
sustained) and stays small while doing it. With the limiter off it shows what the machinery itself can do:
the headroom above 30/s (database writes, python-telegram-bot, HTTP).

    python -m benchmarks.fanout [--chats 10000] [--rate 30] [--window 20] [--concurrency 8]
                                [--latency 0] [--database-url URL] [--trace-memory]
                                [--workers 1] [--worker-processes]

1. ``--chats`` synthetic chats (ids from 900,000,001; about 10 % groups; 60 % English, 40 % Spanish),
   each subscribed to every topic, are written to a fresh SQLite file (or an EMPTY database at
   ``--database-url``, left filled afterwards).
2. The Bot API stand-in (``tests/botapi_standin/``) runs as its own process; ``--latency`` adds a
   round trip to every send.
3. Limiter off: one synthetic event is fanned out to every chat and delivered; deliveries/s over the
   whole run (fan-out included) and over the stand-in's first-to-last send.
4. Peak RSS of this process (``resource.getrusage``), before and after delivering to every chat;
   ``--trace-memory`` also delivers a second event under ``tracemalloc`` and reports the Python heap peak.
5. Limiter at ``--rate``/s (1/s per chat, 20/min per group): one more event, delivered for ``--window``
   seconds; the rate the stand-in saw and its share of the configured rate.

With ``--workers N`` (N > 1, PostgreSQL only; ``--worker-processes`` takes this path with one) steps 3 and 5
are done by N spawned processes, each running ``Dispatcher.run`` with its own engine and Bot against the one
stand-in, as ``ogp-watch deliver`` processes sharing an outbox would. The event is fanned out before the start
signal (timed apart). Limiter off, each runs until the outbox is empty; limited, each gets ``--rate``/N (the
limits are per process). Reported: the rate over all processes, per-process counts, claims lost to the other
processes, transactions re-run after a write conflict, and chats the stand-in saw twice (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import Engine, func, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

import jobs.deliver as deliver_module
from benchmarks.database import add_worker_arguments, check_worker_arguments
from bot.tg.sender import TelegramSender, build_bot
from jobs.deliver import DEFAULT_CONCURRENCY, Dispatcher, DispatchStats
from jobs.fanout import fan_out
from jobs.rate_limit import DeliveryLimits
from storage import events
from storage.database import make_engine, normalize_url, run_transaction, session_scope, sqlite_url
from storage.events import NewEvent
from storage.models import Chat, ChatKind, Delivery, DeliveryStatus, EventKind, Subscription, SubscriptionKind, utcnow
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

    def sent(self) -> list[dict[str, Any]]:
        return list(self._call("sent"))

    def send_times(self) -> list[float]:
        return sorted(message["time"] for message in self.sent())

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


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


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


# -- several dispatcher processes sharing the outbox -------------------------------------------------------------

OUTBOX_POLL_S = 0.1
"""How often a dispatcher process asks whether the outbox is empty (the benchmark's stop, not production's)."""


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process on this machine has used, from /proc; 0 where there is none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_s() -> float:
    """CPU seconds of every ``postgres`` process on this machine (ended backends included, through their
    parent's cutime/cstime): an upper bound on the server's work for us, as others' use is in it too."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:  # the process ended meanwhile
            continue
        if head.endswith("(postgres"):
            total += sum(int(value) for value in rest.split()[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def _open_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Delivery).where(
            col(Delivery.status).in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))).one()


async def _dispatch(engine: Engine, api_url: str, limits: DeliveryLimits, concurrency: int,
                    window: float | None) -> tuple[DispatchStats, Counter[bool], str]:
    """One production dispatcher (``Dispatcher.run``, as ``ogp-watch deliver`` runs it) until the outbox is empty
    (``window`` None) or for ``window`` seconds; also counts its claims won and lost to the other processes."""
    async with build_bot(TOKEN, api_url, connections=concurrency) as bot:
        dispatcher = Dispatcher(engine, TelegramSender(bot), limits, concurrency=concurrency)
        claims: Counter[bool] = Counter()
        claim = dispatcher._claim

        def counted_claim(session: Session, delivery_id: int) -> bool:
            won = claim(session, delivery_id)
            claims[won] += 1
            return won

        dispatcher._claim = counted_claim  # type: ignore[method-assign]  # instrumentation only
        stop = asyncio.Event()

        async def until_empty() -> None:
            while not stop.is_set():
                await asyncio.sleep(OUTBOX_POLL_S)
                if not await asyncio.to_thread(_open_rows, engine):
                    stop.set()

        if window is None:
            watcher = asyncio.create_task(until_empty())
        else:
            asyncio.get_running_loop().call_later(window, stop.set)
        try:
            stats = await dispatcher.run(stop)
        finally:
            if window is None:
                watcher.cancel()
        return stats, claims, dispatcher.owner


class RerunCounter:
    """Transactions of the dispatcher run again after a write conflict (``run_transaction`` re-runs the work on
    a deadlock or serialization failure): the database contention between dispatcher processes."""

    def __init__(self) -> None:
        self.reruns = 0
        self._lock = threading.Lock()
        self._transaction = run_transaction  # the function jobs.deliver imported from storage.database
        mock.patch.object(deliver_module, "run_transaction", self._run).start()  # this process only, for good

    def _run(self, engine: Engine, work: Callable[[Session], Any], **kwargs: Any) -> Any:
        runs = 0

        def counted(session: Session) -> Any:
            nonlocal runs
            runs += 1
            return work(session)

        try:
            return self._transaction(engine, counted, **kwargs)
        finally:
            if runs > 1:
                with self._lock:
                    self.reruns += runs - 1


def _dispatch_worker(conn: Connection, url: str, api_url: str, concurrency: int) -> None:
    """Child process: a dispatcher with its own engine and Bot, run whenever the parent says go."""
    engine = make_engine(url)
    reruns = RerunCounter()
    conn.send("ready")
    try:
        while (command := conn.recv())[0] != "stop":
            _, per_second, window = command
            limits = DeliveryLimits(per_second=per_second, chat_per_second=1.0, group_per_minute=20.0) \
                if per_second else DeliveryLimits.off()
            cpu, reruns.reruns = time.process_time(), 0
            stats, claims, owner = asyncio.run(_dispatch(engine, api_url, limits, concurrency, window))
            conn.send({"owner": owner, "sent": stats.sent, "summary": stats.summary(), "won": claims[True],
                       "lost": claims[False], "cpu_s": time.process_time() - cpu, "finished": time.monotonic(),
                       "rss_mib": peak_rss_mib(), "reruns": reruns.reruns})
    finally:
        engine.dispose()


class DispatcherPool:
    """N dispatcher processes (spawned), each with the per-process limits a deployment would give it."""

    def __init__(self, count: int, url: str, api_url: str, concurrency: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        for index in range(count):
            conn, child = context.Pipe()
            process = context.Process(target=_dispatch_worker, args=(child, url, api_url, concurrency),
                                      name=f"dispatcher-{index}", daemon=True)
            process.start()
            self.conns.append(conn)
            self.processes.append(process)
        for conn in self.conns:
            if conn.recv() != "ready":
                raise RuntimeError("a dispatcher process did not start")

    def go(self, per_second: float, window: float | None) -> tuple[float, list[dict[str, Any]]]:
        """The start signal to every process; (when it was given, what each did)."""
        started = time.monotonic()
        for conn in self.conns:
            conn.send(("go", per_second, window))
        return started, [conn.recv() for conn in self.conns]

    def close(self) -> None:
        for conn, process in zip(self.conns, self.processes, strict=True):
            if process.is_alive():
                conn.send(("stop",))
        for process in self.processes:
            process.join(timeout=30)


def fan_out_now(engine: Engine) -> tuple[int, float]:
    """Match the new event before the start signal, so that every process finds rows at once. In production
    whichever dispatcher passes first does it (``fan_out`` skips events another process has locked)."""
    started = time.perf_counter()
    done = run_transaction(engine, fan_out)
    return sum(f.deliveries for f in done), time.perf_counter() - started


def duplicates(standin: StandIn) -> int:
    """Messages beyond the first that one chat received (each phase is one event, so any is a double send)."""
    counts = Counter(message["chat_id"] for message in standin.sent())
    return sum(count - 1 for count in counts.values() if count > 1)


def _worker_lines(results: list[dict[str, Any]], started: float) -> None:
    for index, result in enumerate(results):
        tries = result["won"] + result["lost"]
        print(f"  process {index} ({result['owner']}): {result['summary']}; claim tries {tries}, "
              f"lost {result['lost']} to other processes; {result['reruns']} transactions re-run after a write "
              f"conflict (a re-run claim counts again); done {result['finished'] - started:.2f} s after the signal; "
              f"CPU {result['cpu_s']:.2f} s; peak RSS {result['rss_mib']:.0f} MiB")


def run_with_workers(args: argparse.Namespace, engine: Engine, standin: StandIn) -> None:
    """Limiter off, then limited at ``--rate``/N per process: ``--workers`` dispatchers sharing the outbox."""
    n = args.workers
    url = engine.url.render_as_string(hide_password=False)
    pool = DispatcherPool(n, url, standin.base_url, args.concurrency)
    try:
        print(f"{n} dispatcher process(es) spawned, each concurrency {args.concurrency}, its own PTB Bot and "
              f"database pool; not pinned")
        record_event(engine, 1)
        rows, fan_out_s = fan_out_now(engine)
        standin_cpu, server_cpu = process_cpu_s(standin.process.pid), postgres_cpu_s()
        started, results = pool.go(0.0, None)
        wall = max(result["finished"] for result in results) - started
        standin_cpu = process_cpu_s(standin.process.pid) - standin_cpu
        server_cpu = postgres_cpu_s() - server_cpu
        times = standin.send_times()
        sent = sum(result["sent"] for result in results)
        cpu = sum(result["cpu_s"] for result in results)
        print(f"\nlimiter off, {n} process(es): fan-out of {rows:,} rows beforehand in {fan_out_s:.2f} s; "
              f"{sent:,} sent in {wall:.2f} s from the start signal to the last process done = "
              f"{sent / wall:,.0f} deliveries/s ({sent / (wall + fan_out_s):,.0f}/s with the fan-out); between the "
              f"stand-in's first and last send {rate_between(times):,.0f}/s; per process "
              f"{' / '.join(str(result['sent']) for result in results)}; duplicates seen by the stand-in: "
              f"{duplicates(standin)}; {load_average()}")
        print(f"  CPU: dispatchers {cpu / sent * 1000:.2f} ms per delivery ({cpu / wall:.2f} cores), stand-in "
              f"{standin_cpu / sent * 1000:.2f} ms per delivery ({standin_cpu / wall:.2f} cores)"
              + (f", every postgres process on this machine {server_cpu / sent * 1000:.2f} ms per delivery "
                 f"({server_cpu / wall:.2f} cores; others' use included)" if engine.dialect.name == "postgresql"
                 else ""))
        _worker_lines(results, started)

        standin.clear()
        record_event(engine, 3)
        rows, fan_out_s = fan_out_now(engine)
        per_process = args.rate / n
        started, results = pool.go(per_process, args.window)
        times = standin.send_times()
        achieved = rate_between(times)
        share = achieved / args.rate if args.rate else 0.0
        verdict = "met" if share >= TARGET_SHARE else "NOT met"
        print(f"\nlimiter at {args.rate:g}/s overall = {per_process:.2f}/s per process ({n} process(es); the limits "
              f"are per process) for {args.window:g} s, fan-out of {rows:,} rows beforehand: the stand-in saw "
              f"{len(times)} sends over {times[-1] - times[0]:.2f} s = {achieved:.2f}/s, {share:.1%} of "
              f"{args.rate:g}/s (target {TARGET_SHARE:.0%}: {verdict}); per process "
              f"{' / '.join(str(result['sent']) for result in results)}; duplicates seen by the stand-in: "
              f"{duplicates(standin)}; {load_average()}")
        _worker_lines(results, started)
    finally:
        pool.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0, help="configured messages/s for the limited run")
    parser.add_argument("--window", type=float, default=20.0, help="seconds the limited run lasts")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the stand-in adds to each send")
    parser.add_argument("--database-url", help="an EMPTY database (default: a fresh SQLite file, removed after)")
    parser.add_argument("--trace-memory", action="store_true", help="also measure the Python heap (tracemalloc)")
    add_worker_arguments(parser, processes="dispatcher processes",
                         what="the limited run gives each --rate/N, since the limits are per process")
    args = parser.parse_args(argv)
    in_workers = check_worker_arguments(parser, args, processes="dispatcher processes")
    if in_workers and args.trace_memory:
        parser.error("--trace-memory measures the in-process dispatcher: leave out --workers/--worker-processes")

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
        if in_workers:
            run_with_workers(args, engine, standin)
            return 0

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
