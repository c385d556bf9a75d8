"""Membership statements in news and other pages: the withdrawals read here, the other statuses in
``jobs.analysis.statuses`` and the joins in ``jobs.analysis.joins``, put together per member.

A membership fact is serious (it changes a member's status), so every rule needs a government as
subject, OGP itself as object, and no negation or hedge around it. Civil society leaving a national
forum, "withdrawing" a bill, "rumours that X would leave" and readers' comments yield nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from jobs.analysis.dates import Effective, effective, in_sentence
from jobs.analysis.findings import Finding, JoinedFinding, MembershipFinding
from jobs.analysis.joins import countries_in, page_joins
from jobs.analysis.language import detect_language
from jobs.analysis.names import NAME_LIST, country_after, leading_name, member_key
from jobs.analysis.numbers import NUMBER_PATTERN, fold
from jobs.analysis.statuses import NOT_DECIDED, Statement, continuing, inactivity, reviews, stays, totals
from jobs.analysis.subjects import (
    LOCAL_CUE,
    OGP,
    OGP_NAMED,
    OGP_ON_OGP_PAGE,
    hedged,
    list_items,
    member_name,
    ogp_object_ok,
    subject,
    subjects,
)
from jobs.analysis.text import Sentence
from storage.gazetteer import country as gazetteer_country
from storage.gazetteer import local_member

_I = re.IGNORECASE
NUM = rf"(?:{NUMBER_PATTERN})"

_WITHDRAW_VERBS = [
    r"(?:has\s+|had\s+|have\s+|will\s+)?(?:officially\s+|formally\s+|now\s+)?withdr(?:ew|awn|aws|aw)\s+from"
    r"(?:\s+membership\s+(?:in|of))?",
    r"(?:has\s+|had\s+)?(?:officially\s+|formally\s+)?(?:pulled|pulls|opted|opts|dropped|drops)\s+out\s+of",
    r"(?:is|was|are|were)\s+pulling\s+out\s+of",
    # "withdraws membership from OGP", "decided to withdraw its membership from the OGP", "gave up its membership of"
    r"(?:has\s+|had\s+)?(?:officially\s+|formally\s+)?(?:withdr(?:ew|awn|aws|aw)|(?:gave|gives|given)\s+up)\s+"
    r"(?:its\s+|their\s+)?membership\s+(?:from|of|in)",
    r"(?:has\s+|had\s+)?(?:decided|decides|chose|voted|resolved)\s+to\s+(?:withdraw|give\s+up|end|terminate|renounce)"
    r"\s+(?:its|their)\s+membership\s+(?:from|of|in)",
    r"(?:has\s+been|had\s+been|was|were|is|es|fue|qued[oó]|ha\s+sido|hab[ií]a\s+sido)\s+(?:permanently\s+|formally\s+"
    r"|officially\s+|definitivamente\s+|oficialmente\s+)?(?:expelled|removed|excluded|expulsad[oa]|excluid[oa]"
    r"|separad[oa]|(?<!temporarily\s)suspended|suspendid[oa])\s+(?:from|de)",
    r"(?:indicated|expressed|announced|announces|communicated|stated|confirmed)\s+(?:its|their)\s+intention\s+"
    r"(?:today\s+)?to\s+(?:withdraw\s+from|leave|exit)",
    r"(?:said|says|announced|announces|stated|states|declared|confirmed)\s+(?:today\s+|on\s+\w+\s+)?(?:that\s+)?"
    r"(?:it|they)\s+(?:intends|intended|meant|means|is\s+going|was\s+going)\s+to\s+(?:withdraw\s+from|leave|exit|quit)",
    r"(?:is|was|are|were)\s+(?:withdrawing\s+from|leaving|exiting)",
    r"(?:will|would)\s+no\s+longer\s+(?:count|be\s+(?:considered|counted|listed|recognized))\s+as\s+(?:an?\s+)?",
    r"(?:has\s+|had\s+)?(?:officially\s+|formally\s+)?(?:left|leaves|quit|quits|exited|exits|abandoned)",
    r"(?:announced|announces|confirmed|confirms|formali[sz]ed|communicated|notified\s+\S+\s+of|made\s+official)"
    r"\s+(?:its|their)\s+(?:decision\s+to\s+(?:withdraw\s+from|leave|exit|quit)|withdrawal\s+from|exit\s+from"
    r"|departure\s+from)",
    r"(?:has\s+|had\s+)?(?:decided|decides|chose|voted|resolved)\s+to\s+(?:withdraw\s+from|leave|exit|quit)",
    r"(?:would|will)\s+no\s+longer\s+(?:be\s+(?:a\s+)?(?:part|member|participant)\s+of|participate\s+in)",
    r"(?:is|was)\s+no\s+longer\s+(?:a\s+)?(?:part|member|participant)\s+of",
    r"(?:is|was|are)\s+no\s+longer\s+(?:participating|taking\s+part|involved)\s+in",
    r"no\s+longer\s+(?:takes|take|took)\s+part\s+in|no\s+longer\s+participates\s+in",
    r"(?:has|have)\s+(?:stopped|ceased|ended)\s+(?:participating|taking\s+part)\s+in",
    r"took\s+a\s+(?:\w+\s+)?decision\s+to\s+(?:withdraw\s+from|leave|exit)",
    r"se\s+(?:retira|retir[oó]|retirar[aá]|ha\s+retirado|hab[ií]a\s+retirado)\s+(?:oficialmente\s+)?de",
    r"(?:anunci[oó]|anuncia|confirm[oó]|formaliz[oó]|comunic[oó]|notific[oó])\s+su\s+(?:retiro|salida|renuncia)\s+de",
    r"(?:anunci[oó]|comunic[oó])\s+su\s+decisi[oó]n\s+de\s+(?:retirarse\s+de|salir\s+de|abandonar|dejar)",
    r"(?:decidi[oó]|decide|opt[oó]\s+por|resolvi[oó])\s+(?:retirarse\s+de|salir\s+de|abandonar|dejar)",
    r"(?:dejar[aá]|dej[oó]|ha\s+dejado|deja)\s+de\s+(?:formar\s+parte|ser\s+(?:parte|miembro))\s+de",
    r"ya\s+no\s+(?:formar[aá]|forma|ser[aá]|es)\s+(?:parte|miembro)\s+de",
    r"(?:abandona|abandon[oó]|ha\s+abandonado|sale\s+de|sali[oó]\s+de)",
    # "el país quedó fuera de la Alianza": left out by OGP, after its year of grace
    r"(?:qued[oó]|ha\s+quedado|queda)\s+fuera\s+de",
]
_POSSESSIVE = (
    r"['’]s\s+(?:(?:\w+\s+)?decision\s+to\s+(?:withdraw\s+from|leave|exit|quit)|withdrawal\s+from|exit\s+from"
    r"|departure\s+from)"
)
WITHDRAW_RE = re.compile(rf"(?:\s+(?P<verb>{'|'.join(_WITHDRAW_VERBS)})|(?P<poss>{_POSSESSIVE}))\s*(?P<obj>{OGP})", _I)
WITHDRAW_ON_OGP_PAGE_RE = re.compile(
    rf"(?:\s+(?P<verb>{'|'.join(_WITHDRAW_VERBS)})|(?P<poss>{_POSSESSIVE}))\s*(?P<obj>{OGP_ON_OGP_PAGE})", _I
)
#: "the withdrawal of Hungary from OGP", "el retiro de Hungría de la AGA".
NOMINAL_WITHDRAW_RE = re.compile(
    rf"\b(?:the\s+(?:(?:official|formal|formali[sz]ed|recent|sudden|abrupt|unilateral|immediate)\s+)?withdrawal\s+of"
    rf"|el\s+(?:(?:reciente|formal|repentino|unilateral)\s+)?retiro\s+de|la\s+(?:(?:reciente|formal|repentina"
    rf"|unilateral)\s+)?salida\s+de)\s+(?P<name>.+?)\s+(?:from|de)\s+(?P<obj>{OGP})",
    _I,
)
#: "received a letter from the Government of Hungary announcing its immediate withdrawal from OGP".
_LETTER_NAME = r"(?P<name>(?:the\s+)?[A-Z][\w.'’&]*(?:\s+(?:of\s+|and\s+|&\s+)?[A-Z][\w.'’&]*){0,5})"
LETTER_WITHDRAW_RE = re.compile(
    r"\b(?i:letter)\s+(?:from\s+" + _LETTER_NAME + r"\s+(?P<verb>(?:announcing|communicating|confirming|stating"
    r"|notifying\s+\S+(?:\s+\S+)?\s+of)\s+(?:its|their)\s+(?:immediate\s+|formal\s+)?(?:withdrawal\s+from"
    r"|decision\s+to\s+(?:withdraw\s+from|leave)))"
    r"|informing\s+" + _LETTER_NAME.replace("name", "name2") + r"\s+(?P<verb2>of\s+its\s+withdrawal\s+from)"
    r"|from\s+" + _LETTER_NAME.replace("name", "name3") + r"\s+(?P<verb3>announcing\s+that\s+it\s+(?:was|is|would\s+be"
    r"|will\s+be)\s+(?:leaving|withdrawing\s+from|exiting)))"
    rf"\s+(?P<obj>{OGP_ON_OGP_PAGE})",
)
#: "The first country to leave OGP was Putin's Russia"; "La decisión ... del gobierno de Tanzania de retirarse
#: del Open Government Partnership"; a letters table's "Government of Tanzania | Letter informing the Support
#: Unit of the decision to withdraw from OGP".
NAMED_LATER_WITHDRAW_RE = re.compile(
    rf"\b(?i:the)\s+\w+\s+(?:country|member|nation|government)\s+to\s+(?:leave|withdraw\s+from|exit|quit)\s+(?P<obj>{OGP})"
    r"\s+(?:was|is)\s+(?:[A-Z]\w+['’]s\s+)?(?P<name>[A-Z][\w.'’]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w.'’]*){0,3})"
    r"|\b(?:decisi[oó]n|decision)\b[^.;]{0,60}?\b(?:gobierno\s+de|government\s+of)\s+"
    r"(?P<name2>[A-Z][\w.'’]*(?:\s+(?:y\s+|and\s+)?[A-Z][\w.'’]*){0,3})\s+(?:de|to)\s+(?:retirarse|salir|withdraw|leave)"
    rf"\s+(?:de(?:l)?\s+|from\s+)?(?P<obj2>{OGP})"
    r"|\b(?:the\s+)?Government\s+of\s+(?P<name3>[A-Z][\w.'’&]*(?:\s+(?:and\s+|&\s+)?[A-Z][\w.'’&]*){0,3})\s*\|\s*"
    rf"Letter\s+informing\s+[^|]{{0,60}}?\bof\s+(?:the|its)\s+decision\s+to\s+withdraw\s+from\s+(?P<obj3>{OGP})",
)
#: "Trinidad and Tobago joins former OGP members Hungary, Turkey, and Tanzania".
FORMER_MEMBERS_RE = re.compile(
    r"\b(?:former|ex-?)\s+(?:OGP\s+)?(?:members?|participants?|participating\s+countries)(?:\s+of\s+OGP)?\s*,?\s+"
    r"(?:such\s+as\s+|including\s+)?(?P<list>[A-Z][^.;:()]*)",
)
_EXPELLED_RE = re.compile(
    r"\s+(?:was|has\s+been|is|fue|ha\s+sido|es)\s+(?:formally\s+|officially\s+)?(?:expelled|expulsad[oa])\b(?!\s+(?:from|de)\b)",
    _I,
)
#: "Tanzania se sumó a la OGP en 2011, ..., pero la abandonó el pasado mes de julio": OGP as a pronoun,
#: after a join with the same subject.
JOINED_THEN_LEFT_RE = re.compile(
    rf"^(?P<name>[A-Z][\w'’.]*(?:\s+(?:and\s+|y\s+|de\s+)?[A-Z][\w'’.]*){{0,3}})\s+(?:joined|se\s+(?:sum[oó]|uni[oó]|incorpor[oó])"
    rf"\s+a)\s+{OGP}[^.;]*?\b(?:but|pero|y|and)\s+(?:later\s+|luego\s+|despu[eé]s\s+)?(?P<verb>la\s+abandon[oó]|se\s+retir[oó]"
    r"|left(?:\s+it)?|withdrew)\b",
    _I,
)
#: "has formally withdrawn its membership": OGP is named elsewhere in the sentence.
MEMBERSHIP_WITHDRAW_RE = re.compile(
    r"\s+(?P<verb>(?:(?:has\s+|had\s+)?(?:officially\s+|formally\s+)?(?:withdr(?:ew|awn|aws|aw)|ended|terminated"
    r"|renounced|relinquished)|became\s+the\s+\w+\s+(?:member\s+)?(?:country|nation|state|government|member)\s+to"
    r"\s+withdraw)\s+(?:its|their)\s+(?:OGP\s+)?membership)\b",
    _I,
)
#: "The Trump administration has withdrawn the United States from the Open Government Partnership", "the
#: Steering Committee has resolved to permanently suspend the Republic of Azerbaijan from OGP".
OBJECT_WITHDRAW_RE = re.compile(
    rf"\b(?P<verb>withdr(?:ew|awn|aws|aw)|removed|pulled|took|expel(?:led|s)?|(?:permanently\s+)?suspend(?:ed|s)?"
    rf"|expuls[oó]|expulsar)\s+(?P<name>(?:the\s+)?[A-Z][\w.'’]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w.'’]*){{0,3}})"
    rf"\s+(?:out\s+)?(?:of|from)\s+(?P<obj>{OGP})",
)
#: OGP as the one acting: "Alianza por el Gobierno Abierto expulsa a El Salvador", "OGP expels Azerbaijan", "La
#: Alianza ... sacó a El Salvador de la alianza".
AGENT_REMOVES_RE = re.compile(
    rf"(?:^|\b)(?P<agent>{OGP}|(?:the\s+|el\s+)?(?:OGP\s+)?(?:Steering\s+Committee|Comit[eé]\s+Directivo)"
    r"|(?P<anaphor>the\s+organi[sz]ation|la\s+organizaci[oó]n))"
    r"(?:\s+\([^)]{0,60}\))?,?\s+"
    # "The Open Government Partnership (OGP), a worldwide initiative campaigning for ..., has excluded Azerbaijan"
    r"(?:(?:a|an|the|una?|la|el)\s+[^,;]{3,80},\s+)?"
    r"(?P<verb>expels|expelled|has\s+expelled|expulsa|expuls[oó]|ha\s+expulsado|removes|removed|has\s+removed"
    r"|excludes|excluded|has\s+excluded|sac[oó]|saca|ha\s+sacado|excluy[oó]|excluye"
    # "the organization decided on August 17 to expel Azerbaijan"
    r"|(?:has\s+)?decided\s+(?:on\s+[\w ,]{3,25}?\s+)?to\s+(?:expel|remove|exclude))\s+(?:a\s+)?"
    r"(?P<name>(?:the\s+)?(?-i:[A-Z])[\w.'’]*(?:\s+(?:of\s+|and\s+|y\s+|de\s+)?(?-i:[A-Z])[\w.'’]*){0,3})"
    rf"(?P<rest>\s+(?:from|of|de(?:l)?)\s+(?:{OGP_ON_OGP_PAGE}|dicha\s+alianza|the\s+initiative|la\s+iniciativa)"
    r"|\s+(?:por|for|over|after|tras|due)\b|\s*[.,;:]|\s*$)",
    _I,
)
#: A headline's participle, no auxiliary: "Georgia removed from the Open Government Partnership (OGP)".
HEADLINE_REMOVED_RE = re.compile(
    r"^(?P<name>(?:the\s+)?(?-i:[A-Z])[\w.'’]*(?:\s+(?:of\s+|and\s+|y\s+|de\s+)?(?-i:[A-Z])[\w.'’]*){0,3})\s+"
    r"(?P<verb>(?:formally\s+|officially\s+)?(?:expelled|removed|excluded|ousted|expulsad[oa]|excluid[oa]))\s+(?:from|de(?:l)?)\s+"
    rf"(?P<obj>{OGP})",
    _I,
)
#: "A El Salvador se le ha retirado de OGP": Spanish puts the one removed first, with "a".
IMPERSONAL_REMOVED_RE = re.compile(
    r"(?:^|[\s,;:])(?i:a)\s+(?P<name>(?:la\s+|el\s+)?(?-i:[A-Z])[\w.'’]*(?:\s+(?:de\s+|y\s+)?(?-i:[A-Z])[\w.'’]*){0,3})"
    r"\s+se\s+le\s+(?P<verb>(?:ha\s+)?(?:retirado|retir[oó]|expulsado|expuls[oó]|excluido|excluy[oó]))\s+de(?:l)?\s+"
    rf"(?P<obj>{OGP})",
)
#: "... El Salvador saldría de la Alianza; ya han salido Rusia, Turquía, Hungría y Tanzania": Spanish puts the
#: subjects after the verb, OGP named in the sentence.
POSTPOSED_SUBJECTS_RE = re.compile(
    r"\b(?P<verb>(?:ya\s+)?(?:han|hab[ií]an|se\s+han|se\s+hab[ií]an)\s+(?:salido|retirado|ido))"
    rf"(?:\s+de(?:l)?\s+(?P<obj>{OGP}))?\s+(?P<list>{NAME_LIST})\s*(?:[.;\"”»]|$)",
)
#: "The Open Government Partnership said on Wednesday that the United States had formally withdrawn as a
#: member": OGP reports the exit, so the partnership left is OGP though no object follows the verb.
REPORTED_WITHDRAW_RE = re.compile(
    rf"(?P<ogp>{OGP})\s+(?:said|says|announced|announces|confirmed|confirms|stated|states|reported)\b[^.;]{{0,40}}?"
    r"\bthat\s+(?P<rest>[^.;]{1,80}?)\s+(?P<verb>(?:has|had|have)\s+(?:formally\s+|officially\s+)?(?:withdrawn|left)"
    r"(?:\s+as\s+an?\s+(?:member|participant))?)(?=\s*[.,;]|\s*$|\s+(?:on|in|effective|as\s+of)\b)",
    _I,
)
_FUTURE = re.compile(
    r"\b(?:will|would|shall|is\s+to|to\s+take\s+effect|takes?\s+effect|effective\s+(?:from|as\s+of)"
    r"|dejar[aá]|retirar[aá]|saldr[aá]|ser[aá]|formar[aá]|entrar[aá]\s+en\s+vigor|a\s+partir\s+del?)\b",
    _I,
)
#: "no longer takes part", "ya no forma parte", "dejó de ser miembro" (ceased to be a member).
_NO_LONGER = re.compile(r"\bno\s+longer\b|\bya\s+no\b|\bdej\w*\s+de\s+(?:ser|formar)\b|\bceased\s+to\s+be\b", _I)
_REMOVED = re.compile(
    r"\b(?:removed|expelled|suspended|suspend|suspendid\w*|separad\w*|deemed\s+(?:to\s+have\s+)?withdrawn|excluded"
    r"|expulsad\w*|excluid\w*|qued\w*\s+fuera)\b",
    _I,
)
_IMMEDIATE = re.compile(r"\b(?:effective\s+immediately|immediate|con\s+efecto\s+inmediato|inmediat\w*)\b", _I)


def _predicate(verb_text: str, sentence: str) -> str:
    """How the sentence puts the withdrawal: done, announced for later, a removal, no longer taking part."""
    if _REMOVED.search(verb_text):
        return "removed"
    if re.search(r"\bno\s+longer\s+(?:count|be\s+(?:considered|counted|listed|recognized))\b", verb_text, _I):
        return "removed"  # OGP's words when its Steering Committee ends a member's participation
    if re.search(r"\b(?:intention|intends|intended|means|meant|going\s+to)\b", verb_text, _I):
        return "withdrew" if _IMMEDIATE.search(sentence) else "will_withdraw"
    # "announced the local government would no longer be part of OGP": reported speech, not a later date
    if re.search(r"\bwould\s+no\s+longer\b", verb_text, _I):
        return "no_longer_participating"
    if _FUTURE.search(verb_text):
        return "will_withdraw"
    if _NO_LONGER.search(verb_text):
        return "no_longer_participating"
    if re.search(r"\b(?:announc\w*|anunci\w*)\b", verb_text, _I) and _FUTURE.search(sentence):
        return "will_withdraw"
    return "withdrew"



def _withdrawals(s: Sentence, ogp_page: bool = False) -> list[Statement]:
    """``ogp_page``: the page is about OGP, so "the partnership" and "its membership" are OGP's."""
    out: list[Statement] = []
    text = s.clean
    for m in (WITHDRAW_ON_OGP_PAGE_RE if ogp_page else WITHDRAW_RE).finditer(text):
        verb = "verb" if m.group("verb") else "poss"
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start(verb), m.end(verb)):
            continue
        prefix = text[: m.start()]
        local = bool(LOCAL_CUE.search(m.group("obj")) or LOCAL_CUE.search(prefix[-60:]))
        predicate = _predicate(prefix[-40:] + " " + m.group(verb), text)
        for name, anaphor, country in subjects(prefix, local):  # "Hungary and Tanzania withdrew from OGP"
            if name or anaphor:
                out.append(Statement(name, "withdrawn", local, s, country, predicate, at=m.start()))
    if ogp_page:  # "El Salvador was expelled for staying inactive": expelled from OGP, the page's subject
        for m in _EXPELLED_RE.finditer(text):
            name, _, _ = subject(text[: m.start()])
            if name and gazetteer_country(name) and not hedged(text, m.start(), m.end()):
                out.append(Statement(name, "withdrawn", False, s, None, "removed", at=m.start()))
    for m in MEMBERSHIP_WITHDRAW_RE.finditer(text):
        if not (ogp_page or re.search(OGP, text)) or hedged(text, m.start("verb"), m.end("verb")):
            continue
        name, anaphor, country = subject(text[: m.start()])
        if name or anaphor:
            predicate = _predicate(m.group("verb"), text)
            out.append(Statement(name, "withdrawn", False, s, country, predicate, at=m.start()))
    for m in OBJECT_WITHDRAW_RE.finditer(text):
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start("verb"), m.end("verb")):
            continue
        if re.match(r"suspend", m.group("verb"), _I) and (
            re.search(r"\btemporar", text, _I) or not re.search(r"\bpermanent", text, _I)
        ):
            continue  # a temporary suspension is what OGP later called inactive status
        name = member_name(m.group("name"))
        if name:
            out.append(Statement(name, "withdrawn", False, s, None, _predicate(m.group("verb"), text), at=m.start()))
    for m in AGENT_REMOVES_RE.finditer(text):
        if m.group("anaphor") and not ogp_page:
            continue  # "the organization" is OGP only on a page about OGP
        clause = text[text.rfind(";", 0, m.start()) + 1 : m.start()]
        if hedged(text, m.start("verb"), m.end("verb")) or NOT_DECIDED.search(clause):
            continue  # "civil society urged that OGP expel Hungary" asks for what has not been done
        # "sacó a X de ..." names what X was taken out of: it must be OGP; "expulsa a X" says it by itself.
        out_of = re.match(r"\s+(?:from|of|de(?:l)?)\s", m.group("rest"))
        if out_of and not ogp_object_ok(text, m.end("rest")):
            continue
        if re.match(r"sac|saca|remov", m.group("verb"), _I) and not out_of:
            continue
        raw = m.group("name")
        if raw.endswith(".") and not re.search(r"\b[A-Z]\.$", raw):  # the sentence's stop, not "U.S."
            raw = raw[:-1]
        name = member_name(raw)
        if name:
            local = gazetteer_country(name) is None
            out.append(Statement(name, "withdrawn", local, s, None, "removed", at=m.start("verb")))
    headline = HEADLINE_REMOVED_RE.match(text)
    headline_ok = headline and ogp_object_ok(text, headline.end("obj")) and not hedged(text, 0, headline.end("verb"))
    if headline and headline_ok and (name := member_name(headline.group("name"))):
        out.append(Statement(name, "withdrawn", gazetteer_country(name) is None, s, None, "removed",
                             at=headline.start("verb")))
    for m in IMPERSONAL_REMOVED_RE.finditer(text):
        if ogp_object_ok(text, m.end("obj")) and not hedged(text, m.start("verb"), m.end("verb")):
            name = member_name(m.group("name"))
            if name:
                out.append(Statement(name, "withdrawn", gazetteer_country(name) is None, s, None, "removed",
                                     at=m.start("verb")))
    for m in POSTPOSED_SUBJECTS_RE.finditer(text):
        named = m.group("obj") or OGP_NAMED.search(text) or ogp_page and re.search(r"\b(?:Alianza|Partnership)\b", text)
        if not named or hedged(text, m.start("verb"), m.end("verb")):
            continue
        names = [member_name(raw) for raw in list_items(m.group("list"))]
        if names and all(name and gazetteer_country(name) for name in names):
            out += [Statement(name, "withdrawn", False, s, None, "withdrew", at=m.start("verb"))
                    for name in names if name]
    for m in REPORTED_WITHDRAW_RE.finditer(text):
        if hedged(text, m.start("verb"), m.end("verb")) or NOT_DECIDED.search(m.group("rest")):
            continue
        name, anaphor, country = subject(m.group("rest"))
        if name:
            out.append(Statement(name, "withdrawn", False, s, country, "withdrew", at=m.start("verb")))
    for m in LETTER_WITHDRAW_RE.finditer(text):
        verb = next(v for v in ("verb", "verb2", "verb3") if m.group(v))
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start(verb), m.end(verb)):
            continue
        name = member_name(m.group("name") or m.group("name2") or m.group("name3"))
        if name:
            out.append(Statement(name, "withdrawn", False, s, None, _predicate(m.group(verb), text), at=m.start()))
    for m in NAMED_LATER_WITHDRAW_RE.finditer(text):
        obj = "obj" if m.group("obj") else ("obj2" if m.group("obj2") else "obj3")
        if not ogp_object_ok(text, m.end(obj)) or hedged(text, m.start(), m.start() + 10):
            continue
        name = member_name(m.group("name") or m.group("name2") or m.group("name3"))
        if name:
            out.append(Statement(name, "withdrawn", False, s, None, "withdrew", at=m.start()))
    for m in JOINED_THEN_LEFT_RE.finditer(text):
        name = member_name(m.group("name"))
        if name and not hedged(text, m.start("verb"), m.end("verb")):
            out.append(Statement(name, "withdrawn", False, s, None, "withdrew", at=m.start("verb")))
    for m in FORMER_MEMBERS_RE.finditer(text):
        if hedged(text, m.start(), m.end()):
            continue
        for raw in list_items(m.group("list")):
            name = member_name(raw)
            if name and gazetteer_country(name) is not None:
                # Out of OGP, but the page does not say how it left: a status, no withdrawal statement.
                out.append(Statement(name, "withdrawn", False, s, None, None, at=m.start()))
    for m in NOMINAL_WITHDRAW_RE.finditer(text):
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start(), m.start() + 20):
            continue
        name = member_name(leading_name(m.group("name")) or "")
        if name:
            local = bool(LOCAL_CUE.search(m.group("obj")))
            out.append(Statement(name, "withdrawn", local, s, None, "withdrew", at=m.start()))
    return out




