"""Source checks per second and CPU seconds per check: 1,000 synthetic pages on a local web server.

Why this exists: a deployment watches many pages, most of which have not changed since the last check
(a conditional GET answered 304), and a few of which have (a 200 with a new body, which is then analysed,
ingested and run through event detection). This measures the whole public path of one check,
``SourceChecker.check_many`` (lease -> fetch -> analyse -> ingest and detect -> record), against a web
server on this machine, so the network is not what is measured.

    python -m benchmarks.checks [--sources 1000] [--changed-share 0.2] [--concurrency 8]
                                [--database-url URL] [--keep] [--profile] [--workers 1] [--worker-processes]

Rounds, each checking every source once (``force=True``):

1. cold: nothing fetched before, every page answers 200 and is analysed and ingested;
2. steady state: ``--changed-share`` of the pages got a new body (200, analysed again), the rest answer
   the conditional GET with 304;
3. unchanged: every page answers 304.

Each round prints checks per second, the checker's CPU seconds per check (``time.process_time``: the
event-loop thread and the worker threads that analyse pages and talk to the database), the check latency
(``CheckReport.elapsed_s``, p50/p95), the HTTP statuses, events recorded, SQL statements per check, peak
RSS, and the CPU split by stage (timed per thread around the calls ``jobs.check`` makes, no profiler).
``--profile`` then runs the steady-state mix once more under cProfile in every thread and prints the top
functions (cProfile roughly triples the CPU time: read it for where, not for how much).

The checker is pinned to one CPU. The web server (``ogp_watch.local_site.LocalSite``) runs in a child
process pinned to another, so the CPU figures are the checker's alone; its own CPU per check is printed
apart, as is, for a PostgreSQL server on this machine, the server's. The fetch policy is the real one
except ``allow_private`` (loopback), no politeness delay and as many requests at once to the one host as
checks at once: real checks wait 1 s between two requests to a host and make at most 2 at once.

All pages are SYNTHETIC: generated from a seed, served from 127.0.0.1, WordPress-like HTML of 26-61 KB
about "Synthetic Country NNN" (30 % IRM-report-like, so that analysis, ingest and detection have work;
the rest news-like), and each says it is synthetic.

Several workers (``--workers N``, N > 1, PostgreSQL only; ``--worker-processes`` takes this path with one):
the rounds are checked by N spawned processes, each a production-like checker with its own engine and lease
owner that loops ``check_due`` (sources due and not leased, claimed one by one) until nothing is due for it;
before each round every source is made due. Per round: checks/s from the start signal to the last worker
done, per-worker checks, claims lost to other workers, transactions re-run after a write conflict, and
double checks, counted twice over (a source's ``checks`` column up by more than one; a page the web server
served twice): must be 0. Nothing but the web server is pinned then: workers would inherit the pin.

Without ``--database-url`` a fresh SQLite file is made in a temporary folder (removed afterwards unless
``--keep``). With it, the database must be empty: it is migrated and filled, and left as it is.

The modules, by what they hold: ``pages`` and ``wordpress`` (the synthetic site's HTML), ``site`` (its web
server in a child process), ``database_setup`` (the empty database filled with sources), ``measure`` (CPU,
stage clocks, SQL and server readings), ``rounds`` and ``profiling`` (in-process rounds), ``workers``
(rounds by worker processes) and ``cli`` (the options and the run; ``__main__`` calls it).
"""
