"""Composing answers from the knowledge base: one function per kind of question (members' in
``bot.member_answers``).

Each answer says plainly what the sources do not state, and ends with the sources it used. The facts it
relied on travel with it (``Answer.facts``) so front ends can show or export them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sqlmodel import Session

from bot.answer_builder import Answer, Builder, Source, clip, member_name, the_member
from bot.member_answers import member_event, member_status, members_by_status, members_in
from bot.messages import format_date, join_list, level, ordinal, say
from bot.open_answers import open_question
from bot.question import MAX_COMMITMENT_NUMBER, Intent, Question
from storage import queries
from storage.models import Completion, EarlyResults, SubjectType
from storage.names import normalize
from storage.queries import CommitmentRow, MemberProfile, MemberRow, PlanRow, SourcedFact
from storage.search import MARK_END, MARK_START, clean_terms, search

__all__ = ["Answer", "Source", "compose"]

# -- dispatch ----------------------------------------------------------------------------------------


def compose(session: Session, question: Question,
            document_count: Callable[[Session], int] | None = None) -> Answer:
    """The answer to ``question``; ``document_count`` gives the collection's size if the caller keeps it
    (searches count the documents themselves otherwise)."""
    b = Builder(session, question, document_count)
    simple = {Intent.EMPTY: "empty", Intent.GREETING: "greeting", Intent.HELP: "help",
              Intent.UNKNOWN: "unknown"}
    if question.intent in simple:
        b.say(simple[question.intent])
        return b.answer()
    handlers = {
        Intent.COMMITMENT_STATUS: _commitment_status,
        Intent.COMMITMENTS_BY_STATE: _commitments_by_state,
        Intent.PLAN_SUMMARY: _plan_summary,
        Intent.MEMBER_STATUS: member_status,
        Intent.MEMBER_EVENT: member_event,
        Intent.MEMBERS_BY_STATUS: members_by_status,
        Intent.MEMBERS_IN: members_in,
        Intent.LATEST_REPORTS: _latest_reports,
        Intent.TOTALS: _totals,
        Intent.SEARCH: _search,
        Intent.OPEN: open_question,
    }
    handlers[question.intent](b)
    return b.answer()


# -- plans and commitments ---------------------------------------------------------------------------


def _the_plan(b: Builder, profile: MemberProfile) -> PlanRow | None:
    plan = profile.plan(b.q.plan_ordinal)
    if plan is None:
        name = member_name(profile.member, b.lang)
        known = [ordinal(b.lang, p.ordinal) for p in profile.plans]
        if b.q.plan_ordinal is not None and known:
            b.say("no_plan_ordinal", member=name, ordinal=ordinal(b.lang, b.q.plan_ordinal),
                  known=join_list(b.lang, known))
        else:
            b.say("no_plan", member=name)
    return plan


def _member_and_plan(b: Builder) -> tuple[MemberRow, PlanRow] | None:
    """The member and plan asked about; says what is missing and returns None when either is."""
    profile = the_member(b)
    plan = _the_plan(b, profile) if profile is not None else None
    return (profile.member, plan) if profile is not None and plan is not None else None


def plan_label(b: Builder, member: MemberRow, plan: PlanRow) -> str:
    period = ""
    if plan.start_year and plan.end_year:
        extension = say(b.lang, "extension", date=format_date(b.lang, plan.extended_to)) if plan.extended_to else ""
        period = say(b.lang, "period", start=plan.start_year, end=plan.end_year, extension=extension)
    return say(b.lang, "plan_label", member=member_name(member, b.lang), ordinal=ordinal(b.lang, plan.ordinal),
               period=period)


def _facts(b: Builder, plan: PlanRow, commitments: Sequence[CommitmentRow] = ()
           ) -> tuple[list[SourcedFact], dict[int, list[SourcedFact]]]:
    """Every fact about the plan, and about each of ``commitments`` (by id), in one query."""
    subjects = [(SubjectType.PLAN, plan.id)] + [(SubjectType.COMMITMENT, c.id) for c in commitments]
    found = queries.facts_of(b.session, subjects)
    by_commitment = {c.id: found.get((SubjectType.COMMITMENT, c.id), []) for c in commitments}
    return found.get((SubjectType.PLAN, plan.id), []), by_commitment


def _use_plan_facts(b: Builder, facts: list[SourcedFact]) -> None:
    """The plan's facts, then the documents they were read from (cited even when only the document's
    own address, not the fact's source, is new)."""
    b.use(facts)
    for fact in facts:
        if fact.document_url:
            b.cite(fact.document_url, fact.source_title, fact.source_kind)


