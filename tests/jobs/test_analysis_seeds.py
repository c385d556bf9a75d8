"""The two real seed pages, as plain text and wrapped in realistic WordPress HTML.

The seeds live outside the repository (../shared/seeds): the project must not copy their text.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pytest

from jobs.analysis import PageAnalysis, analyse_page
from jobs.analysis.findings import (
    CommitmentDecisionFinding,
    CommitmentFinding,
    CommitmentResultFinding,
    CommitmentStateFinding,
    CommitmentTotalFinding,
    ExtensionFinding,
    JoinedFinding,
    MembershipFinding,
    NamedCommitmentFinding,
    PlanOrdinalFinding,
    ReportFinding,
    TallyFinding,
    TotalsFinding,
)
from storage.models import DocumentKind

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
NEWS_FILE = SEEDS / "000_472b56a4eef0540e.txt"
REPORT_FILE = SEEDS / "002_cbcac8b9a092a9ea.txt"
NEWS_URL = (
    "https://www.opengovpartnership.org/news/"
    "the-government-of-mexico-city-withdraws-from-international-partnership-on-open-government/"
)
REPORT_URL = "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/"

pytestmark = pytest.mark.skipif(
    not (NEWS_FILE.exists() and REPORT_FILE.exists()),
    reason=f"seed pages not found in {SEEDS.resolve()} (they are kept outside the repository)",
)

CONTINUING = {
    "Municipality of Chihuahua",
    "Jalisco State",
    "Municipality of Merida",
    "Municipality of Monterrey",
    "Nuevo Leon State",
    "Quintana Roo State",
    "Municipality of San Pedro Garza Garcia",
    "Municipality of Tlajomulco de Zuñiga",
    "State of Mexico",
    "Municipality of Tlalnepantla de Baz",
    "Yucatan State",
}


def wrap_in_html(text: str, title: str, comments_from: str) -> str:
    """The seed as the site would serve it: header, nav, article, readers' comments, footer."""
    body, _, comments = text.partition(comments_from)
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip() and p.strip() != "Skip Navigation"]
    article = "\n".join(f"<h1>{html.escape(p)}</h1>" if p == title else f"<p>{html.escape(p)}</p>" for p in paragraphs)
    comment_html = "".join(f"<p>{html.escape(p)}</p>" for p in comments.split("\n\n") if p.strip())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} - Open Government Partnership</title>
