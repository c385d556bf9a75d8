"""Recording events exactly once, and reading them back.

Detection may propose the same event many times (a report in a listing and a feed, a page re-checked,
two workers at once); the unique ``key`` makes the database the judge, with an insert that skips a key
already present instead of failing the transaction it is part of.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import Event, EventKind, utcnow


@dataclass(frozen=True)
class NewEvent:
    """An event as detection proposes it, before the database has said whether it is new."""

    key: str
    kind: EventKind
    title: str
    url: str
    evidence: str
    member_id: int | None = None
    source_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    baseline: bool = False


class _EventValues(TypedDict):
    """The columns of a new event row, as inserted and then handed back as an ``Event``."""

    key: str
    kind: str
    member_id: int | None
    source_id: int | None
    title: str
    url: str
    evidence: str
    payload: str
    baseline: bool
    created_at: datetime


def record_events(session: Session, proposed: Sequence[NewEvent], *, now: datetime | None = None) -> list[Event]:
    """Store the proposed events whose key is new; returns only those, in the order proposed."""
    created: list[Event] = []
    seen_keys: set[str] = set()
    for new in proposed:
        if new.key in seen_keys:
            continue
        seen_keys.add(new.key)
        values: _EventValues = {
            "key": new.key[:300],
            "kind": str(new.kind),
            "member_id": new.member_id,
            "source_id": new.source_id,
            "title": new.title[:500],
            "url": new.url,
            "evidence": new.evidence,
            "payload": json.dumps(new.payload, ensure_ascii=False, sort_keys=True, default=str),
            "baseline": new.baseline,
            "created_at": now or utcnow(),
        }
        event_id = session.execute(_insert_if_new(session).values(**values).returning(col(Event.id))).scalar()
        if event_id is not None:
            created.append(Event(id=event_id, **values))
    return created


def _insert_if_new(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Event).on_conflict_do_nothing(index_elements=["key"])
    if dialect == "sqlite":
        return sqlite.insert(Event).on_conflict_do_nothing(index_elements=["key"])
    return insert(Event)  # other backends: a duplicate raises and the transaction is re-run


def events(
    session: Session,
    *,
    since: datetime | None = None,
    kinds: Sequence[str] = (),
    include_baseline: bool = True,
    limit: int | None = None,
) -> list[Event]:
    """Events, oldest first."""
    query = select(Event).order_by(col(Event.created_at), col(Event.id))
    if since is not None:
        query = query.where(Event.created_at >= since)
    if kinds:
        query = query.where(col(Event.kind).in_(list(kinds)))
    if not include_baseline:
        query = query.where(Event.baseline == False)  # noqa: E712  (SQL, not Python)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def payload(event: Event) -> dict[str, Any]:
    value = json.loads(event.payload or "{}")
    return value if isinstance(value, dict) else {}
