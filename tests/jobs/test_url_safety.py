"""Which addresses an admin may add and the fetcher may follow. IP literals resolve without DNS, and names under
``.invalid`` never resolve (RFC 6761), so these tests need no network."""

from __future__ import annotations

import asyncio

import pytest

from jobs.url_safety import UnresolvableHost, UnsafeURL, check_url, check_url_async


@pytest.mark.parametrize(
    ("url", "kind", "shown"),
    [
        ("http://10.0.0.1/", "a private", "10.0.0.1"),
        ("http://192.168.1.1/admin", "a private", "192.168.1.1"),
        ("http://172.16.5.4/", "a private", "172.16.5.4"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local", "169.254.169.254"),
        ("http://127.0.0.1:8080/", "a loopback", "127.0.0.1"),
        ("http://localhost/", "a loopback", "127.0.0.1"),
        ("http://2130706433/", "a loopback", "127.0.0.1"),  # 127.0.0.1 written as one number
        ("http://0.0.0.0/", "an unspecified", "0.0.0.0"),
        ("http://224.0.0.1/", "a multicast", "224.0.0.1"),
        ("http://100.64.0.1/", "a non-public", "100.64.0.1"),
        ("http://[::1]/", "a loopback", "::1"),
        ("http://[::ffff:127.0.0.1]/", "a loopback", "::ffff:127.0.0.1"),
        ("http://[::ffff:10.1.2.3]/", "a private", "::ffff:10.1.2.3"),
        ("http://[fe80::1]/", "a link-local", "fe80::1"),
        ("http://[fc00::1]/", "a private", "fc00::1"),
        ("http://[ff02::1]/", "a multicast", "ff02::1"),
    ],
)
def test_addresses_inside_private_networks_are_refused_with_the_setting_that_allows_them(
    url: str, kind: str, shown: str
) -> None:
    with pytest.raises(UnsafeURL) as refused:
        check_url(url, allow_private=False)
    message = str(refused.value)
    assert message.startswith("refused: ")
    assert f"resolves to {kind} address ({shown})" in message
    assert "set OGP_WATCH_ALLOW_PRIVATE_SOURCES to allow it" in message


def test_the_setting_lets_private_addresses_through() -> None:
    assert check_url("http://127.0.0.1:8080/news/", allow_private=True) == "http://127.0.0.1:8080/news/"
    assert check_url("http://[::1]/", allow_private=True) == "http://[::1]/"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://8.8.8.8/file", "only http and https addresses can be watched"),
        ("file:///etc/passwd", "only http and https addresses can be watched"),
        ("javascript:alert(1)", "only http and https addresses can be watched"),
        ("www.opengovpartnership.org/news/", "only http and https addresses can be watched"),
        ("http:///news/", "no host"),
        ("https://user:secret@8.8.8.8/", "user name or password"),
        ("https://user@8.8.8.8/", "user name or password"),
        ("http://8.8.8.8:99999/", "not a valid address"),
    ],
)
def test_addresses_that_are_not_web_pages_are_refused_whatever_the_setting(url: str, message: str) -> None:
    with pytest.raises(UnsafeURL, match=message):
        check_url(url, allow_private=True)


def test_a_host_that_does_not_resolve_is_named() -> None:
    with pytest.raises(UnresolvableHost, match=r"^cannot resolve example\.invalid$"):
        check_url("https://example.invalid/news/", allow_private=False)


def test_public_addresses_come_back_normalised() -> None:
    assert check_url("HTTPS://8.8.8.8/Search?q=OGP#results", allow_private=False) == "https://8.8.8.8/Search?q=OGP"
    assert check_url("http://8.8.8.8:80", allow_private=False) == "http://8.8.8.8/"
    assert check_url("https://8.8.8.8:8443/x", allow_private=False) == "https://8.8.8.8:8443/x"
    assert check_url("https://[2001:4860:4860::8888]/", allow_private=False) == "https://[2001:4860:4860::8888]/"


def test_the_async_check_gives_the_same_answers() -> None:
    async def check(url: str) -> str:
        return await check_url_async(url, allow_private=False)

    assert asyncio.run(check("HTTPS://8.8.8.8/a#b")) == "https://8.8.8.8/a"
    with pytest.raises(UnsafeURL, match=r"refused: 169\.254\.169\.254 resolves to a link-local address"):
        asyncio.run(check("http://169.254.169.254/"))
    with pytest.raises(UnresolvableHost, match="cannot resolve example.invalid"):
        asyncio.run(check("http://example.invalid/"))
