"""Bring a database's schema up to date with Alembic, configured in code.

There is no ``alembic.ini`` at run time: the script folder is found next to this module, so migrations
work the same from a checkout and from an installed wheel.

Every start checks the schema, and almost always finds it current: that check reads the version table with
plain SQL and compares it with ``HEAD_REVISION``, so Alembic (and the scripts it would load to find its head,
together a tenth of a second) is imported only when there is something to migrate or explain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection

from storage.process_lock import sqlite_setup_turn

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

HEAD_REVISION = "0005"
"""The newest migration in ``migrations/versions``. ``tests/storage/test_schema.py`` checks that it is the head
Alembic finds there, so a new migration fails the tests until this names it."""

VERSION_TABLE = "alembic_version"

SEARCH_TABLE_PREFIXES = ("document_fts", "sentence_fts")
"""SQLite's FTS5 tables and their shadow tables; created by raw SQL, unknown to SQLModel.metadata."""

SEARCH_COLUMNS = {"document": "search_vector", "sentence": "terms_vector"}
"""PostgreSQL's generated tsvector columns (table -> column); deliberately not part of the models."""

SEARCH_INDEXES = ("ix_document_fts", "ix_sentence_fts")
"""PostgreSQL's GIN indexes on those columns."""


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Hide the full-text search objects from autogenerate, which would otherwise propose dropping them."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SEARCH_TABLE_PREFIXES)
    if type_ == "index":
        return name not in SEARCH_INDEXES
    if type_ == "column":
        return SEARCH_COLUMNS.get(getattr(getattr(obj, "table", None), "name", None) or "") != name
    return True


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    # ConfigParser interpolates "%": escape it so any install path works.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision`` (the latest by default) in one transaction; a no-op when already there."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate back to ``revision``; ``"base"`` drops every table, which tests use to check the way back."""
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None if it was never migrated: the one row of Alembic's version
    table, read as Alembic reads it (which is left to say what is wrong with a table of several rows)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        if len(versions) > 1:
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(connection).get_current_revision()
    return versions[0] if versions else None


def head_revision() -> str:
    """The newest revision this code knows about."""
    return HEAD_REVISION


def scripts_head() -> str:
    """The head of the migration scripts, as Alembic finds it (what ``HEAD_REVISION`` must say)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision, i.e. safe for this code to use."""
    return current_revision(engine) == head_revision()


class SchemaError(Exception):
    """The database's schema does not fit this code; the message says what to run."""


MIGRATION_LOCK_ID = 0x0_6F_67_70_77  # "ogpw": one PostgreSQL advisory lock key for schema and setup work
"""Several processes starting at once against one PostgreSQL take turns: the first migrates (and loads
the starter data), the others wait, then find nothing left to do."""


@contextmanager
def setup_lock(engine: Engine) -> Iterator[None]:
    """Serialise start-up work (migrations, starter data) between processes sharing a database."""
    if engine.dialect.name != "postgresql":
        with sqlite_setup_turn(engine):
            yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_ID})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_ID})
            connection.commit()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


@dataclass(frozen=True)
class Migration:
    from_revision: str | None  # None: a new, empty database
    to_revision: str


def ensure_current(engine: Engine, *, migrate: bool) -> Migration | None:
    """Make sure this code can use the database: migrate it when allowed, else refuse with the command to
    run. Returns what was migrated (None when it was already current). Call under ``setup_lock``."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return None
    if current is not None and current not in known_revisions():
        raise SchemaError(
            f"the database schema is at revision {current}, newer than this OGP Watch knows (latest {head}): "
            "upgrade OGP Watch"
        )
    if not migrate:
        raise SchemaError(
            f"the database schema is at revision {current or 'none'}, this OGP Watch needs {head}: run "
            "`ogp-watch migrate` once (or set OGP_WATCH_AUTO_MIGRATE=true)"
        )
    upgrade(engine)
    return Migration(current, head)
