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
from datetime import date, timedelta

from jobs.analysis.numbers import MONTH_WORDS, MONTHS, find_dates, fold
from jobs.analysis.text import Sentence

_I = re.IGNORECASE
_MONTH_YEAR = re.compile(rf"\b(?P<month>{MONTH_WORDS})\.?,?\s+(?:de(?:l)?\s+|of\s+)?(?P<year>(?:19|20)\d{{2}})\b", _I)
#: "Russia in May became ...": a month without its year, which the page's date supplies.
_MONTH_ONLY = re.compile(
    rf"\b(?:in|en|since|desde)\s+(?P<month>{MONTH_WORDS})\b(?!\.?,?\s+(?:de(?:l)?\s+|of\s+)?\d)", _I
)
_MONTH_DAY = re.compile(
    rf"\b(?:(?P<month>{MONTH_WORDS})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s*(?:19|20)\d\d)"
    rf"|(?P<day2>\d{{1,2}})\s+(?:de\s+)?(?P<month2>{MONTH_WORDS})\b(?!\s+(?:de\s+)?(?:19|20)\d\d))",
    _I,
)
_YEAR = re.compile(r"\b(?:in|en|since|desde|during|durante)\s+(?P<year>(?:19|20)\d{2})\b", _I)
_LETTER = re.compile(
    r"\b(?:letter|carta|oficio|notice|notification|communication|notificaci[oó]n|comunicaci[oó]n)\b", _I
)
#: A line that is the page's date: "January 28, 2026", "Posted on 28 January 2026", "Fecha: 3 de mayo de 2019".
_DATE_LINE = re.compile(
    r"^(?:(?:posted|published|updated|date|dated|fecha|publicado)(?:\s+on|\s+el)?\s*:?\s*)?"
    r"(?:(?-i:[A-Z])[\w.]+(?:\s+(?-i:[A-Z])[\w.]+)?,\s+)?(?P<rest>.{6,40})$",  # "Quito, 18 de julio de 2018."
    _I
)
_CITY_DATE = re.compile(r"^(?-i:[A-Z])[\w.]+(?:\s+(?-i:[A-Z])[\w.]+)?,\s+(?=\d)")
#: A dateline opening the first paragraph: "January 28, 2026 — The United States ...".
_DATELINE = re.compile(r"^(?:[A-Z][\w.,' ]{0,40}[,–—-]\s*)?(?P<date>[^—–]{6,30}?)\s*[—–-]\s+\S")


_NUMERIC_DATE = re.compile(r"^(?:[A-Za-z ]{0,20}:?\s*)?(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})\b")


@dataclass(frozen=True)
class Effective:
    value: str  # ISO, with the precision the page gives
    basis: str  # "sentence", "letter" or "page"


def page_date(text: str, metadata_date: date | None = None) -> date | None:
    """The page's own date: its metadata, else a date line or a dateline near the top."""
    if metadata_date is not None:
        return metadata_date
    for line in [line.strip() for line in text.splitlines() if line.strip()][:8]:
        m = _DATE_LINE.match(line)
        numeric = _NUMERIC_DATE.search(m.group("rest")) if m else None
        if numeric:  # "Published on: 30/12/2016": only when the day cannot be the month
            first, second, year = (int(g) for g in numeric.groups())
            day, month = (first, second) if first > 12 >= second else (
                (second, first) if second > 12 >= first else (0, 0)
            )
            if day:
                try:
                    return date(year, month, day)
                except ValueError:
                    pass
        if m:
            # "News 3rd March 2021", "OGN Letters 19th October 2022": a section label may stand before the date.
            rest = m.group("rest")
            for candidate in (rest, *(rest.split(None, n)[-1] for n in (1, 2) if len(rest.split()) > n + 1)):
                if candidate is not rest and not re.match(r"^(?:(?-i:[A-Z])\w+\s+){1,2}$", rest[: -len(candidate)]):
                    continue
                dates = find_dates(candidate)
                if dates and dates[0][1] == 0 and dates[0][2] >= len(candidate.rstrip(" .")) - 1:
                    return dates[0][0]
        for part in line.split("|")[1:]:  # a byline: "Por Milton Rodríguez / Eugenia Velásquez | Mar 28, 2023 - 15:18"
            part = re.sub(r"\s*[-–]?\s*\d{1,2}:\d{2}\s*$", "", part).strip()
            dates = find_dates(part)
            if dates and dates[0][1] == 0 and dates[0][2] >= len(part.rstrip(" .")) - 1:
                return dates[0][0]
        city = _CITY_DATE.match(line)  # "Quito, 18 de julio de 2018. En su Informe ..."
        if city:
            dates = find_dates(line[city.end() :][:40])
            if dates and dates[0][1] == 0:
                return dates[0][0]
        d = _DATELINE.match(line)
        if d:
            dates = find_dates(d.group("date"))
            if dates:
                return dates[0][0]
    return None


