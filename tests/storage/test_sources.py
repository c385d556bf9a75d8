"""Sources: the list admins manage, the schedule the watcher follows, the lease that keeps checks single."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from storage import sources
from storage.database import session_scope
from storage.models import CheckStatus, SourceKind

T0 = datetime(2026, 11, 25, 12, 0, 0)
LEASE = timedelta(minutes=15)


def _add(session: Session, url: str = "https://synthetic.example/news/", interval: int = 3600) -> int:
    source = sources.add_source(session, url=url, kind=SourceKind.LISTING, label="synthetic news",
                                interval_seconds=interval, added_by="test", now=T0)
    session.commit()
    assert source.id is not None
    return source.id


def _claim(session: Session, source_id: int, **lease: Any) -> bool:
    """Lease one source (``sources.lease_sources`` for one id); whether it was free (and due)."""
    return bool(sources.lease_sources(session, [source_id], **lease))


def _claim_next_due(session: Session, **lease: Any) -> int | None:
    """Lease the most overdue free source (``sources.lease_due`` for one); its id."""
    leased = sources.lease_due(session, limit=1, **lease)
    return leased[0].id if leased else None


def test_a_new_source_is_due_at_once_and_a_url_is_watched_once(session: Session) -> None:
    source_id = _add(session)
    assert sources.due_source_ids(session, now=T0) == [source_id]
    with pytest.raises(sources.DuplicateSource, match=f"already watched as source {source_id}"):
        sources.add_source(session, url="https://synthetic.example/news/", kind=SourceKind.PAGE, label="again",
                           interval_seconds=60, added_by="test")


def test_paused_sources_are_not_due_and_resume_makes_them_due_now(session: Session) -> None:
    source_id = _add(session)
    sources.set_enabled(session, source_id, False)
    assert sources.due_source_ids(session, now=T0 + timedelta(days=9)) == []
    sources.set_enabled(session, source_id, True, now=T0 + timedelta(days=9))
    assert sources.due_source_ids(session, now=T0 + timedelta(days=9)) == [source_id]


def test_only_one_worker_gets_the_lease_until_it_expires(engine) -> None:
    with session_scope(engine) as session:
        source_id = _add(session)
    with session_scope(engine) as session:
        assert _claim(session, source_id, owner="worker-a", lease=LEASE, now=T0)
    with session_scope(engine) as session:
        assert not _claim(session, source_id, owner="worker-b", lease=LEASE, now=T0 + timedelta(minutes=1))
        assert sources.due_source_ids(session, now=T0 + timedelta(minutes=1)) == []
    # worker-a died: once its lease has expired the source is due again and worker-b takes it over
    later = T0 + LEASE + timedelta(seconds=1)
    with session_scope(engine) as session:
        assert sources.due_source_ids(session, now=later) == [source_id]
        assert _claim(session, source_id, owner="worker-b", lease=LEASE, now=later)
    with session_scope(engine) as session:
        # the dead worker's late result is dropped; the new owner's counts
        assert sources.record_check(session, source_id, sources.CheckRecord(CheckStatus.OK), owner="worker-a") is None
        recorded = sources.record_check(session, source_id, sources.CheckRecord(CheckStatus.OK), owner="worker-b",
                                        now=later)
        assert recorded is not None and recorded.lease_owner is None
        assert recorded.next_check_at == later + timedelta(hours=1)


def test_failures_back_off_and_a_success_clears_them(session: Session) -> None:
    source_id = _add(session, interval=6 * 3600)
    delays = []
    moment = T0
    for _ in range(4):
        assert _claim(session, source_id, owner="w", lease=LEASE, now=moment)
        failed = sources.record_check(session, source_id, sources.CheckRecord(CheckStatus.ERROR, error="HTTP 500"),
                                      owner="w", now=moment)
        assert failed is not None
        delays.append(failed.next_check_at - moment)
        moment = failed.next_check_at
    assert delays == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    assert failed.consecutive_failures == 4 and failed.failing_since == T0 and failed.last_error == "HTTP 500"

    assert _claim(session, source_id, owner="w", lease=LEASE, now=moment)
    healed = sources.record_check(session, source_id, sources.CheckRecord(CheckStatus.UNCHANGED), owner="w",
                                  now=moment)
    assert healed is not None
    assert (healed.consecutive_failures, healed.failing_since, healed.last_error) == (0, None, None)
    assert healed.next_check_at == moment + timedelta(hours=6)


def test_backoff_is_capped_and_a_long_retry_after_is_respected() -> None:
    interval = timedelta(hours=6)
    assert sources.failure_delay(30, interval) == timedelta(days=1)
    assert sources.failure_delay(1, interval, retry_after_s=7200) == timedelta(hours=2)
    assert sources.failure_delay(1, timedelta(days=3)) == timedelta(minutes=5)


def test_removing_a_source_forgets_its_items(session: Session) -> None:
    source_id = _add(session)
    assert sources.add_item(session, source_id, "https://synthetic.example/news/a/", "A")
    assert not sources.add_item(session, source_id, "https://synthetic.example/news/a/", "A")
    assert sources.known_item_urls(session, source_id, ["https://synthetic.example/news/a/", "https://x/"]) == {
        "https://synthetic.example/news/a/"
    }
    removed = sources.remove_source(session, source_id)
    session.commit()
    assert removed is not None and sources.get_source(session, source_id) is None
    assert sources.remove_source(session, source_id) is None


def test_claim_next_due_takes_the_most_overdue_free_source_once(session: Session) -> None:
    first = _add(session, "https://synthetic.example/a/")
    second = _add(session, "https://synthetic.example/b/")
    now = T0 + timedelta(minutes=1)
    taken = [_claim_next_due(session, owner=f"worker-{n}", lease=LEASE, now=now) for n in range(3)]
    session.commit()
    assert taken == [first, second, None]  # each source once; then nothing is due and free
    later = now + LEASE + timedelta(seconds=1)
    assert _claim_next_due(session, owner="worker-9", lease=LEASE, now=later) == first  # lease ran out


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_workers_claiming_at_once_skip_each_others_rows_instead_of_waiting(engine) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: while one worker's claim is not yet committed, another gets the next source at once."""
    with session_scope(engine) as setup:
        first = _add(setup, "https://synthetic.example/a/")
        second = _add(setup, "https://synthetic.example/b/")
    now = T0 + timedelta(minutes=1)
    with Session(engine) as one, Session(engine) as other:
        one.connection().exec_driver_sql("SET lock_timeout = '2s'")
        other.connection().exec_driver_sql("SET lock_timeout = '2s'")
        mine = _claim_next_due(one, owner="worker-1", lease=LEASE, now=now)  # row locked, not committed
        theirs = _claim_next_due(other, owner="worker-2", lease=LEASE, now=now)  # no wait, no error
        one.commit()
        other.commit()
    assert (mine, theirs) == (first, second)


