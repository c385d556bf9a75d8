"""Storing what a page said: findings from page analysis become members, plans, commitments and facts.

This is the step between "analyse" and "detect": it takes plain findings, resolves the names in them to
members, writes through ``storage.knowledge`` and returns what changed, so that event detection can look
at the changes without reading pages again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from jobs.analysis.findings import (
    CommitmentDecisionFinding,
    CommitmentFinding,
    CommitmentResultFinding,
    CommitmentStateFinding,
    CommitmentTotalFinding,
    ExtensionFinding,
    JoinedFinding,
    MembershipFinding,
    NamedCommitmentFinding,
    PageAnalysis,
    PlanOrdinalFinding,
    ReportFinding,
    TallyFinding,
    TotalsFinding,
)
from jobs.sentence_index import index_document
from storage import knowledge
from storage.models import (
    ActionPlan,
    Commitment,
    Document,
    DocumentKind,
    Member,
    MemberKind,
    MemberStatusChange,
    SubjectType,
    utcnow,
)
from storage.names import country_names


@dataclass(frozen=True)
class CommitmentChange:
    """A commitment whose active/inactive state this page changed (``previous`` None: not known before)."""

    member: Member
    plan: ActionPlan
    commitment: Commitment
    previous: str | None
    state: str
    evidence: str


@dataclass(frozen=True)
class ListedReport:
    """An IRM report an index page names, stored under the report's own URL (``created``: first seen now)."""

    document: Document
    member: Member
    finding: ReportFinding
    created: bool


@dataclass
class IngestResult:
    """What one page added or changed in the knowledge base."""

    document: Document | None  # None for an index page (a listing, a feed): only what it lists is stored
    seen_at: datetime
    document_created: bool = False
    member: Member | None = None  # the member an IRM report is about
    facts_recorded: int = 0
    status_changes: list[MemberStatusChange] = field(default_factory=list)
    members_created: list[Member] = field(default_factory=list)
    commitment_changes: list[CommitmentChange] = field(default_factory=list)
    plan: ActionPlan | None = None
    listed_reports: list[ListedReport] = field(default_factory=list)


def ingest(session: Session, analysis: PageAnalysis, *, seen_at: datetime | None = None) -> IngestResult:
    """Write ``analysis`` into the knowledge base. The caller owns the transaction."""
    return _Ingest(session, analysis, seen_at or utcnow()).run()


