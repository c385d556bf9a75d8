"""Joins: when a member came into OGP (or OGP Local), in the shapes pages use for it.

- a verb with OGP as its object and a year near it: "Morocco joined the OGP in April 2018", "Tanzania se
  unió a la OGP cuando fue creada en 2011", "has been participating in OGP since 2011";
- a member page's or a members listing's header line: "Member Since 2011", "Joined in 2016 and is
  implementing 5 commitments" under the member's name ("Elgeyo Marakwet, Kenya");
- the founders: "the eight founding countries (Brazil, Indonesia, Mexico, ...)" with 2011 in the sentence
  or the one before it;
- OGP welcoming a new member: "OGP also welcomed Cote d'Ivoire", dated by the sentence or the page.

An intention is not a join: "announced their intent to join", "will join", "is considering joining" yield
nothing, and neither does a letter of intent on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from jobs.analysis.names import as_country, clean_member_name
from jobs.analysis.numbers import MONTH_WORDS
from jobs.analysis.subjects import (
    LOCAL_CUE,
    OGP,
    OGP_LOCAL,
    OGP_NAMED,
    hedged,
    list_items,
    listed_subjects,
    member_name,
    ogp_object_ok,
    subject,
    subjects,
)
from jobs.analysis.text import Sentence
from storage.gazetteer import country as gazetteer_country
from storage.gazetteer import local_member

_I = re.IGNORECASE
#: Names of regional governments that carry no "State" or "City" ("Principado de Asturias").
LOCAL_KIND = re.compile(r"\b(?:principado|comunidad\s+aut[oó]noma|gobierno\s+regional|regi[oó]n|region)\b", _I)


@dataclass(frozen=True)
class Join:
    member: str | None  # None: "it" / "the country", the page's member
    year: int
    local: bool
    sentence: Sentence
    country: str | None = None  # a local member's country, when the page writes "Name, Country"
    founding: bool = False


_JOIN_VERBS = [
    r"(?:has\s+|had\s+|officially\s+|formally\s+)?joined",
    # "became, in September 2014, the 65th member of"
    r"(?:has\s+|had\s+|have\s+)?(?:became|become|becomes)(?:,\s+in\s+(?:(?:" + MONTH_WORDS + r")\s+)?"
    r"(?P<aside_year>(?:19|20)\d{2}),)?\s+(?:a\s+|the\s+\w+\s+|(?:the\s+)?\d+(?:\.|st|nd|rd|th)?\s+)?"
    r"(?:member|participant|part|country)\s+(?:of|in|to\s+join)",
    # "since Senegal became an OGP member in 2018": OGP inside the noun phrase
    r"(?:has\s+|had\s+|have\s+)?(?:became|become|becomes)\s+(?:an?|the\s+\w+)(?=\s+(?-i:OGP|AGA)\s+(?:member|participant))",
    r"(?:began|begun|started)\s+(?:its|their)\s+(?:formal\s+|official\s+)?participation\s+in",
    r"(?:was|were)\s+(?:admitted|accepted)\s+(?:to|into)",
    r"se\s+(?:uni[oó]|incorpor[oó]|sum[oó]|adhiri[oó]|integr[oó]|unieron|incorporaron|sumaron|adhirieron|integraron)"
    r"\s+(?:por\s+primera\s+vez\s+)?a",
    # "México y otros 8 países (...) suscribieron la Alianza"
    r"suscribi[oó]|suscribieron",
    r"ingres[oó]\s+a",
    r"pertenece\s+a",
    r"ingres[oó]\s+a\s+la\s+cohorte\s+de",
    r"pas[oó]\s+a\s+(?:formar\s+parte|ser\s+(?:parte|miembro))\s+de",
    r"(?:oficializ[oó]|formaliz[oó]|concret[oó])\s+su\s+(?:ingreso|adhesi[oó]n|incorporaci[oó]n|membres[ií]a)"
    r"\s+(?:a|en)",
]
JOIN_RE = re.compile(rf"\s+(?P<verb>{'|'.join(_JOIN_VERBS)})\s+(?P<obj>{OGP})", _I)
#: On a page about OGP, "this international organization" is OGP too ("Hungary had become a member of this
#: international organization in 2013").
_OGP_HERE = (
    rf"(?:{OGP}|(?:the|this)\s+(?:international\s+)?(?:organi[sz]ation|partnership|initiative)"
    r"|(?:la|esta)\s+(?:organizaci[oó]n|alianza|iniciativa)(?:\s+internacional)?"
    # "En 2011, el mismo año en que nació la Alianza, el país se adhirió a ella": OGP named before, in the sentence
    r"|(?P<pronoun>ella|it))"
)
JOIN_ON_OGP_PAGE_RE = re.compile(rf"\s+(?P<verb>{'|'.join(_JOIN_VERBS)})\s+(?P<obj>{_OGP_HERE})", _I)
#: "the U.S. was one of the nations that founded the organization in 2011".
_ONE_OF_FOUNDERS = re.compile(
    r"\s+(?:was|is|were|are|fue|es)\s+(?:one\s+of|uno\s+de)\s+(?:the\s+|los\s+)?(?:eight\s+|8\s+|ocho\s+)?"
    r"(?:nations|countries|governments|pa[ií]ses|gobiernos|naciones)\s+(?:that|which|que)\s+"
    rf"(?:founded|created|launched|started|fundaron|crearon|lanzaron)\s+(?P<obj>{_OGP_HERE})",
    _I,
)
_YEAR_WORDS = rf"(?i:(?:(?:{MONTH_WORDS})\.?\s+(?:of\s+)?)?)"
#: What may stand between "in" and the year: "in April 2018", "en el año 2011", "en julio del 2018".
_YEAR = rf"(?:(?:el|the)\s+)?(?:(?:año|year|mes\s+de)\s+)?(?:(?:{MONTH_WORDS})\.?\s+(?:de(?:l)?\s+|of\s+)?)?"
_MEMBER_SINCE_RE = re.compile(
    rf"\s+(?:(?:has|have|had)\s+been|is|es|ha\s+sido|forma\s+parte|(?:has|have|had)\s+belonged\s+to|pertenece\s+a"
    rf"|ha\s+pertenecido\s+a)\s+(?:a\s+|un\s+)?(?:member\s+of|miembro\s+de"
    rf"|participating\s+in|a\s+participant\s+in|part\s+of|parte\s+de|de)?\s*(?P<obj>{OGP})\s+(?:since|desde)\s+"
    rf"{_YEAR}(?P<year>(?:19|20)\d{{2}})",
    _I,
)
_YEAR_AFTER = re.compile(
    rf"^[^.;]{{0,40}}?\b(?:in|en|on|el|since|desde|during|durante)\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+"
    rf"(?:of\s+|de\s+)?)?{_YEAR}(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?P<year>(?:19|20)\d{{2}})\b", _I
)
#: "In 2015, ...", "On 16 April 2024 the City of Zagreb became ...", "Since 2011 Malta has belonged to ...".
_YEAR_BEFORE = re.compile(
    rf"\b(?:in|en|on|since|desde)\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?)?{_YEAR}"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?P<year>(?:19|20)\d{{2}}),?\s+[^.;]{{0,60}}$",
    _I,
)

#: A year before a list of subjects, which may be long: "Fue en 2011 cuando México y otros 8 países (Brasil, ...)".
_YEAR_BEFORE_LIST = re.compile(r"\b(?:in|en)\s+(?P<year>(?:19|20)\d{2}),?\s+[^.;]{0,220}$", _I)
#: "Member Since 2011", "Joined 2016", "Joined in 2016 and is implementing 5 commitments", "Miembro desde 2011".
_HEADER = re.compile(
    r"^(?:member\s+since|joined(?:\s+in)?|participating\s+since|miembro\s+desde|participa\s+desde|se\s+uni[oó]\s+en)"
    r"\s*:?\s*"
    r"(?P<year>(?:19|20)\d{2})\b",
    _I,
)
_FOUNDERS = re.compile(
    r"\bfounding\s+(?:members?|countr\w+|governments?|partners?|nations?)\b|\bfounders?\b|\bco-?founder\b"
    r"|\bmiembros?\s+fundador\w*|\bpa[ií]s(?:es)?\s+fundador\w*|\bfundador(?:es|as|a)?\b"
    r"|\b(?:founded|launched|created)\s+(?:in\s+2011\s+)?by\s+(?:eight|8)\b"
    r"|\b(?:(?:co-?)?founded|launched|created)\s+(?:it|OGP|the\s+(?:partnership|initiative|organi[sz]ation))\s+in\s+2011\b"
    r"|\b(?:fundada|creada|lanzada)\s+(?:en\s+(?:el\s+)?2011\s+)?por\s+(?:ocho|8)\b",
    _I,
)
_NOT_FOUNDER = re.compile(r"\b(?:not|never|no|ni|nor)\b[^,.;]{0,30}\b(?:founding|founders?|fundador\w*)\b", _I)
_WELCOME = re.compile(
    r"\b(?:welcomed|welcomes|welcoming|da\s+la\s+bienvenida\s+a|dio\s+la\s+bienvenida\s+a)\s+(?P<names>.+?)"
    r"(?=,\s+(?:bringing|which|who|taking|elevando|con\s+lo\s+que)|\s+(?:as|to|into|como|a\s+la|al)\b|[.;]|$)",
    _I,
)
_INTENT = re.compile(
    r"\b(?:intent\w*|intend\w*|will\s+join|to\s+join|plans?\s+to|consider\w*|eligible|intenci[oó]n|se\s+sumar[aá]"
    r"|se\s+unir[aá]|planea\w*|evalu\w*)\b",
    _I,
)


def page_joins(sentences: list[Sentence], published: date | None, page_member: str | None,
               ogp_page: bool = False) -> list[Join]:
    """Every join the page states, in page order. ``ogp_page``: the page is about OGP, so "the eight
    founding countries" are OGP's even where the sentence does not name it."""
    out: list[Join] = []
    for i, s in enumerate(sentences):
        out += _verb_joins(s, published, ogp_page)
        out += _relative_joins(s)
        out += _header_join(sentences, i, page_member)
        out += _founders(s, sentences[max(0, i - 3) : i], ogp_page)
        out += _welcomed(s, published)
        out += _new_members_list(sentences, i, published)
    if sentences and published is not None:
        out += _headline_join(sentences[0], published)
    return out


