"""The local website the demo, the tests and the benchmark watch: it must behave like a well-run web server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from ogp_watch.local_site import LocalSite
from tests import local_site_faults as faults

PAGE = "<html><body><h1>Mexico</h1><p>Mexico joined OGP in 2011.</p></body></html>"


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    with LocalSite() as site:
        yield site


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def test_a_page_is_served_with_its_type_and_a_strong_etag_and_unknown_paths_are_404(
    local_site: LocalSite, client: httpx.Client
) -> None:
    local_site.page("/members/mexico/", PAGE)
    response = client.get(local_site.url("/members/mexico/?utm_source=x"))  # the query does not change the page
    assert response.status_code == 200
    assert response.text == PAGE
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["etag"].startswith('"') and not response.headers["etag"].startswith('W/')

    missing = client.get(local_site.url("/members/atlantis/"))
    assert missing.status_code == 404
    assert "Not found" in missing.text and missing.headers["content-type"].startswith("text/html")


def test_head_sends_the_headers_of_get_without_the_body(local_site: LocalSite, client: httpx.Client) -> None:
    local_site.page("/feed/", "<rss/>", content_type="application/rss+xml")
    response = client.head(local_site.url("/feed/"))
    assert response.status_code == 200
    assert response.headers["content-length"] == "6"
    assert response.content == b""


def test_a_page_can_change_between_two_visits_and_disappear(local_site: LocalSite, client: httpx.Client) -> None:
    local_site.page("/news/", "<html>first</html>")
    first = client.get(local_site.url("/news/"))
    local_site.page("/news/", "<html>second</html>")
    second = client.get(local_site.url("/news/"))
    assert (first.text, second.text) == ("<html>first</html>", "<html>second</html>")
    assert first.headers["etag"] != second.headers["etag"]

    local_site.remove("/news/")
    assert client.get(local_site.url("/news/")).status_code == 404


def test_if_none_match_with_the_current_etag_gets_304_and_an_old_one_the_page(
    local_site: LocalSite, client: httpx.Client
) -> None:
    local_site.page("/news/", "<html>news</html>")
    etag = client.get(local_site.url("/news/")).headers["etag"]

    unchanged = client.get(local_site.url("/news/"), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert client.get(local_site.url("/news/"), headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304

    local_site.page("/news/", "<html>news, updated</html>")
    changed = client.get(local_site.url("/news/"), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.text == "<html>news, updated</html>"


def test_if_modified_since_gets_304_unless_the_page_is_newer(local_site: LocalSite, client: httpx.Client) -> None:
    noon = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    local_site.page("/report/", "<html>report</html>", etag=False, last_modified=noon)
    response = client.get(local_site.url("/report/"))
    assert "etag" not in response.headers
    stamp = response.headers["last-modified"]
    assert stamp == "Wed, 01 May 2024 12:00:00 GMT"

    assert client.get(local_site.url("/report/"), headers={"If-Modified-Since": stamp}).status_code == 304
    later = "Thu, 02 May 2024 00:00:00 GMT"
    assert client.get(local_site.url("/report/"), headers={"If-Modified-Since": later}).status_code == 304
    earlier = "Tue, 30 Apr 2024 00:00:00 GMT"
    assert client.get(local_site.url("/report/"), headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get(local_site.url("/report/"), headers={"If-Modified-Since": "yesterday"}).status_code == 200


def test_if_none_match_decides_alone_when_both_validators_are_sent(local_site: LocalSite, client: httpx.Client) -> None:
    local_site.page("/report/", "<html>report</html>", last_modified=datetime(2024, 5, 1, tzinfo=UTC))
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": "Wed, 01 May 2024 00:00:00 GMT"}
    assert client.get(local_site.url("/report/"), headers=headers).status_code == 200


def test_error_pages_keep_their_status_and_headers_and_never_become_304(
    local_site: LocalSite, client: httpx.Client
) -> None:
    local_site.page("/busy/", "<html>busy</html>", status=503, headers={"Retry-After": "120"})
    response = client.get(local_site.url("/busy/"))
    assert (response.status_code, response.headers["retry-after"]) == (503, "120")
    again = client.get(local_site.url("/busy/"), headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 503


def test_requests_are_recorded_with_path_query_and_lower_case_headers(
    local_site: LocalSite, client: httpx.Client
) -> None:
    local_site.page("/news/", PAGE)
    client.get(local_site.url("/news/?page=2"), headers={"If-None-Match": '"x"'})
    client.head(local_site.url("/news/"))
    client.get(local_site.url("/elsewhere/"))

    assert local_site.hits("/news/") == 2
    assert local_site.hits("/elsewhere/") == 1
    first = local_site.requests[0]
    assert (first.method, first.path, first.query) == ("GET", "/news/", "page=2")
    assert first.headers["if-none-match"] == '"x"'
    assert local_site.requests[1].method == "HEAD"


def test_a_handler_takes_full_control_of_its_path(local_site: LocalSite, client: httpx.Client) -> None:
    local_site.handler("/old/", faults.redirect("/new/", status=301))
    response = client.get(local_site.url("/old/"))
    assert (response.status_code, response.headers["location"]) == (301, "/new/")


def test_it_keeps_up_with_hundreds_of_requests_a_second(local_site: LocalSite) -> None:
    for n in range(20):
        local_site.page(f"/page/{n}/", f"<html>{n}</html>")

    def visit(worker: int) -> list[int]:
        with httpx.Client(timeout=5) as http:
            return [http.get(local_site.url(f"/page/{(worker + i) % 20}/")).status_code for i in range(50)]

    started = time.monotonic()
    with ThreadPoolExecutor(10) as pool:
        statuses = [status for batch in pool.map(visit, range(10)) for status in batch]
    elapsed = time.monotonic() - started

    assert statuses == [200] * 500
    assert len(local_site.requests) == 500
    assert elapsed < 5, f"500 requests took {elapsed:.1f} s"


def test_closing_does_not_wait_for_a_handler_in_the_middle_of_an_answer() -> None:
    site = LocalSite().start()
    site.handler("/slow/", faults.slow(30))
    outcome: list[BaseException | int] = []

    def visit() -> None:
        try:
            outcome.append(httpx.get(site.url("/slow/"), timeout=20).status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    visitor = threading.Thread(target=visit)
    visitor.start()
    deadline = time.monotonic() + 5
    while site.hits("/slow/") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    started = time.monotonic()
    site.close()
    visitor.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not visitor.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError)  # the visitor got an error, not a hang


def test_the_address_is_known_once_started_and_closing_twice_is_harmless() -> None:
    site = LocalSite()
    with pytest.raises(RuntimeError, match="not running"):
        _ = site.base_url
    with site:
        assert site.base_url.startswith("http://127.0.0.1:")
        assert site.url("/news/") == site.base_url + "/news/"
    site.close()
