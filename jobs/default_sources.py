"""The sources a new installation watches without being told: OGP's own news and IRM reports.

The addresses follow the site's WordPress layout (listings paginate as ``/page/N/``; every listing has a
``feed/`` beside it), as described with the seed pages. They are added once per database: a default an
admin removes stays removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from storage import app_state, sources
from storage.models import SourceKind

OGP = "https://www.opengovpartnership.org"
ADDED_KEY = "default_sources_added"


@dataclass(frozen=True)
class DefaultSource:
    url: str
    kind: SourceKind
    label: str
    interval_seconds: int


DEFAULT_SOURCES = (
    DefaultSource(f"{OGP}/feed/", SourceKind.FEED, "OGP: all posts (feed)", 3 * 3600),
    DefaultSource(f"{OGP}/news/", SourceKind.LISTING, "OGP: news", 6 * 3600),
    DefaultSource(f"{OGP}/document-type/irm-report/", SourceKind.LISTING, "OGP: IRM reports", 6 * 3600),
    DefaultSource(f"{OGP}/document-type/irm-report/feed/", SourceKind.FEED, "OGP: IRM reports (feed)", 6 * 3600),
)


def ensure_defaults(session: Session) -> int:
    """Add the default sources the first time this database is used; returns how many were added."""
    if app_state.get(session, ADDED_KEY) is not None:
        return 0
    added = 0
    known = {source.url for source in sources.all_sources(session)}
    for default in DEFAULT_SOURCES:
        if default.url in known:
            continue
        sources.add_source(session, url=default.url, kind=default.kind, label=default.label,
                           interval_seconds=default.interval_seconds, added_by="default")
        added += 1
    app_state.put(session, ADDED_KEY, "yes")
    return added
