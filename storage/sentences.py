"""The sentence index: stored documents cut into sentences, found again by their words for open questions.

Ingest writes a document's sentences (``replace_sentences``) in the same transaction as the document, so
the index never lags what is stored. Matching runs on the full-text index of each store (FTS5 ``bm25``
on SQLite, ``ts_rank`` over a GIN-indexed tsvector on PostgreSQL) over the stems ``storage.terms`` made,
and returns candidates only: how well a sentence answers a question is judged above this layer, the same
way whichever store found it.

A query is a list of *groups*, one per question word, each group the word's stems (a sentence matches a
group when it holds any of them). ``search_sentences`` asks for sentences holding every group of a
combination; callers pass several combinations (all words, then all but one) to stay on selective,
cheap intersections instead of one wide OR over common words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from storage.common_words import common_words
from storage.models import Sentence
from storage.terms import index_terms

MAX_SENTENCE_CHARS = 2000
"""A "sentence" longer than this is a table or a run-on list: cut, it still matches by its start."""

Group = tuple[str, ...]


@dataclass(frozen=True)
class SentenceHit:
    """One matching sentence, with the document it is from; ``score`` is higher for better matches
    (comparable within one store's search only)."""

    sentence_id: int
    document_id: int
    member_id: int | None
    kind: str
    language: str
    position: int
    text: str
    terms: str
    score: float
    url: str
    title: str
    seen_at: datetime


def replace_sentences(session: Session, document_id: int, member_id: int | None, kind: str, language: str,
                      sentences: Sequence[str]) -> int:
    """Make ``sentences`` the document's indexed sentences (its old ones go); returns how many."""
    session.connection().execute(text("DELETE FROM sentence WHERE document_id = :d"), {"d": document_id})
    owner = f" {member_token(member_id)}" if member_id is not None else ""
    rows = [
        Sentence(document_id=document_id, member_id=member_id, kind=str(kind), language=language, position=i,
                 text=s[:MAX_SENTENCE_CHARS], terms=index_terms(s[:MAX_SENTENCE_CHARS]) + owner)
        for i, s in enumerate(s for s in sentences if s.strip())
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def member_token(member_id: int) -> str:
    """The token a member's sentences carry in ``terms``: matching it narrows a search to one member inside
    the full-text index itself (FTS5 cannot filter on another column), so a member's question costs what
    its own sentences cost, however large the collection. No word looks like it (words are folded letters
    and digits; this one mixes a prefix no language uses with the id)."""
    return f"ogpwmember{member_id}"


def documents_without_sentences(session: Session, after_id: int = 0, limit: int = 500) -> list[int]:
    """Stored documents (ids above ``after_id``, in order) with text but no indexed sentences yet: stored
    before the index existed."""
    rows = session.connection().execute(text(
        "SELECT d.id FROM document AS d WHERE d.id > :after AND d.text <> '' "
        "AND NOT EXISTS (SELECT 1 FROM sentence AS s WHERE s.document_id = d.id) ORDER BY d.id LIMIT :limit"
    ), {"after": after_id, "limit": limit})
    return [int(r[0]) for r in rows]


def search_sentences(session: Session, combinations: Sequence[Sequence[Group]], *, member_id: int | None = None,
                     mentions: Sequence[Sequence[Group]] = (), limit: int = 20) -> list[SentenceHit]:
    """Sentences holding every group of at least one combination, best first, each once.

    Restricted to one member's sentences when ``member_id`` is given; ``mentions`` (the member's names, as
    groups) add the sentences of pages about no member that name it: each combination is then also tried
    with a name's groups added, on sentences without a member.
    """
    combos = [[g for g in combo if g] for combo in combinations]
    combos = [c for c in combos if c]
    if not combos or limit <= 0:
        return []
    dialect = session.get_bind().dialect.name
    named = [[*combo, *name] for combo in combos for name in mentions] if member_id is not None else []
    sql, params = build_query(dialect, combos, member_id, limit, named)
    rows = session.connection().execute(text(sql), params).all()
    return [SentenceHit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], float(row[8]), row[9], row[10],
                        _datetime(row[11])) for row in rows]


