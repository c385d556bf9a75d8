"""Proper names in running text: members ("the Government of Mexico City") and bodies ("Coordinating
Committee of OGP in Mexico (CC-AGA MX)").

Rules find a verb ("withdrew from OGP", "classified ... as inactive") and then need the name right
before or after it; capitalisation plus a few connecting words ("of", "de la") is what marks a name in
both languages. Country names come from the gazetteer (``storage.gazetteer``) so "X, Mexico" can be read
as a location.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jobs.analysis.numbers import fold
from storage.gazetteer import country as gazetteer_country
from storage.gazetteer import gazetteer, place

CAP = r"[A-ZÁÉÍÓÚÑÜ][\w'’.\-]*"
CONNECT = r"(?:of|de|del|la|las|los|el|the|in|en|for|para|on|da|do|dos|das|y)"
NAME = rf"{CAP}(?:\s+(?:{CONNECT}\s+)*{CAP})*(?:\s*\([^()]{{1,40}}\))?"
#: Names in a row ("Bulgaria, Malawi y Malta"), for a verb that puts its objects after a Spanish adjective
#: ("declaró inactivos a Bulgaria, Malawi y Malta en marzo").
NAME_LIST = rf"(?-i:{NAME}(?:\s*,\s*{NAME})*(?:,?\s+(?:y|e|and)\s+{NAME})?)"
_TRAILING = re.compile(rf"({NAME})\s*$")
_LEADING = re.compile(rf"^\s*(?:the\s+|el\s+|la\s+|los\s+|las\s+)?({NAME})")

#: Who is not a member: civil society, forums and OGP itself.
NOT_A_GOVERNMENT = re.compile(
    r"\b(?:civil\s+society|sociedad\s+civil|organi[sz]ations?|organizaciones?|CSOs?|OSCs?|NGOs?|ONGs?"
    r"|activists?|activistas?|n[uú]cleo|nucleus|forum|foro|secretariat|secretariado|NOSC|multi-?stakeholder"
    r"|multiactor|committee|comit[eé]|journalists?|periodistas?|citizens?|ciudadan\w*|academ\w*)\b",
    re.IGNORECASE,
)
_STOP_NAMES = {
    "ogp", "aga", "the partnership", "partnership", "open government partnership", "government", "gobierno",
    "it", "this", "officials", "the government", "alianza", "la alianza", "ogp local", "washington",
    "however", "in", "but", "sin embargo", "también", "also", "today", "yesterday", "hoy", "ayer",
}  # fmt: skip
_LEAD_WORDS = re.compile(
    r"^(?:In|On|At|Today|Yesterday|However|But|Also|Officially|Finally|Recently|Hoy|Ayer|En|Sin embargo"
    r"|Además|También|Finalmente|Recientemente|Officials\s+(?:from|of)|Funcionarios\s+del?"
    # a subordinate clause's opener: "After New York City joined OGP Local ..." is New York City's join
    r"|After|Before|When|Whenever|Since|Once|While|Whilst|Although|Though|Because|As|If|Until|Unless"
    r"|Cuando|Desde\s+que|Después\s+de\s+que|Antes\s+de\s+que|Aunque|Si|Mientras|Porque|Una\s+vez\s+que)\s+",
)
#: A Spanish article before a common noun ("La Municipalidad de Lima"), not one that is part of a name
#: ("La Paz", "El Salvador").
_SPANISH_ARTICLE = re.compile(
    r"^(?:el|la|los|las)\s+(?=(?:municipalidad|municipio|ciudad|estado|provincia|alcald[ií]a|departamento|rep[uú]blica"
    r"|intendencia|prefeitura|regi[oó]n|comunidad|gobernaci[oó]n|distrito|condado)\b)"
    # ... or before an initialism: "la CDMX" is the city the letters stand for
    r"|^(?:el|la|los|las)\s+(?=(?-i:[A-ZÁÉÍÓÚÑ]{2,})\b)",
    re.IGNORECASE,
)
_GOV_PREFIX = re.compile(
    r"^(?:the\s+|el\s+|la\s+|los\s+|las\s+)?(?:(?:national|federal|local|city|municipal|state)\s+)?"
    r"(?:government|gobierno|administration|administración|authorities|autoridades|municipal\s+council|city\s+council"
    r"|consejo\s+municipal|concejo\s+municipal)\s+(?:of|de|del)\s+"
    r"(?:the\s+|la\s+|el\s+|los\s+)?",
    re.IGNORECASE,
)


def trailing_name(prefix: str) -> str | None:
    """The capitalised name that ends ``prefix`` ("In 2022, the Government of Hungary" -> that name)."""
    stripped = prefix.rstrip()
    for country in conjoined_country_names():  # "Trinidad and Tobago": "and" does not end the name here
        if fold(stripped).endswith(fold(country)):
            start = len(stripped) - len(country)
            m = _TRAILING.search(stripped[:start].rstrip())
            if m and stripped[:start].rstrip().endswith(("of", "de", "del")):
                return (m.group(1) + " " + stripped[start:]).strip()
            return stripped[start:]
    m = _TRAILING.search(stripped)
    return m.group(1).strip() if m else None


def leading_name(text: str) -> str | None:
    """The capitalised name that starts ``text`` ("the Working Group dated ..." -> "Working Group")."""
    m = _LEADING.search(text)
    return m.group(1).strip() if m else None


_KIND_IN_BRACKETS = re.compile(
    r"\s*\((?:state|city|municipality|county|province|region|estado|ciudad|municipio|provincia|regi[oó]n)\)$",
    re.IGNORECASE,
)


def clean_member_name(raw: str) -> str | None:
    """A member's name as the page writes it, minus "The Government of" and sentence openers; None when
    what is left is not a government (civil society, a forum, OGP itself)."""
    s = raw.strip().strip(",;:")
    for _ in range(2):
        s = _LEAD_WORDS.sub("", s)
        s = _GOV_PREFIX.sub("", s)
    s = re.sub(r"^the\s+", "", s)  # "the Republic of Azerbaijan"
    if not as_country(s):  # "El Salvador", "The Gambia" keep their article
        s = re.sub(r"^the\s+", "", s, flags=re.IGNORECASE)
        s = _SPANISH_ARTICLE.sub("", s)
    s = re.sub(r"['’]s$", "", s).strip(" ,;:")
    s = _KIND_IN_BRACKETS.sub("", s)  # "Nuevo Leon (State)": the member is Nuevo Leon
    if not s or not s[0].isupper() or len(s.split()) > 9:
        return None
    if fold(s) in _STOP_NAMES or NOT_A_GOVERNMENT.search(s):
        return None
    return s


def clean_body_name(raw: str) -> str:
    """A body's name minus its article ("The Coordinating Committee" -> "Coordinating Committee")."""
    s = re.sub(r"^(?:the|el|la|los|las)\s+", "", raw.strip(), flags=re.IGNORECASE)
    return s.strip(" ,;:")


