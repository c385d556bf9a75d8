"""``ogp-watch run``: the watcher on its schedule, with the Telegram bot or the terminal chat in front.

Without a Telegram token this is the whole product on one machine: checks run in the background, alerts
are printed in the terminal, and questions typed there are answered. With a token the bot answers chats
and the alert dispatcher sends what the watcher finds. A deployment can split the work by role: ``bot``
processes only receive updates (any number behind one webhook URL), ``worker`` processes only check
sources and send alerts (any number on PostgreSQL; one on SQLite). SIGTERM or SIGINT (Ctrl-C) stops it
cleanly: the scheduler stops ticking, checks in progress finish or hand their sources back, and sends in
flight complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from enum import StrEnum
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from bot.engine import ConversationEngine
from bot.terminal import run_chat
from bot.tg.app import build_application
from bot.tg.sender import TelegramSender, build_bot
from bot.tg.serve import BotStartError, Receiving, receiving_updates
from bot.tg.services import BotServices
from bot.tg.webhook_server import WebhookCounters
from jobs.check import CheckReport
from jobs.deliver import DEFAULT_CONCURRENCY, Dispatcher, DispatchStats
from jobs.rate_limit import DeliveryLimits
from jobs.scheduler import Watcher
from ogp_watch.app import check_now, fetch_policy
from ogp_watch.errors import UserError
from ogp_watch.metrics import ProcessCounters, database_health, render_metrics
from ogp_watch.settings import Settings
from storage import sources
from storage.models import Event
from storage.process_lock import AlreadyRunning, single_scheduler

log = logging.getLogger(__name__)


def alert_text(event: Event) -> str:
    evidence = f"\n   “{event.evidence[:300]}”" if event.evidence else ""
    return f"🔔 {event.title}{evidence}\n   Source: {event.url}"


def print_alerts(out: TextIO | None = None) -> Callable[[list[Event]], None]:
    """Alerts in the terminal: events found by the watcher, except what a new source merely already listed."""

    def show(found: list[Event]) -> None:
        for event in found:
            if not event.baseline:
                print("\n" + alert_text(event), file=out, flush=True)

    return show


class Role(StrEnum):
    ALL = "all"
    BOT = "bot"  # receive Telegram updates only
    WORKER = "worker"  # check sources and send alerts only


def run(engine: Engine, settings: Settings, *, chat: bool, role: Role = Role.ALL) -> int:
    return asyncio.run(_run(engine, settings, chat=chat, role=role))


async def _run(engine: Engine, settings: Settings, *, chat: bool, role: Role) -> int:
    on_telegram = settings.telegram_token is not None
    if role is not Role.ALL and not on_telegram:
        raise UserError(f"the {role.value} role is for a Telegram deployment: set OGP_WATCH_TELEGRAM_TOKEN")
    watches = role in (Role.ALL, Role.WORKER)
    receives = on_telegram and role in (Role.ALL, Role.BOT)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    counters = ProcessCounters()
    try:
        scheduler_lock = single_scheduler(engine) if watches else contextlib.nullcontext()
        with scheduler_lock:
            async with contextlib.AsyncExitStack() as running:
                if receives:
                    receiving = await running.enter_async_context(telegram_front_end(engine, settings, counters))
                    print(receiving.describe() + ".", flush=True)
                if watches:
                    if on_telegram:
                        running.push_async_callback(_deliver_alerts(engine, settings, stop, counters))
                    await _start_watching(engine, settings, running, counters, alerts_here=not on_telegram)
                if chat and role is Role.ALL:
                    # input() cannot be interrupted from the event loop, so the chat gets a daemon thread of
                    # its own; leaving the chat (quit, Ctrl-D) stops the whole program like a signal would.
                    conversation = ConversationEngine(engine)

                    def chat_then_stop() -> None:
                        run_chat(conversation, database=engine)
                        loop.call_soon_threadsafe(stop.set)

                    threading.Thread(target=chat_then_stop, daemon=True).start()
                else:
                    print("Stop with Ctrl-C or SIGTERM.", flush=True)
                await stop.wait()
    except AlreadyRunning as error:
        raise UserError(str(error)) from None
    print("Stopped.", flush=True)
    return 0


async def _start_watching(
    engine: Engine, settings: Settings, running: contextlib.AsyncExitStack, counters: ProcessCounters,
    *, alerts_here: bool,
) -> None:
    # With a bot, events reach chats through the outbox (the dispatcher fans them out from the database);
    # without one, the terminal is where alerts go.
    watcher = Watcher(engine, fetch_policy(settings), tick_seconds=settings.check_tick_seconds,
                      concurrency=settings.check_concurrency, on_events=print_alerts() if alerts_here else None,
                      on_report=counters.on_report, lease=timedelta(seconds=settings.check_lease_seconds))
    await watcher.start()
    running.push_async_callback(watcher.stop)
    with Session(engine) as session:
        watched = sum(1 for source in sources.all_sources(session) if source.enabled)
    where = "here" if alerts_here else "to subscribed Telegram chats"
    print(f"OGP Watch is watching {watched} sources (`ogp-watch sources list`); alerts go {where}.", flush=True)


@contextlib.asynccontextmanager
async def telegram_front_end(engine: Engine, settings: Settings, counters: ProcessCounters) -> AsyncIterator[Receiving]:
    """The bot answering chats and admins, in this process's event loop."""
    policy = fetch_policy(settings)

    async def check_sources(source_ids: list[int]) -> list[CheckReport]:
        return await check_now(engine, policy, source_ids or None, settings.check_concurrency,
                               on_done=counters.on_report)

    async def metrics(webhook: WebhookCounters) -> str:
        return await asyncio.to_thread(render_metrics, engine, counters, webhook)

    services = BotServices(engine, settings, ConversationEngine(engine), check_sources)
    try:
        async with receiving_updates(build_application(settings, services), settings,
                                     health=lambda: database_health(engine), metrics=metrics) as receiving:
            yield receiving
    except BotStartError as error:
        raise UserError(str(error)) from None


def _deliver_alerts(
    engine: Engine, settings: Settings, stop: asyncio.Event, counters: ProcessCounters
) -> Callable[[], Awaitable[None]]:
    """Start the alert dispatcher on its own Bot (its connection pool sized to its concurrency); the
    returned callback waits for it to finish once ``stop`` is set (sends in flight complete first)."""
    assert settings.telegram_token is not None
    bot = build_bot(settings.telegram_token.get_secret_value(), settings.telegram_api_url,
                    connections=DEFAULT_CONCURRENCY)
    dispatcher = Dispatcher(engine, TelegramSender(bot), DeliveryLimits.from_settings(settings),
                            claim_ttl=settings.delivery_claim_seconds, admin_chat_ids=settings.admin_ids)

    def on_pass(stats: DispatchStats) -> None:
        counters.on_delivery_pass(stats)
        log.info("alerts: %s", stats.summary())

    async def deliver() -> None:
        async with bot:
            await dispatcher.run(stop, on_pass=on_pass)

    task = asyncio.create_task(deliver(), name="alert-dispatcher")

    async def finish() -> None:
        stop.set()
        try:
            await task
        except Exception:  # the sender could not send at all (e.g. the token was revoked meanwhile)
            log.exception("alert delivery stopped")

    return finish
