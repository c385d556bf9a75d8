"""Finding the member a question is about, by any of its names, with accents optional and small typos.

The index lives in memory (a few hundred members, a few thousand aliases) and is rebuilt only when the
aliases in the database change, so a question costs dictionary look-ups, not queries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import func, select
from sqlmodel import Session

from bot.vocabulary import is_keyword
from storage.models import MemberAlias
from storage.names import all_country_names

MAX_NAME_WORDS = 6
RECHECK_SECONDS = 2.0
"""How stale the index may be: a member added by the watcher is known to chat within this time."""

_ALIASES = MemberAlias.__table__  # type: ignore[attr-defined]
_VERSION = select(func.count(_ALIASES.c.id), func.max(_ALIASES.c.id))
_ALL_ALIASES = select(_ALIASES.c.normalized, _ALIASES.c.member_id)
"""Core statements, built once: the index needs plain values, not ORM entities."""


@dataclass(frozen=True)
class NameMatch:
    """A name found in a question: a known member (``member_id``) or a place with no data yet."""

    member_id: int | None
    name: str  # the name as the index knows it
    start: int  # token span in the question
    end: int
    exact: bool


class MemberIndex:
    def __init__(self) -> None:
        self._version: tuple[int, int | None] | None = None
        self._checked_at = float("-inf")
        self._aliases: dict[str, int] = {}
        self._by_length: dict[int, list[str]] = {}
        self._places: dict[str, str] = {
            key: names[0] for key, names in all_country_names().items()
        }

    def refresh(self, session: Session) -> None:
        """Reload the aliases if the database has different ones than last time (checked every few seconds)."""
        now = time.monotonic()
        if now - self._checked_at < RECHECK_SECONDS:
            return
        self._checked_at = now
        connection = session.connection()
        count, last = connection.execute(_VERSION).one()
        version = (int(count), last)
        if version == self._version:
            return
        self._aliases = {normalized: member_id for normalized, member_id in connection.execute(_ALL_ALIASES)}
        self._by_length = {}
        for alias in self._aliases:
            self._by_length.setdefault(len(alias), []).append(alias)
        self._version = version

    def find(self, tokens: list[str]) -> list[NameMatch]:
        """Names in the token list, longest first, not overlapping; exact names before near misses."""
        spans = self._exact(tokens)
        if not any(m.member_id is not None for m in spans):
            taken = {i for m in spans for i in range(m.start, m.end)}
            spans += self._fuzzy(tokens, taken)
        return sorted(spans, key=lambda m: m.start)

    def _candidates(self, tokens: list[str], taken: set[int], exact: bool = False) -> list[tuple[int, int, str]]:
        """Spans that may be a name. ``exact``: also those that start with a question word, because a
        known name may ("El Salvador", "New Zealand"); only an exact match takes them."""
        spans = []
        for size in range(min(MAX_NAME_WORDS, len(tokens)), 0, -1):
            for start in range(len(tokens) - size + 1):
                end = start + size
                if taken.intersection(range(start, end)):
                    continue
                words = tokens[start:end]
                if is_keyword(words[0]) and words[0] not in {"state", "estado", "ciudad", "city"} and not (
                    exact and size > 1
                ):
                    continue
                if is_keyword(words[-1]) or all(is_keyword(w) or w.isdigit() for w in words):
                    continue
                spans.append((start, end, " ".join(words)))
        return spans

    def _exact(self, tokens: list[str]) -> list[NameMatch]:
        found: list[NameMatch] = []
        taken: set[int] = set()
        for start, end, text in self._candidates(tokens, set(), exact=True):
            if taken.intersection(range(start, end)):
                continue
            if text in self._aliases:
                found.append(NameMatch(self._aliases[text], text, start, end, True))
            elif text in self._places:
                found.append(NameMatch(None, self._places[text], start, end, True))
            else:
                continue
            taken.update(range(start, end))
        return found

    def _fuzzy(self, tokens: list[str], taken: set[int]) -> list[NameMatch]:
        found: list[NameMatch] = []
        for start, end, text in self._candidates(tokens, taken):
            if len(text) < 4 or taken.intersection(range(start, end)):
                continue
            allowed = 1 if len(text) <= 7 else 2
            pool = [a for n in range(len(text) - allowed, len(text) + allowed + 1)
                    for a in self._by_length.get(n, ())]
            best = process.extractOne(text, pool, scorer=OSA.distance, score_cutoff=allowed)
            if best is not None:
                found.append(NameMatch(self._aliases[best[0]], best[0], start, end, False))
                taken.update(range(start, end))
        return found

