"""Page analysis: a fetched OGP page in, structured findings with evidence out.

``analyse_page`` never raises: the watcher feeds it whatever the network returned, and one bad page
must not stop a crawl. A page it cannot read yields ``PageAnalysis(kind=OTHER, findings=[])``.

Imported as ``from jobs.analysis import analyse_page``, which loads this module only when it is asked for.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date

from jobs.analysis.classify import Classification, classify
from jobs.analysis.dates import page_date, url_date, url_reference
from jobs.analysis.findings import Finding, JoinedFinding, MembershipFinding, PageAnalysis, ReportFinding
from jobs.analysis.joins import member_since
from jobs.analysis.language import detect_language
from jobs.analysis.listed import index_items, listed_reports, marked_statuses, mentioned_reports
from jobs.analysis.membership import membership_findings
from jobs.analysis.reports import report_findings
from jobs.analysis.text import decode, extract, html_blocks, split_sentences
from jobs.items import Item
from storage.gazetteer import country
from storage.models import DocumentKind

log = logging.getLogger(__name__)

#: Beyond this the page is not an OGP article; analysing more only costs time.
MAX_CHARS = 2_000_000


def analyse_page(content: str | bytes, url: str, content_type: str | None = None) -> PageAnalysis:
    """Extract the main text and title, classify the page and collect its findings."""
    try:
        return _analyse(content[:MAX_CHARS] if content else content, url, content_type)
    except Exception:  # the contract is "never raise": log and degrade to an empty analysis
        log.exception("page analysis failed for %s", url)
        return PageAnalysis(url=url, title="", kind=DocumentKind.OTHER, language="en", text="")


#: A feed's content types, and how its document starts when the server does not say.
_FEED_TYPES = ("rss", "atom", "application/xml", "text/xml")
_FEED_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)\b", re.DOTALL)


def is_feed(content: str | bytes, content_type: str | None) -> bool:
    if content_type and any(t in content_type.lower() for t in _FEED_TYPES):
        return True
    head = (content[:2000].encode("utf-8", "replace") if isinstance(content, str) else content[:2000])
    return bool(_FEED_START.match(head))


def _header_lines(content: str | bytes, content_type: str | None, is_html: bool, text: str) -> list[str]:
    """The page's lines as its markup draws them, side boxes included: a member page's "Member Since 2018"
    is a list item and OGP's "Countries Withdrawn from OGP" an <aside>, which text extraction may drop as
    page furniture."""
    return html_blocks(decode(content, content_type), side_boxes=True) if is_html else text.splitlines()


def _as_member_page(page: Classification, lines: list[str], title: str) -> Classification:
    """A member page under an address that does not say so (a "?p=9036" permalink): a country's name as
    its title and a "Member Since 2018" line near the top."""
    if page.kind != DocumentKind.OTHER or member_since(lines[:40]) is None:
        return page
    found = country(re.split(r"\s+[|–—-]\s+", title)[0].strip()) if title else None
    return Classification(DocumentKind.MEMBER_PAGE, False, found.name_en, None, "") if found else page


def _member_since(lines: list[str], member: str, in_country: str | None) -> list[Finding]:
    found = member_since(lines)
    if found is None:
        return []
    year, line = found
    local = country(member) is None
    return [JoinedFinding(member, year, "local" if local else None, line, in_country)]


#: A teaser cut short ("... the OGP…"): what it would have said next may be the hedge ("unless ...").
_CUT_SHORT = re.compile(r"(?:…|\.\.\.|\[…\]|\[\.\.\.\])\s*$")


@dataclass(frozen=True)
class _Entry:
    """One entry of an index, as its membership statements are read: title, teaser, the entry's own date
    and its link (None for a paragraph of a plain-text listing)."""

    title: str
    summary: str
    published: date | None = None
    url: str | None = None


def _item_memberships(entries: list[_Entry]) -> list[Finding]:
    """Membership statements in an index's entries, each entry read on its own: "it" in one teaser is that
    entry's member, and the index's date is no entry's date. A teaser's last sentence cut short is left out.
    A statement keeps its entry's link as its source."""
    out: list[Finding] = []
    seen: set[tuple[object, ...]] = set()
    for entry in entries:
        text = f"{entry.title}\n{entry.summary}" if entry.title else entry.summary
        sentences = [s for s in split_sentences(text) if not _CUT_SHORT.search(s.text)]
        found, _ = membership_findings(sentences, entry.title, entry.published)
        for f in found:
            key = _once_per_index(f)
            if key not in seen:
                seen.add(key)
                out.append(replace(f, url=entry.url) if isinstance(f, MembershipFinding) and entry.url else f)
    return out


def _entries(items: list[Item]) -> list[_Entry]:
    return [_Entry(i.title or "", i.summary or "", i.published, i.url) for i in items]


