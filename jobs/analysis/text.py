"""From whatever the fetcher got (bytes, HTML, plain text) to the page's main text, title and sentences.

Every rule downstream quotes a sentence as evidence, so sentences here are exact slices of the text we
keep; the cleaned form used for matching (footnote markers removed, curly quotes straightened) lives
beside it and is never shown to users.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from dataclasses import dataclass
from datetime import date

log = logging.getLogger(__name__)

SITE_SUFFIX = re.compile(
    r"\s*[-–—|:]\s*(?:Open Government Partnership|Alianza para el Gobierno Abierto|OGP)\s*$", re.IGNORECASE
)
_HTML_SNIFF = re.compile(
    r"<(?:!doctype\s+html|html|head|body|div|p|h[1-6]|article|section|span|a\s|ul|li|br|meta|title)\b",
    re.IGNORECASE,
)
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)

#: Lines that open the readers' comments: everything from here on is not OGP speaking.
COMMENTS_START = re.compile(
    r"^[ \t]*(?:Comments?\s*\(\d+\)|\d+\s+(?:Comments?|Responses?|Replies)|Comentarios?\s*\(\d+\)"
    r"|\d+\s+comentarios?|Leave a (?:Reply|Comment)|Deja (?:una respuesta|un comentario)|Dejar un comentario"
    r"|No comments yet\.?|Sin comentarios(?: todavía| aún)?\.?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_BOILERPLATE_LINE = re.compile(
    r"^(?:skip (?:navigation|to (?:main )?content)|saltar (?:navegaci[oó]n|al contenido)|menu|men[uú]|search"
    r"|buscar|home|inicio|open government partnership|alianza para el gobierno abierto|share|compartir"
    r"|print|imprimir|english|español|espanol|en|es|fr)$",
    re.IGNORECASE,
)

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "sr", "sra", "srta", "lic", "ing", "no", "nº", "vs", "e.g", "i.e", "d.c",
    "u.s", "u.k", "u.n", "ee", "uu", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "art", "p", "pp", "fig", "vol", "ed", "inc", "ltd", "co", "jr", "prof", "gen", "gov", "sen",
    "rep", "av", "etc.)", "approx", "aprox", "núm", "num", "op", "cit", "cf",
}  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text`` is exactly as on the page (the evidence), ``clean`` is what rules read."""

    text: str
    clean: str
    index: int
    paragraph: int


def decode(content: str | bytes, content_type: str | None = None) -> str:
    """Bytes to text: the declared charset, then a <meta charset>, then UTF-8 with replacement."""
    if isinstance(content, str):
        return content
    candidates: list[str] = []
    if content_type:
        m = re.search(r"charset\s*=\s*[\"']?([\w-]+)", content_type, re.IGNORECASE)
        if m:
            candidates.append(m.group(1))
    m2 = _CHARSET_RE.search(content[:4096])
    if m2:
        candidates.append(m2.group(1).decode("ascii", "ignore"))
    for charset in candidates:
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("utf-8", errors="replace")


def looks_like_html(text: str, content_type: str | None = None) -> bool:
    """Trust the server's type when it is explicit; otherwise sniff for tags near the top."""
    if content_type:
        ct = content_type.lower()
        if "html" in ct or "xml" in ct:
            return True
        if ct.startswith("text/plain"):
            return False
    head = text[:5000]
    return len(_HTML_SNIFF.findall(head)) >= 2 or bool(re.search(r"<html\b|<body\b", head, re.IGNORECASE))


def normalise_text(text: str) -> str:
    """One canonical spacing so that evidence quoted later is a plain substring of the kept text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def cut_comments(text: str) -> str:
    """Drop the readers' comments block: a reader saying "X withdrew" is not OGP saying it."""
    m = COMMENTS_START.search(text)
    if m and m.start() > 0:
        return text[: m.start()].rstrip()
    return text


