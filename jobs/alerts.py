"""An alert as a chat member reads it: one event, in the chat's language, as Telegram HTML.

Telegram-free on purpose (an event in, a string out), so the dispatcher, tests and any other front end
render the same alert. Everything that comes from a web page (names, titles, the evidence sentence, the
URL) is escaped here and nowhere else: a page that says "<script>" or "AT&T" must reach the chat as those
characters, because Telegram refuses a whole message over one stray "<" and the chat would get nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from storage.events import payload
from storage.models import Event, EventKind

LANGUAGES = ("en", "es")

MESSAGE_LIMIT = 4096
"""Telegram's limit for one text message."""

EVIDENCE_LIMITS = (600, 300, 120, 0)
"""How much of the evidence sentence to quote; shorter only when a message would otherwise not fit."""

NAME_LIMIT = 200
LINK_TEXT_LIMIT = 60
HREF_LIMIT = 1024
"""Longer addresses (escaped) are shown as text, not linked: a link Telegram refuses would sink the alert."""

ICONS: dict[str, str] = {
    EventKind.NEW_REPORT: "📄",
    EventKind.MEMBER_WITHDRAWN: "🚪",
    EventKind.MEMBER_INACTIVE: "⏸️",
    EventKind.MEMBER_STATUS: "🔄",
    EventKind.NEW_MEMBER: "🎉",
    EventKind.COMMITMENT_STATE: "📌",
    EventKind.SOURCE_FAILURE: "⚠️",
}

STATUS_ES = {"active": "activo", "inactive": "inactivo", "withdrawn": "retirado", "unknown": "desconocido",
             "under_review": "en revisión procedimental"}
"""Member statuses and commitment states; masculine, agreeing with "miembro" and "compromiso"."""

SOURCE_LABEL = {"en": "Source", "es": "Fuente"}

Headline = Callable[[Event, dict[str, Any], str], str]


