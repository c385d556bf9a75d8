"""Reading the knowledge base: the look-ups answers are built from, each one indexed query.

Two kinds of look-up live here. The first functions return ORM entities, for callers that want them
(the CLI, subscriptions). The chat answers use the *Core look-ups* further down instead: statements
built once at import, returning plain frozen rows, several things fetched in one statement where an
answer always needs them together. Through the ORM a look-up cost ~0.2 ms of Python on top of the query itself;
answers run several per question, and on PostgreSQL every statement is also a round trip.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, func, or_, true
from sqlalchemy import select as core_select
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
    document_url: str | None = None
    """The stored document the fact was read from (usually ``source_url`` itself), if any."""


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
        select(Commitment).where(Commitment.plan_id == plan_id).order_by(col(Commitment.number))
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
    return int(session.exec(select(func.count(col(Document.id)))).one())


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


# -- Core look-ups for chat answers ------------------------------------------------------------------
# Plain rows with the fields answers read, built positionally from statements selecting exactly those
# columns in that order (see ``_columns``).


@dataclass(frozen=True, slots=True)
class MemberRow:
    id: int
    name_en: str
    name_es: str | None
    kind: str
    parent_id: int | None
    joined_year: int | None
    status: str
    status_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class PlanRow:
    id: int
    member_id: int
    ordinal: int
    start_year: int | None
    end_year: int | None
    extended_to: date | None
    commitment_count: int | None


@dataclass(frozen=True, slots=True)
class CommitmentRow:
    id: int
    plan_id: int
    number: int
    title: str | None
    completion: str | None
    early_results: str | None
    state: str | None
    state_date: date | None
    state_body: str | None
    state_note: str | None


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document as answers cite it: never its text."""

    id: int
    url: str
    title: str
    kind: str
    period: str | None


@dataclass(frozen=True, slots=True)
class StatusChangeRow:
    status: str
    seen_at: datetime
    effective: str | None  # when it took effect, ISO to the precision the source gives
    source_url: str
    evidence: str


@dataclass(frozen=True)
class MemberProfile:
    """A member with its parent (for locals) and its plans, newest (highest ordinal) first."""

    member: MemberRow
    parent: MemberRow | None
    plans: list[PlanRow]

    def plan(self, ordinal: int | None) -> PlanRow | None:
        """The plan with that ordinal, or the newest plan when no ordinal is asked for."""
        if ordinal is None:
            return self.plans[0] if self.plans else None
        return next((p for p in self.plans if p.ordinal == ordinal), None)


def _table(model: Any) -> Table:
    table: Table = model.__table__  # SQLModel table classes carry their Core table (SQLModel does not declare it)
    return table


_MEMBER, _PARENT = _table(Member), _table(Member).alias("parent")
_PLAN, _COMMITMENT, _TALLY = _table(ActionPlan), _table(Commitment), _table(PlanTally)
_DOCUMENT, _FACT, _STATUS_CHANGE = _table(Document), _table(Fact), _table(MemberStatusChange)


def _columns(table: Any, row_type: type) -> list[Any]:
    return [table.c[f.name] for f in fields(row_type)]


def _row(row_type: type, values: Sequence[Any]) -> Any:
    return row_type(*values)


_MEMBER_COLUMNS = _columns(_MEMBER, MemberRow)
_N_MEMBER = len(_MEMBER_COLUMNS)
_N_PLAN = len(fields(PlanRow))

_PROFILE = (
    core_select(*_MEMBER_COLUMNS, *_columns(_PARENT, MemberRow), *_columns(_PLAN, PlanRow))
    .select_from(
        _MEMBER.outerjoin(_PARENT, _PARENT.c.id == _MEMBER.c.parent_id)
        .outerjoin(_PLAN, _PLAN.c.member_id == _MEMBER.c.id)
    )
    .where(_MEMBER.c.id == bindparam("member_id"))
    .order_by(_PLAN.c.ordinal.desc())
)


