"""The terminal chat reads lines, answers each through the engine and ends on quit or end of input; a chart
request writes a PNG file and says where, a subscription request explains where alerts go."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine

from bot.engine import ConversationEngine
from bot.subscription_requests import KEYWORD_WORDS, TOPIC_WORDS
from bot.terminal import TEXTS, Request, read_request, run_chat
from jobs import starter
from storage.database import session_scope
from storage.names import normalize


def scripted(lines: list[str]):
    feed = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read


def test_chat_answers_each_line_until_quit(seeded_engine) -> None:
    out = io.StringIO()
    run_chat(ConversationEngine(seeded_engine),
             scripted(["status of Mexico commitment 9", "", "¿la Ciudad de México sigue en OGP?", "quit",
                       "never read"]), out)
    text = out.getvalue()
    assert "commitment 9 (trusts): inactive" in text
    assert "No. Ciudad de México se retiró de OGP" in text
    assert text.count("Source") + text.count("Fuente") == 2


def test_chat_ends_quietly_at_end_of_input(seeded_engine) -> None:
    out = io.StringIO()
    run_chat(ConversationEngine(seeded_engine), scripted([]), out)
    assert "OGP Watch" in out.getvalue()


# -- the terminal's own requests: charts as files, subscriptions explained --------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPORT = "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/"


@pytest.fixture
def kb(engine: Engine) -> Engine:
    """The starter knowledge base, which has Mexico's fourth action plan with the IRM's tallies."""
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
    return engine


def chat(kb: Engine, lines: list[str], chart_dir: Path | None = None) -> str:
    out = io.StringIO()
    run_chat(ConversationEngine(kb), scripted(lines), out, database=kb, chart_dir=chart_dir)
    return out.getvalue()


def assert_png(path: Path) -> None:
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    with Image.open(path) as image:
        assert image.format == "PNG"


def test_chart_of_a_member_is_saved_as_png_and_the_path_printed(kb: Engine, tmp_path: Path) -> None:
    text = chat(kb, ["chart of Mexico"], tmp_path)
    saved = tmp_path / "chart-mexico.png"
    assert_png(saved)
    assert f"Saved the chart “Mexico - action plan 4 (2019-2021)” to {saved.resolve()}" in text
    assert f"Source: IRM “Mexico Results Report 2019-2022”, {REPORT}" in text
    assert "joined OGP" not in text  # not the membership answer the engine gives for "Mexico"


def test_grafico_in_spanish(kb: Engine, tmp_path: Path) -> None:
    text = chat(kb, ["¿me muestras el gráfico de México?", "/chart CDMX"], tmp_path)
    saved = tmp_path / "chart-mexico.png"
    assert_png(saved)
    assert f"Guardé el gráfico «México - plan de acción 4 (2019-2021)» en {saved.resolve()}" in text
    assert f"Fuente: IRM “Mexico Results Report 2019-2022”, {REPORT}" in text
    assert "I have no action plan data for Mexico City yet." in text


def test_charts_go_to_the_current_folder_by_default(kb: Engine, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = chat(kb, ["show me the chart of Mexico"])
    assert_png(tmp_path / "chart-mexico.png")
    assert str((tmp_path / "chart-mexico.png").resolve()) in text


def test_an_unwritable_folder_falls_back_to_the_temporary_one(kb: Engine, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("in the way")
    spare = tmp_path / "tmp"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    text = chat(kb, ["chart Mexico"], not_a_folder)
    assert_png(spare / "chart-mexico.png")
    assert f"to {(spare / 'chart-mexico.png').resolve()}" in text

    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))
    text = chat(kb, ["chart Mexico"], not_a_folder)
    assert f"I could not save the chart in {not_a_folder}: Not a directory" in text


def test_chart_of_an_unknown_member_says_how_to_ask(kb: Engine, tmp_path: Path) -> None:
    text = chat(kb, ["chart of Atlantis", "chart", "gráfico de Brasil"], tmp_path)
    assert "I do not know an OGP member called “Atlantis”. Say which member, e.g. “chart of Mexico”." in text
    assert text.count("Say which member, e.g. “chart of Mexico”.") == 2
    assert "Todavía no tengo datos de planes de acción de Brasil." in text
    assert list(tmp_path.glob("*.png")) == []


def test_subscribe_explains_the_terminal_gets_every_alert(kb: Engine) -> None:
    text = chat(kb, ["subscribe Mexico"])
    assert "`ogp-watch run` watches without a Telegram bot token, it prints every alert here" in text
    assert "send /subscribe Mexico" in text and "/subscriptions lists" in text and "/unsubscribe Mexico" in text
    assert "only its admins" in text
    assert "joined OGP" not in text
    generic = chat(kb, ["How do I subscribe?", "subcribe to CDMX"])
    assert "send /subscribe Mexico" in generic and "send /subscribe CDMX" in generic


def test_suscribir_in_spanish(kb: Engine) -> None:
    text = chat(kb, ["suscribir México", "¿cómo puedo suscribirme a las alertas?"])
    assert "muestra aquí todas las alertas" in text and "envía /subscribe México" in text
    assert "/subscribe informes, retiros, estado o todo" in text and "/subscribe palabra PALABRAS" in text
    assert "solo sus administradores" in text
    assert "se unió a OGP" not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_explanation_names_subscriptions_telegram_accepts(language: str) -> None:
    """Every "/subscribe WORD" the explanation offers is one the Telegram front end takes."""
    text = TEXTS[language]["subscribe"].format(example="Mexico")
    offered = re.findall(r"/subscribe (\w+)", text)
    topics = re.search(r"/subscribe (\w+), (\w+), (\w+) (?:or|o) (\w+)", text)
    assert topics is not None
    words = [w for w in offered if w != "Mexico"] + list(topics.groups())
    assert words and all(normalize(w) in TOPIC_WORDS or normalize(w) in KEYWORD_WORDS for w in words), words


@pytest.mark.parametrize(("line", "expected"), [
    ("chart of Mexico", Request("chart", "en", "Mexico")),
    ("can you show me the chart of Mexico?", Request("chart", "en", "Mexico")),
    ("/chart Mexico City", Request("chart", "en", "Mexico City")),
    ("¿Gráfico de la CDMX?", Request("chart", "es", "la CDMX")),
    ("subscribe me to Mexico", Request("subscribe", "en", "Mexico")),
    ("subscibe", Request("subscribe", "en", "")),
    ("suscríbeme a El Salvador", Request("subscribe", "es", "El Salvador")),
    ("unsubscribe all", Request("subscribe", "en", "all")),
    ("describe Mexico", None),  # two letters from "suscribe", but a different first letter
    ("chat about Mexico", None),  # one letter from "chart"
    ("what does the report say about charts?", None),
    ("status of Mexico commitment 9", None),
    ("", None),
])
def test_which_lines_are_the_terminals_own_requests(line: str, expected: Request | None) -> None:
    assert read_request(line) == expected


def test_without_a_database_charts_are_left_to_the_engine(seeded_engine) -> None:
    out = io.StringIO()
    run_chat(ConversationEngine(seeded_engine), scripted(["chart of Mexico", "subscribe Mexico"]), out)
    text = out.getvalue()
    assert "Saved the chart" not in text and "prints every alert here" in text
