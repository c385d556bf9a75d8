"""The knowledge base: OGP members, their action plans and commitments, the documents they come from,
and every fact with its provenance.

Vocabularies (member kinds, statuses, IRM levels) are stored as short strings rather than database enums
so that adding a level is a code change, not a migration on every backend. The allowed values live in
the ``StrEnum`` classes of ``storage.vocabularies`` (re-exported here) and are checked where data is written
(``storage.knowledge``).
"""

from __future__ import annotations

from datetime import date

from pydantic import NaiveDatetime
from sqlalchemy import BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Re-exported (``X as X``): models and their vocabularies are imported from here.
from storage.vocabularies import (
    IRM_REPORT_KINDS as IRM_REPORT_KINDS,
)
from storage.vocabularies import (
    ChatKind as ChatKind,
)
from storage.vocabularies import (
    CheckStatus as CheckStatus,
)
from storage.vocabularies import (
    CommitmentState as CommitmentState,
)
from storage.vocabularies import (
    Completion as Completion,
)
from storage.vocabularies import (
    DeliveryStatus as DeliveryStatus,
)
from storage.vocabularies import (
    DocumentKind as DocumentKind,
)
from storage.vocabularies import (
    EarlyResults as EarlyResults,
)
from storage.vocabularies import (
    EventKind as EventKind,
)
from storage.vocabularies import (
    MemberKind as MemberKind,
)
from storage.vocabularies import (
    MemberStatus as MemberStatus,
)
from storage.vocabularies import (
    SourceKind as SourceKind,
)
from storage.vocabularies import (
    SubjectType as SubjectType,
)
from storage.vocabularies import (
    SubscriptionKind as SubscriptionKind,
)
from storage.vocabularies import (
    utcnow as utcnow,
)


class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=120, unique=True, index=True)
    name_en: str = Field(max_length=200)
    name_es: str | None = Field(default=None, max_length=200)
    kind: str = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    joined_year: int | None = None
    status: str = Field(default=MemberStatus.UNKNOWN, max_length=20, index=True)
    status_seen_at: NaiveDatetime | None = None
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class MemberAlias(SQLModel, table=True):
    """Every name a member is known by; ``normalized`` is what questions are matched against."""

    __tablename__ = "member_alias"
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    alias: str = Field(max_length=200)
    normalized: str = Field(max_length=200, unique=True, index=True)
    language: str | None = Field(default=None, max_length=5)


class MemberStatusChange(SQLModel, table=True):
    """Status history: one row each time a source shows a member's status to be different."""

    __tablename__ = "member_status_change"
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    previous_status: str | None = Field(default=None, max_length=20)
    status: str = Field(max_length=20)
    effective: str | None = Field(default=None, max_length=40)
    seen_at: NaiveDatetime = Field(default_factory=utcnow)
    source_url: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str = Field(sa_column=Column(Text, nullable=False))


class ActionPlan(SQLModel, table=True):
    __tablename__ = "action_plan"
    __table_args__ = (UniqueConstraint("member_id", "ordinal"),)
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    ordinal: int
    start_year: int | None = None
    end_year: int | None = None
    extended_to: date | None = None
    extension_months: int | None = None
    commitment_count: int | None = None


