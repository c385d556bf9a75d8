"""The watcher: one short APScheduler tick that asks the database which sources are due and checks them.

There are no per-source jobs: the schedule is ``source.next_check_at`` in the database, so it survives
restarts and is shared by every process. The tick coalesces missed runs and never overlaps itself, and
each check holds its source's lease, so a slow check is not started again by the next tick.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from jobs.check import LEASE, CheckReport, SourceChecker
from jobs.fetch import Fetcher, FetchPolicy
from jobs.log_lines import log_line, milliseconds
from storage.database import DATABASE_UNAVAILABLE, database_error_line
from storage.models import CheckStatus, Event

log = logging.getLogger(__name__)

EventHandler = Callable[[list[Event]], Awaitable[None] | None]

class _SkippedTickFilter(logging.Filter):
    """A tick still running when the next is due is skipped by design (``max_instances=1``); APScheduler
    warns about it every time, which on a busy watcher would bury real warnings. The watcher's own tick
    line (``watcher tick ... ms=``) already shows a long tick."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and "maximum number of running instances" in record.msg)


logging.getLogger("apscheduler.scheduler").addFilter(_SkippedTickFilter())

SHUTDOWN_GRACE_S = 10.0
"""On SIGTERM, checks in progress get this long to finish; the rest are cancelled and release their lease."""


class Watcher:
    def __init__(
        self,
        engine: Engine,
        policy: FetchPolicy,
        *,
        tick_seconds: float = 30.0,
        concurrency: int = 4,
        on_events: EventHandler | None = None,
        on_report: Callable[[CheckReport], None] | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.policy = policy
        self.tick_seconds = tick_seconds
        self.concurrency = concurrency
        self.on_events = on_events
        self.on_report = on_report
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.fetcher: Fetcher | None = None
        self.checker: SourceChecker | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._handing_on: set[asyncio.Future[None]] = set()
        self.ticks = 0

    async def start(self) -> None:
        self.fetcher = Fetcher(self.policy)
        self.checker = SourceChecker(self.engine, self.fetcher, lease=self.lease)
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.tick_seconds,
            id="tick",
            next_run_time=datetime.now().astimezone(),  # the first tick at once, not after one interval
            coalesce=True,  # after a pause (laptop asleep), one tick, not a burst of missed ones
            max_instances=1,  # a long tick is never doubled by the next
            misfire_grace_time=max(1, int(self.tick_seconds)),
        )
        self.scheduler.start()
        log.info("watcher %s started: tick every %.0f s", self.checker.owner, self.tick_seconds)

    async def tick(self) -> None:
        assert self.checker is not None
        self._tick_task = asyncio.current_task()
        started = time.perf_counter()
        try:
            reports = await self.checker.check_due(concurrency=self.concurrency, on_done=self._check_done)
        except DATABASE_UNAVAILABLE as error:  # away for a moment: one line a tick, and the next tick tries again
            log.warning("%s", log_line("watcher tick", outcome="skipped",
                                       reason=f"database unavailable: {database_error_line(error)}"))
            return
        except Exception:  # a bug: in full, and the next tick tries again
            log.exception("watcher tick failed")
            return
        finally:
            self.ticks += 1
            self._tick_task = None
        new = [event for report in reports for event in report.events]
        checked = [report for report in reports if report.status is not None]
        failed = sum(report.status == CheckStatus.ERROR for report in checked)
        log.info("%s", log_line("watcher tick", due=len(reports), checked=len(checked), failed=failed,
                                events=len(new), ms=milliseconds(time.perf_counter() - started)))

    def _check_done(self, report: CheckReport) -> None:
        """Events are handed on as each check ends, not when the tick does: a tick cut short (shutdown, the
        database going away) must not lose the events its finished checks stored."""
        if self.on_report is not None:
            self.on_report(report)
        if not report.events or self.on_events is None:
            return
        result = self.on_events(report.events)
        if inspect.isawaitable(result):
            handing_on = asyncio.ensure_future(result)
            self._handing_on.add(handing_on)
            handing_on.add_done_callback(self._handed_on)

    def _handed_on(self, handing_on: asyncio.Future[None]) -> None:
        self._handing_on.discard(handing_on)
        if not handing_on.cancelled() and handing_on.exception() is not None:
            log.error("handing on events failed", exc_info=handing_on.exception())

    async def stop(self, grace: float = SHUTDOWN_GRACE_S) -> None:
        """Stop ticking; let checks in progress finish for ``grace`` seconds, then cancel them (their leases
        are released, so the sources are due again at once for the next start or another worker)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        task = self._tick_task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), grace)
            except TimeoutError:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                log.info("cancelled checks still running after %.0f s", grace)
        if self._handing_on:
            await asyncio.gather(*self._handing_on, return_exceptions=True)
        if self.fetcher is not None:
            await self.fetcher.aclose()
        log.info("watcher stopped")
