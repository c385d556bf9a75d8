"""The bot token and the webhook secret never reach the log, even at DEBUG for every library.

The bot runs as ``ogp-watch run`` starts it (``build_application`` and ``receiving_updates``, by polling and
by webhook) against the local Bot API stand-in, through a session of questions, commands, admin commands,
a button press and the refusals Telegram answers with (429, 403, 500, for sends and for polling). Logging
is configured by ``configure_logging`` at DEBUG, then root, telegram, httpx, httpcore and apscheduler are
all opened to DEBUG (whatever ``configure_logging`` chose for them) and every record is captured: its
formatted message, exception text and stack included.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator

import pytest
from sqlalchemy import Engine
from telegram.ext import Application

from bot.engine import ConversationEngine
from bot.tg.app import build_application
from bot.tg.serve import BotStartError, receiving_updates
from bot.tg.services import BotServices
from bot.tg.webhook_server import Health, WebhookCounters
from jobs import starter
from jobs.check import CheckReport
from ogp_watch.app import configure_logging
from ogp_watch.settings import Settings
from storage.database import session_scope
from tests.botapi_standin import BotApiStandIn

TOKEN = "7391045123:AAH-synthetic_Token-never-LOGGED-0042"
WEBHOOK_SECRET = "synthetic-webhook-secret_never_LOGGED"
SECRETS = (TOKEN, TOKEN.split(":", 1)[1], WEBHOOK_SECRET)
ADMIN = 4343
READER = 5353
SENTINEL = 6363
VERBOSE_LOGGERS = ("", "telegram", "httpx", "httpcore", "apscheduler")
WAIT_S = 20.0
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class EveryRecord(logging.Handler):
    """Each record as an operator's log would show it: message, exception text and stack, formatted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter(FORMAT))
        self.lines: list[str] = []
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        shown = self.format(record)
        with self._guard:
            self.lines.append(shown)

    def leaks(self) -> list[str]:
        with self._guard:
            return [line[:300] for line in self.lines if any(secret in line for secret in SECRETS)]


@pytest.fixture
def debug_logs() -> Iterator[Callable[[Settings], EveryRecord]]:
    """``configure(settings)``: logging as ``ogp-watch`` configures it, then everything opened to DEBUG."""
    factory = logging.getLogRecordFactory()
    levels = {name: logging.getLogger(name).level for name in VERBOSE_LOGGERS}
    handler = EveryRecord()

    def configure(settings: Settings) -> EveryRecord:
        configure_logging(settings)
        for name in VERBOSE_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)
        logging.getLogger().addHandler(handler)
        return handler

    try:
        yield configure
    finally:
        logging.getLogger().removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        logging.setLogRecordFactory(factory)


async def no_check(source_ids: list[int]) -> list[CheckReport]:
    return []


async def healthy() -> Health:
    return Health(True, {})


async def no_metrics(counters: WebhookCounters) -> str:
    return ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _settings(standin: BotApiStandIn, **extra: object) -> Settings:
    return Settings(_env_file=None, telegram_token=TOKEN, telegram_api_url=standin.base_url,  # type: ignore[call-arg]
                    admin_ids=frozenset({ADMIN}), log_level="DEBUG", webhook_secret=WEBHOOK_SECRET, **extra)


def _serve(engine: Engine, settings: Settings, session: Callable[[], Awaitable[None]]) -> None:
    """Start the bot as ``ogp-watch run`` does, run ``session`` while it answers, stop it."""
    services = BotServices(engine=engine, settings=settings, conversation=ConversationEngine(engine),
                           check_sources=no_check)

    async def main() -> None:
        application: Application = build_application(settings, services)  # type: ignore[type-arg]
        async with receiving_updates(application, settings, health=healthy, metrics=no_metrics):
            await asyncio.wait_for(session(), 60)

    asyncio.run(main())


