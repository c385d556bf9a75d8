"""The sentence index on both stores: kept per document, matched by stems, filtered by member."""

from __future__ import annotations

from sqlalchemy import Engine, text

from storage import knowledge
from storage.common_words import common_words, forget
from storage.database import session_scope
from storage.sentences import documents_without_sentences, replace_sentences, search_sentences
from storage.terms import query_stems


def _document(session, url: str, text_: str, member=None):  # type: ignore[no-untyped-def]
    return knowledge.upsert_document(session, url=url, title=url.rsplit("/", 1)[-1], kind="news", text=text_,
                                     member=member)


def _fill(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        mexico = knowledge.ensure_member(session, "Mexico", kind="country")
        norway = knowledge.ensure_member(session, "Norway", kind="country")
        report = _document(session, "https://example.org/mx", "x", mexico)
        other = _document(session, "https://example.org/no", "x", norway)
        column = _document(session, "https://example.org/column", "x")
        replace_sentences(session, report.id, mexico.id, "results_report", "en", [
            "The Ministry of Public Administration (SFP) leads the Coordinating Committee.",
            "Seven commitments were completed to a limited extent.",
        ])
        replace_sentences(session, other.id, norway.id, "news", "en", [
            "The Ministry of Local Government leads Norway's committee.",
        ])
        replace_sentences(session, column.id, None, "news", "es", [
            "En México, el Comité Coordinador se reúne cada mes.",
            "El comité coordinador de otro país no publica sus actas.",
        ])
        return {"mexico": mexico.id, "norway": norway.id, "report": report.id}


def _texts(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.text for h in hits]


def test_every_word_must_match_and_inflections_and_accents_do(engine: Engine) -> None:
    _fill(engine)
    with session_scope(engine, dry_run=True) as session:
        hits = search_sentences(session, [query_stems(["leading", "committees"])])
        assert sorted(_texts(hits)) == [
            "The Ministry of Local Government leads Norway's committee.",
            "The Ministry of Public Administration (SFP) leads the Coordinating Committee.",
        ]
        assert _texts(search_sentences(session, [query_stems(["reunion", "comite"])])) == []
        assert _texts(search_sentences(session, [query_stems(["reúne", "COMITE"])])) == [
            "En México, el Comité Coordinador se reúne cada mes."]


def test_a_member_filter_keeps_its_sentences_and_pages_about_no_one_that_name_it(engine: Engine) -> None:
    ids = _fill(engine)
    with session_scope(engine, dry_run=True) as session:
        combos = [query_stems(["committee"]), query_stems(["comite"])]
        mine = search_sentences(session, combos, member_id=ids["mexico"])
        assert {h.member_id for h in mine} == {ids["mexico"]}
        named = search_sentences(session, combos, member_id=ids["mexico"], mentions=[query_stems(["México"])])
        assert "En México, el Comité Coordinador se reúne cada mes." in _texts(named)
        assert "El comité coordinador de otro país no publica sus actas." not in _texts(named)
        assert "The Ministry of Local Government leads Norway's committee." not in _texts(named)


def test_replacing_a_documents_sentences_leaves_no_old_one(engine: Engine) -> None:
    ids = _fill(engine)
    with session_scope(engine) as session:
        assert replace_sentences(session, ids["report"], ids["mexico"], "results_report", "en",
                                 ["Only this sentence now.", "  "]) == 1
    with session_scope(engine, dry_run=True) as session:
        assert _texts(search_sentences(session, [query_stems(["limited"])])) == []
        assert _texts(search_sentences(session, [query_stems(["sentence"])])) == ["Only this sentence now."]
        rows = session.connection().execute(text("SELECT count(*) FROM sentence WHERE document_id = :d"),
                                            {"d": ids["report"]}).scalar_one()
        assert rows == 1


def test_query_syntax_in_a_word_is_only_a_word(engine: Engine) -> None:
    _fill(engine)
    with session_scope(engine, dry_run=True) as session:
        for hostile in ["NEAR(", "OR", "zz:*", "'; DROP TABLE sentence; --", "(SFP"]:
            found = _texts(search_sentences(session, [query_stems(hostile.split())]))
            # Neither FTS5 nor tsquery syntax: no error, and only sentences holding the words themselves.
            assert found == (["The Ministry of Public Administration (SFP) leads the Coordinating Committee."]
                             if hostile == "(SFP" else [])
        assert search_sentences(session, [query_stems(['"', "&|!"])]) == []


def test_documents_stored_before_the_index_are_found_to_index(engine: Engine) -> None:
    ids = _fill(engine)
    with session_scope(engine) as session:
        late = _document(session, "https://example.org/late", "A page stored before the index existed.")
        _document(session, "https://example.org/empty", "")
        assert documents_without_sentences(session) == [late.id]
        assert documents_without_sentences(session, after_id=late.id) == []
        assert ids["report"] not in documents_without_sentences(session)


def test_frequencies_are_counted_up_to_a_cap_and_common_words_known_from_statistics(engine: Engine) -> None:
    from storage import sentences as index

    with session_scope(engine) as session:
        document = _document(session, "https://example.org/many", "x")
        replace_sentences(session, document.id, None, "news", "en",
                          [f"The plan number {n} is published." for n in range(400)] + ["A rare fideicomiso."])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE sentence"))
        forget()
    with session_scope(engine, dry_run=True) as session:
        groups = query_stems(["plans", "fideicomisos", "absent"])
        counts, total = index.sentence_frequencies(session, groups, 300)
        assert counts == [300, 1, 0] and total == 300
        if engine.dialect.name == "postgresql":  # "plan" came from pg_stats: no count was needed
            assert common_words(session, "sentence", "terms_vector").rows_holding("plan") >= 300
