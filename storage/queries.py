"""Reading the knowledge base: the look-ups answers are built from, each one indexed query."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import (
    IRM_REPORT_KINDS,
    ActionPlan,
    Commitment,
    Document,
    Fact,
    Member,
    MemberStatusChange,
    PlanTally,
    SubjectType,
)


@dataclass(frozen=True)
class SourcedFact:
    """A fact as answers show it: the value decoded, with its source and supporting sentence."""

    subject_type: str
    subject_id: int | None
    predicate: str
    value: Any
    evidence: str
    source_url: str
    source_title: str | None
    source_kind: str | None
    seen_at: datetime


def facts_about(session: Session, subject_type: SubjectType, subject_id: int | None,
                predicate: str | None = None) -> list[SourcedFact]:
    query = (
        select(Fact, Document.title, Document.kind)
        .join(Document, col(Fact.document_id) == Document.id, isouter=True)
        .where(Fact.subject_type == subject_type, Fact.subject_id == subject_id)
        .order_by(col(Fact.seen_at).desc(), col(Fact.id))
    )
    if predicate:
        query = query.where(Fact.predicate == predicate)
    return [_sourced(fact, title, kind) for fact, title, kind in session.exec(query).all()]


def facts_about_many(session: Session, subject_type: SubjectType, subject_ids: list[int],
                     predicate: str) -> dict[int, list[SourcedFact]]:
    """``facts_about`` for many subjects in one query, by subject id (lists of members)."""
    if not subject_ids:
        return {}
    query = (
        select(Fact, Document.title, Document.kind)
        .join(Document, col(Fact.document_id) == Document.id, isouter=True)
        .where(Fact.subject_type == subject_type, col(Fact.subject_id).in_(subject_ids),
               Fact.predicate == predicate)
        .order_by(col(Fact.seen_at).desc(), col(Fact.id))
    )
    result: dict[int, list[SourcedFact]] = {}
    for fact, title, kind in session.exec(query).all():
        result.setdefault(fact.subject_id or 0, []).append(_sourced(fact, title, kind))
    return result


def members_by_id(session: Session, ids: set[int]) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in session.exec(select(Member).where(col(Member.id).in_(ids))).all() if m.id}


def _sourced(fact: Fact, title: str | None, kind: str | None) -> SourcedFact:
    return SourcedFact(fact.subject_type, fact.subject_id, fact.predicate, json.loads(fact.value),
                       fact.evidence, fact.source_url, title, kind, fact.seen_at)


def member(session: Session, member_id: int) -> Member | None:
    return session.get(Member, member_id)


def members_in(session: Session, country_id: int) -> list[Member]:
    return list(session.exec(select(Member).where(Member.parent_id == country_id).order_by(Member.name_en)).all())


def members_with_status(session: Session, status: str) -> list[Member]:
    return list(session.exec(select(Member).where(Member.status == status).order_by(Member.name_en)).all())


def all_members(session: Session) -> list[Member]:
    return list(session.exec(select(Member).order_by(Member.kind, Member.name_en)).all())


def status_history(session: Session, member_id: int) -> list[MemberStatusChange]:
    return list(session.exec(
        select(MemberStatusChange).where(MemberStatusChange.member_id == member_id)
        .order_by(col(MemberStatusChange.seen_at), col(MemberStatusChange.id))
    ).all())


def plans_of(session: Session, member_id: int) -> list[ActionPlan]:
    """A member's plans, newest (highest ordinal) first."""
    return list(session.exec(
        select(ActionPlan).where(ActionPlan.member_id == member_id).order_by(col(ActionPlan.ordinal).desc())
    ).all())


def plan(session: Session, member_id: int, ordinal: int | None) -> ActionPlan | None:
    """The member's plan with that ordinal, or its newest plan when no ordinal is asked for."""
    plans = plans_of(session, member_id)
    if ordinal is None:
        return plans[0] if plans else None
    return next((p for p in plans if p.ordinal == ordinal), None)


def tallies(session: Session, plan_id: int) -> dict[str, dict[str, int]]:
    rows = session.exec(select(PlanTally).where(PlanTally.plan_id == plan_id)).all()
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        result.setdefault(row.dimension, {})[row.level] = row.count
    return result


def commitment(session: Session, plan_id: int, number: int) -> Commitment | None:
    return session.exec(
        select(Commitment).where(Commitment.plan_id == plan_id, Commitment.number == number)
    ).first()


def commitments(session: Session, plan_id: int) -> list[Commitment]:
    return list(session.exec(
        select(Commitment).where(Commitment.plan_id == plan_id).order_by(Commitment.number)
    ).all())


def plan_sources(session: Session, plan_id: int) -> list[Document]:
    """The documents that facts about this plan came from."""
    ids = select(Fact.document_id).where(Fact.subject_type == SubjectType.PLAN, Fact.subject_id == plan_id)
    return list(session.exec(select(Document).where(col(Document.id).in_(ids))).all())


def latest_reports(session: Session, member_id: int, limit: int = 5) -> list[Document]:
    return list(session.exec(
        select(Document)
        .where(Document.member_id == member_id, col(Document.kind).in_([str(k) for k in IRM_REPORT_KINDS]))
        .order_by(col(Document.period).desc(), col(Document.seen_at).desc())
        .limit(limit)
    ).all())


def document_count(session: Session) -> int:
    return int(session.exec(select(func.count(Document.id))).one())


def document(session: Session, document_id: int) -> Document | None:
    return session.get(Document, document_id)


def all_facts(session: Session, limit: int | None = None) -> list[SourcedFact]:
    query = (
        select(Fact, Document.title, Document.kind)
        .join(Document, col(Fact.document_id) == Document.id, isouter=True)
        .order_by(col(Fact.id))
    )
    if limit:
        query = query.limit(limit)
    return [_sourced(fact, title, kind) for fact, title, kind in session.exec(query).all()]
