"""What page analysis hands to the rest of the system: plain, immutable data, one class per kind of
statement a page can make. Every finding carries the sentence that supports it, quoted from the page,
so that whatever is stored or answered later can show its evidence.

Names are kept as the page writes them ("Mexico City", "Municipality of Chihuahua"); matching them to
known members is the ingest step's job, not the analyser's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from storage.models import DocumentKind

T = TypeVar("T")


@dataclass(frozen=True)
class ReportFinding:
    """An IRM report about ``member`` for ``period`` ("2019-2022"): the page itself, or, when ``url`` is
    set, a report that an index page lists (its link, and what the index says of it)."""

    kind: DocumentKind
    member: str | None
    period: str | None
    is_draft: bool
    evidence: str
    url: str | None = None
    summary: str | None = None
    #: Named in a page's prose ("Action Plan Reviews are now open for comment for ... Albania, Colombia"),
    #: with no link of its own: known to exist, not a document to store.
    mentioned: bool = False


@dataclass(frozen=True)
class PlanOrdinalFinding:
    """The report is about the member's ``ordinal``-th action plan."""

    ordinal: int
    evidence: str


@dataclass(frozen=True)
class CommitmentTotalFinding:
    """The plan has ``count`` commitments."""

    count: int
    evidence: str


@dataclass(frozen=True)
class TallyFinding:
    """``count`` of the plan's commitments are at ``level`` of ``dimension``.

    dimension is "completion" (levels of ``storage.models.Completion``) or "early_results" (levels of
    ``storage.models.EarlyResults``).
    """

    dimension: str
    level: str
    count: int
    evidence: str


@dataclass(frozen=True)
class CommitmentFinding:
    """The page speaks of commitment ``number`` of the plan, with its short title when it gives one."""

    number: int
    title: str | None
    evidence: str


@dataclass(frozen=True)
class CommitmentStateFinding:
    """Commitment ``number`` is in ``state`` ("inactive"), as decided by ``body`` when the page says."""

    number: int
    state: str
    body: str | None
    evidence: str


@dataclass(frozen=True)
class CommitmentDecisionFinding:
    """A dated record (minutes) of ``body`` about commitment ``number``."""

    number: int
    body: str
    record_date: date
    evidence: str


@dataclass(frozen=True)
class CommitmentResultFinding:
    """Commitment ``number`` reached ``early_results`` (a level of ``storage.models.EarlyResults``)."""

    number: int
    early_results: str
    evidence: str


@dataclass(frozen=True)
class NamedCommitmentFinding:
    """A commitment named by its topic rather than its number, at a completion level."""

    title: str
    completion: str
    evidence: str


@dataclass(frozen=True)
class ExtensionFinding:
    """The plan's implementation was extended (by ``months``) until ``until``."""

    months: int | None
    until: date | None
    evidence: str


@dataclass(frozen=True)
class MembershipFinding:
    """A statement about a member's place in OGP.

    status is a ``storage.models.MemberStatus`` value: "withdrawn" when the member leaves, "active"
    when the page names it as a continuing member, "inactive" when OGP designated it so.
    """

    member: str
    status: str
    kind: str | None = None  # storage.models.MemberKind value when the page says
    country: str | None = None  # for a local member, the country it is in
    joined_year: int | None = None
    evidence: str = ""
    #: How the page says it: "withdrew", "will_withdraw", "removed", "no_longer_participating" for a
    #: withdrawal; "inactive", "continuing" otherwise. A future withdrawal is still stored as "withdrawn",
    #: with the date it takes effect.
    predicate: str | None = None
    #: When the change takes or took effect, ISO "2017-09-21" (or "2017-09", "2017" when the page says no
    #: more), and where that date comes from: "sentence", "letter" (the date of the letter the page cites)
    #: or "page" (the page's own date).
    effective: str | None = None
    effective_basis: str | None = None
    #: On a listing or feed, the page of the entry that says it: the statement's own source, which an alert
    #: links rather than the index.
    url: str | None = None


@dataclass(frozen=True)
class JoinedFinding:
    """``member`` joined OGP (or OGP Local) in ``year``."""

    member: str
    year: int
    kind: str | None
    evidence: str
    country: str | None = None  # a local member's country, when the page says
    founding: bool = False  # one of the eight governments that founded OGP in 2011


@dataclass(frozen=True)
class TotalsFinding:
    """OGP's size as the page states it."""

    countries: int
    locals: int | None
    evidence: str


Finding = (
    ReportFinding
    | PlanOrdinalFinding
    | CommitmentTotalFinding
    | TallyFinding
    | CommitmentFinding
    | CommitmentStateFinding
    | CommitmentDecisionFinding
    | CommitmentResultFinding
    | NamedCommitmentFinding
    | ExtensionFinding
    | MembershipFinding
    | JoinedFinding
    | TotalsFinding
)


@dataclass
class PageAnalysis:
    """Everything one page yielded. ``text`` is the extracted main text, kept for full-text search."""

    url: str
    title: str
    kind: DocumentKind
    language: str  # "en" or "es"
    text: str
    member: str | None = None  # the member the page is mainly about, when it is clear
    published: date | None = None  # the page's own date (dateline, "Posted on", HTML metadata)
    period: str | None = None
    is_draft: bool = False
    findings: list[Finding] = field(default_factory=list)

    def of_type(self, cls: type[T]) -> list[T]:
        return [f for f in self.findings if isinstance(f, cls)]
