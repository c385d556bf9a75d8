"""Document search: prefixes, all terms required, member filter, ranking, hostile input, index upkeep."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session, func, select, text

from storage import search as search_module
from storage.common_words import forget
from storage.models import Document, DocumentKind, Member
from storage.search import MARK_END, MARK_START, DocumentHit, build_query, clean_terms, search, search_documents
from storage.sentences import replace_sentences


def _member(session: Session, slug: str) -> int:
    member = Member(slug=slug, name_en=slug.title(), kind="country")
    session.add(member)
    session.flush()
    assert member.id is not None
    return member.id


def _document(session: Session, slug: str, title: str, body: str, member_id: int | None = None) -> Document:
    document = Document(
        url=f"https://example.org/{slug}",
        title=title,
        kind=DocumentKind.RESULTS_REPORT,
        member_id=member_id,
        text=body,
    )
    session.add(document)
    session.commit()
    return document


def _urls(hits: list[DocumentHit]) -> list[str]:
    return [hit.url.rsplit("/", 1)[1] for hit in hits]


@pytest.fixture
def library(session: Session) -> dict[str, int]:
    kenya = _member(session, "kenya")
    chile = _member(session, "chile")
    _document(session, "k-trust", "Kenya report", "Public trusts and beneficial ownership registers.", kenya)
    _document(session, "k-water", "Kenya water", "Water services and budget transparency.", kenya)
    _document(session, "c-trust", "Chile report", "Trust in institutions and lobbying rules.", chile)
    _document(session, "orphan", "Global news", "Open contracting across members.", None)
    return {"kenya": kenya, "chile": chile}


def test_terms_are_prefixes(session: Session, library: dict[str, int]) -> None:
    hits = search_documents(session, ["trust"])
    assert sorted(_urls(hits)) == ["c-trust", "k-trust"]
    assert _urls(search_documents(session, ["benef", "owner"])) == ["k-trust"]


def test_every_term_is_required(session: Session, library: dict[str, int]) -> None:
    assert _urls(search_documents(session, ["trust", "lobbying"])) == ["c-trust"]
    assert search_documents(session, ["trust", "water"]) == []


def test_titles_are_searched_too(session: Session, library: dict[str, int]) -> None:
    assert _urls(search_documents(session, ["global"])) == ["orphan"]


def test_member_filter(session: Session, library: dict[str, int]) -> None:
    assert _urls(search_documents(session, ["trust"], member_id=library["kenya"])) == ["k-trust"]
    assert _urls(search_documents(session, ["trust"], member_id=library["chile"])) == ["c-trust"]
    assert search_documents(session, ["water"], member_id=library["chile"]) == []


def test_hit_carries_document_fields(session: Session, library: dict[str, int]) -> None:
    [hit] = search_documents(session, ["water"])
    document = session.exec(select(Document).where(Document.url == hit.url)).one()
    assert hit == DocumentHit(document.id, document.url, "Kenya water", "results_report", hit.score)  # type: ignore[arg-type]
    assert hit.score > 0


def test_better_match_ranks_first(session: Session) -> None:
    filler = " ".join(["assorted unrelated words about governance"] * 30)
    _document(session, "weak", "Annual digest", f"{filler} budget {filler}")
    _document(session, "strong", "Budget transparency", "Budget budget budget: the open budget portal.")
    _document(session, "middle", "Annual digest two", f"budget {filler} budget")
    hits = search_documents(session, ["budget"])
    assert _urls(hits) == ["strong", "middle", "weak"]
    assert hits[0].score > hits[1].score > hits[2].score


def test_limit(session: Session) -> None:
    for number in range(8):
        _document(session, f"d{number}", f"Report {number}", "open data")
    assert len(search_documents(session, ["open"], limit=3)) == 3
    assert len(search_documents(session, ["open"])) == 5
    assert search_documents(session, ["open"], limit=0) == []


@pytest.mark.parametrize(
    "terms",
    [
        ['"; DROP TABLE document; --'],
        ["NEAR("],
        ["*"],
        ["a OR"],
        ["trust", "NOT", "water"],
        ["title:trust"],
        ["trust & water | !budget"],
        ["(", ")", "(*)"],
        ["'", '"', "\\", "%", "_"],
        ["x" * 5000],
        [],
        [""],
    ],
)
def test_hostile_terms_are_harmless(session: Session, library: dict[str, int], terms: list[str]) -> None:
    assert search_documents(session, terms) == []
    assert session.exec(select(func.count()).select_from(Document)).one() == 4
    assert _urls(search_documents(session, ["trust"], member_id=library["kenya"])) == ["k-trust"]


def test_operator_words_are_searched_as_words(session: Session) -> None:
    _document(session, "ops", "Notes", "near and or not")
    assert _urls(search_documents(session, ["NEAR", "AND", "OR", "NOT"])) == ["ops"]


def test_clean_terms() -> None:
    assert clean_terms(['"; DROP TABLE', "Trust*", "trust", "", "**", "e\u0301lection"]) == [
        "droptable",
        "trust",
        "élection",
    ]


def test_index_follows_text_updates(session: Session, library: dict[str, int]) -> None:
    document = session.exec(select(Document).where(Document.url.endswith("k-water"))).one()  # type: ignore[attr-defined]
    document.text = "Fisheries licensing data."
    session.add(document)
    session.commit()
    assert search_documents(session, ["water", "services"]) == []
    assert _urls(search_documents(session, ["fisheries"])) == ["k-water"]
    assert _urls(search_documents(session, ["kenya", "water"])) == ["k-water"]  # title unchanged

    document.title = "Kenya fisheries"
    session.add(document)
    session.commit()
    assert search_documents(session, ["kenya", "water"]) == []
    assert _urls(search_documents(session, ["kenya", "fisheries"])) == ["k-water"]


def test_index_follows_deletes(session: Session, library: dict[str, int]) -> None:
    document = session.exec(select(Document).where(Document.url.endswith("c-trust"))).one()  # type: ignore[attr-defined]
    session.delete(document)
    session.commit()
    assert _urls(search_documents(session, ["trust"])) == ["k-trust"]
    assert search_documents(session, ["lobbying"]) == []


@pytest.mark.parametrize("member_id", [None, 1])
def test_search_uses_the_full_text_index(session: Session, member_id: int | None) -> None:
    """Without the index, search would scan and re-tokenise every document (too slow at 20,000)."""
    dialect = session.get_bind().dialect.name
    sql, params = build_query(dialect, ["trust", "water"], member_id, 5)
    connection = session.connection()
    if dialect == "sqlite":
        plan = [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params)]
        assert any("VIRTUAL TABLE INDEX" in step for step in plan), plan
    else:
        connection.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table is scanned anyway
        plan = [row[0] for row in connection.execute(text(f"EXPLAIN {sql}"), params)]
        assert not any("Seq Scan" in step for step in plan), plan
        if member_id is None:  # with a member, the planner may rightly start from ix_document_member_id
            assert any("ix_document_fts" in step for step in plan), plan


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_planner_settings_are_put_back(session: Session, library: dict[str, int]) -> None:
    """Only PostgreSQL search changes a setting (see storage.search._index_scan_only)."""
    assert _urls(search_documents(session, ["water"])) == ["k-water"]
    setting = session.connection().execute(text("SELECT current_setting('enable_seqscan')")).scalar_one()
    assert setting == "on"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_ignores_accents(session: Session) -> None:
    """FTS5's remove_diacritics: people type "participacion" for "participación" (PostgreSQL's
    'simple' configuration does not do this)."""
    _document(session, "es", "Participación ciudadana", "Informe de resultados")
    assert _urls(search_documents(session, ["participacion"])) == ["es"]


# -- excerpts and too general searches -----------------------------------------------------------------


def test_excerpt_marks_the_matching_words(session: Session, library: dict[str, int]) -> None:
    [hit] = search(session, ["water"], excerpts=True).hits
    assert f"{MARK_START}Water{MARK_END} services" in hit.excerpt
    assert search(session, ["water"]).hits[0].excerpt == ""  # only when asked for


def test_excerpts_with_a_member_filter_keep_the_ranking(session: Session) -> None:
    member = _member(session, "peru")
    filler = " ".join(["assorted unrelated words about governance"] * 30)
    _document(session, "weak", "Annual digest", f"{filler}. The budget is late. {filler}", member)
    _document(session, "strong", "Budget portal", "The budget portal shows the budget.", member)
    _document(session, "elsewhere", "Budget", "budget budget budget", None)
    plain = search(session, ["budget"], member_id=member)
    with_excerpts = search(session, ["budget"], member_id=member, excerpts=True)
    assert _urls(plain.hits) == _urls(with_excerpts.hits) == ["strong", "weak"]
    assert [h.score for h in plain.hits] == [h.score for h in with_excerpts.hits]
    assert f"The {MARK_START}budget{MARK_END} is late." in with_excerpts.hits[1].excerpt


@pytest.fixture
def general(session: Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Six documents, "transparency" in five (more than half): too general once the floor is low."""
    monkeypatch.setattr(search_module, "MIN_GENERAL_MATCHES", 3)
    kenya = _member(session, "kenya")
    for number in range(1, 6):
        _document(session, f"t{number}", f"Report {number}", f"Budget transparency, part {number}.",
                  kenya if number % 2 else None)
    _document(session, "other", "Other", "Water services.")
    return {"kenya": kenya}


