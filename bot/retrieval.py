"""Finding the stored sentences that answer an open question, and judging whether any of them does.

The store finds candidates (``storage.sentences``): sentences holding all the question's words, or all but
one. They are judged here, the same way on SQLite and PostgreSQL:

* *coverage*: the share of the question's words a sentence holds, each word weighted by how rare it is
  among the stored sentences (holding "leads" says more than holding "committee");
* for "why" questions, a sentence that gives a reason ("because", "argues", "debido a") ranks first;
* a sentence in the question's language wins a tie.

A sentence is quoted only if it holds most of the question (``MIN_COVERAGE``): "the sources do not say"
is a better answer than a sentence that merely shares a word with the question.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from itertools import combinations

from sqlmodel import Session

from bot.vocabulary import CONCEPTS
from storage.sentences import Group, SentenceHit, search_sentences, sentence_frequencies
from storage.terms import fold, query_stems, stems, words

MAX_WORDS = 5
"""Words of a question the search uses; the rarest-looking (longest) ones when there are more."""

RARE = 100
"""A question word held by at most this many sentences is searched alone too: it may be all a sentence shares
with the question and still be the answer."""

#: Verbs that carry no topic ("why was X made inactive?"): left out unless they are all the question has.
LIGHT_WORDS = frozenset({"made", "make", "makes", "become", "became", "becomes", "get", "got", "gets", "go",
                         "went", "happen", "happened", "hizo", "hace", "fue", "ser",
                         # "what did the plan achieve?": an answer says what it did, rarely "achieve"
                         "achieve", "achieved", "achieves", "lograr", "logro", "logró", "consiguió"})

CANDIDATES = 40
"""Sentences the store returns for judging; a few dozen is enough to find the best three."""

MIN_COVERAGE = 0.6
"""The weighted share of the question's words a quoted sentence must hold."""

RUNNER_UP_SHARE = 0.8
"""A second or third sentence is quoted only if it answers at least this share as well as the first."""

REASON_BONUS = 0.25

DEFINITION_BONUS = 0.6

PREDICATE_WEIGHT = 2.0
"""How much more the verb right after the question word counts ("who *leads* the Coordinating Committee"):
a sentence naming the committee without saying who leads it does not answer."""

AGENT_BONUS = 0.1
"""For "who" questions, how much a sentence naming someone outranks an equal one that names no one."""
"""How much a line defining one of the question's words ("Marginal: ...") outranks one that only uses it."""
"""For "why" questions, how much a sentence giving a reason outranks one that only repeats the question."""

DF_CAP = 2000
"""Sentences counted per word to weigh it: beyond this a word is simply common (and counting stays cheap)."""

#: Words that give a reason, for "why" questions; stems, matched against a sentence's stems.
REASON_WORDS = (
    "because", "due", "reason", "reasons", "argues", "argued", "citing", "cited", "therefore", "since", "after",
    "owing", "decided", "porque", "debido", "razon", "razones", "motivo", "motivos", "argumenta", "argumento",
    "tras", "ya", "decidio", "considerar", "considerando", "explaining", "explained", "explains", "why",
    "justified", "justification", "explicando", "explico", "justifico", "failing", "failed", "failure",
    "incumplir", "incumplimiento", "sostiene", "alega", "alegando", "argumentando",
)
_REASON_STEMS = frozenset(stem for word in REASON_WORDS for stem in stems(word))

#: A question word standing for a concept matches any of the concept's words ("leave" finds "withdrew").
_SYNONYM_CONCEPTS = ("withdrawn", "joined", "inactive")
_EXTRA_SYNONYMS = {"withdrawn": ("exit", "exited", "departure", "abandon", "salida", "salir")}


@dataclass(frozen=True)
class RankedSentence:
    hit: SentenceHit
    coverage: float
    reason: bool
    definition: bool = False  # "Marginal: some change, ..." for a question about "marginal"
    names_someone: bool = False  # for "who": the sentence names a person or body besides the member asked about


@lru_cache(maxsize=1)
def _translations() -> dict[str, frozenset[str]]:
    """Folded word -> every word of the same meaning in either language (``data/bilingual_terms.json``)."""
    data = json.loads(files("bot").joinpath("data/bilingual_terms.json").read_text(encoding="utf-8"))
    out: dict[str, frozenset[str]] = {}
    for entry in data["terms"]:
        family = frozenset(fold(w) for w in entry)
        for word in family:
            out[word] = out.get(word, frozenset()) | family
    return out


