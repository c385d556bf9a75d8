"""Putting the parts together at start-up: settings -> logging -> database (migrated, starter data in)."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from jobs import starter
from ogp_watch.settings import Settings
from storage import schema
from storage.database import make_engine, session_scope

log = logging.getLogger(__name__)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; with a bot token in a URL that would leak it.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))


def open_database(settings: Settings) -> Engine:
    """An engine on an up-to-date schema, with the starter dataset loaded into an empty knowledge base."""
    engine = make_engine(settings.effective_database_url)
    schema.upgrade(engine)
    with session_scope(engine) as session:
        pages = starter.ensure_loaded(session)
    if pages:
        log.info("loaded the starter dataset (%d pages)", pages)
    return engine