def test_a_term_in_most_documents_is_too_general(session: Session, general: dict[str, int]) -> None:
    result = search(session, ["transparency"], limit=3, excerpts=True)
    assert result.too_general and result.documents == 6
    # The most recently added matches, not a ranking of all of them.
    assert _urls(result.hits) == ["t5", "t4", "t3"]
    assert all(MARK_START in hit.excerpt for hit in result.hits)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_knows_a_common_word_from_its_statistics_without_counting(
    session: Session, general: dict[str, int]
) -> None:
    """Counting a common word's matches rechecks every one of them (tens of ms at OGP scale); ANALYZE's
    statistics already say the word is in most documents."""
    session.commit()
    session.execute(text("ANALYZE document"))
    session.commit()
    forget()
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        result = search(session, ["transparency"], limit=3, documents=6)
        several = search(session, ["transparency", "budget"], limit=3, documents=6)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert result.too_general and _urls(result.hits) == ["t5", "t4", "t3"]
    assert several.too_general  # two words: counted, as before
    assert sum("count(*)" in st for st in statements) == 1, statements


def test_too_general_within_one_member(session: Session, general: dict[str, int]) -> None:
    result = search(session, ["transparency"], member_id=general["kenya"], limit=3)
    assert result.too_general
    assert _urls(result.hits) == ["t5", "t3", "t1"]


