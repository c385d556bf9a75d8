"""/healthz and /metrics content: database totals and this process's counters."""

from __future__ import annotations

import asyncio
import socket

from sqlalchemy import Engine

from jobs.check import CheckReport
from jobs.deliver import DispatchStats
from ogp_watch.metrics import ProcessCounters, database_health, render_metrics
from storage import schema, sources, subscriptions
from storage.database import make_engine, session_scope
from storage.models import CheckStatus, SourceKind, SubscriptionKind


def _samples(page: str) -> dict[str, float]:
    return {name: float(value) for name, value in
            (line.rsplit(" ", 1) for line in page.splitlines() if line and not line.startswith("#"))}


def _closed_port_engine() -> Engine:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing")


def test_metrics_add_database_totals_to_the_process_counters(engine: Engine) -> None:
    with session_scope(engine) as session:
        for n in range(3):
            sources.add_source(session, url=f"https://synthetic.example/feed/{n}/", kind=SourceKind.FEED,
                               label=f"synthetic {n}", interval_seconds=3600, added_by="test")
        subscriptions.subscribe(session, 4242, SubscriptionKind.TOPIC, "reports", "reports")
    counters = ProcessCounters()
    counters.on_report(CheckReport(source_id=1, status=CheckStatus.OK))
    counters.on_report(CheckReport(source_id=2, status=CheckStatus.ERROR, error="HTTP 500"))
    counters.on_report(CheckReport(source_id=3, skipped="leased by another worker"))
    counters.on_delivery_pass(DispatchStats(sent=5, blocked=1))
    counters.on_delivery_pass(DispatchStats(sent=2, retried=3))

    page = render_metrics(engine, counters)
    samples = _samples(page)
    assert samples["ogp_watch_up"] == 1
    assert samples['ogp_watch_checks_total{outcome="ok"}'] == 1
    assert samples['ogp_watch_checks_total{outcome="error"}'] == 1
    assert samples['ogp_watch_checks_total{outcome="skipped"}'] == 1
    assert samples['ogp_watch_deliveries_total{result="sent"}'] == 7
    assert samples['ogp_watch_deliveries_total{result="retried"}'] == 3
    assert samples['ogp_watch_sources{state="enabled"}'] == 3
    assert samples['ogp_watch_outbox{status="pending"}'] == 0
    assert samples['ogp_watch_chats{state="active"}'] == 1 and samples["ogp_watch_subscriptions"] == 1
    assert "# TYPE ogp_watch_checks_total counter" in page


def test_metrics_still_answer_when_the_database_does_not() -> None:
    engine = _closed_port_engine()
    try:
        samples = _samples(render_metrics(engine, ProcessCounters()))
    finally:
        engine.dispose()
    assert samples["ogp_watch_up"] == 0 and "ogp_watch_events" not in samples


def test_health_needs_the_database_and_the_current_schema(engine: Engine, empty_database_url: str) -> None:
    healthy = asyncio.run(database_health(engine))
    assert healthy.ok and healthy.details == {"database": "ok", "schema": schema.head_revision()}

    unreachable = _closed_port_engine()
    try:
        down = asyncio.run(database_health(unreachable))
    finally:
        unreachable.dispose()
    assert not down.ok and down.details["database"].startswith("unreachable")

    outdated = make_engine(empty_database_url)
    try:
        schema.upgrade(outdated, "0003")
        old = asyncio.run(database_health(outdated))
    finally:
        outdated.dispose()
    assert not old.ok and old.details["schema"] == f"0003 (needs {schema.head_revision()})"
