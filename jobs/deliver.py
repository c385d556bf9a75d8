"""The dispatcher: empties the delivery outbox into Telegram under its limits, and loses nothing in a crash.

Fan-out (``jobs.fanout``) writes one ``delivery`` row per (event, chat). For every due row a worker:

1. waits for a sending slot (``jobs.rate_limit``: global rate, chat interval, group cap, flood pause);
2. claims the row: a conditional UPDATE to SENDING with ``claimed_by``/``claimed_until``, committed before
   anything is sent. It is atomic on SQLite and PostgreSQL alike, so several dispatchers can share one
   outbox, and a row whose claim has expired (its dispatcher died) is claimable again;
3. sends it, with a deadline well inside the claim, so a live send never outlasts its claim;
4. commits the outcome at once: SENT with Telegram's message id, BLOCKED (and the chat marked inactive),
   FAILED, or PENDING again with a later ``next_attempt_at``.

A crash between 3 and 4 leaves a sent row in SENDING; when its claim expires it is sent again. A worker
records its row before taking the next, so each worker holds at most one such row and a crash repeats at
most ``concurrency`` alerts: the in-flight bound (docs/delivery.md).

Why this stays one file (about 530 lines): what is left after the sending interface (``jobs.sending``) and
the grouped commits (``jobs.group_commit``) moved out is one state machine, claim -> send -> record, whose
loop and whose row transitions (``_claim``, ``_renew``, ``_mark_sent``, ``_reschedule``...) must be read
together to check the in-flight bound above: each transition's WHERE clause on ``claimed_by`` is what makes
a late or repeated worker harmless. Cutting the transitions into a module of their own would put that
invariant across two files for a gain of a few lines under the mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from jobs.alerts import render_alert
from jobs.fanout import fan_out
from jobs.group_commit import GroupCommit
from jobs.log_lines import log_line, milliseconds
from jobs.rate_limit import DeliveryLimiter, DeliveryLimits
from jobs.sending import AlertSender, SendOutcome, SendResult
from storage import subscriptions
from storage.database import DATABASE_UNAVAILABLE, database_error_line, execute_write, run_transaction
from storage.models import Chat, ChatKind, Delivery, DeliveryStatus, Event, utcnow

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 8
"""Sends in flight at once. At Telegram's ~100 ms round trip, 8 keep 30/s busy; it is also the in-flight bound."""

CLAIM_TTL_S = 60.0
"""How long a claim protects a row. A send is given half of it; what is left covers recording the outcome."""

BATCH_PER_WORKER = 32
"""Rows read per batch, per worker: enough to keep workers busy, few enough to read again cheaply."""

IDLE_S = 1.0
"""How often ``run`` looks for new events and due rows when there is nothing to send."""

STOP_GRACE_S = 5.0
"""After a stop, sends in flight get this long to finish and be recorded before they are cancelled."""

RECORD_RETRY_S = 1.0
"""Pause between attempts to record an outcome while the database is away."""

GROUP_KINDS = frozenset({ChatKind.GROUP, ChatKind.SUPERGROUP})

T = TypeVar("T")


# -- policy and counts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Transient failures are retried after exponentially growing, jittered delays, then given up."""

    max_attempts: int = 8
    base_delay: float = 5.0
    max_delay: float = 900.0

    def delay(self, attempt: int) -> float:
        """Before attempt ``attempt + 1``: base·2^(attempt-1), capped, times a random 0.5–1 so that the
        chats hit by one outage do not all come back in the same second."""
        doublings: int = 2 ** max(0, attempt - 1)  # typeshed types int ** int as Any (a negative power is a float)
        return min(self.max_delay, self.base_delay * doublings) * random.uniform(0.5, 1.0)


