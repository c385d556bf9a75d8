"""The commitments of a member's latest action plan that the sources name, a page at a time.

Answers say what one commitment's status is; this list answers "show me all of them" under such an
answer. A plan has up to a few dozen commitments, so the list is paged rather than cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.answers import Answer, Source
from bot.member_lookup import member_name
from bot.messages import REPORT_KINDS, format_date, level, ordinal, say
from bot.texts_tg import tr
from storage import queries
from storage.models import SubjectType
from storage.queries import CommitmentRow, MemberRow, PlanRow

PAGE_SIZE = 10


@dataclass(frozen=True)
class CommitmentPage:
    answer: Answer
    member_id: int
    page: int
    """1-based; pages is at least 1."""
    pages: int


def commitment_page(session: Session, member_id: int, language: str, page: int = 1) -> CommitmentPage | None:
    """The ``page``-th page of commitments (clamped to the pages there are); None if the member is unknown."""
    profile = queries.member_profile(session, member_id)
    if profile is None:
        return None
    member = profile.member
    plan = profile.plan(None)
    if plan is None:
        text = tr(language, "chart_no_plan", member=member_name(member, language))
        return CommitmentPage(Answer(text, language, "commitment_list"), member_id, 1, 1)
    label = plan_label(member, plan, language)
    commitments = queries.commitment_rows(session, plan.id)
    pages = max(1, -(-len(commitments) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = commitments[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    if not commitments:
        lines = [tr(language, "list_none", plan_label=label)]
    elif plan.commitment_count:
        lines = [tr(language, "list_head", plan_label=label, count=len(commitments), total=plan.commitment_count)]
    else:
        lines = [tr(language, "list_head_nototal", plan_label=label, count=len(commitments))]
    lines += ["• " + _line(c, language) for c in shown]
    if pages > 1:
        lines.append(tr(language, "list_page", page=page, pages=pages))
    sources = _sources(session, plan, language)
    if len(sources) == 1:
        lines.append(say(language, "source", label=sources[0].label, url=sources[0].url))
    elif sources:
        lines.append(say(language, "sources"))
        lines += [f"• {s.label}, {s.url}" for s in sources]
    return CommitmentPage(Answer("\n".join(lines), language, "commitment_list", [], sources), member_id, page, pages)


def plan_label(member: MemberRow, plan: PlanRow, language: str) -> str:
    """The plan as answers name it: "Mexico, 4th action plan (2019–2021, extended to 31 Aug 2022)"."""
    period = ""
    if plan.start_year and plan.end_year:
        extension = say(language, "extension", date=format_date(language, plan.extended_to)) if plan.extended_to else ""
        period = say(language, "period", start=plan.start_year, end=plan.end_year, extension=extension)
    return say(language, "plan_label", member=member_name(member, language), ordinal=ordinal(language, plan.ordinal),
               period=period)


def _line(commitment: CommitmentRow, language: str) -> str:
    name = f"{commitment.number} ({commitment.title})" if commitment.title else str(commitment.number)
    parts = []
    if commitment.state:
        parts.append(tr(language, "list_state", state=level(language, commitment.state)))
    if commitment.completion:
        parts.append(tr(language, "list_completion", level=level(language, commitment.completion)))
    if commitment.early_results:
        parts.append(tr(language, "list_results", level=level(language, commitment.early_results)))
    return f"{name}: {'; '.join(parts) or tr(language, 'list_unstated')}"


def _sources(session: Session, plan: PlanRow, language: str) -> list[Source]:
    """The documents the plan's facts were read from, labelled as answers label them."""
    facts = queries.facts_of(session, [(SubjectType.PLAN, plan.id)]).get((SubjectType.PLAN, plan.id), [])
    sources: dict[str, Source] = {}
    for fact in facts:
        url = fact.document_url or fact.source_url
        if url not in sources:
            prefix = REPORT_KINDS.get(language, REPORT_KINDS["en"]).get(fact.source_kind or "", "")
            title = fact.source_title
            sources[url] = Source(f"{prefix} “{title}”".strip() if title else url, url)
    return list(sources.values())
