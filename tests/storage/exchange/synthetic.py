"""Generated, clearly synthetic data for the data-exchange tests: members named "Synthetic Country NNN",
sources under https://synthetic.example/, and commitment CSV files built from them. None of it is an OGP fact.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session

from storage import knowledge
from storage.events import NewEvent, record_events
from storage.models import Completion, EarlyResults, EventKind, Member

SYNTHETIC_BASE = "https://synthetic.example/"
IMPORT_COLUMNS = ("member", "plan", "number", "title", "completion", "early_results", "source_url", "evidence",
                  "seen_at")


def synthetic_name(number: int) -> str:
    return f"Synthetic Country {number:03d}"


def add_members(session: Session, numbers: Iterable[int] = (17, 18)) -> list[Member]:
    members = [knowledge.ensure_member(session, synthetic_name(n), kind="country") for n in numbers]
    session.flush()
    return members


def report_url(member_number: int, plan: int) -> str:
    return f"{SYNTHETIC_BASE}irm/synthetic-country-{member_number:03d}-plan-{plan}-report/"


def commitment_rows(member_numbers: Sequence[int] = (17, 18), *, plans: Sequence[int] = (2,),
                    per_plan: int = 5) -> list[dict[str, Any]]:
    """Rows for every member, plan and number, cycling through the levels (some left blank)."""
    completions = [*list(Completion), ""]
    results = [*list(EarlyResults), "", ""]
    rows = []
    for member_number in member_numbers:
        for plan in plans:
            for number in range(1, per_plan + 1):
                index = member_number + plan + number
                rows.append({
                    "member": synthetic_name(member_number), "plan": str(plan), "number": str(number),
                    "title": f"synthetic topic {member_number}-{plan}-{number}",
                    "completion": str(completions[index % len(completions)]),
                    "early_results": str(results[index % len(results)]),
                    "source_url": report_url(member_number, plan),
                    "evidence": f"Synthetic test sentence: commitment {number} of {synthetic_name(member_number)}'s "
                                f"plan {plan} is made up for this test.",
                    "seen_at": f"2024-0{1 + number % 9}-1{number % 10}",
                })
    return rows


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str] = IMPORT_COLUMNS, *, delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode("utf-8")


def add_events(session: Session, member: Member, titles: Sequence[str]) -> None:
    record_events(session, [
        NewEvent(key=f"synthetic-{index}", kind=EventKind.NEW_REPORT, title=title,
                 url=f"{SYNTHETIC_BASE}news/{index}/", evidence=f"Synthetic evidence sentence {index}.",
                 member_id=member.id, source_id=index, payload={"synthetic": True, "n": index},
                 baseline=index % 2 == 0)
        for index, title in enumerate(titles, start=1)
    ])
