"""What an export contains: for each kind (members, commitments, events, sources) its columns, in a fixed
order that is part of the documented format (docs/data-exchange.md), and its rows read from the database.

Rows are read in batches by key ("keyset" paging: ``WHERE key > last ORDER BY key LIMIT n``), never all at
once and without holding a cursor open, so a table of any size exports in bounded memory on SQLite and
PostgreSQL alike. Each batch fetches the provenance of its rows (the newest fact that supports them) in one
further query.

A row is a ``dict`` of plain values (text, numbers, booleans, dates, and for events a ``dict`` of details);
turning them into CSV or JSON is ``storage.exchange.formats``' job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import tuple_
from sqlmodel import Session, col, select

from storage.events import payload
from storage.exchange.kinds import ExportKind as ExportKind  # re-exported
from storage.models import ActionPlan, Commitment, Event, Fact, Member, Source, SubjectType

BATCH_SIZE = 500

Row = dict[str, Any]


PROVENANCE = ("source_url", "evidence", "seen_at")
"""Where a row's facts were read: the page, the sentence that says it, and when it was last seen there."""

MEMBER_COLUMNS = ("id", "slug", "name_en", "name_es", "kind", "country_slug", "joined_year", "status",
                  *PROVENANCE, "joined_source_url", "joined_evidence")
COMMITMENT_COLUMNS = ("member", "member_slug", "plan", "number", "title", "completion", "early_results", "state",
                      "state_body", "state_date", "state_note", *PROVENANCE)
EVENT_COLUMNS = ("id", "kind", "title", "member", "member_slug", "source_id", "baseline", *PROVENANCE, "details")
SOURCE_COLUMNS = ("id", "url", "kind", "label", "interval_seconds", "enabled", "added_by", "created_at",
                  "last_checked_at", "last_status", "last_http_status", "consecutive_failures", "failing_since",
                  "last_error", "next_check_at")

COMMITMENT_EVIDENCE_PREDICATES = ("mentioned", "completion", "early_results", "state", "decision_record")
"""Facts that can stand as a commitment's provenance, the most telling first ("mentioned" quotes its title)."""


@dataclass(frozen=True)
class ExportTable:
    kind: ExportKind
    columns: tuple[str, ...]
    rows: Callable[[Session], Iterator[Row]]


def table(kind: ExportKind | str) -> ExportTable:
    return TABLES[ExportKind(kind)]


# -- paging ------------------------------------------------------------------------------------------------


def _pages(session: Session, statement: Any, key_columns: Sequence[Any], key_of: Callable[[Any], tuple[Any, ...]],
           ) -> Iterator[Sequence[Any]]:
    """``statement``'s results in batches, ordered by ``key_columns`` (which must identify a row)."""
    last: tuple[Any, ...] | None = None
    key = key_columns[0] if len(key_columns) == 1 else tuple_(*key_columns)
    while True:
        query = statement.order_by(*key_columns).limit(BATCH_SIZE)
        if last is not None:
            query = query.where(key > (last[0] if len(key_columns) == 1 else tuple_(*last)))
        batch = session.exec(query).all()
        if not batch:
            return
        yield batch
        if len(batch) < BATCH_SIZE:
            return
        last = key_of(batch[-1])


def _facts(session: Session, subject_type: SubjectType, ids: list[int], predicates: Sequence[str]
           ) -> dict[int, list[Fact]]:
    """The facts about the given subjects, newest first, by subject id."""
    found: dict[int, list[Fact]] = {}
    if not ids:
        return found
    query = (select(Fact).where(Fact.subject_type == subject_type, col(Fact.subject_id).in_(ids),
                                col(Fact.predicate).in_(list(predicates)))
             .order_by(col(Fact.seen_at).desc(), col(Fact.id).desc()))
    for fact in session.exec(query):
        found.setdefault(fact.subject_id or 0, []).append(fact)
    return found


def _provenance(fact: Fact | None, prefix: str = "") -> Row:
    if fact is None:
        return {f"{prefix}source_url": None, f"{prefix}evidence": None, **({} if prefix else {"seen_at": None})}
    row: Row = {f"{prefix}source_url": fact.source_url, f"{prefix}evidence": fact.evidence}
    if not prefix:
        row["seen_at"] = fact.seen_at
    return row


