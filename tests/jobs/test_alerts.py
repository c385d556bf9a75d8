"""Alerts read naturally in the chat's language, and text from a page can never break them.

Rendered HTML is checked with the Bot API stand-in's parser, which refuses what Telegram refuses; one
hostile alert also goes through the stand-in with the real python-telegram-bot. Names are synthetic.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.tg.sender import TelegramSender, build_bot
from jobs.alerts import MESSAGE_LIMIT, render_alert
from jobs.sending import SendOutcome
from storage.models import Event, EventKind
from tests.botapi_standin import BotApiStandIn, parse_html

CITY = {"member": "synthetic-city", "member_name": "Synthetic City", "member_name_es": "Ciudad Sintética",
        "member_kind": "local"}
URL = "https://synthetic.example/news/synthetic-city-withdraws/"
HOSTILE = "<script>alert('x')</script> & <b>unbalanced </i> &amp; \"quoted\" 5 < 6 > 4"


def event(kind: EventKind, payload: dict[str, Any], *, title: str = "Synthetic title", evidence: str = "It said so.",
          url: str = URL, source_id: int | None = None) -> Event:
    return Event(id=1, key=f"{kind}:test", kind=kind, title=title, url=url, evidence=evidence,
                 payload=json.dumps(payload, ensure_ascii=False), source_id=source_id)


def shown(html: str) -> tuple[str, list[dict[str, Any]]]:
    """What the chat member reads, and the formatting, as Telegram parses the HTML (raises if it would refuse)."""
    return parse_html(html)


def covered(text: str, entity: dict[str, Any]) -> str:
    """The text an entity formats; offsets count UTF-16 units, in which an emoji is two."""
    units = text.encode("utf-16-le")
    return units[2 * entity["offset"]: 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


CASES = [
    (EventKind.MEMBER_WITHDRAWN, CITY, "Synthetic City withdrew from OGP", "Ciudad Sintética se retiró de OGP"),
    (EventKind.MEMBER_INACTIVE, CITY, "Synthetic City was designated inactive in OGP",
     "OGP designó a Ciudad Sintética como miembro inactivo"),
    (EventKind.MEMBER_STATUS, CITY | {"previous": "inactive", "status": "active"},
     "Synthetic City: OGP status now active (was inactive)",
     "Nuevo estado de Ciudad Sintética en OGP: activo (antes: inactivo)"),
    (EventKind.NEW_MEMBER, CITY | {"joined_year": 2026}, "Synthetic City joined OGP (2026)",
     "Ciudad Sintética se unió a OGP (2026)"),
    (EventKind.NEW_REPORT, CITY | {"document_title": "Synthetic City Results Report 2022-2025", "period": "2022-2025"},
     "New IRM report: Synthetic City Results Report 2022-2025",
     "Nuevo informe del IRM: Synthetic City Results Report 2022-2025"),
    (EventKind.COMMITMENT_STATE, CITY | {"plan": 4, "commitment": 9, "state": "inactive"},
     "Synthetic City, action plan 4, commitment 9: inactive",
     "Ciudad Sintética, plan de acción 4, compromiso 9: inactivo"),
]


@pytest.mark.parametrize(("kind", "payload", "english", "spanish"), CASES, ids=[case[0] for case in CASES])
def test_headline_in_the_chats_language(kind: EventKind, payload: dict[str, Any], english: str, spanish: str) -> None:
    for language, expected in (("en", english), ("es", spanish)):
        text, entities = shown(render_alert(event(kind, payload), language))
        headline = text.splitlines()[0]
        assert headline.endswith(expected)
        bold = next(entity for entity in entities if entity["type"] == "bold")
        assert covered(text, bold) == expected
        assert text.splitlines()[-1].startswith("Source: " if language == "en" else "Fuente: ")
        link = next(entity for entity in entities if entity["type"] == "text_link")
        assert link["url"] == URL


def test_a_report_alert_says_whose_and_which_period_and_quotes_the_evidence() -> None:
    report = event(EventKind.NEW_REPORT, CITY | {"document_title": "Synthetic Results Report", "period": "2022-2025"},
                   evidence="The IRM found that 5 of 9 commitments were completed.")
    text, entities = shown(render_alert(report, "es"))
    assert text.splitlines()[1] == "Ciudad Sintética · 2022-2025"
    quote = next(entity for entity in entities if entity["type"] == "blockquote")
    assert covered(text, quote) == "The IRM found that 5 of 9 commitments were completed."


def test_source_failures_tell_admins_how_often_and_the_last_error() -> None:
    failure = event(EventKind.SOURCE_FAILURE, {"failures": 3, "since": "2026-11-20T08:15:00", "error": "HTTP 503"},
                    title="Source 7 (Synthetic news) has failed 3 checks in a row", evidence="HTTP 503", source_id=7)
    english, _ = shown(render_alert(failure, "en"))
    spanish, _ = shown(render_alert(failure, "es"))
    assert "Source 7 (Synthetic news) has failed 3 checks in a row" in english
    assert "Failing since 2026-11-20 08:15 UTC; last error:\nHTTP 503" in english
    assert "La fuente 7 falló 3 comprobaciones seguidas" in spanish


def test_an_unknown_language_gets_english() -> None:
    text, _ = shown(render_alert(event(EventKind.MEMBER_WITHDRAWN, CITY), "fr"))
    assert "Synthetic City withdrew from OGP" in text


def test_hostile_page_text_arrives_as_the_characters_it_is() -> None:
    payload = CITY | {"member_name": HOSTILE, "document_title": HOSTILE, "period": "</b>"}
    hostile = event(EventKind.NEW_REPORT, payload, title=HOSTILE, evidence=HOSTILE,
                    url="https://synthetic.example/a?x=%22b%22&y=1")
    text, entities = shown(render_alert(hostile, "en"))  # parses: Telegram would accept it
    assert text.count(HOSTILE) == 3  # headline, context line, evidence: all literal
    assert {entity["type"] for entity in entities} == {"bold", "blockquote", "text_link"}
    assert next(e for e in entities if e["type"] == "text_link")["url"] == "https://synthetic.example/a?x=%22b%22&y=1"
    broken_address = event(EventKind.MEMBER_WITHDRAWN, CITY, url='https://synthetic.example/"><script>')
    text, entities = shown(render_alert(broken_address, "en"))
    assert text.endswith('Source: synthetic.example/"><script>')  # shown, not linked


def test_only_web_addresses_become_links() -> None:
    sneaky = event(EventKind.MEMBER_WITHDRAWN, CITY, url="javascript:alert(1)")
    text, entities = shown(render_alert(sneaky, "en"))
    assert "text_link" not in {entity["type"] for entity in entities}
    assert text.endswith("Source: javascript:alert(1)")


def test_long_evidence_is_trimmed_and_any_alert_fits_one_message() -> None:
    long = event(EventKind.MEMBER_WITHDRAWN, CITY, evidence="word " * 500)
    text, _ = shown(render_alert(long, "en"))
    quote = text.splitlines()[1]
    assert quote.endswith("…") and 300 < len(quote) <= 600
    worst = event(EventKind.NEW_REPORT, {"member_name": "&" * 5000, "document_title": "\"<>" * 3000},
                  title="<" * 500, evidence="&" * 20000, url="https://synthetic.example/" + "&" * 900)
    for language in ("en", "es"):
        html = render_alert(worst, language)
        assert len(html) <= MESSAGE_LIMIT
        shown(html)


def test_a_hostile_alert_is_accepted_by_the_bot_api() -> None:
    hostile = event(EventKind.MEMBER_WITHDRAWN, CITY | {"member_name": HOSTILE}, evidence=HOSTILE)
    html = render_alert(hostile, "en")

    async def send() -> Any:
        with BotApiStandIn("123456:TEST-TOKEN") as standin:
            async with build_bot("123456:TEST-TOKEN", standin.base_url, connections=1) as bot:
                result = await TelegramSender(bot).send(5001, html)
            return result, standin.sent_to(5001)

    result, sent = asyncio.run(send())
    assert result.outcome == SendOutcome.SENT and result.message_id == sent[0].message_id
    assert sent[0].plain_text is not None and sent[0].plain_text.count(HOSTILE) == 2
