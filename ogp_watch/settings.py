"""All configuration in one typed object, read from ``OGP_WATCH_*`` environment variables and ``.env``.

Secrets (the Telegram token) are ``SecretStr`` so that printing or logging the settings never shows them.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.database import sqlite_url


def default_data_dir() -> Path:
    return user_data_path("ogp-watch", appauthor=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OGP_WATCH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    """Holds the SQLite database (``ogp-watch.sqlite3``) when no database URL is given."""

    database_url: str | None = None
    """Any SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``; overrides the SQLite default."""

    log_level: str = "WARNING"

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    allow_private_sources: bool = False
    """Let admins watch addresses on private, loopback or link-local networks (tests and the demo)."""

    auto_migrate: bool = True
    """Bring the database schema up to date at start-up. Set false where migrations are a deployment step
    (``ogp-watch migrate``): an outdated schema then stops the process with that instruction."""

    default_sources: bool = True
    """Watch OGP's own news and IRM-report listings and feeds on a new installation."""

    check_tick_seconds: float = Field(default=30.0, ge=1.0, le=3600.0)
    """How often the watcher asks the database which sources are due."""

    check_concurrency: int = Field(default=4, ge=1, le=64)
    """Sources checked at the same time by one process (each host still gets at most two requests at once)."""

    host_delay_seconds: float = Field(default=1.0, ge=0.0, le=60.0)
    """Least time between two requests to one host. Be polite to OGP's website; lower it only for a server
    of your own (a mirror, tests)."""

    host_concurrency: int = Field(default=2, ge=1, le=64)
    """Requests to one host at the same time."""

    http2: bool = True
    """Offer HTTP/2 to sites served over TLS (OGP's is): requests to a host then share one connection. Set
    false to stay on HTTP/1.1, e.g. behind a proxy that mishandles it."""

    check_lease_seconds: float = Field(default=900.0, ge=5.0, le=86400.0)
    """How long a process may hold a source it is checking; if the process dies, another one checks the
    source after this long."""

    delivery_claim_seconds: float = Field(default=60.0, ge=2.0, le=3600.0)
    """How long a process may hold an alert it is sending; if the process dies, another one sends it after
    this long (the send itself times out at half of it)."""

    send_rate_per_second: float = Field(default=30.0, ge=0.0)
    """Alerts sent per second over all chats (Telegram allows about 30); 0 turns the limit off (tests)."""

    chat_rate_per_second: float = Field(default=1.0, ge=0.0)
    """Alerts per second to one chat (Telegram: about 1); 0 turns the limit off."""

    group_rate_per_minute: float = Field(default=20.0, ge=0.0)
    """Alerts per minute to one group (Telegram: about 20); 0 turns the limit off."""

    webhook_url: str | None = None
    """Public HTTPS address Telegram posts updates to; unset: the bot polls (development)."""

    webhook_secret: SecretStr | None = None
    """Checked on every webhook request (X-Telegram-Bot-Api-Secret-Token); required with a webhook URL."""

    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's own rule; a secret it rejects would only surface as a refused setWebhook at start-up.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("use 1-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING or ERROR")
        return level

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "ogp-watch.sqlite3")
