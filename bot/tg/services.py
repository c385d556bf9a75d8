"""What the Telegram handlers need, in one object stored in ``Application.bot_data``.

Handlers look their dependencies up here instead of importing globals, so tests build an application
with a test database and a loopback Bot API, and production builds one from settings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from telegram.ext import Application

from bot.engine import ConversationEngine
from bot.tg.settings import TelegramSettings
from jobs.check import CheckReport

SERVICES_KEY = "ogp_watch_services"

CheckSources = Callable[[list[int]], Awaitable[list[CheckReport]]]
"""Check the given sources now (an admin's /check); returns one report per source."""


@dataclass
class BotServices:
    engine: Engine
    settings: TelegramSettings
    conversation: ConversationEngine
    check_sources: CheckSources

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids


def services_of(application: Application) -> BotServices:
    return application.bot_data[SERVICES_KEY]


def attach(application: Application, services: BotServices) -> None:
    application.bot_data[SERVICES_KEY] = services
