"""Hostile sources, one table: every way a watched URL can misbehave, checked three times in a row by the real
checker (``SourceChecker`` with the real ``Fetcher``) against a real server on loopback.

Each source is first read once while healthy, so it has knowledge, items and events to lose. Then its URL
turns hostile and is checked three times. For a fault that makes the source unreadable the suite asserts what
an admin relies on:

* every check ends with a one-line error recorded on the source (``last_error``), never an exception;
* the source backs off (``next_check_at`` at least ``failure_delay`` away, longer for a Retry-After) and is
  not due meanwhile;
* nothing stored before is changed: knowledge, documents, items, events and the validators of the last good
  read (so the next good answer is compared with the last good one, not with the fault);
* the third failure is one ``source_failure`` event, which fan-out puts in the admin's outbox;
* memory stays bounded (tracemalloc peak, server threads included) and each check ends in bounded time.

A fault a browser would shrug off (bad charset, broken markup, an entity-expansion bomb that expands
nothing) is instead read as it is: no error, and what was stored before is still there.

Runs on SQLite only: the database is not what is under test here (tests/jobs/test_database_outage.py is
about the database). All pages and feeds are synthetic, except the seed news page that is the healthy state.
"""

from __future__ import annotations

import asyncio
import logging
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from jobs.check import CheckReport, SourceChecker
from jobs.fanout import fan_out
from jobs.fetch import Fetcher, FetchPolicy
from ogp_watch.local_site import Handler, LocalSite
from storage import sources, subscriptions
from storage.database import session_scope
from storage.models import CheckStatus, Delivery, Event, EventKind, Source, SourceKind, utcnow
from tests import local_site_faults as faults
from tests.conftest import NEWS_SEED, SEED_PAGES, seed_as_html

TIMEOUT_S = 1.0
MAX_BYTES = 10 * 1024 * 1024  # the production cap: memory is measured against what a deployment would allow
POLICY = FetchPolicy(politeness_delay_s=0, allow_private=True, retries=0, timeout_s=TIMEOUT_S,
                     connect_timeout_s=TIMEOUT_S, max_bytes=MAX_BYTES)
CHECKS = 3  # jobs.check.FAILURES_BEFORE_ALERT
ADMIN_CHAT = 4242
MEMORY_LIMIT = 5 * MAX_BYTES
"""A body within the cap is held a few times over (read buffer, bytes, analysis); a fault that escaped the cap
(a gigabyte bomb, an endless body, expanded entities) would blow far past this."""
CHECK_TIME_LIMIT_S = TIMEOUT_S + 4.0

OUR_PACKAGES = {"jobs", "storage", "ogp_watch", "bot"}
"""Loggers whose errors mean a crash; a parsing library may log its own complaints about a hostile page."""

PATH = "/watched/"
RSS = "application/rss+xml"
ATOM = "application/atom+xml"
PUBLIC_ADDRESS = "93.184.215.14"
"""A global address (the one example.com had); the test's HTTP proxy answers for it, nothing leaves the machine."""

LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
)
BILLION_LAUGHS_DOCTYPE = f'<!DOCTYPE doc [<!ENTITY lol0 "lol">{LAUGHS}]>'
"""Nine levels of ten: a billion "lol"s (3 GB) if any parser expanded them."""
EXPANDED = "lollollollollol"
UTF16 = "<?xml version='1.0' encoding='UTF-16'?>"
"""A wrong declaration: the bytes that follow are UTF-8."""

SYNTHETIC_PAGE = ("<html><head><title>Synthetic {name}</title></head><body><main><article><h1>Synthetic {name}</h1>"
                  "<p>Synthetic test page {name}. It states nothing about any OGP member.</p></article></main>"
                  "</body></html>")


