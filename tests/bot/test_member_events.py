"""Questions about one event in a member's history, answered from the starter data (the members table with
its sources, and the seed pages): yes or no first, then when and how it is known, then the sentence."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.engine import ConversationEngine
from jobs import starter
from storage.database import session_scope


@pytest.fixture
def chat(engine: Engine) -> ConversationEngine:
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
    return ConversationEngine(engine)


CASES = [
    # (question, the answer's first line, words the answer must hold)
    ("Did the United States withdraw from OGP?", "Yes. United States left OGP on 28 Jan 2026, as the source states.",
     ["formally withdrawn"]),
    ("Did the U.S. leave the Open Government Partnership?", "Yes. United States left OGP on 28 Jan 2026", []),
    ("When did Turkey leave OGP?", "Turkey left OGP on 21 Sep 2017, as the source states.",
     ["is no longer participating", "government-of-turkey-leaves"]),
    ("¿Cuándo se retiró Hungría?", "Hungría se retiró de OGP el 6 dic 2016", ["Evidencia:", "Fuente"]),
    ("¿Se retiró Estados Unidos de la AGA?", "Sí. Estados Unidos se retiró de OGP el 28 ene 2026", []),
    ("Did El Salvador leave OGP?", "Yes. El Salvador left OGP in March 2023", []),
    ("Did Mexico withdraw?", "No. My sources record no withdrawal of Mexico from OGP.", []),
    ("When did Mexico join?", "Mexico joined OGP in 2011 as one of its eight founding members.", ["founding"]),
    ("Did Hungary join OGP?", "Yes. Hungary joined OGP in 2012.", ["It has since left OGP on 6 Dec 2016"]),
    ("Is Mexico a member?", "Mexico joined OGP in 2011 as one of its eight founding members; my sources record no "
     "withdrawal, suspension or inactivity since.", []),
    ("Is New Zealand a member?", "New Zealand joined OGP in 2013", []),
]


@pytest.mark.parametrize(("question", "first", "words"), CASES, ids=[c[0] for c in CASES])
def test_event_questions_answer_yes_or_no_first(chat: ConversationEngine, question: str, first: str,
                                                words: list[str]) -> None:
    answer = chat.ask(question)
    assert answer.text.splitlines()[0].startswith(first), answer.text
    for word in words:
        assert word in answer.text
    assert answer.sources, "every answer names its source"


def test_lower_case_us_is_not_the_united_states(chat: ConversationEngine) -> None:
    answer = chat.ask("tell us about Mexico")
    assert answer.text.startswith("Mexico joined OGP in 2011")
    assert "United States" not in answer.text
