"""/export through the real python-telegram-bot and the Bot API stand-in: an admin gets the file as a document
(sendDocument), anyone else is refused, a too-large export is explained, and the texts follow the language."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from telegram.ext import Application

from bot.tg import admin
from storage import sources
from storage.database import session_scope
from storage.models import Event, EventKind, SourceKind
from storage.subscriptions import ensure_chat
from tests.bot.tg.conftest import ADMIN_ID, BotHarness
from tests.storage.exchange import synthetic

STRANGER = 4711
FILENAME = re.compile(r"ogp-watch-(members|commitments|events|sources)-\d{8}-\d{4}\.(csv|json)")


def test_an_admin_gets_each_export_as_a_document(bot_harness: BotHarness) -> None:
    with session_scope(bot_harness.engine) as session:
        sources.add_source(session, url=f"{synthetic.SYNTHETIC_BASE}feed/", kind=SourceKind.FEED,
                           label="=synthetic()", interval_seconds=3600, added_by="test")

    async def scenario(app: Application) -> None:  # type: ignore[type-arg]
        [members] = await bot_harness.send(ADMIN_ID, "/export members", user_id=ADMIN_ID)
        assert members.method == "sendDocument" and members.chat_id == ADMIN_ID
        assert members.filename is not None and FILENAME.fullmatch(members.filename)
        assert members.filename.endswith(".csv") and members.document is not None
        rows = list(csv.DictReader(io.StringIO(members.document.decode("utf-8"), newline="")))
        assert {row["name_en"]: row["status"] for row in rows}["Mexico City"] == "withdrawn"
        assert members.plain_text == f"OGP Watch members: {len(rows)} rows, CSV. Columns: docs/data-exchange.md"

        [commitments] = await bot_harness.send(ADMIN_ID, "/export Commitments JSON", user_id=ADMIN_ID)
        assert commitments.filename is not None and commitments.filename.endswith(".json")
        assert commitments.document is not None
        listed = json.loads(commitments.document)
        assert listed and all(row["source_url"] and row["evidence"] for row in listed)

        [feeds] = await bot_harness.send(ADMIN_ID, "/export sources", user_id=ADMIN_ID)
        assert feeds.document is not None and "'=synthetic()" in feeds.document.decode("utf-8")
        assert feeds.plain_text == "OGP Watch sources: 1 row, CSV. Columns: docs/data-exchange.md"

    bot_harness.run(scenario)
    assert [call.params.get("action") for call in bot_harness.standin.calls_to("sendChatAction")] == [
        "upload_document"] * 3


def test_anyone_else_is_refused_and_gets_no_file(bot_harness: BotHarness) -> None:
    async def scenario(app: Application) -> None:  # type: ignore[type-arg]
        for chat_id, chat_type in ((STRANGER, "private"), (-100123, "group")):
            [refusal] = await bot_harness.send(chat_id, "/export members", user_id=STRANGER, chat_type=chat_type)
            assert (refusal.method, refusal.plain_text) == ("sendMessage", "This command is for OGP Watch admins.")

    bot_harness.run(scenario)
    assert not [m for m in bot_harness.standin.sent if m.method == "sendDocument"]


@pytest.mark.parametrize("command", ["/export", "/export everything", "/export members xml", "/export members csv x"])
def test_wrong_usage_gets_the_usage_line(bot_harness: BotHarness, command: str) -> None:
    async def scenario(app: Application) -> None:  # type: ignore[type-arg]
        [reply] = await bot_harness.send(ADMIN_ID, command, user_id=ADMIN_ID)
        assert reply.plain_text == "Usage: /export members|commitments|events|sources [csv|json]"

    bot_harness.run(scenario)


def test_a_too_large_export_is_explained_instead_of_sent(bot_harness: BotHarness,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin, "TELEGRAM_DOCUMENT_LIMIT", 1_000_000)  # shown in MB: 1
    with session_scope(bot_harness.engine) as session:
        for number in range(3):  # 1.5 MB of synthetic evidence
            session.add(Event(key=f"synthetic-{number}", kind=EventKind.NEW_REPORT, title="Synthetic event",
                              url=f"{synthetic.SYNTHETIC_BASE}{number}/", evidence="Synthetic. " * 50_000))

    async def scenario(app: Application) -> None:  # type: ignore[type-arg]
        [reply] = await bot_harness.send(ADMIN_ID, "/export events json", user_id=ADMIN_ID, timeout=60)
        assert reply.method == "sendMessage"
        assert reply.plain_text == ("The events export is larger than 1 MB, the most a bot may send. On the server, "
                                    "ogp-watch export events --format json --output FILE writes it.")

    bot_harness.run(scenario)


def test_spanish_chats_get_spanish_texts_and_spanish_kind_words(bot_harness: BotHarness) -> None:
    with session_scope(bot_harness.engine) as session:
        ensure_chat(session, ADMIN_ID, language="es")

    async def scenario(app: Application) -> None:  # type: ignore[type-arg]
        [document] = await bot_harness.send(ADMIN_ID, "/export miembros json", user_id=ADMIN_ID)
        assert document.document is not None
        count = len(json.loads(document.document))
        assert document.plain_text == f"OGP Watch, miembros: {count} filas, JSON. Columnas: docs/data-exchange.md"
        [usage] = await bot_harness.send(ADMIN_ID, "/export todo", user_id=ADMIN_ID)
        assert usage.plain_text is not None and usage.plain_text.startswith("Uso: /export members|commitments")

    bot_harness.run(scenario)
