"""The watcher's tick: the database says what is due; a stop hands unfinished checks back."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from jobs.fetch import FetchPolicy
from jobs.scheduler import Watcher
from ogp_watch.local_site import LocalSite
from storage import sources
from storage.database import session_scope
from storage.models import Event, SourceKind, utcnow
from tests import local_site_faults as faults
from tests.conftest import NEWS_SEED, SEED_PAGES, seed_as_html

POLICY = FetchPolicy(politeness_delay_s=0, allow_private=True, retries=0, timeout_s=5.0)


def _add(engine: Engine, url: str) -> int:
    with session_scope(engine) as session:
        source = sources.add_source(session, url=url, kind=SourceKind.PAGE, label="t", interval_seconds=3600,
                                    added_by="test")
        assert source.id is not None
        return source.id


async def _until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


def test_due_sources_are_checked_once_and_their_events_handed_on(engine: Engine) -> None:
    alerts: list[Event] = []
    with LocalSite() as site:
        site.page(SEED_PAGES[NEWS_SEED], seed_as_html(NEWS_SEED))
        source_id = _add(engine, site.url(SEED_PAGES[NEWS_SEED]))

        async def scenario() -> None:
            watcher = Watcher(engine, POLICY, tick_seconds=0.2, on_events=alerts.extend)
            await watcher.start()
            await _until(lambda: watcher.ticks >= 4)
            await watcher.stop()

        asyncio.run(scenario())
        assert site.hits(SEED_PAGES[NEWS_SEED]) == 1  # not due again for an hour
    assert [e.title for e in alerts] == ["Mexico City withdrew from OGP"]
    with Session(engine) as session:
        checked = sources.get_source(session, source_id)
        assert checked is not None and checked.last_checked_at is not None
        assert checked.next_check_at > utcnow()


def test_stopping_mid_check_releases_the_source_for_the_next_start(engine: Engine) -> None:
    with LocalSite() as site:
        site.handler("/slow/", faults.slow(3))
        source_id = _add(engine, site.url("/slow/"))

        async def scenario() -> float:
            watcher = Watcher(engine, POLICY, tick_seconds=0.2)
            await watcher.start()
            await _until(lambda: site.hits("/slow/") == 1)
            started = time.monotonic()
            await watcher.stop(grace=0.2)
            return time.monotonic() - started

        stopped_in = asyncio.run(scenario())
    assert stopped_in < 2
    with Session(engine) as session:
        released = sources.get_source(session, source_id)
        assert released is not None
        assert (released.lease_owner, released.last_checked_at) == (None, None)
        assert sources.due_source_ids(session) == [source_id]


def test_a_check_stopped_at_shutdown_hands_on_the_events_it_had_stored(engine: Engine) -> None:
    """The watcher stops while a listing's check is halfway: its first item (the seed news) is stored with its
    event, its second hangs. The event is in the database, so it must reach the alert path too, once."""
    handed_on: list[Event] = []
    news = SEED_PAGES[NEWS_SEED]
    with LocalSite() as site:
        site.page(news, seed_as_html(NEWS_SEED))
        site.handler("/slow/", faults.slow(5))
        site.page("/news/", "<html><head><title>News</title></head><body><main>"
                            "<article class='post'><h2><a href='/slow/'>Slow item</a></h2></article>"
                            f"<article class='post'><h2><a href='{news}'>Mexico City withdraws</a></h2></article>"
                            "</main></body></html>")
        with session_scope(engine) as session:
            source = sources.add_source(session, url=site.url("/news/"), kind=SourceKind.LISTING, label="news",
                                        interval_seconds=3600, added_by="test")

        async def scenario() -> None:
            watcher = Watcher(engine, POLICY, tick_seconds=0.2, on_events=handed_on.extend)
            await watcher.start()
            await _until(lambda: site.hits("/slow/") == 1)
            await watcher.stop(grace=0.2)

        asyncio.run(scenario())
    with Session(engine) as session:
        stored = session.exec(select(Event)).all()
        released = sources.get_source(session, source.id)
    assert [e.title for e in stored] == ["Mexico City withdrew from OGP"]
    assert [e.id for e in handed_on] == [e.id for e in stored]
    assert released is not None and released.lease_owner is None



def test_a_tick_longer_than_the_interval_is_skipped_without_a_warning_each_time(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """The next tick waits for the running one (never two at once); that is by design, not worth a warning."""
    with LocalSite() as site:
        site.handler("/slow/", faults.slow(1.5, "<html><body>synthetic slow page</body></html>"))
        _add(engine, site.url("/slow/"))

        async def scenario() -> None:
            watcher = Watcher(engine, POLICY, tick_seconds=0.2)
            await watcher.start()
            await _until(lambda: site.hits("/slow/") == 1 and watcher.ticks >= 2)
            await watcher.stop()

        with caplog.at_level(logging.INFO):
            asyncio.run(scenario())
        assert site.hits("/slow/") == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "maximum number of running instances" in w], warnings