def member_profile(session: Session, member_id: int) -> MemberProfile | None:
    """The member, its parent and its plans in one statement (one row per plan)."""
    rows = session.connection().execute(_PROFILE, {"member_id": member_id}).all()
    if not rows:
        return None
    first = rows[0]
    parent = first[_N_MEMBER : 2 * _N_MEMBER]
    plans = [_row(PlanRow, r[2 * _N_MEMBER :]) for r in rows if r[2 * _N_MEMBER] is not None]
    return MemberProfile(_row(MemberRow, first[:_N_MEMBER]),
                         _row(MemberRow, parent) if parent[0] is not None else None, plans)


def _member_list(where: Any, *order: Any) -> Select[Any]:
    """Members with their parent's row (None for countries), one statement for a whole list."""
    return (
        core_select(*_MEMBER_COLUMNS, *_columns(_PARENT, MemberRow))
        .select_from(_MEMBER.outerjoin(_PARENT, _PARENT.c.id == _MEMBER.c.parent_id))
        .where(where).order_by(*order)
    )


_MEMBERS_WITH_STATUS = _member_list(_MEMBER.c.status == bindparam("status"), _MEMBER.c.name_en)
_MEMBERS_IN = _member_list(_MEMBER.c.parent_id == bindparam("parent_id"), _MEMBER.c.name_en)
_ALL_MEMBERS = _member_list(true(), _MEMBER.c.kind, _MEMBER.c.name_en)

MemberListing = list[tuple[MemberRow, MemberRow | None]]
"""(member, its parent) pairs."""


def _listing(session: Session, statement: Select[Any], params: dict[str, Any]) -> MemberListing:
    return [(_row(MemberRow, r[:_N_MEMBER]), _row(MemberRow, r[_N_MEMBER:]) if r[_N_MEMBER] is not None else None)
            for r in session.connection().execute(statement, params)]


def member_rows_with_status(session: Session, status: str) -> MemberListing:
    return _listing(session, _MEMBERS_WITH_STATUS, {"status": status})


def member_rows_in(session: Session, country_id: int) -> MemberListing:
    return _listing(session, _MEMBERS_IN, {"parent_id": country_id})


def all_member_rows(session: Session) -> MemberListing:
    return _listing(session, _ALL_MEMBERS, {})


_STATUS_HISTORY = (
    core_select(*_columns(_STATUS_CHANGE, StatusChangeRow))
    .where(_STATUS_CHANGE.c.member_id == bindparam("member_id"))
    .order_by(_STATUS_CHANGE.c.seen_at, _STATUS_CHANGE.c.id)
)


def status_changes(session: Session, member_id: int) -> list[StatusChangeRow]:
    return [_row(StatusChangeRow, r)
            for r in session.connection().execute(_STATUS_HISTORY, {"member_id": member_id})]


_COMMITMENT_COLUMNS = _columns(_COMMITMENT, CommitmentRow)
_COMMITMENT_BY_NUMBER = core_select(*_COMMITMENT_COLUMNS).where(
    _COMMITMENT.c.plan_id == bindparam("plan_id"), _COMMITMENT.c.number == bindparam("number")
)
_PLAN_COMMITMENTS = (
    core_select(*_COMMITMENT_COLUMNS).where(_COMMITMENT.c.plan_id == bindparam("plan_id"))
    .order_by(_COMMITMENT.c.number)
)


def commitment_row(session: Session, plan_id: int, number: int) -> CommitmentRow | None:
    row = session.connection().execute(_COMMITMENT_BY_NUMBER, {"plan_id": plan_id, "number": number}).first()
    return _row(CommitmentRow, row) if row is not None else None


def commitment_rows(session: Session, plan_id: int) -> list[CommitmentRow]:
    return [_row(CommitmentRow, r) for r in session.connection().execute(_PLAN_COMMITMENTS, {"plan_id": plan_id})]


_TALLIES = core_select(_TALLY.c.dimension, _TALLY.c.level, _TALLY.c.count).where(
    _TALLY.c.plan_id == bindparam("plan_id")
)


def tally_counts(session: Session, plan_id: int) -> dict[str, dict[str, int]]:
    """Like ``tallies``: dimension -> level -> count."""
    result: dict[str, dict[str, int]] = {}
    for dimension, lvl, count in session.connection().execute(_TALLIES, {"plan_id": plan_id}):
        result.setdefault(dimension, {})[lvl] = count
    return result