def _once_per_index(f: Finding) -> tuple[object, ...]:
    """Entries often repeat one another (a headline and its teaser): one finding per member and status."""
    if isinstance(f, MembershipFinding):
        return ("status", f.member, f.status)
    if isinstance(f, JoinedFinding):
        return ("joined", f.member, f.year)
    return ("other", repr(f))


def _blocks(text: str) -> list[_Entry]:
    """A listing whose items could not be told apart by their markup (plain text): its paragraphs, each
    with the heading line above it as its title."""
    entries: list[_Entry] = []
    heading = ""
    for block in (b.strip() for b in re.split(r"\n\s*\n", text)):
        if not block:
            continue
        if "\n" not in block and not re.search(r"[.!?…]$", block) and len(block) < 160:
            heading = block
            continue
        entries.append(_Entry(heading, block))
        heading = ""
    return entries


def _analyse(content: str | bytes, url: str, content_type: str | None) -> PageAnalysis:
    if not content:
        return PageAnalysis(url=url, title="", kind=DocumentKind.OTHER, language="en", text="")
    if is_feed(content, content_type):
        items = index_items(content, url, content_type, feed=True)
        text = "\n".join("\n".join(filter(None, (i.title, i.summary))) for i in items)
        found: list[Finding] = list(listed_reports(items))
        for item in items:  # an entry whose text names reports for several members ("comment periods close")
            linked = {(f.member, f.kind) for f in found if isinstance(f, ReportFinding)}
            mentioned = mentioned_reports(split_sentences(item.summary or ""), item.title or "")
            found += [f for f in mentioned if (f.member, f.kind) not in linked]
        found += _item_memberships(_entries(items))
        return PageAnalysis(url=url, title="", kind=DocumentKind.LISTING, language=detect_language(text),
                            text=text, findings=found)
    extracted = extract(content, content_type)
    text = extracted.text
    sentences = split_sentences(text)
    language = detect_language(text)
    page = classify(extracted.title, text, url, extracted.link_share)
    # Parsed again only for the pages whose boxes are read: news and IRM reports skip it.
    boxed = page.kind in (DocumentKind.OTHER, DocumentKind.MEMBER_PAGE, DocumentKind.LISTING)
    lines = _header_lines(content, content_type, extracted.is_html, text) if boxed else []
    page = _as_member_page(page, lines, extracted.title)
    published = page_date(text, extracted.published) or url_date(url)
    findings: list[Finding] = []
    member = page.member
    if page.kind.is_irm_report:
        title_sentence = next((s.text for s in sentences if extracted.title and extracted.title in s.text), None)
        findings.append(
            ReportFinding(page.kind, page.member, page.period, page.is_draft, title_sentence or extracted.title)
        )
        findings += report_findings(sentences, page.period)
        # A report states when its member joined ("Malawi joined OGP in 2013"); its other membership talk
        # (an earlier plan's "vacuum", recommendations) is no status.
        found, _ = membership_findings(sentences, extracted.title, published, page.member)
        findings += [f for f in found if isinstance(f, JoinedFinding)]
    else:
        if page.kind != DocumentKind.LISTING:
            found, main = membership_findings(sentences, extracted.title, published, reference=url_reference(url))
            findings += found
            member = member or main
        # A commitment's page or another page that links IRM reports by their titles ("Informe de IRM:
        # Informe de fin de período de España 2014-2016") lists them as an index does; news pages only cite.
        indexes = (DocumentKind.LISTING, DocumentKind.MEMBER_PAGE, DocumentKind.OTHER)
        items = (index_items(content, url, content_type, feed=False)
                 if page.kind in indexes and (extracted.is_html or page.kind != DocumentKind.OTHER) else [])
        if page.kind == DocumentKind.LISTING:
            findings += _item_memberships(_entries([i for i in items if i.summary]) or _blocks(text))
        if page.kind == DocumentKind.MEMBER_PAGE and member and not any(
            isinstance(f, JoinedFinding) and f.member == member for f in findings
        ):
            findings += _member_since(lines, member, page.country)
        mentioned = mentioned_reports(sentences, extracted.title)
        if page.kind in indexes:
            findings += listed_reports(items, member)
            said = {(f.member, f.status) for f in findings if isinstance(f, MembershipFinding)}
            findings += [f for f in marked_statuses(lines) if (f.member, f.status) not in said]
        # A report the page also links is known better from its link (with its period).
        linked = {(f.member, f.kind) for f in findings if isinstance(f, ReportFinding)}
        findings += [f for f in mentioned if (f.member, f.kind) not in linked]
    return PageAnalysis(
        url=url,
        title=extracted.title,
        kind=page.kind,
        language=language,
        text=text,
        member=member,
        published=published,
        period=page.period,
        is_draft=page.is_draft,
        findings=findings,
    )
