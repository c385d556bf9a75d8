"""``ogp-watch doctor``: is this installation fit to run, and if not, what to do about it.

Each check is a small function returning plain ``Finding`` values, so the command line prints them and
``--json`` hands them to a monitoring script. The doctor only reads: it never migrates, never creates the
SQLite file or its folder, never sends a message (``getMe`` is the only Bot API call), so it is safe to
run against production at any time. What it shows never contains a secret: the database password is
masked in URLs, the token and the webhook secret are never printed, and every line is scrubbed of them
once more before it leaves (``scrub``), in case a driver's error message quotes one back.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from ogp_watch.settings import Settings
from storage import schema
from storage import sources as storage_sources
from storage.database import (
    POSTGRES_CONNECT_TIMEOUT_S,
    POSTGRES_MAX_OVERFLOW,
    POSTGRES_POOL_SIZE,
    make_engine,
    normalize_url,
)

TELEGRAM_TIMEOUT_S = 5.0
"""getMe answers in well under a second; a doctor that hangs on a dead network would be no help."""

LOW_DISK_BYTES = 200 * 2**20
"""Below this, SQLite writes (and the WAL) may soon fail: worth a warning."""


class Mark(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    """One line of the doctor's report: what was checked, how it stands, and what to do if it is not ok."""

    check: str
    mark: Mark
    detail: str
    fix: str | None = None

    def line(self) -> str:
        said = f"{self.detail}: {self.fix}" if self.fix else self.detail
        return f"{self.mark:<8} {self.check:<12} {said}"


@dataclass
class _Context:
    """What earlier checks learnt and later ones need; the engine only once the database answered."""

    settings: Settings
    engine: Engine | None = None
    backend: str = ""
    schema_current: bool = False


def examine(settings_factory: Callable[[], Settings] = Settings) -> list[Finding]:
    """Run every check that can run; those depending on a failed one are left out rather than failing too."""
    try:
        settings = settings_factory()
    except ValidationError as error:
        return [_setting_error(detail) for detail in error.errors()]
    except SettingsError as error:  # e.g. a value pydantic-settings could not decode at all
        return [Finding("settings", Mark.FAIL, str(error).splitlines()[0], "correct it in the environment or .env")]
    context = _Context(settings)
    findings = [_settings_read(settings)]
    try:
        for check in (_database, _schema, _storage, _telegram, _webhook, _sources, _outbox):
            findings += _guarded(check, context)
    finally:
        if context.engine is not None:
            context.engine.dispose()
    return scrub(findings, _secrets(settings))


def failed(findings: Iterable[Finding]) -> bool:
    return any(finding.mark == Mark.FAIL for finding in findings)


def report_text(findings: list[Finding]) -> str:
    words = {Mark.OK: ("ok", "ok"), Mark.WARNING: ("warning", "warnings"), Mark.FAIL: ("failed", "failed")}
    counts = {mark: sum(f.mark == mark for f in findings) for mark in Mark}
    tally = ", ".join(f"{count} {words[mark][count != 1]}" for mark, count in counts.items() if count)
    return "\n".join([*(finding.line() for finding in findings), f"doctor: {tally}"])


def report_json(findings: list[Finding]) -> dict[str, object]:
    return {"ok": not failed(findings), "checks": [asdict(finding) for finding in findings]}


def scrub(findings: list[Finding], secrets: Iterable[str]) -> list[Finding]:
    """The findings with every secret replaced by ``***``, wherever some library quoted it."""
    hidden = [secret for secret in secrets if len(secret) >= 4]  # a 1-character secret would mask everything

    def clean(value: str | None) -> str | None:
        if value is None:
            return None
        for secret in hidden:
            value = value.replace(secret, "***")
        return value

    return [replace(f, detail=clean(f.detail) or "", fix=clean(f.fix)) for f in findings]


# -- the checks ---------------------------------------------------------------------------------------------


def _guarded(check: Callable[[_Context], list[Finding]], context: _Context) -> list[Finding]:
    """A check that breaks is a FAIL line naming the check, never a traceback."""
    try:
        return check(context)
    except Exception as error:  # the doctor reports whatever it meets
        name = check.__name__.strip("_")
        return [Finding(name, Mark.FAIL, f"could not check: {_one_line(error)}")]


def _setting_error(detail: object) -> Finding:
    assert isinstance(detail, dict)
    location = detail.get("loc") or ("?",)
    variable = f"OGP_WATCH_{str(location[0]).upper()}"
    reason = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
    # Only the variable's name and pydantic's reason: the rejected value itself may be a secret.
    return Finding("settings", Mark.FAIL, f"{variable}: {reason}", "correct it in the environment or .env")


