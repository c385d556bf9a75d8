"""A picture of a member's latest action plan: how many commitments reached each IRM level of completion
and of early results, as two stacked bars.

Drawn with Pillow alone (no plotting library for two bars). The counts come from the IRM's tallies, or
from the commitments' own levels when a plan has no tally; commitments the sources do not rate show as
"not stated", so a bar always adds up to the plan's commitments.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session

from bot.member_lookup import member_name
from bot.messages import REPORT_KINDS, level
from bot.texts_tg import tr
from storage import queries
from storage.models import Completion, EarlyResults, SubjectType
from storage.names import normalize

NOT_STATED = "not_stated"
COMPLETION_LEVELS = [c.value for c in reversed(Completion)]
RESULTS_LEVELS = [r.value for r in reversed(EarlyResults)]
"""Best level first, as the answers list them ("1 complete, 5 substantial, 7 limited")."""

COLOURS = {
    "completion": {"complete": "#1b7837", "substantial": "#5aae61", "limited": "#f1a340", "not_started": "#b2182b"},
    "early_results": {"outstanding": "#2166ac", "significant": "#4393c3", "marginal": "#92c5de", "none": "#bababa"},
}
NOT_STATED_COLOUR = "#eeeeee"

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
"""A TrueType font, or Pillow's built-in bitmap font where Pillow was built without FreeType."""

FONT_FILES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)
"""(regular, bold) fonts with accented letters, tried in order; Pillow's own font has ASCII letters only
(see ``_ascii``)."""

WIDTH = 1000
MARGIN = 40
BAR_HEIGHT = 54


@dataclass(frozen=True)
class Segment:
    label: str
    count: int
    colour: str


@dataclass(frozen=True)
class Bar:
    label: str
    """What the bar counts and out of how many: "Completion (13 commitments)"."""
    segments: Sequence[Segment]

    @property
    def total(self) -> int:
        return sum(segment.count for segment in self.segments)


@dataclass(frozen=True)
class PlanChart:
    title: str
    bars: Sequence[Bar]
    source_label: str | None = None
    source_url: str | None = None


def plan_chart(session: Session, member_id: int, language: str) -> PlanChart | str | None:
    """The chart of the member's latest plan; a reply saying why there is none; None for no such member."""
    profile = queries.member_profile(session, member_id)
    if profile is None:
        return None
    name = member_name(profile.member, language)
    plan = profile.plan(None)
    if plan is None:
        return tr(language, "chart_no_plan", member=name)
    tallies = queries.tally_counts(session, plan.id)
    commitments = queries.commitment_rows(session, plan.id)
    bars = []
    for dimension, levels, key in (("completion", COMPLETION_LEVELS, "chart_completion"),
                                   ("early_results", RESULTS_LEVELS, "chart_results")):
        counts = dict(tallies.get(dimension, {}))
        if not counts:
            for commitment in commitments:
                value = getattr(commitment, dimension)
                if value:
                    counts[value] = counts.get(value, 0) + 1
        if not counts:
            continue
        segments = [Segment(level(language, lvl), counts[lvl], COLOURS[dimension].get(lvl, NOT_STATED_COLOUR))
                    for lvl in levels if counts.get(lvl)]
        missing = (plan.commitment_count or 0) - sum(counts.values())
        if missing > 0:
            segments.append(Segment(tr(language, "chart_not_stated"), missing, NOT_STATED_COLOUR))
        total = sum(segment.count for segment in segments)
        bars.append(Bar(f"{tr(language, key)} ({tr(language, 'chart_total', count=total)})", segments))
    if not bars:
        return tr(language, "chart_no_results", member=name, ordinal=plan.ordinal)
    period = tr(language, "chart_period", start=plan.start_year, end=plan.end_year) if plan.start_year else ""
    title = tr(language, "chart_title", member=name, ordinal=plan.ordinal, period=period)
    facts = queries.facts_of(session, [(SubjectType.PLAN, plan.id)], "tally").get((SubjectType.PLAN, plan.id), [])
    if not facts:
        return PlanChart(title, bars)
    fact = facts[0]
    prefix = REPORT_KINDS.get(language, REPORT_KINDS["en"]).get(fact.source_kind or "", "")
    label = f"{prefix} “{fact.source_title}”".strip() if fact.source_title else fact.source_url
    return PlanChart(title, bars, label, fact.document_url or fact.source_url)


