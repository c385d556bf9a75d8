"""The one form in which names and questions are compared: lower case, no accents, single spaces.

Users type "ciudad de mexico" for "Ciudad de México" and "U.S." for "US"; every lookup of a name
(aliases, the gazetteer, question parsing) goes through ``normalize`` so that they agree.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower case, accents removed, punctuation folded to single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()


def slugify(text: str) -> str:
    return normalize(text).replace(" ", "-")
