"""Made-up knowledge for the chat's tests: a member whose plan has more commitments than the seed pages
name, to exercise paging and charts built from commitments. Clearly synthetic, never an OGP fact."""

from __future__ import annotations

from sqlmodel import Session

from storage import knowledge
from storage.models import Completion

SYNTHETIC_MEMBER = "Synthetic Country"


def add_synthetic_plan(session: Session, *, commitments: int = 25, rated: int = 6, count: int | None = 30) -> int:
    """A country with a 2nd action plan (2020-2022) of ``count`` commitments, ``commitments`` of them named,
    the first ``rated`` with a completion level (and no IRM tally); returns the member's id."""
    member = knowledge.ensure_member(session, SYNTHETIC_MEMBER, kind="country")
    plan = knowledge.ensure_plan(session, member, 2)
    plan.start_year, plan.end_year, plan.commitment_count = 2020, 2022, count
    session.add(plan)
    levels = list(Completion)
    for number in range(1, commitments + 1):
        commitment = knowledge.ensure_commitment(session, plan, number)
        commitment.title = f"synthetic topic {number}"
        if number <= rated:
            commitment.completion = levels[number % len(levels)].value
        session.add(commitment)
    session.flush()
    assert member.id is not None
    return member.id
