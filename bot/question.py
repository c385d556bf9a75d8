"""Reading a chat message: which language, what is asked, about which member, commitment or plan.

Parsing is rule-based on purpose: the questions people ask about OGP are few in shape, and a rule that
fails shows why, which matters more here than guessing well on average.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from bot.member_index import MemberIndex, NameMatch
from bot.vocabulary import (
    CONCEPTS,
    ENGLISH_MARKERS,
    SPANISH_MARKERS,
    STOP_WORDS,
    concepts_in,
    is_keyword,
    matches,
)
from jobs.analysis.numbers import number_value, ordinal_value
from storage.names import normalize

MAX_QUESTION_CHARS = 500
MAX_COMMITMENT_NUMBER = 500
_SPANISH_CHARS = re.compile(r"[¿¡ñÑáéíóúÁÉÍÓÚ]")


class Intent(StrEnum):
    EMPTY = "empty"
    GREETING = "greeting"
    HELP = "help"
    COMMITMENT_STATUS = "commitment_status"
    COMMITMENTS_BY_STATE = "commitments_by_state"
    PLAN_SUMMARY = "plan_summary"
    MEMBER_STATUS = "member_status"
    MEMBER_EVENT = "member_event"  # "Did X withdraw?", "When did X join?", "¿Cuándo se retiró X?"
    MEMBERS_BY_STATUS = "members_by_status"
    MEMBERS_IN = "members_in"
    LATEST_REPORTS = "latest_reports"
    TOTALS = "totals"
    SEARCH = "search"
    OPEN = "open"  # who / why / what / how questions no fixed intent covers: answered from stored sentences
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # "en" | "es"
    intent: Intent
    names: tuple[NameMatch, ...] = ()
    commitment_number: int | None = None
    plan_ordinal: int | None = None
    state: str | None = None  # "inactive" | "withdrawn" | "active" | "complete"
    search_terms: tuple[str, ...] = ()
    event: str | None = None  # for MEMBER_EVENT: "withdrawn" or "joined"
    asks_when: bool = False
    asks_why: bool = False  # "why did X leave?": the event, then the sentences giving its reasons
    wh: str | None = None  # the question word: "who", "why", "what", "how", "when", "where"
    predicate: str | None = None  # the word right after it, when a content word: "who *leads* ...", "what *replaced*"
    open_words: tuple[str, ...] = ()  # the question's content words for sentence retrieval (names left out)

    @property
    def member_ids(self) -> list[int]:
        return [m.member_id for m in self.names if m.member_id is not None]

    @property
    def unknown_places(self) -> list[str]:
        return [m.name for m in self.names if m.member_id is None]


def detect_language(text: str, tokens: list[str]) -> str:
    spanish = sum(token in SPANISH_MARKERS for token in tokens) + 2 * len(_SPANISH_CHARS.findall(text))
    english = sum(token in ENGLISH_MARKERS for token in tokens)
    return "es" if spanish > english else "en"


def parse(text: str, index: MemberIndex) -> Question:
    text = text[:MAX_QUESTION_CHARS]
    tokens = normalize(text).split()
    language = detect_language(text, tokens)
    if not tokens:
        return Question(text, language, Intent.EMPTY)
    names = tuple(m for m in index.find(tokens) if _written_as_a_name(m, text))
    in_names = {i for m in names for i in range(m.start, m.end)}
    free = [t for i, t in enumerate(tokens) if i not in in_names]
    concepts = concepts_in(free)
    number = _commitment_number(tokens)
    ordinal = _plan_ordinal(tokens)
    state = _state(concepts)
    terms = tuple(dict.fromkeys(
        t for t in free if len(t) >= 3 and not t.isdigit() and not is_keyword(t) and ordinal_value(t) is None
    ))
    members = any(m.member_id is not None for m in names)
    intent = _intent(concepts, number, members or bool(names), state, terms)
    if intent is Intent.MEMBER_STATUS and members and {"members", "miembros"} & set(free):
        intent = Intent.MEMBERS_IN  # "members in Mexico": the country's local members
    event = _event(concepts, state) if intent is Intent.MEMBER_STATUS else None
    if event is not None:
        intent = Intent.MEMBER_EVENT
    open_words = tuple(dict.fromkeys(t for t in free if len(t) >= 3 and not t.isdigit() and t not in STOP_WORDS
                                     and t not in _WH_WORDS))
    wh = _wh_word(tokens)
    # The question word's own concepts ("how" also asks for help and status) do not count against it, and
    # only words written out do ("advance" is not a typo of "avance").
    rest = {c for t in free if t not in _WH_WORDS for c, ws in CONCEPTS.items() if t in ws}
    why_status = wh == "why" and bool(names) and state in {"withdrawn", "inactive"}  # answered with reasons
    if wh is not None and not why_status and _open(intent, rest, terms, open_words):
        intent = Intent.OPEN
    predicate = _predicate(tokens, open_words) if wh else None
    return Question(text, language, intent, names, number, ordinal, state, terms, event, "when" in concepts,
                    wh == "why", wh, predicate, open_words)


#: How an open question starts ("por qué" is two tokens; "qué" is also "that", so only first).
_WH_WORDS = {"who": "who", "whom": "who", "why": "why", "what": "what", "how": "how", "which": "what",
             "quien": "who", "quienes": "who", "porque": "why", "que": "what", "como": "how", "cual": "what",
             "cuales": "what", "cuanto": "how", "cuanta": "how", "when": "when", "cuando": "when",
             "where": "where", "donde": "where"}
#: Words of a fixed intent that an open question must not have: "what is the status of X", "how many". A
#: plan or commitment word does not count: "what does Ukraine's action plan focus on?" asks more than the tally.
_FIXED = {"status", "count", "still", "latest", "greeting"}
#: "What does the report say about trusts?" asks for a document's passages (a search); "what did civil society
#: say about the withdrawal?" asks for an answer.
_SAY_VERBS = {"say", "said", "says", "mention", "mentions", "dice", "dijo", "decia", "menciona", "search", "buscar",
              "busca"}


def _predicate(tokens: list[str], open_words: tuple[str, ...]) -> str | None:
    """ "Who leads the committee?": the verb the question asks about, which an answer must hold."""
    start = tokens[1:] if tokens[:1] in (["and"], ["y"], ["so"], ["entonces"]) else tokens
    after = start[2:3] if start[:2] == ["por", "que"] else start[1:2]
    return after[0] if after and after[0] in open_words else None


def _wh_word(tokens: list[str]) -> str | None:
    start = tokens[1:] if tokens[:1] in (["and"], ["y"], ["so"], ["entonces"]) else tokens
    if start[:2] == ["por", "que"]:
        return "why"
    return _WH_WORDS.get(start[0]) if start else None


def _open(intent: Intent, concepts: set[str], terms: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Whether a who/why/what/how question asks something no fixed intent answers: it has topic words
    (``terms``: not question-frame or vocabulary words) and none of a fixed intent's words. "Why did X
    leave?" stays an event question (its answer adds the reasons)."""
    if not terms or concepts & _FIXED or (_SAY_VERBS & set(words) and "report" in concepts):
        return False
    return intent in {Intent.UNKNOWN, Intent.SEARCH, Intent.MEMBER_STATUS, Intent.LATEST_REPORTS, Intent.TOTALS,
                      Intent.HELP, Intent.PLAN_SUMMARY, Intent.COMMITMENTS_BY_STATE} and bool(words)


