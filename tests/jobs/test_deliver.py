"""Alerts reach every chat that asked, once, in its language, and Telegram's refusals are handled as a
bot operator would want: flood control waited out, outages retried, blocked chats dropped, bad messages
given up on. Everything goes through the real python-telegram-bot to the local Bot API stand-in.

Chats, members and events are synthetic. Retries use millisecond backoffs so the tests wait for nothing.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from telegram.error import InvalidToken
from telegram.warnings import PTBDeprecationWarning

from bot.tg.sender import TelegramSender, build_bot
from jobs.deliver import DeliveryLimits, Dispatcher, DispatchStats, RetryPolicy
from jobs.fanout import fan_out
from jobs.sending import SendOutcome
from storage import events, subscriptions
from storage.database import session_scope
from storage.events import NewEvent
from storage.models import Chat, Delivery, DeliveryStatus, EventKind, SubscriptionKind, utcnow
from storage.subscriptions import Topic
from tests.botapi_standin import BotApiStandIn
from tests.conftest import run_cli

TOKEN = "123456:TEST-TOKEN"
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
SETTLE_TIMEOUT_S = 20.0

EN, ES, GROUP, QUIET, ADMIN = 1001, 1002, -1001000000003, 1004, 42
CITY = {"member": "synthetic-city", "member_name": "Synthetic City", "member_name_es": "Ciudad Sintética"}


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(TOKEN) as server:
        yield server


def add_chats(engine: Engine, *chat_ids: int, language: str = "en", kind: str = "private") -> None:
    with session_scope(engine) as session:
        for chat_id in chat_ids:
            subscriptions.ensure_chat(session, chat_id, kind=kind, language=language)
            subscriptions.subscribe(session, chat_id, SubscriptionKind.TOPIC, Topic.ALL, "everything")


def add_event(engine: Engine, key: str, *, kind: EventKind = EventKind.MEMBER_WITHDRAWN, evidence: str = "",
              payload: dict[str, Any] | None = None) -> int:
    with session_scope(engine) as session:
        (event,) = events.record_events(session, [NewEvent(
            key=key, kind=kind, title=f"Synthetic City event {key}", url=f"https://synthetic.example/{key}/",
            evidence=evidence or f"Synthetic evidence for {key}.", payload=CITY if payload is None else payload,
        )])
        assert event.id is not None
        return event.id


def rows(engine: Engine) -> dict[tuple[int, int], Delivery]:
    """(event id, chat id) -> its outbox row."""
    with Session(engine) as session:
        return {(row.event_id, row.chat_id): row for row in session.exec(select(Delivery))}


def unsettled(engine: Engine) -> int:
    with Session(engine) as session:
        waiting = [DeliveryStatus.PENDING, DeliveryStatus.SENDING]
        return len(session.exec(select(Delivery.id).where(col(Delivery.status).in_(waiting))).all())


def dispatch(
    engine: Engine,
    standin: BotApiStandIn,
    *,
    limits: DeliveryLimits | None = None,
    concurrency: int = 4,
    settle: bool = True,
    **options: Any,
) -> DispatchStats:
    """Run the dispatcher (``run_once``, again while retries are pending if ``settle``) with a real PTB Bot."""

    async def scenario() -> DispatchStats:
        async with build_bot(TOKEN, standin.base_url, connections=concurrency) as bot:
            dispatcher = Dispatcher(engine, TelegramSender(bot), limits or DeliveryLimits.off(),
                                    concurrency=concurrency, retry=options.pop("retry", FAST_RETRY), **options)
            total = await dispatcher.run_once()
            deadline = time.monotonic() + SETTLE_TIMEOUT_S
            while settle and unsettled(engine):
                assert time.monotonic() < deadline, f"still unsettled: {rows(engine)}"
                await asyncio.sleep(0.02)
                total += await dispatcher.run_once()
            return total

    return asyncio.run(scenario())


def sends(standin: BotApiStandIn, chat_id: int) -> int:
    """Attempts to send to the chat, refused or not."""
    return sum(1 for call in standin.calls_to("sendMessage") if call.params.get("chat_id") == chat_id)


def test_each_matching_chat_gets_one_alert_in_its_language(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, EN)
    add_chats(engine, ES, language="es")
    add_chats(engine, GROUP, language="es", kind="supergroup")
    with session_scope(engine) as session:
        subscriptions.subscribe(session, QUIET, SubscriptionKind.TOPIC, Topic.REPORTS, "reports")
        subscriptions.ensure_chat(session, ADMIN)
    withdrawal = add_event(engine, "withdrawal")
    failure = add_event(engine, "failure", kind=EventKind.SOURCE_FAILURE, payload={"failures": 3})

    stats = dispatch(engine, standin, admin_chat_ids={ADMIN})

    assert stats == DispatchStats(sent=4)
    assert [m.plain_text.splitlines()[0] for m in standin.sent_to(EN) if m.plain_text] == [
        "🚪 Synthetic City withdrew from OGP"]
    for spanish in (ES, GROUP):
        assert [m.plain_text.splitlines()[0] for m in standin.sent_to(spanish) if m.plain_text] == [
            "🚪 Ciudad Sintética se retiró de OGP"]
    assert standin.sent_to(QUIET) == []  # subscribed to reports only
    assert [m.plain_text.splitlines()[0] for m in standin.sent_to(ADMIN) if m.plain_text] == [
        "⚠️ Synthetic City event failure"]  # source failures go to admins, and only to them
    outbox = rows(engine)
    assert set(outbox) == {(withdrawal, EN), (withdrawal, ES), (withdrawal, GROUP), (failure, ADMIN)}
    for (_, chat_id), row in outbox.items():
        assert row.status == DeliveryStatus.SENT and row.sent_at is not None
        assert row.message_id == standin.sent_to(chat_id)[0].message_id
    assert all(call.params["link_preview_options"] == {"is_disabled": True}
               for call in standin.calls_to("sendMessage"))

    assert dispatch(engine, standin) == DispatchStats()  # a second run sends nothing new
    assert len(standin.sent) == 4


def test_hostile_page_text_is_delivered_literally(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, EN)
    hostile = "<script>alert('x')</script> & <b>unbalanced </i>"
    add_event(engine, "hostile", evidence=hostile, payload=CITY | {"member_name": hostile})
    assert dispatch(engine, standin).sent == 1
    (message,) = standin.sent_to(EN)
    assert message.plain_text is not None and message.plain_text.count(hostile) == 2


def test_flood_control_pauses_all_sending_and_the_alert_goes_later(engine: Engine, standin: BotApiStandIn) -> None:
    first, *others = (2001, 2002, 2003)
    add_chats(engine, first, *others)
    add_event(engine, "flood")
    standin.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=first)

    stats = dispatch(engine, standin, concurrency=1)

    (refused,) = [call for call in standin.calls if call.status == 429]
    sent = [m.chat_id for m in standin.sent]
    assert sorted(sent[:-1]) == others and sent[-1] == first  # each once; the refused one afterwards
    assert not [m for m in standin.sent if refused.time < m.time < refused.time + 1]  # nothing during the pause
    assert stats.sent == 3 and stats.retried == 1 and stats.failed == 0
    row = next(row for row in rows(engine).values() if row.chat_id == first)
    assert row.status == DeliveryStatus.SENT and row.attempts == 0  # flood control is not the alert's failure


def test_server_errors_are_retried_until_the_alert_goes(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, 3001, 3002)
    add_event(engine, "outage")
    standin.fail_next("sendMessage", error_code=502, chat_id=3001)
    standin.fail_next("sendMessage", error_code=500, chat_id=3001)

    stats = dispatch(engine, standin)

    assert len(standin.sent_to(3001)) == 1 and sends(standin, 3001) == 3
    assert stats.sent == 2 and stats.retried == 2
    row = next(row for row in rows(engine).values() if row.chat_id == 3001)
    assert row.status == DeliveryStatus.SENT and row.attempts == 2


def test_transient_errors_are_given_up_after_the_last_attempt(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, 3101)
    add_event(engine, "long-outage")
    standin.fail_next("sendMessage", error_code=500, chat_id=3101, times=100)

    stats = dispatch(engine, standin)

    assert sends(standin, 3101) == FAST_RETRY.max_attempts
    (row,) = rows(engine).values()
    assert row.status == DeliveryStatus.FAILED and row.attempts == FAST_RETRY.max_attempts
    assert "Internal Server Error" in (row.last_error or "")
    assert stats.failed == 1


def test_a_chat_that_blocked_the_bot_is_dropped_and_others_still_served(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, 4001, 4002, 4003)
    add_event(engine, "one")
    add_event(engine, "two")
    standin.block_chat(4002)
    standin.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found", chat_id=4003)

    stats = dispatch(engine, standin)

    assert len(standin.sent_to(4001)) == 2
    assert sends(standin, 4002) == 1 and sends(standin, 4003) == 1  # the second alert was not even tried
    assert stats.sent == 2 and stats.blocked == 4
    with Session(engine) as session:
        blocked, gone = session.get(Chat, 4002), session.get(Chat, 4003)
        assert blocked is not None and not blocked.active and "blocked" in (blocked.inactive_reason or "")
        assert gone is not None and not gone.active and "chat not found" in (gone.inactive_reason or "").lower()
    assert {row.status for row in rows(engine).values() if row.chat_id in {4002, 4003}} == {DeliveryStatus.BLOCKED}

    add_event(engine, "three")  # later events no longer match the inactive chats
    dispatch(engine, standin)
    assert sends(standin, 4002) == 1 and len(standin.sent_to(4001)) == 3


def test_a_message_telegram_refuses_fails_without_retries(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, 5001, 5002)
    add_event(engine, "refused")
    standin.fail_next("sendMessage", error_code=400, chat_id=5001, times=100,
                      description="Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3")

    stats = dispatch(engine, standin)
    dispatch(engine, standin)

    assert sends(standin, 5001) == 1 and len(standin.sent_to(5002)) == 1
    row = next(row for row in rows(engine).values() if row.chat_id == 5001)
    assert row.status == DeliveryStatus.FAILED and row.attempts == 1
    assert "can't parse entities" in (row.last_error or "").lower()
    assert stats.failed == 1 and stats.sent == 1


def test_alerts_to_one_chat_are_a_second_apart(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, 6001, 6002)
    add_event(engine, "first")
    add_event(engine, "second")

    dispatch(engine, standin, limits=DeliveryLimits(per_second=30, chat_per_second=1, group_per_minute=20))

    for chat_id in (6001, 6002):
        earlier, later = (message.time for message in standin.sent_to(chat_id))
        assert later - earlier >= 1.0  # as Telegram's clock would see them arrive
    assert standin.sent_to(6002)[0].time < standin.sent_to(6001)[1].time  # 6002 did not queue behind 6001


def test_an_alert_claimed_by_a_dispatcher_that_died_is_sent_once_its_claim_expires(
    engine: Engine, standin: BotApiStandIn
) -> None:
    add_chats(engine, 7001, 7002)
    event_id = add_event(engine, "claimed")
    with session_scope(engine) as session:
        fan_out(session)  # as a dispatcher would, which then claimed both rows
        for row in session.exec(select(Delivery)):
            expired = row.chat_id == 7001
            row.status, row.claimed_by = DeliveryStatus.SENDING, "dead-dispatcher" if expired else "live-dispatcher"
            row.claimed_until = utcnow() + (timedelta(seconds=-1) if expired else timedelta(minutes=5))
            session.add(row)

    stats = dispatch(engine, standin, settle=False)

    assert stats.sent == 1 and len(standin.sent_to(7001)) == 1
    assert standin.sent_to(7002) == []  # its dispatcher may still be sending it
    assert rows(engine)[(event_id, 7002)].status == DeliveryStatus.SENDING


def test_two_dispatchers_share_the_outbox_without_sending_twice(engine: Engine, standin: BotApiStandIn) -> None:
    chats = range(8001, 8201)
    add_chats(engine, *chats)
    add_event(engine, "shared")

    async def both() -> list[DispatchStats]:
        async with build_bot(TOKEN, standin.base_url, connections=8) as bot:
            sender = TelegramSender(bot)
            pair = [Dispatcher(engine, sender, DeliveryLimits.off(), owner=name, concurrency=4)
                    for name in ("dispatcher-a", "dispatcher-b")]
            return list(await asyncio.gather(*(dispatcher.run_once() for dispatcher in pair)))

    stats = asyncio.run(both())

    assert Counter(message.chat_id for message in standin.sent) == Counter(chats)
    assert sum(part.sent for part in stats) == len(chats)
    assert {row.status for row in rows(engine).values()} == {DeliveryStatus.SENT}


def test_a_revoked_token_stops_the_dispatcher_and_loses_nothing(engine: Engine, standin: BotApiStandIn) -> None:
    add_chats(engine, 8501, 8502)
    add_event(engine, "revoked")

    async def revoked_after_start() -> None:
        async with build_bot(TOKEN, standin.base_url, connections=2) as bot:
            standin.token = "123456:REVOKED"  # Telegram now answers 401 to the old token
            await Dispatcher(engine, TelegramSender(bot), DeliveryLimits.off(), concurrency=2).run_once()

    with pytest.raises(InvalidToken):
        asyncio.run(revoked_after_start())
    assert standin.sent == []
    assert {(row.status, row.attempts) for row in rows(engine).values()} == {(DeliveryStatus.PENDING, 0)}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"error_code": 429, "retry_after": 7}, SendOutcome.RETRY_AFTER),
        ({"error_code": 403, "description": "Forbidden: bot was kicked from the supergroup chat"}, SendOutcome.BLOCKED),
        ({"error_code": 400, "description": "Bad Request: chat not found"}, SendOutcome.BLOCKED),
        ({"error_code": 400, "description": "Bad Request: message is too long"}, SendOutcome.REJECTED),
        ({"error_code": 500}, SendOutcome.TRANSIENT),
        ({"error_code": 502}, SendOutcome.TRANSIENT),
    ],
    ids=["429", "403", "400-chat-gone", "400", "500", "502"],
)
def test_the_sender_reads_telegrams_refusals(standin: BotApiStandIn, error: dict[str, Any],
                                             expected: SendOutcome) -> None:
    standin.fail_next("sendMessage", **error)

    async def send() -> Any:
        async with build_bot(TOKEN, standin.base_url, connections=1) as bot:
            return await TelegramSender(bot).send(9001, "<b>Synthetic</b> alert")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = asyncio.run(send())
    assert result.outcome == expected
    assert result.retry_after == (7 if expected == SendOutcome.RETRY_AFTER else 0)
    assert not [w for w in caught if issubclass(w.category, PTBDeprecationWarning)]  # handled, not leaked
    assert standin.sent == []


def test_deliver_needs_a_token(cli_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "deliver")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["ogp-watch: deliver sends with the bot's token: set OGP_WATCH_TELEGRAM_TOKEN"]


def test_giving_a_row_back_finishes_though_the_waiting_send_is_cancelled_again() -> None:
    """Two sends that both find the token revoked end a batch together: the second's failure cancels the
    first while it gives its row back. The write must still land (else the row stays claimed, unsent, until
    the claim expires), and the cancellation goes on after it."""
    from jobs.deliver import _finish

    landed: list[str] = []

    async def slow_write() -> str:
        await asyncio.sleep(0.05)
        landed.append("released")
        return "released"

    async def scenario() -> None:
        waiting = asyncio.ensure_future(_finish(slow_write()))
        for _ in range(3):  # cancelled, and cancelled again, while the write is under way
            await asyncio.sleep(0.005)
            waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(scenario())
    assert landed == ["released"]
