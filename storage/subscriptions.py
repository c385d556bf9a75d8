"""Chats and what they subscribed to: members, topics (kinds of event) and keywords.

Used by the Telegram front end (``/subscribe``, ``/subscriptions``, ``/lang``) and by fan-out, which asks
"which chats want this event?". A chat that blocked the bot stays here, inactive, with its subscriptions:
if it comes back it need not subscribe again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.database import execute_write
from storage.models import Chat, ChatKind, EventKind, Subscription, SubscriptionKind, utcnow
from storage.names import normalize


class Topic(StrEnum):
    """Kinds of event a chat can subscribe to as a whole."""

    REPORTS = "reports"
    WITHDRAWALS = "withdrawals"
    STATUS = "status"
    ALL = "all"


TOPIC_EVENTS: dict[Topic, frozenset[EventKind]] = {
    Topic.REPORTS: frozenset({EventKind.NEW_REPORT}),
    Topic.WITHDRAWALS: frozenset({EventKind.MEMBER_WITHDRAWN}),
    Topic.STATUS: frozenset({EventKind.MEMBER_WITHDRAWN, EventKind.MEMBER_INACTIVE, EventKind.MEMBER_STATUS,
                             EventKind.NEW_MEMBER, EventKind.COMMITMENT_STATE}),
    Topic.ALL: frozenset(EventKind) - {EventKind.SOURCE_FAILURE},
}
"""Source failures are for admins only, whatever a chat subscribed to."""

MAX_SUBSCRIPTIONS_PER_CHAT = 100
MAX_KEYWORD_LENGTH = 60


class SubscriptionError(ValueError):
    """A subscription that cannot be made; the message says why."""


def topics_for(kind: str) -> list[Topic]:
    return [topic for topic, kinds in TOPIC_EVENTS.items() if kind in kinds]


def ensure_chat(
    session: Session,
    chat_id: int,
    *,
    kind: str = ChatKind.PRIVATE,
    title: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> Chat:
    """The chat, created on first contact; a chat that writes to the bot again is active again."""
    chat = session.get(Chat, chat_id)
    moment = now or utcnow()
    if chat is None:
        chat = Chat(id=chat_id, kind=ChatKind(kind), title=(title or "")[:200] or None,
                    language=language if language in {"en", "es"} else "en", created_at=moment, updated_at=moment)
    else:
        if title:
            chat.title = title[:200]
        if not chat.active:
            chat.active, chat.inactive_reason = True, None
        chat.updated_at = moment
    session.add(chat)
    session.flush()
    return chat


def set_language(session: Session, chat_id: int, language: str) -> Chat:
    if language not in {"en", "es"}:
        raise SubscriptionError(f"unknown language {language!r}")
    chat = ensure_chat(session, chat_id)
    chat.language = language
    session.add(chat)
    session.flush()
    return chat


def mark_inactive(session: Session, chat_id: int, reason: str) -> None:
    """Telegram said the bot can no longer write here (blocked, kicked): stop sending, keep the history."""
    chat = session.get(Chat, chat_id)
    if chat is not None and chat.active:
        chat.active, chat.inactive_reason, chat.updated_at = False, reason[:300], utcnow()
        session.add(chat)
        session.flush()


def subscribe(
    session: Session, chat_id: int, kind: SubscriptionKind, value: str, label: str, *, created_by: int | None = None
) -> tuple[Subscription, bool]:
    """Add a subscription; returns it and whether it is new (subscribing twice is not an error)."""
    if kind == SubscriptionKind.KEYWORD:
        value = normalize(value)[:MAX_KEYWORD_LENGTH]
        if len(value) < 3:
            raise SubscriptionError("a keyword needs at least 3 letters")
    elif kind == SubscriptionKind.TOPIC:
        value = Topic(value).value
    existing = session.exec(
        select(Subscription).where(Subscription.chat_id == chat_id, Subscription.kind == kind,
                                   Subscription.value == value)
    ).first()
    if existing is not None:
        return existing, False
    if len(chat_subscriptions(session, chat_id)) >= MAX_SUBSCRIPTIONS_PER_CHAT:
        raise SubscriptionError(f"a chat can have at most {MAX_SUBSCRIPTIONS_PER_CHAT} subscriptions")
    ensure_chat(session, chat_id)
    row = Subscription(chat_id=chat_id, kind=SubscriptionKind(kind), value=value, label=label[:200],
                       created_by=created_by)
    session.add(row)
    session.flush()
    return row, True


def unsubscribe(session: Session, chat_id: int, subscription_id: int) -> Subscription | None:
    """Remove one of this chat's subscriptions; None if it is not this chat's (e.g. forged button data)."""
    row = session.get(Subscription, subscription_id)
    if row is None or row.chat_id != chat_id:
        return None
    session.delete(row)
    session.flush()
    return row


def unsubscribe_all(session: Session, chat_id: int) -> int:
    result = execute_write(session, delete(Subscription).where(col(Subscription.chat_id) == chat_id))
    return int(result.rowcount or 0)


def chat_subscriptions(session: Session, chat_id: int) -> list[Subscription]:
    return list(session.exec(select(Subscription).where(Subscription.chat_id == chat_id)
                             .order_by(col(Subscription.id))))


def matching_chat_ids(
    session: Session, *, kind: str, member_ids: list[int], text: str
) -> set[int]:
    """Active chats subscribed to the event's topic, to one of ``member_ids`` or to a keyword in ``text``."""
    wanted_members = [str(member_id) for member_id in member_ids]
    query = (
        select(Subscription.chat_id, Subscription.kind, Subscription.value)
        .join(Chat, col(Chat.id) == col(Subscription.chat_id))
        .where(Chat.active == True)  # noqa: E712
    )
    topic_values = {topic.value for topic in topics_for(kind)}
    for_admins_only = kind == EventKind.SOURCE_FAILURE

    def wants(sub_kind: str, value: str) -> bool:
        if sub_kind == SubscriptionKind.TOPIC:
            return value in topic_values
        if for_admins_only:
            return False
        if sub_kind == SubscriptionKind.MEMBER:
            return value in wanted_members
        return sub_kind == SubscriptionKind.KEYWORD and _has_phrase(text, value)

    return {chat_id for chat_id, sub_kind, value in session.exec(query) if wants(sub_kind, value)}


def _has_phrase(normalized_text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {normalized_text} "
