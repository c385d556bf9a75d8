"""One round checked in this process: every source once with ``check_many``, measured and printed.

Why apart from the worker rounds (``benchmarks.checks.workers``): here one checker's CPU is measured on a
pinned core, so its figures are per check of one process; the worker rounds measure claiming and contention
between processes, and print other figures.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from benchmarks.checks.measure import (
    ANALYSIS,
    LOOP,
    STAGES,
    STORE,
    StageClock,
    StatementCounter,
    database_server_cpu,
    peak_rss_mib,
    percentile,
)
from benchmarks.checks.site import SiteProcess
from jobs.check import CheckReport, SourceChecker
from jobs.fetch import Fetcher, FetchPolicy
from storage.models import Source


@dataclass
class RoundResult:
    name: str
    changed: int
    reports: list[CheckReport]
    wall_s: float
    cpu_s: float
    server_cpu_s: float
    requests: int
    statements: int
    http: Counter[int | None] = field(default_factory=Counter)
    rss_mib: float = 0.0
    stages: StageClock = field(default_factory=StageClock)
    database_cpu_s: tuple[float, float] | None = None  # (whole server, this database's backends)
    connections: int = 0

    @property
    def checks(self) -> int:
        return len(self.reports)

    def row(self) -> str:
        latencies = sorted(r.elapsed_s * 1000 for r in self.reports)
        events = sum(len(r.events) for r in self.reports)
        n = self.checks
        http = ", ".join(f"{code or 'none'}: {count}" for code, count in sorted(self.http.items(), key=str))
        database = "in-process"
        if self.database_cpu_s is not None:
            total, ours = self.database_cpu_s
            database = f"{ours / n * 1000:.2f}; {total / n * 1000:.2f}"
        return (f"| {self.name} | {n} | {http} | {self.wall_s:.2f} | {n / self.wall_s:.0f} | "
                f"{self.cpu_s / n * 1000:.2f} | {self.cpu_s / self.wall_s:.2f} | "
                f"{percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} | {events} | "
                f"{self.statements / n:.1f} | {self.server_cpu_s / n * 1000:.2f} | {database} | {self.rss_mib:.0f} |")

    def stage_row(self) -> str:
        n = self.checks
        parts = [f"{self.stages.seconds[stage] / n * 1000:.2f}" for stage in STAGES]
        other = self.cpu_s - sum(self.stages.seconds[stage] for stage in STAGES)
        return f"| {self.name} | " + " | ".join(parts) + f" | {other / n * 1000:.2f} | {self.cpu_s / n * 1000:.2f} |"


ROW_HEADER = (
    "| round | checks | HTTP status (count) | wall s | checks/s | CPU ms/check | CPU/wall | p50 ms | p95 ms "
    "| events | SQL/check | web server CPU ms/check | DB server CPU ms/check (ours; all) | peak RSS MiB |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)
STAGE_HEADER = (
    "| round (checker CPU ms per check) | " + " | ".join(STAGES) + " | other | total |\n"
    "| --- | --- | --- | --- | --- | --- | --- |"
)


def http_statuses(engine: Engine) -> Counter[int | None]:
    with Session(engine) as session:
        status = col(Source.last_http_status)
        rows = session.exec(select(status, func.count()).group_by(status)).all()
    return Counter({status: count for status, count in rows})


async def check_all(engine: Engine, policy: FetchPolicy, ids: list[int], concurrency: int,
                     executor: ThreadPoolExecutor | None = None) -> list[CheckReport]:
    if executor is not None:
        asyncio.get_running_loop().set_default_executor(executor)
    async with Fetcher(policy) as fetcher:
        return await SourceChecker(engine, fetcher).check_many(ids, force=True, concurrency=concurrency)


def run_round(name: str, engine: Engine, policy: FetchPolicy, site: SiteProcess, ids: list[int], changed: int,
              concurrency: int, counter: StatementCounter) -> RoundResult:
    gc.collect()
    server_cpu, requests = site.stats()
    database_cpu = database_server_cpu(engine)
    statements, connections = counter.count, counter.connections
    clock = StageClock()
    cpu, loop_cpu = time.process_time(), time.thread_time()
    started = time.perf_counter()
    with clock.installed():
        reports = asyncio.run(check_all(engine, policy, ids, concurrency))
    wall = time.perf_counter() - started
    cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
    statements, connections = counter.count - statements, counter.connections - connections
    server_cpu_after, requests_after = site.stats()
    database_cpu_after = database_server_cpu(engine)
    clock.seconds[LOOP] = loop_cpu
    result = RoundResult(name, changed, reports, wall, cpu, server_cpu_after - server_cpu, requests_after - requests,
                         statements, http_statuses(engine), peak_rss_mib(), clock,
                         None if database_cpu is None or database_cpu_after is None
                         else database_cpu_after.since(database_cpu), connections)
    _print_round(result)
    return result


def _print_round(result: RoundResult) -> None:
    n = result.checks
    statuses = Counter(str(r.status) if r.status else f"skipped ({r.skipped})" for r in result.reports)
    events = Counter(e.kind for r in result.reports for e in r.events)
    latencies = sorted(r.elapsed_s * 1000 for r in result.reports)
    print(f"\n{result.name}: {n} checks ({result.changed} pages changed before it) in {result.wall_s:.2f} s = "
          f"{n / result.wall_s:.1f} checks/s")
    print(f"  checker CPU {result.cpu_s:.2f} s = {result.cpu_s / n * 1000:.2f} ms per check "
          f"({result.cpu_s / result.wall_s:.0%} of one core); web server CPU "
          f"{result.server_cpu_s / n * 1000:.2f} ms per check (its own process, not included)")
    print(f"  check latency (CheckReport.elapsed_s) ms: p50 {percentile(latencies, 50):.1f}, "
          f"p95 {percentile(latencies, 95):.1f}, max {latencies[-1]:.1f}")
    print(f"  HTTP status of the pages: {dict(sorted(result.http.items(), key=str))}; check status: "
          f"{dict(statuses)}; requests the server saw: {result.requests}")
    print(f"  events recorded: {sum(events.values())} {dict(events)}; SQL statements per check: "
          f"{result.statements / n:.1f}; database connections opened: {result.connections}; peak RSS so far: "
          f"{result.rss_mib:.0f} MiB")
    stages = result.stages
    parts = [f"{stage} {stages.seconds[stage] / n * 1000:.2f}" for stage in STAGES]
    print("  checker CPU by stage, ms per check: " + "; ".join(parts) + f"; other "
          f"{(result.cpu_s - sum(stages.seconds[stage] for stage in STAGES)) / n * 1000:.2f}")
    for stage in (ANALYSIS, STORE):
        if stages.calls[stage]:
            per_page = stages.seconds[stage] / stages.calls[stage] * 1000
            print(f"    {stage}: {stages.calls[stage]} pages, {per_page:.1f} ms CPU per page")
    if result.database_cpu_s is not None:
        total, ours = result.database_cpu_s
        print(f"  PostgreSQL server CPU, not included above: this database's backends {ours / n * 1000:.2f} ms "
              f"per check (backends that ended during the round are missed); all postgres processes on this "
              f"machine {total / n * 1000:.2f} ms per check (anyone else's use of the server included)")
    errors = [r for r in result.reports if r.error]
    for report in errors[:5]:
        print(f"  error: {report.summary()}")
    if len(errors) > 5:
        print(f"  ... and {len(errors) - 5} more errors")