def rss(site: LocalSite, links: list[str], *, declaration: str = "<?xml version='1.0' encoding='UTF-8'?>",
        doctype: str = "", title: str = "Synthetic feed") -> str:
    items = "".join(f"<item><title>{title} item</title><link>{site.url(link)}</link></item>" for link in links)
    return (f"{declaration}{doctype}<rss version='2.0'><channel><title>{title}</title><link>{site.base_url}/</link>"
            f"<description>synthetic</description>{items}</channel></rss>")


def atom(site: LocalSite, links: list[str]) -> str:
    entries = "".join(f"<entry><title>Synthetic entry</title><link href='{site.url(link)}'/><id>{link}</id>"
                      f"<updated>2031-01-01T00:00:00Z</updated></entry>" for link in links)
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Synthetic atom</title><id>urn:synthetic</id><updated>2031-01-01T00:00:00Z</updated>"
            f"{entries}</feed>")


def of_length(parity: str, text: str) -> bytes:
    """``text`` in UTF-8, padded with a space to an odd or even number of bytes."""
    data = text.encode()
    return data + b" " if (len(data) % 2 == 0) == (parity == "odd") else data


def listing(links: list[str]) -> str:
    cards = "".join(f"<article class='post'><h2><a href='{link}'>Synthetic item</a></h2></article>" for link in links)
    return f"<html><head><title>Synthetic listing</title></head><body><main>{cards}</main></body></html>"


# -- what a fault serves -------------------------------------------------------------------------------------

Serve = Callable[[LocalSite], None]
"""Turns ``PATH`` on the site hostile (or odd)."""


def handler(make: Callable[[LocalSite], Handler]) -> Serve:
    return lambda site: site.handler(PATH, make(site))


def page(body: Callable[[LocalSite], str | bytes] | str | bytes, content_type: str = faults.HTML) -> Serve:
    def serve(site: LocalSite) -> None:
        site.page(PATH, body(site) if callable(body) else body, content_type=content_type)

    return serve


@dataclass(frozen=True)
class Fault:
    name: str
    kind: SourceKind
    serve: Serve
    error: str | None
    """The start of the error an admin reads on the source; None: the answer is read, with no error."""
    retry_after_s: float | None = None
    through_public_proxy: bool = False
    """The source has a public address, reached through an HTTP proxy, and private addresses are refused."""
    never_stored: str | None = None
    """Text that must appear nowhere in the database afterwards (an entity expansion)."""


