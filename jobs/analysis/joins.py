"""Joins: "X joined OGP in 2012", "se unió a la AGA en 2011", "has been participating since 2011"."""

from __future__ import annotations

import re

from jobs.analysis.subjects import LOCAL_CUE, OGP, OGP_LOCAL, hedged, ogp_object_ok, subject
from jobs.analysis.text import Sentence

_I = re.IGNORECASE

_JOIN_VERBS = [
    r"(?:has\s+|had\s+|officially\s+)?joined",
    r"(?:became|become)\s+(?:a\s+)?(?:member|participant|part)\s+(?:of|in)",
    r"(?:was|were)\s+(?:admitted|accepted)\s+(?:to|into)",
    r"se\s+(?:uni[oó]|incorpor[oó]|sum[oó]|adhiri[oó])\s+a",
    r"ingres[oó]\s+a",
]
JOIN_RE = re.compile(rf"\s+(?P<verb>{'|'.join(_JOIN_VERBS)})\s+(?P<obj>{OGP})", _I)
_MEMBER_SINCE_RE = re.compile(
    rf"\s+(?:has\s+been|have\s+been|is|es|ha\s+sido|forma\s+parte)\s+(?:a\s+|un\s+)?(?:member\s+of|miembro\s+de|de)?\s*"
    rf"(?P<obj>{OGP})\s+(?:since|desde)\s+(?P<year>(?:19|20)\d{{2}})",
    _I,
)
_YEAR_AFTER = re.compile(r"^[^.;]{0,40}?\b(?:in|en|since|desde|during|durante)\s+(?P<year>(?:19|20)\d{2})\b", _I)
_YEAR_BEFORE = re.compile(r"\b(?:in|en)\s+(?P<year>(?:19|20)\d{2}),?\s+[^.;]{0,60}$", _I)


def joins(s: Sentence) -> list[tuple[str | None, int, bool]]:
    out: list[tuple[str | None, int, bool]] = []
    text = s.clean
    for m in list(JOIN_RE.finditer(text)) + list(_MEMBER_SINCE_RE.finditer(text)):
        if not ogp_object_ok(text, m.end("obj")) or hedged(text, m.start(), m.start() + 30):
            continue
        year_m = None
        if "year" in m.groupdict() and m.group("year"):
            year_m = m.group("year")
        else:
            after = _YEAR_AFTER.match(text[m.end() :])
            before = _YEAR_BEFORE.search(text[: m.start()])
            year_m = after.group("year") if after else (before.group("year") if before else None)
        if not year_m:
            continue
        local = bool(OGP_LOCAL.search(text) or LOCAL_CUE.search(text[: m.start()][-60:]))
        name, anaphor, _ = subject(text[: m.start()], local)
        if name is None and not anaphor:
            continue
        out.append((name, int(year_m), local))
    return out