def render_alert(event: Event, language: str) -> str:
    """The alert for one chat: a bold headline, a line of context, the evidence quoted, the source linked."""
    lang = language[:2].lower() if language[:2].lower() in LANGUAGES else "en"
    details = payload(event)
    headline = _clip(HEADLINES.get(event.kind, _title)(event, details, lang), NAME_LIMIT * 2)
    context = _clip(_context(event, details, lang), NAME_LIMIT)
    for evidence_limit in EVIDENCE_LIMITS:
        text = _assemble(event, lang, headline, context, _clip(event.evidence, evidence_limit))
        if len(text) <= MESSAGE_LIMIT:
            return text
    # Only a page made of "&" and "<" gets here (each grows fivefold when escaped): headline and link only.
    return _assemble(event, lang, _clip(headline, NAME_LIMIT // 2), "", "")


def _assemble(event: Event, lang: str, headline: str, context: str, evidence: str) -> str:
    icon = ICONS.get(event.kind, "🔔")
    lines = [f"{icon} <b>{_escape(headline)}</b>"]
    if context:
        lines.append(_escape(context))
    if evidence:
        lines.append(f"<blockquote>{_escape(evidence)}</blockquote>")
    lines.append(f"{SOURCE_LABEL[lang]}: {_link(event.url)}")
    return "\n".join(lines)


# -- headlines -----------------------------------------------------------------------------------------


def _name(details: dict[str, Any], lang: str) -> str:
    english = _text(details.get("member_name"))
    spanish = _text(details.get("member_name_es"))
    return _clip((spanish or english) if lang == "es" else (english or spanish), NAME_LIMIT)


def _status(value: object, lang: str) -> str:
    word = _text(value)
    return STATUS_ES.get(word, word) if lang == "es" else word


def _title(event: Event, details: dict[str, Any], lang: str) -> str:
    return event.title


def _new_report(event: Event, details: dict[str, Any], lang: str) -> str:
    title = _clip(_text(details.get("document_title")) or event.title.removeprefix("New IRM report: "), NAME_LIMIT)
    draft = bool(details.get("is_draft"))
    if lang == "es":
        return f"Nuevo informe del IRM: {title}" + (" (borrador)" if draft else "")
    return f"New IRM report: {title}" + (" (draft)" if draft else "")


def _member_withdrawn(event: Event, details: dict[str, Any], lang: str) -> str:
    name = _name(details, lang)
    if not name:
        return event.title
    return f"{name} se retiró de OGP" if lang == "es" else f"{name} withdrew from OGP"


def _member_inactive(event: Event, details: dict[str, Any], lang: str) -> str:
    name = _name(details, lang)
    if not name:
        return event.title
    return f"OGP designó a {name} como miembro inactivo" if lang == "es" else f"{name} was designated inactive in OGP"


def _member_status(event: Event, details: dict[str, Any], lang: str) -> str:
    name, status = _name(details, lang), _status(details.get("status"), lang)
    if not name or not status:
        return event.title
    previous = _status(details.get("previous"), lang)
    if lang == "es":
        return f"Nuevo estado de {name} en OGP: {status}" + (f" (antes: {previous})" if previous else "")
    return f"{name}: OGP status now {status}" + (f" (was {previous})" if previous else "")


def _new_member(event: Event, details: dict[str, Any], lang: str) -> str:
    name = _name(details, lang)
    if not name:
        return event.title
    year = _text(details.get("joined_year"))
    when = f" ({year})" if year else ""
    return f"{name} se unió a OGP{when}" if lang == "es" else f"{name} joined OGP{when}"


def _commitment_state(event: Event, details: dict[str, Any], lang: str) -> str:
    name, state = _name(details, lang), _status(details.get("state"), lang)
    plan, number = _text(details.get("plan")), _text(details.get("commitment"))
    if not (name and state and plan and number):
        return event.title
    if lang == "es":
        return f"{name}, plan de acción {plan}, compromiso {number}: {state}"
    return f"{name}, action plan {plan}, commitment {number}: {state}"


def _source_failure(event: Event, details: dict[str, Any], lang: str) -> str:
    failures = _text(details.get("failures"))
    if lang != "es" or not failures or event.source_id is None:
        return event.title  # the English title also names the source's label
    return f"La fuente {event.source_id} falló {failures} comprobaciones seguidas"


HEADLINES: dict[str, Headline] = {
    EventKind.NEW_REPORT: _new_report,
    EventKind.MEMBER_WITHDRAWN: _member_withdrawn,
    EventKind.MEMBER_INACTIVE: _member_inactive,
    EventKind.MEMBER_STATUS: _member_status,
    EventKind.NEW_MEMBER: _new_member,
    EventKind.COMMITMENT_STATE: _commitment_state,
    EventKind.SOURCE_FAILURE: _source_failure,
}


def _context(event: Event, details: dict[str, Any], lang: str) -> str:
    """One line under the headline with what it leaves out: whose report and when, which commitment..."""
    if event.kind == EventKind.NEW_REPORT:
        return " · ".join(part for part in (_name(details, lang), _text(details.get("period"))) if part)
    if event.kind == EventKind.COMMITMENT_STATE:
        return _text(details.get("commitment_title"))
    if event.kind in {EventKind.MEMBER_WITHDRAWN, EventKind.MEMBER_INACTIVE, EventKind.MEMBER_STATUS}:
        effective = _text(details.get("effective"))
        if effective:
            return f"Con efecto: {effective}" if lang == "es" else f"Effective: {effective}"
    if event.kind == EventKind.SOURCE_FAILURE:
        since = _text(details.get("since"))[:16].replace("T", " ")
        if since:
            if lang == "es":
                return f"Falla desde {since} UTC; último error:"
            return f"Failing since {since} UTC; last error:"
    return ""


# -- text from pages -------------------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _clip(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary with an ellipsis when longer than ``limit``."""
    flat = _text(text)
    if len(flat) <= limit:
        return flat
    if limit <= 1:
        return ""
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


def _escape(text: str) -> str:
    """Telegram's HTML mode knows only &lt; &gt; &amp; &quot;; html.escape's &#x27; is fine too."""
    return html.escape(text, quote=False)


_HTTP_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


def _link(url: str) -> str:
    """The source as a link; an address Telegram might refuse as a link is shown as plain text instead."""
    address = url.strip()
    shown = _escape(_clip(re.sub(r"^https?://(www\.)?", "", address, flags=re.IGNORECASE), LINK_TEXT_LIMIT))
    href = html.escape(address, quote=True)
    if not _HTTP_URL.match(address) or len(href) > HREF_LIMIT:
        return shown
    return f'<a href="{href}">{shown}</a>'
