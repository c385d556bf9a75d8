"""Every HTTP request for a watched source goes through here, with the limits that make the open web safe to read.

A watched site may be slow, huge, hostile or down, and the watcher must stay polite to it and unharmed by it:

* only safe addresses: each request and each redirect hop passes ``jobs.url_safety`` and robots.txt
  (``jobs.robots``) first, which is why redirects are followed here rather than by httpx;
* bounded: one deadline per request that covers the body too, so a server dripping a byte a second cannot
  hold a check, and a cap on the *decoded* body applied while decompressing, so a gzip bomb costs the
  cap in memory, not a gigabyte;
* polite: at most ``per_host_concurrency`` requests at once to a host, their starts ``politeness_delay_s``
  apart (waiting for a turn is not counted against the deadline), and conditional requests, so an
  unchanged page costs a 304;
* patient: timeouts, connection failures, 408, 429 and 5xx are retried with exponential backoff and full
  jitter, honouring Retry-After; a Retry-After too long to wait for goes back to the caller, whose
  schedule handles it.

``Fetcher.fetch`` never raises (cancellation aside): every outcome is a ``FetchResult`` whose ``error`` is one
line an admin can read. Bodies stay bytes: finding their charset is page analysis's job.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import time
import zlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from jobs.robots import RobotsAnswer, RobotsCache
from jobs.url_safety import DEFAULT_PORTS, UnresolvableHost, UnsafeURL, check_url_async

log = logging.getLogger(__name__)

USER_AGENT = "OGP-Watch/0.1 (watches Open Government Partnership pages for changes; honours robots.txt)"
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,"
    "text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.1"
)
ACCEPTED_TYPES = frozenset({
    "text/html", "application/xhtml+xml", "text/xml", "application/xml", "application/rss+xml",
    "application/atom+xml", "application/rdf+xml", "text/plain",
})
"""What page analysis and the feed and listing readers can read; anything else is an error, not a page."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TRANSIENT_STATUSES = frozenset({408, 429})  # and every 5xx

ROBOTS_MAX_BYTES = 512 * 1024
"""RFC 9309 section 2.5: at least 500 KiB of a robots.txt must be read; the rest is ignored."""
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 section 2.3.1.2


