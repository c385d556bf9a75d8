"""Findings in IRM reports: which plan, how many commitments, IRM tallies, commitment-level facts.

Reports compare the plan with earlier ones ("in the third plan, five of the 11 commitments were
substantially completed") and look ahead ("a fifth plan"), so every count is read only from sentences
that speak of this plan alone, and only when a clause pairs exactly one count with exactly one IRM
level; anything ambiguous ("significant or exceptional achievements") yields nothing rather than a guess.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date

from jobs.analysis.findings import (
    CommitmentDecisionFinding,
    CommitmentFinding,
    CommitmentResultFinding,
    CommitmentStateFinding,
    CommitmentTotalFinding,
    ExtensionFinding,
    Finding,
    NamedCommitmentFinding,
    PlanOrdinalFinding,
    TallyFinding,
)
from jobs.analysis.names import NAME, clean_body_name, leading_name, trailing_name
from jobs.analysis.numbers import NUMBER_PATTERN, NUMBER_RE, ORDINAL_PATTERN, find_dates, number_value, ordinal_value
from jobs.analysis.text import Sentence
from storage.models import Completion, EarlyResults

NUM = rf"(?:{NUMBER_PATTERN})"
COMMITMENTS = r"(?:commitments?|compromisos?)"
_I = re.IGNORECASE

# --- which plan -------------------------------------------------------------------------------------

PLAN_ORDINAL_RE = re.compile(
    rf"(?<![\w.])(?P<ord>{ORDINAL_PATTERN})\s+(?:(?:national|OGP|open\s+government|biennial|nacional)\s+)?"
    r"(?:action\s+)?plan\b",
    _I,
)
_HYPOTHETICAL_PLAN = re.compile(r"\b(?:a|an|un|una|next|future|new|nuevo|pr[oó]ximo|siguiente|futuro)\s*$", _I)
OTHER_PLAN_RE = re.compile(
    r"\b(?:previous|prior|past|earlier|preceding|last|next|future|former)\s+(?:(?:national|OGP)\s+)?"
    r"(?:action\s+)?plans?\b"
    r"|\bplan(?:es)?\s+(?:de\s+acci[oó]n\s+)?(?:anterior|anteriores|previos?|pasados?|siguiente|futuro)\b"
    r"|\b(?:anterior|pr[oó]ximo|siguiente|futuro|[uú]ltimo)\s+plan\b",
    _I,
)
_PERIOD_IN_TEXT = re.compile(r"\b((?:19|20)\d{2})\s*[-–—]\s*((?:19|20)\d{2})\b")


def _plan_mentions(sentence: Sentence) -> list[tuple[int, bool]]:
    """(ordinal, is_hypothetical) for each "<ordinal> (action) plan" in the sentence."""
    out: list[tuple[int, bool]] = []
    for m in PLAN_ORDINAL_RE.finditer(sentence.clean):
        value = ordinal_value(m.group("ord"))
        if value is not None and 1 <= value <= 20:
            out.append((value, bool(_HYPOTHETICAL_PLAN.search(sentence.clean[: m.start()]))))
    return out


def plan_ordinal(sentences: list[Sentence]) -> PlanOrdinalFinding | None:
    """The ordinal most often attached to "plan"; future plans ("a fifth plan") do not vote."""
    votes: Counter[int] = Counter()
    first_seen: dict[int, Sentence] = {}
    for s in sentences:
        for value, hypothetical in _plan_mentions(s):
            if hypothetical:
                continue
            votes[value] += 1
            first_seen.setdefault(value, s)
    if not votes:
        return None
    best = max(votes, key=lambda v: (votes[v], -first_seen[v].index))
    evidence = first_seen[best]
    for s in sentences:  # prefer a sentence that names only this plan
        mentions = _plan_mentions(s)
        if mentions and all(v == best for v, _ in mentions) and not OTHER_PLAN_RE.search(s.clean):
            evidence = s
            break
    return PlanOrdinalFinding(ordinal=best, evidence=evidence.text)


def about_other_plan(sentence: Sentence, ordinal: int | None, period: str | None) -> bool:
    """True when the sentence speaks of another plan (another ordinal, "previous plan", another
    report period), so its numbers are not this plan's."""
    if OTHER_PLAN_RE.search(sentence.clean):
        return True
    for value, _ in _plan_mentions(sentence):
        if ordinal is None or value != ordinal:
            return True
    if period:
        for m in _PERIOD_IN_TEXT.finditer(sentence.clean):
            if f"{m.group(1)}-{m.group(2)}" != period:
                return True
    return False