class _Ingest:
    def __init__(self, session: Session, analysis: PageAnalysis, seen_at: datetime) -> None:
        self.session = session
        self.analysis = analysis
        self.seen_at = seen_at
        self.url = analysis.url
        self.created: list[Member] = []

    def run(self) -> IngestResult:
        a = self.analysis
        listed = [r for r in a.of_type(ReportFinding) if r.url]
        mentioned = [r for r in a.of_type(ReportFinding) if r.mentioned and not r.url]
        reports = [r for r in a.of_type(ReportFinding) if not r.url and not r.mentioned]
        member_name = reports[0].member if reports and reports[0].member else a.member
        member = self._member(member_name) if member_name and a.kind.is_irm_report else None
        known = self.session.exec(select(Document.id).where(Document.url == a.url)).first() is not None
        # An index page is where its facts were seen, not a document worth keeping (or searching) itself.
        document = None if a.kind == DocumentKind.LISTING else knowledge.upsert_document(
            self.session,
            url=a.url,
            title=a.title or a.url,
            kind=a.kind,
            text=a.text,
            member=member,
            period=a.period or (reports[0].period if reports else None),
            is_draft=a.is_draft,
            seen_at=self.seen_at,
        )
        self.result = IngestResult(
            document=document, document_created=document is not None and not known, member=member,
            members_created=self.created, seen_at=self.seen_at,
        )
        for report in reports:
            value: dict[str, object] = {"kind": str(report.kind), "member": report.member, "period": report.period,
                                       "is_draft": report.is_draft}
            self._fact(SubjectType.DOCUMENT, document.id if document else None, "report", value, report.evidence)
        for report in listed:
            self._listed_report(report)
        for report in mentioned:  # known to exist, from this page's words; no document of its own
            named = self._member(report.member) if report.member else None
            value = {"kind": str(report.kind), "period": report.period}
            self._fact(SubjectType.MEMBER, named.id if named else None, "report_mentioned", value, report.evidence)
        if member is not None:
            self._plan_findings(member)
        self._membership_findings()
        for totals in a.of_type(TotalsFinding):
            value = {"countries": totals.countries, "locals": totals.locals}
            self._fact(SubjectType.OGP, None, "totals", value, totals.evidence)
        if document is not None:
            # Open questions are answered from these; the page's subject stands in for a news item's member.
            subject = knowledge.find_member(self.session, a.member) if a.member else None
            index_document(self.session, document, subject.id if subject else None, a.language)
        return self.result

    def _listed_report(self, report: ReportFinding) -> None:
        """A report an index names: its document is created from the index's words unless its own page was
        read already, and fetching that page later updates the same row (same URL)."""
        assert report.url and report.member
        member = self._member(report.member)
        document = self.session.exec(select(Document).where(Document.url == report.url)).first()
        created = document is None
        if document is None:
            document = knowledge.upsert_document(
                self.session, url=report.url, title=report.evidence, kind=report.kind, text=report.summary or "",
                member=member, period=report.period, is_draft=report.is_draft, seen_at=self.seen_at,
            )
            index_document(self.session, document)  # the teaser, until the report's own page is read
        value = {"kind": str(report.kind), "member": report.member, "period": report.period,
                 "is_draft": report.is_draft, "listed_by": self.url, "summary": report.summary}
        knowledge.record_fact(
            self.session, subject_type=SubjectType.DOCUMENT, subject_id=document.id, predicate="report",
            value=value, source_url=self.url, evidence=report.evidence, document=document, seen_at=self.seen_at,
        )
        self.result.facts_recorded += 1
        self.result.listed_reports.append(ListedReport(document, member, report, created))

    # -- members ---------------------------------------------------------------------------------

    def _member(self, name: str, kind: str | None = None, country: str | None = None) -> Member:
        before = knowledge.find_member(self.session, name)
        parent = None
        if country and country_names(country):
            parent = self._member(country, MemberKind.COUNTRY)
        if kind is None and before is None:
            kind = MemberKind.COUNTRY if country_names(name) else MemberKind.LOCAL
        member = knowledge.ensure_member(self.session, name, kind=kind, parent=parent)
        if before is None:
            self.created.append(member)
        return member

    def _membership_findings(self) -> None:
        for finding in self.analysis.of_type(MembershipFinding):
            member = self._member(finding.member, finding.kind, finding.country)
            if finding.joined_year and member.joined_year is None:
                member.joined_year = finding.joined_year
            # A statement read on an index belongs to its entry's page, which the index only quotes.
            source = finding.url or self.url
            change = knowledge.set_member_status(
                self.session, member, finding.status, source_url=source, evidence=finding.evidence,
                seen_at=self.seen_at, effective=finding.effective,
            )
            if change is not None:
                self.result.status_changes.append(change)
            self._fact(SubjectType.MEMBER, member.id, "status", finding.status, finding.evidence, source)
            if finding.effective:
                value = {"status": finding.status, "date": finding.effective, "basis": finding.effective_basis,
                         "predicate": finding.predicate}
                self._fact(SubjectType.MEMBER, member.id, "status_effective", value, finding.evidence, source)
        # A page telling a member's history ("inactive in 2016, out in 2017") writes every step into the
        # status history, but only where the member stands now is news.
        latest = {change.member_id: change for change in self.result.status_changes}
        self.result.status_changes = list(latest.values())
        for joined in self.analysis.of_type(JoinedFinding):
            member = self._member(joined.member, joined.kind, joined.country)
            member.joined_year = joined.year
            self.session.add(member)
            self._fact(SubjectType.MEMBER, member.id, "joined", joined.year, joined.evidence)
            if joined.founding:
                self._fact(SubjectType.MEMBER, member.id, "founding", True, joined.evidence)

    # -- plans and commitments -------------------------------------------------------------------

    def _plan_findings(self, member: Member) -> None:
        a = self.analysis
        ordinals = a.of_type(PlanOrdinalFinding)
        if not ordinals:
            return  # counts without knowing which plan they describe cannot be stored honestly
        plan = knowledge.ensure_plan(self.session, member, ordinals[0].ordinal)
        self.result.plan = plan
        self._fact(SubjectType.PLAN, plan.id, "ordinal", plan.ordinal, ordinals[0].evidence)
        start, end = _period_years(a.period)
        if start and plan.start_year is None:
            plan.start_year, plan.end_year = start, end
        for total in a.of_type(CommitmentTotalFinding):
            plan.commitment_count = total.count
            self._fact(SubjectType.PLAN, plan.id, "commitment_count", total.count, total.evidence)
        for extension in a.of_type(ExtensionFinding):
            plan.extended_to = extension.until
            plan.extension_months = extension.months
            if extension.until and extension.months:
                plan.end_year = _year_months_before(extension.until, extension.months)
            value: dict[str, object] = {"months": extension.months, "until": extension.until}
            self._fact(SubjectType.PLAN, plan.id, "extension", value, extension.evidence)
        self.session.add(plan)
        for tally in a.of_type(TallyFinding):
            knowledge.set_tally(self.session, plan, tally.dimension, tally.level, tally.count)
            value = {"dimension": tally.dimension, "level": tally.level, "count": tally.count}
            self._fact(SubjectType.PLAN, plan.id, "tally", value, tally.evidence)
        for named in a.of_type(NamedCommitmentFinding):
            value = {"title": named.title, "completion": named.completion}
            self._fact(SubjectType.PLAN, plan.id, "named_commitment", value, named.evidence)
        self._commitment_findings(member, plan)

    def _commitment_findings(self, member: Member, plan: ActionPlan) -> None:
        a = self.analysis

        def commitment(number: int) -> Commitment:
            return knowledge.ensure_commitment(self.session, plan, number)

        for found in a.of_type(CommitmentFinding):
            c = commitment(found.number)
            if found.title:
                c.title = found.title[:300]
            self._fact(SubjectType.COMMITMENT, c.id, "mentioned", {"title": found.title}, found.evidence)
        for state in a.of_type(CommitmentStateFinding):
            c = commitment(state.number)
            previous = c.state
            knowledge.set_commitment_state(c, state.state)
            if previous != c.state:
                self.result.commitment_changes.append(
                    CommitmentChange(member, plan, c, previous, c.state or state.state, state.evidence)
                )
            c.state_body = state.body or c.state_body
            self._fact(SubjectType.COMMITMENT, c.id, "state", {"state": state.state, "body": state.body},
                       state.evidence)
        for decision in a.of_type(CommitmentDecisionFinding):
            c = commitment(decision.number)
            c.state_date = decision.record_date
            c.state_note = f"minutes of the {decision.body} dated {decision.record_date.isoformat()}"
            value = {"body": decision.body, "date": decision.record_date}
            self._fact(SubjectType.COMMITMENT, c.id, "decision_record", value, decision.evidence)
        for result in a.of_type(CommitmentResultFinding):
            c = commitment(result.number)
            knowledge.set_commitment_early_results(c, result.early_results)
            self._fact(SubjectType.COMMITMENT, c.id, "early_results", result.early_results, result.evidence)

    # -- facts -----------------------------------------------------------------------------------

    def _fact(self, subject_type: SubjectType, subject_id: int | None, predicate: str, value: object,
              evidence: str, source_url: str | None = None) -> None:
        knowledge.record_fact(
            self.session,
            subject_type=subject_type,
            subject_id=subject_id,
            predicate=predicate,
            value=value,
            source_url=source_url or self.url,
            evidence=evidence,
            document=self.result.document,
            seen_at=self.seen_at,
        )
        self.result.facts_recorded += 1


def _period_years(period: str | None) -> tuple[int | None, int | None]:
    if not period:
        return None, None
    years = [int(part) for part in period.replace("–", "-").split("-") if part.strip().isdigit()]
    if not years:
        return None, None
    return years[0], years[-1]


def _year_months_before(day: date, months: int) -> int:
    """The year ``months`` before ``day``: when a plan extended by ``months`` was first due to end."""
    return (day.year * 12 + day.month - 1 - months) // 12
