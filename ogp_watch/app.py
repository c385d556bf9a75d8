"""Putting the parts together at start-up: settings -> logging -> database (migrated, starter data in)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine

from jobs import default_sources, starter
from jobs.check import CheckReport, SourceChecker
from jobs.fetch import Fetcher, FetchPolicy
from ogp_watch.settings import Settings
from storage import schema
from storage.database import make_engine, session_scope

log = logging.getLogger(__name__)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; with a bot token in a URL that would leak it.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))


def open_database(settings: Settings) -> Engine:
    """An engine on an up-to-date schema, with the starter dataset loaded into an empty knowledge base and,
    on a new installation, OGP's own listings and feeds to watch."""
    engine = make_engine(settings.effective_database_url)
    schema.upgrade(engine)
    with session_scope(engine) as session:
        pages = starter.ensure_loaded(session)
        added = default_sources.ensure_defaults(session) if settings.default_sources else 0
    if pages:
        log.info("loaded the starter dataset (%d pages)", pages)
    if added:
        log.info("watching %d default sources on OGP's website", added)
    return engine


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(allow_private=settings.allow_private_sources)


async def check_now(
    engine: Engine,
    policy: FetchPolicy,
    source_ids: list[int] | None,
    concurrency: int,
    *,
    on_done: Callable[[CheckReport], None] | None = None,
) -> list[CheckReport]:
    """Check the given sources (due or not), or every due source, once."""
    async with Fetcher(policy) as fetcher:
        checker = SourceChecker(engine, fetcher)
        if source_ids is None:
            return await checker.check_due(concurrency=concurrency, on_done=on_done)
        return await checker.check_many(source_ids, concurrency=concurrency, force=True, on_done=on_done)