#: A date right after these is a deadline or another event ("by 31 December 2021", "founded in 2011").
_NOT_THE_CHANGE = re.compile(
    r"(?:\b(?:by|before|until|till|deadline|due|hasta|antes\s+del?|plazo|para\s+el|founded|created|launched"
    r"|fundad\w*|cread\w*|arranc\w*|lanzad\w*|joined|joining|join|uni[oó]|sum[oó]|ingres\w*)"
    r"(?:\s+(?:formally|formalmente|on|in|el|en|the|of|de|del|end\s+of|finales\s+de))*\s*$)",
    _I,
)
#: "..., a body it joined when the initiative was set up in 2011": a date in an aside about the joining or the
#: founding is theirs.
_JOINING_ASIDE = re.compile(
    r"\b(?:joined|joining|se\s+uni[oó]|ingres[oó]|founded|set\s+up|launched|created|fundad[oa]|cread[oa])\b[^,;.]{0,60}$",
    _I,
)
#: "ahead of its yearly meeting in Paris on December 7": a later event the change came before.
_AHEAD_OF = re.compile(
    r"\b(?:ahead\s+of|in\s+the\s+run-up\s+to|prior\s+to|en\s+v[ií]speras\s+de)\b[^,;.]{0,50}$", _I
)
#: "one of the eight founding member countries of the Open Government Partnership in 2011": the founding.
_FOUNDING_BEFORE = re.compile(r"\b(?:founding|founders?|fundador\w*)\b[^,;.]{0,80}\s(?:in|en)\s*$", _I)
#: "since July 2015": when a review or inactivity began, but never the date of a withdrawal.
#: "which had joined the organization in April 2012": the date of a join, a few words on.
_JOIN_BEFORE = re.compile(r"\b(?:joined|joining|join|se\s+uni[oó]|ingres[oó]|sum[oó])\b(?:\s+\S+){0,4}\s*$", _I)
#: "In a letter dated June 29, 2017 (...) and taken up at the meeting on September 20": the letter's date.
_DATED = re.compile(r"\b(?:dated|fechad[oa](?:\s+el)?|de\s+fecha)\s*$", _I)
_SINCE = re.compile(r"\b(?:since|desde)(?:\s+(?:el|the))?\s*$", _I)
#: A date right after these is when the change takes effect: it beats any other date in the sentence.
_EFFECTIVE = re.compile(
    r"\b(?:effective|as\s+of|with\s+effect\s+from|a\s+partir\s+del?|con\s+efecto\s+(?:a\s+partir\s+)?del?)"
    r"(?:\s+(?:on|el|from))?\s*$",
    _I,
)
_RELATIVE_YEAR = re.compile(r"\b(?:last\s+year|this\s+year|el\s+a[nñ]o\s+pasado|este\s+a[nñ]o)\b", _I)
#: Words that tell a change of each status, for a date in another clause of the sentence.
_SAME_CHANGE = {
    "withdrawn": re.compile(r"\b(?:withdr\w*|leav\w*|left|exit\w*|quit\w*|pull\w*\s+out|retir\w*|sal\w*|abandon\w*"
                            r"|expel\w*|remov\w*|expuls\w*|no\s+longer)\b", _I),
    "inactive": re.compile(r"\binactiv\w*", _I),
    "under_review": re.compile(r"\b(?:review|revisi[oó]n)\b", _I),
    "active": re.compile(r"\b(?:re-?activ\w*|regain\w*|recuper\w*|restor\w*)", _I),
}
#: Words that start the reason for a change: dates after them belong to the reason.
_CAUSE = re.compile(
    r"\b(?:after|because|for\s+failing|since\s+it|tras|despu[eé]s\s+de|luego\s+de|al\s+no|por\s+no|porque"
    r"|debido\s+a)\b",
    _I,
)
#: What brings the sentence back from the reason to the change: "..., tras no entregar un plan ..., según dio a
#: conocer la OGP ... este 24 de marzo de 2022" dates the announcement of the change.
_ANNOUNCED = re.compile(
    r"\b(?:seg[uú]n\s+(?:dio\s+a\s+conocer|inform\w*|anunci\w*|public\w*|comunic\w*)|as\s+(?:announced|reported)\s+by"
    r"|(?:OGP|the\s+Partnership)\s+announced)\b",
    _I,
)


