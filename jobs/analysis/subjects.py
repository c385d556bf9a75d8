"""Who a membership statement is about, and whether it is about OGP at all.

Every membership rule (a withdrawal, a status, a join) finds a verb and then asks the same questions:
is the object OGP itself (not its Steering Committee, not another partnership), is the subject a
government (not civil society, not a forum), which member does the name stand for, and is the statement
hedged ("rumours", "may") or negated. The answers live here so that each rule asks them the same way.
"""

from __future__ import annotations

import re

from jobs.analysis.names import (
    NOT_A_GOVERNMENT,
    as_country,
    clean_member_name,
    conjoined_country_names,
    leading_name,
    trailing_name,
)
from jobs.analysis.numbers import MONTH_WORDS, parse_date
from storage.gazetteer import country as gazetteer_country
from storage.gazetteer import gazetteer, local_member

_I = re.IGNORECASE

#: OGP as the object of a verb, in English and Spanish ("the Open Government Partnership", "OGP Local",
#: "the Partnership", "la AGA", "alianza internacional de gobierno abierto").
OGP = (
    # the name may stand in quotes: 'withdraw from the "Open Government Partnership," the body ...'
    r"(?:the\s+|la\s+|el\s+)?(?:international\s+|internacional\s+|global\s+|worldwide\s+)?(?:initiative\s+)?[\"“]?(?:"
    r"Open\s+Government\s+Partnership(?:\s+\((?-i:OGP)(?:,\s+(?:por\s+sus\s+siglas|for\s+short)[^)]{0,25})?\))?(?:\s+Local)?"
    r"|(?-i:OGP)(?:\s+(?-i:Local))?(?:\s+(?:cohort|program(?:me)?|programa))?"
    r"|(?-i:AGA)(?:\s+(?-i:Local))?"
    r"|Alianza\s+(?:para|por|de)\s+(?:el\s+|un\s+)?Gobierno\s+Abierto(?:\s+\((?-i:AGA|OGP)(?:,\s+por\s+sus\s+siglas[^)]{0,25})?\))?"
    r"(?:\s+Local)?"
    r"|international\s+partnership\s+(?:on|for)\s+open\s+government|(?-i:Partnership\s+for\s+Open\s+Government)"
    r"|alianza\s+internacional\s+(?:de|para|por|sobre)\s+(?:el\s+)?gobierno\s+abierto"
    r"|(?-i:Partnership)|(?-i:Alianza)"
    r")"
)
#: On a page about OGP, "the partnership" in lower case is OGP too ("leaving the partnership").
OGP_ON_OGP_PAGE = (
    rf"(?:{OGP}|the\s+partnership|la\s+alianza|(?:this|the)\s+organi[sz]ation|(?:esta|la)\s+organizaci[oó]n)"
)
#: What may follow OGP and make it something else (a committee of OGP, a national process).
_NOT_OGP_AFTER = re.compile(
    r"^(?:['’]s\b|\s+(?:Steering|Subcommittee|Committee|Secretariat|Support|Summit|Awards?|Forum|Trust|Fund"
    r"|Working|Criteria|Council|Board|process|forum|national|multi|Comit[eé]|Secretariado|Foro|proceso|Cumbre"
    r"|Premio)\b|\s+(?:with|con|for|between|entre)\s+(?-i:[A-Z]))",
    _I,
)

#: Words that make a name a local government's ("Municipality of", "Jalisco State", "Ciudad de").
LOCAL_NAME = re.compile(
    r"\b(?:city|municipality|municipal|state|province|county|region|department|district|borough|town|capital"
    r"|ciudad|municipio|municipalidad|estado|provincia|departamento|regi[oó]n|distrito|alcald[ií]a|gobernaci[oó]n"
    r"|prefeitura|intendencia|condado)\b",
    _I,
)