<meta property="og:title" content="{html.escape(title)}">
</head><body>
<a class="skip" href="#main">Skip Navigation</a>
<header class="site-header"><nav class="main-nav"><ul>
<li><a href="/about/">About</a></li><li><a href="/our-members/">Our Members</a></li>
<li><a href="/news/">News</a></li><li><a href="/document-type/irm-report/">IRM Reports</a></li>
<li><a href="/join/">Join OGP</a></li></ul></nav></header>
<main id="main"><article class="post">
{article}
</article>
<section id="comments" class="comments-area"><h2 class="comments-title">{html.escape(comments_from)}</h2>
<div class="comment-body">{comment_html}</div>
<div id="respond"><h3>Leave a Reply</h3><form><textarea name="comment"></textarea></form></div>
</section></main>
<footer class="site-footer"><p>Open Government Partnership</p><p>1110 Vermont Ave NW, Washington, DC</p>
<ul><li><a href="/privacy/">Privacy</a></li><li><a href="/contact/">Contact</a></li></ul></footer>
</body></html>"""


def _news_plain() -> PageAnalysis:
    return analyse_page(NEWS_FILE.read_text(encoding="utf-8"), NEWS_URL)


def _report_plain() -> PageAnalysis:
    return analyse_page(REPORT_FILE.read_bytes(), REPORT_URL, "text/plain; charset=utf-8")


def _news_html() -> PageAnalysis:
    title = "The Government of Mexico City Withdraws from International Partnership on Open Government"
    page = wrap_in_html(NEWS_FILE.read_text(encoding="utf-8"), title, "Comments (1)")
    return analyse_page(page.encode("utf-8"), NEWS_URL, "text/html; charset=UTF-8")


def _report_html() -> PageAnalysis:
    page = wrap_in_html(REPORT_FILE.read_text(encoding="utf-8"), "Mexico Results Report 2019-2022", "No comments yet")
    return analyse_page(page, REPORT_URL)  # no content type: sniffed as HTML


NEWS_VARIANTS = {"plain": _news_plain, "html": _news_html}
REPORT_VARIANTS = {"plain": _report_plain, "html": _report_html}


def _assert_evidence_on_page(page: PageAnalysis) -> None:
    for finding in page.findings:
        assert finding.evidence and finding.evidence in page.text, finding


@pytest.mark.parametrize("variant", NEWS_VARIANTS)
def test_news_seed(variant: str) -> None:
    page = NEWS_VARIANTS[variant]()
    assert page.kind == DocumentKind.NEWS
    assert page.language == "en"
    assert page.title == "The Government of Mexico City Withdraws from International Partnership on Open Government"
    assert page.member == "Mexico City"

    memberships = page.of_type(MembershipFinding)
    withdrawn = [m for m in memberships if m.status == "withdrawn"]
    assert [(m.member, m.kind, m.country, m.joined_year) for m in withdrawn] == [
        ("Mexico City", "local", "Mexico", 2020)
    ]
    active = {m.member for m in memberships if m.status == "active"}
    assert active == CONTINUING
    assert all(m.kind == "local" and m.country == "Mexico" for m in memberships if m.status == "active")
    assert len(memberships) == 12  # the Spanish title is merged into Mexico City, not a 13th member

    assert [(j.member, j.year, j.kind) for j in page.of_type(JoinedFinding)] == [("Mexico City", 2020, "local")]
    assert [(t.countries, t.locals) for t in page.of_type(TotalsFinding)] == [(76, 105)]
    assert "76 countries, 105 local governments" in page.of_type(TotalsFinding)[0].evidence

    # the readers' comment is gone from the text and from the evidence
    assert "George Adu" not in page.text
    assert "Sad to learn" not in page.text
    _assert_evidence_on_page(page)


def test_news_seed_spanish_title_alone_is_a_withdrawal() -> None:
    spanish = NEWS_FILE.read_text(encoding="utf-8").splitlines()[4]
    assert spanish.startswith("El Gobierno de la Ciudad de México")
    page = analyse_page(spanish + "\n", NEWS_URL)
    # the same member as the English title's: a city's Spanish name is one of its names
    assert [(m.member, m.status) for m in page.of_type(MembershipFinding)] == [("Mexico City", "withdrawn")]


@pytest.mark.parametrize("variant", REPORT_VARIANTS)
def test_report_seed(variant: str) -> None:
    page = REPORT_VARIANTS[variant]()
    assert page.kind == DocumentKind.RESULTS_REPORT
    assert page.language == "en"
    assert (page.member, page.period, page.is_draft) == ("Mexico", "2019-2022", False)
    report = page.of_type(ReportFinding)
    assert [(r.kind, r.member, r.period, r.is_draft) for r in report] == [
        (DocumentKind.RESULTS_REPORT, "Mexico", "2019-2022", False)
    ]
    assert [p.ordinal for p in page.of_type(PlanOrdinalFinding)] == [4]
    assert [c.count for c in page.of_type(CommitmentTotalFinding)] == [13]
    assert {(t.dimension, t.level, t.count) for t in page.of_type(TallyFinding)} == {
        ("early_results", "marginal", 5),
        ("early_results", "significant", 3),
        ("early_results", "outstanding", 1),
        ("early_results", "none", 4),
        ("completion", "limited", 7),
        ("completion", "substantial", 5),
        ("completion", "complete", 1),
    }
    assert {(c.number, c.title) for c in page.of_type(CommitmentFinding)} == {
        (1, "open spending"),
        (5, "labor inclusion"),
        (9, "trusts"),
    }
    body = "Coordinating Committee of OGP in Mexico (CC-AGA MX)"
    assert {(s.number, s.state, s.body) for s in page.of_type(CommitmentStateFinding)} == {
        (1, "inactive", body),
        (5, "inactive", body),
        (9, "inactive", body),
    }
    assert {(d.number, d.body, d.record_date) for d in page.of_type(CommitmentDecisionFinding)} == {
        (1, "Working Group", date(2021, 12, 13)),
        (5, "Coordinating Committee", date(2022, 5, 3)),
        (9, "Coordinating Committee", date(2022, 10, 20)),
    }
    assert {(r.number, r.early_results) for r in page.of_type(CommitmentResultFinding)} == {
        (1, "none"),
        (5, "none"),
        (9, "none"),
    }
    assert [(n.title, n.completion) for n in page.of_type(NamedCommitmentFinding)] == [
        ("forest, water and fisheries management", "complete")
    ]
    assert [(e.months, e.until) for e in page.of_type(ExtensionFinding)] == [(12, date(2022, 8, 31))]
    assert page.of_type(MembershipFinding) == []
    _assert_evidence_on_page(page)


def test_report_seed_counts_come_from_this_plan() -> None:
    page = _report_plain()
    for tally in page.of_type(TallyFinding):
        assert "third plan" not in tally.evidence and "third action plan" not in tally.evidence
    none = next(t for t in page.of_type(TallyFinding) if t.level == "none")
    assert "four commitments were paused without evidence of early results" in none.evidence


def test_html_wrapping_drops_chrome() -> None:
    page = _news_html()
    for chrome in ("Our Members", "Join OGP", "Privacy", "1110 Vermont", "Leave a Reply"):
        assert chrome not in page.text
