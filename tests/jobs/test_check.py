"""Checking sources end to end over loopback: a local local_site whose pages, listings and feeds change between
checks, the real fetcher, analysis, ingest, detection and the database (SQLite and PostgreSQL).

Pages other than the two seed pages are synthetic (host 127.0.0.1, text labelled synthetic).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, select

from jobs.check import CheckReport, SourceChecker
from jobs.fetch import Fetcher, FetchPolicy
from ogp_watch.local_site import LocalSite
from storage import events, sources
from storage.database import session_scope
from storage.models import CheckStatus, Document, EventKind, Source, SourceKind
from tests import local_site_faults as faults
from tests.conftest import NEWS_SEED, REPORT_SEED, SEED_PAGES, seed_as_html

POLICY = FetchPolicy(politeness_delay_s=0, allow_private=True, retries=0, timeout_s=2.0, connect_timeout_s=1.0,
                     backoff_base_s=0.01, max_bytes=2_000_000, respect_robots=True)

SYNTHETIC = (
    "<html><head><title>{title}</title></head><body><main><article><h1>{title}</h1>"
    "<p>Synthetic test page: {title}. It states nothing about any OGP member.</p></article></main></body></html>"
)


def listing_html(links: list[tuple[str, str]], next_page: str | None = None) -> str:
    cards = "".join(f"<article class='post'><h2><a href='{href}'>{title}</a></h2></article>" for href, title in links)
    more = f"<a class='next' rel='next' href='{next_page}'>Next</a>" if next_page else ""
    return (f"<html><head><title>Synthetic listing</title></head><body><nav><a href='/about/'>About</a></nav>"
            f"<main>{cards}<div class='pagination'>{more}</div></main></body></html>")


def feed_xml(local_site: LocalSite, links: list[tuple[str, str]]) -> str:
    items = "".join(f"<item><title>{title}</title><link>{local_site.url(href)}</link></item>" for href, title in links)
    return (f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Synthetic feed</title>"
            f"<link>{local_site.base_url}/</link><description>synthetic</description>{items}</channel></rss>")


def add_source(engine: Engine, url: str, kind: SourceKind, label: str = "test source") -> int:
    with session_scope(engine) as session:
        source = sources.add_source(session, url=url, kind=kind, label=label, interval_seconds=3600, added_by="test")
        assert source.id is not None
        return source.id


async def _check(engine: Engine, ids: list[int], *, force: bool = True) -> list[CheckReport]:
    async with Fetcher(POLICY) as fetcher:
        return await SourceChecker(engine, fetcher).check_many(ids, force=force)


def check(engine: Engine, *ids: int) -> list[CheckReport]:
    return asyncio.run(_check(engine, list(ids)))


def source(engine: Engine, source_id: int) -> Source:
    with Session(engine) as session:
        found = sources.get_source(session, source_id)
        assert found is not None
        return found


def event_kinds(engine: Engine, *, baseline: bool | None = None) -> list[str]:
    with Session(engine) as session:
        found = events.events(session)
    return [e.kind for e in found if baseline is None or e.baseline == baseline]


def serve_seed(local_site: LocalSite, name: str) -> str:
    path = SEED_PAGES[name]
    local_site.page(path, seed_as_html(name))
    return path


# -- pages -------------------------------------------------------------------------------------------------


def test_a_report_page_yields_its_events_once_and_an_unchanged_page_costs_no_analysis(engine, local_site) -> None:
    path = serve_seed(local_site, REPORT_SEED)
    source_id = add_source(engine, local_site.url(path), SourceKind.PAGE)

    [first] = check(engine, source_id)
    assert first.status == CheckStatus.OK
    kinds = [e.kind for e in first.events]
    assert EventKind.NEW_REPORT in kinds and EventKind.COMMITMENT_STATE in kinds
    assert not any(e.baseline for e in first.events)

    [second] = check(engine, source_id)
    assert (second.status, second.events) == (CheckStatus.UNCHANGED, [])
    assert local_site.requests[-1].headers.get("if-none-match")  # conditional GET answered with 304
    health = source(engine, source_id)
    assert health.checks == 2 and health.last_status == CheckStatus.UNCHANGED and health.consecutive_failures == 0


def test_a_round_of_unchanged_checks_costs_well_under_one_sql_statement_each(engine, local_site) -> None:
    """Most checks find nothing new: leases are taken a lane-full at a time and unchanged checks are recorded
    together, so a round of 304s is a handful of statements, not four per source."""
    ids = []
    for n in range(40):
        local_site.page(f"/plain/{n}/", SYNTHETIC.format(title=f"Synthetic plain {n}"))
        ids.append(add_source(engine, local_site.url(f"/plain/{n}/"), SourceKind.PAGE))
    check(engine, *ids)
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listen)
    try:
        again = check(engine, *ids)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert {r.status for r in again} == {CheckStatus.UNCHANGED}
    assert len(statements) <= len(ids) // 3, statements  # 4 per check before: lease, snapshot, record, read
    assert all(source(engine, i).checks == 2 and source(engine, i).lease_owner is None for i in ids)


def test_the_same_body_without_validators_is_unchanged_by_its_hash(engine, local_site) -> None:
    path = serve_seed(local_site, REPORT_SEED)
    local_site.page(path, seed_as_html(REPORT_SEED), etag=False)
    source_id = add_source(engine, local_site.url(path), SourceKind.PAGE)
    check(engine, source_id)
    [again] = check(engine, source_id)
    assert again.status == CheckStatus.UNCHANGED


def test_a_page_updated_with_a_new_statement_yields_only_the_new_event(engine, local_site) -> None:
    path = "/news/synthetic-update/"
    local_site.page(path, SYNTHETIC.format(title="Synthetic news"))
    source_id = add_source(engine, local_site.url(path), SourceKind.PAGE)
    [quiet] = check(engine, source_id)
    assert (quiet.status, quiet.events) == (CheckStatus.OK, [])
    local_site.page(path, seed_as_html(NEWS_SEED))  # the page now carries the (real) withdrawal news
    [changed] = check(engine, source_id)
    assert [e.kind for e in changed.events] == [EventKind.MEMBER_WITHDRAWN]
    assert changed.events[0].title == "Mexico City withdrew from OGP"


# -- listings and feeds ------------------------------------------------------------------------------------


def test_a_listing_first_sets_a_baseline_then_follows_only_new_items(engine, local_site) -> None:
    news, report = serve_seed(local_site, NEWS_SEED), serve_seed(local_site, REPORT_SEED)
    local_site.page("/news/", listing_html([(news, "Mexico City withdraws")]))
    source_id = add_source(engine, local_site.url("/news/"), SourceKind.LISTING)

    [first] = check(engine, source_id)
    assert first.status == CheckStatus.OK and first.items_new == 1
    assert event_kinds(engine, baseline=True) == [EventKind.MEMBER_WITHDRAWN]  # known, but not news

    local_site.page("/news/", listing_html([(report, "Mexico Results Report"), (news, "Mexico City withdraws")]))
    [second] = check(engine, source_id)
    assert second.items_new == 1
    assert EventKind.NEW_REPORT in [e.kind for e in second.events]
    assert not any(e.baseline for e in second.events)
    assert local_site.hits(news) == 1  # the old item was not fetched again

    [third] = check(engine, source_id)
    assert (third.status, third.events) == (CheckStatus.UNCHANGED, [])


def test_older_listing_pages_are_read_only_while_every_item_is_new(engine, local_site) -> None:
    for name in "abcdef":
        local_site.page(f"/news/{name}/", SYNTHETIC.format(title=f"Synthetic item {name}"))
    local_site.page("/news/", listing_html([("/news/a/", "A")], next_page="/news/page/2/"))
    local_site.page("/news/page/2/", listing_html([("/news/z/", "Z")]))
    source_id = add_source(engine, local_site.url("/news/"), SourceKind.LISTING)
    [first] = check(engine, source_id)
    assert first.items_new == 1 and local_site.hits("/news/page/2/") == 0  # a first check reads page 1 only

    local_site.page("/news/", listing_html([("/news/d/", "D"), ("/news/c/", "C")], next_page="/news/page/2/"))
    local_site.page("/news/page/2/", listing_html([("/news/b/", "B"), ("/news/a/", "A")], next_page="/news/page/3/"))
    local_site.page("/news/page/3/", listing_html([("/news/e/", "E")]))
    [second] = check(engine, source_id)
    assert second.items_new == 3  # d, c, then b on page 2; page 2 also holds a, known, so no page 3
    assert local_site.hits("/news/page/2/") == 1 and local_site.hits("/news/page/3/") == 0


def test_a_report_in_a_listing_and_a_feed_checked_at_once_by_two_workers_is_one_event(database_url, local_site) -> None:
    from storage.database import make_engine

    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        local_site.page("/news/", listing_html([]))
        local_site.page("/feed/", feed_xml(local_site, []), content_type="application/rss+xml")
        listing = add_source(engines[0], local_site.url("/news/"), SourceKind.LISTING)
        feed = add_source(engines[0], local_site.url("/feed/"), SourceKind.FEED)
        check(engines[0], listing, feed)  # baselines: both empty

        report = serve_seed(local_site, REPORT_SEED)
        local_site.page("/news/", listing_html([(report, "Mexico Results Report")]))
        local_site.page("/feed/", feed_xml(local_site, [(report, "Mexico Results Report")]),
                        content_type="application/rss+xml")

        async def both() -> list[list[CheckReport]]:
            return await asyncio.gather(_check(engines[0], [listing]), _check(engines[1], [feed]))

        reports = [r for batch in asyncio.run(both()) for r in batch]
        assert all(r.status == CheckStatus.OK for r in reports), [r.summary() for r in reports]
        assert event_kinds(engines[0]).count(EventKind.NEW_REPORT) == 1
        with Session(engines[0]) as session:
            assert session.exec(select(func.count()).select_from(Document)).one() == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_a_source_is_never_checked_twice_at_once(engine, local_site) -> None:
    local_site.handler("/slow/", faults.slow(0.5))
    source_id = add_source(engine, local_site.url("/slow/"), SourceKind.PAGE)

    async def twice() -> list[list[CheckReport]]:
        return await asyncio.gather(_check(engine, [source_id]), _check(engine, [source_id]))

    reports = [r for batch in asyncio.run(twice()) for r in batch]
    assert sorted(r.skipped or "checked" for r in reports) == ["being checked by another worker", "checked"]
    assert local_site.hits("/slow/") == 1


# -- failures ----------------------------------------------------------------------------------------------

FAULTS: dict[str, tuple[Callable[[], Callable[[BaseHTTPRequestHandler], None]], str]] = {
    "server error": (lambda: faults.status(500), "HTTP 500"),
    "timeout": (lambda: faults.slow(5), "timed out"),
    "redirect loop": (lambda: faults.redirect("/fault/"), "redirect"),
    "endless body": (faults.endless, "larger than"),
    "gzip bomb": (lambda: faults.gzip_bomb(200_000_000), "larger than"),
    "not a page": (lambda: faults.status(200, body="%PDF-1.4"), ""),
    "gone": (lambda: faults.status(404), "HTTP 404"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failing_source_records_its_error_and_does_not_stop_the_others(engine, local_site, fault: str) -> None:
    handler, message = FAULTS[fault]
    local_site.handler("/fault/", handler())
    good = serve_seed(local_site, NEWS_SEED)
    bad_id = add_source(engine, local_site.url("/fault/"), SourceKind.PAGE, label="faulty")
    good_id = add_source(engine, local_site.url(good), SourceKind.PAGE, label="good")
    reports = {r.source_id: r for r in check(engine, bad_id, good_id)}
    assert reports[good_id].status == CheckStatus.OK and reports[good_id].events
    bad = source(engine, bad_id)
    if fault == "not a page":  # a 200 whose body says nothing: read, found empty, no harm
        assert reports[bad_id].status in {CheckStatus.OK, CheckStatus.ERROR}
        return
    assert reports[bad_id].status == CheckStatus.ERROR and reports[bad_id].events == []
    assert message in (bad.last_error or "") and bad.consecutive_failures == 1


def test_persistent_failure_alerts_admins_once_per_failing_spell(engine, local_site) -> None:
    local_site.handler("/down/", faults.status(503))
    source_id = add_source(engine, local_site.url("/down/"), SourceKind.PAGE, label="down")
    failures = [r.events for _ in range(5) for r in check(engine, source_id)]
    assert [len(found) for found in failures] == [0, 0, 1, 0, 0]
    assert failures[2][0].kind == EventKind.SOURCE_FAILURE and "503" in failures[2][0].evidence
    local_site.page("/down/", SYNTHETIC.format(title="Synthetic page back"))
    [healed] = check(engine, source_id)
    assert healed.status == CheckStatus.OK and source(engine, source_id).consecutive_failures == 0


def test_odd_but_readable_pages_are_analysed_without_crashing(engine, local_site) -> None:
    local_site.handler("/latin1/", faults.wrong_encoding())
    local_site.page("/broken/", "<html><body><main><p>Synthetic <b>unclosed <i>markup <div></p></table>", etag=False)
    local_site.page("/feed/", "<rss><channel><item><title>cut off", content_type="application/rss+xml")
    ids = [add_source(engine, local_site.url("/latin1/"), SourceKind.PAGE),
           add_source(engine, local_site.url("/broken/"), SourceKind.PAGE),
           add_source(engine, local_site.url("/feed/"), SourceKind.FEED)]
    reports = {r.source_id: r for r in check(engine, *ids)}
    assert reports[ids[0]].status == CheckStatus.OK
    assert reports[ids[1]].status == CheckStatus.OK
    assert reports[ids[2]].status == CheckStatus.ERROR and "feed" in (reports[ids[2]].error or "")