HEDGE = re.compile(
    r"\b(?:rumou?rs?|rumores?|denied|deny|denies|desminti\w*|desmient\w*|speculat\w*|especula\w*"
    r"|consider\w*\s+(?:leaving|withdrawing|exiting|quitting|whether|to\s+(?:leave|withdraw|exit))"
    r"|considera\w*\s+(?:retirarse|salir|abandonar|dejar|si)|eval[uú]a\w*\s+(?:retirarse|salir|abandonar|si)"
    r"|threat\w*|amenaz\w*|(?-i:may)|might|could|whether|unless|if|podr[ií]a\w*|plans?\s+to|planned\s+to"
    r"|intends?\s+to|planea\w*|would\s+(?:consider|leave|withdraw|exit)|should|deber[ií]a\w*|hypothetical\w*"
    r"|hipot[eé]tic\w*|hoax|fake|false|falso|possible|posible|potential|potencial|prospective|eventual)\b",
    _I,
)
_NEGATION = re.compile(r"\b(?:not|never|n['’]t|nunca|tampoco|no)\b(?!\s+longer)", _I)
_ANAPHOR = re.compile(
    r"(?:^|\s)(?:the|its|this|that|el|la|su|este|esta)\s+(?:(?:local|national|federal|city|municipal|state|city's"
    r"|new|current|mexican|\w+an)\s+)?(?:government|city|country|municipality|state|administration|gobierno|ciudad"
    r"|pa[ií]s|municipio|estado|administraci[oó]n)(?:['’]s)?\s*$|(?:^|\s)(?:it|they)\s*$",
    _I,
)
LOCAL_CUE = re.compile(
    r"\bOGP\s+Local\b|\bAGA\s+Local\b|\b(?:local|city|municipal|subnational)\s+government\b"
    r"|\bgobierno\s+(?:local|municipal|subnacional)\b|\blocal\s+member\b",
    _I,
)
OGP_NAMED = re.compile(
    r"Open\s+Government\s+Partnership|Alianza\s+(?:para|por|de)\s+(?:el\s+|un\s+)?Gobierno\s+Abierto"
    r"|\b(?-i:OGP|AGA)\b",
    _I,
)
#: Sentence-wide evidence of OGP Local; "105 local governments" in a totals clause is not.
OGP_LOCAL = re.compile(r"\b(?:OGP|AGA)\s+Local\b", _I)


def hedged(sentence: str, verb_start: int, verb_end: int) -> bool:
    """Negations right before the verb ("has not withdrawn") or hedges anywhere ("rumours", "considered")."""
    window = sentence[max(0, verb_start - 25) : verb_end]
    # ... within the verb's own clause: in "Como ese plan nunca llegó, El Salvador quedó fuera" the negation
    # belongs to the clause before the comma and its new subject.
    window = re.split(r",\s+(?=[A-ZÁÉÍÓÚÑ])", window)[-1]
    window = re.sub(r"\bno\s+longer\b|\bya\s+no\b|\bno\s+longer\b", "", window, flags=_I)
    if _NEGATION.search(window):
        return True
    # The verb itself may say "intends to": that is the statement, not a hedge around it. A hedge reaches as
    # far as its clause: "X could be asked to leave OGP; it is currently 'under review'" states the review.
    start = sentence.rfind(";", 0, verb_start) + 1
    end = sentence.find(";", verb_end)
    end = len(sentence) if end < 0 else end
    # ... and a clause joined after it with a subject of its own is not part of it: in "Se le declaró inactivo
    # en marzo de 2022 y su membresía podría cancelarse" only the cancellation is hedged.
    joined = _NEXT_CLAUSE.search(sentence, verb_end, end)
    end = joined.start() if joined else end
    return bool(HEDGE.search(sentence[start:verb_start] + " " + sentence[verb_end:end]))


_NEXT_CLAUSE = re.compile(
    r",?\s+(?:y|and|but|pero|mientras\s+que|while)\s+(?:su|sus|its|their|la|el|los|las|the)\s+(?=\w)", re.IGNORECASE
)


#: What may follow OGP when OGP itself is the object: the clause goes on (a date, a reason, "effective", a
#: preposition), or a noun that names OGP itself ("the OGP initiative"). Any other word makes OGP a modifier
#: of something else: "pulled out of the OGP Global Summit", "withdrew from OGP commitments on ...", "left
#: the OGP action plan process" are not about membership.
_OGP_AS_OBJECT_ENDS = re.compile(
    rf"^(?:\s*(?:$|[.,;:!?()\[\]|/\"'“”‘’—–-]|\d)|\s+\w+(?:ly|mente)\b|\s+(?:{MONTH_WORDS})\b"
    r"|\s+(?:in|on|at|as|after|before|because|effective|since|from|for|to|and|or|but|with|by|due|over|last|this|that|which|when|while|until|amid"
    r"|following|citing|altogether|entirely|completely|officially|formally|immediately|yesterday|today"
    r"|earlier|later|again|early|late|en|el|la|los|las|a|al|por|de|del|desde|tras|y|e|o|pero|con|hace|ya|ayer"
    r"|lo|le|les|se|que|son|han|fueron"
    r"|hoy|este|esta|luego|debido|seg[uú]n|mediante|porque|is|was|has|had|will|would|es|fue|ha"
    r"|local|initiative|iniciativa|international|organi[sz]ation|membership|membres[ií]a|partnership|alliance|itself|participating|member|members"
    r"|participant|participants|miembro|miembros|participante|participantes)\b)",
    _I,
)