FAULTS = [
    # the network
    Fault("no answer at all", SourceKind.PAGE, handler(lambda _: faults.silent(30)),
          f"timed out after {TIMEOUT_S:g} s"),
    Fault("headers, then a stuck body", SourceKind.FEED, handler(lambda _: faults.slow(30)),
          f"timed out after {TIMEOUT_S:g} s"),
    Fault("body dripping a byte at a time", SourceKind.LISTING, handler(lambda _: faults.drip(30)),
          f"timed out after {TIMEOUT_S:g} s"),
    Fault("connection reset", SourceKind.PAGE, handler(lambda _: faults.reset()), "connection failed: "),
    Fault("download cut short", SourceKind.FEED, handler(lambda _: faults.truncated(100_000)), "connection failed: "),
    # HTTP
    Fault("HTTP 500", SourceKind.PAGE, handler(lambda _: faults.status(500)), "HTTP 500 Internal Server Error"),
    Fault("HTTP 503", SourceKind.FEED, handler(lambda _: faults.status(503)), "HTTP 503 Service Unavailable"),
    Fault("HTTP 429, Retry-After 1 h", SourceKind.LISTING, handler(lambda _: faults.status(429, retry_after=3600)),
          "HTTP 429 Too Many Requests", retry_after_s=3600),
    Fault("redirect loop", SourceKind.PAGE, handler(lambda site: faults.redirect(site.url(PATH))), "redirect loop"),
    Fault("redirect to loopback", SourceKind.PAGE, handler(lambda site: faults.redirect(site.url("/private/"))),
          "refused: 127.0.0.1 resolves to a loopback address", through_public_proxy=True),
    Fault("redirect to the cloud metadata service", SourceKind.FEED,
          handler(lambda _: faults.redirect("http://169.254.169.254/latest/meta-data/")),
          "refused: 169.254.169.254 resolves to a link-local address", through_public_proxy=True),
    Fault("a PDF, not a page", SourceKind.PAGE, page(b"%PDF-1.4 synthetic", content_type="application/pdf"),
          "unsupported content type application/pdf"),
    # size
    Fault("50 MB body, declared", SourceKind.PAGE, handler(lambda _: faults.huge(50 * 1024 * 1024)),
          "response larger than 10 MB"),
    Fault("endless body", SourceKind.LISTING, handler(lambda _: faults.endless()), "response larger than 10 MB"),
    Fault("gzip bomb, 1 GB of zeros", SourceKind.FEED, handler(lambda _: faults.gzip_bomb(1024**3)),
          "response larger than 10 MB"),
    # content
    Fault("empty 200 page", SourceKind.PAGE, page(b""), "empty response"),
    Fault("empty 200 listing", SourceKind.LISTING, page(b"  \n"), "empty response"),
    Fault("empty 200 feed", SourceKind.FEED, page(b"", content_type=RSS), "empty response"),
    Fault("an HTML page served as the feed", SourceKind.FEED, page(lambda site: listing(["/news/synthetic/"])),
          "not a feed: got an HTML page instead of RSS or Atom"),
    Fault("truncated RSS", SourceKind.FEED, page(lambda site: rss(site, ["/news/a/"])[:120], content_type=RSS),
          "malformed feed: "),
    Fault("truncated Atom", SourceKind.FEED, page(lambda site: atom(site, ["/news/a/"])[:200], content_type=ATOM),
          "malformed feed: "),
    Fault("invalid UTF-8, not XML", SourceKind.FEED, page(b"\xff\xfe\xfd\x80 synthetic \xc3\x28", content_type=RSS),
          "not a feed: not XML"),
    Fault("billion laughs in an RSS feed with no items", SourceKind.FEED,
          page(lambda site: rss(site, [], doctype=BILLION_LAUGHS_DOCTYPE, title="&lol9;"), content_type=RSS),
          "malformed feed: undefined entity", never_stored=EXPANDED),
    # odd but readable
    Fault("page with invalid UTF-8", SourceKind.PAGE, handler(lambda _: faults.wrong_encoding()), None),
    Fault("malformed HTML page", SourceKind.PAGE,
          page("<html><body><main><p>Synthetic <b>unclosed <i>markup <div></p></table><p>Synthetic again"), None),
    Fault("malformed HTML listing", SourceKind.LISTING,
          page("<html><body><main><article class='post'><h2><a href='/news/synthetic-new/'>Synthetic new"
               "</article><div><table></main>"), None),
    *(Fault(f"feed declaring UTF-16, written in UTF-8, {parity} length", SourceKind.FEED,
            page(lambda site, parity=parity: of_length(parity, rss(site, ["/news/synthetic-new/"],
                                                                   title="Synthetic gestión", declaration=UTF16)),
                 content_type=RSS), None)
      for parity in ("odd", "even")),
    Fault("billion laughs in an RSS feed", SourceKind.FEED,
          page(lambda site: rss(site, ["/news/synthetic-new/"], doctype=BILLION_LAUGHS_DOCTYPE, title="&lol9;"),
               content_type=RSS), None, never_stored=EXPANDED),
    Fault("billion laughs in an XHTML page", SourceKind.PAGE,
          page(f"<?xml version='1.0'?>{BILLION_LAUGHS_DOCTYPE}<html xmlns='http://www.w3.org/1999/xhtml'><body>"
               "<p>Synthetic &lol9; page.</p></body></html>", content_type="application/xhtml+xml"),
          None, never_stored=EXPANDED),
    Fault("billion laughs in a listing", SourceKind.LISTING,
          page(f"<?xml version='1.0'?>{BILLION_LAUGHS_DOCTYPE}<html><body><main><article class='post'><h2>"
               "<a href='/news/synthetic-new/'>Synthetic &lol9;</a></h2></article></main></body></html>"),
          None, never_stored=EXPANDED),
]


