"""Three ``ogp-watch run --role worker`` processes on one PostgreSQL, one of them killed with SIGKILL
mid-way: every source checked, every event recorded once, every alert delivered, none twice beyond the dead
worker's in-flight bound, and the dead worker's claims taken over once they expire.

All data is SYNTHETIC: the pages are the checker benchmark's generated "Synthetic Country NNN" reports and
news (benchmarks/checks/pages.py), served from loopback; the chats are invented ids.
"""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from benchmarks.checks.pages import page_specs, render
from jobs.deliver import DEFAULT_CONCURRENCY
from jobs.fanout import chats_for
from ogp_watch.app import open_database
from ogp_watch.local_site import LocalSite
from ogp_watch.settings import Settings
from storage import sources, subscriptions
from storage.database import session_scope
from storage.models import Delivery, DeliveryStatus, Event, EventKind, Source, SourceKind, SubscriptionKind
from tests.botapi_standin import BotApiStandIn

SOURCES = 500
CHATS = 2_000
REPORT_SHARE = 0.3
WORKERS = 3
CHECKS_AT_ONCE = 4
TOKEN = "97531:multi-worker-test"
FIRST_CHAT = 800_000_001
DEADLINE_S = 240


def _worker(env: dict[str, str], cwd: Path, n: int) -> subprocess.Popen[bytes]:
    log = (cwd / f"worker-{n}.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "ogp_watch.cli", "run", "--role", "worker", "--no-chat"],
                            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


def _log(cwd: Path, n: int) -> str:
    return (cwd / f"worker-{n}.log").read_text(errors="replace")


def _held_by(engine: Engine, pid: int) -> tuple[set[int], set[int]]:
    """Sources leased and deliveries claimed by the process ``pid`` (both owner names carry the pid)."""
    pattern = f"%:{pid}:%"
    with Session(engine) as session:
        leased = set(session.exec(select(Source.id).where(col(Source.lease_owner).like(pattern))).all())
        claimed = set(session.exec(select(Delivery.id).where(
            col(Delivery.claimed_by).like(pattern), Delivery.status == DeliveryStatus.SENDING)).all())
    return {i for i in leased if i is not None}, {i for i in claimed if i is not None}


@pytest.mark.parametrize("empty_database_url", ["postgresql"], indirect=True)
def test_three_workers_one_killed(empty_database_url: str, tmp_path: Path) -> None:
    specs = page_specs(SOURCES, REPORT_SHARE)
    report_titles = [spec.title for spec in specs if spec.kind == "report"]
    env = {
        **os.environ,
        "OGP_WATCH_DATA_DIR": str(tmp_path / "data"),
        "OGP_WATCH_DATABASE_URL": empty_database_url,
        "OGP_WATCH_DEFAULT_SOURCES": "false",
        "OGP_WATCH_ALLOW_PRIVATE_SOURCES": "true",
        "OGP_WATCH_TELEGRAM_TOKEN": TOKEN,
        "OGP_WATCH_CHECK_TICK_SECONDS": "1",
        "OGP_WATCH_CHECK_CONCURRENCY": str(CHECKS_AT_ONCE),
        "OGP_WATCH_HOST_DELAY_SECONDS": "0",  # one loopback "host" serves every page
        "OGP_WATCH_HOST_CONCURRENCY": "32",
        "OGP_WATCH_CHECK_LEASE_SECONDS": "10",
        "OGP_WATCH_DELIVERY_CLAIM_SECONDS": "4",
        "OGP_WATCH_SEND_RATE_PER_SECOND": "0",
        "OGP_WATCH_CHAT_RATE_PER_SECOND": "0",
        "OGP_WATCH_GROUP_RATE_PER_MINUTE": "0",
        "OGP_WATCH_LOG_LEVEL": "WARNING",
    }
    with LocalSite() as site, BotApiStandIn(token=TOKEN) as standin:
        env["OGP_WATCH_TELEGRAM_API_URL"] = standin.base_url
        for spec in specs:
            site.page(spec.path, render(spec, 0, seed=1))
        engine = open_database(Settings(_env_file=None, **{  # type: ignore[call-arg]
            "database_url": empty_database_url, "default_sources": False, "data_dir": tmp_path / "data"}))
        with session_scope(engine) as session:
            for spec in specs:
                sources.add_source(session, url=site.url(spec.path), kind=SourceKind.PAGE,
                                   label=f"synthetic page {spec.index}", interval_seconds=86_400, added_by="test")
            # Each chat follows one synthetic report by its title (about 13 chats per report); the report's
            # page yields its "new report" event and events on its commitments, all naming that title.
            for n in range(CHATS):
                subscriptions.subscribe(session, FIRST_CHAT + n, SubscriptionKind.KEYWORD,
                                        report_titles[n % len(report_titles)], "synthetic report")
        workers = [_worker(env, tmp_path, n) for n in range(WORKERS)]
        victim = workers[0]
        try:
            # Kill the first worker while it holds work of both kinds, or at least deliveries in flight.
            deadline = time.monotonic() + DEADLINE_S
            leased, claimed = set(), set()
            while time.monotonic() < deadline and victim.poll() is None:
                leased, claimed = _held_by(engine, victim.pid)
                if claimed and len(standin.sent) >= 300:
                    victim.send_signal(signal.SIGKILL)
                    break
                time.sleep(0.02)
            assert victim.wait(timeout=10) == -signal.SIGKILL, _log(tmp_path, 0)
            killed_at_sent = len(standin.sent)

            while time.monotonic() < deadline:
                with Session(engine) as session:
                    unchecked = session.exec(select(func.count()).select_from(Source)
                                             .where(col(Source.last_checked_at).is_(None))).one()
                    unsent = session.exec(select(func.count()).select_from(Delivery)
                                          .where(Delivery.status != DeliveryStatus.SENT)).one()
                    events_unmatched = session.exec(select(func.count()).select_from(Event)
                                                    .where(col(Event.fanned_out_at).is_(None))).one()
                if not unchecked and not unsent and not events_unmatched:
                    break
                for n, worker in enumerate(workers[1:], start=1):
                    assert worker.poll() is None, _log(tmp_path, n)
                time.sleep(0.5)
            else:
                raise AssertionError(f"not done in {DEADLINE_S} s: {unchecked} sources unchecked, {unsent} "
                                     f"alerts unsent, {events_unmatched} events unmatched")
            time.sleep(1)  # a duplicate in flight would have arrived by now
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(timeout=60) for worker in workers]
        logs = [_log(tmp_path, n) for n in range(WORKERS)]

        hits = Counter(site.hits(spec.path) for spec in specs)
        sent = Counter((message.chat_id, message.text or "") for message in standin.sent)

    assert codes[1:] == [0, 0], logs
    assert all("Traceback" not in log for log in logs[1:]), logs

    with Session(engine) as session:
        events = session.exec(select(Event)).all()
        rows = session.exec(select(Delivery)).all()
        checked = session.exec(select(func.count()).select_from(Source)
                               .where(col(Source.last_status) == "ok")).one()
    reports = [spec for spec in specs if spec.kind == "report"]
    # Every source was checked and every report found once, whichever worker did it.
    assert checked == SOURCES
    assert sum(event.kind == EventKind.NEW_REPORT for event in events) == len(reports)
    assert len({event.key for event in events}) == len(events)
    # A page fetched twice is a check the dead worker started and never finished (taken over after its
    # lease expired): at most as many as it checked at once.
    assert hits[0] == 0 and sum(count for times, count in hits.items() if times > 1) <= CHECKS_AT_ONCE
    # Every chat got every event its subscription matches, once; a repeat only for sends in flight at the kill.
    with Session(engine) as session:
        expected = Counter((chat_id, event.id) for event in events for chat_id in chats_for(session, event))
    assert len(rows) == sum(expected.values()) and all(row.status == DeliveryStatus.SENT for row in rows)
    assert Counter((row.chat_id, row.event_id) for row in rows) == expected
    assert Counter(chat_id for chat_id, _ in sent) == Counter(chat_id for chat_id, _ in expected)  # distinct alerts
    assert {_linked_url(alert) for _, alert in sent} == {event.url for event in events}
    assert len({chat_id for chat_id, _ in expected}) == CHATS
    repeats = sum(times - 1 for times in sent.values())
    assert repeats <= DEFAULT_CONCURRENCY, f"{repeats} alerts sent twice"
    # What the dead worker held was taken over: its leased sources checked, its claimed alerts sent.
    held = {row.id: row for row in rows if row.id in claimed}
    assert claimed and all(row.status == DeliveryStatus.SENT for row in held.values())
    assert killed_at_sent < len(standin.sent)
    with Session(engine) as session:
        for source_id in leased:
            assert session.get(Source, source_id).last_status == "ok"  # type: ignore[union-attr]
    engine.dispose()


def _linked_url(alert_html: str) -> str:
    """The source an alert links to: the page of the report it announces."""
    found = re.search(r'href="([^"]+)"', alert_html)
    return html.unescape(found.group(1)) if found else ""
