"""Text formatting as Telegram's server parses it: HTML entities, MarkdownV2's reserved characters, trimming.

Why apart from the server: these are pure functions that tests also call directly (``parse_html`` on what
the bot rendered), and their wording of errors follows the real server's, which is worth reading alone.
"""

from __future__ import annotations

import re
from typing import Any


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units, so astral characters count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class HtmlParseError(ValueError):
    """Raised with Telegram's own wording (after "can't parse entities: ")."""


_HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "tg-emoji", "code",
     "pre", "blockquote"}
)


_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre", "a": "text_link", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


_HTML_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Only &lt; &gt; &amp; &quot; and numeric references are entities; any other "&" is a literal."""
    match = _HTML_ENTITY_RE.match(text, pos)
    if not match:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        value = _NAMED_ENTITIES.get(name)
        return (value, match.end()) if value is not None else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities, or HtmlParseError worded as Telegram's.

    Follows tdlib's parser: a "<" always starts a tag (so "a < b" fails), only the documented tags are
    allowed, end tags must match the innermost open tag, and byte offsets in messages are UTF-8 offsets.
    """
    out: list[str] = []
    units = 0  # UTF-16 length of out
    stack: list[tuple[str, int, dict[str, str]]] = []
    entities: list[dict[str, Any]] = []
    length = len(text)
    i = 0

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    while i < length:
        ch = text[i]
        if ch == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                units += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if ch != "<":
            out.append(ch)
            units += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        begin = i
        if i + 1 < length and text[i + 1] == "/":
            j = i + 2
            while j < length and not text[j].isspace() and text[j] != ">":
                j += 1
            name = text[i + 2 : j].lower()
            while j < length and text[j].isspace():
                j += 1
            if j >= length or text[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            if not stack:
                raise HtmlParseError(f'Unexpected end tag at byte offset {byte_offset(begin)}')
            open_name, start, attributes = stack.pop()
            if name != open_name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {byte_offset(begin)}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            _close_entity(open_name, start, units, attributes, stack, entities, "".join(out))
            i = j + 1
            continue
        j = i + 1
        while j < length and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= length:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}')
        attributes: dict[str, str] = {}
        while True:
            while j < length and text[j].isspace():
                j += 1
            if j >= length:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if text[j] == ">":
                j += 1
                break
            k = j
            while k < length and not text[k].isspace() and text[k] not in "=>":
                k += 1
            attribute = text[j:k].lower()
            if not attribute:
                raise HtmlParseError(f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(begin)}')
            while k < length and text[k].isspace():
                k += 1
            if k >= length or text[k] != "=":
                if attribute == "expandable" and name == "blockquote":
                    attributes[attribute] = ""
                    j = k
                    continue
                raise HtmlParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                    f"at byte offset {byte_offset(begin)}"
                )
            k += 1
            while k < length and text[k].isspace():
                k += 1
            if k >= length:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if text[k] in "\"'":
                quote = text[k]
                end = text.find(quote, k + 1)
                if end < 0:
                    raise HtmlParseError(
                        f'Unclosed end of an attribute value of the tag "{name}" at byte offset {byte_offset(begin)}'
                    )
                value = _HTML_ENTITY_RE.sub(
                    lambda m: (_decode_html_entity(m.group(0), 0) or (m.group(0), 0))[0], text[k + 1 : end]
                )
                k = end + 1
            else:
                end = k
                while end < length and (text[end].isalnum() or text[end] in ".-_"):
                    end += 1
                if end == k:
                    raise HtmlParseError(
                        f'Expected quote in declaration of an attribute of the tag "{name}" '
                        f"at byte offset {byte_offset(begin)}"
                    )
                value = text[k:end]
                k = end
            attributes[attribute] = value
            j = k
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}')
        stack.append((name, units, attributes))
        i = j
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _close_entity(
    name: str,
    start: int,
    end: int,
    attributes: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[dict[str, Any]],
    plain: str,
) -> None:
    """Turn a closed tag into a MessageEntity; empty ones vanish, <pre><code class="language-x"> sets pre's language."""
    language = attributes.get("class", "")
    if name == "code" and stack and stack[-1][0] == "pre" and language.startswith("language-"):
        stack[-1][2]["language"] = language.removeprefix("language-")
        return
    if end <= start:
        return
    entity: dict[str, Any] = {"type": _ENTITY_TYPES[name], "offset": start, "length": end - start}
    if name == "a":
        entity["url"] = attributes.get("href") or plain.encode("utf-16-le")[start * 2 : end * 2].decode("utf-16-le")
        if entity["url"].startswith("tg://user?id="):
            entity = {"type": "text_mention", "offset": start, "length": end - start,
                      "user": {"id": int(entity["url"].split("=", 1)[1] or 0), "is_bot": False, "first_name": "User"}}
    elif name == "pre" and attributes.get("language"):
        entity["language"] = attributes["language"]
    elif name == "blockquote" and "expandable" in attributes:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attributes.get("emoji-id", "")
    entities.append(entity)


_MARKDOWN_V2_ALWAYS_RESERVED = frozenset("#+-={}.!()")


def check_markdown_v2(text: str) -> None:
    """Telegram refuses MarkdownV2 with an unescaped reserved character; the mistake bots make most.

    Only the characters that never start formatting are checked (``# + - = { } . ! ( )``, and ``>`` away from
    the start of a line); inside `code`, ```pre``` and link URLs they are allowed, as on Telegram.
    """
    i = 0
    length = len(text)
    in_code: str | None = None
    in_url = False
    while i < length:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_code:
            if text.startswith(in_code, i):
                i += len(in_code)
                in_code = None
            else:
                i += 1
            continue
        if in_url:
            in_url = ch != ")"
            i += 1
            continue
        if ch == "`":
            in_code = "```" if text.startswith("```", i) else "`"
            i += len(in_code)
            continue
        if ch == "]" and text.startswith("](", i):
            in_url = True
            i += 2
            continue
        at_line_start = i == 0 or text[i - 1] == "\n"
        if ch in _MARKDOWN_V2_ALWAYS_RESERVED or (ch == ">" and not at_line_start):
            raise HtmlParseError(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        i += 1


def trim(plain: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips leading and trailing whitespace from a message and shifts its entities to match."""
    stripped = plain.strip()
    if stripped == plain:
        return plain, entities
    lead = utf16_len(plain[: len(plain) - len(plain.lstrip())])
    total = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