# --- counts -----------------------------------------------------------------------------------------

_TOTAL_PATTERNS = [
    re.compile(rf"\b(?P<part>{NUM})\s+(?:out\s+)?of\s+(?:the\s+|its\s+|their\s+|all\s+)?(?P<total>{NUM})\s+"
               rf"(?:(?:total|planned|original)\s+)?{COMMITMENTS}\b", _I),
    re.compile(rf"\b(?P<part>{NUM})\s+{COMMITMENTS}\s+(?:out\s+of|of\s+a\s+total\s+of)\s+(?:the\s+)?(?P<total>{NUM})\b",
               _I),
    re.compile(rf"\b(?P<part>{NUM})\s+de\s+(?:los|sus|un\s+total\s+de)\s+(?P<total>{NUM})\s+{COMMITMENTS}\b", _I),
    re.compile(rf"\b(?P<part>{NUM})\s+{COMMITMENTS}\s+de\s+(?:un\s+total\s+de\s+|los\s+)?(?P<total>{NUM})\b", _I),
    re.compile(rf"\b(?:has|had|contains|contained|includes|included|comprises|comprised|consists\s+of|consisted\s+of"
               rf"|a\s+total\s+of|tiene|ten[ií]a|contiene|conten[ií]a|incluye|incluy[oó]|consta\s+de|const[oó]\s+de"
               rf"|cont[oó]\s+con|cuenta\s+con|un\s+total\s+de)\s+(?P<total>{NUM})\s+{COMMITMENTS}\b", _I),
]  # fmt: skip


def commitment_total(sentences: Iterable[Sentence]) -> CommitmentTotalFinding | None:
    """The plan's number of commitments, from "N of the M commitments" and "the plan has M commitments"."""
    votes: Counter[int] = Counter()
    evidence: dict[int, Sentence] = {}
    for s in sentences:
        for i, pattern in enumerate(_TOTAL_PATTERNS):
            if i == 4 and not re.search(r"\bplan\b", s.clean, _I):
                continue
            for m in pattern.finditer(s.clean):
                total = number_value(m.group("total"))
                part = number_value(m.group("part")) if "part" in m.groupdict() else None
                if total is None or not 1 <= total <= 300 or (part is not None and part > total):
                    continue
                votes[total] += 1
                evidence.setdefault(total, s)
    if not votes:
        return None
    best = max(votes, key=lambda v: (votes[v], -evidence[v].index))
    return CommitmentTotalFinding(count=best, evidence=evidence[best].text)