#: "Hungary, which, when joining in 2012, ...", "Putin's Russia, which had joined the organization in April 2012",
#: "El Salvador ... la Alianza ..., de la que es miembro desde 2011".
_RELATIVE_JOIN = re.compile(
    rf"(?P<name>[A-Z][\w'’.]*(?:\s+(?:and\s+|y\s+|of\s+)?[A-Z][\w'’.]*){{0,3}}),\s+which,?\s+(?:when\s+joining"
    rf"|(?:had\s+|has\s+)?joined\s+(?:the\s+(?:organization|partnership|initiative)|{OGP}))\s*,?\s+(?:in|on)\s+"
    rf"(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?)?{_YEAR_WORDS}(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?"
    rf"(?P<year>(?:19|20)\d{{2}})"
)
_SPANISH_RELATIVE = re.compile(
    r"\bde\s+la\s+que\s+(?:es|era|fue|ha\s+sido|hab[ií]a\s+sido)\s+(?:miembro|parte)\s+desde\s+(?:el\s+)?"
    r"(?:a[nñ]o\s+)?(?P<year>(?:19|20)\d{2})"
    r"|\bde\s+la\s+que\s+(?:forma|formaba|form[oó])\s+parte\s+desde\s+(?:el\s+)?(?:a[nñ]o\s+)?(?P<year2>(?:19|20)\d{2})"
    # "El Salvador, que pertenecía desde 2011 a la Alianza para el Gobierno Abierto (OGP), ..."
    r"|,\s+que\s+(?:pertenec[ií]a|pertenece|ha\s+pertenecido|forma(?:ba)?\s+parte)\s+desde\s+(?:el\s+)?(?:a[nñ]o\s+)?"
    r"(?P<year3>(?:19|20)\d{2})\s+(?:a|de)\s+(?:la\s+)?(?:Alianza|OGP|AGA)"
    # "El Salvador, que es miembro de la OGP desde 2011, ..."
    r"|,\s+que\s+(?:es|era|ha\s+sido)\s+miembro\s+de\s+(?:la\s+)?(?:OGP|AGA|Alianza[^,]{0,40}?)\s+desde\s+(?:el\s+)?"
    r"(?:a[nñ]o\s+)?(?P<year4>(?:19|20)\d{2})"
)
#: "El Salvador, miembro de la OGP desde 2011, no presentó ...", "Kenya, an OGP member since 2011, ...": the
#: appositive states the join.
_APPOSITIVE_SINCE = re.compile(
    rf"(?P<name>(?-i:[A-Z])[\w'’.]*(?:\s+(?:and\s+|y\s+|de\s+)?(?-i:[A-Z])[\w'’.]*){{0,3}}),\s+(?:an?\s+|un\s+)?"
    rf"(?:(?:OGP|AGA)\s+)?(?:member|miembro|participant|participante|part)\s*(?:(?:of|in|de(?:l)?|en)\s+{OGP}\s+)?"
    rf"(?:since|desde)\s+(?:(?:el|the)\s+)?(?:(?:a[nñ]o|year)\s+)?(?P<year>(?:19|20)\d{{2}})\s*,",
    _I,
)


