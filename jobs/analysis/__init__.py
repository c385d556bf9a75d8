"""Page analysis: a fetched OGP page in, structured findings with evidence out.

``analyse_page`` never raises: the watcher feeds it whatever the network returned, and one bad page
must not stop a crawl. A page it cannot read yields ``PageAnalysis(kind=OTHER, findings=[])``.
"""

from __future__ import annotations

import logging

from jobs.analysis.classify import classify
from jobs.analysis.dates import page_date
from jobs.analysis.findings import Finding, PageAnalysis, ReportFinding
from jobs.analysis.language import detect_language
from jobs.analysis.membership import membership_findings
from jobs.analysis.reports import report_findings
from jobs.analysis.text import extract, split_sentences
from storage.models import DocumentKind

__all__ = ["analyse_page", "PageAnalysis"]

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


def _analyse(content: str | bytes, url: str, content_type: str | None) -> PageAnalysis:
    if not content:
        return PageAnalysis(url=url, title="", kind=DocumentKind.OTHER, language="en", text="")
    extracted = extract(content, content_type)
    text = extracted.text
    sentences = split_sentences(text)
    language = detect_language(text)
    page = classify(extracted.title, text, url, extracted.link_share)
    published = page_date(text, extracted.published)
    findings: list[Finding] = []
    member = page.member
    if page.kind.is_irm_report:
        title_sentence = next((s.text for s in sentences if extracted.title and extracted.title in s.text), None)
        findings.append(
            ReportFinding(page.kind, page.member, page.period, page.is_draft, title_sentence or extracted.title)
        )
        findings += report_findings(sentences, page.period)
    elif page.kind != DocumentKind.LISTING:
        found, main = membership_findings(sentences, extracted.title, published)
        findings += found
        member = member or main
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
