"""Page analysis: a fetched OGP page in, structured findings with evidence out (``jobs.analysis.page``).

The package itself imports nothing: ``analyse_page`` is loaded, with the patterns of every analysis module,
the first time it is asked for. Code that needs only the findings' types or one helper (the watcher's check
of an unchanged page, the starter data's loader, the sentence index) then does not pay for the analysis it
does not run, and ``ogp-watch check`` on sources that answer 304 never loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobs.analysis.findings import PageAnalysis
    from jobs.analysis.page import analyse_page

__all__ = ["analyse_page", "PageAnalysis"]


def __getattr__(name: str) -> Any:
    """``from jobs.analysis import analyse_page, PageAnalysis``, resolved when first imported (PEP 562)."""
    if name == "analyse_page":
        from jobs.analysis.page import analyse_page

        return analyse_page
    if name == "PageAnalysis":
        from jobs.analysis.findings import PageAnalysis

        return PageAnalysis
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