_LOCAL_PREFIX = re.compile(
    r"^(?:(?:the\s+)?(?:city|municipality|municipal\s+government|state|province|county|region|department)\s+of\s+"
    r"|(?:la\s+|el\s+)?(?:ciudad|municipio|municipalidad|estado|provincia|departamento|regi[oó]n)\s+de\s+)",
    re.IGNORECASE,
)
_LOCAL_SUFFIX = re.compile(r"\s+(?:city|state|municipality|county|province)$", re.IGNORECASE)


def member_key(name: str) -> str:
    """A loose key under which "City of Springfield" and "Springfield" are the same member, and so are a
    city's other names ("CDMX", "Ciudad de México"); but "Mexico City" is not Mexico."""
    known = place(name)
    whole = known.name if known else name.strip()
    s = _LOCAL_SUFFIX.sub("", _LOCAL_PREFIX.sub("", whole))
    if as_country(s) and not as_country(whole):
        s = whole
    return " ".join(fold(s).replace("-", " ").split())  # "Kigoma-Ujiji" and "Kigoma Ujiji" are one


def as_country(text: str) -> str | None:
    """``text`` if it is a country name (English or Spanish, or a usual short form), else None."""
    name = text.strip(" ,.;:()")
    return name if name and gazetteer_country(name) is not None else None


def country_after(name: str, text: str) -> str | None:
    """The country written right after ``name`` ("Mexico City, Mexico", "Mexico City (Mexico)")."""
    for m in re.finditer(rf"{re.escape(name)}\s*(?:,|\(|\bin\b|\ben\b)\s*({CAP}(?:\s+{CAP})?)", text):
        for candidate in (m.group(1), m.group(1).split()[0]):
            country = as_country(candidate)
            if country and fold(country) != fold(name):
                return country
    return None


@lru_cache(maxsize=1)
def conjoined_country_names() -> tuple[str, ...]:
    """Country names with "and"/"y"/"&" inside, which list splitting must not cut."""
    names = {alias for c in gazetteer().countries.values() for alias, _ in c.aliases
             if re.search(r"\s(?:and|y|e|&)\s", alias)}
    return tuple(sorted(names, key=len, reverse=True))
