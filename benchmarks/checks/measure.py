"""What the benchmark reads besides wall time: CPU pinning, CPU by stage, SQL statements, server CPU.

Why without a profiler: a profiler roughly triples the CPU time; these readings (per-thread clocks around
the calls ``jobs.check`` makes, engine events, /proc) cost next to nothing, so the figures they give are the
checker's own. One round's readings go into the same structures whether checked in this process or in
worker processes.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

import jobs.analysis
import jobs.check as check_module
from jobs.analysis import analyse_page
from storage.database import run_transaction


def allowed_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def pin_to(cpu: int | None) -> str:
    """Pin this process to one CPU so "CPU seconds per check" and "checks/s" mean one core's worth."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return "not pinned (sched_setaffinity unavailable on this platform)"
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as error:
        return f"not pinned ({error})"
    return f"pinned to CPU {cpu}"


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile, so it is a latency some check actually had."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class StatementCounter:
    """SQL statements sent on an engine, and database connections it opened."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.connections = 0
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine, "connect", self._connected)

    def _seen(self, *_: object) -> None:
        self.count += 1

    def _connected(self, *_: object) -> None:
        self.connections += 1


LOOP = "event loop: fetch, HTTP, scheduling"
ANALYSIS = "page analysis"
STORE = "knowledge writes: ingest, detect, events"
BOOKKEEPING = "source bookkeeping: lease, snapshot, record"
STAGES = (LOOP, ANALYSIS, STORE, BOOKKEEPING)


class StageClock:
    """CPU seconds by stage without a profiler, from each thread's own clock (``time.thread_time``).

    Page analysis and the database transactions run in worker threads and are timed around the calls
    ``jobs.check`` makes (wrapped for the round, then put back); the event-loop thread, where fetching, HTTP
    and the scheduling of checks happen, is timed as a whole. What is left of the process's CPU time is
    "other" (thread hand-offs, garbage collection in the workers).
    """

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.reruns = 0
        """Transactions run again after a write conflict (``run_transaction``): contention between checks."""
        self._lock = threading.Lock()

    def _add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] += seconds
            self.calls[stage] += 1

    @contextmanager
    def installed(self) -> Iterator[StageClock]:
        analyse, transaction = analyse_page, run_transaction  # what jobs.check calls

        def timed_analyse(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return analyse(*args, **kwargs)
            finally:
                self._add(ANALYSIS, time.thread_time() - start)

        def timed_transaction(engine: Engine, work: Callable[[Session], Any], **kwargs: Any) -> Any:
            stage = STORE if getattr(work, "__name__", "") == "store" else BOOKKEEPING
            runs = 0

            def counted(session: Session) -> Any:
                nonlocal runs
                runs += 1
                return work(session)

            start = time.thread_time()
            try:
                return transaction(engine, counted, **kwargs)
            finally:
                self._add(stage, time.thread_time() - start)
                if runs > 1:
                    with self._lock:
                        self.reruns += runs - 1

        # jobs.check imports analyse_page from the package when a changed page must be read.
        with mock.patch.object(jobs.analysis, "analyse_page", timed_analyse), \
                mock.patch.object(check_module, "run_transaction", timed_transaction):
            yield self


@dataclass(frozen=True)
class ServerCPU:
    """CPU seconds of the PostgreSQL server on this machine, read from /proc."""

    total_s: float  # every postgres process, plus ended backends (in their parent's cutime/cstime)
    ours: dict[int, float]  # this database's backends by pid

    def since(self, before: ServerCPU) -> tuple[float, float]:
        """(whole server, this database's backends) between two readings; the second misses backends that
        ended in between (pool overflow connections), so it is a lower bound, the first an upper one."""
        ours = sum(seconds - before.ours.get(pid, 0.0) for pid, seconds in self.ours.items())
        return self.total_s - before.total_s, ours


def database_server_cpu(engine: Engine) -> ServerCPU | None:
    """None for SQLite (it runs inside the checker) or a PostgreSQL server on another machine."""
    host = make_url(engine.url).host or ""
    if engine.dialect.name != "postgresql" or host not in {"127.0.0.1", "localhost", "::1", ""}:
        return None
    with engine.connect() as connection:
        pids = set(connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars())
    tick = os.sysconf("SC_CLK_TCK")
    total, ours = 0, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:  # the process ended meanwhile
            continue
        if head.endswith("(postgres"):
            values = [int(value) for value in rest.split()[11:15]]  # utime, stime, cutime, cstime
            total += sum(values)
            pid = int(stat.parent.name)
            if pid in pids:
                ours[pid] = (values[0] + values[1]) / tick
    return ServerCPU(total / tick, ours)
