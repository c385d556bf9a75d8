"""Answers about members: where one stands, what happened to it, and lists of members."""

from __future__ import annotations

from bot.answer_builder import MAX_LISTED, Builder, member_name, the_member
from bot.messages import format_date, format_partial_date, level, say
from bot.open_answers import add_reasons
from storage import queries
from storage.models import MemberStatus, SubjectType
from storage.queries import MemberRow, SourcedFact


def member_status(b: Builder) -> None:
    profile = the_member(b)
    if profile is None:
        return
    member = profile.member
    name = member_name(member, b.lang)
    facts = queries.facts_of(b.session, [(SubjectType.MEMBER, member.id)]).get((SubjectType.MEMBER, member.id), [])
    seen = format_date(b.lang, member.status_seen_at.date()) if member.status_seen_at else "?"
    key = {MemberStatus.WITHDRAWN: "member_withdrawn", MemberStatus.ACTIVE: "member_active",
           MemberStatus.INACTIVE: "member_inactive", MemberStatus.UNDER_REVIEW: "member_under_review",
           }.get(MemberStatus(member.status), "member_unknown")
    if key == "member_unknown" and member.joined_year:  # "Is Mexico a member?": it joined, and nothing since
        b.say("member_joined_only", name=name, year=member.joined_year,
              founding=say(b.lang, "founding") if _fact(facts, "founding") else "")
    else:
        b.say(key, name=name, seen=seen)
    b.lines.append(_member_line(b, member, profile.parent))
    history = queries.status_changes(b.session, member.id)
    if len(history) > 1:
        items = [f"{level(b.lang, h.status)} ({_when_seen(b, h)})" for h in history]
        b.say("history", items=" → ".join(items))
    status_facts = [f for f in facts if f.predicate == "status" and f.value == member.status]
    b.use(status_facts[:1], quote=True)
    if b.q.asks_why:  # "why is Hungary inactive?"
        add_reasons(b, member)
    b.use([f for f in facts if f not in status_facts[:1]])
    if not facts:
        for document in queries.latest_report_refs(b.session, member.id, limit=1):
            b.cite_document(document)


def _member_line(b: Builder, member: MemberRow, country: MemberRow | None) -> str:
    kind = say(b.lang, f"kind_{member.kind}")
    parent = say(b.lang, "in_country", country=member_name(country, b.lang)) if member.parent_id and country else ""
    joined = say(b.lang, "joined", year=member.joined_year) if member.joined_year else ""
    return say(b.lang, "member_line", name=member_name(member, b.lang), kind=kind, parent=parent, joined=joined,
               status=level(b.lang, member.status))


def members_by_status(b: Builder) -> None:
    status = b.q.state if b.q.state in {"withdrawn", "inactive", "active"} else None
    if status is None:
        members = queries.all_member_rows(b.session)
        b.say("members_all_head", count=len(members))
    else:
        members = queries.member_rows_with_status(b.session, status)
        label = say(b.lang, f"label_{status}")
        if not members:
            b.say("members_status_none", label=label)
            return
        b.say("members_status_head", label=label, count=len(members))
    _list_members(b, members)


def members_in(b: Builder) -> None:
    profile = the_member(b)
    if profile is None:
        return
    country = profile.member
    members = queries.member_rows_in(b.session, country.id)
    if not members:
        member_status(b)
        return
    b.say("members_in_head", country=member_name(country, b.lang), count=len(members))
    _list_members(b, members)


def _list_members(b: Builder, members: queries.MemberListing) -> None:
    shown = members[:MAX_LISTED]
    facts = queries.facts_of(b.session, [(SubjectType.MEMBER, m.id) for m, _ in shown], "status")
    for member, parent in shown:
        b.lines.append("• " + _member_line(b, member, parent))
        b.use(facts.get((SubjectType.MEMBER, member.id), [])[:1])
    if len(members) > MAX_LISTED:
        b.say("more", count=len(members) - MAX_LISTED)