def ogp_object_ok(sentence: str, obj_end: int) -> bool:
    rest = sentence[obj_end:]
    if _NOT_OGP_AFTER.match(rest):
        return False
    # "the Open Government Partnership (OGP)" is a whole name: a lower-case word after it starts the clause
    # ("... de retirarse del Open Government Partnership (OGP) decepciona").
    whole_name = sentence[:obj_end].endswith(")") and re.match(r"\s+[a-zà-ÿ]", rest)
    return bool(_OGP_AS_OBJECT_ENDS.match(rest) or whole_name)


#: "The United States, one of the eight founding countries of OGP, has ...": the appositive is not the subject.
_APPOSITIVE = re.compile(
    r",\s+(?:one\s+of|a|an|the|which|who|uno\s+de|una\s+de|un|una|el|la|que|quien|miembro|member|home\s+to|ciudad"
    r"|city|capital|municipio|municipality|pa[ií]s|country)\b[^,]*,\s*$",
    _I,
)
#: "The Government of Turkey, as of September 21, 2017, is no longer ...": the date sits between subject
#: and verb.
_DATE_ASIDE = re.compile(
    r",\s+(?:as\s+of|effective(?:\s+(?:as\s+of|from|on))?|since|from|on|in|starting|beginning|a\s+partir\s+del?"
    r"|desde|el|en|con\s+fecha)\s+[^,]{3,30}(?:,\s*(?:19|20)\d\d)?,\s*$",
    _I,
)
#: "The U.S. government", "Turkey's government", "the Trump administration": the name before the noun.
_GOVERNMENT_NOUN = re.compile(
    r"(?:['’]s)?\s+(?:national\s+|federal\s+|central\s+)?(?:government|administration|authorities|officials)\s*$",
    _I,
)


_COMPLEMENTIZER = re.compile(r"\b(?:that|que|whereby)\s+(?!it\b|they\b)", _I)


def _subject_phrase(prefix: str) -> str:
    """The clause before the verb, less an introductory phrase set off by a comma: in "With the decline in
    transparency and citizen participation, El Salvador left ..." the citizens are not the subject."""
    clause = prefix[clause_start(prefix) :]
    name = trailing_name(_GOVERNMENT_NOUN.sub("", clause))
    if name:
        before = clause.rstrip()[: -len(name)].rstrip()
        before = re.sub(r"\b(?:the\s+)?(?:government|gobierno)\s+(?:of|de(?:l)?)\s*$", "", before, flags=_I)
        before = before.rstrip()
        if before.endswith(","):
            return clause[len(before):]
    return clause


def clause_start(prefix: str) -> int:
    """Where the clause whose subject ends ``prefix`` begins: after a stop, a colon, or "resolved that"."""
    start = max(prefix.rfind(";"), prefix.rfind(":"), prefix.rfind(". ")) + 1
    for m in _COMPLEMENTIZER.finditer(prefix, start):
        start = m.end()
    return start


#: A second verb sharing the clause's subject: "X did this and, as a result, was expelled".
_COORDINATED_VERB = re.compile(
    r"\s(?:y|and)(?:\s+(?:\w+ly|later|then|luego|despu[eé]s|finalmente))?(?:\s*,\s*[^,]{1,30},)?\s*$", re.IGNORECASE
)
_CONNECTOR = re.compile(r"^\s*(?:(?:sin\s+embargo|however|therefore|por\s+ello|as\s+a\s+result|as\s+such),\s*)?", re.I)
#: "el gobierno salvadoreño", "the government", "the Hungarian government" opening that clause: the page's member.
_GOVERNMENT_AT_START = re.compile(
    r"^\s*(?:el|la|the)\s+(?:gobierno|government|administraci[oó]n|administration)(?:\s+(?P<adjective>(?-i:[a-záéíóúñ])\w+))?"
    r"\b", re.I
)
_ADVERB_ASIDE = re.compile(r",\s+(?:\w+ly|\w+mente|however|though|sin\s+embargo)\s*,\s*$", re.IGNORECASE)
#: "Russia in May became ...": a time between the subject and its verb.
_TIME_AFTER_SUBJECT = re.compile(
    rf"\s+(?:in|on|during|since|en|el|durante)\s+(?:(?:{MONTH_WORDS})(?:\s+(?:19|20)\d\d)?|(?:19|20)\d\d|monday|tuesday"
    r"|wednesday|thursday|friday|saturday|sunday|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)\s*$",
    re.IGNORECASE,
)


