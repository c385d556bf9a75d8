"""Putting the parts together at start-up: settings -> logging -> database (migrated, starter data in).

Every command but ``--help`` and ``doctor`` comes through here, so what only some of them use (the watcher's
checker and fetcher, the starter data's ingest) is imported where it is used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from jobs import default_sources, sentence_index, starter
from ogp_watch.errors import UserError
from ogp_watch.settings import Settings
from storage import schema
from storage.database import make_engine, session_scope

if TYPE_CHECKING:
    from jobs.check import CheckReport
    from jobs.fetch import FetchPolicy

log = logging.getLogger(__name__)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO: noise at INFO (and the URLs hold the token, redacted below).
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, SecretRedaction):
        factory = SecretRedaction(factory)
        logging.setLogRecordFactory(factory)
    factory.secrets = secrets_of(settings)


MIN_REDACTED_CHARS = 6
"""Shorter "secrets" are not redacted: blanking every "abc" would garble the log and protect nothing."""
REDACTED = "<redacted>"


def secrets_of(settings: Settings) -> tuple[str, ...]:
    """The bot token, its secret half (after the colon) and the webhook secret, longest first."""
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else ""
    webhook = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    found = {token, token.partition(":")[2], webhook}
    return tuple(sorted((s for s in found if len(s) >= MIN_REDACTED_CHARS), key=len, reverse=True))


class SecretRedaction:
    """The log record factory, blanking the secrets out of each record as it is made, so that no handler
    (the console, a file, a test's) can write them whatever a library logs: PTB logs the Bot API URL, token
    included, at DEBUG, httpx each request URL at INFO, and an exception's text can quote a URL too."""

    def __init__(self, make_record: Callable[..., logging.LogRecord]) -> None:
        self.make_record = make_record
        self.secrets: tuple[str, ...] = ()

    def __call__(self, *args: object, **kwargs: object) -> logging.LogRecord:
        record = self.make_record(*args, **kwargs)
        if self.secrets:
            self._redact(record)
        return record

    def _blank(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _redact(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: shown unformatted, redacted
            message = f"{record.msg} {record.args}"
        if any(secret in message for secret in self.secrets):
            record.msg, record.args = self._blank(message), None
        if record.exc_info and record.exc_info[1] is not None:
            shown = logging.Formatter().formatException(record.exc_info)
            if any(secret in shown for secret in self.secrets):
                record.exc_text = self._blank(shown)  # formatters use it instead of formatting again
        if record.stack_info:
            record.stack_info = self._blank(record.stack_info)


def open_database(settings: Settings) -> Engine:
    """An engine on an up-to-date schema, with the starter dataset loaded into an empty knowledge base and,
    on a new installation, OGP's own listings and feeds to watch."""
    engine = make_engine(settings.effective_database_url)
    with schema.setup_lock(engine):
        try:
            migration = schema.ensure_current(engine, migrate=settings.auto_migrate)
        except schema.SchemaError as error:
            engine.dispose()
            raise UserError(str(error)) from None
        with session_scope(engine) as session:
            pages = starter.ensure_loaded(session)
            sentence_index.index_missing(session)  # documents stored before the sentence index existed
            added = default_sources.ensure_defaults(session) if settings.default_sources else 0
    if migration is not None:
        log.info("database schema migrated from %s to %s", migration.from_revision or "empty", migration.to_revision)
    if pages:
        log.info("loaded the starter dataset (%d pages)", pages)
    if added:
        log.info("watching %d default sources on OGP's website", added)
    return engine


def fetch_policy(settings: Settings) -> FetchPolicy:
    from jobs.fetch import FetchPolicy

    return FetchPolicy(allow_private=settings.allow_private_sources, politeness_delay_s=settings.host_delay_seconds,
                       per_host_concurrency=settings.host_concurrency, http2=settings.http2)


async def check_now(
    engine: Engine,
    policy: FetchPolicy,
    source_ids: list[int] | None,
    concurrency: int,
    *,
    on_done: Callable[[CheckReport], None] | None = None,
) -> list[CheckReport]:
    """Check the given sources (due or not), or every due source, once."""
    from jobs.check import SourceChecker
    from jobs.fetch import Fetcher

    async with Fetcher(policy) as fetcher:
        checker = SourceChecker(engine, fetcher)
        if source_ids is None:
            return await checker.check_due(concurrency=concurrency, on_done=on_done)
        return await checker.check_many(source_ids, concurrency=concurrency, force=True, on_done=on_done)