#: "... the Open Government Partnership, the body Israel joined in 2012": OGP, then what the member did.
_JOINED_BODY = re.compile(
    rf"{OGP}(?:\s*\([^)]*\))?[\"”]?,[\"”]?\s+(?:the|a)\s+(?:body|partnership|initiative|organi[sz]ation|alliance|group)\s+"
    r"(?:that\s+|which\s+)?(?P<name>(?-i:[A-Z])[\w'’.]*(?:\s+(?:and\s+|of\s+)?(?-i:[A-Z])[\w'’.]*){0,3}|it)\s+"
    r"(?:had\s+|has\s+)?joined\s+(?:in|when\s+[^,.;]{0,50}?\bin)\s+(?P<year>(?:19|20)\d{2})\b",
    _I,
)


def _relative_joins(s: Sentence) -> list[Join]:
    out: list[Join] = []
    for m in _JOINED_BODY.finditer(s.clean):
        if m.group("name") == "it":  # "Israel is pulling out of OGP, a body it joined when ... in 2011"
            lead = countries_in(s.clean[: m.start()])
            name = lead[0] if len(lead) == 1 else None
        else:
            name = member_name(m.group("name"))
        if name and gazetteer_country(name) and not hedged(s.clean, m.start("name"), m.end()):
            out.append(Join(name, int(m.group("year")), False, s))
    for m in _RELATIVE_JOIN.finditer(s.clean):
        name = member_name(re.split(r"['’]s\s+", m.group("name"))[-1])  # "Putin's Russia"
        if name and gazetteer_country(name):
            out.append(Join(name, int(m.group("year")), False, s))
    spanish = _SPANISH_RELATIVE.search(s.clean)
    if spanish and OGP_NAMED.search(s.clean[: spanish.end()]):
        lead = countries_in(s.clean[: spanish.start()])
        if len(lead) == 1:
            year = spanish.group("year") or spanish.group("year2") or spanish.group("year3") or spanish.group("year4")
            out.append(Join(lead[0], int(year), False, s))
    for m in _APPOSITIVE_SINCE.finditer(s.clean):
        bare = m.group(0)[len(m.group("name")):]
        if not (OGP_NAMED.search(bare) or OGP_NAMED.search(s.clean)):
            continue
        name = member_name(m.group("name"))
        if name and gazetteer_country(name) and not hedged(s.clean, m.start(), m.end()):
            out.append(Join(name, int(m.group("year")), False, s))
    return out


