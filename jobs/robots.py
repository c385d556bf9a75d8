"""robots.txt: whether a site lets the watcher fetch a page, read once a day per site (RFC 9309).

The rules come from ``urllib.robotparser``; this module adds what it lacks for a long-running watcher: a
cache per origin with a lifetime, one read at a time per origin (a dozen checks starting together cause
one request), and RFC 9309's reading of failures:

* 2xx: the file's rules apply;
* 4xx (no file, or not for us): everything is allowed;
* 5xx, 429, or no answer at all: nothing is allowed for now (the site may be down or overloaded), asked
  again after ``ERROR_TTL_S``. A site whose file was read before keeps its last rules meanwhile, as RFC
  9309 section 2.4 allows.

One difference from RFC 9309 comes with ``urllib.robotparser``: where an Allow and a Disallow line both match
a path, the first one in the file wins rather than the longer one.

The file is read through a function the fetcher passes in, so that robots.txt requests get the same
client, address checks, size limit and politeness as every other request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

TTL_S = 24 * 3600.0
"""RFC 9309 section 2.4: a cached robots.txt should not be used for more than 24 hours."""

ERROR_TTL_S = 600.0
"""How long a site whose robots.txt could not be read stays blocked before the file is asked for again."""


@dataclass(frozen=True)
class RobotsAnswer:
    """What asking for a robots.txt gave: ``status`` None means no HTTP answer, and ``error`` says why."""

    status: int | None
    body: bytes = b""
    error: str | None = None


RobotsFetch = Callable[[str], Awaitable[RobotsAnswer]]
"""Reads the robots.txt at the given URL, following redirects, and never raises."""


@dataclass(frozen=True)
class RobotsVerdict:
    allowed: bool
    reason: str | None = None  # why not, for the fetch error an admin sees
    retry_after_s: float | None = None  # when asking again may give another answer (robots.txt unreachable)


class _Rules(RobotFileParser):
    """RobotFileParser with the two switches its __init__ sets and can_fetch reads, which typeshed leaves out."""

    allow_all: bool
    disallow_all: bool


@dataclass
class _Entry:
    rules: RobotFileParser
    expires: float
    read_ok: bool  # the rules came from the site (2xx or 4xx), not from a failure to read them
    failure: str | None = None


class RobotsCache:
    def __init__(
        self,
        fetch: RobotsFetch,
        *,
        ttl_s: float = TTL_S,
        error_ttl_s: float = ERROR_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl_s = ttl_s
        self._error_ttl_s = error_ttl_s
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str, user_agent: str) -> bool:
        return (await self.verdict(url, user_agent)).allowed

    async def verdict(self, url: str, user_agent: str) -> RobotsVerdict:
        origin = _origin(url)
        entry = await self._entry(origin)
        if entry.rules.can_fetch(user_agent, url):
            return RobotsVerdict(True)
        if entry.failure is not None:
            return RobotsVerdict(False, entry.failure, max(0.0, entry.expires - self._clock()))
        return RobotsVerdict(False, "blocked by robots.txt")

    async def _entry(self, origin: str) -> _Entry:
        entry = self._entries.get(origin)
        if entry is not None and entry.expires > self._clock():
            return entry
        async with self._locks.setdefault(origin, asyncio.Lock()):
            entry = self._entries.get(origin)  # read by whoever held the lock before us
            if entry is None or entry.expires <= self._clock():
                entry = self._read(await self._fetch(origin + "/robots.txt"), previous=entry)
                self._entries[origin] = entry
            return entry

    def _read(self, answer: RobotsAnswer, *, previous: _Entry | None) -> _Entry:
        rules = _Rules()
        status = answer.status
        if status is not None and 200 <= status < 300:
            rules.parse(answer.body.decode("utf-8", errors="replace").splitlines())
            return _Entry(rules, self._clock() + self._ttl_s, read_ok=True)
        if status is not None and 300 <= status < 500 and status != 429:  # 3xx: redirected too often
            rules.allow_all = True
            return _Entry(rules, self._clock() + self._ttl_s, read_ok=True)
        expires = self._clock() + self._error_ttl_s
        if previous is not None and previous.read_ok:
            return _Entry(previous.rules, expires, read_ok=True)
        rules.disallow_all = True
        why = answer.error or (f"HTTP {status}" if status is not None else "no answer")
        return _Entry(rules, expires, read_ok=False, failure=f"robots.txt unreachable ({why}), so not fetching for now")


def _origin(url: str) -> str:
    """robots.txt belongs to scheme, host and port together (RFC 9309 section 2.3)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))
