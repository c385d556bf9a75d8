"""Initial schema: members, plans, commitments, documents, facts, and full-text search over documents.

Written out by hand (not ``metadata.create_all``) so this revision stays what it is when the models
change later; ``tests/storage/test_schema.py`` checks it still matches ``storage.models``.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: an FTS5 index that reads its text from ``document`` (external content, so the text is stored
# once) and is kept in step by triggers. Batch migrations that rebuild ``document`` on SQLite drop these
# triggers with the old table: a later revision doing so must recreate them and run the 'rebuild' command.
_SQLITE_FTS = [
    """
    CREATE VIRTUAL TABLE document_fts USING fts5(
        title, text,
        content='document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER document_fts_after_insert AFTER INSERT ON document BEGIN
        INSERT INTO document_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END
    """,
    """
    CREATE TRIGGER document_fts_after_delete AFTER DELETE ON document BEGIN
        INSERT INTO document_fts(document_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END
    """,
    # Only when indexed columns change: refreshing seen_at on every crawl must not re-index the text.
    """
    CREATE TRIGGER document_fts_after_update AFTER UPDATE OF id, title, text ON document BEGIN
        INSERT INTO document_fts(document_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO document_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END
    """,
]
_SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS document_fts_after_update",
    "DROP TRIGGER IF EXISTS document_fts_after_delete",
    "DROP TRIGGER IF EXISTS document_fts_after_insert",
    "DROP TABLE IF EXISTS document_fts",
]

# PostgreSQL: a stored tsvector column (generated, so the database keeps it in step) with a GIN index.
# Not a bare expression index: ranking needs the vector of every matching row, and recomputing it from
# the text took seconds at 20,000 documents. Not in storage.models: SQLModel never reads or writes it.
# 'simple' (no stemming, no stop words) because documents are in many languages.
_POSTGRES_FTS = [
    """
    ALTER TABLE document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, ''))
    ) STORED
    """,
    "CREATE INDEX ix_document_fts ON document USING gin (search_vector)",
]
_POSTGRES_FTS_DROP = [
    "DROP INDEX IF EXISTS ix_document_fts",
    "ALTER TABLE document DROP COLUMN IF EXISTS search_vector",
]


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_es", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("joined_year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_seen_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_slug", "member", ["slug"], unique=True)
    op.create_index("ix_member_parent_id", "member", ["parent_id"])
    op.create_index("ix_member_status", "member", ["status"])

    op.create_table(
        "member_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("normalized", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_alias_member_id", "member_alias", ["member_id"])
    op.create_index("ix_member_alias_normalized", "member_alias", ["normalized"], unique=True)

    op.create_table(
        "member_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("effective", sa.String(length=40), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_status_change_member_id", "member_status_change", ["member_id"])

    op.create_table(
        "action_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=True),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("extension_months", sa.Integer(), nullable=True),
        sa.Column("commitment_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id", "ordinal"),
    )
    op.create_index("ix_action_plan_member_id", "action_plan", ["member_id"])

    op.create_table(
        "plan_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["action_plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "dimension", "level"),
    )
    op.create_index("ix_plan_tally_plan_id", "plan_tally", ["plan_id"])

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("completion", sa.String(length=20), nullable=True),
        sa.Column("early_results", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("state_date", sa.Date(), nullable=True),
        sa.Column("state_body", sa.String(length=300), nullable=True),
        sa.Column("state_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["action_plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "number"),
    )
    op.create_index("ix_commitment_plan_id", "commitment", ["plan_id"])
    op.create_index("ix_commitment_state", "commitment", ["state"])

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("is_draft", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_document_url", "document", ["url"], unique=True)
    op.create_index("ix_document_kind", "document", ["kind"])
    op.create_index("ix_document_member_id", "document", ["member_id"])

    op.create_table(
        "fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("predicate", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fact_key", "fact", ["key"], unique=True)
    op.create_index("ix_fact_predicate", "fact", ["predicate"])
    op.create_index("ix_fact_document_id", "fact", ["document_id"])
    op.create_index("ix_fact_subject", "fact", ["subject_type", "subject_id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _POSTGRES_FTS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_FTS_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _POSTGRES_FTS_DROP:
            op.execute(statement)

    for table in (
        "fact",
        "document",
        "commitment",
        "plan_tally",
        "action_plan",
        "member_status_change",
        "member_alias",
        "member",
    ):
        op.drop_table(table)  # its indexes go with it
