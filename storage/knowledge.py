"""Writing to the knowledge base: the only place that creates members, plans, commitments, documents and
facts, so that every write keeps the rules the readers rely on (aliases unique, status history kept,
facts deduplicated, vocabularies checked).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from storage.models import (
    ActionPlan,
    Commitment,
    CommitmentState,
    Completion,
    Document,
    DocumentKind,
    EarlyResults,
    Fact,
    Member,
    MemberAlias,
    MemberKind,
    MemberStatus,
    MemberStatusChange,
    PlanTally,
    SubjectType,
    utcnow,
)
from storage.names import country_names, name_variants, normalize, slugify

TALLY_LEVELS: dict[str, frozenset[str]] = {
    "completion": frozenset(Completion),
    "early_results": frozenset(EarlyResults),
}


def find_member(session: Session, name: str) -> Member | None:
    key = normalize(name)
    if not key:
        return None
    alias = session.exec(select(MemberAlias).where(MemberAlias.normalized == key)).first()
    return session.get(Member, alias.member_id) if alias else None


def add_alias(session: Session, member: Member, alias: str, language: str | None = None) -> bool:
    """Give ``member`` another name; a name already taken by another member is left to it."""
    key = normalize(alias)
    if not key:
        return False
    existing = session.exec(select(MemberAlias).where(MemberAlias.normalized == key)).first()
    if existing:
        return existing.member_id == member.id
    assert member.id is not None
    session.add(MemberAlias(member_id=member.id, alias=alias, normalized=key, language=language))
    session.flush()
    return True


def ensure_member(
    session: Session,
    name: str,
    *,
    kind: str | None = None,
    parent: Member | None = None,
) -> Member:
    """The member called ``name`` (by any alias), created with its usual aliases if it is new."""
    member = find_member(session, name)
    if member is None:
        variants = name_variants(name)
        country = country_names(name)
        name_en, name_es = country or (
            next((alias for alias, lang in variants if lang == "en"), name),
            next((alias for alias, lang in variants if lang == "es"), None),
        )
        member = Member(
            slug=_free_slug(session, name_en),
            name_en=name_en,
            name_es=name_es,
            kind=MemberKind(kind) if kind else (MemberKind.LOCAL if parent else MemberKind.COUNTRY),
            parent_id=parent.id if parent else None,
        )
        session.add(member)
        session.flush()
        for alias, language in variants:
            add_alias(session, member, alias, language)
    else:
        if kind and member.kind != kind:
            member.kind = MemberKind(kind)
        if parent and member.parent_id is None and parent.id != member.id:
            member.parent_id = parent.id
        session.add(member)
    return member


def _free_slug(session: Session, name: str) -> str:
    base = slugify(name) or "member"
    slug, n = base, 2
    while session.exec(select(Member.id).where(Member.slug == slug)).first() is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def set_member_status(
    session: Session,
    member: Member,
    status: str,
    *,
    source_url: str,
    evidence: str,
    seen_at: datetime | None = None,
    effective: str | None = None,
) -> MemberStatusChange | None:
    """Record ``status`` and, when it differs from what was known, a row of history. Returns that row."""
    new = MemberStatus(status)
    seen = seen_at or utcnow()
    if member.id is not None:
        # Two checks seeing the same withdrawal at once: the second waits here (PostgreSQL row lock), then
        # reads the status the first wrote, and records no second history row.
        session.refresh(member, with_for_update=True)
    if member.status == new:
        return None
    if member.id is None:  # its history row needs the member's id: add and flush a new member first
        raise ValueError(f"member {member.name_en!r} is not stored yet")
    change = MemberStatusChange(
        member_id=member.id,
        previous_status=member.status,
        status=new,
        effective=effective,
        seen_at=seen,
        source_url=source_url,
        evidence=evidence,
    )
    member.status = new
    member.status_seen_at = seen
    session.add(member)
    session.add(change)
    session.flush()
    return change


def ensure_plan(session: Session, member: Member, ordinal: int) -> ActionPlan:
    plan = session.exec(
        select(ActionPlan).where(ActionPlan.member_id == member.id, ActionPlan.ordinal == ordinal)
    ).first()
    if plan is None:
        assert member.id is not None
        plan = ActionPlan(member_id=member.id, ordinal=ordinal)
        session.add(plan)
        session.flush()
    return plan


def set_tally(session: Session, plan: ActionPlan, dimension: str, level: str, count: int) -> None:
    if level not in TALLY_LEVELS.get(dimension, frozenset()):
        raise ValueError(f"unknown {dimension!r} level {level!r}")
    row = session.exec(
        select(PlanTally).where(
            PlanTally.plan_id == plan.id, PlanTally.dimension == dimension, PlanTally.level == level
        )
    ).first()
    if row is None:
        assert plan.id is not None
        row = PlanTally(plan_id=plan.id, dimension=dimension, level=level, count=count)
    row.count = count
    session.add(row)


def ensure_commitment(session: Session, plan: ActionPlan, number: int) -> Commitment:
    commitment = session.exec(
        select(Commitment).where(Commitment.plan_id == plan.id, Commitment.number == number)
    ).first()
    if commitment is None:
        assert plan.id is not None
        commitment = Commitment(plan_id=plan.id, number=number)
        session.add(commitment)
        session.flush()
    return commitment


def set_commitment_state(commitment: Commitment, state: str) -> None:
    commitment.state = CommitmentState(state)


def set_commitment_early_results(commitment: Commitment, level: str) -> None:
    commitment.early_results = EarlyResults(level)


def upsert_document(
    session: Session,
    *,
    url: str,
    title: str,
    kind: str,
    text: str,
    member: Member | None = None,
    period: str | None = None,
    is_draft: bool = False,
    seen_at: datetime | None = None,
) -> Document:
    """Store a page by its URL; seeing it again updates it in place (its text may have changed)."""
    seen = seen_at or utcnow()
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    document = session.exec(select(Document).where(Document.url == url)).first()
    if document is None:
        document = Document(url=url, title=title, kind=DocumentKind(kind), text=text, first_seen_at=seen)
    document.title = title[:500]
    document.kind = DocumentKind(kind)
    document.text = text
    document.member_id = member.id if member else document.member_id
    document.period = period or document.period
    document.is_draft = is_draft
    document.content_hash = content_hash
    document.seen_at = seen
    session.add(document)
    session.flush()
    return document


def record_fact(
    session: Session,
    *,
    subject_type: SubjectType,
    subject_id: int | None,
    predicate: str,
    value: Any,
    source_url: str,
    evidence: str,
    document: Document | None = None,
    seen_at: datetime | None = None,
) -> Fact:
    """Store one sourced statement; the same statement from the same source only refreshes ``seen_at``."""
    seen = seen_at or utcnow()
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    key = hashlib.sha256(
        json.dumps([str(subject_type), subject_id, predicate, encoded, source_url]).encode("utf-8")
    ).hexdigest()
    fact = session.exec(select(Fact).where(Fact.key == key)).first()
    if fact is None:
        fact = Fact(
            key=key,
            subject_type=SubjectType(subject_type),
            subject_id=subject_id,
            predicate=predicate,
            value=encoded,
            source_url=source_url,
            evidence=evidence,
            document_id=document.id if document else None,
            first_seen_at=seen,
        )
    fact.seen_at = max(seen, fact.seen_at) if fact.id else seen
    fact.evidence = evidence
    session.add(fact)
    session.flush()
    return fact
