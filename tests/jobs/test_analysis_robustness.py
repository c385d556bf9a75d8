"""Malformed input must never crash the analyser: the crawler feeds it whatever the network returns."""

from __future__ import annotations

import random

import pytest

from jobs.analysis import analyse_page
from jobs.analysis.findings import MembershipFinding
from storage.models import DocumentKind

URL = "https://www.opengovpartnership.org/news/some-page/"


def _junk(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(n))


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", None),
        ("", "text/html"),
        ("   \n\n  ", None),
        (_junk(5000, 1), None),
        (_junk(5000, 2), "text/html; charset=utf-8"),
        (_junk(3000, 3), "text/html; charset=no-such-charset"),
        (b"\x00\x00\x00<html>\x00", None),
        (b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00", None),
        ("<html><body><div><p>unclosed <b>tags <i>everywhere", None),
        ("<<<>>></p></div></body><html", "text/html"),
        ("<!DOCTYPE html><html><head><title></title></head><body></body></html>", None),
        ("<script>alert(1)</script><style>p{}</style>", "text/html"),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_malformed_input_yields_empty_analysis(content: str | bytes, content_type: str | None) -> None:
    page = analyse_page(content, URL.replace("/news/some-page/", "/x/"), content_type)
    assert page.kind == DocumentKind.OTHER
    assert page.findings == []
    assert page.language in {"en", "es"}


def test_unclosed_tags_still_give_text() -> None:
    page = analyse_page(
        "<html><body><h1>Hungary Withdraws from OGP<p>Hungary has withdrawn from OGP, the Support Unit said.<p>"
        "More text follows here about open government reforms in the region",
        URL,
    )
    assert page.kind == DocumentKind.NEWS
    assert [(m.member, m.status) for m in page.of_type(MembershipFinding)] == [("Hungary", "withdrawn")]


def test_huge_text_is_analysed_without_crash() -> None:
    filler = "Open government reforms continue across the region with civil society support. " * 60_000
    page = analyse_page(filler + "\nHungary has withdrawn from OGP.\n", URL)
    assert page.kind == DocumentKind.NEWS
    assert len(page.text) > 1_000_000


def test_bytes_decoded_with_declared_charset() -> None:
    text = "El Gobierno de Guatemala se retira de la Alianza para el Gobierno Abierto. Así lo comunicó el país."
    page = analyse_page(text.encode("latin-1"), URL, "text/plain; charset=ISO-8859-1")
    assert "Así" in page.text
    assert [(m.member, m.status) for m in page.of_type(MembershipFinding)] == [("Guatemala", "withdrawn")]


def test_bytes_with_meta_charset_and_bad_utf8() -> None:
    markup = '<html><head><meta charset="windows-1252"></head><body><p>Café “quoted” text.</p></body></html>'
    page = analyse_page(markup.encode("cp1252"), URL)
    assert "Café" in page.text
    broken = b"<html><body><p>Broken \xff\xfe bytes but still a page about open government.</p></body></html>"
    assert "Broken" in analyse_page(broken, URL).text


def test_analyse_page_never_raises_even_on_odd_types() -> None:
    page = analyse_page(b"<html>" + _junk(100_000, 4), URL)
    assert page.kind in set(DocumentKind)
