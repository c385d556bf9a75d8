"""What ``/healthz`` and ``/metrics`` report: this process's counters and the shared database's totals.

Counters (checks made, deliveries sent) belong to the process that did the work, so a monitoring system
sums them over processes; totals (events, queue depth, failing sources) come from the database and are the
same whichever process is asked. The text is Prometheus's exposition format, readable by eye too.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from bot.tg.webhook_server import Health, WebhookCounters
from jobs.check import CheckReport
from jobs.deliver import DispatchStats
from storage import schema
from storage.stats import collect_totals


@dataclass
class ProcessCounters:
    """Fed by the watcher's ``on_report`` and the dispatcher's ``on_pass``."""

    started: float = field(default_factory=time.time)
    checks: Counter[str] = field(default_factory=Counter)
    events_found: int = 0
    deliveries: DispatchStats = field(default_factory=DispatchStats)

    def on_report(self, report: CheckReport) -> None:
        outcome = "skipped" if report.status is None else report.status.value
        self.checks[outcome] += 1
        self.events_found += len(report.events)

    def on_delivery_pass(self, stats: DispatchStats) -> None:
        self.deliveries += stats


async def database_health(engine: Engine) -> Health:
    """Healthy: the database answers and its schema is the one this code needs."""

    def probe() -> Health:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current, head = schema.current_revision(engine), schema.head_revision()
        except SQLAlchemyError as error:
            return Health(False, {"database": f"unreachable: {error.__class__.__name__}"})
        if current != head:
            return Health(False, {"database": "ok", "schema": f"{current} (needs {head})"})
        return Health(True, {"database": "ok", "schema": current})

    return await asyncio.to_thread(probe)


def render_metrics(
    engine: Engine, counters: ProcessCounters, webhook: WebhookCounters | None = None
) -> str:
    """One scrape: a handful of aggregate queries and the process's counters."""
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: dict[str, float] | float) -> None:
        lines.append(f"# HELP ogp_watch_{name} {help_text}")
        lines.append(f"# TYPE ogp_watch_{name} {kind}")
        if isinstance(samples, dict):
            for labels, value in samples.items():
                lines.append(f"ogp_watch_{name}{{{labels}}} {value:g}")
        else:
            lines.append(f"ogp_watch_{name} {samples:g}")

    try:
        with Session(engine) as session:
            totals = collect_totals(session)
    except SQLAlchemyError:
        totals = None
    metric("up", "gauge", "1 when the database answered this scrape", 1 if totals is not None else 0)
    metric("process_start_time_seconds", "gauge", "When this process started (Unix time)", counters.started)
    metric("checks_total", "counter", "Source checks made by this process, by outcome",
           {f'outcome="{outcome}"': count for outcome, count in sorted(counters.checks.items())} or
           {'outcome="ok"': 0})
    metric("events_found_total", "counter", "Events recorded by this process's checks", counters.events_found)
    metric("deliveries_total", "counter", "Alert sends finished by this process, by result", {
        'result="sent"': counters.deliveries.sent, 'result="blocked"': counters.deliveries.blocked,
        'result="failed"': counters.deliveries.failed, 'result="retried"': counters.deliveries.retried,
    })
    if webhook is not None:
        metric("webhook_updates_total", "counter", "Updates received by this process's webhook", webhook.updates)
        metric("webhook_refused_total", "counter", "Webhook requests refused (secret, body)", webhook.refused)
    if totals is not None:
        metric("sources", "gauge", "Sources in the database, by state", {
            'state="enabled"': totals.sources_enabled, 'state="paused"': totals.sources_paused,
            'state="failing"': totals.sources_failing,
        })
        metric("events", "gauge", "Events recorded in the database", totals.events)
        metric("outbox", "gauge", "Alert deliveries in the database, by status (pending = queue depth)",
               {f'status="{status}"': count for status, count in totals.deliveries.items()})
        metric("chats", "gauge", "Chats with subscriptions, by whether the bot can still reach them",
               {'state="active"': totals.chats_active, 'state="inactive"': totals.chats_inactive})
        metric("subscriptions", "gauge", "Subscriptions in the database", totals.subscriptions)
    return "\n".join(lines) + "\n"
