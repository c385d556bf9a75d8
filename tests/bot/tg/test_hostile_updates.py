"""Whatever arrives from Telegram, the bot stays sensible: property-based tests (hypothesis) driving the real
application (``build_application``, real python-telegram-bot) through the local Bot API stand-in.

Every update gets a sensible reply or none: never an apology for an internal error, a traceback or an error
logged, never HTML the stand-in (which parses it as Telegram does) refuses, never a message to another chat.
Forged button data changes nothing it should not, non-admins are refused every admin command (and the
attempt is logged), and edited messages and messages without text are left alone.

One application per database backend serves the whole module (starting one costs more than a hundred
updates): it polls the stand-in from a thread of its own while the tests, in the main thread, play the users.
A sentinel "/help" in a chat of its own follows each update; updates are handled one at a time, so what
the bot did before answering the sentinel is exactly what it did for the update.

It stays one file (about 600 lines) for that shared application: split, each file would start its own.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, select
from telegram.ext import Application

from bot.admin_texts import text as admin_text
from bot.engine import ConversationEngine
from bot.texts_tg import tr
from bot.tg import admin
from bot.tg.app import build_application
from bot.tg.services import BotServices
from jobs import starter
from ogp_watch.settings import Settings
from storage import knowledge, subscriptions
from storage.database import make_engine, session_scope, sqlite_url
from storage.models import Chat, Subscription, SubscriptionKind
from storage.subscriptions import MAX_KEYWORD_LENGTH, MAX_SUBSCRIPTIONS_PER_CHAT
from tests.bot.hostile_input import TELEGRAM_PIECES, arguments, telegram_texts
from tests.bot.synthetic import SYNTHETIC_MEMBER, add_synthetic_plan
from tests.bot.tg.conftest import BOT_USERNAME, no_check
from tests.botapi_standin import ApiCall, BotApiStandIn, SentMessage
from tests.conftest import BACKENDS, _empty_tables, _require_postgres

ADMIN = 7001
PRIVATE = 7101
"""A user in a private chat with the bot; also a member (not an admin) of GROUP."""
OTHER = 7102
"""Another user whose subscriptions no one else may touch."""
GROUP = -1007300000001
GROUP_ADMIN = 7201
SENTINEL = 7999
IN_GROUP: dict[str, Any] = {"chat_type": "supergroup", "chat_title": "Synthetic test group"}
EXCHANGE_TIMEOUT_S = 30.0
START_TIMEOUT_S = 30.0

LEAK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy", "psycopg", "<class '", "Error:")
"""What a message must never contain: internals (an admin's "Cannot do that: …" is worded without them)."""
INTERNAL_ERROR_TEXTS = [tr(language, "apology") for language in ("en", "es")] + [
    admin_text(language, "internal_error") for language in ("en", "es")
]


# -- a bot running for the whole module -----------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock_records = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_records:
            self.records.append(record)

    def since(self, start: int) -> list[logging.LogRecord]:
        with self._lock_records:
            return list(self.records[start:])


@dataclass
class Exchange:
    """What the bot did for one update: messages sent or edited, callback answers, refused calls, log lines."""

    sent: list[SentMessage]
    answers: list[dict[str, Any]]
    failures: list[ApiCall]
    logged: list[logging.LogRecord]
    changes: dict[str, tuple[int, int]] = field(default_factory=dict)
    """table -> (rows before, rows after), for tables whose row count changed."""

    def texts(self) -> list[str]:
        return [message.plain_text or "" for message in self.sent]


class LiveBot:
    """The real application, polling the stand-in from its own thread and event loop."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.standin = BotApiStandIn(bot_username=BOT_USERNAME).start()
        configured = Settings(_env_file=None, telegram_token=self.standin.token,  # type: ignore[call-arg]
                              telegram_api_url=self.standin.base_url, admin_ids=frozenset({ADMIN}))
        self.services = BotServices(engine=engine, settings=configured, conversation=ConversationEngine(engine),
                                    check_sources=no_check)
        self.log = Records()
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="hostile-bot", daemon=True)

    def start(self) -> LiveBot:
        logging.getLogger().addHandler(self.log)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S) or self._failure is not None:
            raise RuntimeError(f"the bot did not start: {self._failure!r}")
        return self

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT_S)
        logging.getLogger().removeHandler(self.log)
        self.standin.close()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as failure:  # reported by start() or by the next exchange
            self._failure = failure
            self._started.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        application: Application = build_application(self.services.settings, self.services)  # type: ignore[type-arg]
        async with application:
            if application.post_init is not None:
                await application.post_init(application)
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0)
            await application.start()
            self._started.set()
            try:
                await self._stop.wait()
            finally:
                await application.updater.stop()
                await application.stop()

    def exchange(self, push: Callable[[], object]) -> Exchange:
        """``push`` one or more updates; what the bot did for them (waits for the sentinel's answer)."""
        standin = self.standin
        before = row_counts(self.engine)
        sent, calls, answers = len(standin.sent), len(standin.calls), len(standin.answered_callbacks)
        logged = len(self.log.records)
        push()
        standin.push_text(SENTINEL, "/help")
        standin.wait_for(
            lambda: self._failure is not None or any(m.chat_id == SENTINEL for m in standin.sent[sent:]),
            EXCHANGE_TIMEOUT_S, "the sentinel's answer",
        )
        if self._failure is not None:
            raise RuntimeError("the bot stopped") from self._failure
        # Everything for the pushed updates was recorded before the sentinel's answer; the lists only grow.
        done = next(i for i in range(sent, len(standin.sent)) if standin.sent[i].chat_id == SENTINEL)
        messages = standin.sent[sent:done]
        refused = [call for call in standin.calls[calls:] if call.error]
        answered = standin.answered_callbacks[answers:]
        after = row_counts(self.engine)
        changes = {name: (before.get(name, 0), after.get(name, 0))
                   for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
        return Exchange(messages, answered, refused, self.log.since(logged), changes)

    def say(self, chat_id: int, message: str, **push: Any) -> Exchange:
        return self.exchange(lambda: self.standin.push_text(chat_id, message, **push))

    def bot_message(self, chat_id: int, message: str, **push: Any) -> SentMessage:
        """Have the bot send a message in the chat (to press buttons under); the last one it sends."""
        exchange = self.say(chat_id, message, **push)
        assert exchange.sent, f"no reply to {message!r}"
        return exchange.sent[-1]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database (the search index's included)."""
    names = inspect(engine).get_table_names()
    with Session(engine) as session:
        return {name: session.connection().execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names}


def subscriptions_of_others(engine: Engine, chat_id: int) -> list[tuple[int, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Subscription).where(Subscription.chat_id != chat_id)).all()
        return sorted((row.chat_id, row.kind, row.value) for row in rows)


def chat_settings(engine: Engine) -> list[tuple[int, str, bool]]:
    with Session(engine) as session:
        return sorted((chat.id, chat.language, chat.active) for chat in session.exec(select(Chat)).all())


@pytest.fixture(scope="module", params=BACKENDS)
def live_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database of the module's own (per backend) with the starter data and a synthetic member."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("hostile") / "ogp-watch.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = sqlite_url(path)
    else:
        _require_postgres(request.getfixturevalue("postgres_server"))
        shared = request.getfixturevalue("_shared_postgres")
        _empty_tables(shared.engine)
        url = shared.url
    engine = make_engine(url)
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
        add_synthetic_plan(session)
    try:
        yield engine
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Stage:
    """What the module's bot has been through before the hostile updates: subscriptions in other chats,
    and bot messages (a list with remove buttons, an answer with buttons, a chart) to press buttons under."""

    bot: LiveBot
    private_messages: tuple[int, ...]
    group_messages: tuple[int, ...]
    group_answer: SentMessage
    """An answer in the group, for members to reply to."""


@pytest.fixture(scope="module")
def stage(live_engine: Engine) -> Iterator[Stage]:
    bot = LiveBot(live_engine).start()
    try:
        bot.standin.set_chat_admins(GROUP, [GROUP_ADMIN])
        for command in ("/subscribe Mexico", "/subscribe keyword trusts", "/subscribe reports"):
            bot.say(OTHER, command)
        bot.say(GROUP, "/subscribe withdrawals", user_id=GROUP_ADMIN, **IN_GROUP)
        group_answer = bot.bot_message(GROUP, f"@{BOT_USERNAME} summary of {SYNTHETIC_MEMBER}", **IN_GROUP)
        group_messages = (
            bot.bot_message(GROUP, "/subscriptions", user_id=GROUP_ADMIN, **IN_GROUP).message_id,
            group_answer.message_id,
        )
        bot.say(PRIVATE, "/subscribe status")
        private_messages = (
            bot.bot_message(PRIVATE, "/help").message_id,
            bot.bot_message(PRIVATE, "/subscriptions").message_id,
            bot.bot_message(PRIVATE, f"summary of {SYNTHETIC_MEMBER}'s 2nd action plan").message_id,
            bot.bot_message(PRIVATE, f"/chart {SYNTHETIC_MEMBER}").message_id,
        )
        yield Stage(bot, private_messages, group_messages, group_answer)
    finally:
        bot.close()


# -- what every exchange must satisfy --------------------------------------------------------------------


def assert_sensible(exchange: Exchange, chat_id: int) -> None:
    """No internal error shown or logged, nothing refused by Telegram, nothing said in another chat."""
    refused = [f"{call.method}: {call.error}" for call in exchange.failures if "not modified" not in (call.error or "")]
    assert refused == [], f"Telegram refused: {refused}"
    errors = [record.getMessage()[:300] for record in exchange.logged if record.levelno >= logging.ERROR]
    assert errors == [], f"errors logged: {errors}"
    for message in exchange.sent:
        assert message.chat_id == chat_id, f"a message to chat {message.chat_id}: {message.plain_text!r}"
        shown = message.plain_text or ""
        assert not any(marker in shown for marker in LEAK_MARKERS), shown
        assert not any(apology in shown for apology in INTERNAL_ERROR_TEXTS), shown
    for answer in exchange.answers:
        assert not any(apology in str(answer.get("text")) for apology in INTERNAL_ERROR_TEXTS), answer


# -- text ----------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(message=telegram_texts, language=st.sampled_from(["en", "es", "es-419", None, "", "xx", "ZH-hans"]))
@example(message="<b>unclosed & <a href='x'>", language="en")
@example(message="/", language="es")
@example(message="/ \u202e", language="en")
@example(message="x" * 4096, language="en")
@example(message="@" + BOT_USERNAME, language=None)
def test_any_text_in_a_private_chat_gets_an_answer_and_changes_nothing(stage: Stage, message: str,
                                                                     language: str | None) -> None:
    message = message.lstrip("/").strip() or "x"  # commands have a test of their own
    exchange = stage.bot.say(PRIVATE, message, language_code=language)
    assert_sensible(exchange, PRIVATE)
    assert exchange.sent, f"no answer to {message[:80]!r}"
    assert exchange.changes == {}


@settings(max_examples=50, deadline=None)
@given(message=telegram_texts, addressed=st.sampled_from(["not", "mention", "mention-after", "reply"]),
       sender=st.sampled_from([PRIVATE, GROUP_ADMIN]))
@example(message="@" + BOT_USERNAME + "x", addressed="not", sender=PRIVATE)
@example(message="", addressed="mention", sender=PRIVATE)
def test_in_a_group_only_messages_for_the_bot_are_answered(stage: Stage, message: str, addressed: str,
                                                            sender: int) -> None:
    message = message.lstrip("/")  # commands have a test of their own
    bot = stage.bot
    if addressed == "reply":
        chat = {"id": GROUP, "type": "supergroup", "title": IN_GROUP["chat_title"]}
        replied = {"message_id": stage.group_answer.message_id, "from": bot.standin.bot_user, "date": 0,
                   "chat": chat, "text": stage.group_answer.plain_text}
        update = {"message": {"message_id": 10_000 + len(bot.standin.sent), "date": 0, "chat": chat,
                              "text": message.strip() or ".", "reply_to_message": replied,
                              "from": {"id": sender, "is_bot": False, "first_name": "Ana"}}}
        exchange = bot.exchange(lambda: bot.standin.push_update(update))
    else:
        shown = {"not": message, "mention": f"@{BOT_USERNAME} {message}",
                 "mention-after": f"{message} @{BOT_USERNAME}"}[addressed]
        if not shown.strip() or shown.startswith("/"):
            shown = f"x {shown}"
        exchange = bot.say(GROUP, shown, user_id=sender, **IN_GROUP)
    assert_sensible(exchange, GROUP)
    if addressed == "not" and f"@{BOT_USERNAME}".lower() not in message.lower():
        assert exchange.sent == [], "answered a message not meant for the bot"
    elif addressed != "not":
        assert exchange.sent, "no answer to a message meant for the bot"
    assert exchange.changes == {}


# -- commands ------------------------------------------------------------------------------------------

PUBLIC_COMMANDS = ["start", "help", "lang", "subscribe", "subscriptions", "unsubscribe", "chart"]
COMMAND_NAMES = [*PUBLIC_COMMANDS, "frobnicate", "START", "Help", "x" * 32, f"help@{BOT_USERNAME}",
                 "subscribe@other_bot", f"chart@{BOT_USERNAME}", f"frobnicate@{BOT_USERNAME}", *admin.COMMANDS]
absurd = st.one_of(arguments, st.sampled_from(TELEGRAM_PIECES), st.just("x" * 10_000),
                   st.text(min_size=3000, max_size=4000))


@settings(max_examples=80, deadline=None)
@given(command=st.sampled_from(COMMAND_NAMES), argument=absurd,
       where=st.sampled_from(["private", "group-admin", "group-member"]))
@example(command="subscribe", argument="y" * 10_000, where="private")
@example(command="subscribe", argument="keyword " + "z" * 10_000, where="private")
@example(command="lang", argument="xx", where="private")
@example(command="chart", argument="", where="private")
@example(command="chart", argument="of nothing", where="group-member")
@example(command="unsubscribe", argument="\x00" * 50, where="group-admin")
def test_commands_with_absurd_arguments_get_a_sensible_reply(stage: Stage, command: str, argument: str,
                                                             where: str) -> None:
    chat, user, push = {"private": (PRIVATE, PRIVATE, {}), "group-admin": (GROUP, GROUP_ADMIN, IN_GROUP),
                        "group-member": (GROUP, PRIVATE, IN_GROUP)}[where]
    message = f"/{command} {argument}"[:4096]
    if not message.rstrip():
        return
    others = subscriptions_of_others(stage.bot.engine, chat)
    exchange = stage.bot.say(chat, message, user_id=user, **push)
    assert_sensible(exchange, chat)
    name, _, target = command.partition("@")
    if (name in PUBLIC_COMMANDS or name in admin.COMMANDS) and target in {"", BOT_USERNAME}:
        assert exchange.sent, f"no reply to {message[:80]!r}"
    assert subscriptions_of_others(stage.bot.engine, chat) == others
    if where == "group-member":
        assert exchange.changes == {}, "a group member who is not its admin changed something"


def test_absurd_subscription_arguments_change_nothing(stage: Stage) -> None:
    bot = stage.bot
    before = subscriptions_of_others(bot.engine, 0)
    checks = [("/subscribe " + "y" * 10_000, tr("en", "sub_unknown", name="y" * 59 + "…")),
              ("/lang xx", tr("en", "lang_usage")),
              ("/chart", tr("en", "chart_usage")),
              ("/unsubscribe " + "q" * 2000, tr("en", "sub_unknown", name="q" * 59 + "…"))]
    for message, expected in checks:
        exchange = bot.say(PRIVATE, message)
        assert_sensible(exchange, PRIVATE)
        assert [text.split("\n")[0] for text in exchange.texts()] == [expected.split("\n")[0]]
    assert subscriptions_of_others(bot.engine, 0) == before


# -- buttons -------------------------------------------------------------------------------------------

ids = st.one_of(st.integers(1, 40), st.integers(1, 999_999_999), st.integers(10**9, 10**30))
well_formed = st.one_of(
    st.builds("sub:m:{}".format, ids),
    st.builds("unsub:{}".format, ids),
    st.builds("ask:commitments:{}".format, ids),
    st.builds("page:{}:commitments:{}".format, ids, ids),
    st.builds("page:{}:commitments:{}".format, st.integers(-5, 5), st.integers(-5, 40)),
)
callback_data = st.one_of(
    well_formed,
    st.text(min_size=1, max_size=64).filter(lambda data: len(data.encode()) <= 64),
    st.from_regex(r"(sub|unsub|page|ask):[0-9a-z:\-+ ]{0,40}", fullmatch=True),
).filter(lambda data: 1 <= len(data.encode()) <= 64)


@settings(max_examples=80, deadline=None)
@given(data=callback_data, target=st.integers(0, 5), where=st.sampled_from(["private", "group-member", "group-admin"]))
@example(data="page:2:commitments:1", target=3, where="private")  # under the chart, a photo
@example(data="unsub:1", target=1, where="private")  # OTHER's subscription, from PRIVATE's list
@example(data="unsub:4", target=0, where="group-member")  # the group's own: a member is not its admin
@example(data="unsub:1", target=0, where="group-admin")  # OTHER's, from the group
@example(data="page:99999:commitments:999999999", target=0, where="private")
def test_forged_button_data_changes_nothing_it_should_not(stage: Stage, data: str, target: int, where: str) -> None:
    """Anyone's client can send any data under any of the bot's messages. A private chat may subscribe
    itself (it could with /subscribe); no one may change another chat's subscriptions, and a group member
    who is not its admin may change nothing."""
    bot = stage.bot
    in_group = where != "private"
    chat, messages = (GROUP, stage.group_messages) if in_group else (PRIVATE, stage.private_messages)
    user = GROUP_ADMIN if where == "group-admin" else PRIVATE
    message_id = messages[target % len(messages)]
    others, chats = subscriptions_of_others(bot.engine, chat), chat_settings(bot.engine)
    exchange = bot.exchange(lambda: bot.standin.push_callback(chat, user, data, message_id=message_id,
                                                              chat_type="supergroup" if in_group else "private"))
    assert_sensible(exchange, chat)
    assert len(exchange.answers) == 1, "every button press must be answered once (the client waits for it)"
    assert subscriptions_of_others(bot.engine, chat) == others
    assert chat_settings(bot.engine) == chats
    if where == "group-member":
        assert exchange.changes == {}


def test_stale_and_foreign_remove_buttons_remove_nothing(stage: Stage) -> None:
    bot = stage.bot
    with Session(bot.engine) as session:
        foreign = session.exec(select(Subscription).where(Subscription.chat_id == OTHER)).first()
        assert foreign is not None
    bot.say(PRIVATE, "/subscribe keyword synthetic stale")
    listing = bot.bot_message(PRIVATE, "/subscriptions")
    stale = next(button["callback_data"] for row in listing.reply_markup["inline_keyboard"] for button in row
                 if "synthetic stale" in button["text"])
    bot.say(PRIVATE, "/unsubscribe keyword synthetic stale")
    before = subscriptions_of_others(bot.engine, 0)
    for data in (stale, f"unsub:{foreign.id}"):
        exchange = bot.exchange(lambda data=data: bot.standin.push_callback(PRIVATE, PRIVATE, data,
                                                                            message_id=listing.message_id))
        assert_sensible(exchange, PRIVATE)
        assert [answer.get("text") for answer in exchange.answers] == [tr("en", "unsub_gone")]
    assert subscriptions_of_others(bot.engine, 0) == before


def test_a_page_button_under_a_chart_sends_the_page(stage: Stage) -> None:
    """Regression: "next page" forged under a photo made the bot edit a message that has no text, which
    Telegram refuses; the user got an apology and the log a traceback."""
    bot = stage.bot
    with Session(bot.engine) as session:
        member = knowledge.find_member(session, SYNTHETIC_MEMBER)
        assert member is not None
    chart = stage.private_messages[-1]
    exchange = bot.exchange(lambda: bot.standin.push_callback(PRIVATE, PRIVATE, f"page:2:commitments:{member.id}",
                                                              message_id=chart))
    assert_sensible(exchange, PRIVATE)
    assert len(exchange.sent) == 1 and "synthetic topic 11" in exchange.texts()[0]


# -- updates that are not new text messages -------------------------------------------------------------


def _raw_message(chat_id: int, user_id: int, **content: Any) -> dict[str, Any]:
    chat = ({"id": chat_id, "type": "private", "first_name": "Test"} if chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Synthetic test group"})
    return {"message_id": 20_000, "date": 0, "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": "Test"}, **content}


PHOTO = [{"file_id": "synthetic-photo", "file_unique_id": "p1", "width": 10, "height": 10}]
SILENT_UPDATES: dict[str, Callable[[], dict[str, Any]]] = {
    "edited command": lambda: {"edited_message": _raw_message(
        PRIVATE, PRIVATE, text="/subscribe keyword edited synthetic words", edit_date=1,
        entities=[{"type": "bot_command", "offset": 0, "length": 10}])},
    "edited admin command": lambda: {"edited_message": _raw_message(
        ADMIN, ADMIN, text="/source_add https://8.8.8.8/edited page", edit_date=1,
        entities=[{"type": "bot_command", "offset": 0, "length": 11}])},
    "edited question": lambda: {"edited_message": _raw_message(PRIVATE, PRIVATE, text="status of Mexico commitment 9",
                                                               edit_date=1)},
    "sticker": lambda: {"message": _raw_message(PRIVATE, PRIVATE, sticker={
        "file_id": "synthetic-sticker", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
        "is_animated": False, "is_video": False, "emoji": "🤖"})},
    "photo with a command caption": lambda: {"message": _raw_message(
        PRIVATE, PRIVATE, photo=PHOTO, caption="/subscribe Mexico",
        caption_entities=[{"type": "bot_command", "offset": 0, "length": 10}])},
    "photo in a group, mentioning the bot": lambda: {"message": _raw_message(
        GROUP, PRIVATE, photo=PHOTO, caption=f"@{BOT_USERNAME} status of Mexico commitment 9")},
    "location": lambda: {"message": _raw_message(PRIVATE, PRIVATE, location={"latitude": 0.0, "longitude": 0.0})},
    "contact": lambda: {"message": _raw_message(PRIVATE, PRIVATE, contact={"phone_number": "+0", "first_name": "X"})},
    "dice": lambda: {"message": _raw_message(PRIVATE, PRIVATE, dice={"emoji": "🎲", "value": 3})},
    "bot added to a group": lambda: {"message": _raw_message(GROUP, GROUP_ADMIN, new_chat_members=[
        {"id": 123456, "is_bot": True, "first_name": "OGP Watch Test", "username": BOT_USERNAME}])},
    "someone left": lambda: {"message": _raw_message(GROUP, GROUP_ADMIN, left_chat_member={
        "id": PRIVATE, "is_bot": False, "first_name": "Test"})},
    "title changed": lambda: {"message": _raw_message(GROUP, GROUP_ADMIN, new_chat_title="<b>&")},
    "channel post command": lambda: {"channel_post": {
        "message_id": 1, "date": 0, "chat": {"id": -1007300000002, "type": "channel", "title": "A channel"},
        "text": "/subscribe Mexico", "entities": [{"type": "bot_command", "offset": 0, "length": 10}]}},
    "edited channel post": lambda: {"edited_channel_post": {
        "message_id": 1, "date": 0, "edit_date": 1, "text": "/help",
        "chat": {"id": -1007300000002, "type": "channel", "title": "A channel"}}},
    "bot blocked": lambda: {"my_chat_member": {
        "chat": {"id": PRIVATE, "type": "private", "first_name": "Test"}, "date": 0,
        "from": {"id": PRIVATE, "is_bot": False, "first_name": "Test"},
        "old_chat_member": {"status": "member", "user": {"id": 123456, "is_bot": True, "first_name": "B"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 123456, "is_bot": True, "first_name": "B"}}}},
}


@pytest.mark.parametrize("kind", list(SILENT_UPDATES))
def test_edited_messages_and_messages_without_text_are_left_alone(stage: Stage, kind: str) -> None:
    bot = stage.bot
    exchange = bot.exchange(lambda: bot.standin.push_update(SILENT_UPDATES[kind]()))
    assert_sensible(exchange, PRIVATE)
    assert exchange.sent == [] and exchange.changes == {}


# -- admin commands ------------------------------------------------------------------------------------

ADMIN_ARGUMENTS = ["", "1", "#1", "https://8.8.8.8/ page 6h", "-1", "99999999999999999999", "x" * 5000, "<b>&",
                   "١", "²"]


@pytest.mark.parametrize("where", ["private", "group"])
def test_non_admins_are_refused_every_admin_command_and_it_is_logged(stage: Stage, where: str) -> None:
    """Every command in ``bot.tg.admin.COMMANDS``, so a new one is covered without changing this test; a
    group's admin is not the bot's admin."""
    bot = stage.bot
    chat, user, push = (PRIVATE, PRIVATE, {}) if where == "private" else (GROUP, GROUP_ADMIN, IN_GROUP)
    assert admin.COMMANDS, "no admin commands to check"
    for name in admin.COMMANDS:
        for argument in ADMIN_ARGUMENTS:
            message = f"/{name} {argument}".strip()
            exchange = bot.say(chat, message, user_id=user, **push)
            assert_sensible(exchange, chat)
            assert exchange.texts() == [admin_text("en", "refused")], message[:80]
            assert exchange.changes == {}, message[:80]
            refusals = [record.getMessage() for record in exchange.logged if record.name == "bot.tg.admin"]
            assert refusals == [f"refused /{name} from user {user} in chat {chat}: not an admin"], message[:80]


SOURCE_NUMBER_COMMANDS = ["source_pause", "source_resume", "source_remove", "check"]
@pytest.mark.parametrize("argument", [
    "-1", "0", "1e9", "x" * 5000, "<b>&",
    "99999999999999999999", "2147483648", "²", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠",
])
def test_an_admin_giving_an_absurd_source_number_gets_the_reason(stage: Stage, argument: str) -> None:
    bot = stage.bot
    for name in SOURCE_NUMBER_COMMANDS:
        exchange = bot.say(ADMIN, f"/{name} {argument}")
        assert_sensible(exchange, ADMIN)
        assert len(exchange.sent) == 1, name
        assert exchange.texts()[0].startswith("Cannot do that:"), (name, exchange.texts())
        assert exchange.changes == {}


# -- a chat that subscribed to as much as it may ----------------------------------------------------------

CROWDED = 7301


def test_a_chat_with_the_most_subscriptions_still_gets_its_list_and_can_remove_one(stage: Stage) -> None:
    """Regression: a hundred long keywords made the /subscriptions list longer than a Telegram message; the
    list was refused and the chat got an apology instead."""
    bot = stage.bot
    with session_scope(bot.engine) as session:
        subscriptions.ensure_chat(session, CROWDED)
        for number in range(MAX_SUBSCRIPTIONS_PER_CHAT):
            phrase = f"synthetic keyword {number:03d} " + "x" * MAX_KEYWORD_LENGTH
            subscriptions.subscribe(session, CROWDED, SubscriptionKind.KEYWORD, phrase, phrase[:MAX_KEYWORD_LENGTH])
    exchange = bot.say(CROWDED, "/subscriptions")
    assert_sensible(exchange, CROWDED)
    assert exchange.sent
    keyboard = exchange.sent[-1].reply_markup or {}
    remove = [button["callback_data"] for row in keyboard.get("inline_keyboard", []) for button in row]
    assert len(remove) == MAX_SUBSCRIPTIONS_PER_CHAT
    pressed = bot.exchange(lambda: bot.standin.push_callback(CROWDED, CROWDED, remove[0],
                                                             message_id=exchange.sent[-1].message_id))
    assert_sensible(pressed, CROWDED)
    rows_before, rows_after = pressed.changes.pop("subscription")
    assert (rows_after, pressed.changes) == (rows_before - 1, {})
    assert pressed.sent and pressed.sent[-1].edited  # the list, redrawn without the removed one


HOSTILE_TITLES = ["\x00<b>&amp;", "\u202e" + "𝕏" * 300, "'; DROP TABLE chat; --", "{0} %s", "\ud7ff\ufeff\u200b"]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_a_group_with_any_title_can_start_subscribe_and_choose_its_language(stage: Stage, title: str) -> None:
    bot = stage.bot
    group = -1007300000100 - HOSTILE_TITLES.index(title)
    bot.standin.set_chat_admins(group, [GROUP_ADMIN])
    push = {"user_id": GROUP_ADMIN, "chat_type": "supergroup", "chat_title": title, "language_code": "xx-weird"}
    for command in ("/start", "/subscribe reports", "/lang es", "/subscriptions"):
        exchange = bot.say(group, command, **push)
        assert_sensible(exchange, group)
        assert len(exchange.sent) == 1, command
    with Session(bot.engine) as session:
        stored = session.get(Chat, group)
        assert stored is not None and stored.language == "es"
    kept = stored.title or ""  # a title of invisible characters only is no title
    assert len(kept) <= 200 and not any(unicodedata.category(ch)[0] == "C" for ch in kept)