def _fact(facts: list[SourcedFact], predicate: str, status: str | None = None) -> SourcedFact | None:
    """The first fact of ``predicate`` (about ``status``, for status_effective)."""
    for f in facts:
        if f.predicate != predicate:
            continue
        if status is None or (isinstance(f.value, dict) and f.value.get("status") == status):
            return f
    return None


def _when_seen(b: Builder, change: queries.StatusChangeRow) -> str:
    """When a status change took effect, if the source says; else when it was first seen."""
    if change.effective:
        return format_partial_date(b.lang, change.effective)[0]
    return format_date(b.lang, change.seen_at.date())


def _effective_phrase(b: Builder, effective: SourcedFact | None) -> str:
    """ " on 21 Sep 2017, as the source states" from a status_effective fact; "" when there is none."""
    if effective is None or not isinstance(effective.value, dict) or not effective.value.get("date"):
        return ""
    words, is_day = format_partial_date(b.lang, str(effective.value["date"]))
    basis = effective.value.get("basis")
    phrase = say(b.lang, "on_date" if is_day else "in_date", date=words)
    return phrase + (say(b.lang, f"basis_{basis}") if basis in {"sentence", "letter", "page"} else "")


_HOW = {"removed": "how_removed", "will_withdraw": "how_will_withdraw", "no_longer_participating": "how_no_longer"}


def member_event(b: Builder) -> None:
    """ "Did X withdraw?", "When did X leave?", "Did X join?": yes or no first, then the date and how it is
    known, then the sentence that says it."""
    profile = the_member(b)
    if profile is None:
        return
    member = profile.member
    name = member_name(member, b.lang)
    facts = queries.facts_of(b.session, [(SubjectType.MEMBER, member.id)]).get((SubjectType.MEMBER, member.id), [])
    if b.q.event == "joined":
        _joined_event(b, member, name, facts)
    else:
        _left_event(b, member, name, facts)
    if b.q.asks_why:
        add_reasons(b, member)
    b.lines.append(_member_line(b, member, profile.parent))


def _left_event(b: Builder, member: MemberRow, name: str, facts: list[SourcedFact]) -> None:
    status = MemberStatus(member.status)
    if status != MemberStatus.WITHDRAWN:
        if status in {MemberStatus.INACTIVE, MemberStatus.UNDER_REVIEW}:
            b.say("left_no_but", name=name, status=level(b.lang, status),
                  when=_effective_phrase(b, _fact(facts, "status_effective", status)))
            b.use([f for f in facts if f.predicate == "status" and f.value == status][:1], quote=True)
        else:
            b.say("left_no", name=name)
            b.use([f for f in facts if f.predicate in {"status", "joined"}][:1])
        return
    effective = _fact(facts, "status_effective", MemberStatus.WITHDRAWN)
    predicate = effective.value.get("predicate") if effective and isinstance(effective.value, dict) else None
    how = say(b.lang, _HOW[predicate]) if predicate in _HOW else ""
    when = _effective_phrase(b, effective)
    if b.q.asks_when and not when:
        seen = format_date(b.lang, member.status_seen_at.date()) if member.status_seen_at else "?"
        b.say("left_when_unknown", name=name, how=how, seen=seen)
    else:
        b.say("left_when" if b.q.asks_when else "left_yes", name=name, how=how, when=when)
    quoted = effective or next((f for f in facts if f.predicate == "status" and f.value == status), None)
    b.use([quoted] if quoted else [], quote=True)


def _joined_event(b: Builder, member: MemberRow, name: str, facts: list[SourcedFact]) -> None:
    joined = _fact(facts, "joined")
    if member.joined_year is None:
        b.say("joined_unknown", name=name)
        return
    founding = say(b.lang, "founding") if _fact(facts, "founding") else ""
    b.say("joined_when" if b.q.asks_when else "joined_yes", name=name, year=member.joined_year, founding=founding)
    b.use([joined] if joined else [], quote=True)
    if member.status == MemberStatus.WITHDRAWN:
        b.say("since_left", when=_effective_phrase(b, _fact(facts, "status_effective", MemberStatus.WITHDRAWN)))