# IRM levels: (dimension, level, pattern, strong). A weak level ("completed") counts only when the clause
# names no strong level of the same dimension ("completed to a limited extent" is limited).
LEVELS: list[tuple[str, str, re.Pattern[str], bool]] = [
    ("early_results", EarlyResults.NONE, re.compile(
        r"\bwithout\s+(?:any\s+)?(?:evidence\s+of\s+)?(?:early\s+)?(?:open\s+government\s+)?results\b"
        r"|\bno\s+(?:evidence\s+of\s+)?(?:notable\s+|early\s+)?(?:open\s+government\s+)?results\b"
        r"|\bdid\s+not\s+(?:achieve|show|produce|yield|have|reach)\s+(?:any\s+)?(?:early\s+)?results\b"
        r"|\bdid\s+not\s+(?:open\s+government|change\s+government\s+practice)\b"
        r"|\bsin\s+(?:evidencia\s+de\s+)?resultados\b"
        r"|\bno\s+(?:lograron|alcanzaron|obtuvieron|mostraron|presentaron|tuvieron|logr[oó]|alcanz[oó]|obtuvo)"
        r"\s+resultados\b|\bning[uú]n\s+resultado\b", _I), True),
    ("early_results", EarlyResults.MARGINAL, re.compile(r"\bmarginal(?:es|ly|mente)?\b", _I), True),
    ("early_results", EarlyResults.SIGNIFICANT, re.compile(r"\bsignificant(?:ly)?\b|\bsignificativ[oa]s?\b|\bmajor\b",
                                                           _I), True),
    ("early_results", EarlyResults.OUTSTANDING, re.compile(
        r"\boutstanding\b|\bexceptional\b|\bexcepcional(?:es)?\b|\bsobresalientes?\b|\btransformador(?:es|as)?\b",
        _I), True),
    ("completion", Completion.NOT_STARTED, re.compile(
        r"\bnot\s+(?:been\s+|yet\s+)?(?:started|initiated|begun)\b|\bno\s+(?:se\s+)?(?:iniciad[oa]s?|iniciaron|inici[oó])\b"
        r"|\bsin\s+iniciar\b", _I), True),
    ("completion", Completion.LIMITED, re.compile(r"\blimited\b|\blimitad[oa]s?\b", _I), True),
    ("completion", Completion.SUBSTANTIAL, re.compile(
        r"\bsubstantial(?:ly)?\b|\bsustancial(?:es|mente)?\b|\bsubstancial(?:es|mente)?\b", _I), True),
    ("completion", Completion.COMPLETE, re.compile(
        r"\bfully\s+(?:completed|implemented)\b|\bfull\s+completion\b|\bcomplete(?:d)?\s+in\s+full\b"
        r"|\bcomplete\s+level\b|\b(?:cumplimiento|implementaci[oó]n|nivel)\s+(?:completo|total)\b"
        r"|\b(?:totalmente|completamente)\s+(?:cumplidos?|completados?|implementados?)\b", _I), True),
    ("completion", Completion.COMPLETE, re.compile(
        r"\bcompleted?\b|\bcompletion\b|\bcompletad[oa]s?\b|\bcumplid[oa]s?\b|\bnivel\s+de\s+cumplimiento\b"
        r"|\bcompletaron\b", _I), False),
]  # fmt: skip

_CLAUSE_SPLIT = re.compile(
    r"\s*[,;:]\s*|\s+(?:and|but|while|whereas|pero|mientras)\s+"
    r"|(?<!treinta)(?<!cuarenta)(?<!cincuenta)(?<!sesenta)(?<!setenta)(?<!ochenta)(?<!noventa)\s+[ye]\s+",
    _I,
)
_NOT_IRM_RESULT = re.compile(
    r"\bdesign\s+report\b|\binforme\s+de\s+dise[nñ]o\b|\bpotential\b|\bpotencial\b|\bambitio\w*|\bambici\w*"
    r"|\bambicios\w*|\brelevan\w*|\bverifiab\w*|\bverificab\w*",
    _I,
)
_ID_BEFORE = re.compile(
    r"(?:commitments?|compromisos?|no\.|nº|n\.º|#|numbers?|n[uú]meros?|section|secci[oó]n|annex|anexo)\s*$", _I
)
_UNIT_AFTER = re.compile(
    r"^\s*(?:%|percent|per\s+cent|por\s+ciento|months?|years?|days?|weeks?|meses|mes|años|d[ií]as|semanas"
    r"|countries|pa[ií]ses|local|people|personas|organi[sz]ations|organizaciones|institutions|instituciones)\b",
    _I,
)
_ARTICLE_UN = re.compile(r"^(?:un|una)$", _I)


def clause_counts(clause: str) -> list[int]:
    """Numbers in a clause that can be counts of commitments (not years, ids, percentages, articles)."""
    counts: list[int] = []
    depth_spans = [(m.start(), m.end()) for m in re.finditer(r"\([^()]*\)", clause)]
    for m in NUMBER_RE.finditer(clause):
        if any(s <= m.start() < e for s, e in depth_spans):
            continue
        value = number_value(m.group())
        if value is None or value > 300 or (m.group().isdigit() and len(m.group()) == 4):
            continue
        if _ID_BEFORE.search(clause[: m.start()]) or _UNIT_AFTER.match(clause[m.end() :]):
            continue
        if _ARTICLE_UN.match(m.group()) and not re.match(
            rf"\s+(?:{COMMITMENTS}|de\s+(?:los|ellos|ellas|estos))\b", clause[m.end() :], _I
        ):
            continue
        counts.append(value)
    return counts


