"""``ogp-watch run``: the watcher on its schedule, and the terminal chat in front of it.

Without a Telegram token this is the whole product on one machine: checks run in the background, alerts
are printed in the terminal, and questions typed there are answered. SIGTERM or SIGINT (Ctrl-C) stops it
cleanly: the scheduler stops ticking and checks in progress finish or hand their sources back.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from bot.engine import ConversationEngine
from bot.terminal import run_chat
from jobs.scheduler import Watcher
from ogp_watch.app import fetch_policy
from ogp_watch.settings import Settings
from storage import sources
from storage.models import Event


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


def run(engine: Engine, settings: Settings, *, chat: bool) -> int:
    return asyncio.run(_run(engine, settings, chat=chat))


async def _run(engine: Engine, settings: Settings, *, chat: bool) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    watcher = Watcher(engine, fetch_policy(settings), tick_seconds=settings.check_tick_seconds,
                      concurrency=settings.check_concurrency, on_events=print_alerts())
    await watcher.start()
    with Session(engine) as session:
        watched = sum(1 for source in sources.all_sources(session) if source.enabled)
    print(f"OGP Watch is watching {watched} sources (`ogp-watch sources list`); alerts appear here.", flush=True)
    if chat:
        # input() cannot be interrupted from the event loop, so the chat gets a daemon thread of its own;
        # leaving the chat (quit, Ctrl-D) stops the whole program like a signal would.
        conversation = ConversationEngine(engine)
        threading.Thread(
            target=lambda: (run_chat(conversation), loop.call_soon_threadsafe(stop.set)), daemon=True
        ).start()
    else:
        print("Stop with Ctrl-C or SIGTERM.", flush=True)
    await stop.wait()
    await watcher.stop()
    return 0
