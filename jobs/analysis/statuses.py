"""Statements of a member's standing other than leaving: designated inactive, placed under procedural
review, staying in OGP (a local member whose country left), named among continuing members; and OGP's
size. ``jobs.analysis.membership`` reads the withdrawals and puts a page's statements together.

Each rule needs a member as subject and OGP as object; requests, recommendations and committees that
will "consider" a status are not the status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jobs.analysis.findings import MembershipFinding, TotalsFinding
from jobs.analysis.names import NAME_LIST, as_country, leading_name
from jobs.analysis.numbers import NUMBER_PATTERN, number_value
from jobs.analysis.subjects import (
    LOCAL_CUE,
    OGP,
    OGP_NAMED,
    hedged,
    list_items,
    member_name,
    ogp_object_ok,
    subject,
    subjects,
)
from jobs.analysis.text import Sentence
from storage.gazetteer import country as gazetteer_country

_I = re.IGNORECASE
NUM = rf"(?:{NUMBER_PATTERN})"


@dataclass(frozen=True)
class Statement:
    member: str | None  # None: an anaphor ("the local government"), resolved to the page's subject
    status: str
    local: bool
    sentence: Sentence
    country: str | None = None
    predicate: str | None = None
    at: int | None = None  # where in the sentence the statement's verb is, to find its date




#: "the Municipality of Kigoma-Ujiji ... will continue to participate in OGP": a member that stays.
STAYS_RE = re.compile(
    r"\s+(?P<verb>(?:will\s+continue|continues|continued|will\s+keep|keeps|will\s+go\s+on|goes\s+on)\s+(?:to\s+)?"
    r"(?:participat\w+|tak\w+\s+part)\s+in"
    r"|(?:takes|take)\s+part\s+in|(?:will\s+)?remains?\s+(?:an?\s+(?:active\s+)?(?:member|participant)\s+(?:of|in)|in)"
    r"|se\s+ha\s+comprometido\s+a\s+permanecer\s+en|(?:seguir[aá]|contin[uú]a|continuar[aá])\s+(?:participando\s+)?en"
    r"|permanece\s+en)\s+"
    rf"(?P<obj>{OGP})",
    _I,
)

_INACTIVE_STATE = (
    r"(?:(?:an?\s+|una?\s+)?(?:(?:pa[ií]s|miembro|participante)\s+)?(?:inactive|inactiv[oa]s?)"
    r"(?:\s+(?:status|member|country|participant))?|(?:estado|estatus)\s+inactivo)\b"
)
_INACTIVE_PASSIVE = re.compile(
    r"\s+(?:was|were|has\s+been|had\s+been|have\s+been|is|are|will(?:,\s*\w+,|\s+\w+ly)?\s+be|fue|fueron|ha\s+sido"
    r"|hab[ií]a\s+sido|qued[oó]|se\s+(?:coloc[oó]|declar[oó]))\s+(?:officially\s+|formally\s+|regretfully\s+|oficialmente\s+"
    r"|tambi[eé]n\s+|currently\s+|presently\s+|now\s+|still\s+|at\s+present\s+|actualmente\s+|todav[ií]a\s+)?"
    r"(?:(?:designated|declared|deemed|made|placed|listed|rendered|put|declarad[oa]s?|designad[oa]s?|considerad[oa]s?"
    r"|colocad[oa]s?|puest[oa]s?)(?:\s+by\s+(?:the\s+)?(?-i:OGP)|\s+por\s+la\s+(?-i:OGP|AGA))?\s+"
    # OGP's own word in quotes, after the designation: 'fue designado por la OGP como "país inactivo"'
    r"(?:as|under|on|in|into|como|en)?\s*['‘\"“]?|(?:as|under|on|in|into|como|en)?\s*)" + _INACTIVE_STATE
    # "has been pushed down to inactive status", "Azerbaijan Downgraded to 'Inactive Country'" (a headline)
    + r"|\s+(?:(?:was|were|has\s+been|had\s+been|is)\s+)?(?:downgraded|demoted|relegated|pushed\s+down|moved)\s+"
    r"(?:down\s+)?to\s+(?:an?\s+)?['‘\"“]?" + _INACTIVE_STATE
    # "Malawi lost its active status in OGP"
    + r"|\s+(?:has\s+|had\s+)?(?:lost|loses)\s+(?:its|their)\s+active\s+status\b"
    # "Georgia Temporarily Suspended from the Open Government Partnership": OGP's inactive status by its
    # older name (a suspension that is not temporary is a removal, read with the withdrawals)
    + r"|\s+(?:(?:was|were|has\s+been|had\s+been|is)\s+)?(?:formally\s+)?temporarily\s+suspended\b"
    # "In 2016 Azerbaijan's OGP membership was suspended temporarily"
    + r"|\s+(?:was|were|has\s+been|had\s+been|is)\s+suspended\s+temporarily\b",
    _I,
)
_INACTIVE_ACTIVE = re.compile(
    r"\b(?:designated|designate|declared|made|make|placed|put|deemed|declar[oó]|design[oó]|coloc[oó])\s+(?:a\s+)?"
    r"(?:the\s+membership\s+of\s+|la\s+membres[ií]a\s+de\s+)?(?P<name>.+?)"
    r"\s+(?:as\s+|como\s+|under\s+|on\s+|in\s+|en\s+)?" + _INACTIVE_STATE
    + r"|\bdeclar(?:an|aron|[oó])\s+inactiv[oa]s?\s+(?:al?\s+(?P<name2>" + NAME_LIST + ")"
    # "declaró inactivo al país el año pasado": the page's member
    r"|(?P<anaphor>al\s+pa[ií]s|a\s+la\s+ciudad|al\s+municipio|al\s+gobierno)\b)"
    # "voted to move Azerbaijan from full member down to inactive country"
    r"|\b(?:move|moved|downgrade|downgraded|demote|demoted)\s+(?P<name4>(?:the\s+)?(?-i:[A-Z])[\w.'’]*(?:\s+(?:of\s+|and\s+)?"
    r"(?-i:[A-Z])[\w.'’]*){0,3})\s+(?:from\s+[\w\s-]{1,30}?\s+)?(?:down\s+)?to\s+(?:an?\s+)?" + _INACTIVE_STATE
    + r"|\btemporarily\s+suspend(?:ed|s)?\s+"
    r"(?P<name3>(?:the\s+)?(?-i:[A-Z])[\w.'’]*(?:\s+(?:of\s+)?(?-i:[A-Z])[\w.'’]*){0,3})",
    _I,
)
#: "Se le declaró inactivo en marzo de 2022": Spanish leaves the subject out; it is the page's member.
_IMPERSONAL_INACTIVE = re.compile(
    r"(?:(?:^|[;:]\s*|\by\s+)(?i:se)\s+(?:le|lo|la)|,?\s+(?:lo|la)(?=\s+declararon))\s+"
    r"(?:declar[oó]|declararon|design[oó]|consider[oó])\s+(?:como\s+)?(?:un\s+)?[\"“]?(?:pa[ií]s\s+|miembro\s+)?inactiv[oa]\b"
    # "OGP put the country's membership on temporary suspension" (its inactive status by another name)
    r"|\b(?:put|placed)\s+(?:the\s+country['’]s|its)\s+membership\s+(?:on|under)\s+(?:a\s+)?temporary\s+suspension\b"
)
#: A designation recommended or requested is not one made.
_NOT_MADE = re.compile(r"\b(?:recommend\w*|request\w*|propos\w*|consider\w*|urg\w*|recomend\w*|solicit\w*)\b", _I)
#: ... and one opposed or only proposed: "South Africa is against a declaration that Turkey is inactive".
_OPPOSED = re.compile(r"\b(?:against|oppos\w*|declaration\s+that|en\s+contra|se\s+opon\w*)\b", _I)
#: A commitment, not a member, as the thing made inactive.
_COMMITMENT_SUBJECT = re.compile(r"\b(?:commitments?|compromisos?|milestones?|hitos?)\b[^.;]{0,40}$", _I)

#: OGP's procedural review (its Response Policy / Criteria and Standards process), English and Spanish.
_REVIEW = (
    r"(?:procedural\s+review|review\s+by\s+(?:OGP|the\s+(?:OGP\s+)?Criteria\s+and\s+Standards)"
    r"|revisi[oó]n\s+(?:procedimental|de\s+procedimiento|procesal)|(?:un\s+)?procedimiento\s+de\s+revisi[oó]n)"
)
#: OGP's own words in quotes: "placed the UK government 'under review'", "under 'Review'".
_QUOTED_REVIEW = r"(?:['‘\"“]under\s+review\b['’\"”]?|under\s+['‘\"“]review['’\"”])"
_REVIEW_STATE = (
    rf"(?:(?:(?:under|bajo|en)|sometid[oa]\s+a)\s+(?:a\s+|una?\s+)?{_REVIEW}|{_QUOTED_REVIEW}"
    r"|(?P<plain>under\s+review)\b)"
)
_REVIEW_PASSIVE = re.compile(
    r"\s+(?:was|has\s+been|had\s+been|is|are|remains|remained|fue|ha\s+sido|hab[ií]a\s+sido|est[aá]|permanece"
    r"|se\s+encuentra|qued[oó])\s+(?:officially\s+|formally\s+|now\s+|still\s+|currently\s+|oficialmente\s+)?"
    r"(?:placed\s+|put\s+|puest[oa]\s+|colocad[oa]\s+)?" + _REVIEW_STATE,
    _I,
)
_REVIEW_ACTIVE = re.compile(
    r"\b(?:placed|places|put|puts|puso|coloc[oó])\s+(?:a\s+)?(?P<name>.+?)\s+" + _REVIEW_STATE,
    _I,
)
#: Plain "under review" is OGP's procedure only when OGP is the one saying or doing it in the sentence: "The
#: leadership of the Open Government Partnership has now confirmed that the United States is under review"
#: (a commitment, a plan or a draft can be "under review" too).
_OGP_AGENT = re.compile(
    rf"(?:{OGP_NAMED.pattern})[^.;]*$|^[^.;]{{0,40}}?\bby\s+(?:the\s+)?(?:OGP\s+)?(?:{OGP_NAMED.pattern}"
    r"|Criteria\s+(?:and|&)\s+Standards|Steering\s+Committee)",
    _I,
)
#: "OGP had been reviewing the Government of Hungary since July 2015": OGP itself as the reviewer.
_REVIEWING = re.compile(
    r"\b(?:OGP|the\s+(?:OGP\s+)?Steering\s+Committee|the\s+(?:OGP\s+)?Criteria\s+and\s+Standards\s+subcommittee)\s+"
    r"(?:had\s+been|has\s+been|was|is|were)\s+reviewing\s+(?P<name>(?:the\s+)?[A-Z][\w.'’]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w.'’]*){0,4})"
    # "The Open Government Partnership is reviewing the memberships of three member countries: Kenya, Malawi and ..."
    r"|\b(?:OGP|Open\s+Government\s+Partnership|the\s+(?:OGP\s+)?Steering\s+Committee)\s+(?:had\s+been|has\s+been|was|is|were)\s+"
    r"reviewing\s+the\s+(?:memberships?|participation)\s+of\s+(?:[^:.;]{0,40}:\s*)?(?P<list>" + NAME_LIST + ")"
)
#: A procedural review asked for, recommended or to be considered is not one that was decided.
NOT_DECIDED = re.compile(
    r"\b(?:request\w*|recommend\w*|ask\w*|call\w*\s+(?:for|on)|urg\w*|petition\w*|propos\w*|submit\w*"
    r"|fil(?:e|ed|es|ing)|complain\w*|concerns?|consider\w*|review\s+whether|to\s+(?:place|put)|solicit\w*"
    r"|recomend\w*|ped\w*|pid\w*|propuest\w*|propon\w*|queja\w*|preocupaci\w*|evaluar\w*|analizar\w*"
    r"|para\s+(?:colocar|poner)|poner\s+a)\b",
    _I,
)


#: "Montenegro has regained its active status in the OGP, effective as of 20 November 2018": back from inactive.
REGAINED_RE = re.compile(
    r"\s+(?P<verb>(?:has\s+|had\s+)?(?:regained|recovered|returned\s+to)\s+(?:its\s+|their\s+)?active\s+status"
    r"|(?:was|were|has\s+been|had\s+been)\s+(?:re-?activated|restored\s+to\s+active\s+status)"
    r"|(?:recuper[oó]|ha\s+recuperado)\s+(?:su\s+)?(?:estatus|estado|condici[oó]n)\s+(?:de\s+)?activ[oa]"
    r"|(?:fue|ha\s+sido)\s+reactivad[oa])\s+(?:in|within|en|dentro\s+de)\s+"
    rf"(?P<obj>{OGP})",
    _I,
)
#: "the membership was reactivated in December, 2022": its membership, on a page about the member.
#: "Montenegro's active status in the OGP has been restored, with effect from 20 November 2018".
_MEMBERSHIP_REACTIVATED = re.compile(
    r"(?:\b(?P<whose>(?:the|its|their|la|su)\s+)|(?P<name>(?-i:[A-Z])[\w.'’]*(?:\s+(?:and\s+)?(?-i:[A-Z])[\w.'’]*){0,3})"
    r"['’]s\s+)?(?:OGP\s+)?(?:membership|membres[ií]a|participation|participaci[oó]n|active\s+status)\s+"
    rf"(?:(?:in|within|en)\s+{OGP}\s+)?"
    r"(?P<verb>(?:was|has\s+been|had\s+been|fue|ha\s+sido)\s+(?:re-?activated|reactivad[oa]|restored|restablecid[oa]))\b",
    _I,
)


def stays(s: Sentence) -> list[Statement]:
    """A member the page says stays in OGP (a local member whose national government left), or is active
    again after inactivity."""
    out: list[Statement] = []
    text = s.clean
    for m in REGAINED_RE.finditer(text):
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start("verb"), m.end("verb")):
            continue
        name, anaphor, country = subject(text[: m.start()])
        if name or anaphor:
            out.append(Statement(name, "active", False, s, country, "reactivated", at=m.start()))
    for m in _MEMBERSHIP_REACTIVATED.finditer(text):
        if not (m.group("whose") or m.group("name")) or hedged(text, m.start("verb"), m.end("verb")):
            continue
        name = member_name(m.group("name")) if m.group("name") else None
        if name or m.group("whose"):
            out.append(Statement(name, "active", False, s, None, "reactivated", at=m.start()))
    for m in STAYS_RE.finditer(text):
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start("verb"), m.end("verb")):
            continue
        local = bool(LOCAL_CUE.search(m.group("obj")) or LOCAL_CUE.search(text[: m.start()][-60:]))
        name, anaphor, country = subject(text[: m.start()], local)
        if name:
            out.append(Statement(name, "active", local, s, country, "continuing", at=m.start()))
    return out


#: "tras haber sido El Salvador puesto bajo revisión procedimental en julio de 2021": Spanish puts the subject
#: between the auxiliary and the participle.
_REVIEW_INVERTED = re.compile(
    r"\b(?:haber\s+sido|fue|ha\s+sido|hab[ií]a\s+sido)\s+(?P<name>(?-i:[A-Z])[\w.'’]*(?:\s+(?:de\s+|y\s+)?(?-i:[A-Z])[\w.'’]*){0,3})"
    r"\s+(?:puest[oa]|colocad[oa]|sometid[oa])\s+(?:bajo|en|a)\s+(?:una?\s+)?" + _REVIEW,
    _I,
)


def reviews(s: Sentence) -> list[Statement]:
    """"X was placed under procedural review" and "the Steering Committee placed X under procedural review";
    never a request for one, a recommendation or a committee that will consider it."""
    out: list[Statement] = []
    text = s.clean
    for m in _REVIEWING.finditer(text):
        if hedged(text, m.start(), m.end()):
            continue
        for raw in list_items(m.group("list")) if m.group("list") else [m.group("name")]:
            if name := member_name(raw):
                out.append(Statement(name, "under_review", False, s, None, "under_review", at=m.start()))
    for m in _REVIEW_PASSIVE.finditer(text):
        # A request comes before what it asks for, in the same clause: "CSOs requested that X be placed under
        # procedural review".
        if hedged(text, m.start(), m.end()) or NOT_DECIDED.search(text[text.rfind(";", 0, m.start()) + 1 : m.start()]):
            continue
        if m.group("plain") and not (_OGP_AGENT.search(text[: m.start()]) or _OGP_AGENT.match(text[m.end():])):
            continue
        name, anaphor, country = subject(text[: m.start()])
        if m.group("plain") and not (name and gazetteer_country(name)):
            continue
        if name or anaphor:
            out.append(Statement(name, "under_review", False, s, country, "under_review", at=m.start()))
    for m in _REVIEW_INVERTED.finditer(text):
        if hedged(text, m.start(), m.end()) or NOT_DECIDED.search(text[text.rfind(";", 0, m.start()) + 1 : m.start()]):
            continue
        name = member_name(m.group("name"))
        if name:
            out.append(Statement(name, "under_review", False, s, None, "under_review", at=m.start()))
    for m in _REVIEW_ACTIVE.finditer(text):
        if hedged(text, m.start(), m.end()) or NOT_DECIDED.search(text[text.rfind(";", 0, m.start()) + 1 : m.start()]):
            continue
        if m.group("plain") and not _OGP_AGENT.search(text[: m.start()]):
            continue
        raw = leading_name(m.group("name"))
        name = member_name(raw) if raw and len(raw) >= len(m.group("name")) - 4 else None
        if name:
            out.append(Statement(name, "under_review", False, s, None, "under_review", at=m.start()))
    return out


def inactivity(s: Sentence) -> list[Statement]:
    out: list[Statement] = []
    text = s.clean
    for m in _INACTIVE_PASSIVE.finditer(text):
        clause = text[text.rfind(";", 0, m.start()) + 1 : m.start()]
        if hedged(text, m.start(), m.end()) or _COMMITMENT_SUBJECT.search(text[: m.start()]) or _OPPOSED.search(clause):
            continue
        for name, anaphor, country in subjects(text[: m.start()]):  # "Bulgaria, Malawi y Malta también fueron"
            if name or anaphor:
                out.append(Statement(name, "inactive", False, s, country, "inactive", at=m.start()))
    for m in _IMPERSONAL_INACTIVE.finditer(text):
        if not hedged(text, m.start(), m.end()):
            out.append(Statement(None, "inactive", False, s, None, "inactive", at=m.start()))
    for m in _INACTIVE_ACTIVE.finditer(text):
        if hedged(text, m.start(), m.end()) or _NOT_MADE.search(text[: m.start()]):
            continue
        if m.group("anaphor"):
            out.append(Statement(None, "inactive", False, s, None, "inactive", at=m.start()))
            continue
        named = m.group("name") or m.group("name2") or m.group("name3") or m.group("name4")
        if _COMMITMENT_SUBJECT.search(named):
            continue
        for raw in list_items(named):  # "designó a Bulgaria, Malawi y Malta como inactivos"
            name = member_name(raw)
            if name:
                out.append(Statement(name, "inactive", False, s, None, "inactive", at=m.start()))
    return out


_CONTINUING = re.compile(
    r"\b(?:continue|continues|remain|remains|keep|continuar[aá]|seguir[aá]|contin[uú]a)\b[^.]*?\b(?:members?|miembros?)"
    r"\b(?P<where>[^,:]*?)(?:,\s*|:\s*|\s+)(?:including|such\s+as|namely|incluyendo|como|entre\s+ellos|entre\s+los\s+que"
    r"|que\s+incluyen)\s*:?\s+(?P<list>.+)$",
    _I,
)
def continuing(s: Sentence, page_country: str | None) -> list[MembershipFinding]:
    m = _CONTINUING.search(s.clean)
    if not m or hedged(s.clean, m.start(), m.start() + 1):
        return []
    where = m.group("where")
    country = page_country if re.search(r"\b(?:the\s+country|el\s+pa[ií]s)\b", where, _I) else None
    cm = re.search(r"\b(?:in|en|de)\s+([A-ZÁÉÍÓÚÑ][\w]+(?:\s+[A-Z][\w]+)?)", where)
    if cm and as_country(cm.group(1)):
        country = as_country(cm.group(1))
    local = bool(LOCAL_CUE.search(s.clean[: m.start("list")]))
    out = []
    for item in list_items(m.group("list")):
        name = member_name(item, local)
        if name:
            out.append(MembershipFinding(name, "active", "local" if local else None, country, None, s.text))
    return out


_TOTALS = [
    re.compile(
        rf"(?P<countries>{NUM})\s+(?:member\s+)?(?:countries|national\s+governments|pa[ií]ses(?:\s+miembros)?"
        rf"|gobiernos\s+nacionales)\b[^.;]{{0,30}}?\b(?P<locals>{NUM})\s+(?:(?:local|subnational)\s+(?:governments|members"
        rf"|jurisdictions)|gobiernos\s+(?:locales|subnacionales)|miembros\s+locales|jurisdicciones\s+locales)\b",
        _I,
    ),
    re.compile(
        rf"\b(?:partnership|alliance|alianza|AGA|OGP)\s+(?:of|de|with|con|comprises|includes|incluye)\s+"
        rf"(?P<countries>{NUM})\s+(?:member\s+)?(?:countries|pa[ií]ses)\b",
        _I,
    ),
]
_OGP_MENTION = re.compile(
    r"\bOGP\b|\bAGA\b|Open Government Partnership|Alianza para el Gobierno Abierto|partnership|alianza", _I
)


def totals(sentences: list[Sentence]) -> TotalsFinding | None:
    """OGP's size ("76 countries, 105 local governments"): only in sentences about OGP."""
    for s in sentences:
        if not _OGP_MENTION.search(s.clean):
            continue
        for pattern in _TOTALS:
            m = pattern.search(s.clean)
            if not m:
                continue
            countries = number_value(m.group("countries"))
            locals_ = number_value(m.group("locals")) if "locals" in m.groupdict() else None
            if countries and 20 <= countries <= 250 and not re.match(r"^(?:19|20)\d\d$", m.group("countries")):
                return TotalsFinding(countries, locals_, s.text)
    return None
