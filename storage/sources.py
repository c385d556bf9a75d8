"""Watched sources: their list, their schedule and health, and the lease that keeps one check of a source
from running twice.

A lease is a conditional UPDATE (``... WHERE lease_expires_at IS NULL OR lease_expires_at < now``), which
is atomic on SQLite and PostgreSQL alike: of two workers asking at once, exactly one sees a changed row.
A worker that dies holding a lease simply lets it expire, and the source becomes due to the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, or_, update
from sqlmodel import Session, col, select

from storage.models import CheckStatus, Source, SourceItem, SourceKind, utcnow


class DuplicateSource(ValueError):
    """The URL is watched already."""

    def __init__(self, source: Source) -> None:
        super().__init__(f"{source.url} is already watched as source {source.id} ({source.label})")
        self.source = source


def add_source(
    session: Session,
    *,
    url: str,
    kind: SourceKind,
    label: str,
    interval_seconds: int,
    added_by: str,
    now: datetime | None = None,
) -> Source:
    """A new source, due at once so that the next tick checks it."""
    existing = session.exec(select(Source).where(Source.url == url)).first()
    if existing is not None:
        raise DuplicateSource(existing)
    moment = now or utcnow()
    source = Source(
        url=url,
        kind=SourceKind(kind),
        label=label[:200],
        interval_seconds=interval_seconds,
        added_by=added_by[:100],
        created_at=moment,
        next_check_at=moment,
    )
    session.add(source)
    session.flush()
    return source


def get_source(session: Session, source_id: int) -> Source | None:
    return session.get(Source, source_id)


def all_source_ids(session: Session) -> list[int]:
    """Every source's id, in order (no rows loaded: ``check --all`` of 50,000 sources needs only these)."""
    return [i for i in session.exec(select(Source.id).order_by(col(Source.id))) if i is not None]


def existing_ids(session: Session, source_ids: Iterable[int]) -> set[int]:
    """Which of these sources exist."""
    wanted = list(source_ids)
    return {i for i in session.exec(select(Source.id).where(col(Source.id).in_(wanted))) if i is not None}


def all_sources(session: Session) -> list[Source]:
    return list(session.exec(select(Source).order_by(col(Source.id))))


def set_enabled(session: Session, source_id: int, enabled: bool, *, now: datetime | None = None) -> Source | None:
    """Pause or resume; a resumed source is due at once rather than at a time computed before the pause."""
    source = session.get(Source, source_id)
    if source is None:
        return None
    source.enabled = enabled
    if enabled:
        source.next_check_at = now or utcnow()
    session.add(source)
    session.flush()
    return source


def remove_source(session: Session, source_id: int) -> Source | None:
    """Forget a source and the items it pointed to; the events it produced stay."""
    source = session.get(Source, source_id)
    if source is None:
        return None
    session.execute(delete(SourceItem).where(col(SourceItem.source_id) == source_id))
    session.delete(source)
    session.flush()
    return source


# -- scheduling and leases ----------------------------------------------------------------------------