def _settings_read(settings: Settings) -> Finding:
    env_file = Path.cwd() / ".env"
    where = f"environment and {env_file}" if env_file.is_file() else "environment (no .env here)"
    return Finding("settings", Mark.OK, f"read from the {where}")


def _database(context: _Context) -> list[Finding]:
    url = make_url(normalize_url(context.settings.effective_database_url))
    shown = url.render_as_string(hide_password=True)
    context.backend = url.get_backend_name()
    sqlite_file = _sqlite_file(context.settings.effective_database_url)
    if sqlite_file is not None and not sqlite_file.exists():
        # make_engine would create its folder and connecting would create the file: not the doctor's job.
        return [Finding("database", Mark.WARNING, f"no database yet at {sqlite_file}",
                        "`ogp-watch run` (or `ogp-watch migrate`) creates it")]
    engine = make_engine(context.settings.effective_database_url)
    try:
        with engine.connect() as connection:
            if context.backend == "sqlite":
                version = f"SQLite {sqlite3.sqlite_version}"
            else:
                info = connection.dialect.server_version_info or ()
                version = f"{connection.dialect.name} {'.'.join(str(part) for part in info)}".strip()
                version = version.replace("postgresql", "PostgreSQL")
    except SQLAlchemyError as error:
        engine.dispose()
        fix = ("start the database server or correct OGP_WATCH_DATABASE_URL" if context.backend != "sqlite"
               else "check the file and its folder, or OGP_WATCH_DATABASE_URL")
        return [Finding("database", Mark.FAIL, f"cannot connect to {shown}: {_one_line(error)}", fix)]
    context.engine = engine
    return [Finding("database", Mark.OK, f"{version} at {shown}")]


def _schema(context: _Context) -> list[Finding]:
    if context.engine is None:
        return []
    current = schema.current_revision(context.engine)
    head = schema.head_revision()
    if current == head:
        context.schema_current = True
        return [Finding("schema", Mark.OK, f"at {current} (latest)")]
    if current is None:
        return [Finding("schema", Mark.FAIL, f"empty database (no schema), needs {head}", "run `ogp-watch migrate`")]
    if current in schema.known_revisions():
        return [Finding("schema", Mark.FAIL, f"at {current}, needs {head}", "run `ogp-watch migrate`")]
    return [Finding("schema", Mark.FAIL, f"at {current}, newer than this OGP Watch knows (latest {head})",
                    "upgrade OGP Watch to the version that migrated this database")]


def _storage(context: _Context) -> list[Finding]:
    if context.backend == "postgresql":
        return [_pool(context)]
    sqlite_file = _sqlite_file(context.settings.effective_database_url)
    if sqlite_file is None:
        return []
    folder = sqlite_file.parent
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        return [Finding("data folder", Mark.FAIL, f"{existing} is not writable",
                        "give the OGP Watch user write access, or set OGP_WATCH_DATA_DIR")]
    if sqlite_file.exists() and not os.access(sqlite_file, os.W_OK):
        return [Finding("data folder", Mark.FAIL, f"{sqlite_file} is read-only",
                        "give the OGP Watch user write access to it")]
    free = shutil.disk_usage(existing).free
    state = "writable" if existing == folder else f"not created yet ({existing} is writable)"
    detail = f"{folder} {state}, {free / 2**30:.1f} GiB free"
    if free < LOW_DISK_BYTES:
        return [Finding("data folder", Mark.WARNING, detail, "free some disk space")]
    return [Finding("data folder", Mark.OK, detail)]


def _pool(context: _Context) -> Finding:
    per_process = POSTGRES_POOL_SIZE + POSTGRES_MAX_OVERFLOW
    detail = (f"pool {POSTGRES_POOL_SIZE} + {POSTGRES_MAX_OVERFLOW} overflow per process, pre-ping on, "
              f"connect timeout {POSTGRES_CONNECT_TIMEOUT_S} s")
    if context.engine is None:
        return Finding("pool", Mark.OK, detail)
    with context.engine.connect() as connection:
        limit = int(connection.execute(text("SHOW max_connections")).scalar_one())
    detail += f"; server allows {limit} connections"
    if per_process * 2 > limit:  # the bot and a separate `ogp-watch deliver` may each fill their pool
        return Finding("pool", Mark.WARNING, detail, "raise max_connections on the server")
    return Finding("pool", Mark.OK, detail)


def _telegram(context: _Context) -> list[Finding]:
    settings = context.settings
    if settings.telegram_token is None:
        return [Finding("telegram", Mark.WARNING, "no token: terminal mode, alerts are printed, not sent",
                        "set OGP_WATCH_TELEGRAM_TOKEN to run the Telegram bot")]
    return [asyncio.run(_get_me(settings.telegram_token.get_secret_value(), settings.telegram_api_url))]