#: "Argentina Joins OGP, Becomes 58th Member", "Germany and Luxembourg joined OGP": a headline with the
#: page's own date, which is when the news of the join was.
_HEADLINE_JOIN = re.compile(
    rf"^(?P<names>.+?)(?<!\bto)(?<!\bwill)(?<!\bmay)(?<!\bcould)\s+(?:joins|join|joined|se\s+une\s+a|se\s+unen\s+a"
    rf"|se\s+suma\s+a)\s+(?P<obj>{OGP})",
    _I,
)


def _headline_join(headline: Sentence, published: date) -> list[Join]:
    m = _HEADLINE_JOIN.match(headline.clean)
    if not m or len(headline.clean) > 120 or hedged(headline.clean, m.start(), m.end()):
        return []
    names = m.group("names")
    out = [Join(name, published.year, False, headline) for name in countries_in(names)]
    # "The Basque Country, the City of Iasi, South Cotabato, Kaduna State, and Narino Join OGP": OGP Local's.
    for raw in list_items(names):
        known = local_member(clean_member_name(raw) or "")
        if known is not None and not any(j.member == known.name for j in out):
            out.append(Join(known.name, published.year, True, headline, known.country))
    return out


_NEW_MEMBERS = re.compile(
    r"\b(?:new|newest)\s+(?:members|participants)\s+(?:of\s+(?:OGP|the\s+Partnership)(?:\s+Local)?\s+)?"
    r"(?:are|include)\s*:\s*$"
    # "The launch members are listed below:" (the partnership's first members, under the launch's date)
    r"|\b(?:launch|founding|new|newest)\s+(?:members|countries|participants)\s+(?:are|were)\s+(?:listed\s+)?"
    r"(?:below|as\s+follows)\s*:\s*$"
    r"|\bmeet\s+the\s+(?:\d+\s+)?(?:new|newest)\s+(?:OGP\s+Local\s+)?members\s*[!:.]?\s*$"
    r"|\bnuevos\s+miembros\s+(?:de\s+(?:la\s+)?(?:OGP|AGA)(?:\s+Local)?\s+)?(?:son|incluyen)\s*:\s*$",
    _I,
)