def due_source_ids(session: Session, *, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Enabled sources whose check is due and not held by a live lease, most overdue first."""
    moment = now or utcnow()
    query = (
        select(Source.id)
        .where(Source.enabled == True, col(Source.next_check_at) <= moment)  # noqa: E712
        .where(or_(col(Source.lease_expires_at).is_(None), col(Source.lease_expires_at) < moment))
        .order_by(col(Source.next_check_at), col(Source.id))
        .limit(limit)
    )
    return [source_id for source_id in session.exec(query) if source_id is not None]


@dataclass(frozen=True)
class LeasedSource:
    """A source as it was when its lease was taken: what a check needs, as plain data (no ORM object is
    kept across the check's network waits)."""

    id: int
    url: str
    label: str
    kind: str
    interval_seconds: int
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    next_check_at: datetime


_LEASED = tuple(col(c) for c in (Source.id, Source.url, Source.label, Source.kind, Source.interval_seconds,
                                  Source.etag, Source.last_modified, Source.content_hash, Source.next_check_at))


def lease_due(
    session: Session, *, owner: str, lease: timedelta, limit: int = 1, due_by: datetime | None = None,
    now: datetime | None = None,
) -> list[LeasedSource]:
    """Lease up to ``limit`` of the most overdue sources no one holds, in one statement, most overdue first;
    empty when nothing is due by ``due_by`` (default: now). The lease runs from ``now``, whatever ``due_by``
    is.

    On PostgreSQL the candidate rows are locked with ``FOR UPDATE SKIP LOCKED``: workers claiming at the same
    moment each get different sources instead of racing for the same ones (and all but one losing). SQLite
    has one writer at a time, so there the statement alone is enough.
    """
    moment = now or utcnow()
    free = or_(col(Source.lease_expires_at).is_(None), col(Source.lease_expires_at) < moment)
    due = (col(Source.enabled) == True, col(Source.next_check_at) <= (due_by or moment))  # noqa: E712
    candidates = (
        select(Source.id).where(*due, free)
        .order_by(col(Source.next_check_at), col(Source.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(Source)
        .where(col(Source.id).in_(candidates.scalar_subquery()), *due, free)
        .values(lease_owner=owner, lease_expires_at=moment + lease)
        .returning(*_LEASED)
    )
    leased = [LeasedSource(*row) for row in session.execute(statement).all()]
    return sorted(leased, key=lambda s: (s.next_check_at, s.id))  # RETURNING keeps no order


def lease_sources(
    session: Session, source_ids: Sequence[int], *, owner: str, lease: timedelta, due_only: bool = True,
    now: datetime | None = None,
) -> list[LeasedSource]:
    """Lease the given sources that no other worker holds (and, with ``due_only``, that are enabled and due),
    in one statement; the others are left out."""
    if not source_ids:
        return []
    moment = now or utcnow()
    statement = (
        update(Source)
        .where(col(Source.id).in_(list(source_ids)))
        .where(or_(col(Source.lease_expires_at).is_(None), col(Source.lease_expires_at) < moment))
        .values(lease_owner=owner, lease_expires_at=moment + lease)
        .returning(*_LEASED)
    )
    if due_only:
        statement = statement.where(col(Source.enabled) == True, col(Source.next_check_at) <= moment)  # noqa: E712
    return [LeasedSource(*row) for row in session.execute(statement).all()]


def release(session: Session, source_id: int, *, owner: str) -> None:
    """Give the lease back without recording a check (shutdown in the middle of one): still due."""
    session.execute(
        update(Source)
        .where(col(Source.id) == source_id, col(Source.lease_owner) == owner)
        .values(lease_owner=None, lease_expires_at=None)
    )


@dataclass(frozen=True)
class CheckRecord:
    """What one check of a source found out about its health."""

    status: CheckStatus
    http_status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    retry_after_s: float | None = None


FIRST_RETRY = timedelta(minutes=5)
MAX_BACKOFF = timedelta(days=1)


def failure_delay(failures: int, interval: timedelta, retry_after_s: float | None = None) -> timedelta:
    """Wait before checking a failing source again: soon after one failure, doubling each time after that,
    never more than a day (or the source's own interval, if longer); a server's Retry-After wins if longer."""
    doublings: int = 2 ** max(failures - 1, 0)  # typeshed types int ** int as Any (a negative power is a float)
    delay = min(FIRST_RETRY * doublings, max(MAX_BACKOFF, interval))
    if retry_after_s:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return delay


def record_check(
    session: Session, source_id: int, record: CheckRecord, *, owner: str, now: datetime | None = None
) -> Source | None:
    """Store the outcome, schedule the next check and release the lease.

    Returns the source, or None when the lease was lost meanwhile (it expired and another worker took
    the source over): then the other worker's result stands and ours is dropped.
    """
    moment = now or utcnow()
    source = session.exec(select(Source).where(Source.id == source_id).with_for_update()).first()
    if source is None or source.lease_owner != owner:
        return None
    interval = timedelta(seconds=source.interval_seconds)
    source.last_checked_at = moment
    source.last_status = record.status
    source.last_http_status = record.http_status
    source.checks += 1
    if record.status == CheckStatus.ERROR:
        source.consecutive_failures += 1
        source.failing_since = source.failing_since or moment
        source.last_error = (record.error or "unknown error")[:2000]
        source.next_check_at = moment + failure_delay(source.consecutive_failures, interval, record.retry_after_s)
    else:
        source.consecutive_failures = 0
        source.failing_since = None
        source.last_error = record.error  # e.g. some items of a listing could not be fetched
        source.next_check_at = moment + interval
        if record.status == CheckStatus.OK:
            # None clears them, so that a check which left work undone reads the whole source again next time.
            source.etag = record.etag
            source.last_modified = record.last_modified
            source.content_hash = record.content_hash
    source.lease_owner = None
    source.lease_expires_at = None
    session.add(source)
    session.flush()
    return source


@dataclass(frozen=True)
class UnchangedCheck:
    """A check that found its source as it was (304, or the same body): all there is to record of it."""

    source_id: int
    http_status: int | None
    checked_at: datetime
    next_check_at: datetime


_TABLE = Source.__table__  # type: ignore[attr-defined]
_RECORD_UNCHANGED = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("u_id"), _TABLE.c.lease_owner == bindparam("u_owner"))
    .values(last_checked_at=bindparam("u_at"), last_status=CheckStatus.UNCHANGED.value,
            last_http_status=bindparam("u_http"), checks=_TABLE.c.checks + 1, consecutive_failures=0,
            failing_since=None, last_error=None, next_check_at=bindparam("u_next"), lease_owner=None,
            lease_expires_at=None)
)


def record_unchanged(session: Session, checks: Sequence[UnchangedCheck], *, owner: str) -> int:
    """What ``record_check`` writes for an unchanged check, for many checks in one statement: most checks
    find nothing new, and one transaction each was most of what they cost. Returns how many were recorded;
    a source whose lease was lost meanwhile keeps the other worker's result."""
    if not checks:
        return 0
    rows = [{"u_id": c.source_id, "u_owner": owner, "u_at": c.checked_at, "u_http": c.http_status,
             "u_next": c.next_check_at} for c in checks]
    result = session.connection().execute(_RECORD_UNCHANGED, rows)
    return int(result.rowcount)


# -- items of listings and feeds ------------------------------------------------------------------


def known_item_urls(session: Session, source_id: int, urls: Iterable[str]) -> set[str]:
    wanted = list(dict.fromkeys(urls))
    if not wanted:
        return set()
    query = select(SourceItem.url).where(SourceItem.source_id == source_id, col(SourceItem.url).in_(wanted))
    return set(session.exec(query))


def has_items(session: Session, source_id: int) -> bool:
    return session.exec(select(SourceItem.id).where(SourceItem.source_id == source_id).limit(1)).first() is not None


def add_item(session: Session, source_id: int, url: str, title: str | None, *, now: datetime | None = None) -> bool:
    """Remember that the source pointed to ``url``; False if it was known already."""
    if known_item_urls(session, source_id, [url]):
        return False
    session.add(SourceItem(source_id=source_id, url=url, title=(title or "")[:500] or None,
                           first_seen_at=now or utcnow()))
    session.flush()
    return True

