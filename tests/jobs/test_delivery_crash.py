"""A dispatcher killed in the middle of a fan-out loses no alert, and once restarted repeats only the few
whose send was in flight at the kill: at most one per worker, the bound documented in docs/delivery.md.

The dispatcher is the real ``ogp-watch deliver`` in its own process, killed with SIGKILL (no clean-up of
any kind), and the Bot API stand-in runs in this process, recording what every chat received. Limits are
off so that 5,000 alerts take seconds. Chats are synthetic.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from jobs.fanout import fan_out
from storage import events, subscriptions
from storage.database import make_engine, session_scope
from storage.events import NewEvent
from storage.models import Delivery, DeliveryStatus, EventKind, SubscriptionKind
from storage.subscriptions import Topic
from tests.botapi_standin import BotApiStandIn

TOKEN = "123456:TEST-TOKEN"
CHATS = 5_000
FIRST_CHAT = 20_000_001
CONCURRENCY = 8
IN_FLIGHT_BOUND = CONCURRENCY
"""One per worker: a worker records its alert as sent before it takes the next one."""
CLAIM_TTL_S = 3
KILL_AFTER = 1_500
WAIT_S = 60.0


def test_a_killed_dispatcher_loses_nothing_and_repeats_at_most_the_in_flight_sends(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    chat_ids = list(range(FIRST_CHAT, FIRST_CHAT + CHATS))
    try:
        _subscribe_and_fan_out(engine, chat_ids)
        with BotApiStandIn(TOKEN) as standin:
            first = _dispatcher(database_url, standin, tmp_path, "first")
            try:
                _wait(lambda: len(standin.sent) >= KILL_AFTER, first, "the first sends", every=0.002,
                      log=tmp_path / "first.log")
                os.kill(first.pid, signal.SIGKILL)
                first.wait(timeout=10)
            finally:
                _stop(first)
            _settle(standin)  # requests that reached the stand-in before the kill are still answered and recorded
            received_before = {message.chat_id for message in standin.sent}
            recorded_before = _chats_with(engine, DeliveryStatus.SENT)
            assert KILL_AFTER <= len(received_before) < CHATS, "the kill must land mid-way"
            assert _count(engine, DeliveryStatus.SENDING) <= CONCURRENCY  # claimed, maybe sent: the in-flight rows
            unrecorded = received_before - recorded_before  # sent, but the kill came before it was written down
            assert recorded_before <= received_before  # nothing is marked sent that was not
            assert len(unrecorded) <= IN_FLIGHT_BOUND

            second = _dispatcher(database_url, standin, tmp_path, "second")
            try:
                _wait(lambda: _count(engine, DeliveryStatus.SENT) == CHATS, second, "every alert to be sent", every=0.2,
                      log=tmp_path / "second.log")
                second.send_signal(signal.SIGTERM)
                assert second.wait(timeout=20) == 0, _tail(tmp_path / "second.log")
            finally:
                _stop(second)
            received = list(standin.sent)

        per_chat = Counter(message.chat_id for message in received)
        assert set(per_chat) == set(chat_ids)  # every chat got the alert
        twice = {chat_id for chat_id, times in per_chat.items() if times > 1}
        assert max(per_chat.values()) == 2 and twice == unrecorded  # only the in-flight ones came twice
        assert len(twice) <= IN_FLIGHT_BOUND
        last_message = {message.chat_id: message.message_id for message in received}
        with Session(engine) as session:
            for row in session.exec(select(Delivery)):
                assert row.status == DeliveryStatus.SENT and row.message_id == last_message[row.chat_id]
    finally:
        engine.dispose()


def _subscribe_and_fan_out(engine: Engine, chat_ids: list[int]) -> None:
    with session_scope(engine) as session:
        for chat_id in chat_ids:
            subscriptions.subscribe(session, chat_id, SubscriptionKind.TOPIC, Topic.ALL, "everything")
        events.record_events(session, [NewEvent(
            key="crash-test", kind=EventKind.MEMBER_WITHDRAWN, title="Synthetic City withdrew from OGP",
            url="https://synthetic.example/news/withdrawal/", evidence="Synthetic City announced its withdrawal.",
            payload={"member_name": "Synthetic City", "member_name_es": "Ciudad Sintética"},
        )])
    with session_scope(engine) as session:
        (matched,) = fan_out(session)
    assert matched.deliveries == len(chat_ids)


def _dispatcher(database_url: str, standin: BotApiStandIn, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OGP_WATCH_")}
    env.update(
        OGP_WATCH_DATABASE_URL=database_url,
        OGP_WATCH_DATA_DIR=str(tmp_path / "data"),
        OGP_WATCH_TELEGRAM_TOKEN=TOKEN,
        OGP_WATCH_TELEGRAM_API_URL=standin.base_url,
        OGP_WATCH_DEFAULT_SOURCES="false",
        OGP_WATCH_SEND_RATE_PER_SECOND="0",
        OGP_WATCH_CHAT_RATE_PER_SECOND="0",
        OGP_WATCH_GROUP_RATE_PER_MINUTE="0",
    )
    command = [sys.executable, "-m", "ogp_watch.cli", "deliver", "--concurrency", str(CONCURRENCY),
               "--claim-ttl", str(CLAIM_TTL_S)]
    with (tmp_path / f"{name}.log").open("wb") as log:
        return subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)


def _wait(done: Callable[[], bool], process: subprocess.Popen[bytes], what: str, *, every: float,
          log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert process.poll() is None, f"the dispatcher exited ({process.returncode}) before {what}: {_tail(log)}"
        assert time.monotonic() < deadline, f"waited {WAIT_S:.0f} s for {what}: {_tail(log)}"
        time.sleep(every)


def _settle(standin: BotApiStandIn, quiet: float = 0.5, limit: float = 10.0) -> None:
    """Wait until the stand-in has recorded no new call for ``quiet`` seconds (nothing new can arrive)."""
    deadline, seen = time.monotonic() + limit, -1
    while len(standin.calls) != seen and time.monotonic() < deadline:
        seen = len(standin.calls)
        time.sleep(quiet)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def _count(engine: Engine, status: DeliveryStatus) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).where(col(Delivery.status) == status)).one())


def _chats_with(engine: Engine, status: DeliveryStatus) -> set[int]:
    with Session(engine) as session:
        return set(session.exec(select(Delivery.chat_id).where(col(Delivery.status) == status)))


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]