def _datetime(value: datetime | str) -> datetime:
    """SQLite returns a raw query's timestamps as text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def sentence_frequencies(session: Session, groups: Sequence[Group], cap: int) -> tuple[list[int], int]:
    """How many sentences hold each group (a word's stems), counted up to ``cap``, and how many sentences
    there are (at least ``cap``). One statement.

    On PostgreSQL the commonest words are known without counting (``storage.common_words``): a group
    holding one of them is at the cap, and only the rarer groups are counted.
    """
    if not groups:
        return [], cap
    dialect = session.get_bind().dialect.name
    common = common_words(session, "sentence", "terms_vector") if dialect == "postgresql" else None
    known = [min(cap, max((common.rows_holding(stem) for stem in g), default=0)) if common else 0 for g in groups]
    params: dict[str, object] = {"cap": cap}
    parts = []
    for i, group in enumerate(groups):
        if known[i] >= cap:
            parts.append(f"{cap}")
        elif dialect == "sqlite":
            params[f"g{i}"] = " OR ".join(f'"{stem}"' for stem in group)
            parts.append(f"(SELECT count(*) FROM (SELECT 1 FROM sentence_fts WHERE sentence_fts MATCH :g{i} "
                         f"LIMIT :cap))")
        else:
            params[f"g{i}"] = " | ".join(group)
            parts.append(f"(SELECT count(*) FROM (SELECT 1 FROM sentence WHERE terms_vector @@ "
                         f"to_tsquery('simple', :g{i}) LIMIT :cap) AS c{i})")
    total = "(SELECT count(*) FROM (SELECT 1 FROM sentence LIMIT :cap) AS t)"
    row = session.connection().execute(text(f"SELECT {', '.join(parts + [total])}"), params).one()
    return [int(v) for v in row[:-1]], max(int(row[-1]), cap)


def _sqlite_match(combo: Sequence[Group]) -> str:
    # Each stem quoted: a plain token even if it spells AND/OR/NOT/NEAR.
    return " AND ".join("(" + " OR ".join(f'"{stem}"' for stem in group) + ")" for group in combo)


def _postgres_query(combo: Sequence[Group]) -> str:
    return " & ".join("(" + " | ".join(group) + ")" for group in combo)


def build_query(dialect: str, combos: Sequence[Sequence[Group]], member_id: int | None, limit: int,
                named: Sequence[Sequence[Group]] = ()) -> tuple[str, dict[str, object]]:
    """The SQL for ``search_sentences``; separate so tests can EXPLAIN it. Stems are letters and digits
    only (``storage.terms``) and every expression is a bound parameter. ``named``: combinations that
    match sentences without a member (a name of the member among their groups)."""
    if dialect not in {"sqlite", "postgresql"}:
        raise NotImplementedError(f"sentence search is not available on {dialect}")
    params: dict[str, object] = {"limit": limit}
    if member_id is not None:
        params["member_id"] = member_id
    parts = []
    owned = [[*c, (member_token(member_id),)] for c in combos] if member_id is not None else list(combos)
    for i, (combo, unowned) in enumerate([(c, False) for c in owned] + [(c, True) for c in named]):
        whose = "" if member_id is None else ("s.member_id IS NULL" if unowned else "s.member_id = :member_id")
        if dialect == "sqlite":
            params[f"q{i}"] = _sqlite_match(combo)
            found = (f"SELECT rowid AS id, -bm25(sentence_fts) AS score FROM sentence_fts "
                     f"WHERE sentence_fts MATCH :q{i}")
            # FTS5 cannot filter by member: the sentence row is checked once FTS5 has matched. CROSS JOIN
            # keeps that order; otherwise SQLite walks the member's sentences and re-runs the match per row.
            parts.append(f"SELECT m.id, m.score FROM ({found}) AS m CROSS JOIN sentence AS s ON s.id = m.id"
                         + (f" WHERE {whose}" if whose else ""))
        else:
            params[f"q{i}"] = _postgres_query(combo)
            parts.append(f"SELECT s.id, ts_rank(s.terms_vector, to_tsquery('simple', :q{i})) AS score "
                         f"FROM sentence AS s WHERE s.terms_vector @@ to_tsquery('simple', :q{i})"
                         + (f" AND {whose}" if whose else ""))
    matches = " UNION ALL ".join(parts)
    # A sentence found by several combinations keeps its best score (the fullest combination's).
    # MATERIALIZED: SQLite must not fold the matches into the outer query (bm25 works only right on FTS5).
    # The best are chosen before the sentences and pages are joined: a common word matches hundreds of
    # sentences, and joining them all only to keep 20 was most of the query's time.
    sql = f"""
        WITH u AS MATERIALIZED ({matches})
        SELECT s.id, s.document_id, s.member_id, s.kind, s.language, s.position, s.text, s.terms,
               m.score, d.url, d.title, d.seen_at
        FROM (SELECT id, max(score) AS score FROM u GROUP BY id ORDER BY max(score) DESC, id LIMIT :limit) AS m
        JOIN sentence AS s ON s.id = m.id
        JOIN document AS d ON d.id = s.document_id
        ORDER BY m.score DESC, s.id
        LIMIT :limit
    """
    return sql, params