_DEMONYM_GOVERNMENT = re.compile(
    r"\b(?:[Tt]he|[Ii]ts)\s+([A-Z][a-z]+)\s+(?:national\s+|federal\s+)?(?:government|administration|authorities)"
    r"(?:['’]s)?\s*$"
)
_EXPLICIT_GOVERNMENT = re.compile(
    r"(?:^|[,;]\s*)(?:the\s+|el\s+)?(?:Government|Gobierno)\s+(?:of|de|del)\s+[A-Z][^,;]*$"
)


_LOCAL_BEFORE_NAME = re.compile(
    r"\b(?:municipality|city|state|province|county|town|municipio|ciudad|estado|provincia|municipalidad)\s+(?:of|de)\s*$",
    re.IGNORECASE,
)


_POSSESSED_MEMBERSHIP = re.compile(
    r"(?:^|[\s,;])(?P<name>(?-i:[A-Z])[\w.'’-]*(?:\s+(?:of\s+|and\s+)?(?-i:[A-Z])[\w.'’-]*){0,3})['’]s\s+"
    rf"(?:(?-i:OGP)\s+)?(?:participation|membership|status)(?:\s+(?:in|of|within)\s+{OGP})?(?:\s+(?:is|was|has\s+been))?"
    r"(?:\s+(?:still|now|currently))?\s*$",
    _I,
)


def subject(prefix: str, local: bool = False) -> tuple[str | None, bool, str | None]:
    """(name, is_anaphor, country) for the subject that ends ``prefix``; name None when there is none."""
    prefix = _TIME_AFTER_SUBJECT.sub("", _DATE_ASIDE.sub("", _APPOSITIVE.sub("", prefix.rstrip())))
    prefix = _ADVERB_ASIDE.sub("", prefix)  # "Montenegro, regretfully, will be made inactive"
    coordinated = _COORDINATED_VERB.search(prefix)
    if coordinated:  # "el gobierno salvadoreño no mostró disposición ... y, en consecuencia, fue expulsado"
        head = _CONNECTOR.sub("", prefix[clause_start(prefix) : coordinated.start()])
        government = _GOVERNMENT_AT_START.match(head)
        if government:
            adjective = government.group("adjective")
            if adjective is None:
                return None, True, None
            known = gazetteer().by_spanish_demonym(adjective)  # "el gobierno salvadoreño"
            return (known.name_en, False, None) if known else (None, False, None)
        lead = leading_name(head)
        if lead and not NOT_A_GOVERNMENT.search(head.split(",")[0]) and (name := member_name(lead)):
            return name, False, None
    possessed = _POSSESSED_MEMBERSHIP.search(prefix)  # "Turkey's participation in OGP has been under review"
    if possessed and (name := member_name(possessed.group("name"), local)):
        return name, False, None
    demonym = _DEMONYM_GOVERNMENT.search(prefix)  # "the Hungarian government": Hungary, not "the government"
    demonym_country = gazetteer().by_demonym(demonym.group(1)) if demonym else None
    if demonym_country is not None:
        return demonym_country.name_en, False, None
    if _ANAPHOR.search(prefix):
        if NOT_A_GOVERNMENT.search(prefix[clause_start(prefix) :]):
            return None, False, None
        return None, True, None
    # "civil society in Mexico City withdrew ..." is not Mexico City; but "..., at the OGP Steering Committee
    # meeting on September 20, 2017, the Government of Tanzania said" is Tanzania's government.
    explicit = _EXPLICIT_GOVERNMENT.search(prefix)
    if not explicit and NOT_A_GOVERNMENT.search(_subject_phrase(prefix)):
        return None, False, None
    prefix = _GOVERNMENT_NOUN.sub("", prefix)
    raw = trailing_name(prefix)
    if not raw:
        return None, False, None
    if _LOCAL_BEFORE_NAME.search(prefix[: len(prefix.rstrip()) - len(raw)]):  # "the municipality of Kigoma-Ujiji"
        local = True
    tail = re.split(r"\s+(?:of|de|del)\s+", raw)[-1]  # "informing OGP of Luxembourg's withdrawal"
    if tail != raw and member_name(raw, local) is None and gazetteer_country(tail) is not None:
        raw = tail
    # "Mexico City, Mexico" written as the subject: the last part is the country.
    country = None
    parts = [p.strip() for p in re.split(r",\s*", prefix.rstrip())]
    if len(parts) >= 2 and as_country(parts[-1]) and raw.strip() == parts[-1]:
        head = ",".join(prefix.rstrip().split(",")[:-1])
        before = trailing_name(head)
        temporal = before and re.search(
            rf"\b(?:in|on|at|during|since|by|after|before|en|durante|desde|tras)\s+{re.escape(before)}\s*$", head, _I
        )
        if before and not temporal and not parse_date(f"1 {before} 2000"):
            country, raw = parts[-1], before
    return member_name(raw, local), False, country


