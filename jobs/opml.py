"""Reading OPML subscription lists (what feed readers export) into the addresses they name, safely.

An OPML file is XML: ``<opml><body><outline .../></body></opml>``, outlines nested in folders to any depth.
An outline with ``xmlUrl`` is a feed; one with only ``htmlUrl`` or ``url`` is a web page (or a listing). An
outline with both is a feed subscription whose ``htmlUrl`` is merely the site's home page: the feed is what
is watched.

The file comes from wherever the admin found it, so the parser is locked down: the file may not declare a
DTD at all (``<!DOCTYPE``), which rules out entity-expansion bombs ("billion laughs") and external
entities; expat is told never to read external parameter entities, and nothing is fetched from the network.
Only the standard XML entities (``&amp;`` and friends) and character references are understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn
from xml.parsers import expat

MAX_OPML_BYTES = 2 * 1024 * 1024
MAX_OUTLINES = 2_000
MAX_DEPTH = 50


class OpmlError(ValueError):
    """The file is not an OPML file OGP Watch will read; the message is one line and says why."""


@dataclass(frozen=True)
class Outline:
    """One address the file names, with where it stands in the file."""

    line: int
    url: str
    is_feed: bool
    title: str | None
    folder: str | None  # the title of the outline it is nested in, if any


class _Refused(Exception):
    """Raised from inside an expat handler to stop parsing at once."""


def _refuse(reason: str) -> NoReturn:
    raise _Refused(reason)


class _OpmlReader:
    def __init__(self) -> None:
        self.parser = expat.ParserCreate()
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = lambda *_: _refuse(
            "it declares a DTD (<!DOCTYPE ...>), which OPML does not need and OGP Watch does not read")
        self.parser.EntityDeclHandler = lambda *_: _refuse("it declares entities")
        self.parser.ExternalEntityRefHandler = lambda *_: _refuse("it refers to an external entity")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.stack: list[str] = []
        self.folders: list[str | None] = []
        self.in_body = False
        self.seen_body = False
        self.outlines: list[Outline] = []

    def read(self, data: bytes) -> list[Outline]:
        try:
            self.parser.Parse(data, True)
        except _Refused as refused:
            raise OpmlError(str(refused)) from None
        except expat.ExpatError as error:
            raise OpmlError(f"not well-formed XML: {expat.ErrorString(error.code)} at line {error.lineno}, "
                            f"column {error.offset + 1}") from None
        if not self.seen_body:
            raise OpmlError("not OPML: it has no <body> inside <opml>")
        return self.outlines

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1].lower()
        if not self.stack and local != "opml":
            _refuse(f"not OPML: the document is <{name[:40]}>, not <opml>")
        if len(self.stack) >= MAX_DEPTH:
            _refuse(f"outlines nested more than {MAX_DEPTH} deep")
        self.stack.append(local)
        if local == "body" and self.stack[:-1] == ["opml"]:
            self.in_body = self.seen_body = True
        if local != "outline" or not self.in_body:
            return
        values = {key.lower(): value.strip() for key, value in attributes.items()}
        title = values.get("title") or values.get("text") or None
        feed = values.get("xmlurl")
        page = values.get("htmlurl") or values.get("url")
        if feed or page:
            if len(self.outlines) == MAX_OUTLINES:
                _refuse(f"more than {MAX_OUTLINES:,} addresses; split the file")
            folder = next((f for f in reversed(self.folders) if f), None)
            self.outlines.append(Outline(self.parser.CurrentLineNumber, feed or page or "", bool(feed), title, folder))
        self.folders.append(title)

    def _end(self, name: str) -> None:
        local = self.stack.pop()
        if local == "body":
            self.in_body = False
        elif local == "outline" and self.in_body:
            self.folders.pop()


def read_opml(data: bytes) -> list[Outline]:
    """Every address in the OPML document ``data``, in document order (nested outlines included)."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"larger than {MAX_OPML_BYTES // 2**20} MB; OPML lists are far smaller")
    return _OpmlReader().read(data)