#: When a page puts one withdrawal several ways ("Turkey Leaves OGP" over "is no longer participating as
#: of ..."), the most specific wins: OGP removing it, then the formal wording, then a plain "left"; an
#: announcement only when nothing says it has happened.
_PREDICATES = ("removed", "no_longer_participating", "withdrew", "will_withdraw")


def _predicate_rank(predicate: str) -> int:
    return _PREDICATES.index(predicate) if predicate in _PREDICATES else len(_PREDICATES)


#: Without dates, the usual course: review, then inactive, then out.
_STATUS_ORDER = {"active": 0, "under_review": 1, "inactive": 2, "withdrawn": 3}


def _chronological(f: MembershipFinding) -> tuple[int, str, int]:
    """Dated statements by date (a sentence's date is the event's; a page's date only bounds it), then the
    usual course. A withdrawal is always last: nothing after it is a status of a member that left."""
    if f.status == "withdrawn":
        return (1, "", 0)
    return (0, f.effective if f.effective_basis == "sentence" and f.effective else "9999",
            _STATUS_ORDER.get(f.status, 0))


def _page_member(title: str) -> str | None:
    """The member a member page is about, from its title ("Kenya", "Elgeyo Marakwet, Kenya")."""
    name = re.split(r"\s+[|–—-]\s+", title)[0].split(",")[0].strip()
    return member_name(name) if name and len(name.split()) <= 5 else None


