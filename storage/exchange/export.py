"""One export: a table (``storage.exchange.tables``) written in a format (``storage.exchange.formats``) from a
single consistent view of the database, as the command line and the Telegram ``/export`` both need it.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import IO

from sqlalchemy import Engine
from sqlmodel import Session

from storage.exchange.formats import ExportFormat, write_rows
from storage.exchange.tables import ExportKind, table
from storage.models import utcnow


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session that sees the database as it was when the export began.

    On PostgreSQL the batches run in one REPEATABLE READ transaction, so rows changed by the watcher meanwhile
    cannot appear twice or go missing between batches. (SQLite reads are short and the batches follow each
    other at once; the watcher's writes there are rare and small.)
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=connection) as session:
            try:
                yield session
            finally:
                session.rollback()


def export(engine: Engine, kind: ExportKind | str, export_format: ExportFormat | str, out: IO[str], *,
           max_bytes: int | None = None) -> int:
    """Write every row of ``kind`` to ``out``; returns how many rows. ``ExportTooLarge`` past ``max_bytes``."""
    exported = table(kind)
    with _snapshot(engine) as session:
        return write_rows(exported.rows(session), exported.columns, out, export_format, max_bytes=max_bytes)


SPOOL_IN_MEMORY_BYTES = 1024 * 1024
"""Exports up to this size stay in memory; larger ones go to a temporary file on disk."""


def export_to_file(engine: Engine, kind: ExportKind | str, export_format: ExportFormat | str, *,
                   max_bytes: int | None = None) -> tuple[IO[bytes], int]:
    """The export as a UTF-8 file positioned at its start (to upload it), and its row count. The caller closes
    the file; on ``ExportTooLarge`` it is closed here and nothing past ``max_bytes`` was kept."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES, mode="w+b")  # noqa: SIM115 (returned open)
    try:
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        count = export(engine, kind, export_format, text, max_bytes=max_bytes)
        text.flush()
        text.detach()  # hand the bytes back without closing them
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, count


def export_filename(kind: ExportKind | str, export_format: ExportFormat | str, now: datetime | None = None) -> str:
    """``ogp-watch-members-20261125-1403.csv``: what it holds, when (UTC) and in what format."""
    return f"ogp-watch-{ExportKind(kind)}-{(now or utcnow()):%Y%m%d-%H%M}.{ExportFormat(export_format)}"
