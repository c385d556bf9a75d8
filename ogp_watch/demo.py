"""``ogp-watch demo``: the whole watch cycle on a local copy of OGP's site, for a newcomer, offline.

It serves the seed pages (or, without ``../shared``, pages rebuilt from the starter data) with a news
listing, an IRM-report listing and a feed, watches them from an empty knowledge base in a throw-away
database, "publishes" the pages, checks again, prints the events found, and opens the chat on what it
learnt. Nothing touches the user's own database.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine

from bot.engine import ConversationEngine
from bot.terminal import run_chat
from jobs.check import CheckReport
from jobs.fetch import FetchPolicy
from ogp_watch.app import check_now
from ogp_watch.demo_site import FEED, NEWS_LISTING, REPORT_LISTING, demo_pages, find_seeds_dir
from ogp_watch.local_site import LocalSite
from ogp_watch.runner import alert_text
from ogp_watch.settings import Settings
from storage import schema, sources
from storage.database import make_engine, session_scope, sqlite_url
from storage.models import CheckStatus, SourceKind

DEMO_SOURCES = (
    (NEWS_LISTING, SourceKind.LISTING, "OGP news (demo copy)"),
    (REPORT_LISTING, SourceKind.LISTING, "OGP IRM reports (demo copy)"),
    (FEED, SourceKind.FEED, "OGP feed (demo copy)"),
)

# The demo site is on this machine: private addresses are expected, and nobody needs a politeness delay.
DEMO_POLICY = FetchPolicy(allow_private=True, politeness_delay_s=0.0, timeout_s=10.0, retries=1)


def run_demo(settings: Settings, *, chat: bool, out: TextIO | None = None) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="ogp-watch-demo-"))
    try:
        return asyncio.run(_demo(workdir, settings, chat=chat, out=out or sys.stdout))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _demo(workdir: Path, settings: Settings, *, chat: bool, out: TextIO) -> int:
    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    def progress(report: CheckReport) -> None:
        mark = "✗" if report.status == CheckStatus.ERROR else "✓"
        say(f"  {mark} {report.summary()}")

    engine = make_engine(sqlite_url(workdir / "demo.sqlite3"))
    try:
        schema.upgrade(engine)  # an empty knowledge base: everything the demo shows is found by watching
        seeds = find_seeds_dir()
        with LocalSite() as site:
            origin = f"the seed pages in {seeds}" if seeds else "pages rebuilt from the starter data"
            say(f"Serving a copy of OGP's website at {site.base_url} ({origin}).")
            _publish(site, seeds, published=False)
            ids = _add_sources(engine, site)
            say(f"Watching {len(ids)} sources: the news and IRM-report listings and the site's feed.\n")

            say("1. First check. What the listings hold now is the baseline, not news:")
            await check_now(engine, DEMO_POLICY, ids, settings.check_concurrency, on_done=progress)

            pages = [page for page in demo_pages(seeds, site.base_url) if page.real_url]
            say(f"\n2. OGP publishes {len(pages)} pages:")
            for page in pages:
                say(f"   {page.real_url}")
            _publish(site, seeds, published=True)

            say("\n3. Second check:")
            reports = await check_now(engine, DEMO_POLICY, ids, settings.check_concurrency, on_done=progress)
        found = [event for report in reports for event in report.events if not event.baseline]
        say(f"\n4. {len(found)} events found, each once although the pages are in a listing and the feed:")
        for event in found:
            say(alert_text(event))
        if chat:
            say("\nThe demo's knowledge base now holds what was found. Ask about it (“quit” to leave):")
            run_chat(ConversationEngine(engine), database=engine)
        else:
            say("\nRun `ogp-watch demo` in a terminal to chat with what was found.")
        return 0
    finally:
        engine.dispose()


def _publish(site: LocalSite, seeds: Path | None, *, published: bool) -> None:
    for page in demo_pages(seeds, site.base_url, published=published):
        site.page(page.path, page.body, content_type=page.content_type)


def _add_sources(engine: Engine, site: LocalSite) -> list[int]:
    with session_scope(engine) as session:
        added = [sources.add_source(session, url=site.url(path), kind=kind, label=label, interval_seconds=3600,
                                    added_by="demo") for path, kind, label in DEMO_SOURCES]
        return [source.id for source in added if source.id is not None]