def _new_members_list(sentences: list[Sentence], i: int, published: date | None = None) -> list[Join]:
    """ "The new members of OGP Local are:" and one "Name, Country" per line; the year is the intro's, the
    nearest one stated above it, or the page's."""
    if not _NEW_MEMBERS.search(sentences[i].clean):
        return []
    above = reversed(sentences[max(0, i - 6) : i + 1])
    years = [y for s in above for y in re.findall(r"\b(?:19|20)\d{2}\b", s.clean)]
    years = years or ([str(published.year)] if published else [])
    if not years:
        return []
    out: list[Join] = []
    items = sentences[i + 1 : i + 80]
    for n, item in enumerate(items):
        line = re.sub(r"\s*\([^()]{1,20}\)$", "", item.clean.strip(" •-*"))  # "Brazil (G20)"
        following = items[n + 1].clean.strip(" •-*") if n + 1 < len(items) else ""
        following = re.sub(r"\s*\([^()]{1,20}\)$", "", following)
        listed_next = gazetteer_country(following) or gazetteer_country(following.rpartition(", ")[2] or "-")
        heading = len(line.split()) <= 3 and "," not in line and not gazetteer_country(line)
        if (out or n == 0) and heading and listed_next:
            continue  # a sub-heading inside the list ("Steering committee", "Participants", "Africa-MENA")
        name, _, place = line.partition(", ")
        in_country = gazetteer_country(place) if place else None
        if in_country is not None and not gazetteer_country(name):
            found = member_name(name, local=True)
            if found:
                out.append(Join(found, int(years[0]), True, item, in_country.name_en))
                continue
        line_country = gazetteer_country(line)
        if line_country is not None:
            out.append(Join(line_country.name_en, int(years[0]), False, item))
            continue
        break
    return out


def member_since(lines: list[str]) -> tuple[int, str] | None:
    """A member page's "Member Since 2011" / "Participating since: 2016" line: the year and the line."""
    for line in lines:
        m = _HEADER.match(line.strip())
        if m:
            return int(m.group("year")), line.strip()
    return None


