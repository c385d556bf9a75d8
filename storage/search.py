"""Full-text search over stored documents, on whichever backend the session is bound to.

The index itself is created by the migrations (FTS5 on SQLite, a GIN-indexed generated tsvector column
on PostgreSQL); this module only builds queries that use it. User words never reach the query syntax unsanitised:
each term is reduced to letters and digits and passed as a bound parameter.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlmodel import Session

MAX_TERMS = 12
"""A question has a handful of content words; more only slows the query down."""

MAX_TERM_LENGTH = 64
"""PostgreSQL rejects very long words in a tsquery; nothing real is this long anyway."""


@dataclass(frozen=True)
class DocumentHit:
    """One matching document; ``score`` is higher for better matches, comparable within one search."""

    document_id: int
    url: str
    title: str
    kind: str
    score: float


def clean_terms(terms: Sequence[str]) -> list[str]:
    """Reduce each term to its letters and digits, dropping empty and repeated ones.

    NFC first, so an accent typed as a combining mark stays part of its letter instead of being dropped.
    """
    cleaned: list[str] = []
    for term in terms:
        word = "".join(ch for ch in unicodedata.normalize("NFC", term) if ch.isalnum()).lower()
        word = word[:MAX_TERM_LENGTH]
        if word and word not in cleaned:
            cleaned.append(word)
    return cleaned[:MAX_TERMS]


def search_documents(
    session: Session, terms: Sequence[str], member_id: int | None = None, limit: int = 5
) -> list[DocumentHit]:
    """Documents containing every term (each as a prefix, so "trust" finds "trusts"), best first.

    Restricted to one member's documents when ``member_id`` is given.
    """
    words = clean_terms(terms)
    if not words or limit <= 0:
        return []
    dialect = session.get_bind().dialect.name
    sql, params = build_query(dialect, words, member_id, limit)
    connection = session.connection()
    if dialect == "postgresql":
        with _index_scan_only(connection):
            rows = connection.execute(text(sql), params).all()
    else:
        rows = connection.execute(text(sql), params).all()
    return [DocumentHit(document_id=row[0], url=row[1], title=row[2], kind=row[3], score=float(row[4])) for row in rows]


@contextmanager
def _index_scan_only(connection: Connection) -> Iterator[None]:
    """Keep PostgreSQL on the GIN index for one statement.

    The planner does not count the cost of de-TOASTing every stored tsvector and picks a sequential
    scan for prefix queries, which measured 10-50x slower at 20,000 documents. The setting is
    transaction-local and put back afterwards; if the query fails, the rollback discards it anyway.
    """
    previous = connection.execute(text("SELECT current_setting('enable_seqscan')")).scalar_one()
    connection.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    yield
    connection.execute(text("SELECT set_config('enable_seqscan', :previous, true)"), {"previous": previous})


def build_query(dialect: str, words: Sequence[str], member_id: int | None, limit: int) -> tuple[str, dict[str, object]]:
    """The SQL and bound parameters for already-cleaned ``words``; separate so tests can EXPLAIN it."""
    params: dict[str, object] = {"limit": limit}
    member_clause = ""
    if member_id is not None:
        member_clause = "AND d.member_id = :member_id"
        params["member_id"] = member_id
    if dialect == "sqlite":
        # Quoted, each word is a plain token even if it spells AND/OR/NOT/NEAR; * makes it a prefix.
        params["match"] = " ".join(f'"{word}"*' for word in words)
        # rank (bm25, computed once per row) is lower for better matches; negated so higher is better.
        sql = f"""
            SELECT d.id, d.url, d.title, d.kind, -document_fts.rank AS score
            FROM document_fts
            JOIN document AS d ON d.id = document_fts.rowid
            WHERE document_fts MATCH :match {member_clause}
            ORDER BY document_fts.rank, d.id
            LIMIT :limit
        """
        return sql, params
    if dialect == "postgresql":
        params["query"] = " & ".join(f"{word}:*" for word in words)
        # search_vector: generated from title and text, GIN-indexed (migration 0001).
        sql = f"""
            SELECT d.id, d.url, d.title, d.kind,
                   ts_rank(d.search_vector, to_tsquery('simple', :query)) AS score
            FROM document AS d
            WHERE d.search_vector @@ to_tsquery('simple', :query) {member_clause}
            ORDER BY score DESC, d.id
            LIMIT :limit
        """
        return sql, params
    raise NotImplementedError(f"document search is not available on {dialect}")
