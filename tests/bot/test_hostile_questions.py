"""Whatever a user types, the conversation engine answers: property-based tests (hypothesis) with arbitrary
Unicode, markup, search syntax, format strings, paths and huge messages.

For every question: ``ask`` returns a non-empty answer in well under a second, without an internal error
behind it (an apology hides a bug from the user, not from these tests), nothing in the database changes,
and the answer rendered for Telegram is HTML that Telegram's parser accepts (the stand-in's ``parse_html``
mirrors its errors) and shows the answer's text.

Runs on the starter data plus a synthetic member (``tests.bot.synthetic``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from bot.answers import Answer, Source
from bot.engine import ConversationEngine
from bot.tg.render import TEXT_LIMIT, render_answer, render_text, units
from jobs import starter
from storage.database import session_scope
from tests.bot.hostile_input import TELEGRAM_PIECES, questions, telegram_character
from tests.bot.synthetic import SYNTHETIC_MEMBER, add_synthetic_plan
from tests.botapi_standin import parse_html

SLOW_ANSWER_S = 2.0
"""An answer taking longer than this on the shared 2-core test machine is a defect (typically ~1 ms)."""

FUNCTION_FIXTURE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
"""The database fixture is shared by every example on purpose: asking must not change it."""

# -- fixtures and checks --------------------------------------------------------------------------------


@pytest.fixture
def chat_engine(engine: Engine) -> Engine:
    """The starter data (members, plans, commitments and searchable documents) and a synthetic member."""
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
        add_synthetic_plan(session)
    return engine


@pytest.fixture
def conversation(chat_engine: Engine) -> ConversationEngine:
    return ConversationEngine(chat_engine)


class AnswerLog(logging.Handler):
    """Records what the engine logs: an exception it caught and apologised for is a failure here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def engine_errors() -> Iterator[AnswerLog]:
    handler = AnswerLog()
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table the database holds (not only the models': the search index's too)."""
    names = inspect(engine).get_table_names()
    with Session(engine) as session:
        return {name: session.connection().execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names}


def shown_text(chunks: list[str]) -> str:
    """What Telegram shows for the rendered messages, as parsed by the stand-in (raises as Telegram refuses)."""
    return "".join(parse_html(chunk)[0] for chunk in chunks)


def assert_renders(answer: Answer) -> None:
    chunks = render_answer(answer)
    assert chunks, "an answer must give at least one message"
    for chunk in chunks:
        parse_html(chunk)  # HtmlParseError is Telegram's "can't parse entities"
        assert units(chunk) <= TEXT_LIMIT
        assert parse_html(chunk)[0].strip(), "Telegram refuses an empty message"
    assert "".join(shown_text(chunks).split()) == "".join(answer.text.split())


def ask_checked(conversation: ConversationEngine, question: str, errors: AnswerLog) -> tuple[Answer, float]:
    """Ask, with every property checked; the answer and how long it took."""
    before = len(errors.records)
    started = time.perf_counter()
    answer = conversation.ask(question)
    elapsed = time.perf_counter() - started
    assert answer.text.strip(), f"empty answer to {question[:80]!r}"
    assert answer.intent != "error" and len(errors.records) == before, (
        f"an internal error behind the answer to {question[:80]!r}: "
        f"{[r.getMessage() for r in errors.records[before:]]}"
    )
    assert answer.language in {"en", "es"}
    assert elapsed < SLOW_ANSWER_S, f"{elapsed:.2f}s for {question[:80]!r}"
    assert_renders(answer)
    return answer, elapsed


# -- properties -----------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=FUNCTION_FIXTURE)
@given(question=questions)
@example(question='what did the report say about "trust" NEAR(data*) OR title:^x -y')
@example(question="say about '; DROP TABLE member; -- {0} %s ../../etc/passwd <b>&amp;")
@example(question="status of Mexico commitment 99999999999999999999")
@example(question="status of the 99th commitment of Synthetic Country's 2nd plan")
@example(question="\u202e\u200bestado del compromiso ٩ de México\x00")
def test_any_question_gets_an_answer_and_changes_nothing(conversation: ConversationEngine, chat_engine: Engine,
                                                         engine_errors: AnswerLog, question: str) -> None:
    before = row_counts(chat_engine)
    ask_checked(conversation, question, engine_errors)
    assert row_counts(chat_engine) == before


INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e", "\u2066"]
"""Format characters (Unicode category Cf): zero-width spaces and joiners, a soft hyphen, direction marks."""
REAL_QUESTIONS = [
    "status of Mexico commitment 9", "estado del compromiso 9 de México", "is Mexico City still a member?",
    "summary of Mexico's 4th action plan", "inactive commitments in Mexico", "latest reports of Mexico",
    "what did the report say about trusts?", f"summary of {SYNTHETIC_MEMBER}'s 2nd action plan",
]


@settings(max_examples=60, deadline=None, suppress_health_check=FUNCTION_FIXTURE)
@given(question=st.sampled_from(REAL_QUESTIONS), inserted=st.lists(
    st.tuples(st.floats(0, 1), st.text(st.sampled_from(INVISIBLE), min_size=1, max_size=3)), min_size=1, max_size=6))
@example(question="status of Mexico commitment 9", inserted=[(0.5, "\u00ad"), (0.8, "\u00ad")])
def test_invisible_characters_do_not_change_the_answer(conversation: ConversationEngine, engine_errors: AnswerLog,
                                                       question: str, inserted: list[tuple[float, str]]) -> None:
    """Text copied from a web page or a chat can carry invisible characters inside words ("commit\u00adment"
    with a soft hyphen): the question is the one the user sees."""
    disguised = question
    for where, characters in inserted:
        at = round(where * len(disguised))
        disguised = disguised[:at] + characters + disguised[at:]
    plain, _ = ask_checked(conversation, question, engine_errors)
    seen, _ = ask_checked(conversation, disguised, engine_errors)
    assert (seen.intent, seen.text) == (plain.intent, plain.text), repr(disguised)


HUGE = 1_000_000


@pytest.mark.parametrize(
    "question",
    [
        pytest.param("x" * HUGE, id="1MB-one-word"),
        pytest.param(" ".join(["trusts"] * 100_000), id="100k-words"),
        pytest.param("status of Mexico commitment 9 " * (HUGE // 30), id="1MB-repeated-question"),
        pytest.param("<" * HUGE, id="1MB-of-lt"),
        pytest.param("\x00" * HUGE + "hola", id="1MB-NUL"),
        pytest.param("\u200b" * HUGE + "status of Mexico commitment 9", id="1MB-zero-width"),
        pytest.param("a" + "\u0301" * HUGE, id="1MB-combining-marks"),
        pytest.param("\ufdfa" * HUGE, id="1MB-long-decomposition"),
        pytest.param("🤖" * (HUGE // 4), id="1MB-emoji"),
        pytest.param("what did the report say about " + " ".join(f"w{i}x" for i in range(100_000)), id="100k-terms"),
    ],
)
def test_huge_messages_are_answered_quickly(conversation: ConversationEngine, chat_engine: Engine,
                                            engine_errors: AnswerLog, question: str) -> None:
    before = row_counts(chat_engine)
    ask_checked(conversation, question, engine_errors)
    assert row_counts(chat_engine) == before


def test_a_real_question_still_gets_its_real_answer(conversation: ConversationEngine, engine_errors: AnswerLog) -> None:
    """The properties above hold for an engine that apologises for everything; this one does not."""
    answer, _ = ask_checked(conversation, "status of Mexico commitment 9", engine_errors)
    assert answer.intent == "commitment_status" and answer.sources
    synthetic, _ = ask_checked(conversation, f"summary of {SYNTHETIC_MEMBER}'s 2nd action plan", engine_errors)
    assert synthetic.intent == "plan_summary" and "30 commitments" in synthetic.text


# -- rendering, on its own: texts and source URLs come from web pages too -------------------------------

urls = st.builds(
    lambda scheme, body: f"{scheme}://{body}",
    st.sampled_from(["https", "http", "HTTPS", "javascript", "ftp"]),
    st.text(telegram_character, min_size=1, max_size=80),
)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.one_of(st.text(telegram_character, max_size=200),
                             st.sampled_from(TELEGRAM_PIECES)), max_size=12),
    sources=st.lists(urls, max_size=4),
    limit=st.sampled_from([TEXT_LIMIT, 1024, 64]),
)
@example(lines=["Source: x, https://example.org/a?b=1&c=<2>", "&#0; &#x110000; <b>"],
         sources=["https://example.org/a?b=1&c=<2>"], limit=TEXT_LIMIT)
def test_any_text_with_any_links_renders_as_html_telegram_accepts(lines: list[str], sources: list[str],
                                                                   limit: int) -> None:
    placed = lines + [f"• {url}" for url in sources]
    body = "\n".join(placed)
    chunks = render_text(body, sources, limit)
    for chunk in chunks:
        plain, entities = parse_html(chunk)
        assert units(chunk) <= limit and plain.strip()
        assert all(entity["type"] == "text_link" and entity["url"] in sources for entity in entities)
    assert "".join(shown_text(chunks).split()) == "".join(body.split())
    answer = Answer(body or "-", "en", "search", sources=[Source(url, url) for url in sources])
    for chunk in render_answer(answer, limit):
        parse_html(chunk)