_LATEST_REPORTS = (
    core_select(*_columns(_DOCUMENT, DocumentRef))
    .where(_DOCUMENT.c.member_id == bindparam("member_id"),
           _DOCUMENT.c.kind.in_(sorted(str(k) for k in IRM_REPORT_KINDS)))
    .order_by(_DOCUMENT.c.period.desc(), _DOCUMENT.c.seen_at.desc())
    .limit(bindparam("limit"))
)


def latest_report_refs(session: Session, member_id: int, limit: int = 5) -> list[DocumentRef]:
    """Like ``latest_reports``, without loading the reports' text."""
    rows = session.connection().execute(_LATEST_REPORTS, {"member_id": member_id, "limit": limit})
    return [_row(DocumentRef, r) for r in rows]


_FACT_COLUMNS = [
    _FACT.c.subject_type, _FACT.c.subject_id, _FACT.c.predicate, _FACT.c.value, _FACT.c.evidence,
    _FACT.c.source_url, _DOCUMENT.c.title, _DOCUMENT.c.kind, _FACT.c.seen_at, _DOCUMENT.c.url,
]
_FACTS_FROM = _FACT.outerjoin(_DOCUMENT, _FACT.c.document_id == _DOCUMENT.c.id)
_FACT_ORDER = [_FACT.c.seen_at.desc(), _FACT.c.id]


def _facts_statement(where: Any) -> Select[Any]:
    return core_select(*_FACT_COLUMNS).select_from(_FACTS_FROM).where(where).order_by(*_FACT_ORDER)


_FACTS_OF_TWO_KINDS = _facts_statement(or_(
    and_(_FACT.c.subject_type == bindparam("type_a"), _FACT.c.subject_id.in_(bindparam("ids_a", expanding=True))),
    and_(_FACT.c.subject_type == bindparam("type_b"), _FACT.c.subject_id.in_(bindparam("ids_b", expanding=True))),
))
_FACTS_OF_TWO_KINDS_WITH = _FACTS_OF_TWO_KINDS.where(_FACT.c.predicate == bindparam("predicate"))
_FACTS_OF_NO_SUBJECT = _facts_statement(
    and_(_FACT.c.subject_type == bindparam("type_a"), _FACT.c.subject_id.is_(None),
         _FACT.c.predicate == bindparam("predicate"))
)

Subject = tuple[str, int]


def facts_of(session: Session, subjects: Sequence[tuple[SubjectType, int]],
             predicate: str | None = None) -> dict[Subject, list[SourcedFact]]:
    """``facts_about`` for several subjects of at most two types in one statement, newest first.

    Returns (subject type, subject id) -> facts; subjects without facts are absent.
    """
    by_type: dict[str, list[int]] = {}
    for subject_type, subject_id in subjects:
        by_type.setdefault(str(subject_type), []).append(subject_id)
    if not by_type:
        return {}
    if len(by_type) > 2:
        raise ValueError("facts_of takes subjects of at most two types")
    (type_a, ids_a), (type_b, ids_b) = [*by_type.items(), ("", [])][:2]
    params: dict[str, Any] = {"type_a": type_a, "ids_a": ids_a, "type_b": type_b or type_a, "ids_b": ids_b}
    statement = _FACTS_OF_TWO_KINDS
    if predicate:
        statement, params["predicate"] = _FACTS_OF_TWO_KINDS_WITH, predicate
    result: dict[Subject, list[SourcedFact]] = {}
    for row in session.connection().execute(statement, params):
        result.setdefault((row[0], row[1]), []).append(_sourced_row(row))
    return result


def facts_without_subject(session: Session, subject_type: SubjectType, predicate: str) -> list[SourcedFact]:
    """Facts about a subject type as a whole (``subject_id`` NULL, e.g. OGP's totals), newest first."""
    rows = session.connection().execute(_FACTS_OF_NO_SUBJECT, {"type_a": str(subject_type), "predicate": predicate})
    return [_sourced_row(row) for row in rows]


def _sourced_row(row: Sequence[Any]) -> SourcedFact:
    subject_type, subject_id, predicate, value, evidence, source_url, title, kind, seen_at, url = row
    return SourcedFact(subject_type, subject_id, predicate, json.loads(value), evidence, source_url, title, kind,
                       seen_at, url)
