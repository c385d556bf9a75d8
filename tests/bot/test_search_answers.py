"""Full-text search answers: the quoted sentence, the sources, and words too general to rank."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot import engine as bot_engine
from bot.answers import _quotes
from bot.engine import ConversationEngine
from storage import search as search_module
from storage.models import (
    ActionPlan,
    Document,
    DocumentKind,
    Fact,
    Member,
    MemberAlias,
    MemberKind,
    MemberStatus,
    SubjectType,
)
from storage.search import MARK_END, MARK_START

BASE = "https://example.org/docs"


def _add_documents(engine: Engine, bodies: list[str]) -> None:
    with Session(engine) as session:
        for number, body in enumerate(bodies, start=1):
            session.add(Document(url=f"{BASE}/{number}", title=f"Report {number}", kind=DocumentKind.RESULTS_REPORT,
                                 text=body))
        session.commit()


@pytest.fixture
def chat(engine: Engine) -> ConversationEngine:
    _add_documents(engine, [
        "Introduction to the plan. The national water budget was approved by the council in March. "
        "Transparency of spending improved.",
        "Transparency portals were opened. Schools published their budgets online.",
        "Transparency in procurement. Contracts are listed.",
        "Transparency rules were adopted. The police published data.",
        "Transparency is reviewed yearly. The health ministry reported on vaccines.",
        "Transparency of lobbying. El presupuesto de agua fue aprobado.",
    ])
    return ConversationEngine(engine)


def _sources(text: str) -> list[str]:
    return [line.rsplit(", ", 1)[-1] for line in text.splitlines() if line.startswith(("• Report", "Source"))]


def test_search_quotes_the_sentence_with_the_term_and_links_its_source(chat: ConversationEngine) -> None:
    answer = chat.ask("what did the report say about water?")
    assert answer.text.splitlines()[0] == "What my documents say about “water”:"
    assert "• “The national water budget was approved by the council in March.”" in answer.text
    assert f"Source: IRM “Report 1”, {BASE}/1" in answer.text
    assert [s.url for s in answer.sources] == [f"{BASE}/1"]


def test_search_in_spanish(chat: ConversationEngine) -> None:
    answer = chat.ask("¿qué dice el informe sobre presupuesto?")
    assert answer.language == "es"
    assert answer.text.splitlines()[0] == "Lo que dicen mis documentos sobre “presupuesto”:"
    assert "• “El presupuesto de agua fue aprobado.”" in answer.text
    assert f"Fuente: IRM “Report 6”, {BASE}/6" in answer.text


def test_a_term_in_most_documents_is_answered_as_too_general(chat: ConversationEngine,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "MIN_GENERAL_MATCHES", 3)  # six documents stand in for thousands
    answer = chat.ask("what did the report say about transparency?")
    lines = answer.text.splitlines()
    assert lines[0] == ("More than half of my 6 documents mention “transparency”: too many to pick the best "
                        "matches. The most recent ones:")
    assert "• “Transparency of lobbying.”" in lines
    assert "• “Transparency is reviewed yearly.”" in lines
    assert "Add a more specific word (a topic or a member's name) to narrow the search." in lines
    assert [s.url for s in answer.sources] == [f"{BASE}/6", f"{BASE}/5", f"{BASE}/4"]
    assert f"• IRM “Report 6”, {BASE}/6" in lines

    # A more specific word narrows it down to a ranked answer.
    narrowed = chat.ask("search transparency spending")
    assert narrowed.text.splitlines()[0] == "What my documents say about “transparency spending”:"
    assert "• “Transparency of spending improved.”" in narrowed.text
    assert [s.url for s in narrowed.sources] == [f"{BASE}/1"]


def test_too_general_in_spanish(chat: ConversationEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "MIN_GENERAL_MATCHES", 3)
    answer = chat.ask("¿qué dice el informe sobre transparency?")
    lines = answer.text.splitlines()
    assert lines[0] == ("Más de la mitad de mis 6 documentos mencionan “transparency”: demasiados para elegir "
                        "los mejores. Los más recientes:")
    assert "Añade una palabra más específica (un tema o el nombre de un miembro) para afinar la búsqueda." in lines
    assert lines[-4:] == ["Fuentes:", f"• IRM “Report 6”, {BASE}/6", f"• IRM “Report 5”, {BASE}/5",
                          f"• IRM “Report 4”, {BASE}/4"]


def test_the_collection_size_follows_new_documents(chat: ConversationEngine, engine: Engine,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_module, "MIN_GENERAL_MATCHES", 3)
    assert chat.ask("search transparency").text.startswith("More than half of my 6 documents")
    with Session(engine) as session:
        for number in (7, 8):
            session.add(Document(url=f"{BASE}/{number}", title=f"Note {number}", kind=DocumentKind.NEWS,
                                 text="Transparency again."))
        session.commit()
    monkeypatch.setattr(bot_engine, "RECHECK_SECONDS", 0.0)  # as if the few seconds had passed
    answer = chat.ask("search transparency")
    assert answer.text.startswith("More than half of my 8 documents")
    assert [s.url for s in answer.sources] == [f"{BASE}/8", f"{BASE}/7", f"{BASE}/6"]


def test_without_the_low_floor_a_small_collection_is_ranked(chat: ConversationEngine) -> None:
    """Six documents are no burden to rank: "too general" is for thousands of matches."""
    answer = chat.ask("what did the report say about transparency?")
    assert answer.text.startswith("What my documents say about “transparency”:")


@pytest.mark.parametrize(
    ("excerpt", "words", "quotes"),
    [
        # The whole sentence holding the word; the window's ellipses dropped where sentences are whole.
        (f"…in March. The {MARK_START}water{MARK_END} bill passed. Then more…", ["water"],
         ["The water bill passed."]),
        # Cut by the window at either end: said so with an ellipsis.
        (f"…budget and the {MARK_START}water{MARK_END} bill passed", ["water"], ["…budget and the water bill passed…"]),
        # Every search word must be in the sentence (accents and case aside).
        (f"{MARK_START}Água{MARK_END} here. {MARK_START}Agua{MARK_END} and {MARK_START}budget{MARK_END} there.",
         ["agua", "budget"], ["Agua and budget there."]),
        # A second quote only when it is a whole sentence.
        (f"A {MARK_START}water{MARK_END} law. The {MARK_START}water{MARK_END} board met and", ["water"],
         ["A water law."]),
        ("No marked word at all.", ["water"], []),
    ],
)
def test_quotes_from_an_excerpt(excerpt: str, words: list[str], quotes: list[str]) -> None:
    assert _quotes(excerpt, words) == quotes


def test_plan_answer_cites_the_document_behind_a_fact(engine: Engine) -> None:
    """A fact's source address may differ from its stored document's: both are cited, as before."""
    with Session(engine) as session:
        member = Member(slug="ruritania", name_en="Ruritania", kind=MemberKind.COUNTRY, status=MemberStatus.ACTIVE,
                        status_seen_at=datetime(2024, 1, 2))
        session.add(member)
        session.flush()
        assert member.id is not None
        session.add(MemberAlias(member_id=member.id, alias="Ruritania", normalized="ruritania"))
        plan = ActionPlan(member_id=member.id, ordinal=1, start_year=2020, end_year=2022, commitment_count=4)
        document = Document(url=f"{BASE}/plan", title="Ruritania plan report", kind=DocumentKind.RESULTS_REPORT,
                            text="Ruritania's plan had four commitments.")
        session.add_all([plan, document])
        session.flush()
        session.add(Fact(key="k1", subject_type=SubjectType.PLAN, subject_id=plan.id, predicate="commitment_count",
                         value="4", source_url=f"{BASE}/plan#page=3", document_id=document.id,
                         evidence="Ruritania's plan had four commitments."))
        session.commit()
    answer = ConversationEngine(engine).ask("summary of Ruritania's action plan")
    assert answer.text.startswith("Ruritania, 1st action plan (2020–2022): 4 commitments.")
    assert [s.url for s in answer.sources] == [f"{BASE}/plan#page=3", f"{BASE}/plan"]
    assert f"• IRM “Ruritania plan report”, {BASE}/plan" in answer.text
