"""Fan-out: match new events to the chats that want them and write the outbox, one row per (event, chat).

The rows and the event's ``fanned_out_at`` are written in one transaction, so an event is either wholly
matched or not at all: a crash in between leaves it unmatched, and the next run matches it again without
duplicates (``delivery`` is unique per event and chat). Delivery itself is ``jobs.deliver``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage import events as stored_events
from storage import subscriptions
from storage.models import Chat, Delivery, DeliveryStatus, Event, EventKind, Member, utcnow
from storage.names import normalize

BATCH = 100
"""Events matched per transaction; each may fan out to thousands of chats."""


@dataclass(frozen=True)
class FanOut:
    event_id: int
    deliveries: int


def fan_out(
    session: Session, *, admin_chat_ids: Collection[int] = (), limit: int = BATCH, now: datetime | None = None
) -> list[FanOut]:
    """Match up to ``limit`` events not matched yet, oldest first. The caller commits."""
    moment = now or utcnow()
    pending = session.exec(
        select(Event)
        .where(col(Event.fanned_out_at).is_(None))
        .order_by(col(Event.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: two dispatchers take different events
    ).all()
    done: list[FanOut] = []
    for event in pending:
        assert event.id is not None
        chat_ids = sorted(chats_for(session, event, admin_chat_ids))
        if chat_ids:
            rows = [{"event_id": event.id, "chat_id": chat_id, "status": DeliveryStatus.PENDING.value,
                     "attempts": 0, "next_attempt_at": moment, "created_at": moment} for chat_id in chat_ids]
            session.execute(_insert_new_deliveries(session), rows)
        event.fanned_out_at = moment
        session.add(event)
        done.append(FanOut(event.id, len(chat_ids)))
    session.flush()
    return done


def chats_for(session: Session, event: Event, admin_chat_ids: Collection[int] = ()) -> set[int]:
    """The chats an event is for: subscribers to its topic, member or words; admins for source failures."""
    if event.baseline:
        return set()  # what a new source already listed is known, not news
    if event.kind == EventKind.SOURCE_FAILURE:
        if not admin_chat_ids:
            return set()
        # Admins get it in their private chat with the bot, if they have ever started one.
        found = session.exec(select(Chat.id).where(col(Chat.id).in_(list(admin_chat_ids)), Chat.active == True))  # noqa: E712
        return set(found)
    member_ids: list[int] = []
    names: list[str] = []
    if event.member_id is not None:
        member = session.get(Member, event.member_id)
        if member is not None:
            member_ids.append(event.member_id)
            names += [member.name_en, member.name_es or ""]
            if member.parent_id is not None:
                member_ids.append(member.parent_id)  # "subscribe Mexico" also hears about Mexico City
    details = stored_events.payload(event)
    text = normalize(" ".join([event.title, event.evidence, *names, str(details.get("document_title") or "")]))
    return subscriptions.matching_chat_ids(session, kind=event.kind, member_ids=member_ids, text=text)


def _insert_new_deliveries(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Delivery).on_conflict_do_nothing(index_elements=["event_id", "chat_id"])
    if dialect == "sqlite":
        return sqlite.insert(Delivery).on_conflict_do_nothing(index_elements=["event_id", "chat_id"])
    return insert(Delivery)
