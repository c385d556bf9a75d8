"""What kind of page this is, and for IRM reports whose report it is.

The title decides first because report bodies cite other reports ("the design report", "End-of-Term
Report 2016-2018"); the URL slug and the body only break ties. A report can be a draft "for public
comment": same kind, flagged, because its numbers may still change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from storage.gazetteer import country
from storage.models import DocumentKind

#: IRM report phrasings, most specific first (English and Spanish; accents optional).
REPORT_PATTERNS: list[tuple[DocumentKind, str]] = [
    (DocumentKind.END_OF_TERM_REPORT, r"end[\s-]+of[\s-]+term\s+(?:self[\s-]+assessment\s+|IRM\s+)?report"),
    (
        DocumentKind.END_OF_TERM_REPORT,
        r"informe\s+(?:de\s+)?(?:fin|final)\s+de(?:l)?\s+(?:t[eé]rmino|periodo|per[ií]odo)",
    ),
    # The IRM's "Implementation Report" (action plans of 2017-2019) took the place of the end-of-term report.
    (DocumentKind.END_OF_TERM_REPORT, r"implementation\s+report|informe\s+de\s+implementaci[oó]n"),
    (DocumentKind.RESULTS_REPORT, r"(?:transitional\s+)?results\s+report"),
    (DocumentKind.RESULTS_REPORT, r"informe\s+(?:transitorio\s+)?de\s+resultados(?:\s+de\s+transici[oó]n)?"),
    (DocumentKind.ACTION_PLAN_REVIEW, r"action\s+plan\s+review"),
    (DocumentKind.ACTION_PLAN_REVIEW, r"revisi[oó]n\s+del\s+plan\s+de\s+acci[oó]n"),
    (DocumentKind.DESIGN_REPORT, r"design\s+report"),
    (DocumentKind.DESIGN_REPORT, r"informe\s+de\s+dise[nñ]o"),
    (DocumentKind.PROGRESS_REPORT, r"(?:progress|mid[\s-]*term(?:\s+progress)?)\s+report"),
    (DocumentKind.PROGRESS_REPORT, r"informe\s+de\s+(?:avances?|progreso|medio\s+t[eé]rmino)"),
]
_REPORT_RES = [(kind, re.compile(rf"\b{p}\b", re.IGNORECASE)) for kind, p in REPORT_PATTERNS]

DRAFT_RE = re.compile(
    r"\bfor\s+public\s+comments?\b|\bpublic\s+comment\s+(?:version|draft|period)\b|\bdraft\s+for\s+comments?\b"
    r"|\bpara\s+comentarios?\s+p[uú]blicos?\b|\bversi[oó]n\s+para\s+comentarios?(?:\s+p[uú]blicos?)?\b"
    r"|\bborrador\s+para\s+comentarios?\b|\bpara\s+comentario\s+p[uú]blico\b",
    re.IGNORECASE,
)
_PERIOD_RE = re.compile(r"\b((?:19|20)\d{2})\s*[-–—/]\s*((?:19|20)?\d{2})\b")
_IRM_HINT = re.compile(
    r"Filed under:[^\n]*\bIRM\b|\bIndependent Reporting Mechanism\b|\bMecanismo de Revisi[oó]n Independiente\b",
    re.IGNORECASE,
)
_THIS_REPORT = re.compile(
    r"\b(?:this|the present|este|el presente)\s+(?:IRM\s+)?(" + "|".join(p for _, p in REPORT_PATTERNS) + r")\b",
    re.IGNORECASE,
)
_PRESS = re.compile(
    r"^\s*(?:Washington,?\s+D\.?C\.?|[A-Z][\w .]+,\s+[A-Z][\w .]+)\s+[–—-]\s+\S|for immediate release|press release"
    r"|comunicado de prensa|nota de prensa",
    re.IGNORECASE | re.MULTILINE,
)
_LISTING_PATH = re.compile(
    r"/page/\d+/?$|/document-type/|/category/|/tag/|/author/|/topic/|/policy-area/|/search/|/news/?$"
    r"|/stories/?$|/members/?$|/documents/?$"
)


@dataclass(frozen=True)
class Classification:
    kind: DocumentKind
    is_draft: bool
    member: str | None
    period: str | None
    evidence: str
    country: str | None = None  # a member page's local member: its country ("/members/kigoma-tanzania/")


def report_kind_in(text: str) -> tuple[DocumentKind, re.Match[str]] | None:
    """The first IRM report phrasing in ``text``, with where it is."""
    best: tuple[DocumentKind, re.Match[str]] | None = None
    for kind, pattern in _REPORT_RES:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[1].start()):
            best = (kind, m)
    return best


def normalise_period(text: str) -> str | None:
    """ "2019-22", "2019 – 2022" -> "2019-2022"."""
    m = _PERIOD_RE.search(text)
    if not m:
        return None
    start, end = m.group(1), m.group(2)
    if len(end) == 2:
        end = start[:2] + end
    if int(end) < int(start):
        return None
    return f"{start}-{end}"


#: A label before the member's name: "Independent Reporting Mechanism : Tunisia Mid-Term Report 2016-2018".
_LABEL = re.compile(
    r"^.*?\b(?:Independ[ae]nt\s+Reporting\s+Mechanism|Mecanismo\s+de\s+Revisi[oó]n\s+Independiente|IRM|MRI)"
    r"\)?\s*[:–—|]\s*",
    re.IGNORECASE,
)


def _clean_member(raw: str) -> str | None:
    s = DRAFT_RE.sub("", _LABEL.sub("", raw))
    s = _PERIOD_RE.sub("", s)
    s = re.sub(r"\b(?:IRM|OGP|AGA|MRI)\b", "", s)
    s = re.sub(r"^\s*(?:de|del|para|for|of|on)\s+", "", s.strip(" :–—-,|()"), flags=re.IGNORECASE)
    s = re.sub(r"\s+(?:de|del|para|for|of|on)\s*$", "", s, flags=re.IGNORECASE)
    s = re.sub(r"\s+", " ", s).strip(" :–—-,|()")
    if not s or len(s.split()) > 8 or not s[0].isupper():
        return None
    return s


def member_from_report_title(title: str, match: re.Match[str]) -> str | None:
    """The member named beside the report phrase: before it ("Mexico Results Report") or after it
    ("Informe de Resultados de México 2019-2022")."""
    before = _clean_member(title[: match.start()])
    if before:
        return before
    return _clean_member(title[match.end() :])


def member_from_slug(slug: str) -> tuple[str, str | None]:
    """OGP's member address: "norway" -> Norway; "kigoma-tanzania" -> Kigoma, in Tanzania."""
    words = slug.replace("-", " ").strip()
    whole = country(words)
    if whole is not None:
        return whole.name_en, None
    parts = words.split()
    for n in (3, 2, 1):
        if len(parts) > n:
            found = country(" ".join(parts[-n:]))
            if found is not None:
                return " ".join(parts[:-n]).title(), found.name_en
    return words.title(), None