def groups_for(question_words: Sequence[str]) -> list[Group]:
    """One stem group per question word; a concept word's group holds every word of its concept, and a
    word of OGP's vocabulary its translation ("comité" finds "committee")."""
    out: list[Group] = []
    for word in question_words:
        concept = next((c for c in _SYNONYM_CONCEPTS if word in CONCEPTS[c]), None)
        family = set(CONCEPTS[concept] | set(_EXTRA_SYNONYMS.get(concept, ()))) if concept else {word}
        family |= _translations().get(fold(word), frozenset())
        group = tuple(dict.fromkeys(stem for w in sorted(family) for found in query_stems([w]) for stem in found))
        if group and group not in out:
            out.append(group)
    return out


def _combinations(groups: list[Group]) -> list[list[Group]]:
    """All the words, then every set of all but one (for three or more words): selective intersections."""
    if len(groups) > MAX_WORDS:
        groups = sorted(groups, key=lambda g: -max(len(s) for s in g))[:MAX_WORDS]
    combos = [list(groups)]
    if len(groups) >= 3:
        combos += [list(c) for c in combinations(groups, len(groups) - 1)]
    return combos


def _selective(combos: list[list[Group]], df: dict[Group, int]) -> list[list[Group]]:
    """The combinations without their common words (held by ``DF_CAP`` sentences or more): the full-text
    index reads a word's whole list of sentences to intersect it, so "commitment" in a large collection
    costs tens of milliseconds and narrows nothing the rarer words do not. Common words still count in
    judging the candidates. All common: the first combination as it is."""
    out: list[list[Group]] = []
    for combo in combos:
        kept = [g for g in combo if df.get(g, 0) < DF_CAP]
        if kept and kept not in out:
            out.append(kept)
    return out or combos[:1]


def _weights(counts: Sequence[int], total: int) -> list[float]:
    return [math.log((total + 1) / (count + 0.5)) for count in counts]


def _holds(sentence_terms: set[str], group: Group) -> bool:
    return any(stem in sentence_terms for stem in group)


def _is_reason(hit: SentenceHit) -> bool:
    return bool(_REASON_STEMS & set(hit.terms.split()))


def rank(hits: Iterable[SentenceHit], groups: Sequence[Group], weights: Sequence[float], *, why: bool,
         language: str, who: bool = False, known_names: Sequence[str] = ()) -> list[RankedSentence]:
    """Judge candidates: weighted coverage, reasons first for "why", a named agent for "who", then the
    question's language on a tie."""
    total = sum(weights) or 1.0
    ranked = []
    for hit in hits:
        held = set(hit.terms.split())
        coverage = sum(w for g, w in zip(groups, weights, strict=True) if _holds(held, g)) / total
        named = who and _names_someone(hit.text, known_names)
        ranked.append(RankedSentence(hit, coverage, why and _is_reason(hit), _defines(hit.text, groups), named))
    # Ties go to the question's language, then to the shorter sentence (the more focused statement): the
    # stores' own scores (bm25, ts_rank) would order them differently.
    ranked.sort(key=lambda r: (-round(_merit(r), 6), r.hit.language != language, len(r.hit.terms.split()),
                               r.hit.sentence_id))
    return ranked


