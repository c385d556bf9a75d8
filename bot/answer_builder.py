"""What every answer is made of: its lines, the facts it used and the sources it cites.

Handlers (``bot.answers``, ``bot.member_answers``) add lines to a ``Builder``; the builder ends the answer
with its sources, so an answer can never quote a fact without saying where it was seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot import messages
from bot.messages import say
from bot.question import Question
from storage import queries
from storage.names import country_names
from storage.queries import DocumentRef, MemberProfile, MemberRow, SourcedFact

MAX_EVIDENCE_CHARS = 320
MAX_LISTED = 30


@dataclass(frozen=True)
class Source:
    label: str
    url: str


@dataclass
class Answer:
    text: str
    language: str
    intent: str
    facts: list[SourcedFact] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "language": self.language,
            "intent": self.intent,
            "facts": [
                {"subject": f.subject_type, "predicate": f.predicate, "value": f.value, "evidence": f.evidence,
                 "source_url": f.source_url, "seen_at": f.seen_at.isoformat()}
                for f in self.facts
            ],
            "sources": [s.url for s in self.sources],
        }


class Builder:
    """Collects lines, facts and sources while an answer is composed."""

    def __init__(self, session: Session, question: Question,
                 document_count: Callable[[Session], int] | None = None) -> None:
        self.session = session
        self.q = question
        self.document_count = document_count
        self.lang = question.language
        self.lines: list[str] = []
        self.facts: list[SourcedFact] = []
        self.sources: dict[str, Source] = {}

    def say(self, key: str, **values: object) -> None:
        self.lines.append(say(self.lang, key, **values))

    def use(self, facts: list[SourcedFact], quote: bool = False, focus: str | None = None) -> None:
        for fact in facts:
            self.facts.append(fact)
            self.cite(fact.source_url, fact.source_title, fact.source_kind)
            if quote:
                self.say("evidence", sentence=clip(fact.evidence, focus))

    def cite(self, url: str, title: str | None, kind: str | None = None) -> None:
        if url not in self.sources:
            prefix = messages.REPORT_KINDS[self.lang].get(kind or "", "")
            label = f"{prefix} “{title}”".strip() if title and title != url else url
            self.sources[url] = Source(label, url)

    def cite_document(self, document: DocumentRef) -> None:
        self.cite(document.url, document.title, document.kind)

    def answer(self) -> Answer:
        lines = list(self.lines)
        sources = list(self.sources.values())
        if len(sources) == 1:
            source = sources[0]
            if source.label == source.url:  # a page known by its address only
                lines.append(say(self.lang, "source_url", url=source.url))
            else:
                lines.append(say(self.lang, "source", label=source.label, url=source.url))
        elif sources:
            lines.append(say(self.lang, "sources"))
            lines += [f"• {s.url}" if s.label == s.url else f"• {s.label}, {s.url}" for s in sources]
        return Answer("\n".join(lines), self.lang, str(self.q.intent), self.facts, sources)


def clip(text: str, focus: str | None = None) -> str:
    """The sentence, or the part of a long one around ``focus`` (the words the answer is about)."""
    text = " ".join(text.split())
    if len(text) <= MAX_EVIDENCE_CHARS:
        return text
    at = text.find(focus) if focus else -1
    if at < 0 or at + len(focus or "") < MAX_EVIDENCE_CHARS - 20:
        return text[: MAX_EVIDENCE_CHARS - 1].rstrip() + "…"
    start = max(0, min(at - MAX_EVIDENCE_CHARS // 2, len(text) - MAX_EVIDENCE_CHARS))
    window = text[start : start + MAX_EVIDENCE_CHARS].strip()
    return ("…" if start > 0 else "") + window + ("…" if start + MAX_EVIDENCE_CHARS < len(text) else "")


def member_name(member: MemberRow, language: str) -> str:
    return (member.name_es or member.name_en) if language == "es" else member.name_en



def asked_member(session: Session, question: Question) -> MemberProfile | None:
    """The member a question names; with "Mexico ... Mexico City", the more specific (local) one."""
    return named_member(session, question.member_ids)


def named_member(session: Session, ids: list[int]) -> MemberProfile | None:
    """Of the members a text names, the one it is about: with "Mexico ... Mexico City", the more specific
    (local) one."""
    if not ids:
        return None
    profile = queries.member_profile(session, ids[0])
    if len(ids) > 1 and profile is not None and profile.member.kind == "country":
        profile = queries.member_profile(session, ids[-1])
    return profile


def the_member(b: Builder) -> MemberProfile | None:
    """The member asked about (with its parent and plans); says what is missing and returns None when
    there is none."""
    if b.q.member_ids:
        return asked_member(b.session, b.q)
    if b.q.unknown_places:
        place = b.q.unknown_places[0]
        names = country_names(place)
        b.say("no_data", name=(names[1] if b.lang == "es" else names[0]) if names else place)
    else:
        b.say("which_member")
    return None
