"""``--profile``: the steady-state mix once more under cProfile, in every thread.

Why in every thread: checks do most of their work (page analysis, database transactions) in the event
loop's worker threads, which a profiler in the main thread alone would not see.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import os
import pstats
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from benchmarks.checks.rounds import check_all
from benchmarks.checks.site import SiteProcess
from jobs.fetch import FetchPolicy


class _ProfiledThreads:
    """cProfile in the event-loop thread and in every worker thread of the loop's executor, each timing its
    own thread's CPU (``time.thread_time``), merged afterwards: checks do most of their work in threads."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()
        workers = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor size
        self.executor = ThreadPoolExecutor(max_workers=workers, initializer=self._start)

    def _start(self) -> None:
        profile = cProfile.Profile(time.thread_time)
        with self._lock:
            self.profiles.append(profile)
        profile.enable()

    def stats(self, main: cProfile.Profile, stream: io.StringIO) -> pstats.Stats:
        self.executor.shutdown(wait=True)
        out = pstats.Stats(main, stream=stream)
        for profile in self.profiles:
            out.add(profile)
        return out


def profile_round(engine: Engine, policy: FetchPolicy, site: SiteProcess, ids: list[int], changed: list[int],
                  version: int, concurrency: int) -> None:
    site.change(changed, version)
    threads = _ProfiledThreads()
    main = cProfile.Profile(time.thread_time)
    started = time.perf_counter()
    main.enable()
    asyncio.run(check_all(engine, policy, ids, concurrency, threads.executor))
    main.disable()
    wall = time.perf_counter() - started
    out = io.StringIO()
    stats = threads.stats(main, out)
    print(f"\nprofiled round (steady-state mix again, {len(changed)} pages changed; {wall:.1f} s under cProfile, "
          f"times are per-thread CPU seconds summed over the event-loop thread and {len(threads.profiles)} workers)")
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    print(out.getvalue())
