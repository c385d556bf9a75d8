"""What admins do with sources: add, list, pause, resume, remove. Plain functions over a session, shared by
the ``ogp-watch sources`` command and the Telegram admin commands, so both behave and word errors alike.

Re-checking a source is async (it fetches); see ``jobs.check.SourceChecker``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session

from jobs.url_safety import UnsafeURL, check_url
from storage import sources
from storage.models import Source, SourceKind, utcnow

DEFAULT_INTERVAL_S = 6 * 3600
MIN_INTERVAL_S = 60
MAX_INTERVAL_S = 30 * 86400

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_INTERVAL = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)

_FEED_PATH = re.compile(r"/(feed|rss|atom)/$|\.(xml|rss|atom)/$")
_LISTING_PATH = re.compile(
    r"^/$|^/(news|blog|documents|members|our-members|events)/$|^/(document-type|category|tag)/[^/]+/$|/page/\d+/$"
)


class SourceAdminError(ValueError):
    """An admin request that cannot be done as asked; the message says why and what to do instead."""


def parse_interval(text: str) -> int:
    """Seconds in "6h", "30m", "1d", "1h30m" or "90s"."""
    compact = text.strip().replace(" ", "")
    parts = _INTERVAL.findall(compact)
    if not compact or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise SourceAdminError(f"cannot read the interval {text!r}: use a number and a unit, e.g. 30m, 6h, 1d")
    seconds = sum(int(n) * _UNITS[u.lower()] for n, u in parts)
    if not MIN_INTERVAL_S <= seconds <= MAX_INTERVAL_S:
        raise SourceAdminError(f"the interval must be between {format_interval(MIN_INTERVAL_S)} and "
                               f"{format_interval(MAX_INTERVAL_S)}")
    return seconds


def format_interval(seconds: int) -> str:
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def parse_kind(text: str) -> SourceKind:
    try:
        return SourceKind(text.strip().lower())
    except ValueError:
        raise SourceAdminError(f"unknown kind {text!r}: use page, listing or feed") from None


def guess_kind(url: str) -> SourceKind:
    """What an address probably is, from its path; admins can say otherwise with a kind."""
    path = urlsplit(url).path.lower().rstrip("/") + "/"
    if _FEED_PATH.search(path):
        return SourceKind.FEED
    if _LISTING_PATH.search(path):
        return SourceKind.LISTING
    return SourceKind.PAGE


def add(
    session: Session,
    url: str,
    *,
    added_by: str,
    allow_private: bool,
    kind: SourceKind | str | None = None,
    interval: str | int | None = None,
    label: str | None = None,
) -> Source:
    try:
        checked = check_url(url.strip(), allow_private=allow_private)
    except UnsafeURL as error:
        raise SourceAdminError(str(error)) from None
    source_kind = parse_kind(kind) if isinstance(kind, str) else (kind or guess_kind(checked))
    seconds = parse_interval(interval) if isinstance(interval, str) else (interval or DEFAULT_INTERVAL_S)
    name = (label or "").strip() or _label_for(checked)
    try:
        return sources.add_source(session, url=checked, kind=source_kind, label=name, interval_seconds=seconds,
                                  added_by=added_by)
    except sources.DuplicateSource as error:
        raise SourceAdminError(str(error)) from None


def pause(session: Session, source_id: int) -> Source:
    return _found(sources.set_enabled(session, source_id, False), source_id)


def resume(session: Session, source_id: int) -> Source:
    return _found(sources.set_enabled(session, source_id, True), source_id)


def remove(session: Session, source_id: int) -> Source:
    return _found(sources.remove_source(session, source_id), source_id)


def get(session: Session, source_id: int) -> Source:
    return _found(sources.get_source(session, source_id), source_id)


MAX_SOURCE_ID = 2**31 - 1
"""The largest id the databases' integer key holds; a bigger number cannot name a source."""


def parse_id(text: str) -> int:
    # ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and other scripts' digits.
    cleaned = text.strip().lstrip("#")
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 10 or int(cleaned) > MAX_SOURCE_ID:
        raise SourceAdminError(f"{text[:40]!r} is not a source number; see the list of sources")
    return int(cleaned)


@dataclass(frozen=True)
class SourceHealth:
    """A source as admins see it in a list."""

    id: int
    label: str
    url: str
    kind: str
    interval: str
    state: str  # "ok", "paused", "failing (3)", "new"
    last_checked: datetime | None
    next_check: datetime | None
    last_error: str | None

    def line(self) -> str:
        checked = f"checked {self.last_checked:%Y-%m-%d %H:%M}" if self.last_checked else "never checked"
        due = f", next {self.next_check:%Y-%m-%d %H:%M}" if self.next_check else ""
        error = f"\n      last error: {self.last_error}" if self.last_error else ""
        return (f"#{self.id:<3} {self.state:12} {self.kind:8} every {self.interval:6} {self.label}\n"
                f"      {self.url} ({checked}{due} UTC){error}")


def health(source: Source, *, now: datetime | None = None) -> SourceHealth:
    assert source.id is not None
    if not source.enabled:
        state = "paused"
    elif source.consecutive_failures:
        state = f"failing ({source.consecutive_failures})"
    elif source.last_checked_at is None:
        state = "new"
    else:
        state = "ok"
    return SourceHealth(
        id=source.id, label=source.label, url=source.url, kind=source.kind,
        interval=format_interval(source.interval_seconds), state=state, last_checked=source.last_checked_at,
        next_check=max(source.next_check_at, now or utcnow()) if source.enabled else None,
        last_error=source.last_error,
    )


def _found(source: Source | None, source_id: int) -> Source:
    if source is None:
        raise SourceAdminError(f"there is no source #{source_id}; list them to see their numbers")
    return source


def _label_for(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = host.removeprefix("www.")
    return (host + parts.path.rstrip("/"))[:200] or url[:200]