def test_prefixes_count_towards_too_general(session: Session, general: dict[str, int]) -> None:
    """"transp" is no word of its own; it is a prefix of "transparency", so as general."""
    assert search(session, ["transp"]).too_general


def test_rarer_terms_are_ranked_as_before(session: Session, general: dict[str, int]) -> None:
    assert not search(session, ["water"]).too_general
    result = search(session, ["transparency", "part", "3"])  # all three words: one document
    assert not result.too_general and _urls(result.hits) == ["t3"]
    # Three of six is not more than half.
    _document(session, "more", "More", "water")
    _document(session, "again", "Again", "water")
    assert not search(session, ["water"]).too_general


def test_the_floor_keeps_small_collections_ranked(session: Session, library: dict[str, int]) -> None:
    """"report" is in four of six documents, but six documents are cheap to rank: still ranked."""
    _document(session, "r3", "Report three", "Open report.")
    _document(session, "r4", "Report four", "Open report.")
    result = search(session, ["report"])
    assert not result.too_general and result.documents == 6
    assert sorted(_urls(result.hits)) == ["c-trust", "k-trust", "r3", "r4"]


def test_search_documents_always_ranks(session: Session, general: dict[str, int]) -> None:
    assert len(search_documents(session, ["transparency"])) == 5


def test_an_indexed_document_is_quoted_by_its_best_sentence_with_the_words_marked(session: Session) -> None:
    """On PostgreSQL the excerpt comes from the sentence index (ts_headline over a whole document cost
    milliseconds a hit); on both stores it is the sentence holding the words, the words marked."""
    body = ("The plan was adopted in 2021. The budget office published every contract, "
            "and the budgets were audited. Nothing else changed.")
    document = _document(session, "budget", "Synthetic budget report", body)
    assert document.id is not None
    replace_sentences(session, document.id, None, DocumentKind.RESULTS_REPORT, "en",
                      ["The plan was adopted in 2021.",
                       "The budget office published every contract, and the budgets were audited.",
                       "Nothing else changed."])
    session.commit()
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        [hit] = search(session, ["budget"], excerpts=True).hits
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert f"The {MARK_START}budget{MARK_END} office published every contract" in hit.excerpt
    assert f"the {MARK_START}budgets{MARK_END} were audited" in hit.excerpt
    if session.get_bind().dialect.name == "postgresql":
        assert hit.excerpt == (f"The {MARK_START}budget{MARK_END} office published every contract, "
                               f"and the {MARK_START}budgets{MARK_END} were audited.")
        assert not [st for st in statements if "ts_headline" in st]
