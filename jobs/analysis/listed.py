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

from jobs.analysis.classify import (
    DRAFT_RE,
    REPORT_PATTERNS,
    member_from_report_title,
    normalise_period,
    report_kind_in,
)
from jobs.analysis.findings import MembershipFinding, ReportFinding
from jobs.analysis.joins import countries_in
from jobs.analysis.names import member_key
from jobs.analysis.text import Sentence
from jobs.items import Item
from storage.gazetteer import country, local_member
from storage.models import DocumentKind

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
    local = local_member(raw)
    if local is not None:
        return local.name
    return raw if _LOCAL_NAME.search(raw) else None


#: A sentence that introduces a list of reports: "They include:", "for the action plans of".
_INTRODUCES_LIST = re.compile(r"(?::|\b(?:include|including|of|for|incluyen|de|para))\s*$", re.IGNORECASE)
_REPORT_WORD = re.compile(r"\b(?:reports?|reviews?|informes?|revisi[oó]n(?:es)?)\b", re.IGNORECASE)
#: A list item: a name, perhaps a note in brackets, perhaps the list's last "and".
_ITEM = re.compile(r"^(?P<name>[^()]{2,60}?)\s*(?:\([^)]*\))?\s*(?:,|\band\b|\by\b)?\s*[.;,]?$", re.IGNORECASE)


#: The report phrases in the singular or the plural ("Action Plan Reviews", "informes de resultados").
_ANY_NUMBER = [
    (kind, re.compile(
        rf"\b{p.replace('informe', 'informes?').replace('revisi[oó]n', 'revisi(?:[oó]n|ones)')}s?\b", re.IGNORECASE
    ))
    for kind, p in REPORT_PATTERNS
]


def _kind_in(text: str) -> tuple[DocumentKind, re.Match[str]] | None:
    best: tuple[DocumentKind, re.Match[str]] | None = None
    for kind, pattern in _ANY_NUMBER:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[1].start()):
            best = (kind, m)
    return best


#: "Three countries will not get an IRM progress report for now: Lithuania, Malta and Turkey."
_DENIED = re.compile(r"\b(?:not|never|no|without|nor|n['’]t|sin|ning[uú]n\w*)\b", re.IGNORECASE)


def mentioned_reports(sentences: list[Sentence], title: str) -> list[ReportFinding]:
    """The IRM reports a page's prose names for several members at once: "Invitation to Comment on
    Progress Reports for Hungary and The Netherlands", or a sentence ending "for the action plans of"
    followed by one country per line. Countries written before the report phrase are not its members
    ("Mexico's civil society responds to the results report")."""
    page_kind = next((found[0] for found in map(_kind_in, [title, *(s.clean for s in sentences[:8])]) if found),
                     None)
    out: list[ReportFinding] = []
    seen: set[tuple[str, str]] = set()
    if title and not any(title in s.text for s in sentences[:3]):  # the headline, when extraction dropped it
        sentences = [Sentence(text=title, clean=title, index=-1, paragraph=-1), *sentences]

    def add(kind: DocumentKind, member: str, evidence: str) -> None:
        if (member, kind) not in seen:
            seen.add((member, kind))
            out.append(ReportFinding(kind, member, None, False, evidence, mentioned=True))

    for i, s in enumerate(sentences):
        found = _kind_in(s.clean)
        if (found is not None and not _NOT_ONE_REPORT.search(s.clean[: found[1].start()])
                and not _DENIED.search(s.clean[: found[1].start()])):
            kind, m = found
            after = s.clean[m.end() :]
            names = countries_in(after)
            lead = after[: after.find(names[0].split()[0])] if names and names[0].split()[0] in after else after
            for_them = re.search(r"\b(?:for|of|on|de|para|sobre)\b", lead, re.IGNORECASE)
            if names and for_them and not normalise_period(after):
                for name in names:
                    add(kind, name, s.text)
        kind_here = found[0] if found else page_kind
        about_reports = _REPORT_WORD.search(s.clean) or (i and _REPORT_WORD.search(sentences[i - 1].clean))
        if kind_here is None or not about_reports or not _INTRODUCES_LIST.search(s.clean):
            continue
        for item in sentences[i + 1 : i + 40]:
            m_item = _ITEM.match(item.clean)
            named = country(m_item.group("name").strip()) if m_item else None
            # "Already closed: Albania, Armenia, ... and Uruguay." / "Monday 17 March, 5pm EST: Perú"
            labelled = countries_in(item.clean.split(":", 1)[1]) if named is None and ":" in item.clean else []
            if named is None and not labelled:
                break
            for name in [named.name_en] if named else labelled:
                add(kind_here, name, item.text)
    return out


#: OGP's lists of members mark the ones out: "Hungary (withdrawn)", "Trinidad and Tobago (inactive)".
_MARKED = re.compile(
    r"^(?P<name>[^()]{2,60}?)\s*\((?P<mark>withdrawn|retirad[oa]|inactive|inactiv[oa])\)\s*$", re.IGNORECASE
)


def marked_statuses(lines: list[str]) -> list[MembershipFinding]:
    """A member an index lists, one per line (often in a side box), with its status in brackets: a status
    with no date and no statement of how it came about (as "former OGP members"), so no predicate."""
    out: list[MembershipFinding] = []
    for line in lines:
        m = _MARKED.match(line.strip(" •-*"))
        found = country(m.group("name").strip()) if m else None
        if m and found is not None:
            status = "withdrawn" if m.group("mark").lower().startswith(("withdrawn", "retirad")) else "inactive"
            out.append(MembershipFinding(found.name_en, status, "country", None, None, line.strip(" •-*")))
    return out
