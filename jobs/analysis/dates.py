"""When a membership change takes effect, and where the page says so.

A watchdog asks "when did X leave?", and the answer must say how it is known. The best evidence is a
date in the sentence that states the change ("as of September 21, 2017, is no longer participating");
next the date of the letter the page cites ("in a letter dated Jan. 15"), which often has no year and
takes the page's; last the page's own date (a dateline, "Posted on", HTML metadata), which says when the
news was published, not more. Each date keeps its precision: "in January 2026" is "2026-01".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from jobs.analysis.numbers import MONTH_WORDS, MONTHS, find_dates, fold
from jobs.analysis.text import Sentence

_I = re.IGNORECASE
_MONTH_YEAR = re.compile(rf"\b(?P<month>{MONTH_WORDS})\.?\s+(?:de\s+|of\s+)?(?P<year>(?:19|20)\d{{2}})\b", _I)
_MONTH_DAY = re.compile(
    rf"\b(?:(?P<month>{MONTH_WORDS})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*(?:19|20)\d\d)"
    rf"|(?P<day2>\d{{1,2}})\s+(?:de\s+)?(?P<month2>{MONTH_WORDS})\b(?!\s+(?:de\s+)?(?:19|20)\d\d))",
    _I,
)
_YEAR = re.compile(r"\b(?:in|en|since|desde|during|durante)\s+(?P<year>(?:19|20)\d{2})\b", _I)
_LETTER = re.compile(r"\b(?:letter|carta|oficio|notice|notification|notificaci[oó]n|comunicaci[oó]n)\b", _I)
#: A line that is the page's date: "January 28, 2026", "Posted on 28 January 2026", "Fecha: 3 de mayo de 2019".
_DATE_LINE = re.compile(
    r"^(?:(?:posted|published|updated|date|dated|fecha|publicado)(?:\s+on|\s+el)?\s*:?\s*)?(?P<rest>.{6,40})$", _I
)
#: A dateline opening the first paragraph: "January 28, 2026 — The United States ...".
_DATELINE = re.compile(r"^(?:[A-Z][\w.,' ]{0,40}[,–—-]\s*)?(?P<date>[^—–]{6,30}?)\s*[—–-]\s+\S")


@dataclass(frozen=True)
class Effective:
    value: str  # ISO, with the precision the page gives
    basis: str  # "sentence", "letter" or "page"


def page_date(text: str, metadata_date: date | None = None) -> date | None:
    """The page's own date: its metadata, else a date line or a dateline near the top."""
    if metadata_date is not None:
        return metadata_date
    for line in text.splitlines()[:8]:
        line = line.strip()
        m = _DATE_LINE.match(line)
        if m:
            dates = find_dates(m.group("rest"))
            if dates and dates[0][1] == 0 and dates[0][2] >= len(m.group("rest").rstrip(" .")) - 1:
                return dates[0][0]
        d = _DATELINE.match(line)
        if d:
            dates = find_dates(d.group("date"))
            if dates:
                return dates[0][0]
    return None


def in_sentence(text: str) -> str | None:
    """The first date the sentence gives (a full date, a month and year, or "in 2016"), as ISO."""
    full = find_dates(text)
    candidates: list[tuple[int, str]] = [(s, d.isoformat()) for d, s, _ in full]
    taken = [(s, e) for _, s, e in full]
    for m in _MONTH_YEAR.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            month = MONTHS.get(fold(m.group("month")))
            if month:
                candidates.append((m.start(), f"{m.group('year')}-{month:02d}"))
    for m in _YEAR.finditer(text):
        if not any(s <= m.start("year") < e for s, e in taken) and not _MONTH_YEAR.search(text[m.start() :][:25]):
            candidates.append((m.start(), m.group("year")))
    candidates.sort()
    return candidates[0][1] if candidates else None


def letter_date(sentences: list[Sentence], published: date | None) -> str | None:
    """The date of a letter the page cites; "Jan. 15" takes the year of the page's date."""
    for s in sentences:
        if not _LETTER.search(s.clean):
            continue
        full = find_dates(s.clean)
        if full:
            return full[0][0].isoformat()
        m = _MONTH_DAY.search(s.clean)
        if m and published is not None:
            month = MONTHS.get(fold(m.group("month") or m.group("month2") or ""))
            day = int(m.group("day") or m.group("day2"))
            if month:
                year = published.year if (month, day) <= (published.month, published.day) else published.year - 1
                try:
                    return date(year, month, day).isoformat()
                except ValueError:
                    continue
    return None


def effective(sentence: Sentence, sentences: list[Sentence], published: date | None) -> Effective | None:
    """When the change stated in ``sentence`` takes effect, by the best evidence the page has."""
    stated = in_sentence(sentence.clean)
    if stated:
        return Effective(stated, "sentence")
    letter = letter_date(sentences, published)
    if letter:
        return Effective(letter, "letter")
    if published is not None:
        return Effective(published.isoformat(), "page")
    return None
