"""What the Telegram front end reads from the application's settings.

The settings object itself (``ogp_watch.settings.Settings``, read from ``OGP_WATCH_*``) belongs to the
application package above this one; the front end only declares the fields it uses, and is handed the
object from the top. Any object with these attributes will do, which is how tests configure a bot.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import SecretStr


class TelegramSettings(Protocol):
    @property
    def telegram_token(self) -> SecretStr | None: ...
    @property
    def telegram_api_url(self) -> str: ...
    @property
    def admin_ids(self) -> frozenset[int]: ...
    @property
    def allow_private_sources(self) -> bool: ...
    @property
    def webhook_url(self) -> str | None: ...
    @property
    def webhook_secret(self) -> SecretStr | None: ...
    @property
    def webhook_listen(self) -> str: ...
    @property
    def webhook_port(self) -> int: ...
