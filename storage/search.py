"""Full-text search over stored documents, on whichever backend the session is bound to.

The index itself is created by the migrations (FTS5 on SQLite, a GIN-indexed generated tsvector column
on PostgreSQL); this module only builds queries that use it. User words never reach the query syntax unsanitised:
each term is reduced to letters and digits and passed as a bound parameter.

Two things keep a search cheap whatever is asked:

* Hits carry an *excerpt*, a window of a few dozen words around the matches with every matching word
  between ``MARK_START`` and ``MARK_END``, computed for the returned hits only: FTS5 ``snippet()`` on
  SQLite; on PostgreSQL the hit's sentence holding most of the words, from the sentence index
  (``ts_headline`` over the whole document only for a hit no sentence quotes). Quoting a hit never needs
  its whole text in Python.
* A search whose terms are in most documents ("transparency", "data") is *too general*: ranking every
  match costs tens of milliseconds and ranks nearly the whole collection. A bounded count finds this
  out first, and such a search returns the most recently added matching documents instead, flagged so
  the answer can say so.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from sqlalchemy import Connection, text
from sqlmodel import Session

from storage.common_words import common_words
from storage.terms import query_stems, stems
from storage.terms import words as term_words

MAX_TERMS = 12
"""A question has a handful of content words; more only slows the query down."""

MAX_TERM_LENGTH = 64
"""PostgreSQL rejects very long words in a tsquery; nothing real is this long anyway."""

GENERAL_SHARE = 0.5
"""A search matching more than this share of all documents is too general to rank."""

MIN_GENERAL_MATCHES = 1000
"""...and only when it matches at least this many: ranking a few hundred documents is cheap, and in a
small collection a word in most documents may still be the one the user wants."""

MARK_START = "\x02"
MARK_END = "\x03"
"""Around each matching word in an excerpt: control characters, which page text (HTML, PDF) does not carry."""

EXCERPT_WORDS = 64
"""Length of an excerpt (FTS5's maximum): the sentence holding the match, or ~50 words of it, which is as
much as answers quote."""

_SQLITE_SNIPPET = f"snippet(document_fts, 1, char(2), char(3), '…', {EXCERPT_WORDS})"
_POSTGRES_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={EXCERPT_WORDS}, MinWords={EXCERPT_WORDS // 2}, "
    "ShortWord=0, MaxFragments=1"
)
"""One fragment (which, unlike the default headline, starts some words before the first match)."""

SENTENCE_REACH = 300
"""PostgreSQL: how far (characters) a headline fragment is widened to reach its sentences' ends."""


@dataclass(frozen=True)
class DocumentHit:
    """One matching document; ``score`` is higher for better matches, comparable within one search.

    ``excerpt`` (only when asked for) is a window of the document's text around its best matches, with
    matching words between ``MARK_START`` and ``MARK_END``. On SQLite "…" marks where the window cuts
    the text (it starts at a sentence start where it can); on PostgreSQL the window is widened to whole
    sentences instead, and cuts are not marked. Without a marked word when only the title matched.
    """

    document_id: int
    url: str
    title: str
    kind: str
    score: float
    excerpt: str = ""


@dataclass(frozen=True)
class SearchResult:
    """The hits of one search and whether it was too general to rank (see the module docstring).

    When ``too_general``, ``hits`` are the most recently added matching documents, not the best ones,
    and ``documents`` is the number of documents in the collection (more than ``GENERAL_SHARE`` of
    which match).
    """

    hits: list[DocumentHit] = field(default_factory=list)
    too_general: bool = False
    documents: int = 0


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

    Restricted to one member's documents when ``member_id`` is given. Always ranks every match; chat
    answers use ``search``, which does not for too general terms.
    """
    return search(session, terms, member_id, limit, check_general=False).hits


def search(
    session: Session,
    terms: Sequence[str],
    member_id: int | None = None,
    limit: int = 5,
    *,
    excerpts: bool = False,
    check_general: bool = True,
    documents: int | None = None,
) -> SearchResult:
    """Like ``search_documents``, with excerpts if asked, and too general searches answered cheaply.

    Whether a search is too general is judged on the whole collection (every term together, the
    member filter left out): a word in most documents says as little within one member's documents.
    ``documents`` is the size of the collection if the caller keeps it (the chat engine re-counts it
    every few seconds); otherwise it is counted here, one more statement.
    """
    words = clean_terms(terms)
    if not words or limit <= 0:
        return SearchResult()
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    if check_general and documents is None:
        documents = count_documents(session)
    threshold = general_threshold(documents) if documents is not None else 0
    too_general = False
    # PostgreSQL quotes a hit's best sentence from the sentence index: ts_headline over a whole document
    # cost several milliseconds a hit (30 ms for a too general search's three long documents).
    headlines = excerpts and dialect != "postgresql"
    with _index_scan_only(connection) if dialect == "postgresql" else nullcontext():
        if check_general and dialect == "postgresql" and _surely_general(session, words, threshold):
            # One word the statistics show in most documents: too general without counting its matches.
            too_general = True
            sql, params = build_query(dialect, words, member_id, limit, newest=True)
            rows = connection.execute(text(sql), params).all()
        elif check_general and dialect == "postgresql":
            sql, params = build_checked_query(words, member_id, limit, threshold, headlines)
            rows = connection.execute(text(sql), params).all()
            too_general = bool(rows) and bool(rows[0][6])
        else:
            exact = False
            if check_general:
                sql, params = build_general_check(dialect, words, threshold)
                exact_matches, matches = connection.execute(text(sql), params).one()
                exact = exact_matches is not None and exact_matches >= threshold
                too_general = exact or matches >= threshold
            sql, params = build_query(dialect, words, member_id, limit, newest=too_general, excerpts=headlines,
                                      exact=exact)
            rows = connection.execute(text(sql), params).all()
        quoted = _sentence_excerpts(connection, [row[0] for row in rows], words) if excerpts and not headlines else {}
        missing = [row[0] for row in rows if excerpts and not headlines and row[0] not in quoted]
        if missing:  # no sentence of it holds the words (a title match, a page not indexed yet)
            sql, params = _headline_query(words, missing)
            quoted |= {int(row[0]): str(row[1]) for row in connection.execute(text(sql), params)}
    hits = [
        DocumentHit(row[0], row[1], row[2], row[3], float(row[4]),
                    ((row[5] if headlines else quoted.get(row[0])) or "") if excerpts else "")
        for row in rows
    ]
    return SearchResult(hits, too_general, documents or 0)


def _sentence_excerpts(connection: Connection, document_ids: Sequence[int], words: Sequence[str]) -> dict[int, str]:
    """PostgreSQL: each document's sentence holding most of ``words`` (as prefixes of their stems), the
    first such on a tie, with the matching words marked; documents with no such sentence are left out."""
    if not document_ids:
        return {}
    groups = [group for word in words for group in query_stems([word])]
    prefixes = sorted({stem for group in groups for stem in group})
    if not prefixes:
        return {}
    query = " | ".join(f"{stem}:*" for stem in prefixes)
    found = connection.execute(text("""
        SELECT DISTINCT ON (s.document_id) s.document_id, s.text
        FROM sentence AS s
        WHERE s.document_id = ANY(:ids) AND s.terms_vector @@ to_tsquery('simple', :query)
        ORDER BY s.document_id, ts_rank(s.terms_vector, to_tsquery('simple', :query)) DESC, s.position
    """), {"ids": list(document_ids), "query": query})
    return {int(row[0]): _marked(str(row[1]), prefixes) for row in found}


def _marked(sentence: str, prefixes: Sequence[str]) -> str:
    """The sentence, cut to ``EXCERPT_WORDS`` words around its first match, each matching word marked."""
    tokens = sentence.split()

    def matches(token: str) -> bool:
        return any(stem.startswith(prefix) for word in term_words(token) for stem in stems(word)
                   for prefix in prefixes)

    marks = [matches(token) for token in tokens]
    first = marks.index(True) if any(marks) else 0
    start = max(0, min(first - EXCERPT_WORDS // 4, len(tokens) - EXCERPT_WORDS))
    shown = range(start, min(len(tokens), start + EXCERPT_WORDS))
    text_ = " ".join(_mark(tokens[i]) if marks[i] else tokens[i] for i in shown)
    return ("…" if start > 0 else "") + text_ + ("…" if shown.stop < len(tokens) else "")


_OPENING = "\"'“‘(¿¡[«"
_CLOSING = "\"'”’).,;:!?]»…"


def _mark(token: str) -> str:
    """Marks the word, not the punctuation around it: "(budget)," becomes "(<budget>),"."""
    opened = token.lstrip(_OPENING)
    word = opened.rstrip(_CLOSING) or opened or token
    start = token.index(word)
    return token[:start] + MARK_START + word + MARK_END + token[start + len(word):]


def _headline_query(words: Sequence[str], document_ids: Sequence[int]) -> tuple[str, dict[str, object]]:
    """PostgreSQL: ts_headline excerpts for these documents (those no sentence of which quotes the words)."""
    params = _match_params("postgresql", words) | {"ids": list(document_ids)}
    top = "(SELECT d0.id, 0.0 AS score FROM document AS d0 WHERE d0.id = ANY(:ids))"
    sql = _postgres_hits(top, "top.id", True, params)
    return f"SELECT id, excerpt FROM ({sql}) AS h(id, url, title, kind, score, excerpt)", params


def _surely_general(session: Session, words: Sequence[str], threshold: int) -> bool:
    """PostgreSQL: whether a one-word search is too general by the column's statistics alone
    (``storage.common_words``). A word as a prefix matches at least the documents holding it whole; for
    several words (all required) the statistics cannot tell, and the matches are counted."""
    if len(words) != 1:
        return False
    return common_words(session, "document", "search_vector").rows_holding(words[0]) >= threshold


def count_documents(session: Session) -> int:
    """Documents in the collection (an index-only count: about a millisecond at 20,000 on PostgreSQL)."""
    return int(session.connection().execute(text("SELECT count(*) FROM document")).scalar_one())


def general_threshold(documents: int) -> int:
    """The fewest matches that make a search too general in a collection of ``documents``."""
    return max(MIN_GENERAL_MATCHES, int(documents * GENERAL_SHARE) + 1)


@contextmanager
def _index_scan_only(connection: Connection) -> Iterator[None]:
    """Keep PostgreSQL on the GIN index for the statements inside.

    The planner does not count the cost of de-TOASTing every stored tsvector and picks a sequential
    scan for prefix queries, which measured 10-50x slower at 20,000 documents. The setting is
    transaction-local and put back afterwards; if a query fails, the rollback discards it anyway.
    The previous value is read and the new one set in one statement (one round trip, not two).
    """
    previous = connection.execute(
        text("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
    ).one()[0]
    yield
    connection.execute(text("SELECT set_config('enable_seqscan', :previous, true)"), {"previous": previous})


def _match_params(dialect: str, words: Sequence[str], exact: bool = False) -> dict[str, object]:
    """The bound match expression: every word as a prefix, or with ``exact`` (SQLite) as a whole word."""
    if dialect == "sqlite":
        # Quoted, each word is a plain token even if it spells AND/OR/NOT/NEAR; * makes it a prefix.
        return {"match": " ".join(f'"{word}"' + ("" if exact else "*") for word in words)}
    if dialect == "postgresql":
        return {"query": " & ".join(f"{word}:*" for word in words)}
    raise NotImplementedError(f"document search is not available on {dialect}")


def build_general_check(dialect: str, words: Sequence[str], threshold: int) -> tuple[str, dict[str, object]]:
    """SQLite: SQL returning (matches of the words as whole words, matches as prefixes), each counted
    only up to ``threshold`` (see ``general_threshold``). PostgreSQL checks within the search statement
    (``build_checked_query``).

    Stopping at the threshold makes a word in every document cost no more to check than one in half
    of them, and a rare word next to nothing. The whole words are counted first: they are a lower bound
    (a document with "data" matches "data*") that needs none of FTS5's costly expansion of a common
    prefix into every word it starts (data, database, datasets...); the prefix count is only made when
    the whole words do not already decide, and is NULL otherwise.
    """
    if dialect != "sqlite":
        raise NotImplementedError(f"a separate too-general check is for SQLite, not {dialect}")
    params = _match_params(dialect, words) | {"threshold": threshold}
    params["exact"] = _match_params(dialect, words, exact=True)["match"]
    fts = "SELECT 1 FROM document_fts WHERE document_fts MATCH"
    sql = f"""
        WITH exact AS MATERIALIZED (SELECT count(*) AS n FROM ({fts} :exact LIMIT :threshold))
        SELECT (SELECT n FROM exact),
               CASE WHEN (SELECT n FROM exact) >= :threshold THEN NULL
                    ELSE (SELECT count(*) FROM ({fts} :match LIMIT :threshold))
               END
    """
    return sql, params


def build_query(
    dialect: str,
    words: Sequence[str],
    member_id: int | None,
    limit: int,
    *,
    newest: bool = False,
    excerpts: bool = False,
    exact: bool = False,
) -> tuple[str, dict[str, object]]:
    """The SQL and bound parameters for already-cleaned ``words``; separate so tests can EXPLAIN it.

    Best matches first, or with ``newest`` the most recently added matches (highest id) first, which
    needs no ranking of the other matches. ``exact`` (SQLite) matches whole words instead of prefixes.
    Columns: id, url, title, kind, score[, excerpt].
    """
    params = _match_params(dialect, words, exact) | {"limit": limit}
    member_clause = ""
    if member_id is not None:
        member_clause = "AND d.member_id = :member_id"
        params["member_id"] = member_id
    if dialect == "sqlite":
        excerpt = f", {_SQLITE_SNIPPET}" if excerpts else ""
        if member_id is not None and not newest:
            # One member's matches are few: rank only those (bm25 after the member filter, sorted by
            # SQLite), then take excerpts of the hits alone, each found again by rowid.
            inner = f"""
                SELECT d.id AS id, d.url AS url, d.title AS title, d.kind AS kind,
                       -bm25(document_fts) AS score
                FROM document_fts
                JOIN document AS d ON d.id = document_fts.rowid
                WHERE document_fts MATCH :match {member_clause}
                ORDER BY score DESC, d.id
                LIMIT :limit
            """
            if not excerpts:
                return inner, params
            sql = f"""
                SELECT top.id, top.url, top.title, top.kind, top.score{excerpt}
                FROM ({inner}) AS top
                JOIN document_fts ON document_fts.rowid = top.id
                WHERE document_fts MATCH :match
                ORDER BY top.score DESC, top.id
            """
            return sql, params
        # ORDER BY rank alone (no tie-breaker) lets FTS5 sort by itself; the join and snippet() then
        # run for the rows returned only. rank is bm25, lower for better matches.
        order = "document_fts.rowid DESC" if newest else "document_fts.rank"
        sql = f"""
            SELECT d.id, d.url, d.title, d.kind, -document_fts.rank AS score{excerpt}
            FROM document_fts
            JOIN document AS d ON d.id = document_fts.rowid
            WHERE document_fts MATCH :match {member_clause}
            ORDER BY {order}
            LIMIT :limit
        """
        return sql, params
    # search_vector: generated from title and text, GIN-indexed (migration 0001).
    order = "d.id DESC" if newest else "score DESC, d.id"
    top = f"""
        SELECT d.id, ts_rank(d.search_vector, to_tsquery('simple', :query)) AS score
        FROM document AS d
        WHERE d.search_vector @@ to_tsquery('simple', :query) {member_clause}
        ORDER BY {order}
        LIMIT :limit
    """
    outer_order = "top.id DESC" if newest else "top.score DESC, top.id"
    return _postgres_hits(f"({top})", outer_order, excerpts, params), params


def build_checked_query(words: Sequence[str], member_id: int | None, limit: int, threshold: int,
                        excerpts: bool = False) -> tuple[str, dict[str, object]]:
    """PostgreSQL: the too-general check and the search in one statement that visits the matches once.

    The matches (up to ``threshold``, without the member filter) are read once into ``matching``: fewer
    than ``threshold`` of them are ranked from there (the member filter applied), otherwise the most
    recently added matches are taken instead and ranking is skipped. Two separate statements read the
    same rows twice, which cost a topic-word search about 1.5 ms. The ranking reads each match again by its
    row address (ctid, stable within the statement), not through the primary key: 1,600 index descents
    less, 7.2 → 5.7 ms for a topic word on the synthetic database. Columns as ``build_query``'s, then
    whether the search was too general (the same in every row).
    """
    params = _match_params("postgresql", words) | {"limit": limit, "threshold": threshold}
    member_clause = member_clause_m = ""
    if member_id is not None:
        member_clause, member_clause_m = "AND d.member_id = :member_id", "AND m.member_id = :member_id"
        params["member_id"] = member_id
    top = f"""(
        WITH matching AS MATERIALIZED (
            SELECT d.id, d.member_id, d.ctid AS tid
            FROM document AS d
            WHERE d.search_vector @@ to_tsquery('simple', :query)
            LIMIT :threshold
        ),
        verdict AS MATERIALIZED (SELECT count(*) >= :threshold AS general FROM matching)
        (
            SELECT m.id, ts_rank(r.search_vector, to_tsquery('simple', :query)) AS score,
                   false AS general
            FROM matching AS m
            JOIN document AS r ON r.ctid = m.tid
            WHERE NOT (SELECT general FROM verdict) {member_clause_m}
            ORDER BY score DESC, m.id
            LIMIT :limit
        )
        UNION ALL
        (
            SELECT d.id, ts_rank(d.search_vector, to_tsquery('simple', :query)) AS score, true AS general
            FROM document AS d
            WHERE (SELECT general FROM verdict) AND d.search_vector @@ to_tsquery('simple', :query)
                  {member_clause}
            ORDER BY d.id DESC
            LIMIT :limit
        )
    )"""
    # Rows come from one branch only: order by id (newest first) for the too general one.
    order = "CASE WHEN top.general THEN top.id END DESC, top.score DESC, top.id"
    return _postgres_hits(top, order, excerpts, params, extra=", top.general"), params


def _postgres_hits(top: str, order: str, excerpts: bool, params: dict[str, object], extra: str = "") -> str:
    """The hits' columns for ``top`` (a subquery of id, score), the document read for those rows only.

    With ``excerpts``, a headline per hit, computed after ranking. A headline fragment starts and ends
    at words, wherever the sentence is: it is found in the text (it is copied from it verbatim) and
    widened to the sentence boundaries around it, up to SENTENCE_REACH characters on each side, so
    quotes keep their opening words and closing punctuation as on SQLite.
    """
    if not excerpts:
        return f"""
            SELECT top.id, d.url, d.title, d.kind, top.score, NULL{extra}
            FROM {top} AS top
            JOIN document AS d ON d.id = top.id
            ORDER BY {order}
        """
    params |= {"headline": _POSTGRES_HEADLINE_OPTIONS, "reach": SENTENCE_REACH}
    # OFFSET 0 keeps the planner from folding the subqueries into the expressions above them, which
    # would compute the headline (and strpos) once per reference instead of once per hit (15 ms, not 0.5).
    return f"""
        SELECT top.id, d.url, d.title, d.kind, top.score,
               CASE WHEN f.at > 0 THEN
                   coalesce(substring(substr(d.text, greatest(1, f.at - :reach), least(f.at - 1, :reach))
                                      from '[^.!?\\n]*$'), '')
                   || f.headline
                   || coalesce(substring(substr(d.text, f.at + length(f.plain), :reach)
                                         from '^[^.!?\\n]*[.!?]?'), '')
               ELSE f.headline END{extra}
        FROM {top} AS top
        JOIN document AS d ON d.id = top.id
        CROSS JOIN LATERAL (
            SELECT h.headline, h.plain, strpos(d.text, h.plain) AS at
            FROM (
                SELECT x.headline, translate(x.headline, chr(2) || chr(3), '') AS plain
                FROM (
                    SELECT ts_headline('simple', d.text, to_tsquery('simple', :query), :headline) AS headline
                    OFFSET 0
                ) AS x
            ) AS h
            OFFSET 0
        ) AS f
        ORDER BY {order}
    """
