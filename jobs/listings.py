"""Index pages (OGP's WordPress listings such as ``/news/`` or ``/document-type/irm-report/``) read into
the article pages they point to, plus the address of their next page.

A listing page is mostly chrome: menus, footers, tag clouds, pagination, share buttons. Only the links a
reader would call "the list" are items, because every item is later fetched and analysed, and a menu link
taken for an article would be fetched on every check. So links are judged twice: by where they sit
(inside the main content or an article card, never in navigation or footers) and by where they point
(a page on the same site that is not the listing itself, another listing, a file or an admin screen).

The rules follow WordPress conventions rather than one theme's markup, so that a redesign of the site
changes class names without changing what is found. Nothing here raises on bad input: a page that
cannot be parsed simply lists nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import SplitResult, parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from jobs.analysis.text import decode
from jobs.items import Item

log = logging.getLogger(__name__)

#: Class-name words of the boxes a theme puts one listed article in ("post", "news-card", "search-result").
CARD_WORDS = frozenset({
    "post", "posts", "hentry", "entry", "entries", "card", "cards", "item", "items", "result", "results",
    "teaser", "article", "story",
})
#: Class-name words of page chrome; they also disqualify a box as a card ("menu-item", "nav-item").
CHROME_WORDS = frozenset({
    "menu", "submenu", "dropdown", "nav", "navbar", "navigation", "breadcrumb", "breadcrumbs", "sidebar",
    "widget", "pagination", "pager", "share", "sharing", "social", "skip",
})
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
#: Path segments of WordPress machinery and archives: never an article.
NOT_ARTICLE_SEGMENTS = frozenset({
    "category", "tag", "author", "feed", "rss", "comments", "search", "wp-admin", "wp-content",
    "wp-includes", "wp-json", "wp-login.php", "xmlrpc.php", "login", "logout", "register",
})
#: First path segments of taxonomy archives, i.e. other listings (OGP adds its own to WordPress's).
TAXONOMY_BASES = frozenset({"category", "tag", "author", "document-type", "policy-area", "topic"})
#: Query parameters that make a link a search, a share button, a comment reply or a page of a listing.
NOT_ARTICLE_QUERY = frozenset({"s", "share", "replytocom", "paged", "page", "fwp_paged", "feed", "print"})
FILE_EXTENSIONS = frozenset({
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "csv", "zip", "gz",
    "rar", "7z", "jpg", "jpeg", "png", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "mp3", "mp4",
    "m4a", "wav", "avi", "mov", "webm", "xml", "json", "txt", "epub",
})
#: Link texts of "the next page of this listing", English and Spanish, once arrows are stripped.
NEXT_TEXTS = frozenset({
    "next", "next page", "next posts", "older", "older posts", "older entries", "older articles",
    "more posts", "load more", "siguiente", "siguientes", "página siguiente", "pagina siguiente",
    "entradas anteriores", "entradas más antiguas", "más antiguas", "ver más entradas",
})
NEXT_CLASSES = frozenset({"next", "nextpostslink", "next-page", "page-next", "pagination-next"})
#: Link texts that say nothing about the article; the card's heading link names it instead.
GENERIC_TEXTS = frozenset({
    "read more", "more", "continue reading", "learn more", "read", "view", "details", "download",
    "leer más", "leer mas", "ver más", "ver mas", "seguir leyendo", "más", "mas", "ver", "detalles",
    "descargar",
})
_DECORATION = "«»‹›→←↑↓<>|…·-–—:()[]"  # "(More)", "[Read more]"
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# These read URL paths, not HTML.
_PAGE_SUFFIX = re.compile(r"/page/(\d+)/?$")
_PAGE_SEGMENT = re.compile(r"/page/\d+(?:/|$)")
_LANGUAGE_SEGMENT = re.compile(r"[a-z]{2}(?:-[a-z]{2})?")
_PAGE_QUERY = ("paged", "page", "fwp_paged")


@dataclass(frozen=True)
class ListingPage:
    """The articles one listing page links to, in page order, and where the listing continues."""

    items: list[Item] = field(default_factory=list)
    next_page: str | None = None


def page_url(listing_url: str, n: int) -> str:
    """The WordPress address of page ``n`` of a listing (``/news/page/3/``); page 1 is the listing itself."""
    if n < 1:
        raise ValueError(f"listing pages start at 1, not {n}")
    listing_url, _ = urldefrag(listing_url)
    parts = urlsplit(listing_url)
    if n == 1 and not _PAGE_SUFFIX.search(parts.path) and not _page_in_query(parts.query):
        return listing_url
    base = _PAGE_SUFFIX.sub("", parts.path).rstrip("/")
    path = f"{base}/" if n == 1 else f"{base}/page/{n}/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _PAGE_QUERY])
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def parse_listing(
    body: bytes | str, url: str, content_type: str | None = None, *, files: bool = False
) -> ListingPage:
    """Items and next page of a listing fetched from ``url`` (its final URL, after redirects).

    ``files``: keep links to documents (an IRM report's PDF) too. The watcher does not fetch those, but
    page analysis records the reports a listing names, wherever their links point.
    """
    if content_type and not _may_be_html(content_type):
        return ListingPage()
    doc = _parse(body, content_type)
    if doc is None:
        return ListingPage()
    try:
        base = _base_url(doc, url)
        listing = _Listing(url, files)
        next_page = _next_page(doc, base, listing)
        return ListingPage(items=_items(doc, base, listing), next_page=next_page)
    except Exception:  # a pathological tree must cost one listing, not the whole check
        log.warning("could not read listing %s", url, exc_info=True)
        return ListingPage()


# -- the listing being read -----------------------------------------------------------------------------


class _Listing:
    """The listing's own address, reduced to what tells "this listing" from "another page"."""

    def __init__(self, url: str, files: bool = False) -> None:
        parts = urlsplit(urldefrag(url)[0])
        self.files = files
        self.site = _site(parts)
        self.key = _listing_key(parts)
        self.page = _page_number(parts) or 1
        self.path = self.key[1]

    def is_own_page(self, url: str) -> bool:
        return _listing_key(urlsplit(url)) == self.key


def _site(parts: SplitResult) -> tuple[str, int | None]:
    """Host without a leading "www." and the explicit port: www.example.org and example.org are one site."""
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: not a link we follow
        port = -1
    if (parts.scheme, port) in (("http", 80), ("https", 443)):
        port = None
    return host, port


def _listing_key(parts: SplitResult) -> tuple[tuple[str, int | None], str, str]:
    path = _PAGE_SUFFIX.sub("", parts.path).rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k not in _PAGE_QUERY)
    return _site(parts), path, urlencode(query)


