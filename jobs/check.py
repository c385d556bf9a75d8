"""One check of one source: fetch -> analyse -> ingest and detect -> record events and health.

The steps pass plain data to each other (``FetchResult``, ``PageAnalysis``, ``IngestResult``,
``NewEvent``). Network waits happen on the event loop; database work and page analysis run in worker
threads so that a long crawl never stalls the chat bot sharing the loop.

Every check holds the source's lease (``storage.sources``), so one source is never checked twice
at once; what a check learns about one page is written in one transaction, re-run on a write conflict,
so two workers seeing the same report at once still leave one document and one event.

Page analysis, ingest and the listing and feed parsers are imported by the steps that use them: a check
that finds its source unchanged (a 304, or the same bytes) loads none of them, which is most checks, and
all of ``ogp-watch check`` when nothing changed.

Leases are taken a lane-full at a time (``storage.sources.lease_due``) and unchanged checks recorded in
batches (``storage.sources.record_unchanged``). Why one file of ~500 lines: the lanes, the steps and the
shutdown path share one set of invariants (a leased source is checked, given back or recorded exactly
once, and what a cancelled check stored is still handed on), which are checked by reading them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from jobs import detect
from jobs.fetch import Fetcher, FetchOutcome, FetchResult
from jobs.log_lines import LogValue, log_line, milliseconds
from storage import events, sources
from storage.database import DATABASE_UNAVAILABLE, database_error_line, run_transaction
from storage.events import NewEvent
from storage.models import CheckStatus, Event, Source, SourceKind, utcnow
from storage.sources import LeasedSource

if TYPE_CHECKING:
    from jobs.analysis.findings import PageAnalysis
    from jobs.items import Item

log = logging.getLogger(__name__)

T = TypeVar("T")

LEASE = timedelta(minutes=15)
"""Longer than any check should take; a worker that dies mid-check delays that source by this much."""

MAX_NEW_ITEMS = 50
"""New items followed per check of a listing or feed; the rest wait for the next check."""

MAX_LISTING_PAGES = 5
"""Older pages of a listing read in one check, and only while every item on the page is new."""

UNCHANGED_BATCH = 64
"""Unchanged checks recorded in one statement (and at the end of every round of checks)."""

FAILURES_BEFORE_ALERT = 3
"""Consecutive failures after which admins hear about a source: one failure is usually a blip."""


@dataclass
class CheckReport:
    """What one check did, for the scheduler's log, the CLI and the chat admin commands."""

    source_id: int
    url: str = ""
    label: str = ""
    status: CheckStatus | None = None  # None: not checked (``skipped`` says why)
    skipped: str | None = None
    error: str | None = None
    events: list[Event] = field(default_factory=list)
    items_new: int = 0
    items_failed: int = 0
    elapsed_s: float = 0.0
    kind: str = ""
    http_status: int | None = None  # of the source's own URL (items and older listing pages not included)
    fetches: int = 0
    bytes_read: int = 0
    fetch_s: float = 0.0
    """Time spent in fetches (robots.txt, politeness waits and retries included), the rest being analysis and
    database work: the split an operator needs to tell a slow site from a slow database."""

    def log_fields(self) -> dict[str, LogValue]:
        """The ``check ...`` log line's fields (``jobs.log_lines``); no URL, which may carry credentials."""
        if self.status is None:
            return {"source": self.source_id, "outcome": "skipped", "reason": self.skipped}
        outcome = {CheckStatus.OK: "changed", CheckStatus.UNCHANGED: "unchanged"}.get(self.status, "error")
        return {"source": self.source_id, "kind": self.kind or None, "outcome": outcome, "http": self.http_status,
                "fetches": self.fetches, "bytes": self.bytes_read, "items_new": self.items_new,
                "items_failed": self.items_failed, "events": len(self.events),
                "fetch_ms": milliseconds(self.fetch_s), "total_ms": milliseconds(self.elapsed_s),
                "error": self.error}

    def summary(self) -> str:
        name = f"source {self.source_id} ({self.label})" if self.label else f"source {self.source_id}"
        if self.status is None:
            return f"{name}: not checked, {self.skipped}"
        parts = [str(self.status)]
        if self.items_new:
            parts.append(f"{self.items_new} new item" + ("s" if self.items_new != 1 else ""))
        if self.items_failed:
            parts.append(f"{self.items_failed} items failed")
        parts.append(f"{len(self.events)} events")
        text = f"{name}: " + ", ".join(parts) + f" in {self.elapsed_s:.1f} s"
        return text + (f" - {self.error}" if self.error else "")


