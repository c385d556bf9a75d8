"""Answers to open questions ("who leads the coordinating committee in Mexico?", "what is the IRM completion
scale?") and the reasons added to "why did X leave?": quoted sentences from the stored documents.

One to three sentences, each quoted with where and when it was seen. When no stored sentence holds
enough of the question (``bot.retrieval``), the answer says the sources do not say it: never a guess,
never a sentence about another member.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.answer_builder import Builder, asked_member, clip, member_name, the_member
from bot.messages import format_date
from bot.question import Intent, Question
from bot.retrieval import RankedSentence, find
from storage.queries import MemberProfile, MemberRow

MAX_QUOTES = 3


def open_question(b: Builder) -> None:
    """Sentences answering the question; about the member it names, if it names one."""
    subject, profile = "", None
    if b.q.names:
        profile = the_member(b)
        if profile is None:
            return  # it named a place the knowledge base does not know: the_member said so
        subject = member_name(profile.member, b.lang)
    found = _answering(b.session, b.q, profile)
    shown = b.q.text.strip().rstrip("?¿ ").lstrip("¿")
    if not found:
        b.say("open_none_member" if subject else "open_none", question=shown, member=subject)
        return
    b.say("open_head")
    _quote(b, found)


def quoted_sentences(session: Session, question: Question) -> list[RankedSentence]:
    """The sentences the answer to ``question`` quotes (an open question's, or the reasons a "why" adds to
    a member's fact); empty for other questions. ``benchmarks.retrieval`` scores exactly these."""
    profile = asked_member(session, question)
    if question.intent is Intent.OPEN:
        return [] if question.names and profile is None else _answering(session, question, profile)
    if question.asks_why and profile is not None and question.intent in {Intent.MEMBER_EVENT,
                                                                          Intent.MEMBER_STATUS}:
        return reasons(session, question, profile.member, limit=MAX_QUOTES)
    return []


def _answering(session: Session, question: Question, profile: MemberProfile | None) -> list[RankedSentence]:
    """The sentences answering an open question, about ``profile``'s member if it names one."""
    return find(session, question.open_words, member_id=profile.member.id if profile else None,
                member_names=_names(profile.member) if profile else (), why=question.asks_why,
                who=question.wh == "who", predicate=question.predicate, language=question.language,
                limit=MAX_QUOTES)


def _names(member: MemberRow) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in (member.name_en, member.name_es) if n))


def reasons(session: Session, question: Question, member: MemberRow, limit: int = 2) -> list[RankedSentence]:
    """The sentences about ``member`` that give reasons for what ``question`` asks about."""
    return find(session, question.open_words, member_id=member.id, member_names=_names(member),
                reasons_only=True, language=question.language, limit=limit)


def add_reasons(b: Builder, member: MemberRow) -> None:
    """After "why did X leave/join/become inactive?" is answered with the fact: the sentences giving reasons,
    or a plain statement that the sources give none."""
    found = reasons(b.session, b.q, member)
    if not found:
        b.say("reasons_none")
        return
    b.say("reasons_head")
    _quote(b, found)


def _quote(b: Builder, found: list[RankedSentence]) -> None:
    for r in found:
        hit = r.hit
        label = hit.title if hit.title and hit.title != hit.url else hit.url
        b.say("open_quote", sentence=clip(hit.text), source=label, seen=format_date(b.lang, hit.seen_at.date()))
        b.cite(hit.url, hit.title, hit.kind)



