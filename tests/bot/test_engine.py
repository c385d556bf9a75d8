"""The conversation engine answers from a knowledge base built by ingesting the real seed pages."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.engine import ConversationEngine
from storage.models import Member

REPORT_URL = "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/"
NEWS_URL = (
    "https://www.opengovpartnership.org/news/"
    "the-government-of-mexico-city-withdraws-from-international-partnership-on-open-government/"
)


@pytest.fixture
def chat(seeded_engine) -> ConversationEngine:
    return ConversationEngine(seeded_engine)


@pytest.mark.parametrize(
    "question",
    [
        "status of Mexico commitment 9",
        "staus of mexcio comitment 9",
        "What is the status of commitment 9 of Mexico's 4th action plan?",
        "status of commitment nine in mexico's fourth plan",
    ],
)
def test_commitment_status_in_english(chat: ConversationEngine, question: str) -> None:
    answer = chat.ask(question)
    assert answer.language == "en"
    head = "Mexico, 4th action plan (2019–2021, extended to 31 Aug 2022), commitment 9 (trusts): inactive."
    assert head in answer.text
    assert "Coordinating Committee" in answer.text
    assert "20 Oct 2022" in answer.text
    assert "Early results: none evidenced." in answer.text
    assert f"Source: IRM “Mexico Results Report 2019-2022”, {REPORT_URL}" in answer.text
    assert REPORT_URL in [s.url for s in answer.sources]
    assert any(f.predicate == "state" and "inactive" in f.evidence for f in answer.facts)


@pytest.mark.parametrize(
    "question",
    ["estado del compromiso 9 de México", "¿cuál es el estado del compromiso 9 de mexico?",
     "estado del compromiso 9 del cuarto plan de acción de México"],
)
def test_commitment_status_in_spanish(chat: ConversationEngine, question: str) -> None:
    answer = chat.ask(question)
    assert answer.language == "es"
    head = "México, 4.º plan de acción (2019–2021, extendido hasta el 31 ago 2022), compromiso 9 (trusts): inactivo."
    assert head in answer.text
    assert "20 oct 2022" in answer.text
    assert f"Fuente: IRM “Mexico Results Report 2019-2022”, {REPORT_URL}" in answer.text


def test_other_inactive_commitments_carry_their_own_minutes(chat: ConversationEngine) -> None:
    one = chat.ask("status of Mexico commitment 1").text
    five = chat.ask("status of Mexico commitment 5").text
    assert "commitment 1 (open spending): inactive." in one and "Working Group" in one and "13 Dec 2021" in one
    assert "commitment 5 (labor inclusion): inactive." in five and "3 May 2022" in five


def test_commitment_beyond_the_plan_does_not_exist(chat: ConversationEngine) -> None:
    answer = chat.ask("status of Mexico commitment 14")
    assert "has 13 commitments, so there is no commitment 14" in answer.text
    spanish = chat.ask("estado del compromiso 14 de México")
    assert "tiene 13 compromisos: no existe el compromiso 14" in spanish.text
    # A number no plan reaches is the same answer, not the plan's summary.
    huge = chat.ask("status of Mexico commitment 99999999999999999999")
    assert huge.intent == "commitment_status"
    assert "has 13 commitments, so there is no commitment 99999999999999999999" in huge.text


def test_commitment_without_individual_data_is_said_so(chat: ConversationEngine) -> None:
    answer = chat.ask("status of Mexico commitment 2")
    assert "commitment 2 is one of the plan's 13 commitments" in answer.text
    assert "not stated" in answer.text
    assert "inactive" not in answer.text.split("\n")[0]
    assert REPORT_URL in answer.text


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("is Mexico City still a member?", "en", "No. Mexico City withdrew from OGP"),
        ("Is CDMX still in OGP?", "en", "No. Mexico City withdrew from OGP"),
        ("¿la Ciudad de México sigue en OGP?", "es", "No. Ciudad de México se retiró de OGP"),
        ("¿la ciudad de mexico sigue en ogp?", "es", "No. Ciudad de México se retiró de OGP"),
    ],
)
def test_mexico_city_membership(chat: ConversationEngine, question: str, language: str, expected: str) -> None:
    answer = chat.ask(question)
    assert answer.language == language
    assert expected in answer.text
    assert "2020" in answer.text  # joined the OGP Local cohort in 2020
    assert NEWS_URL in answer.text


def test_continuing_local_member_is_active(chat: ConversationEngine) -> None:
    answer = chat.ask("is Jalisco still a member?")
    assert answer.text.startswith("Yes")
    assert NEWS_URL in answer.text


def test_withdrawn_members_listed_in_both_languages(chat: ConversationEngine) -> None:
    english = chat.ask("which members withdrew?")
    assert "Members that withdrew (1):" in english.text and "Mexico City" in english.text
    spanish = chat.ask("¿qué miembros se retiraron?")
    assert spanish.language == "es" and "Ciudad de México" in spanish.text
    assert NEWS_URL in spanish.text


def test_plan_summary(chat: ConversationEngine) -> None:
    answer = chat.ask("summary of Mexico's fourth action plan")
    assert "13 commitments" in answer.text
    assert "Completion: 1 complete, 5 substantial, 7 limited." in answer.text
    assert "Early results: 1 outstanding, 3 significant, 5 marginal, 4 none evidenced." in answer.text
    assert "forest, water and fisheries management" in answer.text
    spanish = chat.ask("resumen del cuarto plan de acción de México")
    assert "Cumplimiento: 1 completo, 5 sustancial, 7 limitado." in spanish.text


def test_unknown_plan_ordinal(chat: ConversationEngine) -> None:
    answer = chat.ask("summary of Mexico's 5th action plan")
    assert "no data on Mexico's 5th action plan" in answer.text and "4th" in answer.text


def test_commitments_by_state(chat: ConversationEngine) -> None:
    answer = chat.ask("inactive commitments in Mexico")
    assert "1 (open spending), 5 (labor inclusion) and 9 (trusts)" in answer.text
    spanish = chat.ask("compromisos inactivos de México")
    assert "1 (open spending), 5 (labor inclusion) y 9 (trusts)" in spanish.text
    completed = chat.ask("which commitments were completed in Mexico?")
    assert "forest, water and fisheries management" in completed.text


def test_latest_reports(chat: ConversationEngine) -> None:
    answer = chat.ask("latest reports of Mexico")
    assert "Mexico Results Report 2019-2022" in answer.text and REPORT_URL in answer.text
    assert "Últimos informes" in chat.ask("últimos informes de México").text


def test_full_text_search(chat: ConversationEngine) -> None:
    answer = chat.ask("what did the report say about trusts?")
    assert "trusts" in answer.text.lower()
    assert REPORT_URL in answer.text
    nothing = chat.ask("what did the report say about zeppelins?")
    assert "found nothing" in nothing.text


def test_totals(chat: ConversationEngine) -> None:
    answer = chat.ask("how many members does OGP have?")
    assert "76" in answer.text and "105" in answer.text and NEWS_URL in answer.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("status of Brazil commitment 3", "I have no data on Brazil yet."),
        ("is Brazil a member?", "I have no data on Brazil yet."),
        ("¿Brasil sigue en la AGA?", "Todavía no tengo datos sobre Brasil."),
    ],
)
def test_member_without_data(chat: ConversationEngine, question: str, expected: str) -> None:
    assert chat.ask(question).text == expected


@pytest.mark.parametrize(
    ("question", "language", "start"),
    [("hello", "en", "Hello!"), ("hola", "es", "¡Hola!"), ("help", "en", "You can ask"),
     ("ayuda", "es", "Puedes preguntar"), ("", "en", "Ask me about")],
)
def test_greetings_help_and_empty(chat: ConversationEngine, question: str, language: str, start: str) -> None:
    answer = chat.ask(question)
    assert answer.language == language and answer.text.startswith(start)


@pytest.mark.parametrize(
    "hostile",
    [
        "'; DROP TABLE member; --",
        "<script>alert(1)</script> status of <b>Mexico</b> commitment 9",
        "\x00\x1b[31mstatus\x1b[0m of Mexico \u202ecommitment 9",
        "commitment " + "9" * 400,
        "a" * 100_000,
        "NEAR( * OR \" trusts",
        "🤖" * 50,
    ],
)
def test_hostile_input_gets_a_short_reply_and_changes_nothing(
    chat: ConversationEngine, seeded_engine, hostile: str
) -> None:
    with Session(seeded_engine) as session:
        before = len(session.exec(select(Member)).all())
    answer = chat.ask(hostile)
    assert answer.text and len(answer.text) < 2000
    assert "Traceback" not in answer.text
    with Session(seeded_engine) as session:
        assert len(session.exec(select(Member)).all()) == before


def test_members_in_a_country_and_all_members(chat: ConversationEngine) -> None:
    answer = chat.ask("OGP members in Mexico")
    assert "OGP members in Mexico in my sources (12):" in answer.text
    assert "Jalisco State" in answer.text and "Mexico City" in answer.text
    everyone = chat.ask("list all members")
    assert "Members in my sources (13):" in everyone.text


def test_news_source_is_labelled_as_news(chat: ConversationEngine) -> None:
    assert "Source: OGP news “The Government of Mexico City Withdraws" in chat.ask("is CDMX still in OGP?").text


def test_long_evidence_is_quoted_around_the_commitment(chat: ConversationEngine) -> None:
    answer = chat.ask("status of Mexico commitment 9")
    quotes = [line for line in answer.text.splitlines() if line.startswith("Evidence:")]
    assert any("9 (trusts)" in quote for quote in quotes)
    assert all(len(quote) < 360 for quote in quotes)
