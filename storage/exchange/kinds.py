"""What can be exported and in which format: the names ``ogp-watch export`` and the Telegram /export
command accept.

Apart from ``storage.exchange.tables`` (which reads the rows, and so imports SQLModel) so that the argument
parser can offer them as choices without importing the database layer.
"""

from __future__ import annotations

from enum import StrEnum


class ExportKind(StrEnum):
    MEMBERS = "members"
    COMMITMENTS = "commitments"
    EVENTS = "events"
    SOURCES = "sources"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
