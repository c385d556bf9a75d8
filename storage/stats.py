"""Totals over the whole database, for /stats and /metrics: counted by aggregate queries, never by
loading rows, so they stay cheap at any size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from storage.models import Chat, Delivery, DeliveryStatus, Event, Source, Subscription, utcnow


@dataclass(frozen=True)
class Totals:
    """Counts an admin (/stats) and a monitoring system (/metrics) look at to see whether OGP Watch is
    healthy and used."""

    chats_active: int  # chats with at least one subscription
    chats_inactive: int
    subscriptions: int
    sources_enabled: int
    sources_paused: int
    sources_failing: int  # enabled, with a failed last check
    events: int
    events_last_day: int
    deliveries: dict[str, int]  # every DeliveryStatus, zero included

    @property
    def sources(self) -> int:
        return self.sources_enabled + self.sources_paused


def collect_totals(session: Session, *, now: datetime | None = None) -> Totals:
    """Counted by the database (a handful of aggregate queries), never by loading rows."""
    moment = now or utcnow()
    subscribed = dict(session.exec(
        select(Chat.active, func.count(distinct(col(Chat.id))))
        .join(Subscription, col(Subscription.chat_id) == col(Chat.id))
        .group_by(col(Chat.active))
    ).all())
    by_enabled = dict(session.exec(select(Source.enabled, func.count()).group_by(col(Source.enabled))).all())
    failing = session.exec(select(func.count()).select_from(Source)
                           .where(Source.enabled == True, col(Source.consecutive_failures) > 0)).one()  # noqa: E712
    by_status = dict(session.exec(select(Delivery.status, func.count()).group_by(col(Delivery.status))).all())
    return Totals(
        chats_active=subscribed.get(True, 0),
        chats_inactive=subscribed.get(False, 0),
        subscriptions=session.exec(select(func.count()).select_from(Subscription)).one(),
        sources_enabled=by_enabled.get(True, 0),
        sources_paused=by_enabled.get(False, 0),
        sources_failing=failing,
        events=session.exec(select(func.count()).select_from(Event)).one(),
        events_last_day=session.exec(select(func.count()).select_from(Event)
                                     .where(col(Event.created_at) >= moment - timedelta(days=1))).one(),
        deliveries={status.value: by_status.get(status.value, 0) for status in DeliveryStatus},
    )