async def _answered(standin: BotApiStandIn, push: Callable[[], object]) -> None:
    """Push updates, then a sentinel /help; returns once the sentinel is answered (updates are handled in
    order, so the pushed ones have been handled, their failures included)."""
    before = len(standin.sent)
    push()
    standin.push_text(SENTINEL, "/help")
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not any(message.chat_id == SENTINEL for message in standin.sent[before:]):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the sentinel was not answered")
        await asyncio.sleep(0.02)


async def _conversation(standin: BotApiStandIn) -> None:
    """Questions, commands, admin commands, a button, and Telegram refusing sends."""
    say = standin.push_text
    await _answered(standin, lambda: (say(READER, "status of Mexico commitment 9"), say(READER, "/start"),
                                      say(READER, "/subscribe Mexico"), say(READER, "/stats")))
    await _answered(standin, lambda: (say(ADMIN, "/stats"), say(ADMIN, "/sources"),
                                      say(ADMIN, "/source_add not-a-url"), say(ADMIN, "/check 99")))
    listing = [m for m in standin.sent_to(READER) if m.reply_markup]
    if listing:
        data = listing[-1].reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
        await _answered(standin, lambda: standin.push_callback(READER, READER, data, message_id=listing[-1].message_id))
    for code, retry_after in ((429, 1), (403, None), (500, None), (502, None)):
        standin.fail_next("sendMessage", error_code=code, retry_after=retry_after, chat_id=READER, times=2)
        await _answered(standin, lambda: say(READER, "is Mexico City still a member?"))
    standin.fail_next("answerCallbackQuery", error_code=400, description="Bad Request: query is too old")
    await _answered(standin, lambda: say(READER, "/subscriptions"))


def test_polling_session_with_refusals_never_logs_the_token(engine: Engine,
                                                            debug_logs: Callable[[Settings], EveryRecord]) -> None:
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
    with BotApiStandIn(token=TOKEN) as standin:
        settings = _settings(standin)
        records = debug_logs(settings)

        async def session() -> None:
            await _conversation(standin)
            standin.fail_next("getUpdates", error_code=500, times=2)
            standin.fail_next("getUpdates", error_code=429, retry_after=1)
            await _answered(standin, lambda: standin.push_text(READER, "which members withdrew?"))

        _serve(engine, settings, session)
    assert len(records.lines) > 100, "DEBUG logging was not on: this test would prove nothing"
    assert any("getUpdates" in line for line in records.lines), "the Bot API calls were not logged"
    assert records.leaks() == []


def test_webhook_session_never_logs_the_token_or_the_secret(engine: Engine,
                                                            debug_logs: Callable[[Settings], EveryRecord]) -> None:
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
    port = _free_port()
    with BotApiStandIn(token=TOKEN) as standin:
        settings = _settings(standin, webhook_url=f"http://127.0.0.1:{port}/synthetic-hook",
                             webhook_listen="127.0.0.1", webhook_port=port)
        records = debug_logs(settings)

        async def session() -> None:
            await _conversation(standin)

        _serve(engine, settings, session)
        assert standin.webhook_deliveries and all(d.status == 200 for d in standin.webhook_deliveries)
    assert any("setWebhook" in line for line in records.lines), "the Bot API calls were not logged"
    assert records.leaks() == []


@pytest.mark.parametrize("where", ["wrong token", "no Bot API"])
def test_a_failed_start_never_logs_the_token(engine: Engine, debug_logs: Callable[[Settings], EveryRecord],
                                             where: str) -> None:
    with BotApiStandIn(token="1:another-bot") as standin:
        api_url = standin.base_url if where == "wrong token" else f"http://127.0.0.1:{_free_port()}/bot"
        settings = Settings(_env_file=None, telegram_token=TOKEN, telegram_api_url=api_url,  # type: ignore[call-arg]
                            log_level="DEBUG")
        records = debug_logs(settings)

        async def never() -> None:
            raise AssertionError("the bot started")

        with pytest.raises(BotStartError) as refused:
            _serve(engine, settings, never)
    assert not any(secret in str(refused.value) for secret in SECRETS)
    assert len(records.lines) > 5
    assert records.leaks() == []