@dataclass
class DispatchStats:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    """Rows put back to be sent later (flood control, transient errors); not final."""

    def __add__(self, other: DispatchStats) -> DispatchStats:
        return DispatchStats(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def busy(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def summary(self) -> str:
        return f"sent {self.sent}, blocked {self.blocked}, failed {self.failed}, retried {self.retried}"


@dataclass(frozen=True)
class _Due:
    """A row to send, with everything the worker needs so that sending reads nothing more."""

    id: int
    chat_id: int
    group: bool
    attempts: int
    html: str | None  # None: the event could not be rendered


@dataclass
class _Pass:
    stats: DispatchStats = field(default_factory=DispatchStats)
    claimed: int = 0


# -- the dispatcher -------------------------------------------------------------------------------------------


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        sender: AlertSender,
        limits: DeliveryLimits,
        *,
        owner: str | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        claim_ttl: float = CLAIM_TTL_S,
        retry: RetryPolicy | None = None,
        admin_chat_ids: Collection[int] = (),
    ) -> None:
        if concurrency < 1 or claim_ttl <= 0:
            raise ValueError("concurrency must be at least 1 and claim_ttl positive")
        self.engine = engine
        self.sender = sender
        self.limiter = DeliveryLimiter(limits)
        self.owner = (owner or _default_owner())[:100]
        self.concurrency = concurrency
        self.claim_ttl = claim_ttl
        self.send_timeout = claim_ttl / 2
        self.retry = retry or RetryPolicy()
        self.admin_chat_ids = frozenset(admin_chat_ids)
        self.batch_size = concurrency * BATCH_PER_WORKER
        self._texts: dict[tuple[int, str], str | None] = {}
        self._stop: asyncio.Event | None = None
        self._writes = GroupCommit(engine)
        self._current_pass: _Pass | None = None
        """So that what a pass sent before the database went away is still counted."""

    @property
    def in_flight_bound(self) -> int:
        """Alerts a crash of this process can make Telegram deliver twice: one per worker."""
        return self.concurrency

    async def run_once(self) -> DispatchStats:
        """Match new events to chats, then send every delivery that is due, batch after batch, until none is.

        Rows that fall due while this runs are included (a flood-control pause ends inside it); rows
        retried later than that are left for the next call.
        """
        current = self._current_pass = _Pass()
        current.stats.blocked += await self._db(self._prepare)
        while not self._stopping():
            horizon = utcnow() + timedelta(seconds=self.limiter.paused_for())
            batch = await self._db(functools.partial(self._due, horizon=horizon))
            if not batch:
                break
            claimed_before = current.claimed
            await self._send_batch(batch, current)
            if current.claimed == claimed_before:
                break  # every row was taken by another dispatcher meanwhile (or is not quite due): next time
        return current.stats

    async def run(
        self,
        stop: asyncio.Event,
        *,
        idle_seconds: float = IDLE_S,
        on_pass: Callable[[DispatchStats], None] | None = None,
    ) -> DispatchStats:
        """Send until ``stop`` is set, then let sends in flight finish (``STOP_GRACE_S``); returns the totals.

        A database that is away for a while (restart, network) is waited for; an exception from the sender
        (it cannot send at all, e.g. a revoked token) ends the run.
        """
        total = DispatchStats()
        self._stop = stop
        try:
            while not stop.is_set():
                try:
                    stats = await self._pass_until_stopped(stop)
                except DATABASE_UNAVAILABLE as error:  # one line per pass, not a traceback a second
                    log.warning("%s", log_line("delivery pass", outcome="interrupted",
                                               retry_ms=milliseconds(idle_seconds),
                                               reason=f"database unavailable: {database_error_line(error)}"))
                    stats = self._current_pass.stats if self._current_pass else DispatchStats()
                except SQLAlchemyError:
                    log.exception("delivery pass failed on the database; trying again in %.0f s", idle_seconds)
                    stats = self._current_pass.stats if self._current_pass else DispatchStats()
                total += stats
                if stats.busy and on_pass is not None:
                    on_pass(stats)
                if not stats.busy:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), idle_seconds)
        finally:
            self._stop = None
        return total

    async def _pass_until_stopped(self, stop: asyncio.Event) -> DispatchStats:
        work = asyncio.ensure_future(self.run_once())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                # Workers take no new rows now. Those sending get a moment to finish and record, then they
                # and those still waiting for a slot are cancelled (their rows go back to PENDING).
                await asyncio.wait({work}, timeout=STOP_GRACE_S)
                work.cancel()
            try:
                return await work
            except asyncio.CancelledError:
                if work.cancelled() and not _current_task_cancelling():
                    return DispatchStats()
                raise
        finally:
            stopped.cancel()
            if not work.done():
                work.cancel()

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    # -- one batch ----------------------------------------------------------------------------------------

    async def _send_batch(self, batch: list[_Due], current: _Pass) -> None:
        queue = deque(batch)
        if len(batch) > self.concurrency:
            # Dispatchers sharing a database read the same oldest rows; each starting at its own place in
            # the batch, they mostly claim different rows instead of racing for the same ones.
            queue.rotate(-random.randrange(len(batch)))
        stats, claimed_before, started = DispatchStats(), current.claimed, time.perf_counter()

        database_away: list[Exception] = []

        async def worker() -> None:
            while queue and not self._stopping() and not database_away:
                due = queue.popleft()
                try:
                    delivered = await self._deliver(due, stats)
                except DATABASE_UNAVAILABLE as error:
                    # No worker takes another row, but none is cancelled: one may be recording an alert it sent,
                    # and cancelled it would leave that alert to be sent again when its claim expires.
                    database_away.append(error)
                    return
                if delivered:
                    current.claimed += 1

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(self.concurrency, len(batch))):
                    group.create_task(worker())
            if database_away:
                raise database_away[0]
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None  # the sender broke: its own error, not a group of them
        finally:
            current.stats += stats
            # rows - claimed: taken by another dispatcher meanwhile, or left when stopping.
            log.info("%s", log_line("delivery batch", rows=len(batch), claimed=current.claimed - claimed_before,
                                    sent=stats.sent, retried=stats.retried, failed=stats.failed,
                                    blocked=stats.blocked, ms=milliseconds(time.perf_counter() - started)))

    async def _deliver(self, due: _Due, stats: DispatchStats) -> bool:
        """Send one row; False if it was no longer ours to send.

        The row is claimed before waiting for the rate limiter, not after: a claim lost to another
        dispatcher then costs no slot, so dispatchers sharing the outbox each keep their share of the rate.
        """
        if not await self._take(due):
            return False
        loop = asyncio.get_running_loop()
        claim_ends = loop.time() + self.claim_ttl
        sending = False
        try:
            async with self.limiter.slot(due.chat_id, group=due.group):
                if claim_ends - loop.time() < self.send_timeout + RECORD_RETRY_S:
                    # A long wait (a busy group, flood control): renew the claim, so that it outlasts the send.
                    if not await self._writes.run(lambda session: self._renew(session, due.id), row=due.id):
                        log.warning("delivery %s: claim expired while waiting to send; left to its new owner",
                                    due.id)
                        return False
                    claim_ends = loop.time() + self.claim_ttl
                sending = True
                result = await self._send_claimed(due)
                answered = utcnow()  # before the pause starts, so the row is due again when the pause ends
                if result.outcome == SendOutcome.RETRY_AFTER:
                    self.limiter.pause(result.retry_after)  # before the next worker takes a slot
                    log.warning("Telegram flood control: no sending for %.1f s", result.retry_after)
        except BaseException:
            if not sending:  # stopped (or broken) while waiting for a slot: the row goes back unsent
                await self._give_back(due)
            raise
        await self._record(due, result, stats, answered, claim_ends)
        return True

    async def _take(self, due: _Due) -> bool:
        """Claim the row. Cancelling the wait does not undo the claim, which its transaction commits anyway
        (a sibling send found the token revoked, a stop): then the row is given back before the cancellation
        goes on, instead of staying claimed, unsent, until the claim expires."""
        claim = asyncio.ensure_future(self._writes.run(lambda session: self._claim(session, due.id), row=due.id))
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            [claimed] = await asyncio.gather(claim, return_exceptions=True)
            if claimed is True:
                await self._give_back(due)
            raise

    async def _give_back(self, due: _Due) -> None:
        """Put a claimed, unsent row back to PENDING, and see it done even if this task is cancelled while
        waiting: two sends that both find the token revoked end the batch together, and the second one's
        cancellation must not leave the first one's row claimed (and unsent) until its claim expires."""
        await _finish(self._writes.run(lambda session: self._release(session, due.id), row=due.id))

    async def _send_claimed(self, due: _Due) -> SendResult:
        if due.html is None:
            return SendResult.rejected("the alert could not be rendered (see the dispatcher's log)")
        return await self._send(due, due.html)

    async def _send(self, due: _Due, html: str) -> SendResult:
        try:
            async with asyncio.timeout(self.send_timeout):
                return await self.sender.send(due.chat_id, html)
        except TimeoutError:
            return SendResult.transient(f"no answer within {self.send_timeout:.0f} s")
        except BaseException:
            # Cancelled (stopping) or the sender broke: the row goes back as it was. If the request had
            # reached Telegram it will be sent again: one of the in-flight sends of the bound.
            await self._give_back(due)
            raise

    async def _record(
        self, due: _Due, result: SendResult, stats: DispatchStats, now: datetime, claim_ends: float
    ) -> None:
        async def write(work: Callable[[Session], T]) -> T:
            # The database may be away for a moment. While the claim lasts, nobody else sends this row, so
            # keep trying: giving up would leave a sent alert to be sent again when the claim expires.
            while True:
                try:
                    return await self._writes.run(work, row=due.id)
                except SQLAlchemyError as error:
                    if asyncio.get_running_loop().time() + RECORD_RETRY_S >= claim_ends:
                        raise
                    if isinstance(error, DATABASE_UNAVAILABLE):  # expected while it is away: one line each
                        log.warning("%s", log_line("delivery record", delivery=due.id, outcome="retrying",
                                                   reason=f"database unavailable: {database_error_line(error)}"))
                    else:
                        log.warning("could not record delivery %s; trying again", due.id, exc_info=True)
                    await asyncio.sleep(RECORD_RETRY_S)

        if result.outcome == SendOutcome.SENT:
            assert result.message_id is not None
            await write(lambda session: self._mark_sent(session, due.id, result.message_id or 0, now))
            stats.sent += 1
        elif result.outcome == SendOutcome.BLOCKED:
            others = await write(lambda session: self._mark_blocked(session, due, result.error or "", now))
            stats.blocked += 1 + others
            log.info("chat %s can no longer be written to (%s): marked inactive", due.chat_id, result.error)
        elif result.outcome == SendOutcome.RETRY_AFTER:
            later = now + timedelta(seconds=result.retry_after)
            await write(lambda session: self._reschedule(session, due.id, later, result.error, counted=False))
            stats.retried += 1
        elif result.outcome == SendOutcome.TRANSIENT and due.attempts + 1 < self.retry.max_attempts:
            later = now + timedelta(seconds=self.retry.delay(due.attempts + 1))
            await write(lambda session: self._reschedule(session, due.id, later, result.error, counted=True))
            stats.retried += 1
        else:
            await write(lambda session: self._mark_failed(session, due.id, result.error or result.outcome))
            stats.failed += 1
            log.warning("gave up on delivery %s to chat %s after %d attempt(s): %s", due.id, due.chat_id,
                        due.attempts + 1, result.error)

    # -- the outbox, in the database ----------------------------------------------------------------------

    async def _db(self, work: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(run_transaction, self.engine, work)

    def _prepare(self, session: Session) -> int:
        """Fan out what any process recorded; rows for chats that went inactive since are blocked unsent."""
        fan_out(session, admin_chat_ids=self.admin_chat_ids)
        now = utcnow()
        inactive = select(Chat.id).where(Chat.active == False)  # noqa: E712  (SQL, not Python)
        result = execute_write(
            session,
            update(Delivery)
            .where(_claimable(now, now), col(Delivery.chat_id).in_(inactive))
            .values(status=DeliveryStatus.BLOCKED, last_error="chat inactive", claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    def _due(self, session: Session, *, horizon: datetime) -> list[_Due]:
        """The oldest claimable rows, one per chat (a chat's next row waits for the next batch anyway)."""
        now = utcnow()
        # SQLAlchemy's own select: SQLModel's is typed for at most four columns.
        ranked = (
            sa_select(
                col(Delivery.id), col(Delivery.event_id), col(Delivery.chat_id), col(Delivery.attempts),
                col(Delivery.next_attempt_at),
                func.row_number().over(partition_by=col(Delivery.chat_id),
                                       order_by=(col(Delivery.next_attempt_at), col(Delivery.id))).label("nth"),
            )
            .where(_claimable(now, horizon))
            .subquery()
        )
        rows = session.execute(
            sa_select(ranked.c.id, ranked.c.event_id, ranked.c.chat_id, ranked.c.attempts, col(Chat.kind),
                      col(Chat.language))
            .join(Chat, col(Chat.id) == ranked.c.chat_id)
            .where(ranked.c.nth == 1, col(Chat.active) == True)  # noqa: E712
            .order_by(ranked.c.next_attempt_at, ranked.c.id)
            .limit(self.batch_size)
        ).all()
        self._render_missing(session, {(row.event_id, row.language) for row in rows})
        return [
            _Due(row.id, row.chat_id, row.kind in GROUP_KINDS or row.chat_id < 0, row.attempts,
                 self._texts[(row.event_id, row.language)])
            for row in rows
        ]

    def _render_missing(self, session: Session, wanted: set[tuple[int, str]]) -> None:
        missing = wanted - self._texts.keys()
        if not missing:
            return
        if len(self._texts) > 1024:
            self._texts.clear()  # events are few; this only bounds a dispatcher that runs for months
        events = {event.id: event for event in
                  session.exec(select(Event).where(col(Event.id).in_({event_id for event_id, _ in missing})))}
        for event_id, language in missing:
            try:
                self._texts[(event_id, language)] = render_alert(events[event_id], language)
            except Exception:  # a rendering bug fails this event's rows, not the dispatcher
                log.exception("could not render event %s in %r", event_id, language)
                self._texts[(event_id, language)] = None

    def _claim(self, session: Session, delivery_id: int) -> bool:
        now = utcnow()
        result = execute_write(
            session,
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, _claimable(now, now))
            .values(status=DeliveryStatus.SENDING, claimed_by=self.owner,
                    claimed_until=now + timedelta(seconds=self.claim_ttl))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)

    def _renew(self, session: Session, delivery_id: int) -> bool:
        result = execute_write(
            session,
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.claimed_by) == self.owner,
                   col(Delivery.status) == DeliveryStatus.SENDING)
            .values(claimed_until=utcnow() + timedelta(seconds=self.claim_ttl))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)

    def _release(self, session: Session, delivery_id: int) -> None:
        self._update_claimed(session, delivery_id, status=DeliveryStatus.PENDING, claimed_until=None)

    def _mark_sent(self, session: Session, delivery_id: int, message_id: int, now: datetime) -> None:
        # Not conditional on the claim: the message did go out, whoever holds the row now.
        session.execute(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id)
            .values(status=DeliveryStatus.SENT, message_id=message_id, sent_at=now, claimed_until=None,
                    claimed_by=self.owner, last_error=None)
            .execution_options(synchronize_session=False)
        )

    def _mark_blocked(self, session: Session, due: _Due, error: str, now: datetime) -> int:
        """The row, and the chat's other waiting rows, are BLOCKED; returns how many others there were."""
        self._update_claimed(session, due.id, status=DeliveryStatus.BLOCKED, last_error=error[:1000],
                             claimed_until=None)
        subscriptions.mark_inactive(session, due.chat_id, error or "blocked")
        others = execute_write(
            session,
            update(Delivery)
            .where(col(Delivery.chat_id) == due.chat_id, _claimable(now, now))
            .values(status=DeliveryStatus.BLOCKED, last_error="chat inactive", claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(others.rowcount or 0)

    def _reschedule(
        self, session: Session, delivery_id: int, when: datetime, error: str | None, *, counted: bool
    ) -> None:
        values: dict[str, Any] = {"status": DeliveryStatus.PENDING, "next_attempt_at": when, "claimed_until": None,
                                  "last_error": (error or "")[:1000] or None}
        if counted:
            values["attempts"] = col(Delivery.attempts) + 1
        self._update_claimed(session, delivery_id, **values)

    def _mark_failed(self, session: Session, delivery_id: int, error: str) -> None:
        self._update_claimed(session, delivery_id, status=DeliveryStatus.FAILED, last_error=error[:1000],
                             claimed_until=None, attempts=col(Delivery.attempts) + 1)

    def _update_claimed(self, session: Session, delivery_id: int, **values: Any) -> None:
        """Change a row only while this dispatcher still holds it, so a late answer never undoes another's."""
        result = execute_write(
            session,
            update(Delivery)
            .where(col(Delivery.id) == delivery_id, col(Delivery.claimed_by) == self.owner,
                   col(Delivery.status) == DeliveryStatus.SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            log.warning("delivery %s was no longer claimed by %s; its outcome was not recorded", delivery_id,
                        self.owner)


def outbox_counts(session: Session) -> dict[str, int]:
    """How many deliveries are in each state, for admins (``ogp-watch deliver`` prints it at start)."""
    counts = dict.fromkeys((status.value for status in DeliveryStatus), 0)
    for status, count in session.exec(select(Delivery.status, func.count()).group_by(col(Delivery.status))):
        counts[status] = count
    return counts


def _claimable(now: datetime, due_by: datetime) -> ColumnElement[bool]:
    """Waiting and due by ``due_by``, or claimed by a dispatcher whose claim has run out (it crashed)."""
    return or_(
        and_(col(Delivery.status) == DeliveryStatus.PENDING, col(Delivery.next_attempt_at) <= due_by),
        and_(col(Delivery.status) == DeliveryStatus.SENDING, col(Delivery.claimed_until) < now),
    )


async def _finish(write: Awaitable[T]) -> T:
    """Await ``write`` to its end, however often the waiting task is cancelled meanwhile; a cancellation
    goes on once the write is done."""
    task = asyncio.ensure_future(write)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():
                cancelled = True
                continue
            raise
        if cancelled:
            raise asyncio.CancelledError
        return result


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _default_owner() -> str:
    return f"deliver:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
