"""Importing commitments from CSV on SQLite and PostgreSQL, with generated synthetic files: stored like
analysed facts, every bad row reported, nothing written unless every row is good, and a second import a no-op.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.messages import LEVELS
from storage.database import session_scope
from storage.exchange import commitment_import
from storage.exchange.commitment_import import (
    COMPLETION_WORDS,
    EARLY_RESULTS_WORDS,
    CommitmentFileError,
    RowsRejected,
    import_commitments,
)
from storage.exchange.export import export
from storage.models import ActionPlan, Commitment, Completion, EarlyResults, Fact, Member, SubjectType
from tests.storage.exchange import synthetic

NOW = datetime(2025, 1, 15, 9, 0)


def import_file(engine: Engine, data: bytes, **kwargs: Any) -> commitment_import.ImportSummary:
    return import_commitments(engine, data, now=lambda: NOW, **kwargs)


def knowledge_state(engine: Engine) -> dict[str, Any]:
    """Everything an import could change, as plain values."""
    with Session(engine) as session:
        return {
            "plans": sorted((p.member_id, p.ordinal) for p in session.exec(select(ActionPlan))),
            "commitments": sorted(repr(c.model_dump()) for c in session.exec(select(Commitment))),
            "facts": sorted(repr(f.model_dump()) for f in session.exec(select(Fact))),
            "members": sorted(repr(m.model_dump()) for m in session.exec(select(Member))),
        }


@pytest.fixture
def members(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        synthetic.add_members(session, (17, 18))
    return engine


def test_a_synthetic_file_is_stored_with_its_provenance(members: Engine) -> None:
    rows = synthetic.commitment_rows((17, 18), plans=(1, 2), per_plan=5)
    summary = import_file(members, synthetic.to_csv(rows))
    assert (summary.rows, summary.added, summary.updated, summary.unchanged, summary.plans_added) == (20, 20, 0, 0, 4)
    assert summary.text().startswith("20 rows: added 20 commitments, updated 0, 0 unchanged; added 4 action plans.")
    with Session(members) as session:
        for row in rows:
            member = session.exec(select(Member).where(Member.name_en == row["member"])).one()
            plan = session.exec(select(ActionPlan).where(ActionPlan.member_id == member.id,
                                                         ActionPlan.ordinal == int(row["plan"]))).one()
            commitment = session.exec(select(Commitment).where(Commitment.plan_id == plan.id,
                                                               Commitment.number == int(row["number"]))).one()
            assert (commitment.title, commitment.completion or "", commitment.early_results or "") == (
                row["title"], row["completion"], row["early_results"])
            facts = session.exec(select(Fact).where(Fact.subject_type == SubjectType.COMMITMENT,
                                                    Fact.subject_id == commitment.id)).all()
            expected = {("mentioned", json.dumps({"title": row["title"]}))}
            expected |= {("completion", json.dumps(row["completion"]))} if row["completion"] else set()
            expected |= {("early_results", json.dumps(row["early_results"]))} if row["early_results"] else set()
            assert {(f.predicate, f.value) for f in facts} == expected
            for fact in facts:
                assert (fact.source_url, fact.evidence) == (row["source_url"], row["evidence"])
                assert fact.seen_at == datetime.fromisoformat(row["seen_at"])


def test_levels_are_read_in_english_and_spanish_whatever_the_case_and_accents(members: Engine) -> None:
    for dimension, words, levels in (("completion", COMPLETION_WORDS, Completion),
                                     ("early_results", EARLY_RESULTS_WORDS, EarlyResults)):
        for level in levels:
            for language in ("en", "es"):
                shown = LEVELS[language][level.value]  # what the answers call it
                for form in (shown, shown.upper(), level.value.replace("_", " ").title()):
                    assert words[commitment_import._word(form)] == level, (dimension, form)
    rows = synthetic.commitment_rows((17,), per_plan=4)
    for row, completion, early in zip(rows, ["Sustancial", "COMPLETA", "no iniciado", "limitada"],
                                      ["significativos", "Sobresaliente", "ninguno evidenciado", "Marginal"],
                                      strict=True):
        row["completion"], row["early_results"] = completion, early
    import_file(members, synthetic.to_csv(rows))
    with Session(members) as session:
        stored = [(c.completion, c.early_results) for c in session.exec(select(Commitment).order_by(Commitment.number))]
    assert stored == [("substantial", "significant"), ("complete", "outstanding"), ("not_started", "none"),
                      ("limited", "marginal")]


def test_every_bad_row_is_reported_and_nothing_is_written(members: Engine) -> None:
    good = synthetic.commitment_rows((17, 18), per_plan=3)
    bad_cells = [
        ({"member": "Synthetic Country 999"}, "unknown member 'Synthetic Country 999'"),
        ({"number": "0"}, "number must be a whole number from 1 to 999, not '0'"),
        ({"number": "3.5"}, "number must be a whole number"),
        ({"plan": "fourth"}, "plan must be a whole number from 1 to 30, not 'fourth'"),
        ({"completion": "halfway"}, "completion 'halfway' is not one of not_started, limited, substantial, complete"),
        ({"early_results": "huge"}, "early_results 'huge' is not one of none, marginal, significant, outstanding"),
        ({"source_url": ""}, "source_url is empty"),
        ({"source_url": "javascript:alert(1)"}, "is not an http(s) address"),
        ({"evidence": ""}, "evidence is empty"),
        ({"evidence": "short"}, "too short"),
        ({"seen_at": "2999-01-01"}, "is in the future"),
        ({"seen_at": "31/12/2024"}, "is not a date"),
        ({"title": "=HYPERLINK(\"http://synthetic.example/x\")"}, "title starts with '=', a spreadsheet formula"),
        ({"evidence": "@SUM(A1:A9) synthetic evidence"}, "evidence starts with '@'"),
        ({"title": "x" * 301}, "title longer than 300 characters"),
    ]
    rows = list(good)
    for index, (cells, _) in enumerate(bad_cells):
        rows.append({**good[0], "number": str(100 + index), **cells})
    rows.append(dict(good[1]))  # a duplicate of row 3
    before = knowledge_state(members)
    with pytest.raises(RowsRejected) as rejected:
        import_file(members, synthetic.to_csv(rows))
    problems = rejected.value.problems
    assert [p.row for p in problems] == list(range(len(good) + 2, len(rows) + 2))
    for problem, (_, reason) in zip(problems, bad_cells, strict=False):
        assert len(problem.reasons) == 1 and reason in problem.reasons[0], problem
    assert problems[-1].reasons == ("repeats row 3 (the same member, plan and commitment number)",)
    assert str(rejected.value).startswith(f"{len(problems)} of {len(rows)} rows are bad; nothing was imported:")
    assert knowledge_state(members) == before


def test_a_row_with_several_problems_lists_them_all(members: Engine) -> None:
    row = {"member": "Nowhere Synthetic", "plan": "0", "number": "x", "completion": "maybe", "source_url": "",
           "evidence": ""}
    with pytest.raises(RowsRejected) as rejected:
        import_file(members, synthetic.to_csv([row]))
    [problem] = rejected.value.problems
    assert problem.row == 2 and len(problem.reasons) == 6


def test_long_lists_of_bad_rows_are_capped_with_a_count(members: Engine) -> None:
    rows = [{**synthetic.commitment_rows((17,), per_plan=1)[0], "number": str(n), "member": "Unknown Synthetic"}
            for n in range(1, 31)]
    with pytest.raises(RowsRejected) as rejected:
        import_file(members, synthetic.to_csv(rows))
    message = str(rejected.value)
    assert len(rejected.value.problems) == 30
    assert message.count("\n  row ") == 20 and message.endswith("… and 10 more bad rows")


def test_importing_the_same_file_again_changes_nothing_and_says_so(members: Engine) -> None:
    data = synthetic.to_csv(synthetic.commitment_rows((17, 18), per_plan=6))
    first = import_file(members, data)
    assert first.added == 12
    after_first = knowledge_state(members)
    again = import_commitments(members, data)  # later, with the real clock
    assert (again.added, again.updated, again.unchanged) == (0, 0, 12)
    assert again.text().startswith("All 12 rows are stored already; nothing changed.")
    assert knowledge_state(members) == after_first


def test_rows_without_a_seen_date_are_also_idempotent(members: Engine) -> None:
    rows = [{**row, "seen_at": ""} for row in synthetic.commitment_rows((17,), per_plan=3)]
    import_file(members, synthetic.to_csv(rows))
    state = knowledge_state(members)
    assert import_commitments(members, synthetic.to_csv(rows)).unchanged == 3
    assert knowledge_state(members) == state


def test_a_changed_row_updates_its_commitment_and_adds_its_statement(members: Engine) -> None:
    rows = synthetic.commitment_rows((17,), per_plan=2)
    import_file(members, synthetic.to_csv(rows))
    rows[1] = {**rows[1], "completion": "complete", "title": "synthetic topic renamed"}
    summary = import_file(members, synthetic.to_csv(rows))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    with Session(members) as session:
        changed = session.exec(select(Commitment).where(Commitment.number == 2)).one()
        assert (changed.title, changed.completion) == ("synthetic topic renamed", "complete")


def test_a_dry_run_reports_the_same_counts_and_writes_nothing(members: Engine) -> None:
    data = synthetic.to_csv(synthetic.commitment_rows((17, 18), per_plan=4))
    before = knowledge_state(members)
    dry = import_file(members, data, dry_run=True)
    assert (dry.added, dry.plans_added, dry.dry_run) == (8, 2, True)
    assert "would add 8 commitments" in dry.text() and "Dry run: nothing was written." in dry.text()
    assert knowledge_state(members) == before
    assert import_file(members, data).added == 8


def test_an_export_imports_back_unchanged_including_neutralised_formulas(members: Engine) -> None:
    rows = synthetic.commitment_rows((17,), per_plan=3)
    rows[0]["title"] = "'=SUM(A1:A2) is synthetic text"  # the apostrophe form: text, not a formula
    import_file(members, synthetic.to_csv(rows))
    with Session(members) as session:
        assert session.exec(select(Commitment.title).where(Commitment.number == 1)).one() == \
            "=SUM(A1:A2) is synthetic text"
    exported = _export_csv(members)
    assert "'=SUM(A1:A2) is synthetic text" in exported
    state = knowledge_state(members)
    summary = import_file(members, exported.encode("utf-8"))
    assert summary.unchanged == 3 and summary.ignored_columns == ("state", "state_body", "state_date", "state_note")
    assert knowledge_state(members) == state


def _export_csv(engine: Engine) -> str:
    out = io.StringIO(newline="")
    export(engine, "commitments", "csv", out)
    return out.getvalue()


def test_semicolons_a_byte_order_mark_and_member_names_in_spanish_are_accepted(engine: Engine) -> None:
    with session_scope(engine) as session:
        synthetic.add_members(session, (17,))
    rows = synthetic.commitment_rows((17,), per_plan=2)
    rows[0]["member"] = "synthetic  COUNTRY 017"  # any case and spacing of a known name
    data = "\ufeff".encode() + synthetic.to_csv(rows, delimiter=";")
    assert import_file(engine, data).added == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"member,plan,number\n", "the header lacks 'source_url', 'evidence'"),
        (b"member,plan,number,source_url,evidence,colour\n", "unknown column 'colour'"),
        (b"member,plan,number,source_url,evidence,Evidence\n", "names 'evidence' more than once"),
        ("member,plan,number,source_url,evidence\nMéxico,1,1,https://synthetic.example/,Synthetic evidence here\n"
         .encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset"),
        ("member,plan,number,source_url,evidence\n".encode("utf-16"), "not UTF-8 text"),
        (b"member,plan,number,source_url,evidence\n\x00\x00", "NUL bytes"),
        (b'member,plan,number,source_url,evidence\nA,1,1,"https://synthetic.example/"x,y\n', "not a readable CSV"),
    ],
)
def test_unreadable_files_are_one_clear_line_and_write_nothing(members: Engine, data: bytes, message: str) -> None:
    before = knowledge_state(members)
    with pytest.raises(CommitmentFileError) as error:
        import_file(members, data)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert knowledge_state(members) == before


def test_too_many_rows_is_refused_before_anything_is_read(members: Engine, monkeypatch) -> None:
    monkeypatch.setattr(commitment_import, "MAX_ROWS", 5)
    with pytest.raises(CommitmentFileError, match="more than 5 rows; split the file"):
        import_file(members, synthetic.to_csv(synthetic.commitment_rows((17,), per_plan=6)))


def test_members_can_be_named_by_slug_alone_and_a_name_that_disagrees_is_refused(members: Engine) -> None:
    rows = [{**row, "member_slug": "synthetic-country-017"} for row in synthetic.commitment_rows((17,), per_plan=2)]
    by_slug = tuple(c for c in synthetic.IMPORT_COLUMNS if c != "member") + ("member_slug",)
    assert import_file(members, synthetic.to_csv(rows, by_slug)).added == 2
    rows[0]["member"] = synthetic.synthetic_name(18)
    with pytest.raises(RowsRejected) as rejected:
        import_file(members, synthetic.to_csv(rows, (*synthetic.IMPORT_COLUMNS, "member_slug")))
    [problem] = rejected.value.problems
    assert problem.reasons == ("member 'Synthetic Country 018' is not the member whose slug is "
                               "'synthetic-country-017'",)
