"""The Telegram admin commands end to end: python-telegram-bot's real networking against the local Bot API
stand-in, the real source checker fetching from a local web site, and the database (SQLite and PostgreSQL).

Each test runs its own application in ``asyncio.run``. ``say`` pushes a command, then a "/ping" answered by a
test-only handler; updates are handled one at a time, so the messages before "pong" are exactly the
command's replies, and a test can assert that nothing else was said. /check's results come later (the check
runs in the background so that the bot keeps answering): ``expect`` waits for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.engine import ConversationEngine
from bot.tg.admin import register
from bot.tg.services import BotServices, attach
from jobs.check import SourceChecker
from jobs.fetch import Fetcher, FetchPolicy
from ogp_watch.local_site import LocalSite
from ogp_watch.settings import Settings
from storage import sources, subscriptions
from storage.database import session_scope
from storage.models import (
    Chat,
    ChatKind,
    Delivery,
    DeliveryStatus,
    Document,
    Event,
    Source,
    SourceItem,
    SourceKind,
    Subscription,
    SubscriptionKind,
    utcnow,
)
from tests import local_site_faults as faults
from tests.botapi_standin import BotApiStandIn, SentMessage
from tests.conftest import REPORT_SEED, SEED_PAGES, seed_as_html

ADMIN = 4242
STRANGER = 777
GROUP = -100555
PONG = "pong"
REFUSAL = "This command is for OGP Watch admins."
REFUSAL_ES = "Este comando es solo para los administradores de OGP Watch."
POLICY = FetchPolicy(allow_private=True, politeness_delay_s=0, retries=0, timeout_s=5.0, connect_timeout_s=2.0)
REPORT_PATH = SEED_PAGES[REPORT_SEED]
ADMIN_COMMANDS = ("source_add", "sources", "source_pause", "source_resume", "source_remove", "check", "stats")


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as server:
        yield server


@dataclass
class AdminBot:
    """The running bot as its users see it."""

    standin: BotApiStandIn
    engine: Engine

    async def say(
        self,
        text: str,
        *,
        user: int = ADMIN,
        chat: int | None = None,
        chat_type: str = "private",
        language_code: str = "en",
        expect: int | None = None,
        timeout: float = 30.0,
    ) -> list[SentMessage]:
        """Every message the bot sent in answer to ``text``, and nothing it sent before or after; with
        ``expect``, also messages sent after the command was handled, until there are that many."""
        chat_id = user if chat is None else chat
        start = len(self.standin.sent)
        self.standin.push_text(chat_id, text, user_id=user, chat_type=chat_type, language_code=language_code)
        self.standin.push_text(chat_id, "/ping", user_id=user, chat_type=chat_type, language_code=language_code)
        deadline = time.monotonic() + timeout
        while True:
            sent = [message for message in self.standin.sent[start:] if message.chat_id == chat_id]
            pong = next((index for index, message in enumerate(sent) if message.text == PONG), None)
            answers = [message for message in sent if message.text != PONG]
            if pong is not None and expect is None:
                return sent[:pong]
            if pong is not None and expect is not None and len(answers) >= expect:
                return answers
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer to {text!r} within {timeout}s; sent: {[m.text for m in sent]}")
            await asyncio.sleep(0.01)

    async def reply(self, text: str, **kwargs: Any) -> str:
        """The one message the bot answered with, as the user reads it."""
        replies = await self.say(text, **kwargs)
        assert len(replies) == 1, [m.plain_text for m in replies]
        return replies[0].plain_text or ""


async def _pong(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, PONG)


@asynccontextmanager
async def running_bot(engine: Engine, standin: BotApiStandIn, **settings: Any) -> AsyncIterator[AdminBot]:
    values: dict[str, Any] = {"telegram_token": standin.token, "telegram_api_url": standin.base_url,
                               "admin_ids": frozenset({ADMIN}), "allow_private_sources": True,
                               "default_sources": False, **settings}
    config = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    async with Fetcher(POLICY) as fetcher:
        checker = SourceChecker(engine, fetcher)

        async def check_sources(ids: list[int]) -> list[Any]:
            return await checker.check_many(ids, force=True)

        app = (Application.builder().token(standin.token).base_url(standin.base_url)
               .base_file_url(standin.base_file_url).build())
        attach(app, BotServices(engine=engine, settings=config, conversation=ConversationEngine(engine),
                                check_sources=check_sources))
        register(app)
        app.add_handler(CommandHandler("ping", _pong))
        async with app:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0)
            await app.start()
            try:
                yield AdminBot(standin, engine)
            finally:
                await app.updater.stop()
                await app.stop()


def run(engine: Engine, standin: BotApiStandIn, scenario: Callable[[AdminBot], Awaitable[None]],
        **settings: Any) -> None:
    async def main() -> None:
        async with running_bot(engine, standin, **settings) as bot:
            await scenario(bot)

    asyncio.run(main())


def all_sources(engine: Engine) -> list[Source]:
    with Session(engine) as session:
        return sources.all_sources(session)


def db_state(engine: Engine) -> dict[str, Any]:
    """Everything an admin command could change."""
    with Session(engine) as session:
        def count(model: Any) -> int:
            return session.exec(select(func.count()).select_from(model)).one()

        return {
            "sources": [source.model_dump() for source in sources.all_sources(session)],
            "counts": {model.__name__: count(model)
                       for model in (Event, SourceItem, Document, Chat, Subscription, Delivery)},
        }


# -- an admin manages sources -------------------------------------------------------------------------------


def test_an_admin_adds_lists_pauses_resumes_and_removes_a_source(engine, standin, local_site: LocalSite) -> None:
    local_site.page(REPORT_PATH, seed_as_html(REPORT_SEED))
    url = local_site.url(REPORT_PATH)

    async def scenario(bot: AdminBot) -> None:
        assert await bot.reply("/sources") == "No sources yet; add one with /source_add URL."

        added = await bot.reply(f"/source_add {url} page 2h")
        assert added.startswith(f"Watching #1 127.0.0.1{REPORT_PATH.rstrip('/')} (page, every 2h):\n{url}\n")
        [source] = all_sources(bot.engine)
        assert (source.url, source.kind, source.interval_seconds, source.enabled, source.added_by) == (
            url, SourceKind.PAGE, 7200, True, f"telegram:{ADMIN}")

        listing = await bot.reply("/sources")
        assert listing.startswith("Sources (1):\n\n#1 new · page · every 2h\n")
        assert url in listing and "never checked" in listing

        assert (await bot.reply("/source_pause 1")).startswith(f"Paused #1 127.0.0.1{REPORT_PATH.rstrip('/')}: {url}")
        assert all_sources(bot.engine)[0].enabled is False
        assert "#1 paused · page · every 2h" in await bot.reply("/sources")

        assert (await bot.reply("/source_resume #1")).startswith("Resumed #1 ")
        assert all_sources(bot.engine)[0].enabled is True

        assert (await bot.reply("/source_remove 1")).startswith("Removed #1 ")
        assert all_sources(bot.engine) == []
        assert local_site.hits(REPORT_PATH) == 0  # managing sources fetches nothing

    run(engine, standin, scenario)


def test_check_of_one_source_and_of_what_is_due_reports_results_and_new_event_titles(
    engine, standin, local_site: LocalSite
) -> None:
    local_site.page(REPORT_PATH, seed_as_html(REPORT_SEED))
    local_site.page("/gone/", "<html><body>gone</body></html>", status=404)

    async def scenario(bot: AdminBot) -> None:
        assert await bot.reply("/check") == "Nothing is due; /check ID checks one source now."
        await bot.reply(f"/source_add {local_site.url(REPORT_PATH)}")

        checking, result = [m.plain_text or "" for m in await bot.say("/check", expect=2)]
        assert checking == "Checking 1 due source…"
        with Session(bot.engine) as session:
            titles = [event.title for event in session.exec(select(Event).order_by(col(Event.id)))]
        assert titles  # the seed report yields a new-report event and commitment changes
        assert result.startswith("• source 1 (127.0.0.1/documents/mexico-results-report-2019-2022): ok, ")
        assert f"{len(titles)} events in " in result
        assert f"New events ({len(titles)}):" in result
        for title in titles:
            assert f"• {title}" in result

        checking, again = [m.plain_text or "" for m in await bot.say("/check 1", expect=2)]
        assert checking == "Checking #1 127.0.0.1/documents/mexico-results-report-2019-2022…"
        assert again.startswith("• source 1 (") and ": unchanged, 0 events in " in again
        assert again.endswith("No new events.")
        assert await bot.reply("/check") == "Nothing is due; /check ID checks one source now."

        listing = await bot.reply("/sources")
        assert "#1 ok · page · every 6h" in listing and "checked " in listing and "never checked" not in listing

        await bot.reply(f"/source_add {local_site.url('/gone/')}")
        _, failed = [m.plain_text or "" for m in await bot.say("/check 2", expect=2)]
        assert ": error, 0 events in " in failed and "404" in failed
        listing = await bot.reply("/sources")
        assert "#2 failing (1) · page · every 6h" in listing and "last error: " in listing

    run(engine, standin, scenario)


def test_the_bot_keeps_answering_while_a_slow_check_runs(engine, standin, local_site: LocalSite) -> None:
    local_site.handler("/slow/", faults.slow(3.0))

    async def scenario(bot: AdminBot) -> None:
        await bot.reply(f"/source_add {local_site.url('/slow/')}")
        started = time.monotonic()
        [checking] = await bot.say("/check 1")
        assert checking.plain_text == "Checking #1 127.0.0.1/slow…"
        assert (await bot.reply("/stats", user=ADMIN + 1, chat=GROUP, chat_type="group")) == REFUSAL
        assert (await bot.reply("/sources")).startswith("Sources (1):")
        assert time.monotonic() - started < 2.5  # answered while the page was still on its way
        answers = [m.plain_text or "" for m in await bot.say("/stats", expect=2)]  # and, later, the result
        assert [text for text in answers if text.startswith("• source 1 (127.0.0.1/slow): ok, ")]

    run(engine, standin, scenario)


# -- mistakes -------------------------------------------------------------------------------------------------


def test_bad_input_gets_its_reason_or_a_usage_line_and_changes_nothing(engine, standin, local_site) -> None:
    local_site.page(REPORT_PATH, seed_as_html(REPORT_SEED))
    url = local_site.url(REPORT_PATH)
    cannot = "Cannot do that: "
    usage_id = "Usage: /{} ID (the number /sources shows)"

    async def scenario(bot: AdminBot) -> None:
        await bot.reply(f"/source_add {url}")
        before = db_state(bot.engine)
        answers = {
            "/source_add ftp://example.org/report.pdf": cannot + "only http and https addresses can be watched.",
            f"/source_add {url}": cannot + f"{url} is already watched as source 1 (127.0.0.1{REPORT_PATH[:-1]}).",
            f"/source_add {local_site.url('/other/')} page 6x": cannot + "cannot read the interval '6x': use a "
                                                                "number and a unit, e.g. 30m, 6h, 1d.",
            f"/source_add {local_site.url('/other/')} 10s": cannot + "the interval must be between 1m and 30d.",
            f"/source_add {local_site.url('/other/')} pagee": cannot + "unknown kind 'pagee': use page, listing or "
                                                                 "feed.",
            "/source_add": "Usage: /source_add URL [page|listing|feed] [interval, e.g. 6h]",
            f"/source_add {local_site.url('/other/')} page feed": "Usage: /source_add URL [page|listing|feed] "
                                                                 "[interval, e.g. 6h]",
            "/source_pause 99": cannot + "there is no source #99; list them to see their numbers.",
            "/source_resume 99": cannot + "there is no source #99; list them to see their numbers.",
            "/source_remove 99": cannot + "there is no source #99; list them to see their numbers.",
            "/source_pause abc": cannot + "'abc' is not a source number; see the list of sources.",
            "/source_pause": usage_id.format("source_pause"),
            "/source_remove 1 2": usage_id.format("source_remove"),
            "/check abc": cannot + "'abc' is not a source number; see the list of sources.",
            "/check 99": cannot + "there is no source #99; list them to see their numbers.",
            "/check 1 2": "Usage: /check to check the sources that are due, or /check ID to check one source now",
        }
        for command, expected in answers.items():
            assert await bot.reply(command) == expected, command
        assert db_state(bot.engine) == before
        assert local_site.hits(REPORT_PATH) == 0

    run(engine, standin, scenario)


def test_private_addresses_are_refused_unless_the_settings_allow_them(engine, standin, local_site) -> None:
    local_site.page(REPORT_PATH, seed_as_html(REPORT_SEED))

    async def scenario(bot: AdminBot) -> None:
        answer = await bot.reply(f"/source_add {local_site.url(REPORT_PATH)}")
        assert answer.startswith("Cannot do that: refused: 127.0.0.1 resolves to a loopback address (127.0.0.1)")
        assert all_sources(bot.engine) == []

    run(engine, standin, scenario, allow_private_sources=False)


# -- who may ------------------------------------------------------------------------------------------------


def test_anyone_else_is_refused_every_admin_command_nothing_changes_and_it_is_logged(
    engine, standin, local_site, caplog: pytest.LogCaptureFixture
) -> None:
    local_site.page(REPORT_PATH, seed_as_html(REPORT_SEED))
    url = local_site.url(REPORT_PATH)
    attempts = [f"/source_add {local_site.url('/other/')} page 1h", "/sources", "/source_pause 1", "/source_resume 1",
                "/source_remove 1", "/check", "/check 1", "/stats"]

    async def scenario(bot: AdminBot) -> None:
        await bot.reply(f"/source_add {url}")  # due now: a stranger's /check must not check it
        before = db_state(bot.engine)
        caplog.set_level(logging.WARNING, logger="bot.tg.admin")
        for attempt in attempts:
            assert await bot.reply(attempt, user=STRANGER) == REFUSAL, attempt
            assert await bot.reply(attempt, user=STRANGER, chat=GROUP, chat_type="group") == REFUSAL, attempt
        assert db_state(bot.engine) == before
        assert local_site.hits(REPORT_PATH) == 0 and local_site.hits("/other/") == 0

        # The same commands from the admin in that group work.
        assert (await bot.reply("/source_pause 1", chat=GROUP, chat_type="group")).startswith("Paused #1 ")

    run(engine, standin, scenario)
    refusals = [r for r in caplog.records if r.name == "bot.tg.admin" and r.levelno == logging.WARNING]
    expected = [(attempt.split()[0], chat) for attempt in attempts for chat in (STRANGER, GROUP)]
    assert [(f"/{r.args[0]}", r.args[2]) for r in refusals] == expected  # type: ignore[index]
    for record in refusals:
        message = record.getMessage()
        assert str(STRANGER) in message and str(record.args[2]) in message  # type: ignore[index]
        assert standin.token not in message and "/other/" not in message and "1h" not in message
    assert {f"/{r.args[0]}" for r in refusals} == {f"/{name}" for name in ADMIN_COMMANDS}  # type: ignore[index]


def test_replies_follow_the_chat_language(engine, standin, local_site) -> None:
    local_site.page(REPORT_PATH, seed_as_html(REPORT_SEED))
    url = local_site.url(REPORT_PATH)
    with session_scope(engine) as session:
        subscriptions.ensure_chat(session, ADMIN, language="es")
        subscriptions.ensure_chat(session, STRANGER, language="es")

    async def scenario(bot: AdminBot) -> None:
        assert (await bot.reply(f"/source_add {url} page 2h")).startswith(
            f"Vigilando #1 127.0.0.1{REPORT_PATH[:-1]} (página, cada 2h):\n{url}\n")
        assert (await bot.reply("/sources")).startswith("Fuentes (1):\n\n#1 nueva · página · cada 2h\n")
        assert (await bot.reply("/source_pause 1")).startswith("En pausa #1 ")
        assert (await bot.reply("/source_pause 99")) == ("No se pudo: there is no source #99; list them to see "
                                                         "their numbers.")
        assert (await bot.reply("/stats")).startswith("Estadísticas de OGP Watch\nChats con suscripciones: ")
        assert await bot.reply("/sources", user=STRANGER) == REFUSAL_ES
        # A chat the bot has not stored yet: the sender's app language.
        assert await bot.reply("/sources", user=STRANGER + 1, language_code="es") == REFUSAL_ES
        assert await bot.reply("/sources", user=STRANGER + 2, language_code="de") == REFUSAL

    run(engine, standin, scenario)


# -- long and odd lists ------------------------------------------------------------------------------------


def test_a_long_source_list_is_split_under_the_limit_and_shows_labels_as_written(engine, standin) -> None:
    label = "R&D <draft> “notes”"
    with session_scope(engine) as session:
        for number in range(1, 41):
            path = "/".join(["a-rather-long-path-segment-of-an-ogp-document-address"] * 6)
            sources.add_source(session, url=f"https://www.opengovpartnership.org/{number}/{path}/",
                               kind=SourceKind.PAGE, label=f"{label} {number} " + "x" * 150, interval_seconds=3600,
                               added_by="test")
        failing = session.get(Source, 7)
        assert failing is not None
        failing.consecutive_failures, failing.last_error = 3, "HTTP 503 <Service Unavailable> & more " * 40

    async def scenario(bot: AdminBot) -> None:
        messages = await bot.say("/sources")
        assert len(messages) > 1
        texts = [m.plain_text or "" for m in messages]
        assert all(len(m.text or "") <= 4096 and len(t) <= 4096 for m, t in zip(messages, texts, strict=True))
        joined = "\n\n".join(texts)
        assert [line.split()[0] for line in joined.splitlines() if line.startswith("#")] == [
            f"#{number}" for number in range(1, 41)]
        assert f"{label} 1 " in joined and "#7 failing (3) · page" in joined
        assert "last error: HTTP 503 <Service Unavailable> & more" in joined and "…" in joined
        assert all(m.parse_mode == "HTML" for m in messages)

    run(engine, standin, scenario)


# -- stats --------------------------------------------------------------------------------------------------


def test_stats_match_the_database(engine, standin) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        for chat_id in (1, 2, 3, 4):
            subscriptions.ensure_chat(session, chat_id, kind=ChatKind.PRIVATE)
        subscriptions.subscribe(session, 1, SubscriptionKind.TOPIC, "all", "everything")
        subscriptions.subscribe(session, 1, SubscriptionKind.KEYWORD, "trusts", "trusts")
        subscriptions.subscribe(session, 2, SubscriptionKind.TOPIC, "reports", "reports")
        subscriptions.subscribe(session, 3, SubscriptionKind.TOPIC, "reports", "reports")
        subscriptions.mark_inactive(session, 3, "Forbidden: bot was blocked by the user")
        for number in (1, 2, 3):
            sources.add_source(session, url=f"https://example.org/{number}/", kind=SourceKind.PAGE,
                               label=f"source {number}", interval_seconds=3600, added_by="test")
        second, third = session.get(Source, 2), session.get(Source, 3)
        assert second is not None and third is not None
        second.consecutive_failures = 2
        third.enabled, third.consecutive_failures = False, 1  # paused: not counted as failing
        for number, age in ((1, timedelta(hours=1)), (2, timedelta(hours=23)), (3, timedelta(days=2))):
            session.add(Event(key=f"k{number}", kind="new_report", title=f"Event {number}", url="https://example.org/",
                              evidence="synthetic", created_at=now - age))
        session.flush()
        statuses = [DeliveryStatus.PENDING, DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT,
                    DeliveryStatus.SENT, DeliveryStatus.SENT, DeliveryStatus.FAILED]
        pairs = [(event_id, chat_id) for event_id in (1, 2, 3) for chat_id in (1, 2, 3)]
        for (event_id, chat_id), status in zip(pairs, statuses, strict=False):
            session.add(Delivery(event_id=event_id, chat_id=chat_id, status=status))

    with Session(engine) as session:  # the expectations, counted in Python from the rows themselves
        chats = {chat.id: chat for chat in session.exec(select(Chat))}
        subscribed = {row.chat_id for row in session.exec(select(Subscription))}
        deliveries = [row.status for row in session.exec(select(Delivery))]
        expected = (
            "OGP Watch stats\n"
            f"Chats with subscriptions: {sum(chats[c].active for c in subscribed)} active, "
            f"{sum(not chats[c].active for c in subscribed)} inactive\n"
            f"Subscriptions: {len(session.exec(select(Subscription)).all())}\n"
            "Sources: 3 (2 enabled, 1 paused; 1 failing)\n"
            "Events: 3 (2 in the last 24 h)\n"
            + "Deliveries: " + ", ".join(f"{deliveries.count(status)} {status}" for status in DeliveryStatus)
        )
    assert expected.splitlines()[1:3] == ["Chats with subscriptions: 2 active, 1 inactive", "Subscriptions: 4"]
    assert expected.endswith("Deliveries: 2 pending, 1 sending, 3 sent, 1 failed, 0 blocked")

    async def scenario(bot: AdminBot) -> None:
        assert await bot.reply("/stats") == expected

    run(engine, standin, scenario)
