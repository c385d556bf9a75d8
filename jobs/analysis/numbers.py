"""Numbers, ordinals and dates as OGP writes them in English and Spanish.

IRM reports spell counts out ("nine of the thirteen commitments", "nueve de los trece compromisos") and
name plans by ordinal ("fourth action plan", "4º Plan de Acción"), so the rules in ``reports`` and the
chat engine both need one shared reading of these words. Accents are optional everywhere because pages
(and people typing questions) drop them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Veintiún" and "veintiun" look the same to the tables."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_ES_UNITS = {
    "cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
    "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20,
    "veintiun": 21, "veintiuno": 21, "veintiuna": 21, "veintidos": 22, "veintitres": 23,
    "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28,
    "veintinueve": 29,
}  # fmt: skip
_ES_TENS = {
    "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80,
    "noventa": 90,
}  # fmt: skip
_ES_HUNDREDS = {
    "cien": 100, "ciento": 100, "doscientos": 200, "doscientas": 200, "trescientos": 300,
    "trescientas": 300, "cuatrocientos": 400, "cuatrocientas": 400, "quinientos": 500,
    "quinientas": 500,
}  # fmt: skip

_UNITS = {**_EN_UNITS, **_ES_UNITS}
_TENS = {**_EN_TENS, **_ES_TENS}

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "primer": 1, "primero": 1, "primera": 1, "segundo": 2, "segunda": 2, "tercer": 3, "tercero": 3,
    "tercera": 3, "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5, "sexto": 6, "sexta": 6,
    "septimo": 7, "septima": 7, "setimo": 7, "setima": 7, "octavo": 8, "octava": 8, "noveno": 9,
    "novena": 9, "decimo": 10, "decima": 10, "undecimo": 11, "undecima": 11, "duodecimo": 12,
    "duodecima": 12,
}  # fmt: skip

# "4th", "1st", "4º", "4o", "4.º", "4ª", "4to", "1er", "3ra"
_NUMERIC_ORDINAL = re.compile(r"^(\d{1,2})\.?\s?(?:st|nd|rd|th|º|°|ª|o|a|to|ta|vo|va|no|na|mo|ma|er|ro|ra|do|da)$")


def number_value(word: str) -> int | None:
    """The integer a cardinal (digits or English/Spanish words, up to 999) stands for, else None."""
    raw = fold(word.strip()).strip(".,;:")
    if not raw:
        return None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", raw):
        return int(raw.replace(",", ""))
    tokens = [t for t in re.split(r"[\s\-]+", raw) if t and t not in {"and", "y", "a"}]
    if not tokens:
        return None
    total = 0
    current = 0
    seen_unit = seen_ten = False
    for token in tokens:
        if token == "hundred" or token in _ES_HUNDREDS:
            if token == "hundred":
                current = (current or 1) * 100
            else:
                if current:
                    return None
                current = _ES_HUNDREDS[token]
            total += current
            current = 0
            seen_unit = seen_ten = False
        elif token in _TENS:
            if seen_ten or seen_unit:
                return None
            current += _TENS[token]
            seen_ten = True
        elif token in _UNITS:
            value = _UNITS[token]
            if seen_unit or (seen_ten and value >= 10):
                return None
            current += value
            seen_unit = True
        else:
            return None
    return total + current


def ordinal_value(word: str) -> int | None:
    """The position an ordinal ("4th", "fourth", "cuarto", "4.º", "primer") names, else None."""
    raw = fold(word.strip()).strip(",;:")
    if not raw:
        return None
    match = _NUMERIC_ORDINAL.match(raw)
    if match:
        return int(match.group(1))
    raw = raw.rstrip(".")
    return _ORDINALS.get(raw)


def _alternation(words: list[str]) -> str:
    variants: set[str] = set()
    for w in words:
        variants.add(w)
        variants.add(fold(w))
    return "|".join(sorted((re.escape(v) for v in variants), key=len, reverse=True))


_ES_ACCENTED = ["dieciséis", "veintiún", "veintidós", "veintitrés", "veintiséis"]
_UNIT_WORDS = _alternation([*_UNITS, *_ES_ACCENTED])
_TEN_WORDS = _alternation(list(_TENS))
_EN_SMALL = _alternation([w for w, v in _EN_UNITS.items() if 1 <= v <= 9])
_ES_SMALL = _alternation(["un", "uno", "una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"])
_HUNDRED_WORDS = _alternation([*_ES_HUNDREDS, "one hundred", "a hundred", "hundred"])

#: A cardinal in running text: digits, or an English/Spanish number phrase up to the hundreds.
_BELOW_HUNDRED = rf"(?:(?:{_TEN_WORDS})(?:(?:-|\s+)(?:{_EN_SMALL})|\s+y\s+(?:{_ES_SMALL}))?|(?:{_UNIT_WORDS}))"
NUMBER_PATTERN = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+"
    rf"|(?:{_HUNDRED_WORDS})\s+(?:and\s+)?{_BELOW_HUNDRED}(?![\w])"
    rf"|(?:{_HUNDRED_WORDS})(?![\w])"
    rf"|{_BELOW_HUNDRED})"
)
NUMBER_RE = re.compile(rf"(?<![\w.,])(?:{NUMBER_PATTERN})(?![\w])", re.IGNORECASE)

_ORDINAL_WORDS = _alternation(
    [*_ORDINALS, "séptimo", "séptima", "décimo", "décima", "undécimo", "undécima", "duodécimo", "duodécima"]
)
#: An ordinal in running text.
ORDINAL_PATTERN = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th|\.?º|\.?°|\.?ª|o|a|to|ta|vo|va|er|ro|ra|do|da)(?![\w])|(?:{_ORDINAL_WORDS})(?![\w]))"
)
ORDINAL_RE = re.compile(rf"(?<![\w.])(?:{ORDINAL_PATTERN})", re.IGNORECASE)

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
}  # fmt: skip
_MONTH_WORDS = _alternation(list(_MONTHS))
MONTHS, MONTH_WORDS = _MONTHS, _MONTH_WORDS  # month names (English, Spanish) -> number, and their pattern
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|º|°|o|ro|er)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_MONTH = rf"(?P<month>{_MONTH_WORDS})\.?"
_DATE_FORMS = [
    rf"{_MONTH}\s+{_DAY},?\s+{_YEAR}",  # December 13, 2021
    rf"{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}",  # 13 December 2021
    rf"{_DAY}\s+de\s+{_MONTH}\s+(?:de|del)\s+{_YEAR}",  # 13 de diciembre de 2021
    r"(?P<iso>(?:19|20)\d{2}-\d{2}-\d{2})",
]
_DATE_RES = [re.compile(f, re.IGNORECASE) for f in _DATE_FORMS]


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every valid date in ``text`` with its span, in order; impossible dates (31 June) are skipped."""
    found: list[tuple[date, int, int]] = []
    for pattern in _DATE_RES:
        for m in pattern.finditer(text):
            try:
                if m.groupdict().get("iso"):
                    y, mo, d = (int(p) for p in m.group("iso").split("-"))
                    value = date(y, mo, d)
                else:
                    value = date(int(m.group("year")), _MONTHS[fold(m.group("month"))], int(m.group("day")))
            except (ValueError, KeyError):
                continue
            if not any(s <= m.start() < e for _, s, e in found):
                found.append((value, m.start(), m.end()))
    return sorted(found, key=lambda item: item[1])


def parse_date(text: str) -> date | None:
    """The first date written in ``text`` ("December 13, 2021", "13 de diciembre de 2021"), else None."""
    dates = find_dates(text)
    return dates[0][0] if dates else None
