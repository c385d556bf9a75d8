"""Answers as Telegram HTML messages: every character escaped, the answer's source addresses as links, and
a long answer split into messages Telegram accepts (4,096 characters each).

The split is made on the plain text, before escaping and linking, so a message can never end inside a tag
or an entity such as ``&amp;``. It prefers paragraph breaks, then line breaks, then spaces; only a single
"word" longer than a message is cut mid-word. Lengths are counted in UTF-16 code units, as Telegram counts
them, on the HTML itself, so the limit holds however Telegram measures.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from bot.answers import Answer

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
SEPARATORS = ("\n\n", "\n", " ")
_LINKABLE = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


def render_answer(answer: Answer, limit: int = TEXT_LIMIT) -> list[str]:
    """The answer's text as HTML messages, its sources' URLs as links."""
    return render_text(answer.text, [source.url for source in answer.sources], limit)


def render_text(text: str, links: Iterable[str] = (), limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` as HTML messages of at most ``limit`` UTF-16 units each; the URLs in ``links`` become links
    where they stand as words of their own. Blank pieces are dropped (Telegram refuses empty messages)."""
    linker = _Linker(links)
    messages = []
    for piece in _split(text.strip(), limit, linker.size, 0):
        if not piece.strip():
            continue
        rendered = linker.render(piece)
        if units(rendered) > limit:  # a cut URL that still looked linkable: plain text always fits
            rendered = escape(piece)
        messages.append(rendered)
    return messages


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


class _Linker:
    """Turns known source URLs into <a href> links; everything else is escaped text."""

    def __init__(self, urls: Iterable[str]) -> None:
        usable = sorted({url for url in urls if _LINKABLE.match(url)}, key=len, reverse=True)
        alternatives = "|".join(re.escape(url) for url in usable)
        # A URL counts when it stands on its own: after a space, a bracket or a quote, and before one or
        # before punctuation ending a sentence.
        self._pattern = (
            re.compile(rf"(?<![^\s(“«\"])({alternatives})(?=$|[\s.,;:!?)”»\"])") if usable else None
        )

    def render(self, text: str) -> str:
        if self._pattern is None:
            return escape(text)
        out, last = [], 0
        for match in self._pattern.finditer(text):
            url = match.group(1)
            out.append(escape(text[last : match.start()]))
            out.append(f'<a href="{html.escape(url, quote=True)}">{escape(url)}</a>')
            last = match.end()
        out.append(escape(text[last:]))
        return "".join(out)

    def size(self, text: str) -> int:
        return units(self.render(text))


def _split(text: str, limit: int, size: Callable[[str], int], level: int) -> list[str]:
    """Pieces of ``text`` whose rendered size is at most ``limit``, split at the coarsest separator that
    works. Sizes add up over a separator because no link spans whitespace."""
    if size(text) <= limit:
        return [text]
    if level == len(SEPARATORS):
        return _cut(text, limit)
    separator = SEPARATORS[level]
    gap = units(separator)
    pieces: list[str] = []
    current: str | None = None
    current_size = 0
    for part in text.split(separator):
        part_size = size(part)
        if part_size > limit:
            if current is not None:
                pieces.append(current)
                current = None
            pieces.extend(_split(part, limit, size, level + 1))
        elif current is None:
            current, current_size = part, part_size
        elif current_size + gap + part_size <= limit:
            current, current_size = current + separator + part, current_size + gap + part_size
        else:
            pieces.append(current)
            current, current_size = part, part_size
    if current is not None:
        pieces.append(current)
    return pieces


def _cut(text: str, limit: int) -> list[str]:
    """A word longer than a message, cut between characters (never inside one, nor inside an escape)."""
    pieces: list[str] = []
    current: list[str] = []
    current_size = 0
    for ch in text:
        ch_size = units(escape(ch))
        if current and current_size + ch_size > limit:
            pieces.append("".join(current))
            current, current_size = [], 0
        current.append(ch)
        current_size += ch_size
    if current:
        pieces.append("".join(current))
    return pieces
