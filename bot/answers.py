"""Composing answers from the knowledge base: one function per kind of question.

Each answer says plainly what the sources do not state, and ends with the sources it used. The facts it
relied on travel with it (``Answer.facts``) so front ends can show or export them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from bot import messages
from bot.messages import format_date, join_list, level, ordinal, say
from bot.question import Intent, Question
from storage import queries
from storage.models import (
    ActionPlan,
    Commitment,
    Completion,
    Document,
    EarlyResults,
    Member,
    MemberStatus,
    SubjectType,
)
from storage.names import country_names
from storage.queries import SourcedFact
from storage.search import search_documents

MAX_EVIDENCE_CHARS = 320
MAX_LISTED = 30


@dataclass(frozen=True)
class Source:
    label: str
    url: str


@dataclass
class Answer:
    text: str
    language: str
    intent: str
    facts: list[SourcedFact] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "language": self.language,
            "intent": self.intent,
            "facts": [
                {"subject": f.subject_type, "predicate": f.predicate, "value": f.value, "evidence": f.evidence,
                 "source_url": f.source_url, "seen_at": f.seen_at.isoformat()}
                for f in self.facts
            ],
            "sources": [s.url for s in self.sources],
        }


class _Builder:
    """Collects lines, facts and sources while an answer is composed."""

    def __init__(self, session: Session, question: Question) -> None:
        self.session = session
        self.q = question
        self.lang = question.language
        self.lines: list[str] = []
        self.facts: list[SourcedFact] = []
        self.sources: dict[str, Source] = {}

    def say(self, key: str, **values: object) -> None:
        self.lines.append(say(self.lang, key, **values))

    def use(self, facts: list[SourcedFact], quote: bool = False, focus: str | None = None) -> None:
        for fact in facts:
            self.facts.append(fact)
            self.cite(fact.source_url, fact.source_title, fact.source_kind)
            if quote:
                self.say("evidence", sentence=_clip(fact.evidence, focus))

    def cite(self, url: str, title: str | None, kind: str | None = None) -> None:
        if url not in self.sources:
            prefix = messages.REPORT_KINDS[self.lang].get(kind or "", "")
            label = f"{prefix} “{title}”".strip() if title else url
            self.sources[url] = Source(label, url)

    def cite_document(self, document: Document) -> None:
        self.cite(document.url, document.title, document.kind)

    def answer(self) -> Answer:
        lines = list(self.lines)
        sources = list(self.sources.values())
        if len(sources) == 1:
            lines.append(say(self.lang, "source", label=sources[0].label, url=sources[0].url))
        elif sources:
            lines.append(say(self.lang, "sources"))
            lines += [f"• {s.label}, {s.url}" for s in sources]
        return Answer("\n".join(lines), self.lang, str(self.q.intent), self.facts, sources)


def _clip(text: str, focus: str | None = None) -> str:
    """The sentence, or the part of a long one around ``focus`` (the words the answer is about)."""
    text = " ".join(text.split())
    if len(text) <= MAX_EVIDENCE_CHARS:
        return text
    at = text.find(focus) if focus else -1
    if at < 0 or at + len(focus or "") < MAX_EVIDENCE_CHARS - 20:
        return text[: MAX_EVIDENCE_CHARS - 1].rstrip() + "…"
    start = max(0, min(at - MAX_EVIDENCE_CHARS // 2, len(text) - MAX_EVIDENCE_CHARS))
    window = text[start : start + MAX_EVIDENCE_CHARS].strip()
    return ("…" if start > 0 else "") + window + ("…" if start + MAX_EVIDENCE_CHARS < len(text) else "")


def member_name(member: Member, language: str) -> str:
    return (member.name_es or member.name_en) if language == "es" else member.name_en


# -- dispatch ----------------------------------------------------------------------------------------


def compose(session: Session, question: Question) -> Answer:
    b = _Builder(session, question)
    simple = {Intent.EMPTY: "empty", Intent.GREETING: "greeting", Intent.HELP: "help",
              Intent.UNKNOWN: "unknown"}
    if question.intent in simple:
        b.say(simple[question.intent])
        return b.answer()
    handlers = {
        Intent.COMMITMENT_STATUS: _commitment_status,
        Intent.COMMITMENTS_BY_STATE: _commitments_by_state,
        Intent.PLAN_SUMMARY: _plan_summary,
        Intent.MEMBER_STATUS: _member_status,
        Intent.MEMBERS_BY_STATUS: _members_by_status,
        Intent.MEMBERS_IN: _members_in,
        Intent.LATEST_REPORTS: _latest_reports,
        Intent.TOTALS: _totals,
        Intent.SEARCH: _search,
    }
    handlers[question.intent](b)
    return b.answer()


def _the_member(b: _Builder) -> Member | None:
    """The member asked about; says what is missing and returns None when there is none."""
    ids = b.q.member_ids
    if ids:
        return queries.member(b.session, ids[-1] if len(ids) > 1 and _is_parent(b, ids) else ids[0])
    if b.q.unknown_places:
        place = b.q.unknown_places[0]
        names = country_names(place)
        b.say("no_data", name=(names[1] if b.lang == "es" else names[0]) if names else place)
    else:
        b.say("which_member")
    return None


def _is_parent(b: _Builder, ids: list[int]) -> bool:
    """With "Mexico ... Mexico City", prefer the more specific member (the local one)."""
    first = queries.member(b.session, ids[0])
    return first is not None and first.kind == "country"


# -- plans and commitments ---------------------------------------------------------------------------


def _the_plan(b: _Builder, member: Member) -> ActionPlan | None:
    assert member.id is not None
    plan = queries.plan(b.session, member.id, b.q.plan_ordinal)
    if plan is None:
        name = member_name(member, b.lang)
        known = [ordinal(b.lang, p.ordinal) for p in queries.plans_of(b.session, member.id)]
        if b.q.plan_ordinal is not None and known:
            b.say("no_plan_ordinal", member=name, ordinal=ordinal(b.lang, b.q.plan_ordinal),
                  known=join_list(b.lang, known))
        else:
            b.say("no_plan", member=name)
    return plan


def _member_and_plan(b: _Builder) -> tuple[Member, ActionPlan] | None:
    """The member and plan asked about; says what is missing and returns None when either is."""
    member = _the_member(b)
    plan = _the_plan(b, member) if member is not None else None
    return (member, plan) if member is not None and plan is not None else None


def plan_label(b: _Builder, member: Member, plan: ActionPlan) -> str:
    period = ""
    if plan.start_year and plan.end_year:
        extension = say(b.lang, "extension", date=format_date(b.lang, plan.extended_to)) if plan.extended_to else ""
        period = say(b.lang, "period", start=plan.start_year, end=plan.end_year, extension=extension)
    return say(b.lang, "plan_label", member=member_name(member, b.lang), ordinal=ordinal(b.lang, plan.ordinal),
               period=period)


def _plan_facts(b: _Builder, plan: ActionPlan) -> None:
    b.use(queries.facts_about(b.session, SubjectType.PLAN, plan.id))
    for document in queries.plan_sources(b.session, plan.id):
        b.cite_document(document)


def _tally_text(b: _Builder, counts: dict[str, int], order: list[str]) -> str:
    return ", ".join(f"{counts[lvl]} {level(b.lang, lvl)}" for lvl in order if lvl in counts)


COMPLETION_ORDER = [c.value for c in reversed(Completion)]
RESULTS_ORDER = [r.value for r in reversed(EarlyResults)]


def _commitment_status(b: _Builder) -> None:
    found = _member_and_plan(b)
    if found is None:
        return
    member, plan = found
    assert plan.id is not None and b.q.commitment_number is not None
    number = b.q.commitment_number
    label = plan_label(b, member, plan)
    commitment = queries.commitment(b.session, plan.id, number)
    if plan.commitment_count is not None and number > plan.commitment_count:
        b.say("commitment_missing", plan_label=label, count=plan.commitment_count, number=number)
        b.use(queries.facts_about(b.session, SubjectType.PLAN, plan.id, "commitment_count"), quote=True)
        return
    if commitment is None or not (commitment.state or commitment.completion or commitment.early_results):
        _commitment_unstated(b, plan, label, number, commitment)
        return
    _commitment_details(b, plan, label, commitment)


def _commitment_unstated(b: _Builder, plan: ActionPlan, label: str, number: int,
                         commitment: Commitment | None) -> None:
    assert plan.id is not None
    if plan.commitment_count is not None:
        b.say("commitment_unstated", plan_label=label, number=number, count=plan.commitment_count)
    else:
        b.say("commitment_unstated_nocount", plan_label=label, number=number)
    tallies = queries.tallies(b.session, plan.id)
    parts = []
    if "completion" in tallies:
        parts.append(say(b.lang, "by_completion", items=_tally_text(b, tallies["completion"], COMPLETION_ORDER)))
    if "early_results" in tallies:
        parts.append(say(b.lang, "by_results", items=_tally_text(b, tallies["early_results"], RESULTS_ORDER)))
    b.lines += parts
    if commitment is not None:
        b.use(queries.facts_about(b.session, SubjectType.COMMITMENT, commitment.id), quote=True)
    _plan_facts(b, plan)


def _commitment_details(b: _Builder, plan: ActionPlan, label: str, commitment: Commitment) -> None:
    title = f" ({commitment.title})" if commitment.title else ""
    state = level(b.lang, commitment.state) if commitment.state else say(b.lang, "state_unstated")
    b.say("commitment_head", plan_label=label, number=commitment.number, title=title, state=state)
    if commitment.state and commitment.state_body:
        record = ""
        if commitment.state_date and commitment.state_note:
            body = commitment.state_note.removeprefix("minutes of the ").split(" dated ")[0]
            record = say(b.lang, "record", body=body, date=format_date(b.lang, commitment.state_date))
        b.say("classified_by", state=level(b.lang, commitment.state), body=commitment.state_body, record=record)
    if commitment.early_results:
        b.say("early_results", level=level(b.lang, commitment.early_results))
    else:
        b.say("early_results_unstated")
    if commitment.completion:
        b.say("completion", level=level(b.lang, commitment.completion))
    else:
        b.say("completion_unstated")
    facts = queries.facts_about(b.session, SubjectType.COMMITMENT, commitment.id)
    quoted = {f.evidence: f for f in facts if f.predicate in {"mentioned", "state", "decision_record"}}
    focus = f"{commitment.number} ({commitment.title})" if commitment.title else None
    b.use(list(quoted.values())[:3], quote=True, focus=focus)
    b.use([f for f in facts if f.evidence not in quoted])
    _plan_facts(b, plan)


def _plan_summary(b: _Builder) -> None:
    found = _member_and_plan(b)
    if found is None:
        return
    member, plan = found
    assert plan.id is not None
    label = plan_label(b, member, plan)
    if plan.commitment_count is not None:
        b.say("plan_head", plan_label=label, count=plan.commitment_count)
    else:
        b.say("plan_head_nocount", plan_label=label)
    tallies = queries.tallies(b.session, plan.id)
    if "completion" in tallies:
        b.say("by_completion", items=_tally_text(b, tallies["completion"], COMPLETION_ORDER))
    else:
        b.say("completion_none")
    if "early_results" in tallies:
        b.say("by_results", items=_tally_text(b, tallies["early_results"], RESULTS_ORDER))
    else:
        b.say("results_none")
    commitments = queries.commitments(b.session, plan.id)
    inactive = [_commitment_name(c) for c in commitments if c.state == "inactive"]
    if inactive:
        b.say("inactive_list", items=join_list(b.lang, inactive))
    named = [f.value["title"] for f in queries.facts_about(b.session, SubjectType.PLAN, plan.id,
                                                            "named_commitment")
             if f.value.get("completion") == "complete"]
    if named:
        b.say("named_complete", items="; ".join(named))
    _plan_facts(b, plan)


def _commitment_name(c: Commitment) -> str:
    return f"{c.number} ({c.title})" if c.title else str(c.number)


def _commitments_by_state(b: _Builder) -> None:
    found = _member_and_plan(b)
    if found is None:
        return
    member, plan = found
    assert plan.id is not None and b.q.state is not None
    state = b.q.state
    commitments = queries.commitments(b.session, plan.id)
    if state == "complete":
        items = [_commitment_name(c) for c in commitments if c.completion == "complete"]
        items += [f.value["title"] for f in queries.facts_about(b.session, SubjectType.PLAN, plan.id,
                                                                 "named_commitment")
                  if f.value.get("completion") == "complete"]
    else:
        items = [_commitment_name(c) for c in commitments if c.state == state]
    label_key = f"label_state_{state}"
    label = plan_label(b, member, plan)
    if items:
        b.say("by_state_head", label=say(b.lang, label_key), plan_label=label, items=join_list(b.lang, items))
    else:
        b.say("by_state_none", label=say(b.lang, label_key).lower(), plan_label=label)
    for c in commitments:
        if c.state == state or c.completion == state:
            b.use(queries.facts_about(b.session, SubjectType.COMMITMENT, c.id, "state"))
    _plan_facts(b, plan)


# -- members -----------------------------------------------------------------------------------------


def _member_status(b: _Builder) -> None:
    member = _the_member(b)
    if member is None:
        return
    assert member.id is not None
    name = member_name(member, b.lang)
    facts = queries.facts_about(b.session, SubjectType.MEMBER, member.id)
    seen = format_date(b.lang, member.status_seen_at.date()) if member.status_seen_at else "?"
    key = {MemberStatus.WITHDRAWN: "member_withdrawn", MemberStatus.ACTIVE: "member_active",
           MemberStatus.INACTIVE: "member_inactive"}.get(MemberStatus(member.status), "member_unknown")
    b.say(key, name=name, seen=seen)
    b.lines.append(_member_line(b, member))
    history = queries.status_history(b.session, member.id)
    if len(history) > 1:
        items = [f"{level(b.lang, h.status)} ({format_date(b.lang, h.seen_at.date())})" for h in history]
        b.say("history", items=" → ".join(items))
    status_facts = [f for f in facts if f.predicate == "status" and f.value == member.status]
    b.use(status_facts[:1], quote=True)
    b.use([f for f in facts if f not in status_facts[:1]])
    if not facts:
        for document in queries.latest_reports(b.session, member.id, limit=1):
            b.cite_document(document)


def _member_line(b: _Builder, member: Member, country: Member | None = None) -> str:
    kind = say(b.lang, f"kind_{member.kind}")
    parent = ""
    if member.parent_id:
        country = country or queries.member(b.session, member.parent_id)
        parent = say(b.lang, "in_country", country=member_name(country, b.lang)) if country else ""
    joined = say(b.lang, "joined", year=member.joined_year) if member.joined_year else ""
    return say(b.lang, "member_line", name=member_name(member, b.lang), kind=kind, parent=parent, joined=joined,
               status=level(b.lang, member.status))


def _members_by_status(b: _Builder) -> None:
    status = b.q.state if b.q.state in {"withdrawn", "inactive", "active"} else None
    if status is None:
        members = queries.all_members(b.session)
        b.say("members_all_head", count=len(members))
    else:
        members = queries.members_with_status(b.session, status)
        label = say(b.lang, f"label_{status}")
        if not members:
            b.say("members_status_none", label=label)
            return
        b.say("members_status_head", label=label, count=len(members))
    _list_members(b, members)


def _members_in(b: _Builder) -> None:
    country = _the_member(b)
    if country is None:
        return
    assert country.id is not None
    members = queries.members_in(b.session, country.id)
    if not members:
        _member_status(b)
        return
    b.say("members_in_head", country=member_name(country, b.lang), count=len(members))
    _list_members(b, members)


def _list_members(b: _Builder, members: list[Member]) -> None:
    shown = members[:MAX_LISTED]
    parents = queries.members_by_id(b.session, {m.parent_id for m in shown if m.parent_id})
    facts = queries.facts_about_many(b.session, SubjectType.MEMBER, [m.id for m in shown if m.id], "status")
    for member in shown:
        b.lines.append("• " + _member_line(b, member, parents.get(member.parent_id or 0)))
        b.use(facts.get(member.id or 0, [])[:1])
    if len(members) > MAX_LISTED:
        b.say("more", count=len(members) - MAX_LISTED)


def _totals(b: _Builder) -> None:
    facts = queries.facts_about(b.session, SubjectType.OGP, None, "totals")
    if not facts:
        b.say("totals_none")
        return
    latest = facts[0]
    b.say("totals", countries=latest.value["countries"], locals=latest.value.get("locals") or "?",
          seen=format_date(b.lang, latest.seen_at.date()))
    b.use([latest], quote=True)


# -- documents ---------------------------------------------------------------------------------------


def _latest_reports(b: _Builder) -> None:
    member = _the_member(b)
    if member is None:
        return
    assert member.id is not None
    name = member_name(member, b.lang)
    reports = queries.latest_reports(b.session, member.id)
    if not reports:
        b.say("reports_none", member=name)
        return
    b.say("reports_head", member=name)
    for report in reports:
        b.lines.append(f"• {report.title}" + (f" ({report.period})" if report.period else ""))
        b.cite_document(report)


def _sentences_with(text: str, stems: list[str], limit: int = 2) -> list[str]:
    """The first sentences of ``text`` holding every stem; reads only as far as it needs to."""
    found: list[str] = []
    others = [re.compile(rf"\b{re.escape(stem)}", re.I) for stem in stems[1:]]
    for match in re.finditer(rf"\b{re.escape(stems[0])}", text, re.I):
        start = max(text.rfind(". ", 0, match.start()) + 2, text.rfind("\n", 0, match.start()) + 1, 0)
        ends = [i for i in (text.find(". ", match.end()), text.find("\n", match.end())) if i >= 0]
        end = min(ends) + 1 if ends else len(text)
        sentence = text[start:end].strip()
        if sentence not in found and all(o.search(sentence) for o in others):
            found.append(sentence)
            if len(found) == limit:
                break
    return found


def _search(b: _Builder) -> None:
    terms = list(b.q.search_terms)[:6]
    member_id = b.q.member_ids[0] if b.q.member_ids else None
    hits = search_documents(b.session, terms, member_id=member_id, limit=3)
    shown = " ".join(terms)
    if not hits:
        b.say("search_none", terms=shown)
        return
    b.say("search_head", terms=shown)
    stems = [t.rstrip("s") for t in terms]
    for hit in hits:
        document = queries.document(b.session, hit.document_id)
        if document is None:
            continue
        for sentence in _sentences_with(document.text, stems):
            b.lines.append(f"• “{_clip(sentence, stems[0])}”")
        b.cite_document(document)
