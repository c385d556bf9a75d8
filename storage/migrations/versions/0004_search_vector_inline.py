"""PostgreSQL keeps each document's search vector inline in its row instead of out of line (TOAST).

Ranking a search reads the vector of every matching document; stored out of line, each read is an
extra index lookup and a decompression, and that was most of the PostgreSQL answer latency (see
docs/benchmarks.md). ``STORAGE MAIN`` still compresses the vector and moves it out of line only when a
row would not fit a page otherwise. SET STORAGE affects rows written afterwards, so the existing rows are
rewritten once (a no-op update recomputes the generated column). SQLite has nothing to change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE document ALTER COLUMN search_vector SET STORAGE MAIN")
    op.execute("UPDATE document SET id = id")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE document ALTER COLUMN search_vector SET STORAGE EXTENDED")
