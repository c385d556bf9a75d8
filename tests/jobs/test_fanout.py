"""Fan-out: every chat whose subscriptions match an event gets one outbox row, and only once."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from jobs.fanout import fan_out
from storage import events, knowledge, subscriptions
from storage.database import session_scope
from storage.events import NewEvent
from storage.models import Delivery, EventKind, SubscriptionKind
from storage.subscriptions import SubscriptionError, Topic

# Synthetic members and chats; no real OGP data.
PRIVATE, GROUP, OTHER, ADMIN, BLOCKED = 1001, -100200, 1003, 42, 1005


def _setup(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as session:
        country = knowledge.ensure_member(session, "Synthetic Country", kind="country")
        town = knowledge.ensure_member(session, "Synthetic Town", kind="local", parent=country)
        assert country.id is not None and town.id is not None
        subscriptions.ensure_chat(session, GROUP, kind="supergroup", title="Watchdogs (synthetic)")
        subscriptions.subscribe(session, PRIVATE, SubscriptionKind.MEMBER, str(country.id), "Synthetic Country")
        subscriptions.subscribe(session, GROUP, SubscriptionKind.TOPIC, Topic.WITHDRAWALS, "withdrawals")
        subscriptions.subscribe(session, OTHER, SubscriptionKind.TOPIC, Topic.REPORTS, "reports")
        subscriptions.subscribe(session, BLOCKED, SubscriptionKind.TOPIC, Topic.ALL, "all")
        subscriptions.mark_inactive(session, BLOCKED, "Forbidden: bot was blocked by the user")
        subscriptions.ensure_chat(session, ADMIN)
        return country.id, town.id


def _event(key: str, kind: EventKind, member_id: int | None, *, baseline: bool = False) -> NewEvent:
    return NewEvent(key=key, kind=kind, title=f"Synthetic {kind}", url="https://synthetic.example/x/",
                    evidence="Synthetic evidence about fiscal transparency.", member_id=member_id, baseline=baseline)


def _deliveries(engine: Engine) -> set[tuple[int, int]]:
    with Session(engine) as session:
        return {(d.event_id, d.chat_id) for d in session.exec(select(Delivery))}


def test_events_reach_the_chats_that_want_them_once(engine: Engine) -> None:
    _, town = _setup(engine)
    with session_scope(engine) as session:
        recorded = events.record_events(session, [
            _event("w", EventKind.MEMBER_WITHDRAWN, town),
            _event("r", EventKind.NEW_REPORT, None),
            _event("old", EventKind.NEW_REPORT, None, baseline=True),
            _event("f", EventKind.SOURCE_FAILURE, None),
        ])
        withdrawal, report, _, failure = (e.id for e in recorded)
    with session_scope(engine) as session:
        counts = [f.deliveries for f in fan_out(session, admin_chat_ids={ADMIN, 77})]
    assert counts == [2, 1, 0, 1]
    assert _deliveries(engine) == {
        (withdrawal, PRIVATE),  # subscribed to the country the town is in
        (withdrawal, GROUP),  # subscribed to withdrawals
        (report, OTHER),
        (failure, ADMIN),  # admins only; 77 never started a chat with the bot
    }
    with session_scope(engine) as session:
        assert fan_out(session, admin_chat_ids={ADMIN}) == []  # already matched: nothing twice


def test_keyword_subscriptions_match_words_not_fragments(engine: Engine) -> None:
    _setup(engine)
    with session_scope(engine) as session:
        subscriptions.subscribe(session, 2001, SubscriptionKind.KEYWORD, "Fiscal Transparency", "fiscal transparency")
        subscriptions.subscribe(session, 2002, SubscriptionKind.KEYWORD, "scal", "scal")
        events.record_events(session, [_event("k", EventKind.NEW_REPORT, None)])
    with session_scope(engine) as session:
        fan_out(session)
    assert {chat for _, chat in _deliveries(engine)} == {OTHER, 2001}


def test_subscribing_twice_is_harmless_and_short_keywords_are_refused(session: Session) -> None:
    first, new = subscriptions.subscribe(session, 3001, SubscriptionKind.TOPIC, "reports", "reports")
    again, new_again = subscriptions.subscribe(session, 3001, SubscriptionKind.TOPIC, "reports", "reports")
    assert new and not new_again and first.id == again.id
    with pytest.raises(SubscriptionError, match="3 letters"):
        subscriptions.subscribe(session, 3001, SubscriptionKind.KEYWORD, "ab", "ab")
    assert subscriptions.unsubscribe(session, 9999, first.id or 0) is None  # not that chat's subscription
    assert subscriptions.unsubscribe(session, 3001, first.id or 0) is not None