def _page_number(parts: SplitResult) -> int | None:
    m = _PAGE_SUFFIX.search(parts.path)
    if m:
        return int(m.group(1))
    for key, value in parse_qsl(parts.query):
        if key in _PAGE_QUERY and value.isdigit():
            return int(value)
    return None


def _page_in_query(query: str) -> bool:
    return any(key in _PAGE_QUERY for key, _ in parse_qsl(query))


# -- parsing --------------------------------------------------------------------------------------------


def _may_be_html(content_type: str) -> bool:
    ct = content_type.lower()
    return "html" in ct or ct.startswith("text/") or "octet-stream" in ct


def _parse(body: bytes | str, content_type: str | None) -> HtmlElement | None:
    text = decode(body, content_type) if isinstance(body, bytes) else body
    text = text.replace("\x00", "")
    if not text.strip():
        return None
    try:
        # Back to bytes with the charset decode() settled on: lxml refuses a str that carries an XML
        # encoding declaration, and must not second-guess the charset from a <meta> tag.
        parser = lxml.html.HTMLParser(encoding="utf-8")
        doc = lxml.html.document_fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        log.debug("not parseable as HTML", exc_info=True)
        return None
    return doc if isinstance(doc, HtmlElement) else None


def _base_url(doc: HtmlElement, url: str) -> str:
    for href in doc.xpath("//base/@href"):
        if str(href).strip():
            return urljoin(url, str(href).strip())
    return url


def _resolve(base: str, href: str | None) -> str | None:
    """Absolute http(s) URL without fragment, or None for mailto:, javascript:, empty and broken hrefs."""
    if not href or not href.strip():
        return None
    try:
        absolute, _ = urldefrag(urljoin(base, href.strip()))
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _class_words(el: HtmlElement) -> set[str]:
    words: set[str] = set()
    for token in (el.get("class") or "").lower().split():
        words.update(w for w in re.split(r"[-_]+", token) if w)
    return words