@dataclass(frozen=True)
class _Snapshot:
    """The source as it was when the check began (no ORM object crosses into the async code)."""

    id: int
    url: str
    label: str
    kind: SourceKind
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    first_check: bool  # never read successfully: what a listing or feed holds now is the baseline

    @classmethod
    def of(cls, source: LeasedSource) -> _Snapshot:
        # Never read, as far as the lease shows; ``_run`` asks whether it has items before relying on it.
        return cls(source.id, source.url, source.label, SourceKind(source.kind), source.etag, source.last_modified,
                   source.content_hash, first_check=source.content_hash is None)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SourceChecker:
    def __init__(
        self,
        engine: Engine,
        fetcher: Fetcher,
        *,
        owner: str | None = None,
        lease: timedelta = LEASE,
        max_new_items: int = MAX_NEW_ITEMS,
        max_listing_pages: int = MAX_LISTING_PAGES,
        failures_before_alert: int = FAILURES_BEFORE_ALERT,
    ) -> None:
        self.engine = engine
        self.fetcher = fetcher
        self.owner = owner or worker_name()
        self.lease = lease
        self.max_new_items = max_new_items
        self.max_listing_pages = max_listing_pages
        self.failures_before_alert = failures_before_alert
        self._leases_to_give_back: set[int] = set()
        self._unchanged: list[sources.UnchangedCheck] = []

    async def check_due(
        self, *, limit: int = 100, concurrency: int = 4, on_done: Callable[[CheckReport], None] | None = None
    ) -> list[CheckReport]:
        """Check sources that are due, ``concurrency`` at a time, at most ``limit`` of them.

        Leases are taken a lane-full at a time (``sources.lease_due``: one statement for ``concurrency``
        sources), once every source leased before has started: processes sharing a database take different
        sources without racing for them, and a leased source waits at most one check for a free lane (a
        lease never runs out while it waits).
        """
        await self._give_back_leases()
        # Only what is due now: a source checked in this call is due again later, never within the call.
        as_of = utcnow()
        taken = 0

        async def lease(count: int) -> tuple[list[LeasedSource], bool]:
            nonlocal taken
            count = min(count, limit - taken)
            leased = await self._db(lambda s: sources.lease_due(s, owner=self.owner, lease=self.lease,
                                                                limit=count, due_by=as_of))
            taken += len(leased)
            return leased, len(leased) < count or taken >= limit

        reports, database_away = await self._in_lanes(lease, concurrency, on_done)
        if database_away is not None and not reports:
            raise database_away  # nothing done: the caller's one line for the whole call says why
        return reports  # what was checked before the database went away is handed on

    async def check_many(
        self,
        source_ids: list[int],
        *,
        concurrency: int = 4,
        force: bool = True,
        on_done: Callable[[CheckReport], None] | None = None,
    ) -> list[CheckReport]:
        """Check the given sources (each once), ``concurrency`` at a time; reports in the order given.
        ``force`` checks them even if they are not due or are paused (an admin asked); a check already
        running elsewhere is never doubled."""
        wanted = list(dict.fromkeys(source_ids))
        skipped: list[CheckReport] = []

        async def lease(count: int) -> tuple[list[LeasedSource], bool]:
            batch = wanted[:count]
            leased = await self._db(lambda s: sources.lease_sources(s, batch, owner=self.owner, lease=self.lease,
                                                                    due_only=not force))
            del wanted[:count]  # leased, or answered below
            missed = set(batch) - {source.id for source in leased}
            if missed:
                existing = await self._db(lambda s: sources.existing_ids(s, missed))
                for source_id in sorted(missed):
                    report = CheckReport(source_id=source_id, skipped=(
                        "no such source" if source_id not in existing
                        else "being checked by another worker" if force
                        else "not due, paused or being checked by another worker"))
                    skipped.append(report)
                    if on_done is not None:
                        on_done(report)
            return leased, not wanted

        reports, database_away = await self._in_lanes(lease, concurrency, on_done)
        by_id = {report.source_id: report for report in reports + skipped}
        for source_id in wanted:  # never leased: the database went away first
            assert database_away is not None
            by_id[source_id] = CheckReport(source_id=source_id)
            self._database_away(by_id[source_id], database_away)
        return [by_id[source_id] for source_id in dict.fromkeys(source_ids)]

    async def check(self, source_id: int, *, force: bool = False) -> CheckReport:
        """Check one source now (``check_many`` for one)."""
        [report] = await self.check_many([source_id], concurrency=1, force=force)
        return report

    async def _in_lanes(
        self, lease: Callable[[int], Awaitable[tuple[list[LeasedSource], bool]]], concurrency: int,
        on_done: Callable[[CheckReport], None] | None,
    ) -> tuple[list[CheckReport], Exception | None]:
        """Run checks ``concurrency`` at a time on the sources ``lease(count)`` leases, a lane-full at a time,
        until it says there are no more; then record the unchanged checks still waiting to be written.
        Returns the reports, and the database error that stopped the leasing, if one did."""
        lanes = max(1, concurrency)
        waiting: deque[LeasedSource] = deque()
        reports: list[CheckReport] = []
        finished = False
        database_away: Exception | None = None
        turn = asyncio.Lock()

        async def next_source() -> LeasedSource | None:
            nonlocal finished, database_away
            async with turn:
                if not waiting and not finished:
                    try:
                        leased, finished = await lease(lanes)
                    except DATABASE_UNAVAILABLE as error:
                        database_away, finished = error, True
                        return None
                    waiting.extend(leased)
                return waiting.popleft() if waiting else None

        async def lane() -> None:
            while (source := await next_source()) is not None:
                report = CheckReport(source_id=source.id)
                try:
                    await self._check(report, source)
                finally:  # a check stopped at shutdown too: what it stored is handed on, once
                    reports.append(report)
                    if on_done is not None:
                        on_done(report)

        try:
            await asyncio.gather(*(lane() for _ in range(lanes)))
        finally:
            # Shielded: at shutdown, leases taken but not started go back and finished checks are recorded.
            await asyncio.shield(self._wind_up([source.id for source in waiting]))
        return reports, database_away

    async def _wind_up(self, not_started: list[int]) -> None:
        await self._write_unchanged()
        if not_started:
            self._leases_to_give_back.update(not_started)
            await self._give_back_leases()

    async def _check(self, report: CheckReport, source: LeasedSource) -> None:
        """One check of a source this checker holds the lease of, filling a report its caller holds: if the
        check is cancelled (shutdown), the report still holds every event the check stored before it stopped."""
        started = time.perf_counter()
        source_id = report.source_id
        self._leases_to_give_back.discard(source_id)
        snapshot = _Snapshot.of(source)
        report.url, report.label, report.kind = snapshot.url, snapshot.label, snapshot.kind
        record: sources.CheckRecord | None = None
        try:
            record = await self._run(snapshot, report)
        except asyncio.CancelledError:
            report.skipped = "stopped before it finished"
            with contextlib.suppress(*DATABASE_UNAVAILABLE):  # then the lease simply expires
                await asyncio.shield(self._db(lambda s: sources.release(s, source_id, owner=self.owner)))
            raise
        except DATABASE_UNAVAILABLE as error:
            self._database_away(report, error)
            return
        except _SourceUnreadable as error:
            record = sources.CheckRecord(CheckStatus.ERROR, error=str(error))
        except Exception as error:  # one broken source must never stop the others
            log.exception("check of source %s failed", source_id)
            record = sources.CheckRecord(CheckStatus.ERROR, error=f"internal error: {type(error).__name__}: {error}")
        finally:
            report.elapsed_s = time.perf_counter() - started
        final = record
        report.status, report.error = final.status, final.error or report.error
        if final.status == CheckStatus.UNCHANGED:
            # Nothing to learn and no event possible: written later, with others, in one statement.
            now = utcnow()
            self._unchanged.append(sources.UnchangedCheck(
                source_id, final.http_status, now, now + timedelta(seconds=source.interval_seconds)))
            log.info("%s", log_line("check", **report.log_fields()))
            if len(self._unchanged) >= UNCHANGED_BATCH:
                await self._write_unchanged()
            return
        try:
            await self._record(report, lambda s: self._finish(s, source_id, final))
        except DATABASE_UNAVAILABLE as error:
            self._database_away(report, error)
            return
        log.info("%s", log_line("check", **report.log_fields()))

    async def _write_unchanged(self) -> None:
        """Record the unchanged checks waiting to be written (their sources stay leased until then)."""
        if not self._unchanged:
            return
        batch, self._unchanged = self._unchanged, []
        try:
            written = await self._db(lambda s: sources.record_unchanged(s, batch, owner=self.owner))
        except DATABASE_UNAVAILABLE as error:
            # Not recorded: the sources are checked again once their leases are given back.
            self._leases_to_give_back.update(check.source_id for check in batch)
            log.warning("%s", log_line("unchanged checks", outcome="not recorded", count=len(batch),
                                       reason=f"database unavailable: {database_error_line(error)}"))
            return
        if written < len(batch):
            log.warning("lost the lease on %d of %d unchanged sources during their checks; their results were "
                        "dropped", len(batch) - written, len(batch))

    def _database_away(self, report: CheckReport, error: Exception) -> None:
        """The database failed, not the source: nothing is recorded against the source (three blips must not
        tell admins it is failing), and its lease goes back as soon as the database answers again, so that it
        is checked again then rather than when the lease would expire. Events already stored stay in the report,
        to be handed on once."""
        self._leases_to_give_back.add(report.source_id)
        report.status, report.error = None, None
        report.skipped = f"database unavailable: {database_error_line(error)}"
        log.warning("%s", log_line("check", **report.log_fields()))

    async def _give_back_leases(self) -> None:
        if not self._leases_to_give_back:
            return
        waiting = set(self._leases_to_give_back)

        def give_back(session: Session) -> None:
            for source_id in waiting:
                sources.release(session, source_id, owner=self.owner)

        with contextlib.suppress(*DATABASE_UNAVAILABLE):  # still away: next time
            await self._db(give_back)
            self._leases_to_give_back -= waiting

    # -- the steps ------------------------------------------------------------------------------------

    async def _run(self, source: _Snapshot, report: CheckReport) -> sources.CheckRecord:
        fetched = await self._fetch(report, source.url, etag=source.etag, last_modified=source.last_modified)
        if fetched.outcome == FetchOutcome.ERROR:
            return sources.CheckRecord(CheckStatus.ERROR, http_status=fetched.http_status, error=fetched.error,
                                       retry_after_s=fetched.retry_after_s)
        if fetched.outcome == FetchOutcome.OK and not fetched.body.strip():
            # A server hiccup, not the page's new content: taken as content it would replace the last good
            # read's validators and hash, and hide from admins a source that keeps answering with nothing.
            return sources.CheckRecord(CheckStatus.ERROR, http_status=fetched.http_status,
                                       error=f"empty response (HTTP {fetched.http_status} with no content)")
        unchanged = sources.CheckRecord(CheckStatus.UNCHANGED, http_status=fetched.http_status)
        if fetched.outcome == FetchOutcome.NOT_MODIFIED or fetched.content_hash == source.content_hash:
            return unchanged
        if source.first_check and await self._db(lambda s: sources.has_items(s, source.id)):
            source = dataclasses.replace(source, first_check=False)  # it was read before, then forgotten
        ok = sources.CheckRecord(CheckStatus.OK, http_status=fetched.http_status, etag=fetched.etag,
                                 last_modified=fetched.last_modified, content_hash=fetched.content_hash)
        if source.kind == SourceKind.PAGE:
            await self._page(report, source, fetched, baseline=False)
            return ok
        items = await self._new_items(source, fetched, report)
        await self._index(report, source, fetched)
        for item in items[: self.max_new_items]:
            page = await self._fetch(report, item.url)
            if page.outcome == FetchOutcome.ERROR and page.transient:
                report.items_failed += 1
                report.error = f"{item.url}: {page.error}"
                continue  # not remembered: tried again next check
            if page.outcome == FetchOutcome.OK:
                await self._page(report, source, page, baseline=source.first_check, item=item)
            else:
                await self._db(functools.partial(sources.add_item, source_id=source.id, url=item.url, title=item.title))
            report.items_new += 1
        if report.items_failed or len(items) > self.max_new_items:
            # Forget the validators so the next check reads the index again and picks up what was left.
            return sources.CheckRecord(CheckStatus.OK, http_status=fetched.http_status, error=report.error)
        return ok

    async def _new_items(self, source: _Snapshot, fetched: FetchResult, report: CheckReport) -> list[Item]:
        """Items not seen before, oldest first; older listing pages are read only while all items are new."""
        if source.kind == SourceKind.FEED:
            from jobs.feeds import parse_feed

            feed = parse_feed(fetched.body, fetched.final_url)
            if feed.error and not feed.items:
                raise _SourceUnreadable(feed.error)
            return list(reversed(await self._unknown(source, feed.items)))
        from jobs.listings import parse_listing

        collected: list[Item] = []
        page, pages = fetched, 1
        while True:
            listing = parse_listing(page.body, page.final_url, page.content_type)
            new = await self._unknown(source, listing.items)
            collected += [item for item in new if item not in collected]
            if source.first_check or not new or len(new) < len(listing.items) or not listing.next_page:
                break
            if pages >= self.max_listing_pages or len(collected) >= self.max_new_items:
                break
            page = await self._fetch(report, listing.next_page)
            pages += 1
            if page.outcome != FetchOutcome.OK:
                break
        return list(reversed(collected))

    async def _fetch(self, report: CheckReport, url: str, **validators: str | None) -> FetchResult:
        """Fetch, and count what it cost in the report (for the check's log line)."""
        fetched = await self.fetcher.fetch(url, **validators)
        if report.fetches == 0:
            report.http_status = fetched.http_status
        report.fetches += 1
        report.bytes_read += len(fetched.body)
        report.fetch_s += fetched.elapsed_s
        return fetched

    async def _unknown(self, source: _Snapshot, items: list[Item]) -> list[Item]:
        known = await self._db(lambda s: sources.known_item_urls(s, source.id, [i.url for i in items]))
        return [item for item in items if item.url not in known]

    async def _index(self, report: CheckReport, source: _Snapshot, fetched: FetchResult) -> None:
        """The IRM reports a changed listing or feed names, recorded before (or without) fetching their pages."""
        from jobs.analysis import analyse_page
        from jobs.analysis.findings import ReportFinding

        analysis = await asyncio.to_thread(analyse_page, fetched.body, fetched.final_url, fetched.content_type)
        if any(r.url for r in analysis.of_type(ReportFinding)):
            await self._store(report, source, analysis, baseline=source.first_check)

    async def _page(self, report: CheckReport, source: _Snapshot, fetched: FetchResult, *, baseline: bool,
                    item: Item | None = None) -> None:
        from jobs.analysis import analyse_page

        analysis = await asyncio.to_thread(analyse_page, fetched.body, fetched.final_url, fetched.content_type)
        await self._store(report, source, analysis, baseline=baseline, item=item)

    async def _store(self, report: CheckReport, source: _Snapshot, analysis: PageAnalysis, *, baseline: bool,
                     item: Item | None = None) -> None:
        from jobs.ingest import ingest

        def store(session: Session) -> list[Event]:
            result = ingest(session, analysis)
            proposed = detect.detect(session, analysis, result, source_id=source.id, baseline=baseline)
            if item is not None:
                sources.add_item(session, source.id, item.url, item.title)
            return events.record_events(session, proposed)

        await self._record(report, store)

    # -- database steps (run in a worker thread) ------------------------------------------------------

    async def _db(self, work: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(run_transaction, self.engine, work)

    async def _record(self, report: CheckReport, work: Callable[[Session], list[Event]]) -> None:
        """A transaction that stores events, which join the report once it has committed.

        Cancelling a coroutine does not stop the thread running its transaction: if the check is cancelled
        here (shutdown), this waits for the transaction to end, so events it committed are in the report when
        the cancellation goes on, and are handed on rather than lost.
        """
        def run() -> None:
            report.events.extend(run_transaction(self.engine, work))

        transaction = asyncio.ensure_future(asyncio.to_thread(run))
        try:
            await asyncio.shield(transaction)
        except asyncio.CancelledError:
            await asyncio.gather(transaction, return_exceptions=True)
            raise

    def _finish(self, session: Session, source_id: int, record: sources.CheckRecord) -> list[Event]:
        source: Source | None = sources.record_check(session, source_id, record, owner=self.owner)
        if source is None:
            log.warning("lost the lease on source %s during its check; its result was dropped", source_id)
            return []
        failure = detect.source_failure(source, threshold=self.failures_before_alert)
        proposed: list[NewEvent] = [failure] if failure else []
        return events.record_events(session, proposed)


class _SourceUnreadable(Exception):
    """The source answered, but not with anything we can read (e.g. a feed that is not XML)."""
