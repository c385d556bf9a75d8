"""A synthetic knowledge base at OGP scale, for measuring the bot, never for answering anyone.

Everything here is invented and says so: members are called "Synthetic Country 017" or
"Synthetic Town 042 (synthetic)", every URL is under https://synthetic.example/ and every title and
document carries the word "synthetic". No real member, date or status is copied, so a benchmark database
can never be mistaken for (or leak into) the real one.

Members, plans, tallies and commitments go through ``storage.knowledge`` so they obey the same rules as
ingested data (aliases, status history, vocabularies). Documents and facts, tens of thousands of rows,
are bulk-inserted in the same transaction: one ``record_fact``/``upsert_document`` round trip each would
make generation take minutes without changing what the reader side sees.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from storage import knowledge
from storage.database import session_scope
from storage.models import (
    IRM_REPORT_KINDS,
    ActionPlan,
    Commitment,
    CommitmentState,
    Completion,
    Document,
    DocumentKind,
    EarlyResults,
    Fact,
    Member,
    MemberKind,
    MemberStatus,
    Sentence,
    SubjectType,
)
from storage.sentences import member_token
from storage.terms import index_terms

BASE_URL = "https://synthetic.example"
SYNTHETIC_BODY = "Synthetic Steering Committee"
SYNTHETIC_NOTICE = "This is a synthetic document generated for benchmarking; none of it is true."

COUNTRY_SHARE = 1 / 3
"""OGP has roughly one national member for every two local ones (about 75 of 225)."""

STATUS_WEIGHTS = {
    MemberStatus.ACTIVE: 0.85,
    MemberStatus.INACTIVE: 0.07,
    MemberStatus.WITHDRAWN: 0.05,
    MemberStatus.UNKNOWN: 0.03,
}
"""Drawn at random; a few withdrawn and inactive members so the "which members withdrew?" lists are not empty."""

TOPIC_WORDS = (
    "trusts", "water", "budget", "procurement", "beneficial", "ownership", "health", "education",
    "justice", "police", "mining", "climate", "gender", "youth", "housing", "transport", "elections",
    "lobbying", "whistleblowers", "fisheries", "forests", "pensions", "taxes", "subsidies", "contracts",
    "vaccines", "roads", "schools", "courts", "privacy", "agua", "presupuesto", "fideicomisos", "salud",
    "contratos",
)
"""Rarer words, a few per document, so full-text questions hit hundreds of documents, not all of them.

A few are Spanish so that Spanish search questions find something too."""

COMMON_WORDS = """
the of and to in a for on with by as is that be this are from at or was an it its which has have been
government public open data information access citizens civil society participation accountability
transparency commitment commitments plan action national local municipal council ministry office agency
report reports review design progress results implementation milestone milestones assessment evaluation
independent mechanism irm ogp partnership members member cocreation consultation forum multistakeholder
platform portal website online digital register registry registers disclosure publish published
publication policy policies law laws regulation regulations reform reforms framework strategy strategies
standard standards process processes mechanism mechanisms service services delivery quality capacity
training guidelines guidance tool tools system systems database datasets indicators monitoring oversight
audit audits spending expenditure revenue revenues fiscal financial finance resources funding grants
official officials staff team teams working group groups committee committees meeting meetings minutes
stakeholders organisations organizations networks communities community residents users feedback
complaints requests responses response right rights freedom expression integrity ethics conflict
interest declarations assets anticorruption corruption risk risks prevention sanctions enforcement
compliance legal legislation parliament congress assembly senate judiciary executive branch level levels
region regions province provinces district districts city cities town towns village villages rural urban
area areas sector sectors private companies business businesses market markets economic social
environmental cultural political institutional technical administrative operational strategic annual
quarterly monthly first second third fourth fifth new current previous next period year years month
months date dates deadline deadlines timeline schedule completed started ongoing pending delayed limited
substantial complete partial significant marginal outstanding none early evidence evidenced changed
improved increased reduced expanded strengthened established created developed adopted approved
launched implemented reviewed assessed measured reported noted found showed suggested recommended
required requested agreed decided classified considered included involved engaged supported led
""".split()
"""A frame vocabulary, drawn with Zipf-like weights so a few words are everywhere and most are rarer."""

IRM_KIND_TITLES = {
    DocumentKind.RESULTS_REPORT: "Results Report",
    DocumentKind.ACTION_PLAN_REVIEW: "Action Plan Review",
    DocumentKind.DESIGN_REPORT: "Design Report",
    DocumentKind.PROGRESS_REPORT: "Progress Report",
    DocumentKind.END_OF_TERM_REPORT: "End-of-Term Report",
}
OTHER_KINDS = (DocumentKind.NEWS, DocumentKind.NEWS, DocumentKind.NEWS, DocumentKind.MEMBER_PAGE,
               DocumentKind.OTHER)
"""News dominates what a crawl brings back besides IRM reports."""


@dataclass
class GeneratedCounts:
    """What ``generate`` wrote, so the benchmark can print it and check it hit the requested scale."""

    members: int = 0
    countries: int = 0
    locals: int = 0
    plans: int = 0
    commitments: int = 0
    documents: int = 0
    facts: int = 0
    tallies: int = 0
    sentences: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _PlanDraft:
    plan: ActionPlan
    member: Member
    commitments: list[Commitment] = field(default_factory=list)
    report: Document | None = None


class _Text:
    """Sentence-shaped filler from the word lists; cheap enough for 20,000 documents of a few hundred words."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.weights = [1 / (rank + 1) for rank in range(len(COMMON_WORDS))]  # Zipf, s = 1

    def sentence(self, topics: list[str]) -> str:
        words = self.rng.choices(COMMON_WORDS, self.weights, k=self.rng.randint(8, 20))
        if topics and self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(topics))
        return " ".join(words).capitalize() + "."

    def body(self, lead: list[str], topics: list[str], words: int) -> str:
        sentences = list(lead)
        count = sum(len(s.split()) for s in sentences)
        while count < words:
            sentence = self.sentence(topics)
            sentences.append(sentence)
            count += len(sentence.split())
        sentences.append(SYNTHETIC_NOTICE)
        return " ".join(sentences)