def _is_chrome(el: HtmlElement) -> bool:
    if el.tag in ("nav", "aside", "script", "style", "template"):
        return True
    if (el.get("role") or "").lower() in CHROME_ROLES:
        return True
    if el.tag in ("html", "body", "main", "article") or not _class_words(el) & CHROME_WORDS:
        return False
    # Layout wrappers say "has-sidebar" or "no-menu" too; a box holding the content is not chrome.
    return next(el.iterdescendants("main", "article"), None) is None


def _is_card(el: HtmlElement) -> bool:
    if el.tag == "article":
        return True
    if el.tag in ("html", "body"):
        return False
    words = _class_words(el)
    return bool(words & CARD_WORDS) and not words & CHROME_WORDS


def _is_content(el: HtmlElement) -> bool:
    return el.tag == "main" or (el.get("role") or "").lower() == "main" or _is_card(el)


# -- items ----------------------------------------------------------------------------------------------


def _is_article(url: str, listing: _Listing) -> bool:
    """Whether a resolved link points to a page this listing lists (rather than chrome or another index)."""
    parts = urlsplit(url)
    if _site(parts) != listing.site:
        return False
    segments = [s.lower() for s in parts.path.split("/") if s]
    content = segments[1:] if segments and _LANGUAGE_SEGMENT.fullmatch(segments[0]) else segments
    if not content:
        return False  # the site root, or a language's root (/es/)
    is_file = "." in segments[-1] and segments[-1].rsplit(".", 1)[1] in FILE_EXTENSIONS
    if is_file:
        return listing.files and "wp-admin" not in segments  # uploads live under wp-content
    if content[0] in TAXONOMY_BASES or any(s in NOT_ARTICLE_SEGMENTS for s in segments):
        return False
    if _PAGE_SEGMENT.search(parts.path.lower()):
        return False
    if any(key in NOT_ARTICLE_QUERY for key, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return False
    if listing.is_own_page(url):
        return False
    path = parts.path.rstrip("/") + "/"
    return not (listing.path + "/").startswith(path)  # an ancestor of the listing: a broader index


@dataclass
class _Found:
    url: str
    title: str | None
    title_rank: int
    published: date | None
    summary: str | None


def _items(doc: HtmlElement, base: str, listing: _Listing) -> list[Item]:
    _drop_chrome(doc)
    articles: dict[HtmlElement, str] = {}
    preferred: list[HtmlElement] = []
    others: list[HtmlElement] = []
    for anchor in doc.iter("a"):
        url = _resolve(base, anchor.get("href"))
        if url is None or not _is_article(url, listing):
            continue
        articles[anchor] = url
        in_content = any(_is_content(el) for el in anchor.iterancestors())
        (preferred if in_content else others).append(anchor)
    found: dict[str, _Found] = {}
    for anchor in preferred or others:
        url = articles[anchor]
        title, rank = _link_title(anchor)
        known = found.get(url)
        if known is None:
            found[url] = _Found(url, title, rank, _date_near(anchor, url, articles), None)
        elif rank > known.title_rank:
            known.title, known.title_rank = title, rank
    for anchor in preferred or others:
        known = found[articles[anchor]]
        known.summary = known.summary or _summary_near(anchor, known.url, articles, known.title)
    indexes = _section_indexes(list(found))
    return [Item(f.url, f.title, f.published, f.summary) for f in found.values() if f.url not in indexes]


def _drop_chrome(doc: HtmlElement) -> None:
    """Remove navigation, site header and footer, sidebars; a card's own <header>/<footer> stays."""
    doomed: list[HtmlElement] = []
    stack: list[tuple[HtmlElement, bool]] = [(doc, False)]
    while stack:  # top-down, never looking inside what is already doomed
        el, in_card = stack.pop()
        if not isinstance(el.tag, str):
            continue  # comments and processing instructions
        if _is_chrome(el) or (el.tag in ("header", "footer") and not in_card):
            doomed.append(el)
            continue
        inside = in_card or _is_card(el)
        stack.extend((child, inside) for child in reversed(el))
    for el in doomed:
        el.drop_tree()


def _link_title(anchor: HtmlElement) -> tuple[str | None, int]:
    """The link's words and how much to trust them: a heading link (2) beats plain text (1) beats none (0)."""
    text = " ".join(anchor.text_content().split())
    if not text:
        text = " ".join((anchor.get("title") or anchor.get("aria-label") or "").split())
    if not text:
        alts = anchor.xpath(".//img/@alt")
        text = " ".join(str(alts[0]).split()) if alts else ""
    if not text or text.lower().strip(_DECORATION + " ") in GENERIC_TEXTS:
        return None, 0
    in_heading = any(el.tag in _HEADINGS for el in anchor.iterancestors()) or any(
        el.tag in _HEADINGS for el in anchor.iterdescendants()
    )
    return text, 2 if in_heading else 1


def _date_near(anchor: HtmlElement, url: str, articles: dict[HtmlElement, str]) -> date | None:
    """The <time datetime> of the smallest box around the link that holds no other article's link."""
    for box in anchor.iterancestors():
        if box.tag in ("body", "html"):
            return None
        if any(articles.get(a, url) != url for a in box.iter("a")):  # stops at the first other article
            return None
        for value in box.xpath(".//time/@datetime"):
            parsed = _iso_date(str(value))
            if parsed is not None:
                return parsed
    return None


#: A teaser, not the article: a box with more text than this around one link is not that link's card.
SUMMARY_CHARS = 600


def _summary_near(anchor: HtmlElement, url: str, articles: dict[HtmlElement, str], title: str | None) -> str | None:
    """The words of the smallest box around the link that holds no other article's link, minus the title:
    a card's teaser ("The plan contained 10 commitments"), or the text beside the link in a list item."""
    for box in anchor.iterancestors():
        if box.tag in ("body", "html", "main") or any(articles.get(a, url) != url for a in box.iter("a")):
            return None
        text = " ".join(box.text_content().split())
        for words in filter(None, (title, " ".join(anchor.text_content().split()))):
            text = text.replace(words, " ", 1)
        text = " ".join(text.split()).strip(" -–—:|·")
        if len(text) > SUMMARY_CHARS:
            return None
        if len(text) >= 12:
            return text
    return None


def _iso_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _section_indexes(urls: list[str]) -> set[str]:
    """Links that are the parent of another listed link (``/documents/`` beside ``/documents/x/``): indexes."""
    paths = {url: urlsplit(url).path.rstrip("/") for url in urls}
    parents: set[str] = set()
    for path in paths.values():
        segments = path.split("/")
        parents.update("/".join(segments[:n]) for n in range(1, len(segments)))
    return {url for url, path in paths.items() if path in parents}


# -- next page ------------------------------------------------------------------------------------------


def _next_page(doc: HtmlElement, base: str, listing: _Listing) -> str | None:
    """rel="next" first, then a link to this listing's page N+1, then a "Next"/"Siguiente"/"Older" link."""
    for el in doc.xpath("//link[@href]|//a[@href]"):
        rel = (el.get("rel") or "").lower().split()
        if "next" in rel:
            url = _resolve(base, el.get("href"))
            if url and _site(urlsplit(url)) == listing.site and not _is_current_page(url, listing):
                return url
    anchors = [(a, _resolve(base, a.get("href"))) for a in doc.iter("a")]
    for _, url in anchors:
        if url and listing.is_own_page(url) and _page_number(urlsplit(url)) == listing.page + 1:
            return url
    for anchor, url in anchors:
        if url and _says_next(anchor) and _goes_forward(url, listing):
            return url
    return None


def _is_current_page(url: str, listing: _Listing) -> bool:
    return listing.is_own_page(url) and (_page_number(urlsplit(url)) or 1) == listing.page


def _goes_forward(url: str, listing: _Listing) -> bool:
    """Same site and not backwards: "Entradas siguientes" on some Spanish themes means *newer* posts."""
    if _site(urlsplit(url)) != listing.site or _is_current_page(url, listing):
        return False
    if listing.is_own_page(url):
        return (_page_number(urlsplit(url)) or 1) > listing.page
    return True


def _says_next(anchor: HtmlElement) -> bool:
    words = set((anchor.get("class") or "").lower().split())
    parent = anchor.getparent()
    if parent is not None and parent.tag == "li":
        words |= set((parent.get("class") or "").lower().split())
    if words & NEXT_CLASSES:
        return True
    for label in (anchor.text_content(), anchor.get("aria-label") or "", anchor.get("title") or ""):
        text = " ".join(label.lower().split()).strip(_DECORATION + " ")
        if text in NEXT_TEXTS:
            return True
    return False