def plan_chart_png(chart: PlanChart) -> bytes:
    """The chart as a PNG: the title, then per bar its label and total, the bar with the count in each
    segment wide enough to hold it, and a legend of the levels with their counts."""
    fonts = _fonts()
    text = _ascii if fonts.ascii_only else _same
    title_font, font, small = fonts.title, fonts.body, fonts.small
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    line = _height(probe, font)
    legend_rows = [_legend_rows(probe, bar, small, text) for bar in chart.bars]
    height = MARGIN + _height(probe, title_font) + 24
    height += sum(line + 8 + BAR_HEIGHT + 12 + len(rows) * (_height(probe, small) + 8) + 20 for rows in legend_rows)
    height += MARGIN // 2
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    draw.text((MARGIN, y), text(chart.title), font=title_font, fill="#222222")
    y += _height(probe, title_font) + 24
    span = WIDTH - 2 * MARGIN
    for bar, rows in zip(chart.bars, legend_rows, strict=True):
        draw.text((MARGIN, y), text(bar.label), font=font, fill="#222222")
        y += line + 8
        x = float(MARGIN)
        for segment in bar.segments:
            width = span * segment.count / bar.total if bar.total else 0
            box = (round(x), y, round(x + width) - 1, y + BAR_HEIGHT)
            draw.rectangle(box, fill=segment.colour, outline="white")
            number = str(segment.count)
            if width >= draw.textlength(number, font=font) + 8:
                ink = "#222222" if segment.colour in {NOT_STATED_COLOUR, "#92c5de", "#bababa"} else "white"
                draw.text((x + width / 2, y + BAR_HEIGHT / 2), number, font=font, fill=ink, anchor="mm")
            x += width
        y += BAR_HEIGHT + 12
        for row in rows:
            for swatch_x, colour, label in row:
                size = _height(probe, small)
                draw.rectangle((swatch_x, y, swatch_x + size, y + size), fill=colour, outline="#999999")
                draw.text((swatch_x + size + 6, y), label, font=small, fill="#333333")
            y += _height(probe, small) + 8
        y += 20
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def chart_file_name(member_name: str) -> str:
    """A file name for a member's chart that is safe on every system: "chart-mexico-city.png"."""
    slug = "-".join("".join(ch if ch.isascii() and ch.isalnum() else " " for ch in normalize(member_name)).split())
    return f"chart-{slug or 'member'}.png"


def save_chart(chart: PlanChart, path: Path) -> Path:
    """Write the chart as a PNG; the absolute path, for telling the user where to find it. Raises
    ``OSError`` when the file cannot be written: the front end words it for its user."""
    png = plan_chart_png(chart)
    path.write_bytes(png)
    return path.resolve()


def _legend_rows(draw: ImageDraw.ImageDraw, bar: Bar, font: _Font,
                 text: Callable[[str], str]) -> list[list[tuple[int, str, str]]]:
    """Legend entries "■ complete (1)" laid out left to right, wrapping to new rows: (x, colour, label)."""
    rows: list[list[tuple[int, str, str]]] = [[]]
    x = MARGIN
    size = _height(draw, font)
    for segment in bar.segments:
        label = text(f"{segment.label} ({segment.count})")
        width = size + 6 + int(draw.textlength(label, font=font)) + 24
        if rows[-1] and x + width > WIDTH - MARGIN:
            rows.append([])
            x = MARGIN
        rows[-1].append((x, segment.colour, label))
        x += width
    return rows


def _height(draw: ImageDraw.ImageDraw, font: _Font) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), "ÁgjÉ", font=font)
    return int(bottom)


@dataclass(frozen=True)
class _Fonts:
    title: _Font
    body: _Font
    small: _Font
    ascii_only: bool


@lru_cache(maxsize=1)
def _fonts() -> _Fonts:
    for regular, bold in FONT_FILES:
        if Path(regular).exists():
            heading = bold if Path(bold).exists() else regular
            return _Fonts(ImageFont.truetype(heading, 30), ImageFont.truetype(regular, 22),
                          ImageFont.truetype(regular, 18), False)
    return _Fonts(ImageFont.load_default(30), ImageFont.load_default(22), ImageFont.load_default(18), True)


def _same(text: str) -> str:
    return text


_ASCII_PUNCTUATION = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "’": "'", "¿": "", "¡": "", "…": "..."})


def _ascii(text: str) -> str:
    """Without a font that has accents, "México" is drawn as "Mexico" rather than as "M□xico"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_PUNCTUATION))
    return "".join(ch for ch in decomposed if ord(ch) < 128)
