"""What the demo website contains: a few OGP pages, the WordPress listings and feed that point to them.

``ogp-watch demo`` serves these from a local HTTP server and watches them the way it would watch
opengovpartnership.org, so that fetching, listings, feeds, analysis and alerts can be seen working
without the internet. Every page stands for a real OGP page and says only what that page says:

* beside a checkout with ``../shared/seeds`` the pages are the seed texts, dressed as the WordPress
  HTML they came from;
* in a fresh clone without the seeds they are rebuilt from the committed starter data, i.e. from each
  page's title and the sentences the analysis quoted, so analysing them finds the same facts again.

The listings and feeds are ours (no real page stands for them) and carry no publication dates, because
the seed texts lost theirs and a made-up date would be an invented fact.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from jobs.analysis.classify import report_kind_in
from jobs.starter import STARTER_PATH, seed_pages

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
NEWS_LISTING = "/news/"
REPORT_LISTING = "/document-type/irm-report/"
FEED = "/feed/"
REPORT_FEED = "/document-type/irm-report/feed/"
SITE_NAME = "Open Government Partnership"
_REPO_ROOT = Path(__file__).resolve().parent.parent
_COMMENTS_START = ("Comments (", "No comments yet")
_NAVIGATION = (
    "<header><nav><ul><li><a href='/about/'>About</a></li><li><a href='/our-members/'>Members</a></li>"
    "<li><a href='/news/'>News</a></li></ul></nav></header>"
)


@dataclass(frozen=True)
class DemoPage:
    """One response of the demo site."""

    path: str
    body: str
    content_type: str
    real_url: str | None  # the opengovpartnership.org page this stands for; None for our listings and feeds


@dataclass(frozen=True)
class _Article:
    path: str
    title: str
    html: str
    real_url: str


def find_seeds_dir(start: Path | None = None) -> Path | None:
    """``../shared/seeds`` beside the repository (``start``), if it holds its README and seed texts."""
    root = start if start is not None else _REPO_ROOT
    seeds = root.resolve().parent / "shared" / "seeds"
    if (seeds / "README.md").is_file() and any(seeds.glob("*.txt")):
        return seeds.resolve()
    return None


def demo_pages(seeds_dir: Path | None, base_url: str, *, published: bool = True) -> list[DemoPage]:
    """Every page of the demo site: the articles, the news and IRM-report listings, and the feeds.

    ``base_url`` is where the site will be served; listings and feeds link with absolute URLs, as
    WordPress does. With ``published=False`` the listings and feeds are empty (the articles exist but
    nothing links to them yet), which is the site as it was before OGP published them.
    """
    base = base_url.rstrip("/")
    articles = _seed_articles(seeds_dir) if seeds_dir is not None else _starter_articles(STARTER_PATH)
    news = [a for a in articles if _is_news(a)] if published else []
    reports = [a for a in articles if not _is_news(a) and report_kind_in(a.title) is not None] if published else []
    pages = [DemoPage(a.path, a.html, HTML, a.real_url) for a in articles]
    pages += [
        DemoPage(NEWS_LISTING, _listing_html("News", news, base), HTML, None),
        DemoPage(REPORT_LISTING, _listing_html("IRM Reports", reports, base), HTML, None),
        DemoPage(FEED, _rss(f"{SITE_NAME} (demo)", FEED, articles if published else [], base), RSS, None),
        DemoPage(REPORT_FEED, _rss(f"IRM Reports - {SITE_NAME} (demo)", REPORT_FEED, reports, base), RSS, None),
    ]
    return pages


def seed_as_html(text: str) -> str:
    """A seed page dressed as the WordPress page it came from: navigation, article, comments, footer.

    The first line after "Skip Navigation" is the title; "  • " lines become a list; the rest paragraphs.
    The chrome is there on purpose: the analysis must find the article inside a real page, not be handed it.
    """
    title, body = _title_and_lines(text)
    cut = next((i for i, line in enumerate(body) if line.startswith(_COMMENTS_START)), len(body))
    article, comments = body[:cut], body[cut:]
    parts: list[str] = []
    bullets: list[str] = []
    for line in article:
        if line.startswith("•"):
            bullets.append(f"<li>{escape(line.lstrip('• '))}</li>")
            continue
        if bullets:
            parts.append("<ul>" + "".join(bullets) + "</ul>")
            bullets = []
        parts.append(f"<p>{escape(line)}</p>")
    if bullets:
        parts.append("<ul>" + "".join(bullets) + "</ul>")
    comment_html = "".join(f"<p>{escape(line)}</p>" for line in comments)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} - {SITE_NAME}</title></head><body>"
        "<a class='skip' href='#main'>Skip Navigation</a>"
        f"{_NAVIGATION}"
        f"<main id='main'><article><h1>{escape(title)}</h1>{''.join(parts)}</article>"
        f"<section id='comments' class='comments-area'>{comment_html}</section></main>"
        f"<footer><p>{SITE_NAME}</p><p>Subscribe to our newsletter</p></footer>"
        "</body></html>"
    )


def _title_and_lines(text: str) -> tuple[str, list[str]]:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and line != "Skip Navigation"]
    if not lines:
        return "", []
    return lines[0], lines[1:]


# -- where the articles come from -----------------------------------------------------------------------


def _seed_articles(seeds_dir: Path) -> list[_Article]:
    articles: dict[str, _Article] = {}
    for file, url in seed_pages(seeds_dir):
        if not file.is_file():
            continue  # listed in the README but not shipped: nothing to serve
        text = file.read_text(encoding="utf-8")
        path = _path_of(url)
        articles.setdefault(path, _Article(path, _title_and_lines(text)[0], seed_as_html(text), url))
    return list(articles.values())


def _starter_articles(starter_path: Path) -> list[_Article]:
    """Each starter page rebuilt from its title and quoted sentences only: nothing it did not say."""
    data = json.loads(starter_path.read_text(encoding="utf-8"))
    articles: dict[str, _Article] = {}
    for page in data["pages"]:
        title = " ".join(str(page["title"]).split())
        quotes = dict.fromkeys(str(f.get("evidence") or "").strip() for f in page["findings"])
        lines = [title, *(q for q in quotes if q and q != title)]
        path = _path_of(page["url"])
        articles.setdefault(path, _Article(path, title, seed_as_html("\n".join(lines)), page["url"]))
    return list(articles.values())


def _path_of(url: str) -> str:
    return urlsplit(url).path or "/"


def _is_news(article: _Article) -> bool:
    return article.path.startswith(NEWS_LISTING)


# -- our own pages: listings and feeds ------------------------------------------------------------------


def _listing_html(heading: str, articles: list[_Article], base: str) -> str:
    """A WordPress archive page: site chrome around one article card per page, newest first as served."""
    cards = "".join(
        f"<article class='post type-post hentry'><header class='entry-header'><h2 class='entry-title'>"
        f"<a href='{escape(base + a.path)}' rel='bookmark'>{escape(a.title)}</a></h2></header>"
        f"<footer class='entry-footer'><a class='more-link' href='{escape(base + a.path)}'>Read more</a></footer>"
        "</article>"
        for a in articles
    )
    empty = "" if articles else "<p class='no-results'>Nothing found.</p>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(heading)} - {SITE_NAME}</title>"
        f"<link rel='alternate' type='application/rss+xml' title='{SITE_NAME}' href='{escape(base + FEED)}'>"
        "</head><body class='archive'>"
        "<!-- Demo listing made by OGP Watch (ogp_watch/demo_site.py); it stands for no real OGP page. -->"
        "<a class='skip' href='#main'>Skip Navigation</a>"
        f"<header class='site-header'><a href='{escape(base)}/'>{SITE_NAME}</a>"
        "<nav class='main-navigation'><ul class='menu'>"
        f"<li class='menu-item'><a href='{escape(base + NEWS_LISTING)}'>News</a></li>"
        f"<li class='menu-item'><a href='{escape(base + REPORT_LISTING)}'>IRM Reports</a></li>"
        "<li class='menu-item'><a href='/about/'>About</a></li></ul></nav></header>"
        f"<main id='main'><header class='page-header'><h1 class='page-title'>{escape(heading)}</h1></header>"
        f"<div class='posts'>{cards}{empty}</div></main>"
        f"<footer class='site-footer'><p>{SITE_NAME}</p><a href='{escape(base + FEED)}'>RSS</a></footer>"
        "</body></html>"
    )


def _rss(title: str, path: str, articles: list[_Article], base: str) -> str:
    """RSS 2.0 as WordPress serves it, minus <pubDate>: the pages' real dates are not known here."""
    atom = "http://www.w3.org/2005/Atom"
    ET.register_namespace("atom", atom)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = title
    ET.SubElement(channel, "link").text = f"{base}/"
    ET.SubElement(channel, "description").text = (
        "Demo feed made by OGP Watch; each item stands for a real OGP page, served locally."
    )
    ET.SubElement(channel, f"{{{atom}}}link", {"href": base + path, "rel": "self", "type": "application/rss+xml"})
    for article in articles:
        item = ET.SubElement(channel, "item")
        ET.SubElement(item, "title").text = article.title
        ET.SubElement(item, "link").text = base + article.path
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = base + article.path
    return ET.tostring(rss, encoding="unicode", xml_declaration=True)