def find(session: Session, question_words: Sequence[str], *, member_id: int | None = None,
         member_names: Sequence[str] = (), why: bool = False, who: bool = False, reasons_only: bool = False,
         predicate: str | None = None, language: str = "en", limit: int = 3) -> list[RankedSentence]:
    """The best sentences answering a question made of ``question_words`` (names already left out), at
    most ``limit``, only those holding enough of it; one sentence per document text (no repeats).

    With ``member_id``, only that member's sentences, and those of pages about no member in particular
    that name it (``member_names``: "México", "Mexico"). With ``reasons_only``, only sentences giving a
    reason (the "why" added to a member's status)."""
    groups = groups_for([w for w in question_words if w not in LIGHT_WORDS] or question_words)
    if not groups:
        return []
    names = [m for m in (query_stems([name]) for name in member_names if name) if m]
    name_groups = [g for m in names for g in m if g not in groups]
    every, total = sentence_frequencies(session, groups + name_groups, DF_CAP)
    counts, name_counts = every[: len(groups)], dict(zip(name_groups, every[len(groups) :], strict=True))
    # A name's common words ("Synthetic", "City") narrow nothing its rarer ones do not.
    mentions = [[g for g in m if name_counts.get(g, 0) < DF_CAP] or [min(m, key=lambda g: name_counts.get(g, 0))]
                for m in names]
    combos = _combinations(groups)
    rarest = min(range(len(groups)), key=lambda i: counts[i])
    if len(groups) >= 2 and counts[rarest] <= RARE:  # "co-convenors" alone finds the one sentence using it
        combos.append([groups[rarest]])
    if (why or reasons_only) and member_id is not None:
        # A reason may share a single word with the question ("the government argues ... to exit"): within
        # one member's sentences, each word alone is selective enough; reasons are told apart afterwards.
        combos += [[g] for g in groups if [g] not in combos]
    combos = _selective(combos, dict(zip(groups, counts, strict=True)))
    hits = search_sentences(session, combos, member_id=member_id, mentions=mentions, limit=CANDIDATES)
    if member_id is not None:  # a page about no one counts only where it names the member in full
        hits = [h for h in hits if h.member_id is not None
                or any(all(_holds(set(h.terms.split()), g) for g in name) for name in names)]
    if not hits:
        return []
    weights = _weights(counts, total)
    asked = groups_for([predicate])[:1] if predicate and predicate not in LIGHT_WORDS else []
    if asked and asked[0] in groups:  # "who *leads* the committee": the relation asked about
        weights[groups.index(asked[0])] *= PREDICATE_WEIGHT
    ranked = rank(hits, groups, weights, why=why or reasons_only, language=language, who=who,
                  known_names=member_names)
    if reasons_only:
        ranked = [r for r in ranked if r.reason]
    kept: list[RankedSentence] = []
    seen: set[str] = set()
    best = None
    for r in ranked:
        if r.coverage < MIN_COVERAGE and not ((r.reason or r.definition) and r.coverage > 0):
            continue
        best = best if best is not None else _merit(r)
        if _merit(r) < best * RUNNER_UP_SHARE:
            break  # a much weaker sentence is noise next to the best one
        key = _fingerprint(r.hit.text)
        if key in seen:
            continue
        seen.add(key)
        kept.append(r)
        if len(kept) == limit:
            break
    return kept


def _merit(r: RankedSentence) -> float:
    return (r.coverage + (REASON_BONUS if r.reason else 0.0) + (DEFINITION_BONUS if r.definition else 0.0)
            + (AGENT_BONUS if r.names_someone else 0.0))


#: A name: two or more capitalised words in a row ("Publish What You Pay", "Augustine Mahiga"), possibly
#: joined by "of"/"de", or an acronym ("SFP", "INAI").
_NAME = re.compile(
    r"\b(?:[A-ZÁÉÍÓÚÑ][\w'’.-]+(?:\s+(?:of|de|del|for|the|y|and)?\s*[A-ZÁÉÍÓÚÑ][\w'’.-]+)+|[A-Z]{2,6}s?)\b"
)
_NOT_AN_AGENT = frozenset({"OGP", "AGA", "IRM", "MRI", "NAP", "NAPS", "CSO", "CSOS", "ONG", "ONGS", "NGO", "NGOS"})


def _names_someone(sentence: str, known: Sequence[str]) -> bool:
    """Whether the sentence names an agent other than OGP itself and the member asked about."""
    skip = {fold(k) for k in known} | {"open government partnership", "alianza para el gobierno abierto"}
    for m in _NAME.finditer(sentence[1:]):  # a sentence's first word is capitalised anyway
        name = m.group().strip()
        if name.upper() in _NOT_AN_AGENT or fold(name) in skip or any(fold(name) in k or k in fold(name)
                                                                         for k in skip):
            continue
        return True
    return False


_DEFINED = re.compile(r"^\W*([^\W\d_][\w'’-]*(?:\s+[\w'’-]+){0,2}):\s+(?P<body>\S.*)")
#: What a definition's body must be: a phrase of a few words (numbers and dates not counted), not a value
#: ("Resultados iniciales: marginal", "Period assessed: January 2016-September 2017") or a list ("Scale:
#: Collaborate · Involve · Consult").
_DEFINITION_WORDS = 3
_LIST_MARKS = re.compile(r"[·•|]")


def _defines(sentence: str, groups: Sequence[Group]) -> bool:
    """A glossary or annex line defining a word of the question: "Marginal: some change, but minor"."""
    m = _DEFINED.match(sentence)
    if not m:
        return False
    body = [w for w in words(m.group("body")) if not any(ch.isdigit() for ch in w)]
    if len(body) < _DEFINITION_WORDS or _LIST_MARKS.search(m.group("body")):
        return False  # "Period assessed: January 2016-September 2017" is a value too
    held = {stem for word in words(m.group(1)) for stem in stems(word)}
    return any(_holds(held, g) for g in groups)


def _fingerprint(sentence: str) -> str:
    """The same sentence on two pages (a report and its listing) is quoted once."""
    return re.sub(r"\s+", " ", " ".join(words(sentence)))[:200]
