"""Engines, sessions and the tables' own rules (foreign keys, unique keys) on both backends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from storage.database import make_engine, normalize_url, session_scope, sqlite_url
from storage.models import (
    ActionPlan,
    Commitment,
    Document,
    DocumentKind,
    Fact,
    Member,
    MemberAlias,
    MemberStatus,
    MemberStatusChange,
    PlanTally,
    SubjectType,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:secret@db.example:5432/ogp", "postgresql+psycopg://u:secret@db.example:5432/ogp"),
        ("postgresql://u@localhost/ogp", "postgresql+psycopg://u@localhost/ogp"),
        ("postgresql+psycopg://u@localhost/ogp", "postgresql+psycopg://u@localhost/ogp"),
        ("sqlite:////tmp/ogp.sqlite3", "sqlite:////tmp/ogp.sqlite3"),
    ],
)
def test_normalize_url_points_postgres_at_psycopg(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_sqlite_url_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = sqlite_url(Path("data/ogp.sqlite3"))
    assert make_url(url).database == str(tmp_path / "data" / "ogp.sqlite3")


def test_sqlite_engine_creates_folder_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.sqlite3"
    engine = make_engine(sqlite_url(path))
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert path.exists()
    finally:
        engine.dispose()


def test_postgres_engine_is_configured_without_connecting() -> None:
    engine = make_engine("postgres://nobody@127.0.0.1:1/nothing")
    try:
        assert engine.dialect.driver == "psycopg"
        assert engine.pool._pre_ping  # type: ignore[attr-defined]
        assert engine.pool.size() == 5  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def _member(slug: str = "kenya", **fields: object) -> Member:
    fields.setdefault("kind", "country")
    return Member(slug=slug, name_en=slug.title(), **fields)


def _count_members(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Member)).one()


def test_session_scope_commits_on_success(engine: Engine) -> None:
    with session_scope(engine) as session:
        member = _member()
        session.add(member)
    assert member.id is not None and member.slug == "kenya"  # still usable after the block
    assert _count_members(engine) == 1


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(_member())
        session.flush()
        raise RuntimeError("boom")
    assert _count_members(engine) == 0


def test_every_model_round_trips(engine: Engine) -> None:
    seen = datetime(2024, 5, 6, 7, 8, 9)
    with session_scope(engine) as session:
        parent = _member("spain", status=MemberStatus.ACTIVE, joined_year=2011, status_seen_at=seen)
        session.add(parent)
        session.flush()
        local = _member("madrid", kind="local", parent_id=parent.id, name_es="Madrid")
        session.add(local)
        session.flush()
        session.add(MemberAlias(member_id=parent.id, alias="España", normalized="espana", language="es"))
        session.add(
            MemberStatusChange(
                member_id=parent.id,
                previous_status="unknown",
                status="active",
                effective="2011",
                seen_at=seen,
                source_url="https://example.org/spain",
                evidence="Spain joined in 2011.",
            )
        )
        plan = ActionPlan(
            member_id=parent.id,
            ordinal=4,
            start_year=2020,
            end_year=2024,
            extended_to=date(2024, 12, 31),
            extension_months=6,
            commitment_count=10,
        )
        session.add(plan)
        session.flush()
        session.add(PlanTally(plan_id=plan.id, dimension="completion", level="complete", count=3))
        session.add(
            Commitment(
                plan_id=plan.id,
                number=1,
                title="Open contracting",
                completion="substantial",
                early_results="marginal",
                state="active",
                state_date=date(2023, 1, 2),
                state_body="IRM",
                state_note="A long note. " * 100,
            )
        )
        document = Document(
            url="https://example.org/report.pdf",
            title="Spain Results Report",
            kind=DocumentKind.RESULTS_REPORT,
            member_id=parent.id,
            period="2020-2024",
            is_draft=True,
            text="ñandú " * 1000,
            content_hash="a" * 64,
            first_seen_at=seen,
            seen_at=seen,
        )
        session.add(document)
        session.flush()
        session.add(
            Fact(
                key="k" * 64,
                subject_type=SubjectType.MEMBER,
                subject_id=parent.id,
                predicate="joined_year",
                value="2011",
                source_url=document.url,
                document_id=document.id,
                evidence="Spain joined in 2011.",
                first_seen_at=seen,
                seen_at=seen,
            )
        )

    with Session(engine) as session:
        spain = session.exec(select(Member).where(Member.slug == "spain")).one()
        assert (spain.status, spain.joined_year, spain.status_seen_at) == ("active", 2011, seen)
        assert spain.created_at is not None
        madrid = session.exec(select(Member).where(Member.slug == "madrid")).one()
        assert (madrid.parent_id, madrid.kind, madrid.name_es) == (spain.id, "local", "Madrid")
        alias = session.exec(select(MemberAlias)).one()
        assert (alias.alias, alias.normalized, alias.language) == ("España", "espana", "es")
        change = session.exec(select(MemberStatusChange)).one()
        assert (change.previous_status, change.effective, change.seen_at) == ("unknown", "2011", seen)
        plan = session.exec(select(ActionPlan)).one()
        assert (plan.ordinal, plan.extended_to, plan.extension_months) == (4, date(2024, 12, 31), 6)
        tally = session.exec(select(PlanTally)).one()
        assert (tally.plan_id, tally.level, tally.count) == (plan.id, "complete", 3)
        commitment = session.exec(select(Commitment)).one()
        assert commitment.state_date == date(2023, 1, 2)
        assert commitment.state_note == "A long note. " * 100
        document = session.exec(select(Document)).one()
        assert (document.is_draft, document.text, document.seen_at) == (True, "ñandú " * 1000, seen)
        fact = session.exec(select(Fact)).one()
        assert (fact.document_id, fact.value, fact.subject_type) == (document.id, "2011", "member")


def test_document_text_defaults_to_empty_in_the_database(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO document (url, title, kind, is_draft, first_seen_at, seen_at) "
                "VALUES ('https://example.org/x', 'X', 'news', false, '2024-01-01', '2024-01-01')"
            )
        )
        assert connection.execute(text("SELECT text FROM document")).scalar() == ""


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(MemberAlias(member_id=999, alias="Nowhere", normalized="nowhere"))


def test_deleting_a_referenced_member_is_refused(engine: Engine) -> None:
    with session_scope(engine) as session:
        member = _member()
        session.add(member)
        session.flush()
        session.add(ActionPlan(member_id=member.id, ordinal=1))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("DELETE FROM member"))


@pytest.mark.parametrize(
    "duplicate",
    [
        lambda member_id: _member(),
        lambda member_id: ActionPlan(member_id=member_id, ordinal=1),
        lambda member_id: MemberAlias(member_id=member_id, alias="K", normalized="kenya"),
    ],
    ids=["member.slug", "action_plan(member_id, ordinal)", "member_alias.normalized"],
)
def test_unique_keys_are_enforced(engine: Engine, duplicate: object) -> None:
    with session_scope(engine) as session:
        member = _member()
        session.add(member)
        session.flush()
        session.add(ActionPlan(member_id=member.id, ordinal=1))
        session.add(MemberAlias(member_id=member.id, alias="Kenya", normalized="kenya"))
        member_id = member.id
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(duplicate(member_id))  # type: ignore[operator]


def test_each_test_starts_with_empty_tables_and_fresh_ids(engine: Engine) -> None:
    """Relies on the fixtures: other tests in this module inserted members before this one."""
    assert _count_members(engine) == 0
    with session_scope(engine) as session:
        member = _member()
        session.add(member)
    assert member.id == 1
    assert "document" in inspect(engine).get_table_names()
