"""Small facts about this installation that must survive restarts, such as "default sources were added"
(so that a default source an admin removed does not come back on the next start)."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import AppState, utcnow


def get(session: Session, key: str) -> str | None:
    row = session.get(AppState, key)
    return row.value if row else None


def put(session: Session, key: str, value: str) -> None:
    row = session.get(AppState, key) or AppState(key=key, value=value)
    row.value = value
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