#: The formal act of joining: dated by the page when the sentence gives no year.
_FORMAL_JOIN = re.compile(
    r"\b(?:formaliz[oó]|oficializ[oó])\s+su\s+ingreso|\bofficially\s+joined|\bformally\s+joined"
    r"|\bpas[oó]\s+a\s+(?:formar\s+parte|ser\s+(?:parte|miembro))",
    _I,
)
#: "Ecuador integra desde julio del 2018 el grupo de 79 países ... de la OGP".
_PART_SINCE = re.compile(
    rf"(?P<name>(?-i:[A-Z])[\w'’.]*(?:\s+(?-i:[A-Z])[\w'’.]*){{0,3}})\s+(?:integra|forma\s+parte(?:\s+de)?|is\s+part\s+of"
    rf"|has\s+been\s+part\s+of)\s+desde\s+{_YEAR}(?P<year>(?:19|20)\d{{2}})\b[^.;]*\b(?:OGP|AGA|Alianza)\b",
    _I,
)
#: "Tras la aceptación del Principado de Asturias en la Alianza ... en el mes de mayo de 2022".
_NOMINAL_JOIN = re.compile(
    rf"(?:\b(?:aceptaci[oó]n|admisi[oó]n|incorporaci[oó]n|adhesi[oó]n|ingreso|entrada)\s+(?:del|de\s+la|de)\s+"
    rf"|\b(?:aceptad[oa]|admitid[oa])\s+(?:el\s+|la\s+)?)"
    rf"(?P<name>(?-i:[A-ZÁÉÍÓÚ])[\w'’.]*(?:\s+(?:de\s+|del\s+)?(?-i:[A-ZÁÉÍÓÚ])[\w'’.]*){{0,3}})\s+(?:en|a)\s+(?P<obj>{OGP})",
    _I,
)
#: "Desde que se unió a OGP en 2011, El Salvador elaboró ...", "Since joining OGP in 2012, Hungary ...".
_SINCE_JOINING = re.compile(
    rf"^(?:desde\s+que\s+se\s+uni[oó]\s+a|since\s+(?:it\s+)?join(?:ing|ed))\s+(?P<obj>{OGP})\s+(?:en|in)\s+"
    rf"(?P<year>(?:19|20)\d{{2}}),\s+(?P<name>(?-i:[A-Z])[\w'’.]*(?:\s+(?-i:[A-Z])[\w'’.]*){{0,3}})",
    _I,
)
#: "Since 2015, Sri Lanka has been internationally committed through its membership in the OGP": membership
#: dated from a year is a join that year.
_MEMBERSHIP_SINCE = re.compile(
    rf"^(?:since|desde)\s+(?:el\s+)?(?:a[nñ]o\s+)?(?P<year>(?:19|20)\d{{2}}),?\s+"
    rf"(?P<name>(?:(?:the|el|la)\s+)?(?-i:[A-Z])[\w'’.]*(?:\s+(?:of\s+|de\s+)?(?-i:[A-Z])[\w'’.]*){{0,3}})\s+(?:(?:has\s+been|ha\s+sido|es)\b[^.;]{{0,60}}?"
    rf"\b(?:(?:a\s+)?member\s+of|(?:its\s+)?membership\s+(?:in|of)|miembro\s+de|(?:a\s+)?part\s+of"
    rf"|participat\w+\s+in)|has\s+belonged\s+to|ha\s+pertenecido\s+a|pertenece\s+a|integra|forma\s+parte\s+de"
    rf"|es\s+parte\s+de|participa\s+en|has\s+taken\s+part\s+in|takes\s+part\s+in|is\s+part\s+of)\s+(?P<obj>{OGP})",
    _I,
)
#: "Recent sign-ons were Australia and Ireland": joins of the page's own year.
_RECENT_JOINERS = re.compile(
    r"\b(?:recent|latest|newest)\s+(?:sign-?ons|joiners|additions|members)\s+(?:were|are|include[ds]?)\s+"
    r"(?P<list>[^.;]+)",
    _I,
)


#: "La reciente incorporación de Irlanda, Australia y Malawi a la Alianza", "the accession of Ireland and
#: Australia to OGP in 2013": several countries' joins in one noun phrase.
_NOMINAL_JOIN_LIST = re.compile(
    rf"\b(?P<recent>(?:la\s+|the\s+)?(?:reciente|recent)\s+)?(?:incorporaci[oó]n|adhesi[oó]n|ingreso|accession|admission)"
    rf"\s+(?:de|of)\s+(?P<list>(?-i:[A-ZÁÉÍÓÚ])[^.;:()]{{0,120}}?)\s+(?:a|en|to|into)\s+(?P<obj>{OGP})",
    _I,
)
#: "Desde su incorporación en 2018 a la Alianza para el Gobierno Abierto (OGP), Euskadi ha desarrollado ...".
_SINCE_ITS_JOINING = re.compile(
    rf"^(?:desde\s+su\s+(?:incorporaci[oó]n|adhesi[oó]n|ingreso)|since\s+(?:its|their)\s+(?:accession|admission|entry))"
    rf"\s+(?:(?:en|in)\s+(?:el\s+)?(?P<year>(?:19|20)\d{{2}})\s+)?(?:a|to|into|en)\s+(?P<obj>{OGP})"
    rf"(?:\s+(?:en|in)\s+(?:el\s+)?(?P<year2>(?:19|20)\d{{2}}))?\s*,\s+"
    rf"(?P<name>(?:(?:el|la|the)\s+)?(?-i:[A-Z])[\w'’.]*(?:\s+(?:de\s+|of\s+)?(?-i:[A-Z])[\w'’.]*){{0,3}})",
    _I,
)


