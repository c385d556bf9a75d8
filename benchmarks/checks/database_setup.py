"""The benchmark's database: refused unless empty, filled with one PAGE source per page, counted.

Why the refusal: a benchmark must never write synthetic rows into a database that holds anything else.
"""

from __future__ import annotations

import sys

from sqlalchemy import Engine, func, inspect, text
from sqlmodel import Session, select

from storage import sources
from storage.database import session_scope
from storage.models import ActionPlan, Commitment, Document, Fact, Member, SourceKind


def refuse_non_empty(engine: Engine) -> None:
    """A benchmark must never write synthetic rows into a database that holds anything else."""
    existing = inspect(engine).get_table_names()
    with engine.connect() as connection:
        for table in ("source", "document", "member", "event"):
            if table in existing and connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one():
                sys.exit(f"refusing to use a database whose {table} table has rows: give an empty database")






def add_sources(engine: Engine, base_url: str, pages: list[tuple[str, str]]) -> list[int]:
    ids: list[int] = []
    with session_scope(engine) as session:
        for i, (path, kind) in enumerate(pages):
            source = sources.add_source(session, url=base_url + path, kind=SourceKind.PAGE,
                                        label=f"Synthetic {kind} page {i:04d}", interval_seconds=6 * 3600,
                                        added_by="benchmark")
            assert source.id is not None
            ids.append(source.id)
    return ids


def knowledge_counts(engine: Engine) -> str:
    with Session(engine) as session:
        counts = {model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (Member, ActionPlan, Commitment, Document, Fact)}
    return ", ".join(f"{count} {table}s" for table, count in counts.items())
