"""The vocabularies of the knowledge base, the watcher and the outbox: the ``StrEnum`` classes whose values
are stored as short strings (``storage.models``), and the clock the timestamps are read from.

They live apart from the table models so that what only needs a name (the ``ogp-watch`` argument parser's
choices, an argument's date) can have it without importing SQLModel and SQLAlchemy, a third of a second
at every start of the command. ``storage.models`` re-exports all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum


def utcnow() -> datetime:
    """Naive UTC: timestamps are stored without a zone on every backend.

    The columns are annotated ``NaiveDatetime`` because SQLModel maps a plain ``datetime`` to its
    ``UTCDateTime`` type, which refuses naive values on write.
    """
    return datetime.now(UTC).replace(tzinfo=None)


class MemberKind(StrEnum):
    COUNTRY = "country"
    LOCAL = "local"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    WITHDRAWN = "withdrawn"
    UNDER_REVIEW = "under_review"  # placed under procedural review by OGP's Steering Committee
    UNKNOWN = "unknown"


class Completion(StrEnum):
    """IRM completion levels, in the IRM's order."""

    NOT_STARTED = "not_started"
    LIMITED = "limited"
    SUBSTANTIAL = "substantial"
    COMPLETE = "complete"


class EarlyResults(StrEnum):
    """IRM "did it open government?" levels for early results, in the IRM's order."""

    NONE = "none"
    MARGINAL = "marginal"
    SIGNIFICANT = "significant"
    OUTSTANDING = "outstanding"


class CommitmentState(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class DocumentKind(StrEnum):
    RESULTS_REPORT = "results_report"
    ACTION_PLAN_REVIEW = "action_plan_review"
    DESIGN_REPORT = "design_report"
    PROGRESS_REPORT = "progress_report"
    END_OF_TERM_REPORT = "end_of_term_report"
    NEWS = "news"
    MEMBER_PAGE = "member_page"
    LISTING = "listing"
    OTHER = "other"

    @property
    def is_irm_report(self) -> bool:
        return self in IRM_REPORT_KINDS


IRM_REPORT_KINDS = frozenset(
    {
        DocumentKind.RESULTS_REPORT,
        DocumentKind.ACTION_PLAN_REVIEW,
        DocumentKind.DESIGN_REPORT,
        DocumentKind.PROGRESS_REPORT,
        DocumentKind.END_OF_TERM_REPORT,
    }
)


class SubjectType(StrEnum):
    """What a fact is about."""

    OGP = "ogp"
    MEMBER = "member"
    PLAN = "plan"
    COMMITMENT = "commitment"
    DOCUMENT = "document"


class SourceKind(StrEnum):
    """How a watched URL is read: one page, an index of pages, or an RSS/Atom feed of pages."""

    PAGE = "page"
    LISTING = "listing"
    FEED = "feed"


class CheckStatus(StrEnum):
    OK = "ok"
    UNCHANGED = "unchanged"
    ERROR = "error"


class EventKind(StrEnum):
    NEW_REPORT = "new_report"
    MEMBER_WITHDRAWN = "member_withdrawn"
    MEMBER_INACTIVE = "member_inactive"
    MEMBER_STATUS = "member_status"  # any other status change, e.g. back to active
    NEW_MEMBER = "new_member"
    COMMITMENT_STATE = "commitment_state"
    SOURCE_FAILURE = "source_failure"  # for admins


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


class SubscriptionKind(StrEnum):
    MEMBER = "member"  # value: the member's id
    TOPIC = "topic"  # value: a ``storage.subscriptions.Topic`` (reports, withdrawals, status, all)
    KEYWORD = "keyword"  # value: a normalised word or phrase looked for in an event's title and evidence


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher; the send may be in flight
    SENT = "sent"
    FAILED = "failed"  # gave up after retries, or Telegram refused the message itself
    BLOCKED = "blocked"  # the chat blocked the bot or removed it: not retried

