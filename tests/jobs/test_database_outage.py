"""The database going away under the watcher and the alert dispatcher, and coming back.

PostgreSQL: the engine talks to the server through ``tests/tcp_proxy.py``; an outage resets every open
connection and refuses new ones for a few seconds, as a server restart or a network cut does. SQLite: another
connection holds the database file with ``BEGIN EXCLUSIVE`` for longer than the busy timeout, as a backup
tool or a stuck writer would.

Everything else is real: the watcher's APScheduler tick checking pages on a local web site, the dispatcher
sending through python-telegram-bot to the local Bot API stand-in. What must hold: the process keeps running,
work resumes once the database is back, no event or alert is lost, events are recorded and handed on once,
alerts are repeated at most ``Dispatcher.in_flight_bound`` times, a source is not blamed for the database's
fault, and the failure is in the log.

Sources, pages (apart from the two seed pages), chats and events are synthetic.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from bot.tg.sender import TelegramSender, build_bot
from jobs.deliver import DeliveryLimits, Dispatcher, DispatchStats, RetryPolicy
from jobs.fetch import FetchPolicy
from jobs.scheduler import Watcher
from ogp_watch.local_site import LocalSite
from storage import events, sources, subscriptions
from storage.database import POSTGRES_KEEPALIVES, POSTGRES_LOCK_TIMEOUT, make_engine, session_scope
from storage.events import NewEvent
from storage.models import Delivery, DeliveryStatus, Event, EventKind, Source, SourceKind, SubscriptionKind, utcnow
from storage.subscriptions import Topic
from tests import local_site_faults as faults
from tests.botapi_standin import BotApiStandIn
from tests.conftest import NEWS_SEED, REPORT_SEED, SEED_PAGES, seed_as_html
from tests.tcp_proxy import TcpProxy

POSTGRES_ONLY = pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                                        indirect=True)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OUTAGE_S = 3.0
LOCK_S = 6.0
"""Longer than SQLite's busy timeout (5 s), so that some writes fail with "database is locked" and are re-run."""
WAIT_S = 30.0

POLICY = FetchPolicy(politeness_delay_s=0, allow_private=True, retries=0, timeout_s=5.0, connect_timeout_s=2.0)
SYNTHETIC = ("<html><head><title>Synthetic {name}</title></head><body><main><article><h1>Synthetic {name}</h1>"
             "<p>Synthetic test page {name}. It states nothing about any OGP member.</p></article></main>"
             "</body></html>")

TOKEN = "123456:TEST-TOKEN"
CHATS = 300
FIRST_CHAT = 30_000_001
CLAIM_TTL_S = 4.0
FAST_RETRY = RetryPolicy(max_attempts=8, base_delay=0.05, max_delay=0.2)


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    server = make_url(database_url)
    with TcpProxy((server.host or "127.0.0.1", server.port or 5432)) as running:
        yield running


@pytest.fixture
def proxied_engine(database_url: str, proxy: TcpProxy) -> Iterator[Engine]:
    """The engine under test: every connection goes through the proxy (the schema is migrated already)."""
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


# -- the engine ----------------------------------------------------------------------------------------------


@POSTGRES_ONLY
def test_every_postgresql_session_gives_up_on_locks_and_dead_servers(proxied_engine: Engine, proxy: TcpProxy) -> None:
    """Set per connection, so the connection the pool opens after an outage (its pre-ping found the old one
    dead) has them too."""

    def session_settings() -> tuple[str, dict[str, str]]:
        with proxied_engine.connect() as connection:
            lock_timeout = connection.execute(text("SHOW lock_timeout")).scalar_one()
            parameters = connection.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        return lock_timeout, parameters

    before = session_settings()
    proxy.outage(0.2).join()
    after = session_settings()
    for lock_timeout, parameters in (before, after):
        assert lock_timeout == POSTGRES_LOCK_TIMEOUT
        assert {name: parameters.get(name) for name in POSTGRES_KEEPALIVES} == {
            name: str(value) for name, value in POSTGRES_KEEPALIVES.items()}
    assert proxy.accepted == 2, "the pooled connection was not replaced after the outage"


