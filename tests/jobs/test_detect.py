"""Event detection over the seed pages: what a page changes becomes an event; what is known already does not."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from jobs.analysis import analyse_page
from jobs.analysis.findings import PageAnalysis, ReportFinding
from jobs.detect import detect
from jobs.ingest import ingest
from storage import events
from storage.database import session_scope
from storage.events import NewEvent
from storage.models import EventKind
from tests.conftest import NEWS_SEED, REPORT_SEED, seed_text, seed_urls


def _see(engine: Engine, analysis: PageAnalysis) -> list[NewEvent]:
    with session_scope(engine) as session:
        result = ingest(session, analysis)
        proposed = detect(session, analysis, result, source_id=1)
        events.record_events(session, proposed)
    return proposed


def _analysis(name: str) -> PageAnalysis:
    return analyse_page(seed_text(name), seed_urls()[name], "text/plain")


def test_the_news_page_yields_mexico_city_withdrawing_once(engine: Engine) -> None:
    news = _analysis(NEWS_SEED)
    first = _see(engine, news)
    withdrawals = [e for e in first if e.kind == EventKind.MEMBER_WITHDRAWN]
    assert [e.payload["member_name"] for e in withdrawals] == ["Mexico City"]
    assert withdrawals[0].url == news.url and "withdr" in withdrawals[0].evidence.lower()
    # The eleven continuing local members are learnt as active: not news, no events.
    assert {e.kind for e in first} == {EventKind.MEMBER_WITHDRAWN}
    assert _see(engine, news) == []


def test_the_report_page_yields_a_new_report_and_the_inactive_commitment(engine: Engine) -> None:
    report = _analysis(REPORT_SEED)
    found = _see(engine, report)
    by_kind = {e.kind: e for e in found}
    assert by_kind[EventKind.NEW_REPORT].payload["member_name"] == "Mexico"
    assert by_kind[EventKind.NEW_REPORT].payload["period"] == "2019-2022"
    states = [(e.payload["commitment"], e.payload["state"]) for e in found if e.kind == EventKind.COMMITMENT_STATE]
    assert (9, "inactive") in states
    assert _see(engine, report) == []


def test_a_draft_for_public_comment_then_the_final_report_is_one_event(engine: Engine) -> None:
    final = _analysis(REPORT_SEED)
    draft_finding = replace(final.of_type(ReportFinding)[0], is_draft=True)
    draft = replace(final, url=final.url.rstrip("/") + "-for-public-comment/", is_draft=True,
                    findings=[draft_finding])
    with_draft = _see(engine, draft)
    assert [e.kind for e in with_draft] == [EventKind.NEW_REPORT]
    with session_scope(engine) as session:
        result = ingest(session, final)
        recorded = events.record_events(session, detect(session, final, result))
    assert EventKind.NEW_REPORT not in {e.kind for e in recorded}
    with session_scope(engine) as session:
        assert [e.kind for e in events.events(session, kinds=[EventKind.NEW_REPORT])] == [EventKind.NEW_REPORT]


def test_a_status_change_after_a_withdrawal_is_a_new_event(engine: Engine) -> None:
    news = _analysis(NEWS_SEED)
    _see(engine, news)
    from storage import knowledge

    with session_scope(engine) as session:
        member = knowledge.find_member(session, "Mexico City")
        assert member is not None
        change = knowledge.set_member_status(session, member, "active", source_url="https://synthetic.example/x/",
                                             evidence="Synthetic: Mexico City rejoined (test data).")
        assert change is not None
    assert [e.kind for e in _see(engine, news)] == [EventKind.MEMBER_WITHDRAWN]  # left a second time
    with session_scope(engine) as session:
        keys = [e.key for e in events.events(session, kinds=[EventKind.MEMBER_WITHDRAWN])]
    assert keys == ["status:mexico-city:withdrawn:1", "status:mexico-city:withdrawn:2"]


def test_a_members_history_on_one_page_is_one_event_with_its_effective_date(engine: Engine) -> None:
    """OGP's page on Turkey tells its review, its inactivity (2016) and its exit (2017): all three go into
    the status history, one event says where Turkey stands now, as a country, with the date it took effect."""
    from benchmarks.understanding import CORPUS_DIR, load_page

    page = load_page(CORPUS_DIR / "wd_turkey_leaves_2017.txt")
    found = _see(engine, analyse_page(page.body, page.url, "text/plain"))
    status_events = [e for e in found if e.kind in {EventKind.MEMBER_WITHDRAWN, EventKind.MEMBER_INACTIVE,
                                                    EventKind.MEMBER_STATUS}]
    assert [(e.kind, e.payload["member_name"], e.payload["member_kind"], e.payload["effective"])
            for e in status_events] == [(EventKind.MEMBER_WITHDRAWN, "Turkey", "country", "2017-09-21")]
    with session_scope(engine) as session:
        from storage import knowledge, queries

        turkey = knowledge.find_member(session, "Turkey")
        assert turkey is not None and turkey.id is not None
        history = [(h.status, h.effective) for h in queries.status_changes(session, turkey.id)]
    assert history[-1] == ("withdrawn", "2017-09-21") and ("inactive", "2016-09-21") in history


def test_a_report_listed_then_fetched_is_one_document_and_one_event(engine: Engine) -> None:
    report = _analysis(REPORT_SEED)
    listing_html = (f'<html><head><title>IRM reports</title></head><body><main><ul><li><h3><a href="{report.url}">'
                    'Mexico Results Report 2019-2022</a></h3><p>Mexico\'s fourth action plan.</p></li></ul></main>'
                    '</body></html>')
    listing = analyse_page(listing_html, "https://www.opengovpartnership.org/document-type/irm-report/", "text/html")
    first = _see(engine, listing)
    assert [(e.kind, e.url) for e in first] == [(EventKind.NEW_REPORT, report.url)]
    second = _see(engine, report)
    assert EventKind.NEW_REPORT not in {e.kind for e in second}
    with session_scope(engine) as session:
        from sqlmodel import func, select

        from storage.models import Document

        assert session.exec(select(func.count()).select_from(Document)).one() == 1


def test_a_status_read_on_a_listing_links_the_entrys_page_then_that_page_adds_no_event(engine: Engine) -> None:
    """A news listing's headline says Mexico City withdrew: the event and the stored status quote it with
    the article as their source and the listing as what listed it; fetching the article later is no second
    event."""
    news = _analysis(NEWS_SEED)
    listing_html = (f'<html><head><title>News</title></head><body><main><ul><li><h3><a href="{news.url}">'
                    f'{news.title}</a></h3><p>Officials announced the decision.</p></li></ul></main></body></html>')
    listing_url = "https://www.opengovpartnership.org/news/"
    first = _see(engine, analyse_page(listing_html, listing_url, "text/html"))
    withdrawn = [e for e in first if e.kind == EventKind.MEMBER_WITHDRAWN]
    assert [(e.payload["member_name"], e.url, e.payload["listed_by"]) for e in withdrawn] == [
        ("Mexico City", news.url, listing_url)
    ]
    with session_scope(engine) as session:
        from storage import knowledge, queries

        city = knowledge.find_member(session, "Mexico City")
        assert city is not None and city.id is not None
        assert [h.source_url for h in queries.status_changes(session, city.id)] == [news.url]
    second = _see(engine, news)
    assert EventKind.MEMBER_WITHDRAWN not in {e.kind for e in second}