def member_name(raw: str, local: bool = False) -> str | None:
    """The member a name stands for: a country under its gazetteer name ("US" -> "United States"), a
    local government under the page's name (``local``: the sentence speaks of OGP Local); None for anything
    else ("Trump Administration", "GSA")."""
    name = clean_member_name(raw)
    if name is None:
        return None
    found = gazetteer_country(name)
    if found is not None:
        return found.name_en
    known = local_member(name)
    if known is not None:
        return known.name
    # "El Consejo Municipal de Kigoma Ujiji": the words cleaned off said it is a local government.
    return name if local or LOCAL_NAME.search(name) or LOCAL_NAME.search(raw) else None


_ITEM_SPLIT = re.compile(
    r"\s*,\s*(?:and\s+|y\s+)?|\s+(?:and|y|e)\s+|\s+(?=(?:the\s+)?(?:Municipality|State|Municipio|Estado|City|Ciudad"
    r"|Province|Provincia|County|Condado|Region|Región|Department|Departamento)\s+(?:of|de)\s+)",
)


def list_items(text: str) -> list[str]:
    """Split a list of member names on commas, "and"/"y", and at an inner "the Municipality of"/"State of"
    where the page forgot a comma ("State of Mexico the Municipality of Tlalnepantla de Baz").

    Country names that contain "and"/"y" ("Trinidad and Tobago") are kept whole.
    """
    protected = text.strip().rstrip(".")
    for name in conjoined_country_names():
        protected = re.sub(re.escape(name), lambda m: m.group().replace(" ", "\x02"), protected, flags=_I)
    items: list[str] = []
    for piece in _ITEM_SPLIT.split(protected):
        piece = piece.replace("\x02", " ").strip(" .;")
        bare = re.sub(r"^(?:and|y|the|el|la|los|las)\s+", "", piece, flags=_I).strip(" .;")
        found = gazetteer_country(piece)
        # "El Salvador", "The Gambia" keep their article; "the Republic of Moldova" does not need it
        if found is None or (piece[:1].islower() and gazetteer_country(bare) == found):
            piece = bare
        if piece and piece[0].isupper() and len(piece.split()) <= 9:
            items.append(piece)
    return items




_TRAILING_ADVERB = re.compile(r"\s+(?:also|too|all|both|tambi[eé]n|asimismo|igualmente|todos|ambos)\s*$", re.IGNORECASE)


#: What may open a clause before its subject list: "In 2013, Ireland, Australia and Malawi joined", "Fue en
#: 2011 cuando México y ...".
_LIST_OPENER = re.compile(
    r"^(?:(?:in|on|en|el|since|desde|by|at|after|tras)\b[^,]{0,40},\s*|.{0,40}?\b(?:cuando|when)\s+)", re.IGNORECASE
)
#: "México y otros 8 países (Brasil, Estados Unidos, ...)", "Mexico and 7 other countries (Brazil, ...)".
_AND_OTHERS = re.compile(
    r"\s+(?:y|and)\s+(?:otros\s+\w+\s+pa[ií]ses|\w+\s+other\s+(?:countries|governments))\s*\((?P<list>[^()]+)\)",
    re.IGNORECASE,
)


def listed_subjects(prefix: str) -> list[str]:
    """A subject that is a list of countries ("Bulgaria, Malawi y Malta también fueron designados"): each
    country, or nothing when any item is not one (then ``subject`` reads the last name alone)."""
    clause = _TRAILING_ADVERB.sub("", prefix[clause_start(prefix) :].strip())
    clause = _AND_OTHERS.sub(lambda m: ", " + m.group("list"), _LIST_OPENER.sub("", clause))
    dashed = re.search(r"\s[-–—]\s+([^-–—]+?)\s+[-–—]\s*$", clause)  # "The four countries - A, B and C -"
    clause = dashed.group(1) if dashed else clause
    if not re.search(r",|\s(?:and|y|e)\s", clause):
        return []
    items = list_items(clause)
    found = [gazetteer_country(item) for item in items]
    if len(items) < 2 or any(c is None for c in found):
        return []
    return [c.name_en for c in found if c is not None]


def subjects(prefix: str, local: bool = False) -> list[tuple[str | None, bool, str | None]]:
    """Every subject that ends ``prefix``: each country of a list ("Hungary and Tanzania withdrew"), else
    the one ``subject`` reads."""
    listed = listed_subjects(prefix)
    return [(name, False, None) for name in listed] if listed else [subject(prefix, local)]
