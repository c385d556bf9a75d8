"""Ingest keeps the sentence index in step with the stored documents; older databases are caught up."""

from __future__ import annotations

from sqlalchemy import Engine, text

from jobs.analysis import analyse_page
from jobs.ingest import ingest
from jobs.sentence_index import index_missing
from storage.database import session_scope

NEWS_URL = "https://example.org/news/tanzania-withdraws/"
PAGE = """Tanzania Withdraws from the OGP

In a letter dated June 29, 2017, the Government of Tanzania said it intended to withdraw from OGP, effective at once.
Explaining its exit, the government said it had already joined other initiatives with similar aims.
"""


def _sentences(engine: Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        return [(r[0], r[1]) for r in connection.execute(text(
            "SELECT s.text, m.name_en FROM sentence AS s LEFT JOIN member AS m ON m.id = s.member_id "
            "ORDER BY s.document_id, s.position"))]


def test_an_ingested_page_is_indexed_once_and_reingesting_replaces_it(engine: Engine) -> None:
    for _ in range(2):
        with session_scope(engine) as session:
            ingest(session, analyse_page(PAGE, NEWS_URL, "text/plain"))
    rows = _sentences(engine)
    assert [t for t, _ in rows] == [
        "Tanzania Withdraws from the OGP",
        "In a letter dated June 29, 2017, the Government of Tanzania said it intended to withdraw from OGP, "
        "effective at once.",
        "Explaining its exit, the government said it had already joined other initiatives with similar aims.",
    ]
    assert {member for _, member in rows} == {"Tanzania"}  # a news item's sentences are its subject's


def test_a_changed_page_keeps_only_its_new_sentences(engine: Engine) -> None:
    with session_scope(engine) as session:
        ingest(session, analyse_page(PAGE, NEWS_URL, "text/plain"))
    with session_scope(engine) as session:
        ingest(session, analyse_page(PAGE.replace("similar aims", "the same aims"), NEWS_URL, "text/plain"))
    texts = [t for t, _ in _sentences(engine)]
    assert any("the same aims" in t for t in texts) and not any("similar aims" in t for t in texts)


def test_documents_stored_before_the_index_are_indexed_at_start_up(engine: Engine) -> None:
    with session_scope(engine) as session:
        ingest(session, analyse_page(PAGE, NEWS_URL, "text/plain"))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM sentence"))  # as a database migrated from revision 0004 is
    with session_scope(engine) as session:
        assert index_missing(session) == 1
    with session_scope(engine) as session:
        assert index_missing(session) == 0
    assert len(_sentences(engine)) == 3


def test_a_page_about_no_member_that_keeps_naming_one_is_that_members(engine: Engine) -> None:
    column = """El Gobierno se queda solo

Diez organizaciones decidieron levantarse de la mesa en México.
Las organizaciones dicen que en México no hay condiciones; el Gobierno de México sigue en la Alianza.
"""
    with session_scope(engine) as session:
        ingest(session, analyse_page("Mexico joined OGP in 2011.", "https://example.org/mx", "text/plain"))
        ingest(session, analyse_page(column, "https://example.org/columna", "text/plain"))
    assert {m for t, m in _sentences(engine) if "organizaciones" in t} == {"Mexico"}