def membership_findings(
    sentences: list[Sentence], title: str, published: date | None = None, page_member: str | None = None,
    reference: date | None = None,
) -> tuple[list[Finding], str | None]:
    """All membership findings of a page, and the member it is mainly about (if one). ``published`` is the
    page's own date, the last resort for when a change took effect; ``page_member`` the member the page is
    known to be about (an IRM report's), which "it" and "the country" stand for."""
    statements: list[Statement] = []
    ogp_page = any(OGP_NAMED.search(s.clean) for s in sentences[:6])
    for s in sentences:
        statements += _withdrawals(s, ogp_page)
        statements += inactivity(s)
        statements += reviews(s)
        statements += stays(s)

    named = [st for st in statements if st.member]
    title_fold = fold(title)
    main = page_member or next((st.member for st in named if st.member and fold(st.member) in title_fold), None)
    if main is None and named:
        main = named[0].member
    title_countries = countries_in(title)
    if main is None and len(title_countries) == 1:  # "Tanzania states why it opted out of OGP"
        main = title_countries[0]
    if main is None and any(st.member is None for st in statements):
        # "the country is under procedural review" on a page that names one country and no other
        named_countries = list(dict.fromkeys(c for s in sentences for c in countries_in(s.clean)))
        main = named_countries[0] if len(named_countries) == 1 else None
    joins = page_joins(sentences, published, main or _page_member(title), ogp_page)
    text_all = "\n".join(s.clean for s in sentences)

    # Resolve anaphors to the page's subject; merge statements per member (first named one is evidence).
    by_member: dict[str, list[Statement]] = {}
    for st in statements:
        member = st.member or main
        if member is None:
            continue
        by_member.setdefault(member, []).append(replace(st, member=member))

    # A bilingual title block ("The Government of Mexico City Withdraws ..." then "El Gobierno de la Ciudad
    # de México se retira ...") states the same fact twice: the second name is a translation, not a new member.
    if main and len(sentences) > 1:
        title_block = {s.index for s in sentences[:4] if len(s.clean) < 200}
        for member in list(by_member):
            if member == main:
                continue
            sts = by_member[member]
            main_sts = [st for st in by_member.get(main, []) if st.sentence.index in title_block]
            if (
                all(st.sentence.index in title_block for st in sts)
                and main_sts
                and {st.status for st in sts} <= {st.status for st in by_member[main]}
                # a translation is in the other language: "Hungary leaves OGP. Turkey leaves OGP." are two
                and {detect_language(st.sentence.clean) for st in sts}
                .isdisjoint(detect_language(st.sentence.clean) for st in main_sts)
            ):
                del by_member[member]

    findings: list[Finding] = []
    joined: dict[str, tuple[int, bool, Sentence]] = {}  # by member_key
    for j in joins:
        member = j.member or main
        if member and member_key(member) not in joined:
            joined[member_key(member)] = (j.year, j.local, j.sentence)
            findings.append(JoinedFinding(member, j.year, "local" if j.local else None, j.sentence.text, j.country,
                                          j.founding))

    page_country: str | None = None
    for member, sts in by_member.items():
        join = joined.get(member_key(member))
        is_country = gazetteer_country(member) is not None  # a country is never a local member
        local = not is_country and (any(st.local for st in sts) or bool(join and join[1]))
        country = None if is_country else (
            next((st.country for st in sts if st.country), None) or country_after(member, text_all)
            # A local member on its country's page ("Kigoma Ujiji takes part in OGP Local", on Tanzania's).
            or (main if main and main != member and gazetteer_country(main) else None)
            or (known.country if (known := local_member(member)) else None)
        )
        if member == main:
            page_country = country
        # One finding per status the page states ("designated inactive in 2016 ... no longer participating as
        # of 2017"), in the order they happened, so that the last one is the member's status now.
        per_status: list[MembershipFinding] = []
        for status in dict.fromkeys(st.status for st in sts):
            chosen = [st for st in sts if st.status == status]
            evidence = next((st for st in chosen if st.member and st.sentence.clean.find(member) >= 0), chosen[0])
            dated = next(
                (st for st in chosen if in_sentence(st.sentence.clean, published or reference, st.at, status)),
                evidence,
            )
            if status != "active":
                when = effective(dated.sentence, sentences, published, dated.at, status, reference, member)
            else:  # a continuing member has no date of change; one active again has the date its sentence gives
                # the first sentence that dates it ("Montenegro regained active status" in the headline, "restored,
                # with effect from 20 November 2018" in the letter quoted below it)
                stated = next((d for st in chosen if st.predicate == "reactivated"
                               and (d := in_sentence(st.sentence.clean, published or reference, st.at, status))), None)
                when = Effective(stated, "sentence") if stated else None
            per_status.append(
                MembershipFinding(
                    member,
                    status,
                    "local" if local else ("country" if is_country else None),
                    country,
                    join[0] if join else None,
                    evidence.sentence.text,
                    predicate=min((st.predicate for st in chosen if st.predicate), key=_predicate_rank,
                                  default=None),
                    effective=when.value if when else None,
                    effective_basis=when.basis if when else None,
                )
            )
        in_order = sorted(per_status, key=_chronological)
        findings += in_order
    # A join stated apart from the member's status still says where the member is.
    countries = {f.member: f.country for f in findings if isinstance(f, MembershipFinding) and f.country}
    findings = [replace(f, country=countries[f.member]) if isinstance(f, JoinedFinding) and not f.country
                and f.member in countries else f for f in findings]
    withdrawn = {f.member for f in findings if isinstance(f, MembershipFinding)}
    for s in sentences:
        for f in continuing(s, page_country):
            if f.member not in withdrawn:
                withdrawn.add(f.member)
                findings.append(f)
    total = totals(sentences)
    if total:
        findings.append(total)
    return findings, main