def _slug_words(url: str) -> str:
    path = urlparse(url).path
    parts = [p for p in path.split("/") if p]
    return parts[-1].replace("-", " ") if parts else ""


def classify(title: str, text: str, url: str, link_share: float = 0.0) -> Classification:
    """Page kind from title, URL and body, in that order of trust."""
    path = urlparse(url).path if url else ""
    head = text[:800]
    slug = _slug_words(url) if "/documents/" in path else ""
    found = report_kind_in(title)
    source = title
    from_slug = False
    if found is None and slug:
        found = report_kind_in(slug)
        source = slug
        from_slug = True
    cover_line = ""
    if found is None and "/documents/" in path:
        # A copy of a document whose title line is lost ("57 pages"): its cover line, near the top, says what
        # it is ("MECANISMO DE REVISIÓN INDEPENDIENTE (MRI): CHILE INFORME DE FIN DE TÉRMINO 2014–2016").
        for line in [line.strip() for line in text.splitlines() if line.strip()][:4]:
            cover = report_kind_in(line) if len(line) <= 160 else None
            if cover is not None and member_from_report_title(line, cover[1]):
                found, source, cover_line = cover, line, line
                break
    if found is None and (_IRM_HINT.search(text) or "/documents/" in path):
        m = _THIS_REPORT.search(text[:20000])
        if m:
            found = report_kind_in(m.group(0))
            source = ""
    if found is not None:
        kind, m = found
        is_draft = bool(DRAFT_RE.search(title) or DRAFT_RE.search(slug) or DRAFT_RE.search(head))
        member = member_from_report_title(source, m) if source else None
        if member and from_slug:
            member = member.title()
        if member and (known := country(member)) is not None:
            member = known.name_en  # "CHILE" on a cover
        period = normalise_period(cover_line or title) or normalise_period(slug)
        return Classification(kind, is_draft, member, period, cover_line or title or (m.group(0) if m else ""))
    if _LISTING_PATH.search(path) or re.search(r"[?&](?:s|paged)=", url or ""):
        return Classification(DocumentKind.LISTING, False, None, None, "")
    if re.search(r"/(?:news|stories|noticias|press|blog)/[^/]+", path) or _PRESS.search(head):
        return Classification(DocumentKind.NEWS, False, None, None, "")
    m2 = re.search(r"/(?:members?|countries|country)/([^/]+)/?$", path)
    if m2:
        name, in_country = member_from_slug(m2.group(1))
        return Classification(DocumentKind.MEMBER_PAGE, False, name, None, "", in_country)
    prose = sum(len(line) for line in text.splitlines() if len(line) > 200)
    if link_share > 0.5 and prose < 600:
        return Classification(DocumentKind.LISTING, False, None, None, "")
    return Classification(DocumentKind.OTHER, False, None, None, "")
