"""Argument types for the ``ogp-watch`` parser.

Each turns a malformed value into argparse's usage error (exit status 2, the value named in one line)
before a database is opened or a page fetched, so a typo costs nothing and never shows a traceback.
They judge the text only: whether a well-formed value names something (a member, a source number in the
database) is for the command to say.

The parser is built on every start, ``--help`` included, so this module imports only the standard library
and ``storage.vocabularies``; what a type needs beyond that (httpx, the source rules in ``jobs.source_admin``)
is imported when an argument of that type is given.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from storage.vocabularies import utcnow

MAX_COUNT = 2**31 - 1
"""The largest --limit: what both databases' integers hold (SQLite refuses a bigger LIMIT outright)."""

MAX_CONCURRENCY = 256
MAX_CLAIM_SECONDS = 3600.0
"""As for OGP_WATCH_DELIVERY_CLAIM_SECONDS: an alert claimed for longer than an hour is an alert lost."""

SPAN_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
HTTP_SCHEMES = frozenset({"http", "https"})
_ADDRESS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|https?:", re.IGNORECASE)
"""How an address starts ("ftp://", and "https:/" with a slash missing), as opposed to a file's path."""
SHOWN_CHARS = 60

Invalid = argparse.ArgumentTypeError


def shown(text: str) -> str:
    """The value as a message quotes it: in quotes (so an empty or blank one is visible), cut if long."""
    return repr(text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…")


def http_url(text: str) -> str:
    """An http(s) address that httpx can fetch: parsed the way the fetch would parse it, so that a bad port
    or a broken IPv6 literal is refused here rather than failing inside the HTTP client."""
    value = text.strip()
    if not value:
        raise Invalid("the URL is empty; give an address starting with http:// or https://")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:  # a port that is no number or out of range, a malformed [IPv6] literal
        reason = "the port must be a number from 1 to 65535" if "port" in str(error).lower() else str(error)
        raise Invalid(f"not a valid URL: {shown(text)} ({reason})") from None
    if parts.scheme.lower() not in HTTP_SCHEMES:
        raise Invalid(f"not an http(s) URL: {shown(text)}; give an address starting with http:// or https://")
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in value):
        raise Invalid(f"not a valid URL: {shown(text)} has a space or control character in it (write a space as %20)")
    if not parts.hostname:
        raise Invalid(f"not a valid URL: {shown(text)} has no host name")
    if port == 0:
        raise Invalid(f"not a valid URL: {shown(text)} (the port must be a number from 1 to 65535)")
    import httpx

    try:
        httpx.URL(value)
    except httpx.InvalidURL as error:
        raise Invalid(f"not a valid URL: {shown(text)} ({error})") from None
    return value


def page_location(text: str) -> str:
    """What ``ingest`` reads: anything written like an address must be an http(s) one; the rest is a file's
    path, which is checked when it is read."""
    if not text.strip():
        raise Invalid("give a file or an http(s) URL, not an empty string")
    if _ADDRESS.match(text.strip()):
        return http_url(text)
    return text


def nonblank(what: str) -> Callable[[str], str]:
    """A text argument that must say something: an empty question or member name is a slip, not a query."""

    def check(text: str) -> str:
        if not text.strip():
            raise Invalid(f"give {what}, not an empty string")
        return text

    return check


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An integer in [low, high], ASCII digits only: a bound keeps a huge number from reaching the database
    or a connection pool, where it would fail with an overflow instead of a sentence."""

    def check(text: str) -> int:
        value = text.strip()
        digits = value.removeprefix("-")
        well_formed = digits.isascii() and digits.isdigit() and len(digits) <= len(str(high))
        if not well_formed or not low <= int(value) <= high:
            raise Invalid(f"{shown(text)} is not a whole number from {low} to {high:,}")
        return int(value)

    return check


def claim_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"{shown(text)} is not a number of seconds") from None
    if not 0 < value <= MAX_CLAIM_SECONDS:  # also refuses nan, which compares false with everything
        raise Invalid(f"{shown(text)}: give a number of seconds more than 0 and at most {MAX_CLAIM_SECONDS:g}")
    return value


def source_id(text: str) -> int:
    """A source's number as ``sources list`` shows it ("3" or "#3"), worded as the Telegram admin commands."""
    from jobs import source_admin

    try:
        return source_admin.parse_id(text)
    except source_admin.SourceAdminError as error:
        raise Invalid(str(error)) from None


def interval(text: str) -> int:
    """Seconds between checks ("6h", "1h30m"), within the bounds the watcher accepts."""
    from jobs import source_admin

    try:
        return source_admin.parse_interval(text)
    except source_admin.SourceAdminError as error:
        raise Invalid(str(error)) from None


def since(text: str) -> datetime:
    """A date or date-time (2026-11-01, 2026-11-01T08:00+02:00) or a span back from now (90m, 12h, 7d,
    2w), as naive UTC like the stored timestamps; a time with an offset is converted, not just cut."""
    span = text.strip().lower()
    number, unit = span[:-1], span[-1:]
    if number.isascii() and number.isdigit() and unit in SPAN_UNITS:
        try:
            return utcnow() - timedelta(seconds=int(number) * SPAN_UNITS[unit])
        except OverflowError:
            raise Invalid(f"{shown(text)} reaches back before the year 1") from None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{shown(text)} is not a date; give a date like 2026-11-01 or a span like 12h or 7d") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def output_file(text: str) -> Path:
    """A file to write: a folder, or a name in a folder that does not exist, is refused before any work is
    done. Whether the file can be written (permissions, a full disk) shows only when it is written."""
    if not text.strip():
        raise Invalid("give a file name, not an empty string")
    path = Path(text).expanduser()
    try:
        if path.is_dir():
            raise Invalid(f"{path} is a folder; give a file name, e.g. {path / 'chart.png'}")
        folder = path.parent
        if not folder.exists():
            raise Invalid(f"cannot write {path}: the folder {folder} does not exist")
        if not folder.is_dir():
            raise Invalid(f"cannot write {path}: {folder} is not a folder")
    except OSError as error:
        raise Invalid(f"cannot write {path}: {error.strerror or error}") from None
    return path