def _verb_joins(s: Sentence, published: date | None = None, ogp_page: bool = False) -> list[Join]:
    out: list[Join] = []
    text = s.clean
    for m in _ONE_OF_FOUNDERS.finditer(text):
        if ogp_page or OGP_NAMED.search(m.group("obj")):
            founded = re.match(r"^\s+(?:in|en)\s+(?:el\s+)?(?P<year>(?:19|20)\d{2})\b", text[m.end() :])
            name, _, _ = subject(text[: m.start()])
            if founded and name and gazetteer_country(name) and not hedged(text, m.start(), m.end()):
                out.append(Join(name, int(founded.group("year")), False, s, founding=True))
    for m in _NOMINAL_JOIN_LIST.finditer(text):
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start(), m.end()):
            continue
        years = _YEAR_AFTER.match(text[m.end() :]) or _YEAR_BEFORE.search(text[: m.start()])
        joined_in = int(years.group("year")) if years else (published.year if m.group("recent") and published else None)
        if joined_in is not None:
            out += [Join(name, joined_in, False, s) for name in countries_in(m.group("list"))]
    since = _SINCE_ITS_JOINING.match(text)
    if since and (since.group("year") or since.group("year2")) and not hedged(text, 0, since.end()):
        name = member_name(since.group("name"), local=bool(OGP_LOCAL.search(text)))
        if name:
            out.append(Join(name, int(since.group("year") or since.group("year2")), gazetteer_country(name) is None, s))
    for m in _NOMINAL_JOIN.finditer(text):
        after = _YEAR_AFTER.match(text[m.end() :])
        name = member_name(m.group("name"), local=bool(OGP_LOCAL.search(text))) or (
            m.group("name") if LOCAL_KIND.search(m.group("name")) else None
        )
        if after and name and not hedged(text, m.start(), m.end()):
            out.append(Join(name, int(after.group("year")), gazetteer_country(name) is None, s))
    for m in _PART_SINCE.finditer(text):
        name = member_name(m.group("name"))
        if name and gazetteer_country(name) and not hedged(text, m.start(), m.end()):
            out.append(Join(name, int(m.group("year")), False, s))
    m2 = _SINCE_JOINING.match(text) or _MEMBERSHIP_SINCE.match(text)
    if m2 and (name := member_name(m2.group("name"))) and not hedged(text, 0, m2.end()):
        out.append(Join(name, int(m2.group("year")), gazetteer_country(name) is None, s))
    m3 = _RECENT_JOINERS.search(text)
    if m3 and published is not None and OGP_NAMED.search(text + " OGP") and not hedged(text, m3.start(), m3.end()):
        out += [Join(name, published.year, False, s) for name in countries_in(m3.group("list"))]
    joins = JOIN_ON_OGP_PAGE_RE if ogp_page else JOIN_RE
    for m in list(joins.finditer(text)) + list(_MEMBER_SINCE_RE.finditer(text)):
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start(), m.start() + 30):
            continue
        if m.groupdict().get("pronoun") and not re.search(r"\b(?:Alianza|OGP|AGA|Partnership)\b", text[: m.start()]):
            continue
        if "year" in m.groupdict() and m.group("year"):
            year = m.group("year")
        elif m.groupdict().get("aside_year"):
            year = m.group("aside_year")
        else:
            after = _YEAR_AFTER.match(text[m.end() :])
            before = _YEAR_BEFORE.search(text[: m.start()])
            year = after.group("year") if after else (before.group("year") if before else None)
        if not year and listed_subjects(text[: m.start()]):  # "Fue en 2011 cuando México y otros 8 países (...)"
            listed_year = _YEAR_BEFORE_LIST.search(text[: m.start()])
            year = listed_year.group("year") if listed_year else None
        if not year and published is not None and _FORMAL_JOIN.search(text[max(0, m.start() - 40) : m.end()]):
            year = str(published.year)  # "Ecuador formalizó su ingreso a la Alianza", in a dated press release
        if not year:
            continue
        local = bool(OGP_LOCAL.search(text) or LOCAL_CUE.search(text[: m.start()][-60:]))
        for name, anaphor, country in subjects(text[: m.start()], local):  # "Mexico and Brazil joined OGP"
            if name or anaphor:
                out.append(Join(name, int(year), local, s, country))
    return out


