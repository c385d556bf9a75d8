"""One watching process per SQLite database, and one start-up at a time.

SQLite is the single-process default: it has one writer at a time, and two schedulers on one file would
spend their time waiting for each other's locks. A second ``ogp-watch run`` (or worker) on the same file is
refused with a message that says what to do. PostgreSQL needs no such lock: there, sources and alerts are
claimed row by row, and any number of processes share the work.

The lock is an advisory ``flock`` on a file beside the database, so the operating system releases it when
the process ends, however it ends: a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

try:
    import fcntl
except ImportError:  # Windows: no flock; the lock is skipped (documented in README)
    fcntl = None  # type: ignore[assignment]


class AlreadyRunning(Exception):
    """Another process is already watching sources on this SQLite database."""


def lock_path(engine: Engine, purpose: str = "scheduler") -> Path | None:
    """The lock file beside a SQLite database file; None for PostgreSQL and in-memory databases."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if database in {"", ":memory:"} or database.startswith("file:"):
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(f"{path.name}.{purpose}.lock")


@contextmanager
def sqlite_setup_turn(engine: Engine) -> Iterator[None]:
    """Processes starting at once on one SQLite file (a bot and a worker, say) wait for each other's
    migrations and starter data instead of racing them; PostgreSQL uses an advisory lock instead."""
    path = lock_path(engine, "setup")
    if path is None or fcntl is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # waits; released when the file closes
        yield


@contextmanager
def single_scheduler(engine: Engine) -> Iterator[None]:
    """Hold the database's scheduler lock for the ``with`` block, or raise ``AlreadyRunning``."""
    path = lock_path(engine)
    if path is None or fcntl is None:
        yield
        return
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise AlreadyRunning(
                f"{holder} is already watching sources on this SQLite database ({engine.url.database}). "
                "SQLite takes one such process: stop that one, or use PostgreSQL (OGP_WATCH_DATABASE_URL) "
                "to run several"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"ogp-watch process {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock
