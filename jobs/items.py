"""The unit a listing or a feed hands to the watcher: one page worth fetching.

Listings and feeds are read by different parsers but feed the same checking loop, so they agree on this
one shape; the watcher remembers items by ``url``, which is why it is absolute and fragment-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Item:
    """One entry a listing or feed points to."""

    url: str  # absolute, fragment removed
    title: str | None = None
    published: date | None = None
    #: What the index says of the page besides its title (a card's teaser, a feed's description): enough
    #: to record an IRM report before its page is fetched. Not part of the item's identity.
    summary: str | None = field(default=None, compare=False)
