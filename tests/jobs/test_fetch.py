"""The fetcher against a real local web server: what an admin would notice, in finite time and bounded memory.

Every test talks HTTP over loopback to ``LocalSite``; the faults come from ``tests/local_site_faults.py``. The
policy allows private addresses (loopback is private) and has no politeness delay and tiny backoffs, unless a
test is about those.

It stays one file (about 520 lines): every test is one fetcher behaviour against the same ``local_site``
fixture and ``fetch`` helpers, grouped by section (validators, retries, limits, redirects, robots.txt).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from itertools import pairwise
from typing import Any

import pytest

from jobs.fetch import Fetcher, FetchOutcome, FetchPolicy, FetchResult, retry_after_seconds
from jobs.robots import RobotsAnswer, RobotsCache
from ogp_watch.local_site import Handler, LocalSite
from tests import local_site_faults as faults

PAGE = "<html><head><title>Mexico</title></head><body><p>Mexico joined OGP in 2011.</p></body></html>"
SMALL_CAP = 200_000
TEST_POLICY: dict[str, Any] = {
    "allow_private": True, "politeness_delay_s": 0.0, "backoff_base_s": 0.01, "backoff_max_s": 5.0, "timeout_s": 5.0,
}


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    with LocalSite() as site:
        yield site


def policy(**changes: Any) -> FetchPolicy:
    return FetchPolicy(**(TEST_POLICY | changes))


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None, **changes: Any) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(policy(**changes)) as fetcher:
            return await fetcher.fetch(url, etag=etag, last_modified=last_modified)

    return asyncio.run(run())


def fetch_all(urls: list[str], **changes: Any) -> list[FetchResult]:
    async def run() -> list[FetchResult]:
        async with Fetcher(policy(**changes)) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(url) for url in urls)))

    return asyncio.run(run())


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- pages, validators, changes


def test_a_page_comes_with_its_hash_validators_and_type(local_site: LocalSite) -> None:
    local_site.page("/members/mexico/", PAGE, last_modified=datetime(2024, 5, 1, tzinfo=UTC))
    result = fetch(local_site.url("/members/mexico/"))

    assert result.outcome == FetchOutcome.OK
    assert (result.http_status, result.error, result.attempts) == (200, None, 1)
    assert result.body == PAGE.encode()
    assert result.content_hash == hashlib.sha256(PAGE.encode()).hexdigest()
    assert result.content_type == "text/html; charset=utf-8"
    assert result.etag is not None and result.last_modified == "Wed, 01 May 2024 00:00:00 GMT"
    assert result.final_url == local_site.url("/members/mexico/")
    sent = local_site.requests[-1].headers
    assert sent["user-agent"].startswith("OGP-Watch/")
    assert sent["accept-encoding"] == "gzip, deflate"


def test_an_unchanged_page_costs_a_304_with_its_etag(local_site: LocalSite) -> None:
    local_site.page("/news/", PAGE)
    first = fetch(local_site.url("/news/"))
    second = fetch(local_site.url("/news/"), etag=first.etag)

    assert second.outcome == FetchOutcome.NOT_MODIFIED
    assert (second.http_status, second.body, second.etag) == (304, b"", first.etag)
    assert local_site.requests[-1].headers["if-none-match"] == first.etag


def test_an_unchanged_page_costs_a_304_with_its_last_modified_date(local_site: LocalSite) -> None:
    local_site.page("/news/", PAGE, etag=False, last_modified=datetime(2024, 5, 1, 9, 30, tzinfo=UTC))
    first = fetch(local_site.url("/news/"))
    second = fetch(local_site.url("/news/"), last_modified=first.last_modified)

    assert first.etag is None
    assert second.outcome == FetchOutcome.NOT_MODIFIED
    assert second.last_modified == "Wed, 01 May 2024 09:30:00 GMT"


def test_a_304_without_validators_keeps_the_ones_sent(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.status(304))
    result = fetch(local_site.url("/news/"), etag='"v1"', last_modified="Wed, 01 May 2024 09:30:00 GMT")
    assert result.outcome == FetchOutcome.NOT_MODIFIED
    assert (result.etag, result.last_modified) == ('"v1"', "Wed, 01 May 2024 09:30:00 GMT")


def test_a_changed_page_comes_back_whole_with_a_new_hash(local_site: LocalSite) -> None:
    local_site.page("/news/", PAGE)
    first = fetch(local_site.url("/news/"))
    local_site.page("/news/", PAGE.replace("2011", "2012"))
    second = fetch(local_site.url("/news/"), etag=first.etag)

    assert second.outcome == FetchOutcome.OK
    assert second.content_hash != first.content_hash
    assert second.etag != first.etag
    assert b"2012" in second.body


def test_the_body_stays_bytes_even_when_its_declared_charset_is_wrong(local_site: LocalSite) -> None:
    local_site.handler("/peru/", faults.wrong_encoding())
    result = fetch(local_site.url("/peru/"))
    assert result.outcome == FetchOutcome.OK
    assert "Perú".encode("latin-1") in result.body  # as sent; page analysis decides how to read it


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # what RFC 9110 means by deflate
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
    ],
    ids=["gzip", "zlib-deflate", "raw-deflate"],
)
def test_compressed_pages_are_decoded(local_site: LocalSite, encoding: str, compress: Any) -> None:
    body = (PAGE * 200).encode()
    local_site.page("/news/", compress(body), headers={"Content-Encoding": encoding})
    result = fetch(local_site.url("/news/"))
    assert result.outcome == FetchOutcome.OK
    assert result.body == body
    assert result.content_hash == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("content_type", ["application/rss+xml", "application/atom+xml", "text/plain", None])
def test_feeds_text_and_untyped_answers_are_accepted(local_site: LocalSite, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    local_site.handler("/feed/", _raw_answer(b"<rss/>", headers))
    assert fetch(local_site.url("/feed/")).outcome == FetchOutcome.OK


def test_a_pdf_is_not_a_page(local_site: LocalSite) -> None:
    local_site.page("/report.pdf", b"%PDF-1.7", content_type="application/pdf")
    result = fetch(local_site.url("/report.pdf"))
    assert result.outcome == FetchOutcome.ERROR
    assert result.error == "unsupported content type application/pdf"
    assert not result.transient and result.attempts == 1


# --- failures and retries


def test_a_server_error_is_retried_then_reported_as_transient(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.status(500))
    result = fetch(local_site.url("/news/"), retries=2)

    assert result.outcome == FetchOutcome.ERROR
    assert result.error == "HTTP 500 Internal Server Error"
    assert (result.http_status, result.transient, result.attempts) == (500, True, 3)
    assert local_site.hits("/news/") == 3


def test_a_missing_page_is_not_retried(local_site: LocalSite) -> None:
    result = fetch(local_site.url("/gone/"))
    assert (result.error, result.transient, result.attempts) == ("HTTP 404 Not Found", False, 1)


def test_a_server_that_fails_once_is_fetched_on_the_second_attempt(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.flaky(1, PAGE))
    result = fetch(local_site.url("/news/"))
    assert result.outcome == FetchOutcome.OK
    assert result.attempts == 2
    assert result.body == PAGE.encode()


def test_a_short_retry_after_is_waited_for(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.flaky(1, PAGE, fail_status=429, retry_after=1))
    result = fetch(local_site.url("/news/"))
    assert result.outcome == FetchOutcome.OK
    assert result.attempts == 2
    assert result.elapsed_s >= 1.0


def test_a_long_retry_after_goes_back_to_the_caller_without_waiting(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.status(429, retry_after=3600))
    result = fetch(local_site.url("/news/"))
    assert result.error == "HTTP 429 Too Many Requests"
    assert (result.transient, result.retry_after_s, result.attempts) == (True, 3600.0, 1)
    assert result.elapsed_s < 1


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 01 May 2024 12:02:00 GMT", now=now) == 120.0
    assert retry_after_seconds("Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_a_server_stuck_before_the_body_times_out(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.slow(30))
    result = fetch(local_site.url("/news/"), timeout_s=0.5, retries=0)
    assert result.error == "timed out after 0.5 s"
    assert result.transient
    assert result.elapsed_s < 2


def test_a_body_dripping_in_byte_by_byte_times_out_on_the_whole_request(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.drip(10))  # each byte comes well within the read timeout
    result = fetch(local_site.url("/news/"), timeout_s=0.5, retries=0)
    assert result.error == "timed out after 0.5 s"
    assert result.elapsed_s < 2


def test_a_connection_reset_is_a_transient_connection_failure(local_site: LocalSite) -> None:
    local_site.handler("/news/", faults.reset())
    result = fetch(local_site.url("/news/"), retries=1)
    assert result.outcome == FetchOutcome.ERROR
    assert result.error is not None and result.error.startswith("connection failed: ")
    assert "\n" not in result.error
    assert (result.transient, result.attempts) == (True, 2)


def test_a_refused_connection_is_a_transient_connection_failure() -> None:
    result = fetch(f"http://127.0.0.1:{unused_port()}/news/", retries=0, respect_robots=False)
    assert result.error is not None and result.error.startswith("connection failed: ")
    assert result.transient


# --- redirects


def test_a_redirect_chain_within_the_limit_ends_at_the_final_page(local_site: LocalSite) -> None:
    local_site.handler("/a/", faults.redirect("/b/", status=301))
    local_site.handler("/b/", faults.redirect(local_site.url("/c/"), status=308))
    local_site.handler("/c/", faults.redirect("/final/#section", status=303))
    local_site.page("/final/", PAGE)

    result = fetch(local_site.url("/a/"))
    assert result.outcome == FetchOutcome.OK
    assert result.url == local_site.url("/a/")
    assert result.final_url == local_site.url("/final/")
    assert result.body == PAGE.encode()


def test_a_redirect_loop_is_stopped(local_site: LocalSite) -> None:
    local_site.handler("/a/", faults.redirect("/b/"))
    local_site.handler("/b/", faults.redirect("/a/"))
    result = fetch(local_site.url("/a/"))
    assert result.error == "redirect loop"
    assert not result.transient
    assert local_site.hits("/a/") == 1 and local_site.hits("/b/") == 1


def test_too_many_redirects_are_stopped(local_site: LocalSite) -> None:
    for n in range(10):
        local_site.handler(f"/hop/{n}/", faults.redirect(f"/hop/{n + 1}/"))
    result = fetch(local_site.url("/hop/0/"), max_redirects=5)
    assert result.error == "too many redirects (5)"
    assert local_site.hits("/hop/5/") == 1 and local_site.hits("/hop/6/") == 0


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("ftp://127.0.0.1/file", "only http and https addresses can be watched"),
        ("http://admin:secret@127.0.0.1/", "addresses with a user name or password cannot be watched"),
        ("http://example.invalid/", "cannot resolve example.invalid"),
    ],
)
def test_every_redirect_hop_is_checked_like_the_first_address(
    local_site: LocalSite, location: str, error: str
) -> None:
    local_site.handler("/news/", faults.redirect(location))
    result = fetch(local_site.url("/news/"), retries=0)
    assert result.outcome == FetchOutcome.ERROR
    assert result.error == error


def test_private_addresses_are_refused_before_any_request_unless_allowed(local_site: LocalSite) -> None:
    local_site.page("/news/", PAGE)
    refused = fetch(local_site.url("/news/"), allow_private=False)

    assert refused.outcome == FetchOutcome.ERROR
    assert refused.error == (
        "refused: 127.0.0.1 resolves to a loopback address (127.0.0.1); "
        "set OGP_WATCH_ALLOW_PRIVATE_SOURCES to allow it"
    )
    assert not refused.transient
    assert local_site.requests == []  # not even robots.txt was asked for

    assert fetch(local_site.url("/news/"), allow_private=True).outcome == FetchOutcome.OK


# --- size limits


def test_a_declared_length_over_the_cap_is_refused_before_reading(local_site: LocalSite) -> None:
    local_site.handler("/big/", faults.huge(50 * 1024 * 1024))
    result = fetch(local_site.url("/big/"), max_bytes=SMALL_CAP)
    assert result.error == "response larger than 195 KB"
    assert not result.transient
    assert result.elapsed_s < 1


def test_an_endless_body_is_cut_off_at_the_cap(local_site: LocalSite) -> None:
    local_site.handler("/endless/", faults.endless())
    result = fetch(local_site.url("/endless/"), max_bytes=SMALL_CAP)
    assert result.error == "response larger than 195 KB"
    assert result.body == b""
    assert result.elapsed_s < 2


def test_a_gzip_bomb_is_stopped_at_the_cap_without_inflating_it(local_site: LocalSite) -> None:
    local_site.handler("/bomb/", faults.gzip_bomb(1024 * 1024 * 1024))
    tracemalloc.start()
    try:
        result = fetch(local_site.url("/bomb/"), max_bytes=SMALL_CAP)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error == "response larger than 195 KB"
    assert result.elapsed_s < 2
    assert peak < 20 * 1024 * 1024, f"peak memory {peak / 1024 / 1024:.0f} MB"


def test_the_default_cap_is_named_in_megabytes(local_site: LocalSite) -> None:
    local_site.handler("/big/", faults.huge(11 * 1024 * 1024))
    assert fetch(local_site.url("/big/")).error == "response larger than 10 MB"


# --- robots.txt


def test_robots_txt_disallow_is_obeyed_and_read_once(local_site: LocalSite) -> None:
    local_site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    local_site.page("/private/plan/", PAGE)
    local_site.page("/news/", PAGE)
    blocked, allowed, again = fetch_all(
        [local_site.url("/private/plan/"), local_site.url("/news/"), local_site.url("/news/")]
    )

    assert blocked.error == "blocked by robots.txt"
    assert not blocked.transient
    assert allowed.outcome == again.outcome == FetchOutcome.OK
    assert local_site.hits("/private/plan/") == 0
    assert local_site.hits("/robots.txt") == 1


def test_robots_txt_rules_for_our_user_agent_apply(local_site: LocalSite) -> None:
    local_site.page("/robots.txt", "User-agent: OGP-Watch\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
                    content_type="text/plain")
    local_site.page("/news/", PAGE)
    assert fetch(local_site.url("/news/")).error == "blocked by robots.txt"


def test_a_redirect_into_a_disallowed_path_is_blocked(local_site: LocalSite) -> None:
    local_site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    local_site.handler("/news/", faults.redirect("/private/news/"))
    local_site.page("/private/news/", PAGE)
    result = fetch(local_site.url("/news/"))
    assert result.error == "blocked by robots.txt"
    assert result.final_url == local_site.url("/private/news/")
    assert local_site.hits("/private/news/") == 0


def test_no_robots_txt_allows_everything(local_site: LocalSite) -> None:
    local_site.page("/news/", PAGE)  # /robots.txt answers 404
    assert fetch(local_site.url("/news/")).outcome == FetchOutcome.OK
    assert local_site.hits("/robots.txt") == 1


def test_an_unreachable_robots_txt_blocks_the_site_for_now(local_site: LocalSite) -> None:
    local_site.handler("/robots.txt", faults.status(500))
    local_site.page("/news/", PAGE)
    result = fetch(local_site.url("/news/"))

    assert result.outcome == FetchOutcome.ERROR
    assert result.error == "robots.txt unreachable (HTTP 500), so not fetching for now"
    assert result.transient
    assert result.retry_after_s is not None and result.retry_after_s > 60  # asked again in a few minutes
    assert result.attempts == 1
    assert local_site.hits("/news/") == 0


def test_robots_txt_is_read_again_after_a_day_and_its_last_rules_outlive_an_outage() -> None:
    answers = [
        RobotsAnswer(200, b"User-agent: *\nDisallow: /private/\n"),
        RobotsAnswer(None, error="connection failed: Connection refused"),
        RobotsAnswer(404),
    ]
    asked: list[str] = []
    now = [0.0]

    async def read(url: str) -> RobotsAnswer:
        asked.append(url)
        await asyncio.sleep(0.01)
        return answers[len(asked) - 1]

    cache = RobotsCache(read, ttl_s=100, error_ttl_s=10, clock=lambda: now[0])

    async def may(path: str) -> bool:
        return await cache.allowed("https://www.opengovpartnership.org" + path, "OGP-Watch/0.1")

    async def run() -> None:
        together = await asyncio.gather(*(may("/news/") for _ in range(5)), may("/private/x"))
        assert list(together) == [True] * 5 + [False]
        assert asked == ["https://www.opengovpartnership.org/robots.txt"]  # one read for six callers

        now[0] = 150  # a day later the site is down: the last rules still hold, and are asked for again soon
        assert await may("/news/") and not await may("/private/x")
        assert len(asked) == 2
        now[0] = 165  # back up, with no robots.txt any more
        assert await may("/private/x")
        assert len(asked) == 3

    asyncio.run(run())


# --- many fetches at once


def test_at_most_the_per_host_limit_of_requests_reach_a_host_at_once(local_site: LocalSite) -> None:
    lock = threading.Lock()
    in_flight = peak = 0

    def counted(request: BaseHTTPRequestHandler) -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.2)
        with lock:
            in_flight -= 1
        faults.status(200, body=PAGE)(request)

    local_site.handler("/news/", counted)
    results = fetch_all([local_site.url(f"/news/?n={n}") for n in range(6)], per_host_concurrency=2,
                        respect_robots=False)

    assert [r.outcome for r in results] == [FetchOutcome.OK] * 6
    assert peak == 2


def test_requests_to_one_host_start_at_least_the_politeness_delay_apart(local_site: LocalSite) -> None:
    starts: list[float] = []

    def timed(request: BaseHTTPRequestHandler) -> None:
        starts.append(time.monotonic())
        faults.status(200, body=PAGE)(request)

    local_site.handler("/news/", timed)
    fetch_all([local_site.url(f"/news/?n={n}") for n in range(3)], politeness_delay_s=0.25, respect_robots=False)

    gaps = [later - earlier for earlier, later in pairwise(starts)]
    assert len(gaps) == 2 and min(gaps) >= 0.2


def test_one_bad_address_does_not_spoil_the_others(local_site: LocalSite) -> None:
    local_site.page("/news/", PAGE)
    local_site.handler("/slow/", faults.slow(30))
    urls = [local_site.url("/news/"), f"http://127.0.0.1:{unused_port()}/", local_site.url("/slow/"),
            "http://example.invalid/", local_site.url("/news/")]
    results = fetch_all(urls, retries=0, timeout_s=0.5)

    assert [r.outcome for r in results] == [FetchOutcome.OK, FetchOutcome.ERROR, FetchOutcome.ERROR,
                                            FetchOutcome.ERROR, FetchOutcome.OK]
    assert results[2].error == "timed out after 0.5 s"
    assert results[3].error == "cannot resolve example.invalid"


def test_cancelling_a_fetch_cancels_it(local_site: LocalSite) -> None:
    local_site.handler("/slow/", faults.slow(30))

    async def run() -> None:
        async with Fetcher(policy()) as fetcher:
            task = asyncio.create_task(fetcher.fetch(local_site.url("/slow/")))
            await asyncio.sleep(0.2)
            task.cancel()
            await task

    started = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(run())
    assert time.monotonic() - started < 2


def _raw_answer(body: bytes, headers: dict[str, str]) -> Handler:
    """A 200 with exactly these headers (LocalSite.page always sends a Content-Type)."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        for name, value in (headers | {"Content-Length": str(len(body))}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    return handle