def clause_levels(clause: str) -> set[tuple[str, str]]:
    """IRM levels named in a clause, weak "completed" dropped when a strong completion level is there."""
    strong: set[tuple[str, str]] = set()
    weak: set[tuple[str, str]] = set()
    for dimension, level, pattern, is_strong in LEVELS:
        if pattern.search(clause):
            (strong if is_strong else weak).add((dimension, str(level)))
    for dimension, level in weak:
        if not any(d == dimension for d, _ in strong):
            strong.add((dimension, level))
    return strong


def clauses(text: str) -> list[str]:
    """Split on , ; : and "and"/"y", keeping parentheses whole ("(forest, water and fisheries)")."""
    protected = re.sub(r"\([^()]*\)", lambda m: m.group().replace(",", "\x01").replace(" ", "\x02"), text)
    parts = _CLAUSE_SPLIT.split(protected)
    return [p.replace("\x01", ",").replace("\x02", " ").strip() for p in parts if p and p.strip()]


def tallies(sentences: Iterable[Sentence]) -> list[TallyFinding]:
    """One finding per (dimension, level); when a report repeats a tally, the most stated count wins."""
    seen: dict[tuple[str, str], Counter[int]] = {}
    evidence: dict[tuple[str, str, int], Sentence] = {}
    for s in sentences:
        for clause in clauses(s.clean):
            if _NOT_IRM_RESULT.search(clause):
                continue
            counts = clause_counts(clause)
            levels = clause_levels(clause)
            if len(counts) != 1 or len(levels) != 1:
                continue
            key = next(iter(levels))
            seen.setdefault(key, Counter())[counts[0]] += 1
            evidence.setdefault((*key, counts[0]), s)
    out: list[TallyFinding] = []
    for (dimension, level), votes in seen.items():
        count = max(votes, key=lambda c: (votes[c], -evidence[(dimension, level, c)].index))
        out.append(TallyFinding(dimension, level, count, evidence[(dimension, level, count)].text))
    return out


# --- commitments by number --------------------------------------------------------------------------

_TITLED_NUMBER = re.compile(
    rf"(?:(?:{COMMITMENTS})\s*(?:No\.?\s*|n[uú]m\.?\s*|#)?|[:,]\s*|\b(?:and|y|e)\s+|^)"
    r"(?P<num>\d{1,2})\s*\((?P<title>[^()\d][^()]{1,80})\)",
    _I,
)
_COLON_TITLE = re.compile(
    r"\b(?:Commitment|Compromiso)\s+(?:No\.?\s*|n[uú]m\.?\s*|#)?(?P<num>\d{1,2})\s*[:–—]\s*"
    r"[\"“]?(?P<title>[A-ZÁÉÍÓÚÑ][^.;:\"”]{2,80})"
)


def titled_commitments(sentences: Iterable[Sentence]) -> list[CommitmentFinding]:
    """ "1 (open spending)", "Commitment 3: Open data" -> commitment number with its short title."""
    found: dict[int, CommitmentFinding] = {}
    for s in sentences:
        if not re.search(COMMITMENTS, s.clean, _I):
            continue
        for pattern in (_TITLED_NUMBER, _COLON_TITLE):
            for m in pattern.finditer(s.clean):
                number = int(m.group("num"))
                title = m.group("title").strip(' "”“')
                if number == 0 or re.fullmatch(r"[\d\s,.\-–]+", title) or title.lower().startswith(("see ", "ver ")):
                    continue
                found.setdefault(number, CommitmentFinding(number, title, s.text))
    return [found[k] for k in sorted(found)]


_NUMBER_LIST = r"\d{1,2}(?:\s*(?:,|and|y|&)\s*\d{1,2})*(?:\s*,?\s*(?:and|y|e)\s+\d{1,2})?"
_INACTIVE = re.compile(r"\binactiv(?:e|os?|as?)\b", _I)
_INACTIVE_NUMBERS = [
    re.compile(rf"\((?P<list>{_NUMBER_LIST})\)", _I),
    re.compile(rf"\b{COMMITMENTS}\s+(?:No\.?\s*|n[uú]m(?:eros?)?\.?\s*|#)?(?P<list>{_NUMBER_LIST})\b", _I),
]
_CLASSIFY_VERB = (
    r"(?:classified|declared|designated|listed|categori[sz]ed|marked|deemed|considered|labell?ed"
    r"|clasific[oó]|declar[oó]|design[oó]|catalog[oó]|consider[oó]|calific[oó])"
)
_NEGATED = re.compile(
    r"\b(?:not|no|never|nunca)\s+(?:\w+\s+){0,3}" + _CLASSIFY_VERB + r"?\s*(?:\w+\s+){0,2}inactiv", _I
)
_BY_BODY = re.compile(rf"\b(?:by|por)\s+(?:the\s+|el\s+|la\s+)?(?P<body>{NAME})")


