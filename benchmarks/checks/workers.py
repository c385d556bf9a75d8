"""``--workers N``: the rounds checked by N spawned processes that claim due sources themselves.

Why processes and ``check_due``: production runs several workers on one PostgreSQL, each claiming due
sources under a lease; what is measured here is that path (claims lost, transactions re-run after a write
conflict, and double checks, which must be 0), not one checker's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from benchmarks.checks.database_setup import knowledge_counts
from benchmarks.checks.measure import (
    LOOP,
    STAGES,
    StageClock,
    StatementCounter,
    database_server_cpu,
    load_average,
    peak_rss_mib,
    percentile,
)
from benchmarks.checks.pages import WARM_UP, render
from benchmarks.checks.site import SiteProcess
from jobs.check import CheckReport, SourceChecker
from jobs.fetch import Fetcher, FetchPolicy
from storage.database import make_engine, session_scope
from storage.models import Source, utcnow

CLAIM_BATCH = 100
"""``check_due``'s ``limit`` in the worker processes: the production watcher's default (``jobs.scheduler``)."""


@dataclass
class WorkerRound:
    """What one worker process did in one round, as plain data: it crosses a process boundary."""

    worker: int
    owner: str
    checked: int
    lost_claims: int  # check_due offered the source, but another worker claimed (or had checked) it first
    batches: int  # check_due calls, the last one finding nothing due
    latencies_ms: list[float]
    statuses: Counter[str]
    events: Counter[str]
    errors: list[str]
    cpu_s: float
    started: float  # time.monotonic(): the same clock in every process on Linux
    finished: float
    statements: int
    connections: int
    stages: dict[str, float]
    rss_mib: float
    reruns: int  # transactions run again after a write conflict (deadlock, serialization, unique key)


async def _check_until_nothing_due(checker: SourceChecker, concurrency: int) -> tuple[list[CheckReport], int]:
    """What a production worker's ticks do, back to back: ``check_due`` (due and not leased, claimed one by one
    under a lease) until nothing is due for this worker, i.e. every source is checked or leased to another."""
    reports: list[CheckReport] = []
    batches = 0
    while True:
        batch = await checker.check_due(limit=CLAIM_BATCH, concurrency=concurrency)
        batches += 1
        if not batch:
            return reports, batches
        reports += batch


def _check_worker(conn: Connection, index: int, url: str, concurrency: int, seed: int) -> None:
    """Child process: one production-like checker (its own engine, pool and lease owner) that checks what is
    due whenever the parent says go. Workers are not pinned: the OS spreads them over the cores."""
    from jobs.analysis import analyse_page

    engine = make_engine(url)
    counter = StatementCounter(engine)
    policy = FetchPolicy(allow_private=True, politeness_delay_s=0, per_host_concurrency=concurrency)
    analyse_page(render(WARM_UP, 0, seed),
                 "http://127.0.0.1/documents/warm-up/", "text/html; charset=utf-8")
    conn.send("ready")
    try:
        while conn.recv() == "round":
            started = time.monotonic()
            gc.collect()
            statements, connections = counter.count, counter.connections
            clock = StageClock()
            cpu, loop_cpu = time.process_time(), time.thread_time()

            async def one_round() -> tuple[list[CheckReport], int, str]:
                async with Fetcher(policy) as fetcher:
                    checker = SourceChecker(engine, fetcher)
                    reports, batches = await _check_until_nothing_due(checker, concurrency)
                    return reports, batches, checker.owner

            with clock.installed():
                reports, batches, owner = asyncio.run(one_round())
            cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
            finished = time.monotonic()
            clock.seconds[LOOP] = loop_cpu
            checked = [r for r in reports if r.status is not None]
            # As a plain dict, as when this was the ``-m`` module (the class was then ``__mp_main__``'s here):
            # plain data unpickles whatever module the parent imported the class from.
            conn.send(vars(WorkerRound(
                index, owner, len(checked), len(reports) - len(checked), batches,
                [r.elapsed_s * 1000 for r in checked], Counter(str(r.status) for r in checked),
                Counter(e.kind for r in checked for e in r.events), [r.summary() for r in checked if r.error][:5],
                cpu, started, finished, counter.count - statements, counter.connections - connections,
                dict(clock.seconds), peak_rss_mib(), clock.reruns)))
    finally:
        engine.dispose()


class WorkerPool:
    """N checker processes (spawned: nothing inherited from this one), started and warmed up before round 1."""

    def __init__(self, count: int, url: str, concurrency: int, seed: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.conns: list[Connection] = []
        for index in range(count):
            conn, child = context.Pipe()
            process = context.Process(target=_check_worker, args=(child, index, url, concurrency, seed),
                                      name=f"checker-{index}", daemon=True)
            process.start()
            self.processes.append(process)
            self.conns.append(conn)
        for conn in self.conns:
            if conn.recv() != "ready":
                raise RuntimeError("a checker process did not start")

    def round(self) -> tuple[float, list[WorkerRound]]:
        """The start signal to every worker; (when it was given, what each did)."""
        started = time.monotonic()
        for conn in self.conns:
            conn.send("round")
        return started, [WorkerRound(**conn.recv()) for conn in self.conns]

    def close(self) -> None:
        for conn, process in zip(self.conns, self.processes, strict=True):
            if process.is_alive():
                conn.send("stop")
        for process in self.processes:
            process.join(timeout=30)


def make_all_due(engine: Engine) -> None:
    """Every source due now, as after six hours: the workers then find them with ``check_due`` as in production."""
    with session_scope(engine) as session:
        session.execute(update(Source).values(next_check_at=utcnow() - timedelta(seconds=1)))


def checks_by_source(engine: Engine) -> dict[int, int]:
    with Session(engine) as session:
        return {source_id: checks for source_id, checks in session.exec(select(Source.id, Source.checks))
                if source_id is not None}


@dataclass
class MultiRound:
    name: str
    workers: list[WorkerRound]
    wall_s: float
    server_cpu_s: float
    requests: int
    double_checks: int  # sources whose ``checks`` went up by more than one in the round
    missed: int  # sources not checked at all in the round
    pages_fetched_twice: int  # page paths the web server served more than once in the round
    database_cpu_s: tuple[float, float] | None
    load: str

    @property
    def checks(self) -> int:
        return sum(w.checked for w in self.workers)

    @property
    def cpu_s(self) -> float:
        return sum(w.cpu_s for w in self.workers)

    def row(self) -> str:
        n = self.checks
        latencies = sorted(ms for w in self.workers for ms in w.latencies_ms)
        database = "in-process"
        if self.database_cpu_s is not None:
            total, ours = self.database_cpu_s
            database = f"{ours / n * 1000:.2f}; {total / n * 1000:.2f}"
        per_worker = " / ".join(str(w.checked) for w in self.workers)
        return (f"| {self.name} | {len(self.workers)} | {n} | {per_worker} | {self.wall_s:.2f} | "
                f"{n / self.wall_s:.0f} | {self.cpu_s / n * 1000:.2f} | {self.cpu_s / self.wall_s:.2f} | "
                f"{percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} | "
                f"{sum(w.lost_claims for w in self.workers)} | {self.double_checks} | "
                f"{sum(w.statements for w in self.workers) / n:.1f} | {self.server_cpu_s / n * 1000:.2f} | "
                f"{database} | {self.load} |")


MULTI_HEADER = (
    "| round | workers | checks | per worker | wall s | checks/s | CPU ms/check (all workers) | worker CPU/wall "
    "| p50 ms | p95 ms | claims lost | double checks | SQL/check | web server CPU ms/check "
    "| DB server CPU ms/check (ours; all) | load average at the end |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def run_worker_round(name: str, engine: Engine, site: SiteProcess, pool: WorkerPool, ids: list[int]) -> MultiRound:
    make_all_due(engine)
    before = checks_by_source(engine)
    server_cpu, requests = site.stats()
    database_cpu = database_server_cpu(engine)
    started, workers = pool.round()
    wall = max(w.finished for w in workers) - started
    server_cpu_after, requests_after = site.stats()
    database_cpu_after = database_server_cpu(engine)
    after = checks_by_source(engine)
    deltas = [after.get(source_id, 0) - before.get(source_id, 0) for source_id in ids]
    paths = {path for path, _ in site.pages}
    hits = site.hits(requests)
    result = MultiRound(
        name, workers, wall, server_cpu_after - server_cpu, requests_after - requests,
        sum(1 for d in deltas if d > 1), sum(1 for d in deltas if d < 1),
        sum(1 for path, count in hits.items() if path in paths and count > 1),
        None if database_cpu is None or database_cpu_after is None else database_cpu_after.since(database_cpu),
        load_average().removeprefix("load average "),
    )
    _print_multi_round(result, hits.get("/robots.txt", 0))
    return result


def _print_multi_round(result: MultiRound, robots: int) -> None:
    n = result.checks
    latencies = sorted(ms for w in result.workers for ms in w.latencies_ms)
    statuses: Counter[str] = sum((w.statuses for w in result.workers), Counter())
    events: Counter[str] = sum((w.events for w in result.workers), Counter())
    print(f"\n{result.name}: {n} checks by {len(result.workers)} worker process(es) in {result.wall_s:.2f} s "
          f"(start signal to last worker done) = {n / result.wall_s:.1f} checks/s; {load_average()}")
    for w in result.workers:
        own = w.finished - w.started
        print(f"  worker {w.worker} ({w.owner}): {w.checked} checks, {w.lost_claims} claims lost to other workers, "
              f"{w.batches} check_due calls, {own:.2f} s, CPU {w.cpu_s:.2f} s "
              f"({w.cpu_s / w.checked * 1000 if w.checked else 0:.2f} ms per check of its own, "
              f"{w.cpu_s / own if own else 0:.0%} of one core), {w.statements} SQL statements, "
              f"{w.connections} connections opened, {w.reruns} transactions re-run after a write conflict, "
              f"peak RSS {w.rss_mib:.0f} MiB")
    print(f"  all workers: CPU {result.cpu_s:.2f} s = {result.cpu_s / n * 1000:.2f} ms per check; "
          f"CPU/wall {result.cpu_s / result.wall_s:.2f} cores; latency p50 {percentile(latencies, 50):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms; claims lost {sum(w.lost_claims for w in result.workers)}; "
          f"transactions re-run after a write conflict {sum(w.reruns for w in result.workers)}")
    print(f"  double checks (a source's `checks` up by more than 1): {result.double_checks}; sources not checked: "
          f"{result.missed}; pages the web server served more than once: {result.pages_fetched_twice}; "
          f"requests {result.requests} ({robots} for robots.txt)")
    print(f"  check status: {dict(statuses)}; events recorded: {sum(events.values())} {dict(events)}")
    stages: defaultdict[str, float] = defaultdict(float)
    for w in result.workers:
        for stage, seconds in w.stages.items():
            stages[stage] += seconds
    parts = [f"{stage} {stages[stage] / n * 1000:.2f}" for stage in STAGES]
    print("  CPU by stage, all workers, ms per check: " + "; ".join(parts)
          + f"; other {(result.cpu_s - sum(stages[stage] for stage in STAGES)) / n * 1000:.2f}")
    print(f"  web server CPU {result.server_cpu_s / n * 1000:.2f} ms per check (its own process)")
    if result.database_cpu_s is not None:
        total, ours = result.database_cpu_s
        print(f"  PostgreSQL server CPU: this database's backends {ours / n * 1000:.2f} ms per check (lower bound); "
              f"all postgres processes {total / n * 1000:.2f} ms per check (upper bound: others' use included)")
    for w in result.workers:
        for error in w.errors:
            print(f"  error (worker {w.worker}): {error}")


def run_with_workers(args: argparse.Namespace, engine: Engine, site: SiteProcess, ids: list[int]) -> None:
    """The three rounds, each checked by ``args.workers`` processes claiming due sources themselves."""
    url = engine.url.render_as_string(hide_password=False)
    started = time.perf_counter()
    pool = WorkerPool(args.workers, url, args.concurrency, args.seed)
    try:
        print(f"{args.workers} checker process(es) spawned and warmed up in {time.perf_counter() - started:.1f} s "
              f"(not pinned); each loops check_due(limit={CLAIM_BATCH}, concurrency={args.concurrency}) until "
              f"nothing is due for it")
        rng = random.Random(args.seed)
        results = [run_worker_round("1 cold (all new)", engine, site, pool, ids)]
        print(f"  knowledge base after the cold round: {knowledge_counts(engine)}")
        changed = sorted(rng.sample(range(len(ids)), round(len(ids) * args.changed_share)))
        site.change(changed, 1)
        results.append(run_worker_round(f"2 steady ({args.changed_share:.0%} changed)", engine, site, pool, ids))
        results.append(run_worker_round("3 unchanged (all 304)", engine, site, pool, ids))
    finally:
        pool.close()
    print(f"\nknowledge base at the end: {knowledge_counts(engine)}")
    print("\n" + MULTI_HEADER)
    for result in results:
        print(result.row())
    doubles = sum(r.double_checks + r.pages_fetched_twice for r in results)
    print(f"\ndouble checks over all rounds: {doubles} (must be 0); {load_average()}")