# -- the watcher ---------------------------------------------------------------------------------------------


@POSTGRES_ONLY
def test_the_watcher_outlives_a_postgresql_outage(
    engine: Engine, proxied_engine: Engine, proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with LocalSite() as site:
        ids = _watched_site(engine, site)
        handed_on: list[Event] = []

        async def scenario() -> None:
            # The default lease (15 min): a source whose check the outage cut short is checked again within
            # seconds only because its lease is given back when the database returns.
            watcher = Watcher(proxied_engine, POLICY, tick_seconds=0.2, concurrency=4, on_events=handed_on.extend)
            started = _stamp(0)
            await watcher.start()
            try:
                await _until(lambda: _kinds(engine).get(EventKind.MEMBER_WITHDRAWN) == 1, "the first event")
                await _until(lambda: _checked_since(engine, ids, started), "every source checked once")
                # A slow page is being fetched: its check will want the database while it is away.
                await _until(lambda: site.requests[-1].path.startswith("/slow/"), "a slow check in flight")
                site.page(SEED_PAGES[REPORT_SEED], seed_as_html(REPORT_SEED))  # published during the outage
                ticks_before = watcher.ticks
                await asyncio.to_thread(_outage, proxy, OUTAGE_S)
                back = _stamp(0)
                await _until(lambda: _kinds(engine).get(EventKind.NEW_REPORT) == 1, "the report's event")
                await _until(lambda: _checked_since(engine, ids, back), "every source checked after the outage")
                await _until(lambda: watcher.ticks > ticks_before + 5, "more ticks")
                assert watcher.scheduler.running
            finally:
                await watcher.stop(grace=2)

        asyncio.run(scenario())

    recorded = _events(engine)
    assert Counter(e.kind for e in recorded)[EventKind.NEW_REPORT] == 1
    assert sorted(e.id for e in handed_on) == sorted(e.id for e in recorded), "an event was lost or handed on twice"
    with Session(engine) as session:
        for source in session.exec(select(Source)):
            # the database's failure is not the source's: no check was recorded as a failure of the source
            assert source.consecutive_failures == 0 and source.last_error is None, (source.id, source.last_error)
    assert proxy.accepted > 1 and proxy.refused == 1
    assert _logged(caplog, "jobs.scheduler", logging.WARNING, "database unavailable"), "the outage is not in the log"
    assert _logged(caplog, "jobs.check", logging.WARNING, "database unavailable"), "no check was cut short"
    assert not _logged(caplog, "jobs", logging.ERROR, ""), "the outage was logged as a crash"


def _watched_site(engine: Engine, site: LocalSite) -> list[int]:
    """Pages rechecked every second: the seed news page, a page that will become the seed report, slow pages
    (checks in flight when the database goes) and plain ones."""
    site.page(SEED_PAGES[NEWS_SEED], seed_as_html(NEWS_SEED))
    site.page(SEED_PAGES[REPORT_SEED], SYNTHETIC.format(name="report placeholder"))
    paths = [SEED_PAGES[NEWS_SEED], SEED_PAGES[REPORT_SEED]]
    for n in range(3):
        site.handler(f"/slow/{n}/", faults.slow(0.7, SYNTHETIC.format(name=f"slow {n}")))
        site.page(f"/plain/{n}/", SYNTHETIC.format(name=f"plain {n}"))
        paths += [f"/slow/{n}/", f"/plain/{n}/"]
    with session_scope(engine) as session:
        added = [sources.add_source(session, url=site.url(path), kind=SourceKind.PAGE, label=f"synthetic {path}",
                                    interval_seconds=1, added_by="test") for path in paths]
        return [source.id for source in added if source.id is not None]


# -- the dispatcher ------------------------------------------------------------------------------------------


@POSTGRES_ONLY
def test_the_dispatcher_delivers_every_alert_through_a_postgresql_outage(
    engine: Engine, proxied_engine: Engine, proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:
    chat_ids = _subscribed_chats(engine)
    with BotApiStandIn(TOKEN) as standin:

        def mid_way() -> None:
            standin.wait_for(lambda: len(standin.sent) >= CHATS // 3, WAIT_S, "a third of the alerts")
            _outage(proxy, OUTAGE_S)

        stats, bound = _dispatch_through(proxied_engine, engine, standin, mid_way)
        received = Counter(message.chat_id for message in standin.sent)

    _assert_every_chat_got_its_alert(engine, chat_ids, received, bound, stats)
    assert _logged(caplog, "jobs.deliver", logging.WARNING, "database unavailable"), "the outage is not in the log"


def _subscribed_chats(engine: Engine) -> list[int]:
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + CHATS))
    with session_scope(engine) as session:
        for chat_id in chat_ids:
            subscriptions.subscribe(session, chat_id, SubscriptionKind.TOPIC, Topic.ALL, "everything")
        events.record_events(session, [NewEvent(
            key="outage-test", kind=EventKind.MEMBER_WITHDRAWN, title="Synthetic City withdrew from OGP",
            url="https://synthetic.example/news/withdrawal/", evidence="Synthetic City announced its withdrawal.",
            payload={"member_name": "Synthetic City", "member_name_es": "Ciudad Sintética"},
        )])
    return chat_ids


def _dispatch_through(engine: Engine, observer: Engine, standin: BotApiStandIn,
                      fault: Callable[[], None]) -> tuple[DispatchStats, int]:
    """Run the dispatcher until every row is SENT (watched over ``observer``), with ``fault`` running in a thread
    alongside; the run must still be going when it is told to stop. Returns its totals and in-flight bound."""

    async def scenario() -> tuple[DispatchStats, int]:
        async with build_bot(TOKEN, standin.base_url, connections=8) as bot:
            dispatcher = Dispatcher(engine, TelegramSender(bot), DeliveryLimits(per_second=200.0, chat_per_second=0,
                                                                               group_per_minute=0),
                                    concurrency=8, claim_ttl=CLAIM_TTL_S, retry=FAST_RETRY)
            stop = asyncio.Event()
            run = asyncio.create_task(dispatcher.run(stop, idle_seconds=0.2))
            trouble = asyncio.create_task(asyncio.to_thread(fault))
            try:
                await _until(lambda: _count(observer, DeliveryStatus.SENT) == CHATS or run.done(), "every alert sent",
                             timeout=WAIT_S + 2 * CLAIM_TTL_S)
                await trouble
                assert not run.done(), f"the dispatcher's run ended: {run.exception() if run.done() else ''}"
            finally:
                stop.set()
                stats = await asyncio.wait_for(run, 10)
            return stats, dispatcher.in_flight_bound

    return asyncio.run(scenario())


def _assert_every_chat_got_its_alert(engine: Engine, chat_ids: list[int], received: Counter[int], bound: int,
                                     stats: DispatchStats) -> None:
    assert set(received) == set(chat_ids), f"{len(set(chat_ids) - set(received))} chats got nothing"
    repeated = sum(times - 1 for times in received.values())
    assert repeated <= bound, f"{repeated} alerts sent twice; the in-flight bound is {bound}"
    assert _count(engine, DeliveryStatus.SENT) == CHATS
    # the run's totals count every alert, those of a pass the database cut short too
    assert (stats.sent, stats.failed, stats.blocked) == (CHATS, 0, 0)


# -- SQLite: the file locked by another writer ---------------------------------------------------------------


@SQLITE_ONLY
def test_a_check_waits_out_a_sqlite_file_locked_by_another_writer(
    engine: Engine, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with LocalSite() as site:
        news_path = SEED_PAGES[NEWS_SEED]
        site.handler(news_path, faults.slow(1.0, seed_as_html(NEWS_SEED)))  # time for the lock to be taken
        site.page("/plain/", SYNTHETIC.format(name="plain"))
        with session_scope(engine) as session:
            news = sources.add_source(session, url=site.url(news_path), kind=SourceKind.PAGE, label="seed news",
                                      interval_seconds=3600, added_by="test")
            plain = sources.add_source(session, url=site.url("/plain/"), kind=SourceKind.PAGE,
                                       label="synthetic plain", interval_seconds=3600, added_by="test")
            ids = [news.id, plain.id]
        handed_on: list[Event] = []
        lock_taken_and_released: list[float] = []

        async def scenario() -> float:
            watcher = Watcher(engine, POLICY, tick_seconds=0.2, on_events=handed_on.extend)
            await watcher.start()
            try:
                await _until(lambda: site.hits(news_path) == 1, "the check to start")
                locked = asyncio.create_task(asyncio.to_thread(
                    _hold_exclusive_lock, database_url, LOCK_S,
                    during=lambda: lock_taken_and_released.append(time.monotonic())))
                await _until(lambda: _checked_since(engine, [i for i in ids if i is not None], _stamp(60)),
                             "both sources checked", timeout=WAIT_S)
                checked = time.monotonic()
                await locked
                return checked
            finally:
                await watcher.stop(grace=2)

        checked = asyncio.run(scenario())

    _, released = lock_taken_and_released
    assert checked >= released, f"the check was recorded {released - checked:.1f} s before the lock was let go"
    assert [e.kind for e in handed_on] == [EventKind.MEMBER_WITHDRAWN]
    assert [e.kind for e in _events(engine)] == [EventKind.MEMBER_WITHDRAWN]
    with Session(engine) as session:
        for source in session.exec(select(Source)):
            assert source.consecutive_failures == 0 and source.last_error is None, (source.id, source.last_error)
            assert source.lease_owner is None
    assert not _logged(caplog, "jobs", logging.ERROR, "")


@SQLITE_ONLY
def test_the_dispatcher_waits_out_a_sqlite_file_locked_by_another_writer(
    engine: Engine, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    chat_ids = _subscribed_chats(engine)
    sent_while_locked: list[int] = []
    with BotApiStandIn(TOKEN) as standin:

        def mid_way() -> None:
            standin.wait_for(lambda: len(standin.sent) >= CHATS // 3, WAIT_S, "a third of the alerts")
            _hold_exclusive_lock(database_url, LOCK_S, during=lambda: sent_while_locked.append(len(standin.sent)))

        stats, bound = _dispatch_through(engine, engine, standin, mid_way)
        received = Counter(message.chat_id for message in standin.sent)

    _assert_every_chat_got_its_alert(engine, chat_ids, received, bound, stats)
    first, last = sent_while_locked
    assert last - first <= bound and last < CHATS, "the lock did not stop sending: no claim can be written"


# -- helpers -------------------------------------------------------------------------------------------------


def _outage(proxy: TcpProxy, seconds: float) -> None:
    """Take the database away for ``seconds`` and bring it back (blocking)."""
    proxy.outage(seconds).join()


def _hold_exclusive_lock(database_url: str, seconds: float, *, during: Callable[[], Any] = lambda: None) -> None:
    """Another writer: holds the SQLite file's write lock for ``seconds``, then lets go without changing it;
    ``during`` is called once the lock is taken and again just before it is let go."""
    path = make_url(database_url).database
    assert path is not None
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        during()
        time.sleep(seconds)
        during()
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def _until(condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> None:
    """Wait for ``condition`` (read through the test's own engine, which never goes away)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        await asyncio.sleep(0.1)


def _stamp(seconds_ago: float) -> datetime:
    return utcnow() - timedelta(seconds=seconds_ago)


def _checked_since(engine: Engine, ids: list[int], moment: datetime) -> bool:
    with Session(engine) as session:
        checked = session.exec(
            select(func.count()).where(col(Source.id).in_(ids), col(Source.last_checked_at) > moment))
        return int(checked.one()) == len(ids)


def _events(engine: Engine) -> list[Event]:
    with Session(engine) as session:
        return events.events(session)


def _kinds(engine: Engine) -> Counter[str]:
    return Counter(event.kind for event in _events(engine))


def _count(engine: Engine, status: DeliveryStatus) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).where(col(Delivery.status) == status)).one())


def _logged(caplog: pytest.LogCaptureFixture, logger: str, level: int, text: str) -> bool:
    return any(r.name.startswith(logger) and r.levelno >= level and text in r.getMessage().lower()
               for r in caplog.records)
