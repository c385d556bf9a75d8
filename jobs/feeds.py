"""RSS and Atom feeds (WordPress serves one at ``/feed/`` beside every listing) read into items.

A feed is the cheapest way to notice a new page, but what comes back from the network is not always a
feed: an HTML error page, an empty body, a download cut short. ``parse_feed`` never raises; it tells a
usable feed (items, perhaps from a slightly malformed document) from an unusable one (no items and a
one-line reason the admin can act on).

feedparser is handed a stream, never a ``str`` or ``bytes``: given a string it fetches URLs, and given
bytes it first tries them as a *file name*, so a body such as ``b"/etc/passwd"`` would be read from disk.
"""

from __future__ import annotations

import html
import io
import logging
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import date
from time import struct_time
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser

from jobs.items import Item

log = logging.getLogger(__name__)

#: feedparser flags these on perfectly readable feeds (no or odd Content-Type; a declared charset the
#: bytes do not match, recovered by its fallback decoding), so they alone never make a feed "malformed".
_HARMLESS_BOZO = (
    feedparser.NonXMLContentType,
    feedparser.CharacterEncodingOverride,
)


@dataclass(frozen=True)
class FeedPage:
    """What one fetch of a feed offers: its items in feed order, and why there are none if it is broken."""

    items: list[Item] = field(default_factory=list)
    title: str | None = None
    error: str | None = None


def parse_feed(body: bytes, url: str) -> FeedPage:
    """Items of an RSS/Atom document fetched from ``url``; relative links are resolved against ``url``."""
    if not body or not body.strip():
        return FeedPage(error="not a feed: the response is empty")
    try:
        # The content type is ours: the fetcher already decided this source is a feed, and without it
        # feedparser flags every feed served as text/html or without a type.
        parsed = feedparser.parse(
            io.BytesIO(_defused(body)),
            response_headers={"content-location": url, "content-type": "application/xml"},
        )
    except Exception as exc:  # feedparser on hostile input: report, never crash the check
        log.debug("feedparser failed on %s", url, exc_info=True)
        return FeedPage(error=f"malformed feed: {_one_line(exc)}")
    title = _text(parsed.feed.get("title"))
    items = _items(parsed.entries, url)
    if items:
        return FeedPage(items=items, title=title)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(problem, _HARMLESS_BOZO):
        problem = None
    if not parsed.get("version"):
        return FeedPage(title=title, error=f"not a feed: {_why_not_a_feed(body, problem)}")
    if problem is not None:
        return FeedPage(title=title, error=f"malformed feed: {_one_line(problem)}")
    return FeedPage(title=title)  # a well-formed feed with nothing in it yet


PROLOG_BYTES = 64 * 1024
"""Where an XML declaration and a DOCTYPE must be: before the root element, at the start of the document."""

_WIDE_DECLARATION = re.compile(
    rb"^(\s*<\?xml\b[^>]*?)\s+encoding\s*=\s*([\"'])(?:utf-?16|utf-?32|ucs-?[24])[^\"']*\2", re.IGNORECASE
)
_SUBSET_END = re.compile(rb"\]\s*>")


def _defused(body: bytes) -> bytes:
    """The feed without two traps that the bytes themselves show to be wrong or hostile:

    * a UTF-16 or UTF-32 declaration in a document whose first bytes are ASCII (XML 1.0 appendix F: then it
      cannot be either). feedparser would believe it, and read an even-length body as UTF-16 gibberish and an
      odd-length one correctly, so whether such a feed works depended on its length;
    * entity declarations in the DOCTYPE's internal subset, which no real feed has and a billion-laughs bomb
      needs: expat stops the expansion only after some 8 MB of it, costing ~50 MB and over a second a check.
      Without them the references stay unexpanded text ("&lol9;").
    """
    body = _WIDE_DECLARATION.sub(rb"\1", body, count=1)
    start = body.find(b"<!DOCTYPE", 0, PROLOG_BYTES)
    if start < 0:
        return body
    subset = body.find(b"[", start, PROLOG_BYTES)
    end = _SUBSET_END.search(body, subset) if subset >= 0 else None
    if end is None or b"<!ENTITY" not in body[subset : end.start()].upper():
        return body
    return body[:subset] + b">" + body[end.end():]


def _items(entries: list[Any], base: str) -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for entry in entries:
        link = _entry_link(entry, base)
        if link is None or link in seen:
            continue
        seen.add(link)
        items.append(Item(url=link, title=_text(entry.get("title")), published=_entry_date(entry),
                          summary=_summary(entry)))
    return items


def _entry_link(entry: Any, base: str) -> str | None:
    """The page the entry stands for: its link, else an alternate link, else a permalink guid."""
    candidates = [entry.get("link")]
    candidates += [link.get("href") for link in entry.get("links", []) if link.get("rel", "alternate") == "alternate"]
    if entry.get("guidislink"):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if not candidate or not isinstance(candidate, str):
            continue
        absolute, _ = urldefrag(urljoin(base, candidate.strip()))
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc:
            return absolute
    return None


def _entry_date(entry: Any) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, struct_time):
            try:
                return date(value.tm_year, value.tm_mon, value.tm_mday)
            except ValueError:
                continue
    return None


def _summary(entry: Any) -> str | None:
    """The entry's description as plain text (feeds carry it as escaped HTML)."""
    raw = entry.get("summary")
    if not isinstance(raw, str):
        return None
    # Paragraphs and line breaks stay lines: "Already closed: Albania, ..." is one line of a list.
    lines = html.unescape(_TAG.sub(" ", _BLOCK_END.sub("\n", raw))).splitlines()
    text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
    return text[:SUMMARY_CHARS] if text else None


_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li|div|h[1-6])\s*>", re.IGNORECASE)
#: A teaser, not the article: longer descriptions are cut.
SUMMARY_CHARS = 2000


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    collapsed = " ".join(value.split())
    return collapsed or None


def _why_not_a_feed(body: bytes, problem: BaseException | None) -> str:
    head = body[:2048].lstrip().lower()
    if head.startswith(b"<!doctype html") or b"<html" in head:
        return "got an HTML page instead of RSS or Atom"
    if isinstance(problem, xml.sax.SAXParseException):
        return f"not XML ({problem.getMessage()})"
    if problem is not None:
        return f"not XML ({_one_line(problem)})"
    return "no RSS or Atom root element"


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, xml.sax.SAXParseException):
        return f"{exc.getMessage()} at line {exc.getLineNumber()}, column {exc.getColumnNumber()}"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