# -- the tables ---------------------------------------------------------------------------------------------


def member_rows(session: Session) -> Iterator[Row]:
    for batch in _pages(session, select(Member), [col(Member.id)], lambda m: (m.id,)):
        ids = [m.id for m in batch if m.id is not None]
        parents = {m.id: m.slug for m in batch}
        missing = {m.parent_id for m in batch if m.parent_id is not None and m.parent_id not in parents}
        if missing:
            parents.update(session.exec(select(Member.id, Member.slug).where(col(Member.id).in_(missing))).all())
        facts = _facts(session, SubjectType.MEMBER, ids, ("status", "joined"))
        for member in batch:
            about = facts.get(member.id or 0, [])
            status = next((f for f in about if f.predicate == "status" and json.loads(f.value) == member.status),
                          None)
            joined = next((f for f in about if f.predicate == "joined" and json.loads(f.value) == member.joined_year),
                          None)
            yield {
                "id": member.id, "slug": member.slug, "name_en": member.name_en, "name_es": member.name_es,
                "kind": member.kind, "country_slug": parents.get(member.parent_id) if member.parent_id else None,
                "joined_year": member.joined_year, "status": member.status, **_provenance(status),
                **_provenance(joined, "joined_"),
            }


def commitment_rows(session: Session) -> Iterator[Row]:
    """By member (slug), plan and number: the order a reader of the file expects."""
    statement = (select(Commitment, ActionPlan.ordinal, Member.name_en, Member.slug)
                 .join(ActionPlan, col(Commitment.plan_id) == col(ActionPlan.id))
                 .join(Member, col(ActionPlan.member_id) == col(Member.id)))
    keys = [col(Member.slug), col(ActionPlan.ordinal), col(Commitment.number)]
    for batch in _pages(session, statement, keys, lambda row: (row[3], row[1], row[0].number)):
        ids = [commitment.id for commitment, *_ in batch if commitment.id is not None]
        facts = _facts(session, SubjectType.COMMITMENT, ids, COMMITMENT_EVIDENCE_PREDICATES)
        for commitment, ordinal, member_name, member_slug in batch:
            about = facts.get(commitment.id or 0, [])
            best = min(about, key=lambda f: COMMITMENT_EVIDENCE_PREDICATES.index(f.predicate), default=None)
            yield {
                "member": member_name, "member_slug": member_slug, "plan": ordinal, "number": commitment.number,
                "title": commitment.title, "completion": commitment.completion,
                "early_results": commitment.early_results, "state": commitment.state,
                "state_body": commitment.state_body, "state_date": commitment.state_date,
                "state_note": commitment.state_note, **_provenance(best),
            }


def event_rows(session: Session) -> Iterator[Row]:
    statement = select(Event, Member.name_en, Member.slug).join(Member, col(Event.member_id) == col(Member.id),
                                                               isouter=True)
    for batch in _pages(session, statement, [col(Event.id)], lambda row: (row[0].id,)):
        for event, member_name, member_slug in batch:
            yield {
                "id": event.id, "kind": event.kind, "title": event.title, "member": member_name,
                "member_slug": member_slug, "source_id": event.source_id, "baseline": event.baseline,
                "source_url": event.url, "evidence": event.evidence, "seen_at": event.created_at,
                "details": payload(event),
            }


def source_rows(session: Session) -> Iterator[Row]:
    for batch in _pages(session, select(Source), [col(Source.id)], lambda s: (s.id,)):
        for source in batch:
            yield {column: getattr(source, column) for column in SOURCE_COLUMNS}


TABLES: dict[ExportKind, ExportTable] = {
    ExportKind.MEMBERS: ExportTable(ExportKind.MEMBERS, MEMBER_COLUMNS, member_rows),
    ExportKind.COMMITMENTS: ExportTable(ExportKind.COMMITMENTS, COMMITMENT_COLUMNS, commitment_rows),
    ExportKind.EVENTS: ExportTable(ExportKind.EVENTS, EVENT_COLUMNS, event_rows),
    ExportKind.SOURCES: ExportTable(ExportKind.SOURCES, SOURCE_COLUMNS, source_rows),
}
