"""The sentence index: every stored document's sentences, searchable for open questions.

``terms`` holds each sentence's words folded and stemmed in Python (``storage.terms``), so both stores
index the same plain tokens: FTS5 with ``unicode61`` over external content on SQLite (kept in step by
triggers, like ``document_fts``), a generated ``simple`` tsvector with a GIN index on PostgreSQL, kept
inline (``STORAGE MAIN``) because ranking reads the vector of every match (see revision 0004).
Existing documents are split into sentences by the application after migrating
(``jobs.sentence_index.index_missing``): splitting is page analysis, which a migration does not import.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_FTS = [
    """
    CREATE VIRTUAL TABLE sentence_fts USING fts5(
        terms, content='sentence', content_rowid='id', tokenize='unicode61'
    )
    """,
    """
    CREATE TRIGGER sentence_fts_after_insert AFTER INSERT ON sentence BEGIN
        INSERT INTO sentence_fts(rowid, terms) VALUES (new.id, new.terms);
    END
    """,
    """
    CREATE TRIGGER sentence_fts_after_delete AFTER DELETE ON sentence BEGIN
        INSERT INTO sentence_fts(sentence_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
    END
    """,
    """
    CREATE TRIGGER sentence_fts_after_update AFTER UPDATE OF id, terms ON sentence BEGIN
        INSERT INTO sentence_fts(sentence_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
        INSERT INTO sentence_fts(rowid, terms) VALUES (new.id, new.terms);
    END
    """,
]
_SQLITE_FTS_DROP = [
    "DROP TRIGGER IF EXISTS sentence_fts_after_update",
    "DROP TRIGGER IF EXISTS sentence_fts_after_delete",
    "DROP TRIGGER IF EXISTS sentence_fts_after_insert",
    "DROP TABLE IF EXISTS sentence_fts",
]
_POSTGRES_FTS = [
    "ALTER TABLE sentence ADD COLUMN terms_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED",
    "ALTER TABLE sentence ALTER COLUMN terms_vector SET STORAGE MAIN",
    "CREATE INDEX ix_sentence_fts ON sentence USING gin (terms_vector)",
]


def upgrade() -> None:
    op.create_table(
        "sentence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sentence_member_id", "sentence", ["member_id"])
    op.create_index("ix_sentence_document_position", "sentence", ["document_id", "position"])
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_FTS if dialect == "sqlite" else _POSTGRES_FTS if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_FTS_DROP:
            op.execute(statement)
    op.drop_index("ix_sentence_document_position", table_name="sentence")
    op.drop_index("ix_sentence_member_id", table_name="sentence")
    op.drop_table("sentence")
