"""The bot end to end: the real application (``build_application``) polling a local Bot API stand-in, on a
test database (SQLite and PostgreSQL, through the ``engine`` fixture) holding the starter data.

For test authors:

* ``bot_harness``: a ``BotHarness`` with ``ADMIN_ID`` as the only bot admin and the real conversation engine.
* ``make_bot_harness(admin_ids=..., conversation=..., check_sources=..., **settings)``: one with other
  services or settings (several per test if needed; their stand-ins are closed at the end).
* ``harness.run(scenario)``: starts the application as ``run_polling`` would (initialize, post_init, polling,
  start), awaits ``scenario(app)`` and stops it in the order PTB needs, all inside ``asyncio.run``
  (pytest-asyncio is not used). Inside the scenario use the async
  helpers (``send``, ``press``, ``standin.wait_for_sent_async``), never the stand-in's blocking waits,
  which would freeze the bot's event loop.
* ``harness.standin`` plays the users and records what the bot did; ``harness.engine`` is the database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine
from telegram.ext import Application

from bot.engine import ConversationEngine
from bot.tg.app import build_application
from bot.tg.services import BotServices, CheckSources
from jobs import starter
from jobs.check import CheckReport
from ogp_watch.settings import Settings
from storage.database import session_scope
from tests.botapi_standin import BotApiStandIn, SentMessage

ADMIN_ID = 777
"""The bot admin (``Settings.admin_ids``) of ``bot_harness``."""
BOT_USERNAME = "ogp_watch_test_bot"
SCENARIO_TIMEOUT_S = 60.0

T = TypeVar("T")


async def no_check(source_ids: list[int]) -> list[CheckReport]:
    """The default ``check_sources``: tests of the chat never fetch anything."""
    return []


@dataclass
class BotHarness:
    standin: BotApiStandIn
    engine: Engine
    services: BotServices

    def build(self) -> Application:  # type: ignore[type-arg]
        return build_application(self.services.settings, self.services)

    def run(self, scenario: Callable[[Application], Awaitable[T]]) -> T:  # type: ignore[type-arg]
        """Run the application against the stand-in for the length of ``scenario(app)``; its result."""

        async def main() -> T:
            application = self.build()
            async with application:
                if application.post_init is not None:  # as run_polling() does, between initialize and polling
                    await application.post_init(application)
                await application.updater.start_polling(poll_interval=0)
                await application.start()
                try:
                    return await asyncio.wait_for(scenario(application), SCENARIO_TIMEOUT_S)
                finally:
                    await application.updater.stop()
                    await application.stop()

        return asyncio.run(main())

    async def send(self, chat_id: int, text: str, *, replies: int = 1, timeout: float = 10.0,
                   **push: Any) -> list[SentMessage]:
        """A user writes ``text`` (``push`` as for ``standin.push_text``); the next ``replies`` messages the
        bot sends or edits, in any chat."""
        before = len(self.standin.sent)
        self.standin.push_text(chat_id, text, **push)
        return (await self.standin.wait_for_sent_async(before + replies, timeout))[before:]

    async def press(self, chat_id: int, user_id: int, data: str, *, message_id: int, replies: int = 0,
                    timeout: float = 10.0, **push: Any) -> tuple[dict[str, Any], list[SentMessage]]:
        """A user taps a button under ``message_id``: the bot's answer to the callback query (its parameters)
        and the next ``replies`` messages it sends or edits."""
        answered, sent = len(self.standin.answered_callbacks), len(self.standin.sent)
        self.standin.push_callback(chat_id, user_id, data, message_id=message_id, **push)
        await until(lambda: len(self.standin.answered_callbacks) > answered, timeout, f"an answer to {data!r}")
        messages = (await self.standin.wait_for_sent_async(sent + replies, timeout))[sent:]
        return self.standin.answered_callbacks[answered], messages


async def until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "the condition") -> None:
    """Wait on the event loop (the bot's loop: no blocking) until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout}s for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
def make_bot_harness(engine: Engine) -> Iterator[Callable[..., BotHarness]]:
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
    standins: list[BotApiStandIn] = []

    def make(*, admin_ids: frozenset[int] = frozenset({ADMIN_ID}), conversation: ConversationEngine | None = None,
             check_sources: CheckSources | None = None, **settings: Any) -> BotHarness:
        standin = BotApiStandIn(bot_username=BOT_USERNAME).start()
        standins.append(standin)
        configured = Settings(_env_file=None, telegram_token=standin.token,  # type: ignore[call-arg]
                              telegram_api_url=standin.base_url, admin_ids=admin_ids, **settings)
        services = BotServices(engine=engine, settings=configured,
                               conversation=conversation or ConversationEngine(engine),
                               check_sources=check_sources or no_check)
        return BotHarness(standin, engine, services)

    yield make
    for standin in standins:
        standin.close()


@pytest.fixture
def bot_harness(make_bot_harness: Callable[..., BotHarness]) -> BotHarness:
    return make_bot_harness()
