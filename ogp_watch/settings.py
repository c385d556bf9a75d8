"""All configuration in one typed object, read from ``OGP_WATCH_*`` environment variables and ``.env``.

Secrets (the Telegram token) are ``SecretStr`` so that printing or logging the settings never shows them.
"""

from __future__ import annotations

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

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
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