def inactive_commitments(sentences: Iterable[Sentence]) -> list[CommitmentStateFinding]:
    """Commitments named as inactive, with the body that classified them when the sentence says."""
    found: dict[int, CommitmentStateFinding] = {}
    for s in sentences:
        if not _INACTIVE.search(s.clean) or _NEGATED.search(s.clean):
            continue
        numbers: list[int] = []
        for pattern in _INACTIVE_NUMBERS:
            for m in pattern.finditer(s.clean):
                numbers += [int(n) for n in re.findall(r"\d{1,2}", m.group("list"))]
        if not numbers:
            continue
        body: str | None = None
        verb = re.search(rf"\b{_CLASSIFY_VERB}\b", s.clean, _I)
        if verb:
            before = trailing_name(s.clean[: verb.start()])
            if before and not re.match(r"(?:commitments?|compromisos?)\b", before, _I):
                body = clean_body_name(before)
            by = _BY_BODY.search(s.clean, verb.end())
            if body is None and by:
                body = clean_body_name(by.group("body"))
        for n in numbers:
            if 0 < n < 100 and (n not in found or (found[n].body is None and body)):
                found[n] = CommitmentStateFinding(n, "inactive", body, s.text)
    return [found[k] for k in sorted(found)]


_MINUTES = re.compile(r"\b(?:minutes|acta|actas|minuta|minutas)\s+(?:of|from|de|del)\s+(?:the\s+|la\s+|el\s+)?", _I)
_ONE_COMMITMENT = re.compile(r"\b(?:commitment|compromiso)\s+(?:No\.?\s*|n[uú]m\.?\s*|#)?(\d{1,2})\b", _I)


def decisions(sentences: Iterable[Sentence]) -> list[CommitmentDecisionFinding]:
    """Dated minutes about one commitment: "on commitment 5, consult the minutes of the Coordinating
    Committee dated May 3, 2022"."""
    out: list[CommitmentDecisionFinding] = []
    for s in sentences:
        m = _MINUTES.search(s.clean)
        if not m:
            continue
        numbers = {int(n) for n in _ONE_COMMITMENT.findall(s.clean)}
        if len(numbers) != 1:
            continue
        body = leading_name(s.clean[m.end() :])
        dates = [d for d, start, _ in find_dates(s.clean) if start >= m.end()]
        if not body or not dates:
            continue
        out.append(CommitmentDecisionFinding(numbers.pop(), clean_body_name(body), dates[0], s.text))
    return out


_NONE_LEVEL = LEVELS[0][2]
_OF_WHICH_INACTIVE = re.compile(
    rf"\b(?:of\s+which|of\s+these|of\s+them|among\s+them|among\s+which|including|de\s+los\s+cuales|de\s+ellos"
    rf"|de\s+estos|entre\s+ellos|entre\s+los\s+cuales)\s+(?P<n>{NUM})\s+(?:\w+\s+){{0,4}}?inactiv",
    _I,
)


def inactive_results(
    sentences: Iterable[Sentence], inactive: list[CommitmentStateFinding]
) -> list[CommitmentResultFinding]:
    """Early results "none" for inactive commitments, only where the text puts all of them in the
    no-results group ("four commitments were paused without evidence of early results, of which three
    were listed as inactive")."""
    if not inactive:
        return []
    for s in sentences:
        if not _NONE_LEVEL.search(s.clean):
            continue
        m = _OF_WHICH_INACTIVE.search(s.clean)
        if m and number_value(m.group("n")) == len(inactive):
            return [CommitmentResultFinding(f.number, str(EarlyResults.NONE), s.text) for f in inactive]
    return []


