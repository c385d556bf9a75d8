"""The demo site's content: seed pages (or pages rebuilt from the starter data), listings and feeds that
the project's own parsers and page analysis read back as the watcher would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.analysis import PageAnalysis, analyse_page
from jobs.analysis.findings import CommitmentStateFinding, MembershipFinding, ReportFinding
from jobs.feeds import parse_feed
from jobs.items import Item
from jobs.listings import parse_listing
from jobs.starter import STARTER_PATH, analyses_from
from ogp_watch.demo_site import (
    FEED,
    HTML,
    NEWS_LISTING,
    REPORT_FEED,
    REPORT_LISTING,
    RSS,
    DemoPage,
    demo_pages,
    find_seeds_dir,
)
from storage.models import DocumentKind
from tests.conftest import SEED_PAGES, SEEDS_DIR, seed_urls

BASE = "http://127.0.0.1:8765"
NEWS_PATH = SEED_PAGES["000_472b56a4eef0540e.txt"]
REPORT_PATH = SEED_PAGES["002_cbcac8b9a092a9ea.txt"]
OUR_PATHS = {NEWS_LISTING, REPORT_LISTING, FEED, REPORT_FEED}


@pytest.fixture(params=["seeds", "starter"])
def variant(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def pages(variant: str) -> dict[str, DemoPage]:
    if variant == "seeds":
        seed_urls()  # skips, saying why, where ../shared/seeds is absent
        found = demo_pages(SEEDS_DIR, BASE + "/")
    else:
        found = demo_pages(None, BASE)
    by_path = {page.path: page for page in found}
    assert len(by_path) == len(found), "two demo pages share a path"
    return by_path


def _articles(pages: dict[str, DemoPage]) -> list[DemoPage]:
    return [page for page in pages.values() if page.real_url is not None]


def _analyse(page: DemoPage) -> PageAnalysis:
    assert page.real_url is not None
    return analyse_page(page.body.encode("utf-8"), page.real_url, page.content_type)


def _expected_urls(variant: str) -> list[str]:
    if variant == "seeds":
        return list(seed_urls().values())
    return [page["url"] for page in json.loads(STARTER_PATH.read_text(encoding="utf-8"))["pages"]]


def test_articles_are_served_at_the_paths_of_their_real_urls(pages: dict[str, DemoPage], variant: str) -> None:
    articles = _articles(pages)
    assert [page.real_url for page in articles] == _expected_urls(variant)
    for page in articles:
        assert page.real_url is not None and page.real_url.startswith("https://www.opengovpartnership.org/")
        assert page.real_url.endswith(page.path)
        assert page.content_type == HTML
    assert {NEWS_PATH, REPORT_PATH} <= set(pages)
    assert set(pages) - {page.path for page in articles} == OUR_PATHS
    assert all(pages[path].real_url is None for path in OUR_PATHS)


def test_listings_parse_to_exactly_their_pages(pages: dict[str, DemoPage]) -> None:
    titles = {page.path: _analyse(page).title for page in _articles(pages)}
    listing = pages[NEWS_LISTING]
    news = parse_listing(listing.body.encode("utf-8"), BASE + NEWS_LISTING, listing.content_type)
    assert news.items == [Item(BASE + NEWS_PATH, titles[NEWS_PATH])]
    assert news.next_page is None
    reports = parse_listing(pages[REPORT_LISTING].body, BASE + REPORT_LISTING, HTML)
    assert reports.items == [Item(BASE + REPORT_PATH, titles[REPORT_PATH])]
    assert reports.next_page is None
    assert titles[REPORT_PATH] == "Mexico Results Report 2019-2022"


def test_listings_state_only_the_reports_they_link(pages: dict[str, DemoPage]) -> None:
    """A news listing states what its headlines state (Mexico City's withdrawal) and nothing more; the IRM
    reports a report listing links are recorded, each under its link."""
    news = analyse_page(pages[NEWS_LISTING].body, BASE + NEWS_LISTING, HTML)
    assert [(f.member, f.status, f.predicate) for f in news.of_type(MembershipFinding)] == [
        ("Mexico City", "withdrawn", "withdrew")
    ]
    assert [f for f in news.findings if not isinstance(f, (ReportFinding, MembershipFinding))] == []
    reports = analyse_page(pages[REPORT_LISTING].body, BASE + REPORT_LISTING, HTML)
    assert [(f.member, f.period, f.url) for f in reports.of_type(ReportFinding)] == [
        ("Mexico", "2019-2022", BASE + REPORT_PATH)
    ]
    assert reports.findings == reports.of_type(ReportFinding)


def test_feeds_list_every_page_without_invented_dates(pages: dict[str, DemoPage]) -> None:
    articles = _articles(pages)
    titles = {page.path: _analyse(page).title for page in articles}
    feed = parse_feed(pages[FEED].body.encode("utf-8"), BASE + FEED)
    assert pages[FEED].content_type == RSS
    assert feed.error is None and feed.title
    assert feed.items == [Item(BASE + page.path, titles[page.path], None) for page in articles]
    reports = parse_feed(pages[REPORT_FEED].body.encode("utf-8"), BASE + REPORT_FEED)
    assert reports.error is None
    assert reports.items == [Item(BASE + REPORT_PATH, titles[REPORT_PATH], None)]
    for page in pages.values():
        assert "pubDate" not in page.body and "<time" not in page.body


def test_news_page_says_mexico_city_withdrew(pages: dict[str, DemoPage]) -> None:
    analysis = _analyse(pages[NEWS_PATH])
    assert analysis.kind == DocumentKind.NEWS
    withdrawn = [(m.member, m.status) for m in analysis.of_type(MembershipFinding) if m.status == "withdrawn"]
    assert withdrawn == [("Mexico City", "withdrawn")]


def test_report_page_gives_the_report_and_commitment_9(pages: dict[str, DemoPage]) -> None:
    analysis = _analyse(pages[REPORT_PATH])
    assert [(r.kind, r.member, r.period, r.is_draft) for r in analysis.of_type(ReportFinding)] == [
        (DocumentKind.RESULTS_REPORT, "Mexico", "2019-2022", False)
    ]
    states = {(s.number, s.state) for s in analysis.of_type(CommitmentStateFinding)}
    assert (9, "inactive") in states


def test_pages_rebuilt_from_the_starter_data_give_back_its_findings() -> None:
    """Nothing lost and nothing added: the rebuilt pages are only the starter data's own sentences."""
    starter = {a.url: a for a in analyses_from(json.loads(STARTER_PATH.read_text(encoding="utf-8")))}
    rebuilt = {page.real_url: _analyse(page) for page in _articles({p.path: p for p in demo_pages(None, BASE)})}
    assert rebuilt.keys() == starter.keys()
    for url, analysis in rebuilt.items():
        assert (analysis.title, analysis.kind) == (starter[url].title, starter[url].kind)
        assert sorted(map(repr, analysis.findings)) == sorted(map(repr, starter[url].findings))


def test_find_seeds_dir(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert find_seeds_dir(repo) is None
    seeds = tmp_path / "shared" / "seeds"
    seeds.mkdir(parents=True)
    (seeds / "README.md").write_text("| file | page | URL |\n", encoding="utf-8")
    assert find_seeds_dir(repo) is None  # a README without seed texts is not a seed folder
    (seeds / "000_synthetic.txt").write_text("Skip Navigation\n\nSynthetic page\n", encoding="utf-8")
    assert find_seeds_dir(repo) == seeds.resolve()


def test_find_seeds_dir_defaults_to_beside_this_repository() -> None:
    expected = SEEDS_DIR.resolve() if (SEEDS_DIR / "README.md").is_file() else None
    assert find_seeds_dir() == expected


def test_seed_readme_rows_without_files_are_skipped(tmp_path: Path) -> None:
    # Synthetic seed folder: one listed file exists, one does not.
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "README.md").write_text(
        "| file | page | URL |\n| --- | --- | --- |\n"
        "| 000_synthetic.txt | synthetic | https://synthetic.example/news/synthetic-story/ |\n"
        "| 001_missing.txt | synthetic | https://synthetic.example/documents/missing/ |\n",
        encoding="utf-8",
    )
    (seeds / "000_synthetic.txt").write_text("Skip Navigation\n\nSynthetic story\n\nSynthetic.\n", encoding="utf-8")
    pages = {page.path: page for page in demo_pages(seeds, "http://127.0.0.1:1")}
    assert set(pages) == {"/news/synthetic-story/"} | OUR_PATHS
    news = parse_listing(pages[NEWS_LISTING].body, "http://127.0.0.1:1/news/")
    assert news.items == [Item("http://127.0.0.1:1/news/synthetic-story/", "Synthetic story")]
    assert parse_listing(pages[REPORT_LISTING].body, "http://127.0.0.1:1/document-type/irm-report/").items == []
