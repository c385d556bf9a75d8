"""``python -m benchmarks.checks``: the options, the setup every run shares, then in-process or worker rounds.

Why one entry point for both: the site, the database and the warm-up are the same, so the figures of the two
modes compare; ``benchmarks.checks``'s docstring says what is measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import time

from sqlalchemy.engine import make_url

import benchmarks.checks
from benchmarks.checks.database_setup import add_sources, knowledge_counts, refuse_non_empty
from benchmarks.checks.measure import StatementCounter, allowed_cpus, load_average, pin_to
from benchmarks.checks.pages import REPORT_SHARE, WARM_UP, render
from benchmarks.checks.peer import cost_curve, vs_urlwatch
from benchmarks.checks.profiling import profile_round
from benchmarks.checks.rounds import ROW_HEADER, STAGE_HEADER, run_round
from benchmarks.checks.site import SiteProcess
from benchmarks.checks.workers import run_with_workers
from benchmarks.database import add_worker_arguments, benchmark_database, check_worker_arguments, database_size
from jobs.fetch import FetchPolicy
from storage.schema import upgrade

DESCRIPTION = (benchmarks.checks.__doc__ or "").split("\n\n")[0]
"""The first paragraph of the package's docstring, which says what the benchmark measures."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checks", description=DESCRIPTION)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--changed-share", type=float, default=0.2,
                        help="share of the pages given a new body before the steady-state round")
    parser.add_argument("--concurrency", type=int, default=8, help="checks at once (check_many's concurrency)")
    parser.add_argument("--report-share", type=float, default=REPORT_SHARE,
                        help="share of the pages that are IRM-report-like (the rest are news-like)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an EMPTY database to fill (default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, run the steady-state mix once more under cProfile, print the top functions")
    parser.add_argument("--vs-urlwatch", action="store_true",
                        help="instead: `ogp-watch check --all` and urlwatch 2.29 as whole processes, in turn, over the "
                             "shared peer's 1,000 unchanged pages (../shared/bench/peer_urlwatch.sh)")
    parser.add_argument("--runs", type=int, default=5, help="pairs of runs for --vs-urlwatch")
    parser.add_argument("--cost-curve", metavar="SIZES",
                        help="instead: one `ogp-watch check --all` of N unchanged sources per size, e.g. "
                             "1000,10000,50000")
    add_worker_arguments(parser, processes="checker processes",
                         what="each claims due sources itself, as production workers do")
    args = parser.parse_args(argv)
    if args.vs_urlwatch:
        if args.runs < 1:
            parser.error("--runs must be at least 1")
        return vs_urlwatch(args.runs)
    if args.cost_curve:
        try:
            sizes = [int(size.replace("_", "")) for size in args.cost_curve.split(",")]
        except ValueError:
            parser.error(f"--cost-curve takes sizes separated by commas, like 1000,10000,50000: {args.cost_curve!r}")
        if any(size < 1 for size in sizes):
            parser.error("--cost-curve sizes must be at least 1")
        return cost_curve(sizes)
    in_workers = check_worker_arguments(parser, args, processes="checker processes")
    if in_workers and args.profile:
        parser.error("--profile profiles the in-process checker: leave out --workers/--worker-processes")

    cpus = allowed_cpus()
    client_cpu = cpus[0] if cpus else None
    server_cpu = cpus[1] if len(cpus) > 1 else client_cpu
    print(f"OGP Watch checker benchmark: SYNTHETIC pages; Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, {len(cpus) or os.cpu_count()} CPUs allowed; {load_average()}")
    started = time.perf_counter()
    site = SiteProcess(args.sources, args.report_share, args.seed, server_cpu)
    try:
        # Worker processes would inherit the pin: in that mode nothing but the web server is pinned.
        checker = "checker processes not pinned" if in_workers else f"checker {pin_to(client_cpu)}"
        print(f"{checker}; web server: LocalSite in a child process (pid {site.pid}) pinned to CPU {server_cpu}")
        sizes = sorted(site.sizes)
        reports = sum(1 for _, kind in site.pages if kind == "report")
        print(f"site {site.base_url}: {len(sizes)} synthetic pages ({reports} IRM-report-like, "
              f"{len(sizes) - reports} news-like), HTML {sizes[0] / 1024:.0f}-{sizes[-1] / 1024:.0f} KB, "
              f"mean {sum(sizes) / len(sizes) / 1024:.1f} KB; generated and served in "
              f"{time.perf_counter() - started:.1f} s")
        policy = FetchPolicy(allow_private=True, politeness_delay_s=0, per_host_concurrency=args.concurrency)
        print(f"fetch policy: allow_private, politeness_delay_s=0 and per_host_concurrency={args.concurrency} "
              f"(real checks wait 1 s between requests to a host and make at most 2 at once; here every source "
              f"is on one loopback host), robots.txt respected, retries {policy.retries}, gzip accepted "
              f"(the server sends identity)")
        database = benchmark_database(args.database_url, args.keep, prefix="ogp-watch-bench-checks-")
        with database as (engine, sqlite_path):
            print(f"database: {make_url(engine.url).render_as_string(hide_password=True)}")
            refuse_non_empty(engine)
            upgrade(engine)
            ids = add_sources(engine, site.base_url, site.pages)
            # Imports and regex compilation happen once per process; keep them out of the cold round.
            from jobs.analysis import analyse_page

            analyse_page(render(WARM_UP, 0, args.seed),
                         site.base_url + "/documents/warm-up/", "text/html; charset=utf-8")
            print(f"{len(ids)} PAGE sources added; analysis warmed up on one page outside the set; "
                  f"concurrency {args.concurrency}")
            if in_workers:
                run_with_workers(args, engine, site, ids)
                print(f"database size {database_size(engine, sqlite_path)}")
                return 0
            counter = StatementCounter(engine)
            rng = random.Random(args.seed)
            results = [run_round("1 cold (all new)", engine, policy, site, ids, 0, args.concurrency, counter)]
            print(f"  knowledge base after the cold round: {knowledge_counts(engine)}")
            changed = sorted(rng.sample(range(len(ids)), round(len(ids) * args.changed_share)))
            site.change(changed, 1)
            results.append(run_round(f"2 steady ({args.changed_share:.0%} changed)", engine, policy, site, ids,
                                     len(changed), args.concurrency, counter))
            results.append(run_round("3 unchanged (all 304)", engine, policy, site, ids, 0, args.concurrency,
                                     counter))
            print(f"\nknowledge base at the end: {knowledge_counts(engine)}; "
                  f"database size {database_size(engine, sqlite_path)}")
            print("\n" + ROW_HEADER)
            for result in results:
                print(result.row())
            print("\n" + STAGE_HEADER)
            for result in results:
                print(result.stage_row())
            print(f"\n{load_average()} (other work on this machine shows here)")
            if args.profile:
                again = sorted(rng.sample(range(len(ids)), round(len(ids) * args.changed_share)))
                profile_round(engine, policy, site, ids, again, 2, args.concurrency)
    finally:
        site.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
