"""The IRM reports an index names: a listing, a member's page or a feed, read item by item.

OGP's listings say a lot in little: "Norway Results Report 2019-2022", with a teaser ("the plan
contained 10 commitments"). Recording that as a report, with the index as its source, tells a watchdog
the report exists before its page (often a PDF the watcher never fetches) is read. The report is keyed by
the item's link, so when that page is fetched later its analysis enriches the same report.

A title counts only when it names a report kind and a member beside it: a country the gazetteer knows,
a local government by its name ("Municipality of ..."), or the member the page itself is about. News
titles that merely mention a report ("Civil society responds to the results report") name no member
beside the report phrase and yield nothing.
"""

from __future__ import annotations

import re

from jobs.analysis.classify import DRAFT_RE, member_from_report_title, normalise_period, report_kind_in
from jobs.analysis.findings import ReportFinding
from jobs.analysis.names import member_key
from jobs.items import Item
from storage.gazetteer import country

#: A local government's name ("Municipality of Tlalnepantla", "Jalisco State", "Ciudad de Buenos Aires").
_LOCAL_NAME = re.compile(
    r"\b(?:city|municipality|municipal|state|province|county|region|department|district|town"
    r"|ciudad|municipio|municipalidad|estado|provincia|departamento|regi[oó]n|distrito|alcald[ií]a)\b",
    re.IGNORECASE,
)
#: Words that make a title about something other than one member's report.
_NOT_ONE_REPORT = re.compile(
    r"\b(?:guidance|template|methodology|manual|how\s+to|webinar|call\s+for|responds?|response|reaction"
    r"|gu[ií]a|plantilla|metodolog[ií]a|convocatoria|responde|respuesta)\b",
    re.IGNORECASE,
)


def index_items(content: str | bytes, url: str, content_type: str | None, *, feed: bool) -> list[Item]:
    """The items of an index page, links to documents included."""
    # Imported here: jobs.listings and jobs.feeds read page text with jobs.analysis.text, so importing
    # them when this package loads would be circular.
    if feed:
        from jobs.feeds import parse_feed

        return parse_feed(content.encode("utf-8") if isinstance(content, str) else content, url).items
    from jobs.listings import parse_listing

    return parse_listing(content, url, content_type, files=True).items


def listed_reports(items: list[Item], page_member: str | None = None) -> list[ReportFinding]:
    """One finding per item whose title is a member's IRM report; the title is its evidence."""
    out: list[ReportFinding] = []
    for item in items:
        finding = _report(item, page_member)
        if finding is not None:
            out.append(finding)
    return out


def _report(item: Item, page_member: str | None) -> ReportFinding | None:
    title = item.title or ""
    found = report_kind_in(title)
    if found is None or _NOT_ONE_REPORT.search(title):
        return None
    kind, match = found
    raw = member_from_report_title(title, match)
    member = _member(raw, page_member) if raw else None
    if member is None:
        return None
    period = normalise_period(title) or normalise_period((item.summary or "")[:120])
    return ReportFinding(kind, member, period, bool(DRAFT_RE.search(title)), title, url=item.url,
                         summary=item.summary)


def _member(raw: str, page_member: str | None) -> str | None:
    known = country(raw)
    if known is not None:
        return known.name_en
    if page_member and member_key(raw) == member_key(page_member):
        return page_member
    return raw if _LOCAL_NAME.search(raw) else None