def country_name(n: int) -> str:
    return f"Synthetic Country {n:03d}"


def local_name(n: int) -> str:
    return f"Synthetic Town {n:03d} (synthetic)"


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def fact_key(subject_type: str, subject_id: int | None, predicate: str, encoded: str, source_url: str) -> str:
    """The same digest ``knowledge.record_fact`` uses, so bulk-inserted facts deduplicate like recorded ones."""
    payload = json.dumps([str(subject_type), subject_id, predicate, encoded, source_url])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _FactBuffer:
    """Facts collected in memory and inserted in one ``add_all``; duplicates are dropped as record_fact would."""

    def __init__(self) -> None:
        self.facts: dict[str, Fact] = {}

    def add(self, subject_type: SubjectType, subject_id: int | None, predicate: str, value: Any,
            document: Document, evidence: str, seen_at: datetime) -> None:
        encoded = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        key = fact_key(subject_type, subject_id, predicate, encoded, document.url)
        self.facts[key] = Fact(
            key=key, subject_type=subject_type, subject_id=subject_id, predicate=predicate, value=encoded,
            source_url=document.url, document_id=document.id, evidence=evidence, first_seen_at=seen_at,
            seen_at=seen_at,
        )


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` split into ``parts`` uneven shares of at least one each (when there is enough to go round)."""
    if parts <= 0:
        return []
    weights = [rng.uniform(0.4, 1.6) for _ in range(parts)]
    scale = sum(weights)
    shares = [max(1, int(total * w / scale)) for w in weights]
    i = 0
    while sum(shares) < total:
        shares[i % parts] += 1
        i += 1
    while sum(shares) > total and any(s > 1 for s in shares):
        j = max(range(parts), key=shares.__getitem__)
        shares[j] -= 1
    return shares


def _moment(rng: random.Random, year: int) -> datetime:
    return datetime(year, 1, 1) + timedelta(days=rng.randrange(365), seconds=rng.randrange(86_400))


def generate(engine: Engine, members: int = 225, commitments: int = 6000, documents: int = 20000,
             seed: int = 1) -> GeneratedCounts:
    """Fill an empty, migrated database with synthetic members, plans, commitments, documents and facts.

    Deterministic for a given ``seed``, so two runs of the benchmark measure the same data. Runs as one
    transaction: a failure leaves the database as it was.
    """
    rng = random.Random(seed)
    text = _Text(rng)
    counts = GeneratedCounts()
    facts = _FactBuffer()
    with session_scope(engine) as session:
        all_members = _members(session, rng, members, counts)
        drafts = _plans(session, rng, all_members, commitments, counts)
        docs = _documents(session, rng, text, all_members, drafts, documents, counts)
        _facts(rng, all_members, drafts, docs, facts)
        session.add_all(list(facts.facts.values()))
        session.flush()
        counts.facts = len(facts.facts)
    return counts


def _members(session: Any, rng: random.Random, count: int, counts: GeneratedCounts) -> list[Member]:
    countries = max(1, round(count * COUNTRY_SHARE)) if count else 0
    result: list[Member] = []
    for n in range(1, countries + 1):
        member = knowledge.ensure_member(session, country_name(n), kind=MemberKind.COUNTRY)
        member.joined_year = rng.randint(2011, 2016)
        result.append(member)
    country_members = list(result)
    for n in range(1, count - countries + 1):
        parent = rng.choice(country_members)
        member = knowledge.ensure_member(session, local_name(n), kind=MemberKind.LOCAL, parent=parent)
        member.joined_year = rng.randint(2016, 2022)
        result.append(member)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    for member in result:
        slug = _slug(member.name_en)
        url = f"{BASE_URL}/members/{slug}/"
        # Every member is first seen active; some are later seen with another status, which gives them
        # a history of two rows like real members that left or were made inactive.
        first = _moment(rng, member.joined_year or 2015)
        knowledge.set_member_status(session, member, MemberStatus.ACTIVE, source_url=url, seen_at=first,
                                    evidence=f"{member.name_en} is an active synthetic member.")
        status = rng.choices(statuses, weights)[0]
        if status != MemberStatus.ACTIVE:
            later = _moment(rng, min(2024, (member.joined_year or 2015) + rng.randint(2, 6)))
            knowledge.set_member_status(session, member, status, source_url=url, seen_at=later,
                                        evidence=f"{member.name_en} is now {status} (synthetic).")
        counts.status_counts[str(member.status)] = counts.status_counts.get(str(member.status), 0) + 1
        session.add(member)
    session.flush()
    counts.members = len(result)
    counts.countries = countries
    counts.locals = len(result) - countries
    return result


def _plans(session: Any, rng: random.Random, members: list[Member], total: int,
           counts: GeneratedCounts) -> list[_PlanDraft]:
    drafts: list[_PlanDraft] = []
    for member in members:
        country = member.kind == MemberKind.COUNTRY
        first_year = (member.joined_year or 2015) + 1
        for ordinal in range(1, (rng.randint(3, 6) if country else rng.randint(1, 3)) + 1):
            plan = knowledge.ensure_plan(session, member, ordinal)
            plan.start_year = first_year + 2 * (ordinal - 1)
            plan.end_year = plan.start_year + 2
            if rng.random() < 0.15:
                plan.extension_months = rng.choice([6, 12])
                plan.extended_to = date(plan.end_year, 12, 31) + timedelta(days=30 * plan.extension_months)
            drafts.append(_PlanDraft(plan, member))
    for draft, size in zip(drafts, _split(total, len(drafts), rng), strict=True):
        plan = draft.plan
        plan.commitment_count = size if rng.random() < 0.9 else None
        for number in range(1, size + 1):
            c = knowledge.ensure_commitment(session, plan, number)
            topic = rng.choice(TOPIC_WORDS)
            c.title = f"synthetic {number}: {topic}"
            if rng.random() < 0.8:
                c.completion = rng.choice(list(Completion))
            if rng.random() < 0.6:
                c.early_results = rng.choice(list(EarlyResults))
            roll = rng.random()
            if roll < 0.12:
                knowledge.set_commitment_state(c, CommitmentState.INACTIVE)
                c.state_body = SYNTHETIC_BODY
                c.state_date = date(plan.end_year or 2020, rng.randint(1, 12), rng.randint(1, 28))
                c.state_note = f"minutes of the {SYNTHETIC_BODY} dated {c.state_date.isoformat()}"
            elif roll < 0.6:
                knowledge.set_commitment_state(c, CommitmentState.ACTIVE)
                c.state_body = SYNTHETIC_BODY
            session.add(c)
            draft.commitments.append(c)
        for dimension, attribute in (("completion", "completion"), ("early_results", "early_results")):
            tally: dict[str, int] = {}
            for c in draft.commitments:
                value = getattr(c, attribute)
                if value:
                    tally[value] = tally.get(value, 0) + 1
            for level, n in tally.items():
                knowledge.set_tally(session, plan, dimension, level, n)
                counts.tallies += 1
        session.add(plan)
    session.flush()
    counts.plans = len(drafts)
    counts.commitments = sum(len(d.commitments) for d in drafts)
    return drafts


def _documents(session: Any, rng: random.Random, text: _Text, members: list[Member], drafts: list[_PlanDraft],
               total: int, counts: GeneratedCounts) -> list[Document]:
    """IRM-report-like documents for each plan first (they are what plan facts cite), then news-like ones."""
    docs: list[Document] = []
    irm_kinds = sorted(IRM_REPORT_KINDS)
    for draft in drafts:
        if len(docs) >= total:
            break
        member, plan = draft.member, draft.plan
        period = f"{plan.start_year}-{plan.end_year}"
        kinds = [DocumentKind.RESULTS_REPORT] + rng.sample(
            [k for k in irm_kinds if k != DocumentKind.RESULTS_REPORT], rng.randint(1, 4))
        for kind in kinds:
            if len(docs) >= total:
                break
            title = f"{member.name_en} {IRM_KIND_TITLES[kind]} {period} (synthetic)"
            lead = [f"{title}.", f"This synthetic report reviews the {plan.ordinal} action plan of "
                    f"{member.name_en}, with {len(draft.commitments)} commitments."]
            lead += [f"Commitment {c.number} ({c.title}) was classified {c.state} by the {SYNTHETIC_BODY}."
                     for c in draft.commitments[:3] if c.state]
            doc = _document(rng, text, kind, title, member, period, lead, plan.end_year or 2020)
            docs.append(doc)
            if kind == DocumentKind.RESULTS_REPORT:
                draft.report = doc
    while len(docs) < total:
        kind = rng.choice(OTHER_KINDS)
        member = rng.choice(members)
        n = len(docs) + 1
        label = "News" if kind == DocumentKind.NEWS else "Page"
        title = f"Synthetic {label} {n:05d} about {member.name_en}"
        lead = [f"{title}.", f"{member.name_en} published synthetic news."]
        linked = member if kind != DocumentKind.NEWS or rng.random() < 0.5 else None
        docs.append(_document(rng, text, kind, title, linked, None, lead, rng.randint(2012, 2024)))
    session.add_all(docs)
    session.flush()
    counts.documents = len(docs)
    counts.sentences = _sentences(session, docs)
    return docs


def _sentences(session: Any, docs: list[Document]) -> int:
    """Every document's sentences in the sentence index, as ingest would write them (one bulk insert: the
    filler's sentences all end in ". ", so splitting them needs no page analysis)."""
    rows = []
    for doc in docs:
        owner = f" {member_token(doc.member_id)}" if doc.member_id is not None else ""
        for position, sentence in enumerate(doc.text.replace(". ", ".\n").splitlines()):
            rows.append({"document_id": doc.id, "member_id": doc.member_id, "kind": str(doc.kind), "language": "en",
                         "position": position, "text": sentence, "terms": index_terms(sentence) + owner})
    for start in range(0, len(rows), SENTENCE_BATCH):
        session.execute(insert(Sentence), rows[start : start + SENTENCE_BATCH])
    return len(rows)


SENTENCE_BATCH = 5000


def open_questions(members: int = 225, count: int = 60, seed: int = 7) -> list[str]:
    """Open questions about the synthetic members, as a watchdog would type them: topic words of the
    filler vocabulary, a member's name, "why" questions about its status."""
    rng = random.Random(seed)
    countries = max(1, round(members * COUNTRY_SHARE))
    shapes = (
        "who leads the {topic} committee in {member}?",
        "what did the independent mechanism find about {topic} in {member}?",
        "why was the {topic} commitment of {member} delayed?",
        "what did {member} publish on {topic} and {topic2}?",
        "¿quién coordina el grupo de {topic} en {member}?",
        "what is the {topic} register?",
        "why did {member} leave OGP?",
    )
    out = []
    for _ in range(count):
        member = country_name(rng.randint(1, countries)) if rng.random() < 0.6 else local_name(
            rng.randint(1, members - countries))
        topic, topic2 = rng.sample(TOPIC_WORDS, 2)
        out.append(rng.choice(shapes).format(member=member, topic=topic, topic2=topic2))
    return out


def _document(rng: random.Random, text: _Text, kind: DocumentKind, title: str, member: Member | None,
              period: str | None, lead: list[str], year: int) -> Document:
    topics = rng.sample(TOPIC_WORDS, rng.randint(2, 4))
    body = text.body(lead, topics, rng.randint(200, 450))
    seen = _moment(rng, min(year + 1, 2025))
    url = f"{BASE_URL}/{'documents' if kind in IRM_REPORT_KINDS else 'news'}/{_slug(title)}/"
    return Document(
        url=url, title=title[:500], kind=kind, member_id=member.id if member else None, period=period,
        text=body, content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(), first_seen_at=seen,
        seen_at=seen,
    )


def _facts(rng: random.Random, members: list[Member], drafts: list[_PlanDraft], docs: list[Document],
           facts: _FactBuffer) -> None:
    """Facts shaped like the ingester's (same predicates and values), each with its evidence sentence."""
    pages: dict[int | None, Document] = {d.member_id: d for d in docs
                                         if d.kind == DocumentKind.MEMBER_PAGE and d.member_id}
    for member in members:
        page = pages.get(member.id)
        if page is None:
            continue
        facts.add(SubjectType.MEMBER, member.id, "status", str(member.status), page,
                  f"{member.name_en} is {member.status} (synthetic).", page.seen_at)
        if member.joined_year:
            facts.add(SubjectType.MEMBER, member.id, "joined", member.joined_year, page,
                      f"{member.name_en} joined in {member.joined_year} (synthetic).", page.seen_at)
    if docs:
        first = docs[0]
        countries = sum(m.kind == MemberKind.COUNTRY for m in members)
        facts.add(SubjectType.OGP, None, "totals", {"countries": countries, "locals": len(members) - countries},
                  first, f"The synthetic partnership has {countries} countries (synthetic).", first.seen_at)
    for doc in docs:
        if doc.kind in IRM_REPORT_KINDS:
            value = {"kind": doc.kind, "member": None, "period": doc.period, "is_draft": False}
            facts.add(SubjectType.DOCUMENT, doc.id, "report", value, doc, f"{doc.title}.", doc.seen_at)
    for draft in drafts:
        report, plan = draft.report, draft.plan
        if report is None:
            continue
        seen = report.seen_at
        facts.add(SubjectType.PLAN, plan.id, "ordinal", plan.ordinal, report,
                  f"This synthetic report reviews action plan {plan.ordinal}.", seen)
        if plan.commitment_count is not None:
            facts.add(SubjectType.PLAN, plan.id, "commitment_count", plan.commitment_count, report,
                      f"The synthetic plan has {plan.commitment_count} commitments.", seen)
        if plan.extended_to:
            facts.add(SubjectType.PLAN, plan.id, "extension",
                      {"months": plan.extension_months, "until": plan.extended_to}, report,
                      f"The synthetic plan was extended to {plan.extended_to.isoformat()}.", seen)
        for dimension in ("completion", "early_results"):
            tally: dict[str, int] = {}
            for c in draft.commitments:
                value = getattr(c, dimension)
                if value:
                    tally[value] = tally.get(value, 0) + 1
            for level, n in tally.items():
                facts.add(SubjectType.PLAN, plan.id, "tally", {"dimension": dimension, "level": level, "count": n},
                          report, f"{n} synthetic commitments reached {level} {dimension}.", seen)
        for c in rng.sample(draft.commitments, min(2, len(draft.commitments))):
            if c.completion == Completion.COMPLETE:
                facts.add(SubjectType.PLAN, plan.id, "named_commitment",
                          {"title": c.title, "completion": "complete"}, report,
                          f"The synthetic commitment on {c.title} was completed.", seen)
        for c in draft.commitments:
            facts.add(SubjectType.COMMITMENT, c.id, "mentioned", {"title": c.title}, report,
                      f"Commitment {c.number} ({c.title}) is part of the synthetic plan.", seen)
            if c.state:
                facts.add(SubjectType.COMMITMENT, c.id, "state", {"state": c.state, "body": c.state_body}, report,
                          f"Commitment {c.number} was classified {c.state} by the {SYNTHETIC_BODY}.", seen)
            if c.state_date:
                facts.add(SubjectType.COMMITMENT, c.id, "decision_record",
                          {"body": SYNTHETIC_BODY, "date": c.state_date}, report,
                          f"The {SYNTHETIC_BODY} decided on commitment {c.number} on {c.state_date.isoformat()}.",
                          seen)
            if c.early_results:
                facts.add(SubjectType.COMMITMENT, c.id, "early_results", c.early_results, report,
                          f"Commitment {c.number} showed {c.early_results} early results (synthetic).", seen)
