"""The webhook server: Telegram's updates, plus ``/healthz`` and ``/metrics`` for whoever runs the bot.

PTB's own webhook server (``Updater.start_webhook``) serves one path and nothing else; a deployment behind a
load balancer also needs a health check and metrics on the same port, so this is the custom-webhook
pattern from PTB's examples: an HTTP server of our own that checks the secret and puts each update on
``Application.update_queue``. Any number of processes may run it behind one public URL: an update is
handled by whichever process receives it, and everything the handlers keep lives in the database.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application, ExtBot

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024
"""Telegram's updates are a few kilobytes; a bigger body is not from Telegram and is refused unread."""


@dataclass(frozen=True)
class Health:
    ok: bool
    details: dict[str, Any]


HealthCheck = Callable[[], Awaitable[Health]]
MetricsText = Callable[["WebhookCounters"], Awaitable[str]]
"""The metrics page, given this server's own counters to include."""


@dataclass
class WebhookCounters:
    updates: int = 0
    refused: int = 0  # wrong or missing secret, not JSON, not an update


class _TelegramUpdates(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot_application: Application, secret: str, counters: WebhookCounters) -> None:
        # (tornado's RequestHandler takes "application" itself: the tornado app)
        self.bot_application = bot_application
        self.secret = secret
        self.counters = counters

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "wrong or missing secret token")
            return
        try:
            data = json.loads(self.request.body)
            is_update = isinstance(data, dict) and type(data.get("update_id")) is int
            update = Update.de_json(data, self.bot_application.bot) if is_update else None
        except (ValueError, TypeError, KeyError) as error:
            log.warning("webhook: a request with the right secret but no readable update: %s", error)
            update = None
        if update is None:
            self._refuse(HTTPStatus.BAD_REQUEST, "not a Telegram update")
            return
        if isinstance(self.bot_application.bot, ExtBot):
            self.bot_application.bot.insert_callback_data(update)
        self.counters.updates += 1
        await self.bot_application.update_queue.put(update)
        self.set_status(HTTPStatus.OK)

    def _refuse(self, status: HTTPStatus, reason: str) -> None:
        self.counters.refused += 1
        log.info("webhook: refused a request from %s: %s", self.request.remote_ip, reason)
        self.set_status(status)
        self.finish({"ok": False, "reason": reason})


class _Health(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD")

    def initialize(self, check: HealthCheck) -> None:
        self.check = check

    async def get(self) -> None:
        health = await self.check()
        self.set_status(HTTPStatus.OK if health.ok else HTTPStatus.SERVICE_UNAVAILABLE)
        self.finish({"status": "ok" if health.ok else "failing", **health.details})

    async def head(self) -> None:
        health = await self.check()
        self.set_status(HTTPStatus.OK if health.ok else HTTPStatus.SERVICE_UNAVAILABLE)


class _Metrics(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET",)

    def initialize(self, render: MetricsText, counters: WebhookCounters) -> None:
        self.render_metrics = render
        self.counters = counters

    async def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(await self.render_metrics(self.counters))


class _Quiet(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Tornado logs every request line; the handlers log what matters (refusals), nothing else."""


class WebhookServer:
    """Listens on ``listen:port``; updates on ``/<path>``, ``/healthz``, ``/metrics``."""

    def __init__(
        self,
        application: Application,
        *,
        path: str,
        secret: str,
        health: HealthCheck,
        metrics: MetricsText,
    ) -> None:
        self.counters = WebhookCounters()
        route = "/" + path.strip("/") if path.strip("/") else "/"
        self.app = _Quiet([
            (r"/healthz", _Health, {"check": health}),
            (r"/metrics", _Metrics, {"render": metrics, "counters": self.counters}),
            (rf"{route.rstrip('/')}/?", _TelegramUpdates,
             {"bot_application": application, "secret": secret, "counters": self.counters}),
        ])
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start(self, listen: str, port: int) -> None:
        """Bind now, so a port in use is an error at start-up (OSError), not a silent failure later."""
        server = tornado.httpserver.HTTPServer(self.app, max_body_size=MAX_UPDATE_BYTES, xheaders=True)
        server.listen(port, address=listen)
        self._server = server

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        await asyncio.wait_for(self._server.close_all_connections(), 5)
        self._server = None