async def _get_me(token: str, api_url: str) -> Finding:
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError
    from telegram.request import HTTPXRequest

    def request() -> HTTPXRequest:
        return HTTPXRequest(connect_timeout=TELEGRAM_TIMEOUT_S, read_timeout=TELEGRAM_TIMEOUT_S,
                            write_timeout=TELEGRAM_TIMEOUT_S, pool_timeout=TELEGRAM_TIMEOUT_S)

    where = _without_credentials(api_url)
    try:
        async with Bot(token, base_url=api_url, request=request(), get_updates_request=request()) as bot:
            return Finding("telegram", Mark.OK, f"token accepted: @{bot.username} via {where}")
    except InvalidToken:
        return Finding("telegram", Mark.FAIL, f"token refused by the Bot API at {where}",
                       "check OGP_WATCH_TELEGRAM_TOKEN against @BotFather")
    except NetworkError as error:
        return Finding("telegram", Mark.FAIL, f"Bot API unreachable at {where} ({_one_line(error)})",
                       "check the network or OGP_WATCH_TELEGRAM_API_URL")
    except TelegramError as error:
        return Finding("telegram", Mark.FAIL, f"the Bot API at {where} answered: {_one_line(error)}",
                       "check OGP_WATCH_TELEGRAM_API_URL")


def _webhook(context: _Context) -> list[Finding]:
    settings = context.settings
    if not settings.webhook_url and settings.telegram_token is None:
        return [Finding("webhook", Mark.OK, "not used in terminal mode")]
    if not settings.webhook_url:
        unused = " (OGP_WATCH_WEBHOOK_SECRET is set but unused)" if settings.webhook_secret else ""
        return [Finding("webhook", Mark.OK, f"none: the bot polls Telegram{unused}")]
    where = _without_credentials(settings.webhook_url)
    listening = f"listening on {settings.webhook_listen}:{settings.webhook_port}"
    if settings.webhook_secret is None:
        return [Finding("webhook", Mark.FAIL, f"{where} without a secret: the bot refuses to start",
                        "set OGP_WATCH_WEBHOOK_SECRET (1-256 characters: A-Z a-z 0-9 _ -)")]
    if settings.telegram_token is None:
        return [Finding("webhook", Mark.WARNING, f"{where} is set but unused without a token",
                        "set OGP_WATCH_TELEGRAM_TOKEN, or remove OGP_WATCH_WEBHOOK_URL")]
    if urlsplit(settings.webhook_url).scheme != "https":
        return [Finding("webhook", Mark.WARNING, f"{where} is not https; Telegram only posts to https",
                        "give the reverse proxy's public https:// address")]
    return [Finding("webhook", Mark.OK, f"{where} with a secret, {listening}")]


def _sources(context: _Context) -> list[Finding]:
    if context.engine is None or not context.schema_current:
        return []
    with Session(context.engine) as session:
        enabled = [source for source in storage_sources.all_sources(session) if source.enabled]
    failing = [source for source in enabled if source.consecutive_failures > 0]
    if not enabled:
        return [Finding("sources", Mark.WARNING, "none enabled: nothing is watched",
                        "`ogp-watch sources add URL`, or resume one with `ogp-watch sources resume ID`")]
    detail = f"{len(enabled)} enabled, {len(failing)} failing"
    if failing:
        ids = ", ".join(f"#{source.id}" for source in failing[:10])
        return [Finding("sources", Mark.WARNING, f"{detail} ({ids})", "see `ogp-watch sources list`")]
    return [Finding("sources", Mark.OK, detail)]


def _outbox(context: _Context) -> list[Finding]:
    if context.engine is None or not context.schema_current:
        return []
    from jobs.deliver import outbox_counts

    with Session(context.engine) as session:
        counts = outbox_counts(session)
    detail = ", ".join(f"{count:,} {status}" for status, count in counts.items())
    return [Finding("outbox", Mark.OK, detail)]


# -- small helpers ------------------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path | None:
    """The SQLite database file named by ``url``, or None for another backend or an in-memory database."""
    parsed = make_url(normalize_url(url))
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in {"", ":memory:"} or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _without_credentials(url: str) -> str:
    """A URL as it may be shown: no user or password in it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def _one_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error, which says more
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _secrets(settings: Settings) -> list[str]:
    found = [secret.get_secret_value() for secret in (settings.telegram_token, settings.webhook_secret) if secret]
    password = make_url(normalize_url(settings.effective_database_url)).password
    if password:
        found.append(str(password))
    return found
