"""Operational log lines in one stable ``what key=value ...`` form (logfmt), so log tools can parse them.

A line starts with a few plain words saying what happened (``check``, ``delivery batch``, ``tick``) and
continues with ``key=value`` pairs in the order given. A value with a space, a quote, ``=`` or a control
character is written in double quotes with JSON escapes; a missing value is ``-``; durations are whole
milliseconds in keys ending ``_ms`` or called ``ms``. The callers choose the fields and must not pass
secrets: these lines go wherever the operator ships the logs.
"""

from __future__ import annotations

import json
import re

MISSING = "-"
"""Written for None, so every line of a kind has the same keys whatever happened."""

MAX_VALUE_CHARS = 300
"""An error message can be long (a whole server answer); one log line should stay one readable line."""

_KEY = re.compile(r"[a-z][a-z0-9_]*")
_PLAIN = re.compile(r"[^\s\"=\\]+")

LogValue = str | int | float | bool | None


def log_line(what: str, /, **fields: LogValue) -> str:
    """``what`` followed by the fields as ``key=value``, e.g. ``check source=12 outcome=changed ms=131``."""
    parts = [what]
    for key, value in fields.items():
        if not _KEY.fullmatch(key):
            raise ValueError(f"log field names are lower-case words joined by _, not {key!r}")
        parts.append(f"{key}={_value(value)}")
    return " ".join(parts)


def milliseconds(seconds: float) -> int:
    """Whole milliseconds: finer than a log reader needs, and an integer every tool sums without surprises."""
    return round(seconds * 1000)


def _value(value: LogValue) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):  # before int: True is an int too
        return "true" if value else "false"
    text = f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    if _PLAIN.fullmatch(text) and text != MISSING:
        return text
    return json.dumps(text, ensure_ascii=False)
