"""HTTP/2 where the server offers it: a real HTTP/2 server over TLS on loopback (``tests/http2_site.py``),
whose certificate the fetcher trusts through ``SSL_CERT_FILE``, as any httpx client would. What an operator
would notice: a watched TLS site that speaks HTTP/2 gets one connection for all its pages, conditional
requests still come back 304, and turning HTTP/2 off or watching plain http:// keeps HTTP/1.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest

from jobs.fetch import Fetcher, FetchOutcome, FetchPolicy, FetchResult
from ogp_watch.app import fetch_policy
from ogp_watch.local_site import LocalSite
from ogp_watch.settings import Settings
from tests.http2_site import ETAG, PAGE, Http2Site

POLICY = FetchPolicy(allow_private=True, politeness_delay_s=0.0, retries=0, timeout_s=5.0, per_host_concurrency=8)


@pytest.fixture
def http2_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Http2Site]:
    with Http2Site() as site:
        monkeypatch.setenv("SSL_CERT_FILE", site.ca_file)
        yield site


def fetch_all(urls: list[str], policy: FetchPolicy = POLICY, etag: str | None = None) -> list[FetchResult]:
    async def run() -> list[FetchResult]:
        async with Fetcher(policy) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(url, etag=etag) for url in urls)))

    return asyncio.run(run())


def test_a_tls_site_offering_http2_gets_all_its_pages_over_one_connection(http2_site: Http2Site) -> None:
    results = fetch_all([f"{http2_site.url}/page/{n}" for n in range(20)])

    assert [r.outcome for r in results] == [FetchOutcome.OK] * 20
    assert {r.http_version for r in results} == {"HTTP/2"}
    assert all(r.body == PAGE and r.etag == ETAG for r in results)
    assert {version for _, version, _ in http2_site.requests} == {"2"}
    assert len(http2_site.connections()) == 1  # robots.txt and the 20 pages, multiplexed


def test_conditional_requests_over_http2_come_back_not_modified(http2_site: Http2Site) -> None:
    results = fetch_all([f"{http2_site.url}/page/{n}" for n in range(5)], etag=ETAG)

    assert [(r.outcome, r.http_status, r.http_version) for r in results] == [
        (FetchOutcome.NOT_MODIFIED, 304, "HTTP/2")] * 5
    assert all(r.etag == ETAG for r in results)


def test_with_http2_off_the_same_site_is_fetched_over_http11(http2_site: Http2Site) -> None:
    results = fetch_all([f"{http2_site.url}/page/{n}" for n in range(4)], replace(POLICY, http2=False))

    assert {r.http_version for r in results} == {"HTTP/1.1"}
    assert {version for _, version, _ in http2_site.requests} == {"1.1"}
    assert len(http2_site.connections()) > 1  # one request at a time per connection


def test_plain_http_stays_on_http11() -> None:
    with LocalSite() as site:
        site.page("/p", PAGE.decode())
        results = fetch_all([site.url("/p")])
    assert results[0].outcome == FetchOutcome.OK
    assert results[0].http_version == "HTTP/1.1"


def test_the_http2_setting_reaches_the_fetch_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fetch_policy(Settings(_env_file=None)).http2  # type: ignore[call-arg]
    monkeypatch.setenv("OGP_WATCH_HTTP2", "false")
    assert not fetch_policy(Settings(_env_file=None)).http2  # type: ignore[call-arg]
