"""Listing pages in, article items and the next page out.

All pages here are SYNTHETIC: WordPress-shaped markup on https://synthetic.example/ with made-up titles
and dates; none of it is an OGP fact.
"""

from __future__ import annotations

from datetime import date

import pytest

from jobs.items import Item
from jobs.listings import ListingPage, page_url, parse_listing

SITE = "https://synthetic.example"
NEWS = f"{SITE}/news/"
REPORTS = f"{SITE}/document-type/irm-report/"

CHROME_TOP = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>News - Synthetic</title>
<link rel="alternate" type="application/rss+xml" href="{SITE}/feed/"></head>
<body class="archive post-type-archive post-type-archive-news">
<a class="skip-link" href="#main">Skip Navigation</a>
<header class="site-header"><a href="{SITE}/">Synthetic home</a>
<nav class="main-navigation"><ul class="menu">
<li class="menu-item"><a href="/about/">About</a></li>
<li class="menu-item"><a href="/news/">News</a></li>
<li class="menu-item"><a href="/document-type/irm-report/">IRM Reports</a></li>
<li class="menu-item"><a href="/members/synthetic-land/">A member</a></li>
</ul></nav></header>
"""
CHROME_BOTTOM = """
<aside class="sidebar"><h3>Popular</h3><a href="/news/sidebar-story/">Sidebar story</a></aside>
<footer class="site-footer"><a href="/privacy/">Privacy</a><a href="/contact/">Contact</a>
<a href="mailto:info@synthetic.example">Mail us</a><a href="/feed/">RSS</a></footer>
</body></html>"""


def card(slug: str, title: str, when: str | None = None, *, section: str = "news") -> str:
    """One WordPress article card (synthetic)."""
    stamp = f'<time class="entry-date" datetime="{when}T09:00:00+00:00">{when}</time>' if when else ""
    return f"""<article class="post type-post hentry">
<a class="post-thumbnail" href="/{section}/{slug}/"><img src="/wp-content/uploads/{slug}.jpg" alt=""></a>
<header class="entry-header"><h2 class="entry-title"><a href="/{section}/{slug}/" rel="bookmark">{title}</a></h2>
{stamp}</header>
<div class="entry-summary"><p>Synthetic summary.</p></div>
<footer class="entry-footer"><a href="/category/synthetic/" rel="category tag">Synthetic</a>
<a href="/tag/demo/">demo</a><a href="/author/someone/">someone</a>
<a class="more-link" href="/{section}/{slug}/">Read more</a></footer>
</article>"""


def listing(*cards: str, pagination: str = "", head: str = "") -> str:
    top = CHROME_TOP.replace("</head>", head + "</head>") if head else CHROME_TOP
    return f"""{top}<main id="main"><header class="page-header"><h1>News</h1></header>