def numbered_results(sentences: Iterable[Sentence]) -> list[CommitmentResultFinding]:
    """ "Commitment 3 achieved outstanding results": one numbered commitment and one early-results level
    in a clause with no count."""
    out: dict[int, CommitmentResultFinding] = {}
    for s in sentences:
        for clause in clauses(s.clean):
            numbers = {int(n) for n in _ONE_COMMITMENT.findall(clause)}
            levels = clause_levels(clause)
            if len(numbers) != 1 or len(levels) != 1 or clause_counts(clause) or _NOT_IRM_RESULT.search(clause):
                continue
            dimension, level = next(iter(levels))
            number = numbers.pop()
            if dimension == "early_results" and number not in out:
                out[number] = CommitmentResultFinding(number, level, s.text)
    return list(out.values())


_NAMED_BEFORE = re.compile(
    r"\b(?:the|el|la)\s+(?P<adj>(?:fully\s+|substantially\s+)?completed|compromiso\s+(?:completado|cumplido|terminado))"
    r"(?:\s+commitment)?\s*\((?P<title>[^()]{3,100})\)",
    _I,
)
_NAMED_AFTER = re.compile(
    rf"\b{COMMITMENTS}\s*\((?P<title>[^()\d][^()]{{2,100}})\)\s+(?:was|has\s+been|fue|ha\s+sido)\s+"
    r"(?P<adj>(?:fully\s+|substantially\s+|totalmente\s+|sustancialmente\s+)?(?:completed|completado|cumplido))",
    _I,
)


def named_commitments(sentences: Iterable[Sentence]) -> list[NamedCommitmentFinding]:
    """ "The completed commitment (forest, water and fisheries management)" -> that title, complete."""
    out: dict[str, NamedCommitmentFinding] = {}
    for s in sentences:
        for pattern in (_NAMED_BEFORE, _NAMED_AFTER):
            for m in pattern.finditer(s.clean):
                adj = m.group("adj").lower()
                level = Completion.SUBSTANTIAL if "substantial" in adj or "sustancial" in adj else Completion.COMPLETE
                title = m.group("title").strip()
                out.setdefault(title, NamedCommitmentFinding(title, str(level), s.text))
    return list(out.values())


_EXTENSION = re.compile(
    r"\b(?:extend\w*|extension|prolong\w*|ampli(?:ar|[oó]|aci[oó]n)|extender|extendi[oó]|extensi[oó]n|pr[oó]rroga"
    r"|prorrog\w*)\b",
    _I,
)
_MONTHS = re.compile(rf"(?P<n>{NUM})\s*(?:-\s*)?(?:months?|meses)\b", _I)
_UNTIL = re.compile(r"\b(?:until|till|through|to|hasta|al|a)\s+(?:el\s+)?$", _I)


def extension(sentences: Iterable[Sentence]) -> ExtensionFinding | None:
    """An implementation extension: by how many months and until when."""
    best: ExtensionFinding | None = None
    for s in sentences:
        if not _EXTENSION.search(s.clean):
            continue
        months: int | None = None
        m = _MONTHS.search(s.clean)
        if m:
            months = number_value(m.group("n"))
        until: date | None = None
        for value, start, _ in find_dates(s.clean):
            if _UNTIL.search(s.clean[max(0, start - 12) : start]):
                until = value
                break
        if months is None and until is None:
            continue
        candidate = ExtensionFinding(months, until, s.text)
        score = (months is not None) + (until is not None)
        if best is None or score > (best.months is not None) + (best.until is not None):
            best = candidate
    return best


def report_findings(sentences: list[Sentence], period: str | None) -> list[Finding]:
    """All report-level findings; counts only from sentences about this plan."""
    findings: list[Finding] = []
    ordinal = plan_ordinal(sentences)
    if ordinal:
        findings.append(ordinal)
    this_plan = [s for s in sentences if not about_other_plan(s, ordinal.ordinal if ordinal else None, period)]
    total = commitment_total(this_plan)
    if total:
        findings.append(total)
    findings += tallies(this_plan)
    findings += titled_commitments(this_plan)
    inactive = inactive_commitments(this_plan)
    findings += inactive
    findings += decisions(this_plan)
    results = inactive_results(this_plan, inactive)
    numbered = {r.number for r in results}
    results += [r for r in numbered_results(this_plan) if r.number not in numbered]
    findings += results
    findings += named_commitments(this_plan)
    ext = extension(this_plan)
    if ext:
        findings.append(ext)
    return findings
