"""Event detection: what a page changed in the knowledge base, turned into events with stable keys.

It runs right after ``jobs.ingest`` in the same transaction and looks only at what ingest reports as
changed, so a page seen again, or a fact the knowledge base already held, proposes nothing. The keys name
the change itself (member, report kind and period, commitment and state), never the page or the check,
which is what lets ``storage.events.record_events`` keep each one to a single event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, func, select

from jobs.analysis.findings import JoinedFinding, PageAnalysis, ReportFinding
from storage.events import NewEvent
from storage.models import EventKind, Member, MemberStatus, MemberStatusChange, Source

if TYPE_CHECKING:  # ingest (and the sentence index behind it) is not needed to tell that a source is failing
    from jobs.ingest import IngestResult

STATUS_EVENT_KINDS = {
    MemberStatus.WITHDRAWN: EventKind.MEMBER_WITHDRAWN,
    MemberStatus.INACTIVE: EventKind.MEMBER_INACTIVE,
}

RECENT_JOIN_YEARS = 1
"""A member that joined this year or last is news; one that joined in 2016 is merely new to us."""


def detect(
    session: Session,
    analysis: PageAnalysis,
    result: IngestResult,
    *,
    source_id: int | None = None,
    baseline: bool = False,
) -> list[NewEvent]:
    found: list[NewEvent] = []

    def event(key: str, kind: EventKind, title: str, evidence: str, member: Member | None, url: str | None = None,
              **payload: object) -> None:
        if member is not None:
            payload |= {"member": member.slug, "member_name": member.name_en, "member_name_es": member.name_es,
                        "member_kind": member.kind}
            parent = session.get(Member, member.parent_id) if member.parent_id else None
            if parent is not None:  # a local member's country, so the alert can say "Mexico City, Mexico"
                payload |= {"member_country": parent.name_en, "member_country_es": parent.name_es}
        if url and url != analysis.url:  # read on an index: the entry's page is the source, the index lists it
            payload |= {"listed_by": analysis.url}
        found.append(NewEvent(key=key, kind=kind, title=title, url=url or analysis.url, evidence=evidence,
                              member_id=member.id if member else None, source_id=source_id,
                              payload=payload, baseline=baseline))

    reports = analysis.of_type(ReportFinding)
    if result.document_created and reports and analysis.kind.is_irm_report:
        report, member = reports[0], result.member
        subject = member.slug if member else analysis.url
        event(f"report:{subject}:{report.kind}:{report.period or '-'}", EventKind.NEW_REPORT,
              f"New IRM report: {analysis.title or analysis.url}", report.evidence, member,
              report_kind=str(report.kind), period=report.period, is_draft=report.is_draft,
              document_title=analysis.title)

    for listed in result.listed_reports:
        if not listed.created:
            continue  # known before, from this index or from its own page: the same report, not a new one
        report, member = listed.finding, listed.member
        found.append(NewEvent(
            key=f"report:{member.slug}:{report.kind}:{report.period or '-'}", kind=EventKind.NEW_REPORT,
            title=f"New IRM report: {report.evidence}", url=listed.document.url, evidence=report.evidence,
            member_id=member.id, source_id=source_id, baseline=baseline,
            payload={"member": member.slug, "member_name": member.name_en, "member_name_es": member.name_es,
                     "member_kind": member.kind, "report_kind": str(report.kind), "period": report.period,
                     "is_draft": report.is_draft, "document_title": report.evidence,
                     "listed_by": analysis.url, "summary": report.summary},
        ))

    members = {m.id: m for m in result.members_created}
    for change in result.status_changes:
        member = members.get(change.member_id) or session.get(Member, change.member_id)
        if member is None:
            continue
        if change.status == MemberStatus.ACTIVE and change.previous_status in {None, MemberStatus.UNKNOWN}:
            continue  # learning that a member is active (a page listing continuing members) is not a change
        kind = STATUS_EVENT_KINDS.get(MemberStatus(change.status), EventKind.MEMBER_STATUS)
        nth = _times_status_reached(session, change)
        event(f"status:{member.slug}:{change.status}:{nth}", kind, _status_title(member, change), change.evidence,
              member, change.source_url, previous=change.previous_status, status=change.status,
              effective=change.effective, joined_year=member.joined_year)

    for joined in analysis.of_type(JoinedFinding):
        # Only a member this page brought into the knowledge base: one known before is not newly joined.
        member = next((m for m in result.members_created if joined.member in {m.name_en, m.name_es}), None)
        if member is None:
            continue
        if joined.year < result.seen_at.year - RECENT_JOIN_YEARS:
            continue
        event(f"member:{member.slug}", EventKind.NEW_MEMBER, f"{member.name_en} joined OGP ({joined.year})",
              joined.evidence, member, joined_year=joined.year)

    for moved in result.commitment_changes:
        plan, commitment = moved.plan, moved.commitment
        event(f"commitment:{moved.member.slug}:{plan.ordinal}:{commitment.number}:{moved.state}",
              EventKind.COMMITMENT_STATE,
              f"{moved.member.name_en}, action plan {plan.ordinal}, commitment {commitment.number}: {moved.state}",
              moved.evidence, moved.member, plan=plan.ordinal, commitment=commitment.number,
              commitment_title=commitment.title, previous=moved.previous, state=moved.state)
    return found


def source_failure(source: Source, *, threshold: int) -> NewEvent | None:
    """An event for admins once a source has failed ``threshold`` times in a row; one per failing spell."""
    if source.consecutive_failures < threshold or source.failing_since is None:
        return None
    return NewEvent(
        key=f"source_failure:{source.id}:{source.failing_since:%Y%m%dT%H%M%S}",
        kind=EventKind.SOURCE_FAILURE,
        title=f"Source {source.id} ({source.label}) has failed {source.consecutive_failures} checks in a row",
        url=source.url,
        evidence=source.last_error or "",
        source_id=source.id,
        payload={"failures": source.consecutive_failures, "since": source.failing_since.isoformat(),
                 "error": source.last_error},
    )


def _times_status_reached(session: Session, change: MemberStatusChange) -> int:
    """How many times the member has now reached this status: 1 for a first withdrawal, 2 if it rejoined and
    left again. Two checks seeing the same change count the same, so they propose the same key."""
    query = select(func.count()).where(
        col(MemberStatusChange.member_id) == change.member_id,
        col(MemberStatusChange.status) == change.status,
    )
    return int(session.exec(query).one())


def _status_title(member: Member, change: MemberStatusChange) -> str:
    if change.status == MemberStatus.WITHDRAWN:
        return f"{member.name_en} withdrew from OGP"
    if change.status == MemberStatus.INACTIVE:
        return f"{member.name_en} was designated inactive in OGP"
    was = f" (was {change.previous_status})" if change.previous_status else ""
    return f"{member.name_en}: OGP status now {change.status}{was}"