def test_a_long_call_leases_each_source_from_the_moment_it_is_claimed(session: Session) -> None:
    """Regression: a tick that began long ago (``due_by``) must not hand out leases that are already over,
    or another worker would check the same source again at once."""
    _add(session, "https://synthetic.example/a/")
    tick_began, now = T0 + timedelta(minutes=1), T0 + timedelta(minutes=40)
    claimed = _claim_next_due(session, owner="worker-1", lease=LEASE, due_by=tick_began, now=now)
    session.commit()
    assert claimed is not None
    assert _claim_next_due(session, owner="worker-2", lease=LEASE, now=now + timedelta(minutes=1)) is None


def test_lease_due_leases_a_lane_full_in_one_statement_with_what_the_checks_need(session: Session) -> None:
    ids = [_add(session, f"https://synthetic.example/{n}/", interval=60 * (n + 1)) for n in range(5)]
    now = T0 + timedelta(minutes=1)
    leased = sources.lease_due(session, owner="worker-1", lease=LEASE, limit=3, now=now)
    session.commit()
    assert [s.id for s in leased] == ids[:3]  # most overdue first (all equally overdue: by id)
    assert [(s.url, s.interval_seconds, s.etag) for s in leased][0] == ("https://synthetic.example/0/", 60, None)
    rest = sources.lease_due(session, owner="worker-2", lease=LEASE, limit=3, now=now)
    assert [s.id for s in rest] == ids[3:]  # what worker-1 holds is not leased again
    assert sources.lease_due(session, owner="worker-3", lease=LEASE, limit=3, now=now) == []


def test_unchanged_checks_are_recorded_together_and_a_lost_lease_is_not_overwritten(session: Session) -> None:
    mine, lost = _add(session, "https://synthetic.example/a/"), _add(session, "https://synthetic.example/b/")
    now = T0 + timedelta(minutes=1)
    sources.lease_due(session, owner="worker-1", lease=LEASE, limit=2, now=now)
    later = now + LEASE + timedelta(minutes=1)  # worker-1's lease on "b" ran out and worker-2 took it
    assert _claim(session, lost, owner="worker-2", lease=LEASE, now=later, due_only=False)
    checked = [sources.UnchangedCheck(source_id, 304, later, later + timedelta(hours=1)) for source_id in (mine, lost)]
    assert sources.record_unchanged(session, checks=checked, owner="worker-1") == 1
    session.commit()
    recorded, taken_over = sources.get_source(session, mine), sources.get_source(session, lost)
    assert recorded is not None and taken_over is not None
    assert (recorded.last_status, recorded.last_http_status, recorded.checks, recorded.lease_owner) == (
        CheckStatus.UNCHANGED, 304, 1, None)
    assert recorded.next_check_at == later + timedelta(hours=1)
    assert (taken_over.checks, taken_over.lease_owner) == (0, "worker-2")  # worker-2's check stands