def plain_title(text: str) -> str:
    """The first substantial line after navigation boilerplate ("Skip Navigation")."""
    for line in text.splitlines():
        line = line.strip().strip("•*#-– ").strip()
        if not line or _BOILERPLATE_LINE.match(line):
            continue
        if len(line) >= 8 or len(line.split()) >= 2:
            return line[:300]
    return ""


def _strip_site_suffix(title: str) -> str:
    return SITE_SUFFIX.sub("", html_lib.unescape(title)).strip()


def html_title_and_links(markup: str) -> tuple[str, float]:
    """The page title (h1, og:title, <title> minus the site suffix) and the share of text in links.

    The link share tells listings (mostly links) from articles (mostly prose).
    """
    try:
        import lxml.html

        doc = lxml.html.document_fromstring(markup)
    except Exception:  # lxml raises several unrelated types on junk; any of them means "no title"
        log.debug("lxml could not parse the page", exc_info=True)
        return "", 0.0
    title = ""
    for xpath in ("//main//h1", "//article//h1", "//h1"):
        for h1 in doc.xpath(xpath):
            candidate = " ".join(h1.text_content().split())
            if candidate and SITE_SUFFIX.sub("", " - " + candidate).strip() != "":
                title = candidate
                break
        if title:
            break
    if not title:
        og = doc.xpath("//meta[@property='og:title']/@content")
        if og and og[0].strip():
            title = _strip_site_suffix(og[0])
    if not title:
        tt = doc.xpath("//title")
        if tt:
            title = _strip_site_suffix(" ".join(tt[0].text_content().split()))
    body_text = " ".join(doc.text_content().split()) if doc is not None else ""
    link_text = " ".join(" ".join(a.text_content().split()) for a in doc.xpath("//body//a"))
    share = len(link_text) / len(body_text) if body_text else 0.0
    return title[:300], share


def html_blocks(markup: str, *, side_boxes: bool = False) -> list[str]:
    """The headings, paragraphs and list items of the page minus obvious chrome, each as one line.

    Main-text extraction drops a member page's fact boxes ("Member Since 2011"); this keeps them. With
    ``side_boxes``, an <aside> is kept too: OGP puts its "Countries Withdrawn from OGP" box there."""
    try:
        import lxml.html

        doc = lxml.html.document_fromstring(markup)
        chrome = "//script|//style|//nav|//header|//footer|//form|//noscript" + ("" if side_boxes else "|//aside")
        for bad in doc.xpath(chrome):
            bad.drop_tree()
        elements = doc.xpath("//h1|//h2|//h3|//h4|//p|//li|//td|//dt|//dd")
        blocks = [" ".join(el.text_content().split()) for el in elements]
        return [b for b in blocks if b] or [doc.text_content()]
    except Exception:  # junk input: nothing to keep
        log.debug("fallback extraction failed", exc_info=True)
        return []


def _fallback_html_text(markup: str) -> str:
    """When trafilatura finds nothing, keep the body text minus obvious chrome rather than lose the page."""
    return "\n\n".join(html_blocks(markup))


_PUBLISHED = re.compile(
    r"""<meta[^>]+(?:property|name|itemprop)=["'](?:article:published_time|datePublished|date|dc\.date)["'][^>]*"""
    r"""content=["'](\d{4}-\d{2}-\d{2})|<time[^>]+datetime=["'](\d{4}-\d{2}-\d{2})""",
    re.IGNORECASE,
)


def html_published(markup: str) -> date | None:
    """The page's date from its metadata (article:published_time, datePublished) or its first <time>."""
    m = _PUBLISHED.search(markup[:200_000])
    if not m:
        return None
    try:
        return date.fromisoformat(m.group(1) or m.group(2))
    except ValueError:
        return None


def html_main_text(markup: str) -> str:
    """Main text via trafilatura, tuned for recall: IRM pages keep findings in lists and footnotes."""
    text: str | None = None
    try:
        import trafilatura

        text = trafilatura.extract(
            markup,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_links=False,
            include_images=False,
            include_formatting=False,
            deduplicate=False,
        )
    except Exception:  # trafilatura/lxml can fail on hostile markup; fall back rather than crash
        log.debug("trafilatura failed", exc_info=True)
    if not text or len(text) < 40:
        fallback = _fallback_html_text(markup)
        if len(fallback) > len(text or ""):
            text = fallback
    return text or ""


