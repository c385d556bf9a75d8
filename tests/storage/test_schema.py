"""The migrations: they run on both backends, are idempotent, and match the models exactly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, Integer, MetaData, inspect, text
from sqlmodel import SQLModel

from storage import schema
from storage.database import make_engine

APP_TABLES = {table.name for table in SQLModel.metadata.sorted_tables}


@pytest.fixture
def empty_engine(empty_database_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def _differences(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # Alembic misreads SQLite's empty-string default (document.text); PostgreSQL checks it.
                "compare_server_default": engine.dialect.name != "sqlite",
                "include_object": schema.include_object,
            },
        )
        return list(compare_metadata(context, metadata))


def test_migrations_find_their_scripts_without_an_ini_file() -> None:
    assert (schema.MIGRATIONS_DIR / "env.py").is_file()
    assert (schema.MIGRATIONS_DIR / "script.py.mako").is_file()
    assert schema.head_revision() == "0005"
    assert schema.scripts_head() == schema.head_revision()  # HEAD_REVISION names the newest migration


def test_upgrade_brings_an_empty_database_to_head(empty_engine: Engine) -> None:
    assert schema.current_revision(empty_engine) is None
    assert not schema.is_current(empty_engine)

    schema.upgrade(empty_engine)

    assert schema.current_revision(empty_engine) == schema.head_revision()
    assert schema.is_current(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) >= APP_TABLES


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO member (slug, name_en, kind, status, created_at) "
                "VALUES ('a', 'A', 'country', 'active', '2024-01-01')"
            )
        )
    schema.upgrade(empty_engine)
    assert schema.is_current(empty_engine)
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM member")).scalar() == 1


def test_downgrade_removes_everything_and_upgrade_restores_it(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine)
    schema.downgrade(empty_engine)

    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    assert schema.current_revision(empty_engine) is None
    if empty_engine.dialect.name == "sqlite":
        with empty_engine.connect() as connection:
            leftovers = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
        assert [name for name in leftovers if name.startswith("document_fts")] == []

    schema.upgrade(empty_engine)
    assert schema.is_current(empty_engine)


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    """Fails when a model changes without a migration (or the other way round)."""
    assert _differences(engine, SQLModel.metadata) == []


def test_model_drift_would_be_noticed(engine: Engine) -> None:
    """Guards the test above: the comparison must see a column the migrations do not create."""
    drifted = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["member"].append_column(Column("shoe_size", Integer))
    differences = _differences(engine, drifted)
    assert [diff[0] for diff in differences] == ["add_column"]  # type: ignore[index]


def test_search_objects_exist(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            names = set(connection.execute(text("SELECT name FROM sqlite_master")).scalars())
            expected = {
                "document_fts",
                "document_fts_after_insert",
                "document_fts_after_update",
                "document_fts_after_delete",
            }
            assert expected <= names
        else:
            definition = connection.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_document_fts'")
            ).scalar_one()
            assert "gin (search_vector)" in definition
            generated = connection.execute(
                text(
                    "SELECT generation_expression FROM information_schema.columns "
                    "WHERE table_name = 'document' AND column_name = 'search_vector'"
                )
            ).scalar_one()
            assert "to_tsvector('simple'" in generated


def test_an_outdated_schema_is_migrated_or_refused_with_the_command_to_run(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine, "0003")
    refusal = r"at revision 0003, this OGP Watch needs 0005: run `ogp-watch migrate`"
    with pytest.raises(schema.SchemaError, match=refusal):
        schema.ensure_current(empty_engine, migrate=False)
    assert schema.current_revision(empty_engine) == "0003"  # refusing changed nothing

    migration = schema.ensure_current(empty_engine, migrate=True)
    assert migration == schema.Migration("0003", "0005")
    assert schema.ensure_current(empty_engine, migrate=False) is None


def test_a_schema_newer_than_the_code_is_refused_even_with_migrations_allowed(empty_engine: Engine) -> None:
    schema.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(schema.SchemaError, match="newer than this OGP Watch knows"):
        schema.ensure_current(empty_engine, migrate=True)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_keeps_search_vectors_inline(engine: Engine) -> None:
    """Revision 0004: ranking reads each match's vector from its row, not from TOAST storage."""
    with engine.connect() as connection:
        storage_kind = connection.execute(text(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'document'::regclass AND attname = 'search_vector'"
        )).scalar_one()
    assert storage_kind == "m"  # MAIN
