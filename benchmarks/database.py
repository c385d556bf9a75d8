"""The database a benchmark runs on: a throw-away SQLite file by default, or a given (empty) database."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from storage.database import make_engine, normalize_url, sqlite_url


@contextmanager
def benchmark_database(url: str | None, keep: bool, *, prefix: str = "ogp-watch-bench-") -> Iterator[
    tuple[Engine, Path | None]
]:
    """The engine, and the SQLite file when the benchmark made one (removed afterwards unless ``keep``)."""
    if url:
        engine = make_engine(normalize_url(url))
        try:
            yield engine, None
        finally:
            engine.dispose()
        return
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    path = folder / "synthetic.db"
    engine = make_engine(sqlite_url(path))
    try:
        yield engine, path
    finally:
        engine.dispose()
        if keep:
            print(f"kept: {path}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def database_size(engine: Engine, sqlite_path: Path | None) -> str:
    if sqlite_path is not None:
        total = sum(p.stat().st_size for p in sqlite_path.parent.glob(sqlite_path.name + "*"))
        return f"{total / 2**20:.1f} MiB (SQLite file, WAL included)"
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return f"{int(size) / 2**20:.1f} MiB (pg_database_size)"
    return "unknown"


def add_worker_arguments(parser: argparse.ArgumentParser, *, processes: str, what: str) -> None:
    """``--workers N`` and ``--worker-processes``, the same in every benchmark that can split its work."""
    parser.add_argument("--workers", type=int, default=1,
                        help=f"{processes} sharing the database (more than 1 needs PostgreSQL): {what}")
    parser.add_argument("--worker-processes", action="store_true",
                        help=f"use the {processes} path even with --workers 1 (to compare 1 and N on one path)")


def check_worker_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace, *, processes: str) -> bool:
    """Validate ``--workers``/``--worker-processes``; True when the run uses separate worker processes.

    Several processes are measured on PostgreSQL only: SQLite is single-process in production (one process
    writes the file), so several ``processes`` on it would measure nothing real.
    """
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers > 1 and (not args.database_url
                             or make_url(normalize_url(args.database_url)).get_backend_name() != "postgresql"):
        parser.error("--workers above 1 needs a PostgreSQL --database-url: SQLite is single-process in production "
                     f"(one process writes the file), so several {processes} on it would measure nothing real")
    return bool(args.workers > 1 or args.worker_processes)