@dataclass(frozen=True)
class Extracted:
    """The page reduced to what rules read."""

    title: str
    text: str
    is_html: bool
    link_share: float
    published: date | None = None  # from the HTML's metadata


def extract(content: str | bytes, content_type: str | None = None) -> Extracted:
    """Decode, pick the HTML or plain-text path, cut comments, find the title."""
    raw = decode(content, content_type)
    if looks_like_html(raw, content_type):
        title, share = html_title_and_links(raw)
        text = normalise_text(html_main_text(raw))
        # trafilatura sometimes repeats the title as the first line; keep it, it is page text.
        if title and title not in text:
            text = normalise_text(title + "\n\n" + text)
        text = cut_comments(text)
        return Extracted(
            title=normalise_text(title).replace("\n", " "), text=text, is_html=True, link_share=share,
            published=html_published(raw),
        )
    text = unwrap(cut_comments(normalise_text(raw)))
    return Extracted(title=plain_title(text), text=text, is_html=False, link_share=0.0)


#: A line this long that stops mid-sentence was cut by the writer's editor (mail, a PDF's text), not ended.
WRAP_WIDTH = 60
_ENDS_SENTENCE = re.compile(r"[.!?…:;\"”)\]]\s*$")
_STARTS_ITEM = re.compile(r"^\s*(?:[-•*–]|\d+[.)]|#)")


def unwrap(text: str) -> str:
    """Plain text hard-wrapped at a fixed width, with its paragraphs' lines joined again: the rules read
    sentences, and "El Gobierno de Tanzania amenazó ... con la Alianza para el Gobierno / Abierto (OGP)"
    cut in two says nothing. Text with fewer than two such cuts is left as it is (titles, lists)."""
    lines = text.split("\n")

    def is_cut(i: int) -> bool:
        line, nxt = lines[i].rstrip(), lines[i + 1].strip()
        return len(line) >= WRAP_WIDTH and bool(nxt) and not _ENDS_SENTENCE.search(line) and not _STARTS_ITEM.match(nxt)

    cuts = {i for i in range(len(lines) - 1) if is_cut(i)}
    if len(cuts) < 2:
        return text
    out: list[str] = []
    for i, line in enumerate(lines):
        if out and i - 1 in cuts:
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’)\]]*(?:\[\d+\])*\s+(?=[\"“¿¡(\[]?[A-ZÁÉÍÓÚÑ0-9•])")
_FOOTNOTE = re.compile(r"\[\d{1,3}\]")


def clean_sentence(text: str) -> str:
    """The form rules read: no footnote markers or bullets, straight quotes, single spaces."""
    s = _FOOTNOTE.sub("", text)
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    s = re.sub(r"^[•\-*–]\s*", "", s.strip())
    return re.sub(r"\s+", " ", s).strip()


def split_sentences(text: str) -> list[Sentence]:
    """Sentences as exact slices of ``text``: paragraphs first (lines), then sentence ends.

    A line is never joined with the next: titles, list items and footnotes stand on their own lines.
    """
    sentences: list[Sentence] = []
    for p_index, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        start = 0
        pieces: list[str] = []
        for m in _BOUNDARY.finditer(line):
            before = line[start : m.start()]
            last_word = before.split()[-1].rstrip(".").lower() if before.split() else ""
            last_word = last_word.lstrip('("“')
            if (
                last_word in _ABBREVIATIONS
                or re.fullmatch(r"[a-z]", last_word)
                or re.fullmatch(r"(?:[a-z]\.)+[a-z]", last_word)
            ):
                continue
            pieces.append(line[start : m.start()])
            start = m.end()
        pieces.append(line[start:])
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            clean = clean_sentence(piece)
            if clean:
                sentences.append(Sentence(text=piece, clean=clean, index=len(sentences), paragraph=p_index))
    return sentences
