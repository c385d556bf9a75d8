"""Alembic environment: runs migrations on a connection handed over by ``storage.schema``.

The application never reads an ``alembic.ini`` at run time; ``storage.schema`` builds the config and puts
an open connection in ``config.attributes["connection"]`` so migrations run inside the caller's
transaction. For developers running the ``alembic`` command (e.g. ``--autogenerate``), a URL from
``sqlalchemy.url`` or ``OGP_WATCH_DATABASE_URL`` is used instead.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.database import make_engine
from storage.schema import include_object

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("OGP_WATCH_DATABASE_URL")
    if not url:
        raise RuntimeError("no database: pass a connection via storage.schema or set OGP_WATCH_DATABASE_URL")
    engine = make_engine(url)
    try:
        with engine.begin() as own_connection:
            _run(own_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported: the FTS objects are dialect-specific")
_run_online()