# -- the suite ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_a_hostile_source_fails_clearly_backs_off_loses_nothing_and_tells_admins(
    engine: Engine, local_site: LocalSite, fault: Fault, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    source_id = _healthy_source(engine, local_site, fault.kind)
    before = _stored(engine)
    healthy = _source(engine, source_id)

    fault.serve(local_site)
    local_site.page("/private/", "<html><body>Synthetic private page</body></html>")
    local_site.page("/news/synthetic-new/", SYNTHETIC_PAGE.format(name="new item"))
    policy = POLICY
    if fault.through_public_proxy:
        policy = replace(POLICY, allow_private=False)
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", local_site.base_url)
        with session_scope(engine) as session:
            found = sources.get_source(session, source_id)
            assert found is not None
            found.url = f"http://{PUBLIC_ADDRESS}{PATH}"
    requests_before = len(local_site.requests)

    reports, peak = _check_repeatedly(engine, source_id, policy)

    assert peak < MEMORY_LIMIT, f"peak memory {peak / 2**20:.0f} MB"
    assert all(report.elapsed_s < CHECK_TIME_LIMIT_S for report in reports), [r.summary() for r in reports]
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.split(".")[0] in OUR_PACKAGES]
    assert not crashes, "an error was logged as a crash"
    if fault.through_public_proxy:  # the request went to the proxy, and the private target was never asked for
        assert [r.headers.get("host") for r in local_site.requests[requests_before:]][-1] == PUBLIC_ADDRESS
        assert local_site.hits("/private/") == 0
    if fault.never_stored:
        assert fault.never_stored not in repr(_stored(engine))
    if fault.error is None:
        _assert_read(engine, source_id, reports, before)
    else:
        _assert_failed(engine, source_id, fault, reports, before, healthy)


def _assert_read(engine: Engine, source_id: int, reports: list[CheckReport], before: dict[str, set[Any]]) -> None:
    for report in reports:
        assert report.status in {CheckStatus.OK, CheckStatus.UNCHANGED}, report.summary()
        assert report.error is None and all(e.kind != EventKind.SOURCE_FAILURE for e in report.events)
    health = _source(engine, source_id)
    assert (health.consecutive_failures, health.last_error) == (0, None)
    after = _stored(engine)
    for table, rows in before.items():  # what the source said before is still known
        kept = {row[0] for row in rows}
        assert kept <= {row[0] for row in after[table]}, f"rows of {table} were lost"


def _assert_failed(engine: Engine, source_id: int, fault: Fault, reports: list[CheckReport],
                   before: dict[str, set[Any]], healthy: Source) -> None:
    assert fault.error is not None
    for n, report in enumerate(reports, start=1):
        assert report.status == CheckStatus.ERROR, report.summary()
        assert report.error is not None and report.error.startswith(fault.error), report.error
        assert "\n" not in report.error and len(report.error) < 300
        assert not report.error.startswith("internal error")
        failures = [e for e in report.events if e.kind == EventKind.SOURCE_FAILURE]
        assert len(failures) == (1 if n == CHECKS else 0), f"check {n}: {report.events}"
    health = _source(engine, source_id)
    assert health.consecutive_failures == CHECKS and health.failing_since is not None
    assert health.last_error is not None and health.last_error.startswith(fault.error)
    assert health.last_checked_at is not None
    backoff = sources.failure_delay(CHECKS, timedelta(seconds=health.interval_seconds), fault.retry_after_s)
    assert health.next_check_at >= health.last_checked_at + backoff - timedelta(seconds=1)
    assert health.next_check_at > utcnow() + timedelta(minutes=4)
    # the last good read is what the next answer will be compared with
    assert (health.etag, health.last_modified, health.content_hash) == (
        healthy.etag, healthy.last_modified, healthy.content_hash)
    with Session(engine) as session:
        assert source_id not in sources.due_source_ids(session)
    assert _stored(engine) == before, "something stored before the fault changed"

    with session_scope(engine) as session:  # what the dispatcher would do next
        subscriptions.ensure_chat(session, ADMIN_CHAT)
        fan_out(session, admin_chat_ids={ADMIN_CHAT})
    with Session(engine) as session:
        to_admin = session.exec(
            select(Event.kind, Event.evidence).join(Delivery, Delivery.event_id == Event.id)  # type: ignore[arg-type]
            .where(Delivery.chat_id == ADMIN_CHAT)
        ).all()
    assert len(to_admin) == 1
    assert to_admin[0][0] == EventKind.SOURCE_FAILURE and to_admin[0][1].startswith(fault.error)