def _header_join(sentences: list[Sentence], i: int, page_member: str | None) -> list[Join]:
    m = _HEADER.match(sentences[i].clean)
    if not m:
        return []
    year = int(m.group("year"))
    for back in range(i - 1, max(-1, i - 4), -1):  # the member's name is the card's heading, just above
        line = re.sub(r"^Image\s+for\s+", "", sentences[back].clean).strip(" .")
        name, _, country = line.partition(", ")
        in_country = gazetteer_country(country) if country and as_country(country) else None
        if in_country is not None and not gazetteer_country(name):
            local = member_name(name, local=True)
            if local:
                return [Join(local, year, True, sentences[i], in_country.name_en)]
        found = member_name(line) if len(line.split()) <= 6 else None
        if found:
            return [Join(found, year, gazetteer_country(found) is None, sentences[i])]
    if page_member:
        return [Join(page_member, year, gazetteer_country(page_member) is None, sentences[i])]
    return []


_LAUNCHED_2011 = re.compile(
    r"\b(?:launch\w*|found\w*|creat\w*|start\w*|began|fundad\w*|cread\w*|lanzad\w*)\b[^.]*\b2011\b"
    r"|\b2011\b[^.]*\b(?:launch\w*|found\w*|fundad\w*|cread\w*)\b",
    _I,
)


_GROWTH = re.compile(
    r"\bfrom\s+(?:eight|8)\s+founding\s+\w+\s+to\s+(?:\d+|\w+)|\bde\s+(?:ocho|8)\s+(?:pa[ií]ses\s+)?fundador\w*"
    r"\s+a\s+(?:\d+|\w+)",
    _I,
)


def _founders(s: Sentence, before: list[Sentence], ogp_page: bool) -> list[Join]:
    """The founders named with OGP's founding in 2011, in the sentence or the few before it."""
    text = s.clean
    # "grown from 8 founding countries to 75 since 2011" is OGP's growth, and names no founder.
    if not _FOUNDERS.search(_GROWTH.sub("", text)) or _NOT_FOUNDER.search(text) or _INTENT.search(text):
        return []
    if "2011" not in text and not any(_LAUNCHED_2011.search(b.clean) for b in before):
        return []
    if not ogp_page and not OGP_NAMED.search(text) and not any(OGP_NAMED.search(b.clean) for b in before[-1:]):
        return []
    return [Join(name, 2011, False, s, founding=True) for name in countries_in(text)]


def _welcomed(s: Sentence, published: date | None) -> list[Join]:
    text = s.clean
    m = _WELCOME.search(text)
    if not m or not OGP_NAMED.search(text[: m.start()]) or hedged(text, m.start(), m.end()):
        return []
    years = re.findall(r"\b(?:19|20)\d{2}\b", text)
    year = int(years[0]) if years else (published.year if published else None)
    if year is None:
        return []
    names = [member_name(item) for item in list_items(m.group("names"))]
    return [Join(name, year, gazetteer_country(name) is None, s) for name in names if name]


_CAP_RUN = re.compile(
    r"(?:the\s+)?[A-ZÁÉÍÓÚÑ][\w'’.\-]*(?:\s+(?:of|and|the|de|del|y|&)?\s*[A-ZÁÉÍÓÚÑ][\w'’.\-]*)*"
)


def countries_in(text: str) -> list[str]:
    """The countries a sentence names, each once, in order: the parts of a capitalised run when each is a
    country ("Hungary and The Netherlands"), else the whole run ("Trinidad and Tobago")."""
    found: list[str] = []
    for m in _CAP_RUN.finditer(text):
        run = re.sub(r"\s+(?:Government|Administration)$", "", m.group().strip())  # "UK Government backslides"
        parts = [gazetteer_country(p) for p in re.split(r"\s+(?:and|y|&)\s+", run)]
        if len(parts) == 1 or not all(parts):
            parts = [gazetteer_country(run)]
        for c in parts:
            if c is not None and c.name_en not in found:
                found.append(c.name_en)
    return found
