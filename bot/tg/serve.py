"""Receiving updates: long polling for development, a webhook (with its secret token) for deployment.

``Application.run_polling`` / ``run_webhook`` own the event loop and the signals; OGP Watch runs the
watcher and the alert dispatcher in the same loop, so it drives the application's life cycle itself, in
the order PTB's own runners use: initialise (getMe), ``post_init`` (the command menus; PTB calls it only
from its runners), start receiving, start the application, and stop the same way in reverse. Polling uses
PTB's updater; the webhook is our own server (``bot.tg.webhook_server``), which adds health and metrics.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from bot.tg.settings import TelegramSettings
from bot.tg.webhook_server import HealthCheck, WebhookCounters, WebhookServer

log = logging.getLogger(__name__)


class BotStartError(Exception):
    """The bot could not start; the message says why in words an operator can act on (never the token)."""


@dataclass(frozen=True)
class Receiving:
    """How updates reach this process, for the start-up line."""

    username: str
    mode: str  # "polling" or "webhook"
    detail: str

    def describe(self) -> str:
        return f"Telegram bot @{self.username} is answering ({self.mode}{', ' + self.detail if self.detail else ''})"


def webhook_path(webhook_url: str) -> str:
    """The local path the webhook server answers on: the public URL's path (a reverse proxy in front is
    expected to pass it through unchanged)."""
    return urlsplit(webhook_url).path.strip("/")


@asynccontextmanager
async def receiving_updates(
    application: Application,
    settings: TelegramSettings,
    *,
    health: HealthCheck,
    metrics: Callable[[WebhookCounters], Awaitable[str]],
) -> AsyncIterator[Receiving]:
    """Updates flow to the handlers inside the ``async with``; leaving it stops them and shuts PTB down.

    In webhook mode ``/healthz`` answers from ``health`` and ``/metrics`` from ``metrics`` (given the
    webhook's own counters) on the webhook's port."""
    if settings.webhook_url and settings.webhook_secret is None:
        raise BotStartError(
            "webhook mode needs a secret: set OGP_WATCH_WEBHOOK_SECRET (1-256 characters: A-Z a-z 0-9 _ -), "
            "or unset OGP_WATCH_WEBHOOK_URL to poll"
        )
    try:
        await application.initialize()
    except InvalidToken:
        raise BotStartError("Telegram refused the bot token (OGP_WATCH_TELEGRAM_TOKEN)") from None
    except NetworkError as error:
        raise BotStartError(f"cannot reach the Bot API at {settings.telegram_api_url}: {error}") from None
    server: WebhookServer | None = None
    updater = application.updater
    assert updater is not None  # build_application keeps PTB's default updater (used for polling)
    try:
        if application.post_init is not None:
            await application.post_init(application)
        try:
            if settings.webhook_url:
                assert settings.webhook_secret is not None
                secret = settings.webhook_secret.get_secret_value()
                server = WebhookServer(application, path=webhook_path(settings.webhook_url), secret=secret,
                                       health=health, metrics=metrics)
                await server.start(settings.webhook_listen, settings.webhook_port)
                # Every process sets the same webhook: harmless, and whichever starts last leaves it right.
                await application.bot.set_webhook(settings.webhook_url, secret_token=secret,
                                                  allowed_updates=Update.ALL_TYPES)
                receiving = Receiving(application.bot.username, "webhook",
                                      f"listening on {settings.webhook_listen}:{settings.webhook_port}")
            else:
                await updater.start_polling(allowed_updates=Update.ALL_TYPES)
                receiving = Receiving(application.bot.username, "polling", "")
        except OSError as error:  # the webhook port is taken or cannot be bound
            raise BotStartError(
                f"cannot listen for the webhook on {settings.webhook_listen}:{settings.webhook_port}: {error}"
            ) from None
        except TelegramError as error:
            raise BotStartError(f"Telegram refused to {'set the webhook' if settings.webhook_url else 'start polling'}:"
                                f" {error}") from None
        await application.start()
        try:
            yield receiving
        finally:
            if updater.running:
                await updater.stop()
            if server is not None:
                await server.stop()  # no new updates; those queued are still handled by stop() below
            await application.stop()
    finally:
        if server is not None:
            await server.stop()
        await application.shutdown()