def _in_cause(between: str) -> bool:
    """Whether a date this far after the statement's verb belongs to its reason, not to the change."""
    cause = [m.end() for m in _CAUSE.finditer(between)]
    announced = [m.end() for m in _ANNOUNCED.finditer(between)]
    return bool(cause) and not (announced and announced[-1] > cause[-1])


_YESTERDAY_WORD = re.compile(r"\b(?:yesterday|ayer)\b", _I)
_YESTERDAY = re.compile(r"^\s*[–—-]?\s*(?:yesterday|ayer)\b", _I)


def in_sentence(text: str, published: date | None = None, at: int | None = None,
                status: str | None = None) -> str | None:
    """The date the sentence gives for its change, as ISO with the precision written: a full date, a month
    and year, "in 2016", or "March 28" with the year of the page's date (``published``).

    Deadlines ("by 31 December 2021") and other events ("founded in 2011") are not it; an "effective" date
    is; otherwise the date nearest the statement's verb (``at``). A dateline followed by "Yesterday, ..."
    gives the day before."""
    full = find_dates(text)
    candidates: list[tuple[int, int, str]] = []
    for d, start, end in full:
        if _YESTERDAY.match(text[end:]):
            d = d - timedelta(days=1)
        candidates.append((start, end, d.isoformat()))
    taken = [(s, e) for _, s, e in full]

    def free(pos: int) -> bool:
        return not any(s <= pos < e for s, e in taken)

    for m in _MONTH_YEAR.finditer(text):
        month = MONTHS.get(fold(m.group("month")))
        if free(m.start()) and month:
            candidates.append((m.start(), m.end(), f"{m.group('year')}-{month:02d}"))
            taken.append((m.start(), m.end()))
    for m in _YEAR.finditer(text):
        if free(m.start("year")):
            candidates.append((m.start("year"), m.end(), m.group("year")))
    if published is not None:
        for m in _MONTH_DAY.finditer(text):
            if not free(m.start()):
                continue
            month = MONTHS.get(fold(m.group("month") or m.group("month2") or ""))
            day = int(m.group("day") or m.group("day2"))
            if month:
                year = published.year if (month, day) <= (published.month, published.day) else published.year - 1
                try:
                    candidates.append((m.start(), m.end(), date(year, month, day).isoformat()))
                except ValueError:
                    continue
    if published is not None:
        for m in _MONTH_ONLY.finditer(text):
            month = MONTHS.get(fold(m.group("month")))
            if free(m.start("month")) and month:
                year = published.year if month <= published.month else published.year - 1
                candidates.append((m.start("month"), m.end(), f"{year}-{month:02d}"))
        for m in _RELATIVE_YEAR.finditer(text):
            offset = -1 if re.match(r"last|el\s+a[nñ]o\s+pasado|pasado", m.group(), _I) else 0
            candidates.append((m.start(), m.end(), str(published.year + offset)))
    if at is not None:
        # A date in another clause is this change's only where that clause tells the same change ("... was
        # Putin's Russia; a year later, on May 17, 2013, the Russians pulled out"), not another one ("lost its
        # active status in OGP; the membership was reactivated in December 2022").
        clauses = [(m.start(), m.end()) for m in re.finditer(r"[^;]+", text)]
        own = next(((a, b) for a, b in clauses if a <= at < b), (0, len(text)))
        same = _SAME_CHANGE.get(status or "")
        candidates = [c for c in candidates if own[0] <= c[0] < own[1] or (same is not None and any(
            a <= c[0] < b and same.search(text[a:b]) for a, b in clauses))]
    kept = []
    for start, end, value in candidates:
        before = text[max(0, start - 40) : start]
        aside = text[max(text.rfind(",", 0, start), text.rfind(";", 0, start), 0) : start]
        if at is not None and start > at and _JOINING_ASIDE.search(aside):
            continue
        if _NOT_THE_CHANGE.search(before) or _JOIN_BEFORE.search(before) or _AHEAD_OF.search(
            text[max(0, start - 60) : start]
        ) or _FOUNDING_BEFORE.search(
            text[max(0, start - 100) : start]
        ) or (
            status == "withdrawn" and _SINCE.search(before)
        ):
            continue
        if at is not None and start > at and _in_cause(text[at:start]):
            continue  # "placed on inactive status last year after it failed to submit a plan in 2021"
        kept.append((start, end, value))
    if not kept:
        if published is not None and _YESTERDAY_WORD.search(text):
            return (published - timedelta(days=1)).isoformat()
        return None
    for marker in (_EFFECTIVE, _DATED):
        marked = [c for c in kept if marker.search(text[max(0, c[0] - 40) : c[0]])]
        if marked:
            return marked[0][2]
    if at is None:
        return min(kept)[2]
    return min(kept, key=lambda c: min(abs(c[0] - at), abs(c[1] - at)))[2]