# -- helpers -----------------------------------------------------------------------------------------------


def _healthy_source(engine: Engine, site: LocalSite, kind: SourceKind) -> int:
    """A source read once while healthy: knowledge, a document, items and events that a fault must not touch."""
    news = SEED_PAGES[NEWS_SEED]
    site.page(news, seed_as_html(NEWS_SEED))
    if kind == SourceKind.PAGE:
        site.page(PATH, seed_as_html(NEWS_SEED))
    elif kind == SourceKind.FEED:
        site.page(PATH, rss(site, [news]), content_type=RSS)
    else:
        site.page(PATH, listing([news]))
    with session_scope(engine) as session:
        source = sources.add_source(session, url=site.url(PATH), kind=kind, label=f"synthetic {kind}",
                                    interval_seconds=3600, added_by="test")
        assert source.id is not None
        source_id = source.id
    [report] = asyncio.run(_checks(engine, source_id, POLICY, 1))
    assert report.status == CheckStatus.OK and report.error is None, report.summary()
    assert _stored(engine)["fact"], "the healthy read stored no knowledge"
    return source_id


def _check_repeatedly(engine: Engine, source_id: int, policy: FetchPolicy) -> tuple[list[CheckReport], int]:
    tracemalloc.start()
    try:
        reports = asyncio.run(_checks(engine, source_id, policy, CHECKS))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return reports, peak


async def _checks(engine: Engine, source_id: int, policy: FetchPolicy, times: int) -> list[CheckReport]:
    """``times`` checks in a row by one checker, as the watcher would make them (forced: no waiting a day)."""
    async with Fetcher(policy) as fetcher:
        checker = SourceChecker(engine, fetcher)
        reports = []
        for _ in range(times):
            started = time.monotonic()
            report = await checker.check(source_id, force=True)
            report.elapsed_s = time.monotonic() - started
            reports.append(report)
        return reports


IGNORED_TABLES = {"source", "event", "delivery", "chat", "subscription", "app_state", "sentence"}
"""``sentence`` is the index of each document's current text, rebuilt with it: its rows are not what a
source said, the document's are."""


def _stored(engine: Engine) -> dict[str, set[Any]]:
    """Every row of every table a check may write (the source's own health aside), and the events but the
    admin's: what a fault must leave as it was."""
    with Session(engine) as session:
        stored = {
            table.name: {tuple(row) for row in session.execute(select(table))}
            for table in SQLModel.metadata.sorted_tables if table.name not in IGNORED_TABLES
        }
        stored["event"] = {tuple(row) for row in session.execute(
            select(Event.id, Event.key, Event.title, Event.evidence).where(Event.kind != EventKind.SOURCE_FAILURE)
        )}
    return stored


def _source(engine: Engine, source_id: int) -> Source:
    with Session(engine) as session:
        found = sources.get_source(session, source_id)
        assert found is not None
        return found
