"""RSS and Atom documents in, items or a one-line reason out.

All feeds here are SYNTHETIC (https://synthetic.example/, made-up titles and dates): no OGP facts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from jobs.feeds import FeedPage, parse_feed
from jobs.items import Item

FEED_URL = "https://synthetic.example/feed/"

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Synthetic   News</title>
  <link>https://synthetic.example/</link>
  <description>Synthetic feed for tests</description>
  <item><title>Synthetic first</title><link>https://synthetic.example/news/synthetic-first/</link>
    <pubDate>Mon, 03 Feb 2031 10:00:00 +0000</pubDate><guid isPermaLink="false">https://synthetic.example/?p=1</guid></item>
  <item><title>Synthetic second</title><link>/documents/synthetic-second/#respond</link></item>
  <item><title>Duplicate of first</title><link>https://synthetic.example/news/synthetic-first/</link></item>
  <item><title>Not web</title><link>mailto:someone@synthetic.example</link></item>
  <item><title>No link at all</title></item>
  <item><title>Permalink guid</title><guid>https://synthetic.example/news/synthetic-guid/</guid></item>
</channel>
</rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Synthetic Atom</title><id>urn:synthetic:feed</id><updated>2031-01-01T00:00:00Z</updated>
  <entry><title>Synthetic atom entry</title><link rel="alternate" href="entries/one/"/><id>urn:synthetic:1</id>
    <updated>2031-01-05T12:00:00Z</updated></entry>
  <entry><title>Second</title><link href="https://synthetic.example/entries/two/"/><id>urn:synthetic:2</id>
    <published>2031-01-04T12:00:00Z</published><updated>2031-01-06T12:00:00Z</updated></entry>
</feed>"""


def test_rss_items_are_absolute_deduplicated_and_in_feed_order() -> None:
    page = parse_feed(RSS, FEED_URL)
    assert page == FeedPage(
        items=[
            Item("https://synthetic.example/news/synthetic-first/", "Synthetic first", date(2031, 2, 3)),
            Item("https://synthetic.example/documents/synthetic-second/", "Synthetic second"),
            Item("https://synthetic.example/news/synthetic-guid/", "Permalink guid"),
        ],
        title="Synthetic News",
        error=None,
    )


def test_atom_links_resolve_against_the_feed_url() -> None:
    page = parse_feed(ATOM, "https://synthetic.example/atom/")
    assert page.error is None and page.title == "Synthetic Atom"
    assert page.items == [
        Item("https://synthetic.example/atom/entries/one/", "Synthetic atom entry", date(2031, 1, 5)),
        Item("https://synthetic.example/entries/two/", "Second", date(2031, 1, 4)),
    ]


def test_a_slightly_malformed_feed_that_still_has_entries_is_read_without_error() -> None:
    unescaped = RSS.replace(b"Synthetic second", b"Synthetic & second")  # a bare & is not XML
    page = parse_feed(unescaped, FEED_URL)
    assert page.error is None
    assert page.items[0].url == "https://synthetic.example/news/synthetic-first/"


def test_a_feed_cut_off_after_complete_entries_keeps_those_entries() -> None:
    cut = RSS[: RSS.index(b"<item><title>Duplicate")] + b"<item><title>Half"
    page = parse_feed(cut, FEED_URL)
    assert [item.url for item in page.items] == [
        "https://synthetic.example/news/synthetic-first/",
        "https://synthetic.example/documents/synthetic-second/",
    ]
    assert page.error is None


def test_a_feed_in_the_wrong_charset_is_read_with_feedparsers_fallback() -> None:
    # Declared UTF-8 but written in Windows-1252 (a common misconfiguration): the links are intact, so the
    # items are kept; the fallback decoding even gets the title right.
    body = RSS.replace(b"Synthetic first", "Synthetic café".encode("cp1252"))
    page = parse_feed(body, FEED_URL)
    assert page.error is None
    assert page.items[0] == Item("https://synthetic.example/news/synthetic-first/", "Synthetic café", date(2031, 2, 3))


def test_a_well_formed_but_empty_feed_is_not_an_error() -> None:
    empty = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Synthetic empty</title></channel></rss>"
    assert parse_feed(empty, FEED_URL) == FeedPage(items=[], title="Synthetic empty", error=None)


@pytest.mark.parametrize(
    ("body", "error_start"),
    [
        (b"", "not a feed: the response is empty"),
        (b"  \n\t", "not a feed: the response is empty"),
        (b"<!DOCTYPE html><html><head><title>Synthetic</title></head><body><a href='/x/'>x</a></body></html>",
         "not a feed: got an HTML page"),
        (b"\xff\xfe\xfd\x80 not utf-8 at all \xc3\x28", "not a feed: not XML"),
        (b'{"synthetic": true}', "not a feed: not XML"),
        (RSS[: RSS.index(b"</title><link>https://synthetic.example/news/synthetic-first/")], "malformed feed:"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><item><title>A</title><link>https://syn",
         "malformed feed:"),
    ],
    ids=["empty", "whitespace", "html", "invalid-utf8", "json", "truncated-before-first-link", "truncated-in-link"],
)
def test_a_broken_feed_gives_no_items_and_a_one_line_reason(body: bytes, error_start: str) -> None:
    page = parse_feed(body, FEED_URL)
    assert page.items == []
    assert page.error is not None and page.error.startswith(error_start), page.error
    assert "\n" not in page.error


def test_a_body_that_is_a_file_name_is_not_read_from_disk(tmp_path: Path) -> None:
    # feedparser treats str and bytes arguments as URLs or file names; parse_feed must never let it.
    secret = tmp_path / "synthetic-feed.xml"
    secret.write_bytes(RSS)
    page = parse_feed(str(secret).encode(), FEED_URL)
    assert page.items == [] and page.error is not None


def test_a_feed_pointing_at_a_url_is_not_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    import feedparser.http

    def no_network(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("parse_feed went to the network")

    monkeypatch.setattr(feedparser.http, "get", no_network)
    page = parse_feed(b"https://synthetic.example/feed/", FEED_URL)
    assert page.items == [] and page.error is not None
