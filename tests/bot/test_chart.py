"""The plan chart: the right counts from the knowledge base, drawn as a PNG a chat can show."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import Engine
from sqlmodel import Session

from bot import chart
from bot.chart import Bar, PlanChart, Segment, plan_chart, plan_chart_png
from jobs import starter
from storage import knowledge
from storage.database import session_scope
from tests.bot.synthetic import add_synthetic_plan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPORT = "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/"


@pytest.fixture
def kb(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
    return engine


def mexico(session: Session) -> int:
    member = knowledge.find_member(session, "Mexico")
    assert member is not None and member.id is not None
    return member.id


def counts(bar: Bar) -> list[tuple[str, int]]:
    return [(segment.label, segment.count) for segment in bar.segments]


def test_mexicos_plan_in_english_and_spanish(kb: Engine) -> None:
    with Session(kb) as session:
        english = plan_chart(session, mexico(session), "en")
        spanish = plan_chart(session, mexico(session), "es")
    assert isinstance(english, PlanChart) and isinstance(spanish, PlanChart)
    assert english.title == "Mexico - action plan 4 (2019-2021)"
    assert spanish.title == "México - plan de acción 4 (2019-2021)"
    completion, results = english.bars
    assert completion.label == "Completion (13 commitments)"
    assert counts(completion) == [("complete", 1), ("substantial", 5), ("limited", 7)]
    assert results.label == "Early results (13 commitments)"
    assert counts(results) == [("outstanding", 1), ("significant", 3), ("marginal", 5), ("none evidenced", 4)]
    assert [bar.label for bar in spanish.bars] == ["Cumplimiento (13 compromisos)",
                                                    "Resultados tempranos (13 compromisos)"]
    assert counts(spanish.bars[0])[0] == ("completo", 1)
    assert (english.source_label, english.source_url) == ("IRM “Mexico Results Report 2019-2022”", REPORT)


def test_without_a_tally_the_commitments_own_levels_count_and_the_rest_is_not_stated(kb: Engine) -> None:
    with session_scope(kb) as session:
        member_id = add_synthetic_plan(session, commitments=25, rated=6, count=30)
    with Session(kb) as session:
        drawn = plan_chart(session, member_id, "en")
    assert isinstance(drawn, PlanChart)
    [completion] = drawn.bars  # no early results anywhere: no second bar
    assert completion.total == 30
    assert counts(completion)[-1] == ("not stated", 24)
    assert drawn.source_url is None


def test_no_plan_no_member(kb: Engine) -> None:
    with Session(kb) as session:
        city = knowledge.find_member(session, "Mexico City")
        assert city is not None and city.id is not None
        assert plan_chart(session, city.id, "es") == "Todavía no tengo datos de planes de acción de Ciudad de México."
        assert plan_chart(session, 999_999, "en") is None


def decoded(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


SAMPLE = PlanChart(
    "México - plan de acción 4 (2019-2021)",
    [Bar("Cumplimiento (13 compromisos)", [Segment("completo", 1, "#1b7837"), Segment("limitado", 12, "#f1a340")]),
     Bar("Resultados tempranos (4 compromisos)", [Segment(f"nivel {n}", 1, colour)
                                                  for n, colour in enumerate(["#2166ac", "#4393c3", "#92c5de",
                                                                              "#bababa"])])],
)


def test_the_png_shows_each_segment_in_proportion() -> None:
    image = decoded(plan_chart_png(SAMPLE)).convert("RGB")
    assert image.size[0] == chart.WIDTH and 250 < image.size[1] < 800
    colours = {colour: n for n, colour in image.getcolors(maxcolors=image.size[0] * image.size[1])}
    complete, limited = colours[(0x1B, 0x78, 0x37)], colours[(0xF1, 0xA3, 0x40)]
    assert 8 < limited / complete < 16  # 12 to 1, give or take the legend swatches and the numbers
    for hex_colour in ("#2166ac", "#4393c3", "#92c5de", "#bababa"):
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)) in colours


@pytest.fixture
def pillows_own_font() -> Iterator[None]:
    """As on a machine without system fonts: Pillow's bundled font, which has no accented letters."""
    saved = chart.FONT_FILES
    chart.FONT_FILES = ()
    chart._fonts.cache_clear()
    try:
        yield
    finally:
        chart.FONT_FILES = saved
        chart._fonts.cache_clear()


def test_without_system_fonts_the_chart_is_still_drawn(pillows_own_font: None) -> None:
    assert chart._ascii("México – “plan” ¿sí?") == 'Mexico - "plan" si?'
    assert decoded(plan_chart_png(SAMPLE)).size[0] == chart.WIDTH
