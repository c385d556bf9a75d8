"""Watching an OPML list's addresses (SQLite and PostgreSQL): the rules of `sources add`, duplicates skipped,
refusals listed with nothing added, dry runs and a second import that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from jobs.opml import read_opml
from jobs.source_import import Outcome, SourcesRejected, import_sources
from storage import sources
from storage.database import session_scope
from storage.models import SourceKind


def opml(*outlines: str) -> bytes:
    return ("<opml version='2.0'><body><outline text='Synthetic folder'>" + "".join(outlines)
            + "</outline></body></opml>").encode()


LIST = opml(
    "<outline text='Synthetic feed' xmlUrl='http://127.0.0.1:9/feed/' htmlUrl='http://127.0.0.1:9/'/>",
    "<outline text='Nested'><outline text='Synthetic news' htmlUrl='http://127.0.0.1:9/news/'/>",
    "<outline url='http://127.0.0.1:9/documents/synthetic-report/'/></outline>",
)


def run(engine: Engine, data: bytes, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"added_by": "test:import", "allow_private": True, **kwargs}
    return import_sources(engine, read_opml(data), **options)


def watched(engine: Engine) -> list[tuple[str, str, str, int, str]]:
    with Session(engine) as session:
        return [(s.url, s.kind, s.label, s.interval_seconds, s.added_by) for s in sources.all_sources(session)]


def test_every_address_is_watched_with_its_kind_and_label(engine: Engine) -> None:
    summary = run(engine, LIST, interval_seconds=7200)
    assert [r.outcome for r in summary.results] == [Outcome.ADDED] * 3
    assert watched(engine) == [
        ("http://127.0.0.1:9/feed/", SourceKind.FEED, "Synthetic feed", 7200, "test:import"),
        ("http://127.0.0.1:9/news/", SourceKind.LISTING, "Synthetic news", 7200, "test:import"),
        ("http://127.0.0.1:9/documents/synthetic-report/", SourceKind.PAGE, "127.0.0.1/documents/synthetic-report",
         7200, "test:import"),
    ]
    assert summary.text().splitlines()[0] == "3 addresses: added 3 sources."


def test_importing_the_same_list_again_changes_nothing_and_says_so(engine: Engine) -> None:
    run(engine, LIST)
    before = watched(engine)
    again = run(engine, LIST)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY_WATCHED] * 3
    assert again.text().startswith("All 3 addresses are watched already; nothing changed.")
    assert "watched already as #1 Synthetic feed" in again.text()
    assert watched(engine) == before


def test_duplicates_in_the_file_and_in_the_database_are_skipped_not_fatal(engine: Engine) -> None:
    with session_scope(engine) as session:
        sources.add_source(session, url="http://127.0.0.1:9/news/", kind=SourceKind.LISTING, label="known",
                           interval_seconds=3600, added_by="test")
    data = opml("<outline text='a' url='http://127.0.0.1:9/a/'/>", "<outline text='known' url='http://127.0.0.1:9/news/'/>",
                "<outline text='a again' url='HTTP://127.0.0.1:9/a/#fragment'/>")
    summary = run(engine, data)
    assert [(r.outcome, r.detail) for r in summary.results][1:] == [
        (Outcome.ALREADY_WATCHED, "watched already as #1 known"), (Outcome.REPEATED, "repeats line 1")]
    assert [row[0] for row in watched(engine)] == ["http://127.0.0.1:9/news/", "http://127.0.0.1:9/a/"]


@pytest.mark.parametrize(
    ("outline", "reason"),
    [
        ("<outline url='ftp://synthetic.example/list'/>", "only http and https addresses can be watched"),
        ("<outline url='https://user:secret@synthetic.example/'/>", "with a user name or password"),
        ("<outline xmlUrl='https://synthetic-host.invalid/feed/'/>", "cannot resolve synthetic-host.invalid"),
        ("<outline url='http://127.0.0.1:9/private/'/>", "resolves to a loopback address"),
    ],
)
def test_a_refused_address_stops_the_whole_import(engine: Engine, outline: str, reason: str) -> None:
    data = opml("<outline text='fine' url='https://127.0.0.1/fine/'/>", outline)
    allow_private = "loopback" not in reason
    with pytest.raises(SourcesRejected) as rejected:
        run(engine, data, allow_private=allow_private)
    [refusal] = rejected.value.refused if allow_private else rejected.value.refused[1:]
    assert reason in refusal.detail and refusal.outline.line == 1
    assert str(rejected.value).startswith(f"{len(rejected.value.refused)} of 2 addresses refused; no source was added")
    assert watched(engine) == []


def test_a_dry_run_reports_without_adding(engine: Engine) -> None:
    summary = run(engine, LIST, dry_run=True)
    assert summary.text().splitlines()[0] == "3 addresses: would add 3 sources."
    assert "Dry run: nothing was written." in summary.text() and "#" not in summary.text()
    assert watched(engine) == []