<div class="posts-list">{''.join(cards)}</div>{pagination}</main>{CHROME_BOTTOM}"""


def urls(page: ListingPage) -> list[str]:
    return [item.url for item in page.items]


def test_items_are_the_article_cards_in_order_with_titles_and_dates() -> None:
    body = listing(
        card("synthetic-first-story", "Synthetic   first\n story", "2031-02-03"),
        card("synthetic-second-story", "Synthetic second story"),
    )
    page = parse_listing(body.encode(), NEWS, "text/html; charset=utf-8")
    assert page.items == [
        Item(f"{SITE}/news/synthetic-first-story/", "Synthetic first story", date(2031, 2, 3)),
        Item(f"{SITE}/news/synthetic-second-story/", "Synthetic second story", None),
    ]
    assert page.next_page is None  # no pagination on the last page


def test_navigation_header_footer_sidebar_taxonomies_and_files_are_not_items() -> None:
    body = listing(
        card("synthetic-story", "Synthetic story"),
        '<p><a href="/wp-content/uploads/2031/01/synthetic.pdf">PDF</a> <a href="#comments">Comments</a>'
        ' <a href="/wp-admin/">Admin</a> <a href="/wp-login.php">Log in</a> <a href="/">Home</a>'
        ' <a href="/news/feed/">Feed</a> <a href="https://elsewhere.example/news/x/">Elsewhere</a>'
        ' <a href="/document-type/action-plan/">Action plans</a> <a href="/?s=open">Search</a>'
        ' <a href="javascript:void(0)">Menu</a> <a href="tel:+100">Call</a> <a href="/es/">Español</a></p>',
    )
    page = parse_listing(body, NEWS)
    assert urls(page) == [f"{SITE}/news/synthetic-story/"]


def test_relative_links_are_resolved_and_duplicates_merged_keeping_the_heading_title() -> None:
    body = listing(
        '<article class="card"><a href="../news/synthetic-a/">Read more</a>'
        '<h3><a href="synthetic-a/#top">Synthetic A</a></h3></article>',
        '<article class="card"><h3><a href="/news/synthetic-b">Synthetic B</a></h3></article>',
        '<article class="card"><h3><a href="https://www.synthetic.example/news/synthetic-a/">Again A</a></h3>'
        "</article>",
    )
    page = parse_listing(body, NEWS)
    assert page.items == [
        Item(f"{SITE}/news/synthetic-a/", "Synthetic A"),
        Item(f"{SITE}/news/synthetic-b", "Synthetic B"),
        Item("https://www.synthetic.example/news/synthetic-a/", "Again A"),
    ]


def test_base_href_is_honoured() -> None:
    body = '<html><head><base href="https://synthetic.example/es/"></head><body><main>' \
           '<article><a href="news/synthetic-es/">Historia sintética</a></article></main></body></html>'
    assert urls(parse_listing(body, NEWS)) == [f"{SITE}/es/news/synthetic-es/"]


def test_report_listing_links_to_document_pages_not_to_other_listings() -> None:
    cards = "".join(card(f"synthetic-report-{n}", f"Synthetic Report {n}", section="documents") for n in (1, 2))
    body = listing(cards, '<p><a href="/documents/">All documents</a> <a href="/document-type/">Types</a></p>')
    page = parse_listing(body, REPORTS)
    assert urls(page) == [f"{SITE}/documents/synthetic-report-1/", f"{SITE}/documents/synthetic-report-2/"]


def test_next_page_by_rel_next() -> None:
    head = f'<link rel="next" href="{SITE}/news/page/2/">'
    page = parse_listing(listing(card("s", "Synthetic"), head=head), NEWS)
    assert page.next_page == f"{SITE}/news/page/2/"
    anchor = '<div class="nav-links"><a rel="prev" href="/news/">Back</a><a rel="next" href="/news/page/4/">»</a></div>'
    page = parse_listing(listing(card("s", "Synthetic"), pagination=anchor), f"{SITE}/news/page/3/")
    assert page.next_page == f"{SITE}/news/page/4/"


def test_next_page_by_wordpress_page_number() -> None:
    pagination = (
        '<nav class="navigation pagination"><div class="nav-links">'
        '<span aria-current="page" class="page-numbers current">2</span>'
        '<a class="page-numbers" href="/news/">1</a><a class="page-numbers" href="/news/page/3/">3</a>'
        '<a class="page-numbers" href="/news/page/9/">9</a></div></nav>'
    )
    page = parse_listing(listing(card("s", "Synthetic"), pagination=pagination), f"{SITE}/news/page/2/")
    assert page.next_page == f"{SITE}/news/page/3/"
    assert urls(page) == [f"{SITE}/news/s/"]  # pagination links are not items


def test_next_page_in_spanish_and_by_older_posts() -> None:
    spanish = '<div class="paginacion"><a href="/es/news/page/2/">Siguiente »</a></div>'
    page = parse_listing(listing(card("s", "Sintético"), pagination=spanish), f"{SITE}/es/news/")
    assert page.next_page == f"{SITE}/es/news/page/2/"
    older = '<div class="nav-previous"><a href="/news/?paged=2">&larr; Older posts</a></div>'
    assert parse_listing(listing(card("s", "Synthetic"), pagination=older), NEWS).next_page == f"{SITE}/news/?paged=2"


def test_a_link_back_to_newer_posts_is_not_the_next_page() -> None:
    # Some Spanish themes say "Entradas siguientes" for *newer* posts, i.e. a lower page number.
    newer = '<div class="nav-next"><a href="/es/news/page/2/">Siguiente</a></div>'
    page = parse_listing(listing(card("s", "Sintético"), pagination=newer), f"{SITE}/es/news/page/3/")
    assert page.next_page is None


def test_last_page_has_no_next() -> None:
    pagination = (
        '<nav class="navigation pagination"><a class="prev page-numbers" href="/news/page/4/">Previous</a>'
        '<a class="page-numbers" href="/news/">1</a><a class="page-numbers" href="/news/page/4/">4</a>'
        '<span class="page-numbers current">5</span></nav>'
    )
    page = parse_listing(listing(card("s", "Synthetic"), pagination=pagination), f"{SITE}/news/page/5/")
    assert page.next_page is None


def test_malformed_html_with_unclosed_tags_still_lists() -> None:
    body = (
        "<html><body><main><div class='posts'><article class='post'><h2><a href='/news/synthetic-one/'>One"
        "<article class='post'><h2><a href='/news/synthetic-two/'>Two<p>unclosed <b>bold"
        "<a href='/news/page/2/'>Next"
    )
    page = parse_listing(body, NEWS)
    assert urls(page) == [f"{SITE}/news/synthetic-one/", f"{SITE}/news/synthetic-two/"]
    assert page.next_page == f"{SITE}/news/page/2/"


def test_plain_links_are_used_when_there_are_no_cards() -> None:
    body = ("<html><body><header><a href='/about/'>About</a></header><ul>"
            "<li><a href='/news/synthetic-x/'>Synthetic X</a></li><li><a href='/news/synthetic-y/'>Synthetic Y</a>"
            "</li></ul><footer><a href='/contact/'>Contact</a></footer></body></html>")
    assert urls(parse_listing(body, NEWS)) == [f"{SITE}/news/synthetic-x/", f"{SITE}/news/synthetic-y/"]


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", "", b"\x00\x01\x02\xff\xfe garbage", b"%PDF-1.7 binary", "<<<>>>", b"<html></html>",
     "<?xml version='1.0' encoding='utf-8'?><html><body><a href='/news/x/'>X</a>"],
)
def test_empty_or_garbage_gives_no_items_and_no_exception(body: bytes | str) -> None:
    page = parse_listing(body, NEWS)
    assert isinstance(page, ListingPage)
    assert page.next_page is None
    assert all(item.url.startswith(SITE) for item in page.items)


def test_non_html_content_type_lists_nothing() -> None:
    body = listing(card("s", "Synthetic")).encode()
    assert parse_listing(body, NEWS, "application/pdf") == ListingPage()
    assert parse_listing(body, NEWS, "text/html; charset=utf-8").items


def test_declared_charset_is_used() -> None:
    body = listing(card("synthetic-accents", "Sintético: año")).encode("latin-1")
    page = parse_listing(body, NEWS, "text/html; charset=ISO-8859-1")
    assert [item.title for item in page.items] == ["Sintético: año"]


def test_page_url() -> None:
    assert page_url(NEWS, 1) == NEWS
    assert page_url(NEWS, 2) == f"{SITE}/news/page/2/"
    assert page_url(f"{SITE}/news", 3) == f"{SITE}/news/page/3/"
    assert page_url(f"{SITE}/news/page/4/", 5) == f"{SITE}/news/page/5/"
    assert page_url(f"{SITE}/news/page/4/", 1) == NEWS
    with_query = page_url(f"{SITE}/document-type/irm-report/?lang=es#x", 2)
    assert with_query == f"{SITE}/document-type/irm-report/page/2/?lang=es"
    assert page_url(f"{SITE}/", 2) == f"{SITE}/page/2/"
    with pytest.raises(ValueError):
        page_url(NEWS, 0)


def test_a_layout_wrapper_named_after_its_sidebar_is_not_chrome() -> None:
    body = (
        "<html><body><div class='site-content has-sidebar'><main><article class='post'>"
        "<h2><a href='/news/synthetic-kept/'>Synthetic kept</a></h2></article></main>"
        "<div class='widget-area'><div class='widget'><a href='/news/synthetic-widget/'>Widget</a></div></div>"
        "<div class='menu-main-container'><ul><li class='menu-item'><a href='/news/synthetic-menu/'>Menu</a></li>"
        "</ul></div></div></body></html>"
    )
    assert urls(parse_listing(body, NEWS)) == [f"{SITE}/news/synthetic-kept/"]


def test_a_date_belongs_to_its_own_card_only() -> None:
    body = listing(card("synthetic-dated", "Dated", "2031-05-06"), card("synthetic-undated", "Undated"))
    dates = {item.url: item.published for item in parse_listing(body, NEWS).items}
    assert dates == {f"{SITE}/news/synthetic-dated/": date(2031, 5, 6), f"{SITE}/news/synthetic-undated/": None}


def test_a_long_flat_listing_is_read_quickly() -> None:
    import time

    links = "".join(f"<li><a href='/news/synthetic-{n}/'>Synthetic {n}</a> <time datetime='2031-01-01'>" "</time></li>"
                    for n in range(5000))
    started = time.perf_counter()
    page = parse_listing(f"<html><body><main><ul>{links}</ul></main></body></html>", NEWS)
    assert len(page.items) == 5000 and page.items[0].published == date(2031, 1, 1)
    assert time.perf_counter() - started < 5
