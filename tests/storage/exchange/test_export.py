"""Exports on SQLite and PostgreSQL: what is written parses back to what is stored, in both formats, with
provenance, formula-safe CSV cells, every row across batch boundaries, and a cap that stops early."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from jobs import starter
from storage import knowledge, sources
from storage.database import session_scope
from storage.exchange import tables
from storage.exchange.export import export, export_filename, export_to_file
from storage.exchange.formats import ExportTooLarge
from storage.exchange.spreadsheet import restore
from storage.models import Event, Fact, Member, Source, SourceKind, SubjectType
from tests.storage.exchange import synthetic

HOSTILE = ['=HYPERLINK("http://synthetic.example/x","click")', "+1+2", "-2+3", "@SUM(A1)"]
DOCS = Path(__file__).resolve().parents[3] / "docs" / "data-exchange.md"


def exported(engine: Engine, kind: str, export_format: str) -> list[dict[str, Any]]:
    out = io.StringIO(newline="")
    count = export(engine, kind, export_format, out)
    text = out.getvalue()
    rows = json.loads(text) if export_format == "json" else list(csv.DictReader(io.StringIO(text, newline="")))
    assert count == len(rows)
    return rows


@pytest.fixture
def filled(engine: Engine) -> Engine:
    """The starter data, plus synthetic members, commitments with hostile titles, events and sources."""
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
        member, _ = synthetic.add_members(session)
        plan = knowledge.ensure_plan(session, member, 2)
        for number, title in enumerate(HOSTILE, start=1):
            commitment = knowledge.ensure_commitment(session, plan, number)
            commitment.title = title
            knowledge.record_fact(session, subject_type=SubjectType.COMMITMENT, subject_id=commitment.id,
                                  predicate="mentioned", value={"title": title},
                                  source_url=synthetic.report_url(17, 2),
                                  evidence=f"Synthetic sentence naming commitment {number}.",
                                  seen_at=datetime(2024, 3, number, 12, 30))
        synthetic.add_events(session, member, [*HOSTILE, "Synthetic report published"])
        sources.add_source(session, url=f"{synthetic.SYNTHETIC_BASE}feed/", kind=SourceKind.FEED, label="=evil()",
                           interval_seconds=3600, added_by="test")
    return engine


@pytest.mark.parametrize("kind", list(tables.ExportKind))
def test_csv_and_json_hold_the_same_rows_with_the_documented_columns(filled: Engine, kind: str) -> None:
    as_csv = exported(filled, kind, "csv")
    as_json = exported(filled, kind, "json")
    columns = tables.table(kind).columns
    assert as_csv and len(as_csv) == len(as_json)
    assert [list(row) for row in as_json] == [list(columns)] * len(as_json)  # every key, in column order
    for csv_row, json_row in zip(as_csv, as_json, strict=True):
        for column in columns:
            value = json_row[column]
            expected = ("" if value is None else "true" if value is True else "false" if value is False
                        else json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict)
                        else str(value))
            assert restore(csv_row[column]) == expected, (kind, column)


def test_the_documentation_lists_every_column_in_order() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for kind in tables.ExportKind:
        section = text.split(f"### {kind.value}", 1)[1].split("\n### ", 1)[0]
        documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
        assert documented == list(tables.table(kind).columns), kind


def test_hostile_cells_are_neutralised_in_csv_and_left_as_stored_in_json(filled: Engine) -> None:
    raw = io.StringIO(newline="")
    export(filled, "commitments", "csv", raw)
    cells = [cell for row in csv.reader(io.StringIO(raw.getvalue(), newline="")) for cell in row]
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "@", "\t", "\r"}]
    assert not [cell for cell in cells if cell.startswith("-") and not cell.lstrip("-").isdigit()]
    titles = {row["title"] for row in exported(filled, "commitments", "csv") if row["member"].startswith("Synth")}
    assert titles == {"'" + title for title in HOSTILE}
    assert {row["title"] for row in exported(filled, "commitments", "json")} >= set(HOSTILE)
    assert [row["label"] for row in exported(filled, "sources", "csv")] == ["'=evil()"]
    assert {row["title"] for row in exported(filled, "events", "csv")} >= {"'" + title for title in HOSTILE}


def test_rows_carry_their_provenance(filled: Engine) -> None:
    with Session(filled) as session:
        member_facts = {(f.subject_id, f.source_url, f.evidence) for f in session.exec(
            select(Fact).where(Fact.subject_type == SubjectType.MEMBER, Fact.predicate == "status"))}
        withdrawn = session.exec(select(Member).where(Member.status == "withdrawn")).all()
    members = exported(filled, "members", "json")
    assert withdrawn
    for member in members:
        if member["status"] in {"withdrawn", "active", "inactive"}:
            assert (member["id"], member["source_url"], member["evidence"]) in member_facts
            assert datetime.fromisoformat(member["seen_at"].removesuffix("Z"))
    synthetic_rows = [row for row in exported(filled, "commitments", "json") if row["member_slug"] != "mexico"]
    assert [(row["number"], row["source_url"], row["evidence"], row["seen_at"]) for row in synthetic_rows] == [
        (number, synthetic.report_url(17, 2), f"Synthetic sentence naming commitment {number}.",
         f"2024-03-0{number}T12:30:00Z") for number in range(1, len(HOSTILE) + 1)]
    events = exported(filled, "events", "json")
    with Session(filled) as session:
        stored = session.exec(select(Event).order_by(Event.id)).all()
    assert [(e["source_url"], e["evidence"], e["details"], e["baseline"]) for e in events] == [
        (e.url, e.evidence, json.loads(e.payload), e.baseline) for e in stored]


def test_every_row_comes_out_once_and_in_order_across_batches(engine: Engine, monkeypatch) -> None:
    monkeypatch.setattr(tables, "BATCH_SIZE", 7)  # many batches from a small table
    with session_scope(engine) as session:
        members = synthetic.add_members(session, range(1, 4))
        for member in reversed(members):  # stored in the opposite order to the export's
            for ordinal in (2, 1):
                plan = knowledge.ensure_plan(session, member, ordinal)
                for number in range(12, 0, -1):
                    knowledge.ensure_commitment(session, plan, number)
        for n in range(1, 31):
            sources.add_source(session, url=f"{synthetic.SYNTHETIC_BASE}{n}/", kind=SourceKind.PAGE,
                               label=f"synthetic {n}", interval_seconds=3600, added_by="test")
    rows = exported(engine, "commitments", "json")
    keys = [(row["member_slug"], row["plan"], row["number"]) for row in rows]
    assert keys == sorted(keys) and len(keys) == len(set(keys)) == 3 * 2 * 12
    assert [row["id"] for row in exported(engine, "sources", "csv")] == [str(n) for n in range(1, 31)]
    assert len(exported(engine, "members", "json")) == 3


def test_an_empty_table_is_a_header_or_an_empty_list(engine: Engine) -> None:
    assert exported(engine, "events", "json") == []
    out = io.StringIO(newline="")
    assert export(engine, "events", "csv", out) == 0
    assert out.getvalue() == ",".join(tables.EVENT_COLUMNS) + "\r\n"


def test_a_capped_export_stops_at_the_cap(filled: Engine) -> None:
    out = io.StringIO(newline="")
    with pytest.raises(ExportTooLarge):
        export(filled, "members", "csv", out, max_bytes=300)
    assert len(out.getvalue().encode("utf-8")) <= 300
    document, count = export_to_file(filled, "members", "json", max_bytes=10_000_000)
    with document:
        assert len(json.loads(document.read().decode("utf-8"))) == count > 0


def test_file_names_say_what_and_when() -> None:
    assert export_filename("events", "json", datetime(2026, 11, 25, 14, 3)) == "ogp-watch-events-20261125-1403.json"


def test_sources_export_shows_health_but_no_lease_or_cache_internals(filled: Engine) -> None:
    [row] = exported(filled, "sources", "json")
    with Session(filled) as session:
        source = session.exec(select(Source)).one()
    assert (row["url"], row["kind"], row["interval_seconds"], row["enabled"]) == (
        source.url, "feed", 3600, True)
    assert not {"etag", "lease_owner", "content_hash"} & set(row)