def _event(concepts: set[str], state: str | None) -> str | None:
    """A question about one event in a member's history rather than where it stands now: "Did X leave?",
    "When did X join?". "Is X still a member?" asks where it stands."""
    if "still" in concepts:
        return None
    if "joined" in concepts:
        return "joined"
    if state == "withdrawn":
        return "withdrawn"
    return None


def _written_as_a_name(match: NameMatch, text: str) -> bool:
    """ "US", "UK", "U.S." name countries only in capitals: "tell us about Mexico" is not about the United
    States. Questions are matched in lower case, so the original text decides."""
    letters = re.sub(r"[^a-z]", "", match.name)
    if len(letters) > 3 or not match.exact:
        return True
    undotted = re.sub(r"(?<=[A-Za-z])\.(?=[A-Za-z]|\s|$)", "", text)
    return re.search(rf"(?<![A-Za-z]){re.escape(letters.upper())}(?![A-Za-z])", undotted) is not None


def _intent(concepts: set[str], number: int | None, named: bool, state: str | None,
            terms: tuple[str, ...]) -> Intent:
    if "commitment" in concepts:
        if number is not None:
            return Intent.COMMITMENT_STATUS
        if state in {"inactive", "complete", "active"}:
            return Intent.COMMITMENTS_BY_STATE
        return Intent.PLAN_SUMMARY
    if "say" in concepts and terms:
        return Intent.SEARCH
    if "report" in concepts:
        return Intent.LATEST_REPORTS
    if "plan" in concepts or ("summary" in concepts and named):
        return Intent.PLAN_SUMMARY
    if state in {"withdrawn", "inactive", "active"} and not named:
        return Intent.MEMBERS_BY_STATUS
    if named:
        return Intent.MEMBER_STATUS
    if "count" in concepts and ({"member", "ogp"} & concepts):
        return Intent.TOTALS
    if "member" in concepts and "list" in concepts:
        return Intent.MEMBERS_BY_STATUS
    if "help" in concepts:
        return Intent.HELP
    if "greeting" in concepts:
        return Intent.GREETING
    if terms:
        return Intent.SEARCH
    return Intent.UNKNOWN


def _state(concepts: set[str]) -> str | None:
    for state in ("withdrawn", "inactive", "complete", "active"):
        if state in concepts:
            return state
    return None


@lru_cache(maxsize=4096)
def _is_commitment_word(token: str) -> bool:
    return any(matches(token, word) for word in ("commitment", "commitments", "compromiso", "compromisos"))


def _commitment_number(tokens: list[str]) -> int | None:
    for i, token in enumerate(tokens):
        if not _is_commitment_word(token):
            continue
        after = [t for t in tokens[i + 1 : i + 4] if t not in {"no", "number", "numero", "nr", "n"}]
        # Any number is kept, however large: "there is no commitment 99999 (the plan has 13)" is the answer.
        if after and (value := number_value(after[0])) is not None and value > 0:
            return value
        if i > 0 and (value := ordinal_value(tokens[i - 1])) is not None:
            return value
    return None


def _plan_ordinal(tokens: list[str]) -> int | None:
    for i, token in enumerate(tokens):
        if token not in {"plan", "plans", "planes"}:
            continue
        for neighbour in tokens[max(0, i - 3) : i] + tokens[i + 1 : i + 2]:
            value = ordinal_value(neighbour)
            if value is not None:
                return value
    return None