def _tally_text(b: Builder, counts: dict[str, int], order: list[str]) -> str:
    return ", ".join(f"{counts[lvl]} {level(b.lang, lvl)}" for lvl in order if lvl in counts)


COMPLETION_ORDER = [c.value for c in reversed(Completion)]
RESULTS_ORDER = [r.value for r in reversed(EarlyResults)]


def _commitment_status(b: Builder) -> None:
    found = _member_and_plan(b)
    if found is None:
        return
    member, plan = found
    assert b.q.commitment_number is not None
    number = b.q.commitment_number
    label = plan_label(b, member, plan)
    if (plan.commitment_count is not None and number > plan.commitment_count) or number > MAX_COMMITMENT_NUMBER:
        if plan.commitment_count is None:  # no plan has that many: the number itself says so
            b.say("commitment_missing_nocount", plan_label=label, number=number)
            return
        b.say("commitment_missing", plan_label=label, count=plan.commitment_count, number=number)
        plan_facts, _ = _facts(b, plan)
        b.use([f for f in plan_facts if f.predicate == "commitment_count"], quote=True)
        return
    commitment = queries.commitment_row(b.session, plan.id, number)
    plan_facts, by_commitment = _facts(b, plan, [commitment] if commitment is not None else [])
    facts = by_commitment.get(commitment.id, []) if commitment is not None else []
    if commitment is None or not (commitment.state or commitment.completion or commitment.early_results):
        _commitment_unstated(b, plan, label, number, facts, plan_facts)
        return
    _commitment_details(b, label, commitment, facts, plan_facts)


def _commitment_unstated(b: Builder, plan: PlanRow, label: str, number: int, facts: list[SourcedFact],
                         plan_facts: list[SourcedFact]) -> None:
    if plan.commitment_count is not None:
        b.say("commitment_unstated", plan_label=label, number=number, count=plan.commitment_count)
    else:
        b.say("commitment_unstated_nocount", plan_label=label, number=number)
    tallies = queries.tally_counts(b.session, plan.id)
    parts = []
    if "completion" in tallies:
        parts.append(say(b.lang, "by_completion", items=_tally_text(b, tallies["completion"], COMPLETION_ORDER)))
    if "early_results" in tallies:
        parts.append(say(b.lang, "by_results", items=_tally_text(b, tallies["early_results"], RESULTS_ORDER)))
    b.lines += parts
    b.use(facts, quote=True)
    _use_plan_facts(b, plan_facts)


def _commitment_details(b: Builder, label: str, commitment: CommitmentRow, facts: list[SourcedFact],
                        plan_facts: list[SourcedFact]) -> None:
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
    quoted = {f.evidence: f for f in facts if f.predicate in {"mentioned", "state", "decision_record"}}
    focus = f"{commitment.number} ({commitment.title})" if commitment.title else None
    b.use(list(quoted.values())[:3], quote=True, focus=focus)
    b.use([f for f in facts if f.evidence not in quoted])
    _use_plan_facts(b, plan_facts)


def _completed_named(plan_facts: list[SourcedFact]) -> list[str]:
    """Titles of commitments the plan's sources name as complete (commitments without a number)."""
    return [f.value["title"] for f in plan_facts
            if f.predicate == "named_commitment" and f.value.get("completion") == "complete"]


def _plan_summary(b: Builder) -> None:
    found = _member_and_plan(b)
    if found is None:
        return
    member, plan = found
    label = plan_label(b, member, plan)
    if plan.commitment_count is not None:
        b.say("plan_head", plan_label=label, count=plan.commitment_count)
    else:
        b.say("plan_head_nocount", plan_label=label)
    tallies = queries.tally_counts(b.session, plan.id)
    if "completion" in tallies:
        b.say("by_completion", items=_tally_text(b, tallies["completion"], COMPLETION_ORDER))
    else:
        b.say("completion_none")
    if "early_results" in tallies:
        b.say("by_results", items=_tally_text(b, tallies["early_results"], RESULTS_ORDER))
    else:
        b.say("results_none")
    commitments = queries.commitment_rows(b.session, plan.id)
    inactive = [_commitment_name(c) for c in commitments if c.state == "inactive"]
    if inactive:
        b.say("inactive_list", items=join_list(b.lang, inactive))
    plan_facts, _ = _facts(b, plan)
    named = _completed_named(plan_facts)
    if named:
        b.say("named_complete", items="; ".join(named))
    _use_plan_facts(b, plan_facts)


