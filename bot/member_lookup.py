"""The member a command argument names ("/chart CDMX") or an answer is about, with the same name matching
(aliases, accents optional, small typos) as questions.

A command argument must be a name and little else: "/subscribe Mexico trusts" is not a subscription to
Mexico. An answer's member is chosen as the answers choose it, so a button under an answer about Mexico
City never offers Mexico.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from bot.answer_builder import named_member
from bot.answers import Answer
from bot.engine import clean_input
from bot.member_index import MemberIndex
from storage import queries
from storage.names import country_names, normalize
from storage.queries import MemberProfile

MAX_ARGUMENT_CHARS = 200

FILLER_WORDS = frozenset({"to", "a", "the", "of", "for", "about", "on", "de", "del", "la", "el", "los", "las", "al",
                          "sobre", "member", "miembro", "ogp", "aga"})
"""Words an argument may have around a name: "/subscribe to Mexico", "/chart de la CDMX"."""

MEMBER_INTENTS = frozenset({"commitment_status", "commitments_by_state", "plan_summary", "member_status",
                            "members_in", "latest_reports"})
"""Answers about one member, under which a chat can follow it or see its commitments."""


@dataclass(frozen=True)
class UnknownPlace:
    """A country the sources have no data on ("Brazil"): the reply names it in the chat's language."""

    name_en: str
    name_es: str

    def name(self, language: str) -> str:
        return self.name_es if language == "es" else self.name_en


def clean_argument(text: str) -> str:
    """The argument as the user meant it: invisible formatting characters (zero-width spaces, direction
    marks) dropped, control characters and runs of spaces made one space, capped in length."""
    kept = []
    for ch in text[: MAX_ARGUMENT_CHARS * 4]:
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        kept.append(" " if category[0] in {"C", "Z"} else ch)
    return " ".join("".join(kept).split())[:MAX_ARGUMENT_CHARS]


class Named(Protocol):
    """A member as a row or an entity: anything with its English and Spanish names."""

    @property
    def name_en(self) -> str: ...

    @property
    def name_es(self) -> str | None: ...


def member_name(member: Named, language: str) -> str:
    return (member.name_es or member.name_en) if language == "es" else member.name_en


def lookup_member(session: Session, index: MemberIndex, argument: str) -> MemberProfile | UnknownPlace | None:
    """The member the argument names; an UnknownPlace for a country without data; None for anything else."""
    tokens = normalize(argument).split()
    if not tokens:
        return None
    index.refresh(session)
    matches = index.find(tokens)
    covered = {i for match in matches for i in range(match.start, match.end)}
    if len(matches) != 1 or any(t not in FILLER_WORDS for i, t in enumerate(tokens) if i not in covered):
        return None
    match = matches[0]
    if match.member_id is None:
        names = country_names(match.name)
        return UnknownPlace(*names) if names else UnknownPlace(match.name, match.name)
    return queries.member_profile(session, match.member_id)


def answer_member(session: Session, index: MemberIndex, question: str, answer: Answer) -> MemberProfile | None:
    """The member an answer is about, or None when the answer is not about one member."""
    if answer.intent not in MEMBER_INTENTS:
        return None
    tokens = normalize(clean_input(question)).split()
    index.refresh(session)
    ids = [match.member_id for match in index.find(tokens) if match.member_id is not None]
    return named_member(session, ids)  # as the answers choose it