class FetchOutcome(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = USER_AGENT
    timeout_s: float = 20.0
    """Per request, body included; each redirect hop is a request, and waiting for the host's turn is not counted."""
    connect_timeout_s: float = 10.0
    """For resolving the host name and for opening the connection."""
    max_bytes: int = 10 * 1024 * 1024
    """Of decoded body; a larger page is an error, and the download stops there."""
    max_redirects: int = 5
    per_host_concurrency: int = 2
    politeness_delay_s: float = 1.0
    """Least time between the starts of two requests to one host."""
    retries: int = 2
    """Further attempts within one fetch after a transient failure."""
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    """Longest wait between attempts; a longer Retry-After is returned to the caller instead of waited for."""
    allow_private: bool = False
    respect_robots: bool = True
    http2: bool = True
    """Offer HTTP/2 when opening a TLS connection; a server that accepts it answers every request to it over
    that one multiplexed connection. Plain ``http://`` and servers that decline stay on HTTP/1.1 keep-alive."""

    def __post_init__(self) -> None:
        if self.per_host_concurrency < 1:
            raise ValueError("per_host_concurrency must be at least 1, or no request would ever start")
        if self.retries < 0 or self.max_redirects < 0:
            raise ValueError("retries and max_redirects cannot be negative")


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    outcome: FetchOutcome
    http_status: int | None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    """sha256 (hex) of the decoded body of an OK result."""
    error: str | None = None
    """One line for an admin, e.g. "timed out after 20 s", "HTTP 500 Internal Server Error"."""
    transient: bool = False
    """Worth trying again later: a timeout, a connection failure, 408, 429, 5xx, robots.txt unreachable."""
    retry_after_s: float | None = None
    elapsed_s: float = 0.0
    attempts: int = 1
    http_version: str | None = None
    """Of the last response, e.g. "HTTP/2" or "HTTP/1.1"; None if no response came."""


class Fetcher:
    """One shared HTTP client with its connection pool, per-host turns and robots.txt cache; use one per process."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy if policy is not None else FetchPolicy()
        self._client = httpx.AsyncClient(
            headers={"User-Agent": self.policy.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(self.policy.timeout_s, connect=self.policy.connect_timeout_s),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
            # Stateless: what a page says must not depend on cookies another source's site set.
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
            follow_redirects=False,
            http2=self.policy.http2,
        )
        self._hosts: dict[str, _HostTurns] = {}
        self._robots = RobotsCache(self._read_robots)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url``, conditionally if validators from an earlier fetch are given, retrying transient failures."""
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            try:
                result = await self._attempt(url, etag, last_modified)
            except Exception as exc:  # a bug here must not end a crawl; it is logged in full
                log.exception("fetching %s failed unexpectedly", url)
                result = FetchResult(url, url, FetchOutcome.ERROR, None, error=f"unexpected error: {_one_line(exc)}")
            delay = self._retry_delay(result, attempts)
            if delay is None:
                break
            await asyncio.sleep(delay)
        result = replace(result, elapsed_s=time.monotonic() - started, attempts=attempts)
        log.debug("GET %s: %s in %.2f s, %d attempt(s)", url,
                  result.error or f"{result.outcome} {result.http_status}", result.elapsed_s, attempts)
        return result

    def _retry_delay(self, result: FetchResult, attempts: int) -> float | None:
        """Seconds to wait before trying again, or None to give the result back now."""
        policy = self.policy
        if not result.transient or attempts > policy.retries:
            return None
        if result.retry_after_s is not None:
            return result.retry_after_s if result.retry_after_s <= policy.backoff_max_s else None
        return random.uniform(0, min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (attempts - 1)))

    async def _attempt(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        visited: list[str] = []
        try:
            while True:
                current = await self._check_address(current)
                if current in visited:
                    raise _Failed("redirect loop")
                if len(visited) > self.policy.max_redirects:
                    raise _Failed(f"too many redirects ({self.policy.max_redirects})")
                visited.append(current)
                if self.policy.respect_robots:
                    await self._check_robots(current)
                async with self._request(current, headers) as response:
                    location = _redirect_location(response)
                    if location is None:
                        return await self._result(url, current, response, etag, last_modified)
                current = location
        except _Failed as failure:
            return FetchResult(url, current, FetchOutcome.ERROR, failure.status, error=failure.error,
                               transient=failure.transient, retry_after_s=failure.retry_after_s)
        except UnsafeURL as exc:
            return FetchResult(url, current, FetchOutcome.ERROR, None, error=str(exc),
                               transient=isinstance(exc, UnresolvableHost))

    async def _result(
        self, url: str, final_url: str, response: httpx.Response, etag: str | None, last_modified: str | None
    ) -> FetchResult:
        status = response.status_code
        headers = response.headers
        if status == 304:  # a 304 may leave out the validators; the ones we sent still hold
            await response.aread()  # its empty body, so the connection goes back to the pool for the next check
            return FetchResult(url, final_url, FetchOutcome.NOT_MODIFIED, status, etag=headers.get("etag", etag),
                               last_modified=headers.get("last-modified", last_modified),
                               http_version=response.http_version)
        if not 200 <= status < 300:
            raise _Failed(f"HTTP {status} {httpx.codes.get_reason_phrase(status) or response.reason_phrase}".strip(),
                          transient=status in TRANSIENT_STATUSES or status >= 500, status=status,
                          retry_after_s=retry_after_seconds(headers.get("retry-after")))
        content_type = headers.get("content-type")
        media_type = (content_type or "").partition(";")[0].strip().lower()
        if media_type and media_type not in ACCEPTED_TYPES:
            raise _Failed(f"unsupported content type {media_type}", status=status)
        too_large = f"response larger than {_size(self.policy.max_bytes)}"
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise _Failed(too_large, status=status)
        body, complete = await _read_body(response, self.policy.max_bytes)
        if not complete:
            raise _Failed(too_large, status=status)
        return FetchResult(url, final_url, FetchOutcome.OK, status, body=body, content_type=content_type,
                           etag=headers.get("etag"), last_modified=headers.get("last-modified"),
                           content_hash=hashlib.sha256(body).hexdigest(), http_version=response.http_version)

    async def _check_address(self, url: str) -> str:
        try:
            async with asyncio.timeout(self.policy.connect_timeout_s):
                return await check_url_async(url, allow_private=self.policy.allow_private)
        except TimeoutError:
            host = urlsplit(url).hostname
            raise _Failed(f"timed out resolving {host} after {self.policy.connect_timeout_s:g} s",
                          transient=True) from None

    async def _check_robots(self, url: str) -> None:
        verdict = await self._robots.verdict(url, self.policy.user_agent)
        if not verdict.allowed:
            raise _Failed(verdict.reason or "blocked by robots.txt", transient=verdict.retry_after_s is not None,
                          retry_after_s=verdict.retry_after_s)

    @asynccontextmanager
    async def _request(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[httpx.Response]:
        """One GET in the host's turn; the deadline covers whatever the caller reads of the body inside."""
        request = self._client.build_request("GET", url, headers=headers)
        async with self._turns(url).turn():
            try:
                async with asyncio.timeout(self.policy.timeout_s):
                    response = await self._client.send(request, stream=True)
                    try:
                        yield response
                    finally:
                        await response.aclose()
            except httpx.ConnectTimeout:
                raise _Failed(f"timed out connecting after {self.policy.connect_timeout_s:g} s",
                              transient=True) from None
            except (TimeoutError, httpx.TimeoutException):
                raise _Failed(f"timed out after {self.policy.timeout_s:g} s", transient=True) from None
            except httpx.TransportError as exc:
                raise _Failed(f"connection failed: {_one_line(exc)}", transient=True) from None

    def _turns(self, url: str) -> _HostTurns:
        parts = urlsplit(url)
        key = f"{parts.hostname}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 0)}"
        turns = self._hosts.get(key)
        if turns is None:
            turns = self._hosts[key] = _HostTurns(self.policy.per_host_concurrency, self.policy.politeness_delay_s)
        return turns

    async def _read_robots(self, robots_url: str) -> RobotsAnswer:
        """robots.txt through the same checks and limits as a page, minus robots.txt itself and the type check."""
        current = robots_url
        try:
            for _ in range(ROBOTS_MAX_REDIRECTS + 1):
                current = await self._check_address(current)
                async with self._request(current, {}) as response:
                    status = response.status_code
                    location = _redirect_location(response)
                    if location is None:
                        if not 200 <= status < 300:
                            return RobotsAnswer(status)
                        body, _complete = await _read_body(response, ROBOTS_MAX_BYTES)
                        return RobotsAnswer(status, body)
                current = location
        except _Failed as failure:
            return RobotsAnswer(failure.status, error=failure.error)
        except UnsafeURL as exc:
            return RobotsAnswer(None, error=str(exc))
        return RobotsAnswer(status)  # still redirected after five hops: as good as no file


class _Failed(Exception):
    """Ends an attempt with the line an admin will read and whether trying again may help."""

    def __init__(self, error: str, *, transient: bool = False, status: int | None = None,
                 retry_after_s: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.transient = transient
        self.status = status
        self.retry_after_s = retry_after_s


class _HostTurns:
    """Requests to one host: at most ``concurrency`` at once, their starts at least ``gap_s`` apart."""

    def __init__(self, concurrency: int, gap_s: float) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._gap_s = gap_s
        self._next_start = 0.0

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._slots:
            now = asyncio.get_running_loop().time()
            start = max(now, self._next_start)
            self._next_start = start + self._gap_s
            if start > now:
                await asyncio.sleep(start - now)
            yield


class _Decoder:
    """Undoes a Content-Encoding with a bound on each step's output (zlib's ``max_length``), so that a few
    kilobytes of gzip cannot become a gigabyte in memory before anyone has counted it."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._inflate = self._new_inflate() if encoding else None
        self._sniffing = encoding == "deflate"  # RFC 9110 says zlib-wrapped; some servers send raw deflate

    @classmethod
    def for_response(cls, response: httpx.Response) -> _Decoder:
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("", "identity"):
            return cls("")
        if encoding in ("gzip", "x-gzip", "deflate"):
            return cls(encoding.removeprefix("x-"))
        raise _Failed(f"unsupported content encoding {encoding}", status=response.status_code)

    def decode(self, data: bytes, max_length: int) -> bytes:
        """At most ``max_length`` (> 0) decoded bytes; input beyond what they took is dropped, so a caller that
        got ``max_length`` bytes must stop."""
        if self._inflate is None:
            return data[:max_length]
        out = bytearray()
        while data and len(out) < max_length:
            try:
                out += self._inflate.decompress(data, max_length - len(out))
            except zlib.error as exc:
                if not self._sniffing:
                    raise _Failed(f"could not decompress the {self.encoding} body ({exc})") from None
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                self._sniffing = False
                continue
            self._sniffing = False
            if not self._inflate.eof:
                data = self._inflate.unconsumed_tail
            elif self.encoding == "gzip" and self._inflate.unused_data.startswith(b"\x1f\x8b"):
                data = self._inflate.unused_data  # gzip allows several members one after another
                self._inflate = self._new_inflate()
            else:
                data = b""  # padding after the end of the stream, ignored as browsers do
        return bytes(out)

    def _new_inflate(self) -> zlib._Decompress:
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self.encoding == "gzip" else zlib.MAX_WBITS)


async def _read_body(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The decoded body up to ``limit`` bytes, and whether that is all of it (reading stops once it is not)."""
    decoder = _Decoder.for_response(response)
    body = bytearray()
    async for raw in response.aiter_raw():
        body += decoder.decode(raw, limit + 1 - len(body))
        if len(body) > limit:
            return bytes(body[:limit]), False
    return bytes(body), True


def _redirect_location(response: httpx.Response) -> str | None:
    location: str | None = response.headers.get("location")
    if response.status_code not in REDIRECT_STATUSES or not location:
        return None
    return urljoin(str(response.url), location.strip())


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A Retry-After header as seconds from now: it holds either seconds or an HTTP date (RFC 9110 10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.3g} MB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.3g} KB"
    return f"{n_bytes} bytes"


def _one_line(exc: BaseException) -> str:
    """What went wrong, in one line: the operating system's words for the error beneath, if any ("Connection
    refused" rather than httpx's "All connection attempts failed"), else the first message along the causes."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for error in reversed(chain):
        if isinstance(error, OSError) and error.errno:
            return os.strerror(error.errno)
    messages = (" ".join(str(error).split()) for error in chain)
    return next((message for message in messages if message), type(exc).__name__)