def _commitment_name(c: CommitmentRow) -> str:
    return f"{c.number} ({c.title})" if c.title else str(c.number)


def _commitments_by_state(b: Builder) -> None:
    found = _member_and_plan(b)
    if found is None:
        return
    member, plan = found
    assert b.q.state is not None
    state = b.q.state
    commitments = queries.commitment_rows(b.session, plan.id)
    matching = [c for c in commitments if c.state == state or c.completion == state]
    plan_facts, by_commitment = _facts(b, plan, matching)
    if state == "complete":
        items = [_commitment_name(c) for c in commitments if c.completion == "complete"]
        items += _completed_named(plan_facts)
    else:
        items = [_commitment_name(c) for c in commitments if c.state == state]
    label_key = f"label_state_{state}"
    label = plan_label(b, member, plan)
    if items:
        b.say("by_state_head", label=say(b.lang, label_key), plan_label=label, items=join_list(b.lang, items))
    else:
        b.say("by_state_none", label=say(b.lang, label_key).lower(), plan_label=label)
    for c in matching:
        b.use([f for f in by_commitment[c.id] if f.predicate == "state"])
    _use_plan_facts(b, plan_facts)


# -- members -----------------------------------------------------------------------------------------


def _totals(b: Builder) -> None:
    facts = queries.facts_without_subject(b.session, SubjectType.OGP, "totals")
    if not facts:
        b.say("totals_none")
        return
    latest = facts[0]
    b.say("totals", countries=latest.value["countries"], locals=latest.value.get("locals") or "?",
          seen=format_date(b.lang, latest.seen_at.date()))
    b.use([latest], quote=True)


# -- documents ---------------------------------------------------------------------------------------


def _latest_reports(b: Builder) -> None:
    profile = the_member(b)
    if profile is None:
        return
    member = profile.member
    name = member_name(member, b.lang)
    reports = queries.latest_report_refs(b.session, member.id)
    if not reports:
        b.say("reports_none", member=name)
        return
    b.say("reports_head", member=name)
    for report in reports:
        b.lines.append(f"• {report.title}" + (f" ({report.period})" if report.period else ""))
        b.cite_document(report)


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}")


def _quotes(excerpt: str, words: list[str], limit: int = 2) -> list[str]:
    """The sentences of a search excerpt that hold every search word, first ones first.

    ``words`` are the cleaned search terms; a sentence holds one when a marked (matching) word starts
    with it, accents and case aside. A sentence the excerpt's window cuts gets "…" on that side: at the
    start when it does not begin with a capital (the window started inside it), at the end when it
    has no closing punctuation; such a piece is quoted only as the first quote.
    """
    if MARK_START not in excerpt:
        return []
    stems = [normalize(word) for word in words]
    body = excerpt.strip().removeprefix("…").removesuffix("…").strip()
    pieces = _SENTENCE_BREAK.split(body)
    found: list[str] = []
    for i, piece in enumerate(pieces):
        marked = [normalize(word) for word in _MARKED.findall(piece)]
        if not marked or not all(any(m.startswith(stem) for m in marked) for stem in stems):
            continue
        focus = _MARKED.search(piece)
        sentence = piece.replace(MARK_START, "").replace(MARK_END, "").strip()
        cut = False
        if i == 0 and not sentence[:1].isupper() and not sentence[:1].isdigit():
            sentence, cut = "…" + sentence, True
        if i == len(pieces) - 1 and not sentence.endswith((".", "!", "?")):
            sentence, cut = sentence + "…", True
        if cut and found:
            continue  # a second quote only if it is a whole sentence
        found.append(clip(sentence, focus.group(1) if focus else None))
        if len(found) == limit:
            break
    return found


def _search(b: Builder) -> None:
    terms = list(b.q.search_terms)[:6]
    member_id = b.q.member_ids[0] if b.q.member_ids else None
    documents = b.document_count(b.session) if b.document_count else None
    result = search(b.session, terms, member_id=member_id, limit=3, excerpts=True, documents=documents)
    shown = " ".join(terms)
    if not result.hits:
        b.say("search_none", terms=shown)
        return
    if result.too_general:
        b.say("search_general", terms=shown, documents=result.documents)
    else:
        b.say("search_head", terms=shown)
    words = clean_terms(terms)
    for hit in result.hits:
        for quote in _quotes(hit.excerpt, words):
            b.lines.append(f"• “{quote}”")
        b.cite(hit.url, hit.title, hit.kind)
    if result.too_general:
        b.say("search_narrow")