class PlanTally(SQLModel, table=True):
    """How many of a plan's commitments the IRM put at each level (completion or early results)."""

    __tablename__ = "plan_tally"
    __table_args__ = (UniqueConstraint("plan_id", "dimension", "level"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="action_plan.id", index=True)
    dimension: str = Field(max_length=20)  # "completion" | "early_results"
    level: str = Field(max_length=20)
    count: int


class Commitment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="action_plan.id", index=True)
    number: int
    title: str | None = Field(default=None, max_length=300)
    completion: str | None = Field(default=None, max_length=20)
    early_results: str | None = Field(default=None, max_length=20)
    state: str | None = Field(default=None, max_length=20, index=True)
    state_date: date | None = None
    state_body: str | None = Field(default=None, max_length=300)
    state_note: str | None = Field(default=None, sa_column=Column(Text))


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000, unique=True, index=True)
    title: str = Field(max_length=500)
    kind: str = Field(max_length=30, index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    period: str | None = Field(default=None, max_length=20)
    is_draft: bool = False
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    content_hash: str | None = Field(default=None, max_length=64)
    first_seen_at: NaiveDatetime = Field(default_factory=utcnow)
    seen_at: NaiveDatetime = Field(default_factory=utcnow)


class Sentence(SQLModel, table=True):
    """One sentence of a stored document, indexed for open questions (``storage.sentences``).

    ``member_id`` is the member the document is about (an IRM report's member, a news item's subject);
    ``terms`` the sentence's words folded and stemmed (``storage.terms``), which the full-text indexes
    read: the FTS5 table ``sentence_fts`` on SQLite, the generated ``terms_vector`` on PostgreSQL.
    """

    __table_args__ = (Index("ix_sentence_document_position", "document_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    kind: str = Field(max_length=30)
    language: str = Field(max_length=5)
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    terms: str = Field(sa_column=Column(Text, nullable=False))


class Fact(SQLModel, table=True):
    """One statement a source makes, with where and when it was seen and the sentence that says it.

    ``value`` is JSON text. ``key`` is a digest of subject, predicate, value and source so that seeing
    the same statement again refreshes ``seen_at`` instead of adding a row.
    """

    __table_args__ = (Index("ix_fact_subject", "subject_type", "subject_id"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True, index=True)
    subject_type: str = Field(max_length=20)
    subject_id: int | None = None
    predicate: str = Field(max_length=60, index=True)
    value: str = Field(sa_column=Column(Text, nullable=False))
    source_url: str = Field(sa_column=Column(Text, nullable=False))
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    first_seen_at: NaiveDatetime = Field(default_factory=utcnow)
    seen_at: NaiveDatetime = Field(default_factory=utcnow)


class Source(SQLModel, table=True):
    """A URL OGP Watch checks on a schedule, with its health.

    The schedule lives here (``next_check_at``) rather than in the scheduler, so that it survives restarts
    and several workers can share it; ``lease_owner``/``lease_expires_at`` keep one check of a source from
    running twice and let another worker take over a check whose worker died.
    """

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000, unique=True, index=True)
    kind: str = Field(max_length=20)
    label: str = Field(max_length=200)
    interval_seconds: int
    enabled: bool = True
    added_by: str = Field(max_length=100)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    next_check_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    last_checked_at: NaiveDatetime | None = None
    last_status: str | None = Field(default=None, max_length=20)
    last_http_status: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    consecutive_failures: int = 0
    failing_since: NaiveDatetime | None = None
    checks: int = 0
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    content_hash: str | None = Field(default=None, max_length=64)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_expires_at: NaiveDatetime | None = None


class SourceItem(SQLModel, table=True):
    """A page a listing or feed has pointed to; only items not seen before are followed."""

    __tablename__ = "source_item"
    __table_args__ = (UniqueConstraint("source_id", "url"),)
    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    url: str = Field(max_length=2000)
    title: str | None = Field(default=None, max_length=500)
    first_seen_at: NaiveDatetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """Something OGP Watch noticed, recorded once.

    ``key`` names the change itself (not the page or check that showed it), so the same report seen in a
    listing and a feed, re-checked, or checked by two workers at once, is one event. ``baseline`` marks
    what a listing or feed already held when it was first checked: known, but not news to alert about.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True, index=True)
    kind: str = Field(max_length=30, index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    source_id: int | None = None  # no foreign key: events outlive removed sources
    title: str = Field(max_length=500)
    url: str = Field(sa_column=Column(Text, nullable=False))
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    baseline: bool = False
    created_at: NaiveDatetime = Field(default_factory=utcnow, index=True)
    fanned_out_at: NaiveDatetime | None = Field(default=None, index=True)
    """When the outbox rows for every matching chat were written; None: not yet matched to subscribers."""


class AppState(SQLModel, table=True):
    """Small facts about this installation that must survive restarts (e.g. default sources added once)."""

    __tablename__ = "app_state"
    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: NaiveDatetime = Field(default_factory=utcnow)


class Chat(SQLModel, table=True):
    """A Telegram chat that talked to the bot or subscribed; ``id`` is Telegram's own (64-bit) chat id."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    kind: str = Field(max_length=20)
    title: str | None = Field(default=None, max_length=200)
    language: str = Field(default="en", max_length=5)
    active: bool = True
    inactive_reason: str | None = Field(default=None, max_length=300)
    created_at: NaiveDatetime = Field(default_factory=utcnow)
    updated_at: NaiveDatetime = Field(default_factory=utcnow)


class Subscription(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("chat_id", "kind", "value"),)
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id"), nullable=False, index=True))
    kind: str = Field(max_length=20)
    value: str = Field(max_length=200)
    label: str = Field(max_length=200)
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: NaiveDatetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """The outbox: one row per (event, chat), written when the event is matched to subscriptions."""

    __table_args__ = (
        UniqueConstraint("event_id", "chat_id"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id"), nullable=False, index=True))
    status: str = Field(default=DeliveryStatus.PENDING, max_length=20)
    attempts: int = 0
    next_attempt_at: NaiveDatetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: NaiveDatetime | None = None
    sent_at: NaiveDatetime | None = None
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: NaiveDatetime = Field(default_factory=utcnow)