#: A letter about leaving; "its letter of intent to join" dates the joining, not the exit.
_EXIT_WORDS = re.compile(
    r"\b(?:withdr\w*|leav\w*|left|exit\w*|quit\w*|drop\w*\s+out|pull\w*\s+out|decision|retir\w*|salida|salir|abandon\w*"
    r"|membership|particip\w*"
    r"|decisi[oó]n|miembro)\b",
    _I,
)
_JOIN_LETTER = re.compile(r"\bintent\w*\s+to\s+join\b|\bcarta\s+de\s+intenci[oó]n\b|\bletter\s+of\s+intent\b", _I)


def letter_date(sentences: list[Sentence], published: date | None, member: str | None = None) -> str | None:
    """The date of a letter the page cites; "Jan. 15" takes the year of the page's date. With ``member``, a
    letter whose sentence names other countries and not that member is another member's letter."""
    for i, s in enumerate(sentences):
        if member and _about_others(s.clean, member):
            continue
        # "A letter setting out the decision ... In the letter, dated 29th June 2017, ...": the letter about
        # the exit may be named in the sentence before the one that dates it.
        about_exit = _EXIT_WORDS.search(s.clean) or (i and _EXIT_WORDS.search(sentences[i - 1].clean)
                                                     and _LETTER.search(sentences[i - 1].clean))
        if not _LETTER.search(s.clean) or not about_exit or _JOIN_LETTER.search(s.clean):
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


def _about_others(text: str, member: str) -> bool:
    from jobs.analysis.joins import countries_in  # here: jobs.analysis.joins reads dates through membership

    named = countries_in(text)
    return bool(named) and member not in named


_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])(?:/(0[1-9]|[12]\d|3[01]))?(?:/|$)")


def url_date(url: str) -> date | None:
    """The day in a dated permalink ("/2019/01/08/<slug>"): the page's date when the page shows none."""
    m = _URL_MONTH.search(url or "")
    if not m or not m.group(3):
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def url_reference(url: str) -> date | None:
    """The latest day a page's address allows it to be from ("/2026/02/" -> the last day of February
    2026): enough to give "Jan. 15" its year when the page shows no date, never a date in itself."""
    m = _URL_MONTH.search(url or "")
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if m.group(3):
        return date(year, month, int(m.group(3)))
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def effective(sentence: Sentence, sentences: list[Sentence], published: date | None, at: int | None = None,
              status: str | None = None, reference: date | None = None, member: str | None = None) -> Effective | None:
    """When the change stated in ``sentence`` takes effect, by the best evidence the page has.
    ``reference`` (from the address) resolves year-less dates when the page has no date of its own."""
    stated = in_sentence(sentence.clean, published or reference, at, status)
    if stated:
        return Effective(stated, "sentence")
    letter = letter_date(sentences, published or reference, member)
    if letter:
        return Effective(letter, "letter")
    if published is not None:
        return Effective(published.isoformat(), "page")
    return None
