"""Engines and sessions for the two supported backends: a local SQLite file and PostgreSQL.

Every caller builds its own engine from a URL (no module-level engine), so tests, the CLI and the bot
can point at different databases in one process without stepping on each other.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 5_000
"""How long a SQLite writer waits for another writer (the bot and a scheduled crawl share the file)."""

POSTGRES_CONNECT_TIMEOUT_S = 10
"""Fail fast with a clear error instead of hanging when the server is down or the host is wrong."""

POSTGRES_POOL_SIZE = 5
POSTGRES_MAX_OVERFLOW = 10
"""The bot and the scheduler are a handful of threads; a small pool keeps us a polite server tenant."""

POSTGRES_LOCK_TIMEOUT = "30s"
"""A statement waiting this long for a lock (another process stuck inside a transaction, a migration waiting
behind a long query) fails instead of holding a check or a delivery worker, and everything queued behind it,
forever. No statement_timeout: a long query that is working (a migration building an index) must finish."""

POSTGRES_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                       "tcp_user_timeout": 60_000}
"""A server that vanished without closing the connection (a network cut, a host that died) is noticed in about
a minute, instead of the two hours or more of the operating system's defaults during which a worker would wait
on a dead socket. Client-side TCP settings, so they work through PgBouncer too."""

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
"""Errors that mean the database could not be used just now (down, restarting, unreachable, locked past the
timeout, its pool exhausted), not that the work was wrong: callers wait and try again, and blame nothing else."""

_PLAIN_POSTGRES_DRIVERS = {"postgres", "postgresql"}


def normalize_url(url: str) -> str:
    """Point plain ``postgres://``/``postgresql://`` URLs at psycopg 3, the only PostgreSQL driver we ship.

    Hosting providers hand out ``postgres://`` URLs, which SQLAlchemy would otherwise reject or map to
    psycopg2 (not installed).
    """
    parsed = make_url(url)
    if parsed.drivername in _PLAIN_POSTGRES_DRIVERS:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file; absolute so the working directory never changes which file."""
    return URL.create("sqlite", database=str(Path(path).expanduser().absolute())).render_as_string()


def make_engine(url: str) -> Engine:
    """An engine tuned for the backend named in ``url`` (see the module constants for the choices)."""
    parsed = make_url(normalize_url(url))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        engine = create_engine(
            parsed,
            pool_pre_ping=True,  # the server may restart under a long-running bot
            pool_size=POSTGRES_POOL_SIZE,
            max_overflow=POSTGRES_MAX_OVERFLOW,
            connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S, **POSTGRES_KEEPALIVES},
        )
        # Set per session rather than as a startup "options" parameter, which PgBouncer refuses.
        event.listen(engine, "connect", _configure_postgres)
        return engine
    return create_engine(parsed)


def _configure_postgres(dbapi_connection: Any, _record: Any) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # in a transaction, the SET would be undone by the pool's rollback
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{POSTGRES_LOCK_TIMEOUT}'")
    finally:
        dbapi_connection.autocommit = autocommit


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    is_file = database not in {"", ":memory:"} and not database.startswith("file:")
    if is_file:
        # A fresh install has no data folder yet; SQLite would fail with "unable to open database file".
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Pooled connections may be checked out by the bot's and the scheduler's threads in turn.
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # SQLite ignores foreign keys unless asked, per connection.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if is_file:
                # Readers (chat answers) no longer block on a crawl writing, and vice versa.
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    return engine


@contextmanager
def session_scope(engine: Engine, *, dry_run: bool = False) -> Iterator[Session]:
    """One unit of work: commit if the block finishes, roll back if it raises (or, with ``dry_run``,
    in any case: an import's "check everything, write nothing").

    ``expire_on_commit`` is off so that objects read inside the block can still be used after it
    (e.g. to format a chat answer) without a detached-instance error.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def execute_write(session: Session, statement: UpdateBase) -> CursorResult[Any]:
    """Run an INSERT, UPDATE or DELETE in ``session``; its result says how many rows it changed (``rowcount``).

    SQLModel types ``Session.execute`` as returning a plain ``Result`` whatever the statement; for these
    statements SQLAlchemy returns a ``CursorResult``, the class that has ``rowcount``.
    """
    return cast("CursorResult[Any]", session.execute(statement))


TRANSACTION_ATTEMPTS = 4
"""Concurrent writers (two checks of pages naming the same member) collide on a unique key or, on SQLite,
on the write lock; re-running the whole unit of work then sees the other writer's rows and adds nothing twice."""

T = TypeVar("T")


def run_transaction(engine: Engine, work: Callable[[Session], T], *, attempts: int = TRANSACTION_ATTEMPTS) -> T:
    """Run ``work`` in one transaction, re-running it from scratch after a write conflict.

    ``work`` must be safe to repeat: it reads what it needs inside the transaction it is given.
    """
    for attempt in range(1, attempts + 1):
        try:
            with session_scope(engine) as session:
                return work(session)
        except (IntegrityError, OperationalError) as error:
            if attempt == attempts or not _is_write_conflict(error):
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


def database_error_line(error: BaseException) -> str:
    """One line for the log: the driver's own words, without the SQL statement and parameters SQLAlchemy
    appends (long, and they may hold page text)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def _is_write_conflict(error: DBAPIError) -> bool:
    if isinstance(error, IntegrityError):
        return True
    message = str(error.orig).lower()
    # SQLite: another writer holds the lock, or our snapshot went stale under WAL.
    # PostgreSQL: serialization failure or deadlock, which the server expects the client to retry.
    return "database is locked" in message or "deadlock" in message or "could not serialize" in message
