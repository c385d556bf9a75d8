"""PostgreSQL's own statistics of a tsvector column's commonest words, read instead of counting matches.

Counting a common word's matches costs what its list of rows costs, and PostgreSQL builds that list whole
(and rechecks every row) before any LIMIT applies: 10-30 ms for a word in half of 500,000 sentences or
20,000 documents. ANALYZE (autovacuum on a live database) keeps each tsvector column's most common lexemes
with their share of the rows (``pg_stats.most_common_elems``), so whether a word is common is known in
advance. Used by the sentence index (which words are too common to match on) and document search (which
searches are too general to rank).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

STATS_SECONDS = 600.0
"""How long the statistics of a column are reused before they are read again."""


@dataclass(frozen=True)
class CommonWords:
    """The commonest lexemes of one column with their share of the rows, and how many rows there are;
    empty before the table was first analysed."""

    shares: dict[str, float]
    rows: float

    def rows_holding(self, lexeme: str) -> int:
        """Rows holding ``lexeme``, as the statistics estimate it; 0 for a word not among the commonest."""
        return int(self.shares.get(lexeme, 0.0) * self.rows)


_cache: dict[tuple[str, str, str], tuple[float, CommonWords]] = {}


def common_words(session: Session, table: str, column: str) -> CommonWords:
    """``table.column``'s commonest lexemes (PostgreSQL only), cached per database for ``STATS_SECONDS``."""
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), table, column)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < STATS_SECONDS:
        return cached[1]
    row = session.connection().execute(text(
        "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
        "FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_stats AS s ON s.schemaname = n.nspname AND s.tablename = c.relname "
        "AND s.attname = :column "
        "WHERE c.oid = to_regclass(:table)"  # the table this session's search_path finds
    ), {"table": table, "column": column}).first()
    found = CommonWords({}, 0.0)
    if row is not None and row[0] is not None and row[1] is not None:
        # The frequencies end with 3 summary values, which zip leaves out.
        found = CommonWords(dict(zip(row[0], row[1], strict=False)), max(float(row[2] or 0.0), 0.0))
    _cache[key] = (now, found)
    return found


def forget() -> None:
    """Read the statistics again next time (after an ANALYZE a caller wants seen at once)."""
    _cache.clear()
