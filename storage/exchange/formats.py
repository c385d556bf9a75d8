"""Writing exported rows as CSV or JSON, row by row, to any text stream.

Both formats carry the same values: text as stored (CSV cells that a spreadsheet would run as a formula are
neutralised, see ``storage.exchange.spreadsheet``), whole numbers, ``true``/``false``, times in UTC as ISO 8601
with a ``Z`` (``2026-11-25T14:03:00Z``), days as ``2026-11-25``, and nothing as an empty cell (CSV) or ``null``
(JSON). JSON is one list of objects whose keys are the CSV's columns in the same order.

A ``max_bytes`` cap stops writing as soon as the output would pass it (a Telegram upload has a size limit),
rather than building the whole file first and finding out afterwards.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

from storage.exchange.kinds import ExportFormat as ExportFormat  # re-exported
from storage.exchange.spreadsheet import neutralise
from storage.exchange.tables import Row

MEDIA_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSON: "application/json"}


class ExportTooLarge(Exception):
    """The export would be larger than the cap it was written under."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the export is larger than {max_bytes:,} bytes")
        self.max_bytes = max_bytes


class _CappedWriter:
    """A text stream that counts the UTF-8 bytes written through it and refuses to pass a cap."""

    def __init__(self, out: IO[str], max_bytes: int | None) -> None:
        self.out = out
        self.max_bytes = max_bytes
        self.written = 0

    def write(self, text: str) -> int:
        self.written += len(text.encode("utf-8"))
        if self.max_bytes is not None and self.written > self.max_bytes:
            raise ExportTooLarge(self.max_bytes)
        return self.out.write(text)


def format_time(value: datetime) -> str:
    """Stored times are naive UTC; written with their zone so no reader takes them for local time."""
    return value.replace(microsecond=0).isoformat() + "Z"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value))


def write_rows(rows: Iterable[Row], columns: tuple[str, ...], out: IO[str], export_format: ExportFormat | str, *,
               max_bytes: int | None = None) -> int:
    """Write ``rows`` to ``out``; returns how many. Raises ``ExportTooLarge`` past ``max_bytes``."""
    sink = _CappedWriter(out, max_bytes)
    count = 0
    if ExportFormat(export_format) == ExportFormat.CSV:
        writer = csv.writer(sink)  # RFC 4180: comma, double quotes, CRLF line ends
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(column)) for column in columns])
            count += 1
        return count
    sink.write("[")
    for row in rows:
        item = {column: _json_value(row.get(column)) for column in columns}
        sink.write(("," if count else "") + "\n  " + json.dumps(item, ensure_ascii=False, default=str))
        count += 1
    sink.write("\n]\n" if count else "]\n")
    return count
