"""Which addresses may be watched: http and https only, no credentials in the address, and, unless the
administrator allows it, no host that resolves into a private network.

The watcher fetches whatever admins give it and quotes what it finds in chat. Without this rule an admin
command, or a redirect on a watched page, could make the server read its cloud metadata service
(169.254.169.254), an intranet page or a local admin port and repeat it to a chat. The rule runs when a source
is added (``check_url``) and again in the fetcher for every request and every redirect hop
(``check_url_async``), because where a name points can change after it was added.

Every address a name resolves to must be public: the connection may go to any of them. Not covered: a name
that changes its answer between this check and the connection (DNS rebinding), since the connection resolves
it again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ALLOW_PRIVATE_SETTING = "OGP_WATCH_ALLOW_PRIVATE_SOURCES"
DEFAULT_PORTS = {"http": 80, "https": 443}

_AddressInfo = tuple[Any, ...]  # one getaddrinfo() answer: family, type, proto, canonname, sockaddr
_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """An address that will not be fetched; the message says why in words an admin can act on."""


class UnresolvableHost(UnsafeURL):
    """The host name has no address, now: a typo, a lapsed domain, or a passing DNS failure worth retrying."""


@dataclass(frozen=True)
class _Target:
    url: str
    host: str
    port: int


def check_url(url: str, *, allow_private: bool) -> str:
    """The address normalised (scheme and host lower-case, no fragment), if it may be watched."""
    target = _parse(url)
    try:
        answers = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnresolvableHost(f"cannot resolve {target.host}") from exc
    return _vet(target, answers, allow_private=allow_private)


async def check_url_async(url: str, *, allow_private: bool) -> str:
    """``check_url`` without blocking the event loop while the name resolves."""
    target = _parse(url)
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnresolvableHost(f"cannot resolve {target.host}") from exc
    return _vet(target, answers, allow_private=allow_private)


def _parse(url: str) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a bad port or a malformed IPv6 literal
        raise UnsafeURL(f"not a valid address: {url}") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeURL("only http and https addresses can be watched")
    if "@" in parts.netloc:
        raise UnsafeURL("addresses with a user name or password cannot be watched")
    host = parts.hostname  # lower-cased by urlsplit, without the brackets of an IPv6 literal
    if not host:
        raise UnsafeURL(f"no host in the address {url}")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    normalised = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return _Target(normalised, host, port or DEFAULT_PORTS[scheme])


def _vet(target: _Target, answers: Sequence[_AddressInfo], *, allow_private: bool) -> str:
    if allow_private:
        return target.url
    for *_, sockaddr in answers:
        shown = sockaddr[0]  # as the resolver wrote it: ::ffff:127.0.0.1 rather than ::ffff:7f00:1
        kind = _non_public_kind(ipaddress.ip_address(shown))
        if kind is not None:
            raise UnsafeURL(
                f"refused: {target.host} resolves to {kind} address ({shown}); "
                f"set {ALLOW_PRIVATE_SETTING} to allow it"
            )
    return target.url


def _non_public_kind(address: _IPAddress) -> str | None:
    """How to name a non-public address to an admin ("a loopback"), or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 connects to 127.0.0.1
    if address.is_unspecified:
        return "an unspecified"
    if address.is_loopback:
        return "a loopback"
    if address.is_link_local:
        return "a link-local"
    if address.is_multicast:
        return "a multicast"
    if address.is_private:
        return "a private"
    if address.is_reserved:
        return "a reserved"
    if not address.is_global:  # e.g. carrier-grade NAT (100.64.0.0/10)
        return "a non-public"
    return None
