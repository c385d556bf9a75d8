"""The chat on Telegram, end to end: the real application polling the Bot API stand-in, users typing and
tapping, and what they would see checked in what the stand-in recorded (and in the database).

Runs on the starter data, on SQLite and PostgreSQL.

It stays one file (about 540 lines): its tests are one walk through the chat sharing the helpers at the
top (buttons, links, what was stored); a split by feature would leave each part a few tests long.
"""

from __future__ import annotations

import importlib.machinery
import logging
import sys
import types
from typing import Any

import pytest
from sqlmodel import Session, select
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.answers import Answer, Source
from bot.engine import ConversationEngine
from bot.texts_tg import USER_COMMANDS, tr
from bot.tg import app as app_module
from bot.tg.app import build_application, file_url_for
from bot.tg.render import TEXT_LIMIT, units
from ogp_watch.settings import Settings
from storage import knowledge, subscriptions
from storage.database import session_scope
from storage.models import Chat, Subscription
from tests.bot.synthetic import add_synthetic_plan
from tests.bot.tg.conftest import ADMIN_ID, BOT_USERNAME, BotHarness, until
from tests.botapi_standin import SentMessage

PRIVATE = 4201
OTHER_PRIVATE = 4202
GROUP = -1001234567890
GROUP_ADMIN = 5001
GROUP_MEMBER = 1001
IN_GROUP: dict[str, Any] = {"chat_type": "supergroup", "chat_title": "Open government watchers"}
REPORT = "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/"
NEWS = ("https://www.opengovpartnership.org/news/"
        "the-government-of-mexico-city-withdraws-from-international-partnership-on-open-government/")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
App = Application  # type: ignore[type-arg]


def buttons(message: SentMessage) -> list[list[tuple[str, str | None]]]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [[(button["text"], button.get("callback_data")) for button in row] for row in rows]


def text_links(message: SentMessage) -> list[str]:
    return [entity["url"] for entity in message.entities if entity["type"] == "text_link"]


def member_id(harness: BotHarness, name: str) -> int:
    with Session(harness.engine) as session:
        member = knowledge.find_member(session, name)
        assert member is not None and member.id is not None
        return member.id


def stored(harness: BotHarness, chat_id: int) -> list[tuple[str, str]]:
    with Session(harness.engine) as session:
        return [(row.kind, row.value) for row in subscriptions.chat_subscriptions(session, chat_id)]


def failed_calls(harness: BotHarness) -> list[str]:
    return [f"{call.method}: {call.error}" for call in harness.standin.calls if call.error]


# -- questions ---------------------------------------------------------------------------------------


def test_questions_get_the_terminal_answer_as_html_with_its_source_linked(bot_harness: BotHarness) -> None:
    questions = ["status of Mexico commitment 9", "¿la Ciudad de México sigue en OGP?"]
    terminal = ConversationEngine(bot_harness.engine)
    expected = [terminal.ask(question) for question in questions]

    async def scenario(app: App) -> list[SentMessage]:
        return [(await bot_harness.send(PRIVATE, question))[0] for question in questions]

    english, spanish = bot_harness.run(scenario)
    assert [english.plain_text, spanish.plain_text] == [answer.text for answer in expected]
    assert english.plain_text.startswith("Mexico, 4th action plan (2019–2021, extended to 31 Aug 2022), commitment 9")
    assert spanish.plain_text.startswith("No. Ciudad de México se retiró de OGP")
    assert (english.parse_mode, text_links(english), text_links(spanish)) == ("HTML", [REPORT], [NEWS])
    mexico, city = member_id(bot_harness, "Mexico"), member_id(bot_harness, "Mexico City")
    assert buttons(english) == [[("🔔 Subscribe to Mexico", f"sub:m:{mexico}")],
                                [("📋 Show all commitments", f"ask:commitments:{mexico}")]]
    assert buttons(spanish) == [[("🔔 Suscribirse a Ciudad de México", f"sub:m:{city}")]]  # no plan: no list
    assert failed_calls(bot_harness) == []


def test_in_a_group_the_bot_answers_only_when_addressed(bot_harness: BotHarness) -> None:
    standin = bot_harness.standin
    question = "status of Mexico commitment 9"

    async def scenario(app: App) -> list[SentMessage]:
        standin.push_text(GROUP, question, **IN_GROUP)
        standin.push_text(GROUP, "/chart@other_bot Mexico", **IN_GROUP)
        standin.push_text(GROUP, "/frobnicate", **IN_GROUP)  # maybe another bot's: not ours to call unknown
        [mentioned] = await bot_harness.send(GROUP, f"@{BOT_USERNAME} {question}", **IN_GROUP)
        bot_message = {"message_id": mentioned.message_id, "from": standin.bot_user, "date": 0,
                       "chat": {"id": GROUP, "type": "supergroup", "title": "Open government watchers"},
                       "text": mentioned.plain_text}
        standin.push_update({"message": {
            "message_id": 900, "date": 0, "text": "is Mexico City still a member?", "reply_to_message": bot_message,
            "from": {"id": GROUP_MEMBER, "is_bot": False, "first_name": "Ana"}, "chat": bot_message["chat"]}})
        await standin.wait_for_sent_async(len(standin.sent) + 1)
        await bot_harness.send(GROUP, f"/frobnicate@{BOT_USERNAME}", **IN_GROUP)
        return standin.sent_to(GROUP)

    mentioned, replied, unknown = bot_harness.run(scenario)
    terminal = ConversationEngine(bot_harness.engine)
    assert mentioned.plain_text == terminal.ask(question).text
    assert replied.plain_text == terminal.ask("is Mexico City still a member?").text
    assert unknown.plain_text == tr("en", "unknown_command")
    first_reply = standin.calls_to("sendMessage")[0].params
    assert first_reply["reply_parameters"]["message_id"] == 4  # quotes the question it answers


def test_a_long_answer_arrives_in_several_messages_each_within_telegrams_limit(make_bot_harness: Any) -> None:
    lines = [f"• Member {n} & <partners> of the OGP Local programme, joined 20{n % 25:02d}: withdrawn."
             for n in range(150)]
    text = "\n".join(lines + [f"Source: OGP news, {NEWS}"])

    class LongAnswers(ConversationEngine):
        def ask(self, question: str) -> Answer:
            return Answer(text, "en", "members_by_status", sources=[Source("OGP news", NEWS)])

    harness = make_bot_harness(conversation=LongAnswers(None))  # type: ignore[arg-type]

    async def scenario(app: App) -> list[SentMessage]:
        await harness.send(PRIVATE, "which members withdrew?")
        await until(lambda: text_links(harness.standin.sent[-1]) == [NEWS], what="the last part")
        return harness.standin.sent_to(PRIVATE)

    messages = harness.run(scenario)
    assert len(messages) >= 3
    assert all(units(m.text or "") <= TEXT_LIMIT and len(m.plain_text or "") <= TEXT_LIMIT for m in messages)
    assert "\n".join(m.plain_text or "" for m in messages) == text
    assert failed_calls(harness) == []


HOSTILE = [
    "<b>",
    "&",
    "a" * 5000,
    "Mex\u200bico\u200b commitment\u200b 9\u202e",
    "\x00\x1b[31mstatus\x1b[0m",
    "/subscribe <script>",
    "/subscribe keyword <b>",
    "/subscribe " + "x" * 5000,
    "/unsubscribe <script>",
    "/lang <script>",
    "/chart <script>alert(1)</script>",
    "/chart " + "🤖" * 2000,
]


def test_hostile_input_gets_a_short_reply_and_stores_nothing(bot_harness: BotHarness) -> None:
    async def scenario(app: App) -> list[SentMessage]:
        return [(await bot_harness.send(PRIVATE, text))[0] for text in HOSTILE]

    replies = bot_harness.run(scenario)
    for text, reply in zip(HOSTILE, replies, strict=True):
        assert reply.plain_text and len(reply.plain_text) < 1500, text[:30]
        assert "Traceback" not in reply.plain_text and "Error" not in reply.plain_text
    assert "“<script>”" in replies[5].plain_text  # echoed as text, not markup
    assert failed_calls(bot_harness) == []
    with Session(bot_harness.engine) as session:
        assert session.exec(select(Chat)).all() == []
        assert session.exec(select(Subscription)).all() == []


# -- commands ----------------------------------------------------------------------------------------


def test_start_help_and_lang_follow_the_chats_language(bot_harness: BotHarness) -> None:
    async def scenario(app: App) -> list[str | None]:
        said, listing = [], None
        for text in ["/start", "/help", "/lang en", "/help", "/lang klingon", "/subscriptions", "/lang español",
                     "/subscribe retiros", "status of Mexico commitment 9", "/subscriptions", "/unsubscribe retiros"]:
            [reply] = await bot_harness.send(PRIVATE, text, language_code="es-MX")
            said.append(reply.plain_text)
            listing = reply if text == "/subscriptions" else listing
        [welcome] = await bot_harness.send(OTHER_PRIVATE, "/start", language_code="en")
        [group_welcome] = await bot_harness.send(GROUP, f"/start@{BOT_USERNAME}", user_id=GROUP_ADMIN,
                                                 language_code=None, **IN_GROUP)
        assert listing is not None
        return [*said, welcome.plain_text, group_welcome.plain_text, buttons(listing)[0][0][0]]

    said = bot_harness.run(scenario)
    assert said[:8] == [
        tr("es", "welcome"), tr("es", "help"), tr("en", "lang_set"), tr("en", "help"), tr("en", "lang_usage"),
        tr("en", "subs_none"), tr("es", "lang_set"),
        "Suscripción hecha: este chat recibirá alertas sobre retiros de miembros.",
    ]
    assert said[8].startswith("Mexico, 4th action plan")  # a question is answered in its own language
    assert said[9:11] == ["Suscripciones de este chat:\n• retiros de miembros (tema)\nToca un botón para quitar una.",
                          "Quitada: retiros de miembros."]
    assert said[11] == tr("en", "welcome")
    assert said[12] == tr("en", "welcome") + "\n\n" + tr("en", "group_note", username=BOT_USERNAME)
    assert said[13] == "✖ retiros de miembros"
    with Session(bot_harness.engine) as session:
        chats = {chat.id: (chat.kind, chat.language) for chat in session.exec(select(Chat))}
    assert chats == {PRIVATE: ("private", "es"), OTHER_PRIVATE: ("private", "en"), GROUP: ("supergroup", "en")}


def test_subscribing_by_member_alias_topic_and_keyword(bot_harness: BotHarness) -> None:
    commands = [
        ("/subscribe Mexico", "Subscribed: this chat will get alerts about Mexico."),
        ("/subscribe méxico", "This chat is already subscribed to Mexico."),
        ("/subscribe CDMX", "Subscribed: this chat will get alerts about Mexico City."),
        ("/subscribe Ciudad de México", "This chat is already subscribed to Mexico City."),
        ("/subscribe reports", "Subscribed: this chat will get alerts about new IRM reports."),
        ("/subscribe informes", "This chat is already subscribed to new IRM reports."),
        ("/subscribe todo", "Subscribed: this chat will get alerts about everything."),
        ("/subscribe keyword fiscal transparency",
         "Subscribed: this chat will get alerts about “fiscal transparency”."),
        ("/subscribe palabra Fiscal Transparency", "This chat is already subscribed to “fiscal transparency”."),
        ("/subscribe Japan", "I have no data on Japan yet, so there is no member to follow. You can follow the "
                              "name as a keyword: /subscribe keyword Japan"),
    ]

    async def scenario(app: App) -> list[str | None]:
        said = [(await bot_harness.send(PRIVATE, command))[0].plain_text for command, _ in commands]
        [usage] = await bot_harness.send(PRIVATE, "/subscribe")
        [unknown] = await bot_harness.send(PRIVATE, "/subscribe Atlantis")
        return [*said, usage.plain_text, unknown.plain_text]

    said = bot_harness.run(scenario)
    assert said[: len(commands)] == [reply for _, reply in commands]
    assert said[-2] == tr("en", "sub_usage")
    assert said[-1] == "I do not know an OGP member called “Atlantis”.\n\n" + tr("en", "sub_usage")
    mexico, city = member_id(bot_harness, "Mexico"), member_id(bot_harness, "Mexico City")
    assert stored(bot_harness, PRIVATE) == [("member", str(mexico)), ("member", str(city)), ("topic", "reports"),
                                            ("topic", "all"), ("keyword", "fiscal transparency")]


def test_subscriptions_list_has_remove_buttons_that_work(bot_harness: BotHarness) -> None:
    standin = bot_harness.standin

    async def scenario(app: App) -> dict[str, Any]:
        for command in ("/subscribe Mexico", "/subscribe reports", "/subscribe keyword trusts"):
            await bot_harness.send(PRIVATE, command)
        [listing] = await bot_harness.send(PRIVATE, "/subscriptions")
        first_remove = buttons(listing)[0][0][1]
        assert first_remove is not None
        answer, [edited] = await bot_harness.press(PRIVATE, PRIVATE, first_remove, message_id=listing.message_id,
                                                   replies=1)
        stale, nothing = await bot_harness.press(PRIVATE, PRIVATE, first_remove, message_id=listing.message_id)
        [by_name] = await bot_harness.send(PRIVATE, "/unsubscribe reports")
        [everything] = await bot_harness.send(PRIVATE, "/unsubscribe all")
        [empty] = await bot_harness.send(PRIVATE, "/subscriptions")
        return {"listing": listing, "answer": answer, "edited": edited, "stale": stale, "nothing": nothing,
                "by_name": by_name, "everything": everything, "empty": empty}

    seen = bot_harness.run(scenario)
    assert seen["listing"].plain_text == ("This chat's subscriptions:\n• Mexico (member)\n• new IRM reports (topic)\n"
                                          "• “trusts” (keyword)\nTap a button below to remove one.")
    assert [label for [(label, _)] in buttons(seen["listing"])] == ["✖ Mexico", "✖ new IRM reports", "✖ “trusts”"]
    assert seen["answer"]["text"] == "Removed: Mexico."
    edited = seen["edited"]
    assert edited.edited and edited.message_id == seen["listing"].message_id
    assert edited.plain_text.startswith("This chat's subscriptions:\n• new IRM reports (topic)\n")
    assert [label for [(label, _)] in buttons(edited)] == ["✖ new IRM reports", "✖ “trusts”"]
    assert seen["stale"]["text"] == "That subscription was already removed." and seen["nothing"] == []
    assert seen["by_name"].plain_text == "Removed: new IRM reports."
    assert seen["everything"].plain_text == "Removed all subscriptions of this chat (1)."
    assert seen["empty"].plain_text == tr("en", "subs_none") and buttons(seen["empty"]) == []
    assert stored(bot_harness, PRIVATE) == []
    assert failed_calls(bot_harness) == []
    assert len(standin.answered_callbacks) == 2


def test_in_a_group_only_admins_change_subscriptions_and_language(bot_harness: BotHarness) -> None:
    standin = bot_harness.standin
    standin.set_chat_admins(GROUP, [GROUP_ADMIN], creator_id=GROUP_ADMIN + 1)
    member = {**IN_GROUP, "user_id": GROUP_MEMBER}

    async def scenario(app: App) -> dict[str, Any]:
        [refused] = await bot_harness.send(GROUP, "/subscribe Mexico", **member)
        [refused_lang] = await bot_harness.send(GROUP, "/lang es", **member)
        admin, creator = {**IN_GROUP, "user_id": GROUP_ADMIN}, {**IN_GROUP, "user_id": GROUP_ADMIN + 1}
        [done] = await bot_harness.send(GROUP, f"/subscribe@{BOT_USERNAME} Mexico", **admin)
        [by_creator] = await bot_harness.send(GROUP, "/subscribe reports", **creator)
        [listing] = await bot_harness.send(GROUP, "/subscriptions", **member)  # reading is for everyone
        remove = buttons(listing)[0][0][1]
        assert remove is not None
        alert, edits = await bot_harness.press(GROUP, GROUP_MEMBER, remove, message_id=listing.message_id,
                                               chat_type="supergroup")
        [refused_unsub] = await bot_harness.send(GROUP, "/unsubscribe all", **member)
        return {"refused": refused, "refused_lang": refused_lang, "done": done, "by_creator": by_creator,
                "alert": alert, "edits": edits, "refused_unsub": refused_unsub}

    seen = bot_harness.run(scenario)
    refusal = tr("en", "admins_only")
    assert [seen[key].plain_text for key in ("refused", "refused_lang", "refused_unsub")] == [refusal] * 3
    assert seen["done"].plain_text == "Subscribed: this chat will get alerts about Mexico."
    assert seen["by_creator"].plain_text == "Subscribed: this chat will get alerts about new IRM reports."
    assert (seen["alert"]["text"], seen["alert"].get("show_alert"), seen["edits"]) == (refusal, True, [])
    assert stored(bot_harness, GROUP) == [("member", str(member_id(bot_harness, "Mexico"))), ("topic", "reports")]
    with Session(bot_harness.engine) as session:
        group = session.get(Chat, GROUP)
        assert group is not None and (group.kind, group.title, group.language) == (
            "supergroup", "Open government watchers", "en")


def test_buttons_under_an_answer_subscribe_and_page_through_commitments(bot_harness: BotHarness) -> None:
    with session_scope(bot_harness.engine) as session:
        synthetic = add_synthetic_plan(session, commitments=25, rated=3)
    mexico = member_id(bot_harness, "Mexico")

    async def scenario(app: App) -> dict[str, Any]:
        [answer] = await bot_harness.send(PRIVATE, "summary of Synthetic Country's action plan")
        subscribed, _ = await bot_harness.press(PRIVATE, PRIVATE, f"sub:m:{synthetic}", message_id=answer.message_id)
        again, _ = await bot_harness.press(PRIVATE, PRIVATE, f"sub:m:{synthetic}", message_id=answer.message_id)
        _, [page_one] = await bot_harness.press(PRIVATE, PRIVATE, f"ask:commitments:{synthetic}",
                                                message_id=answer.message_id, replies=1)
        [(_, next_page)] = buttons(page_one)[0]
        assert next_page is not None
        _, [page_two] = await bot_harness.press(PRIVATE, PRIVATE, next_page, message_id=page_one.message_id,
                                                replies=1)
        # A double tap asks for the page already shown: Telegram says "not modified", the user sees nothing.
        _, unchanged = await bot_harness.press(PRIVATE, PRIVATE, next_page, message_id=page_one.message_id)
        [mexico_answer] = await bot_harness.send(PRIVATE, "estado del compromiso 9 de México")
        _, [mexico_list] = await bot_harness.press(PRIVATE, PRIVATE, f"ask:commitments:{mexico}",
                                                   message_id=mexico_answer.message_id, replies=1)
        return {"answer": answer, "subscribed": subscribed, "again": again, "page_one": page_one,
                "page_two": page_two, "unchanged": unchanged, "mexico_answer": mexico_answer,
                "mexico_list": mexico_list}

    seen = bot_harness.run(scenario)
    assert buttons(seen["answer"]) == [[("🔔 Subscribe to Synthetic Country", f"sub:m:{synthetic}")],
                                       [("📋 Show all commitments", f"ask:commitments:{synthetic}")]]
    assert seen["subscribed"]["text"] == "Subscribed: this chat will get alerts about Synthetic Country."
    assert seen["again"]["text"] == "This chat is already subscribed to Synthetic Country."
    assert stored(bot_harness, PRIVATE) == [("member", str(synthetic))]
    page_one, page_two = seen["page_one"], seen["page_two"]
    assert page_one.plain_text.startswith("Synthetic Country, 2nd action plan (2020–2022): commitments named in my "
                                          "sources (25 of 30):\n• 1 (synthetic topic 1): completion: limited\n")
    assert "• 10 (synthetic topic 10): status not stated\nPage 1 of 3." in page_one.plain_text
    assert buttons(page_one) == [[("Next ›", f"page:2:commitments:{synthetic}")]]
    assert page_two.edited and page_two.message_id == page_one.message_id
    assert "• 11 (synthetic topic 11)" in page_two.plain_text and "Page 2 of 3." in page_two.plain_text
    assert buttons(page_two) == [[("‹ Previous", f"page:1:commitments:{synthetic}"),
                                  ("Next ›", f"page:3:commitments:{synthetic}")]]
    assert seen["unchanged"] == []
    assert buttons(seen["mexico_answer"])[0] == [("🔔 Suscribirse a México", f"sub:m:{mexico}")]
    mexico_list = seen["mexico_list"]
    assert mexico_list.plain_text.startswith("Mexico, 4th action plan (2019–2021, extended to 31 Aug 2022): "
                                             "commitments named in my sources (3 of 13):\n"
                                             "• 1 (open spending): inactive; early results: none evidenced\n")
    assert text_links(mexico_list) == [REPORT] and buttons(mexico_list) == []
    assert [call.error for call in bot_harness.standin.calls if call.error] == [
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the "
        "same as a current content and reply markup of the message"]


def test_chart_sends_a_png_of_the_latest_plan(bot_harness: BotHarness) -> None:
    async def scenario(app: App) -> list[SentMessage]:
        replies = []
        for text, language in [("/chart Mexico", "en"), ("/chart méxico", "es"), ("/chart CDMX", "en"),
                               ("/chart", "en"), ("/chart Japan", "en"), ("/chart Atlantis", "en")]:
            replies += await bot_harness.send(PRIVATE if language == "en" else OTHER_PRIVATE, text,
                                              language_code=language)
        return replies

    english, spanish, city, usage, brazil, unknown = bot_harness.run(scenario)
    for photo in (english, spanish):
        assert photo.method == "sendPhoto" and photo.photo is not None
        assert photo.photo.startswith(PNG_SIGNATURE) and len(photo.photo) > 5_000
        width, height = int.from_bytes(photo.photo[16:20], "big"), int.from_bytes(photo.photo[20:24], "big")
        assert width == 1000 and 300 < height < 800
        assert text_links(photo) == [REPORT]
    assert english.plain_text == ("Mexico - action plan 4 (2019-2021). Source: IRM “Mexico Results Report 2019-2022”, "
                                  f"{REPORT}")
    assert spanish.plain_text is not None and spanish.plain_text.startswith("México - plan de acción 4 (2019-2021). "
                                                                            "Fuente: IRM")
    assert city.plain_text == "I have no action plan data for Mexico City yet."
    assert usage.plain_text == tr("en", "chart_usage")
    assert brazil.plain_text == "I have no data on Japan yet."
    assert unknown.plain_text == "I do not know an OGP member called “Atlantis”.\n" + tr("en", "chart_usage")


def test_unknown_commands_get_a_pointer_to_help(bot_harness: BotHarness) -> None:
    async def scenario(app: App) -> list[SentMessage]:
        return [*await bot_harness.send(PRIVATE, "/frobnicate"),
                *await bot_harness.send(OTHER_PRIVATE, "/nada", language_code="es")]

    english, spanish = bot_harness.run(scenario)
    assert (english.plain_text, spanish.plain_text) == (tr("en", "unknown_command"), tr("es", "unknown_command"))


# -- buttons that were never ours -------------------------------------------------------------------------


def test_forged_button_data_changes_nothing(bot_harness: BotHarness) -> None:
    forged = ["sub:m:999999", "ask:commitments:999999", "unsub:abc", "unsub:1 OR 1=1", "page:0:commitments:1",
              "unsub:99999999999999999999", "sub:m:-1", "x" * 64, "ünsub:1", "sub:m:1:extra"]

    async def scenario(app: App) -> dict[str, Any]:
        await bot_harness.send(PRIVATE, "/subscribe reports")
        [theirs] = subscriptions_of(bot_harness, PRIVATE)
        [help_message] = await bot_harness.send(OTHER_PRIVATE, "/help")
        other_chat, edits = await bot_harness.press(OTHER_PRIVATE, OTHER_PRIVATE, f"unsub:{theirs}",
                                                    message_id=help_message.message_id)
        answers = [(await bot_harness.press(OTHER_PRIVATE, OTHER_PRIVATE, data,
                                            message_id=help_message.message_id))[0]["text"] for data in forged]
        return {"other_chat": other_chat["text"], "edits": edits, "answers": answers}

    seen = bot_harness.run(scenario)
    assert seen["other_chat"] == "That subscription was already removed." and seen["edits"] == []
    assert seen["answers"] == [tr("en", "button_gone")] * len(forged)
    assert stored(bot_harness, PRIVATE) == [("topic", "reports")]
    assert stored(bot_harness, OTHER_PRIVATE) == []
    assert [m.chat_id for m in bot_harness.standin.sent] == [PRIVATE, OTHER_PRIVATE]  # no apologies, no edits
    assert failed_calls(bot_harness) == []


def subscriptions_of(harness: BotHarness, chat_id: int) -> list[int]:
    with Session(harness.engine) as session:
        return [row.id or 0 for row in subscriptions.chat_subscriptions(session, chat_id)]


# -- the application ------------------------------------------------------------------------------------


def test_command_menus_are_set_in_english_and_spanish(bot_harness: BotHarness) -> None:
    async def scenario(app: App) -> None:
        await bot_harness.send(PRIVATE, "/help")

    bot_harness.run(scenario)
    menus = bot_harness.standin.my_commands
    assert set(menus) == {("default", ""), ("default", "es"), (f"chat:{ADMIN_ID}", ""), (f"chat:{ADMIN_ID}", "es")}
    assert [c["command"] for c in menus[("default", "")]] == list(USER_COMMANDS)
    assert [c["command"] for c in menus[("default", "es")]] == list(USER_COMMANDS)
    assert menus[("default", "")][3]["description"] == "Alerts: /subscribe Mexico, reports, keyword WORDS"
    assert menus[("default", "es")][3]["description"] == "Alertas: /subscribe México, informes, palabra PALABRAS"
    # The admin's own chat lists the admin commands after everyone's, in both languages.
    admin_menu = [c["command"] for c in menus[(f"chat:{ADMIN_ID}", "")]]
    assert admin_menu[: len(USER_COMMANDS)] == list(USER_COMMANDS)
    assert {"source_add", "sources", "check", "stats", "export"} <= set(admin_menu)
    assert [c["command"] for c in menus[(f"chat:{ADMIN_ID}", "es")]] == admin_menu


def test_a_failure_is_logged_without_the_token_and_the_user_gets_an_apology(
    bot_harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    standin = bot_harness.standin
    token = standin.token
    standin.fail_next("sendPhoto", error_code=500, description=f"Internal Server Error: upstream bot{token} failed")

    async def scenario(app: App) -> list[SentMessage]:
        with caplog.at_level(logging.INFO, logger="bot"):
            return [*await bot_harness.send(PRIVATE, "/chart Mexico", language_code="es"),
                    *await bot_harness.send(PRIVATE, "/chart Mexico")]

    apology, chart = bot_harness.run(scenario)
    assert apology.plain_text == tr("es", "apology")
    assert chart.method == "sendPhoto"  # the bot carries on
    ours = [record for record in caplog.records if record.name.startswith("bot.")]
    assert [record.levelname for record in ours] == ["ERROR"]
    assert "handling update" in ours[0].getMessage() and "NetworkError" in ours[0].getMessage()
    assert token not in caplog.text and "<token>" in ours[0].getMessage()


def test_admin_commands_join_when_their_module_is_there(make_bot_harness: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("2 sources")

    module = types.ModuleType("fake_admin_commands")
    module.__spec__ = importlib.machinery.ModuleSpec("fake_admin_commands", None)
    module.register = lambda application: application.add_handler(CommandHandler("sources", sources), group=3)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_admin_commands", module)
    monkeypatch.setattr(app_module, "ADMIN_MODULE", "fake_admin_commands")
    harness = make_bot_harness()

    async def scenario(app: App) -> list[SentMessage]:
        await harness.send(PRIVATE, "/sources")
        await harness.send(PRIVATE, "/nosuchthing")
        return harness.standin.sent_to(PRIVATE)

    # Registered in another handler group, /sources is still no "unknown command".
    assert [m.plain_text for m in harness.run(scenario)] == ["2 sources", tr("en", "unknown_command")]
    monkeypatch.setattr(app_module, "ADMIN_MODULE", "bot.tg.no_such_admin_module")
    assert build_application(harness.services.settings, harness.services) is not None


def test_the_application_needs_a_token_and_finds_the_file_url() -> None:
    with pytest.raises(ValueError, match="OGP_WATCH_TELEGRAM_TOKEN"):
        build_application(Settings(_env_file=None, telegram_token=None), None)  # type: ignore[arg-type,call-arg]
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"
    assert file_url_for("http://127.0.0.1:8081/custom") is None


# -- the bot blocked or removed ---------------------------------------------------------------------------


def _membership(chat: dict[str, Any], user_id: int, old: str, new: str, update_id: int) -> dict[str, Any]:
    bot = {"id": 123456, "is_bot": True, "first_name": "OGP Watch Test", "username": BOT_USERNAME}
    return {"update_id": update_id, "my_chat_member": {
        "chat": chat, "from": {"id": user_id, "is_bot": False, "first_name": "Ana"}, "date": 0,
        "old_chat_member": {"user": bot, "status": old, **({"until_date": 0} if old == "kicked" else {})},
        "new_chat_member": {"user": bot, "status": new, **({"until_date": 0} if new == "kicked" else {})},
    }}


def test_a_chat_that_blocks_the_bot_gets_no_alerts_until_it_comes_back(bot_harness: BotHarness) -> None:
    """Telegram's my_chat_member update stops alerts at once, not at the next refused send; the chat's
    subscriptions are kept for when it unblocks the bot."""
    standin = bot_harness.standin
    private = {"id": PRIVATE, "type": "private", "first_name": "Ana"}

    def active() -> bool | None:
        with Session(bot_harness.engine) as session:
            chat = session.get(Chat, PRIVATE)
            return None if chat is None else chat.active

    async def scenario(app: App) -> tuple[bool | None, bool | None, int]:
        await bot_harness.send(PRIVATE, "/subscribe Mexico")
        standin.push_update(_membership(private, PRIVATE, "member", "kicked", 9001))
        await until(lambda: active() is False)
        blocked = active()
        standin.push_update(_membership(private, PRIVATE, "kicked", "member", 9002))
        await until(lambda: active() is True)
        with Session(bot_harness.engine) as session:
            kept = len(subscriptions.chat_subscriptions(session, PRIVATE))
        return blocked, active(), kept

    blocked, back, kept = bot_harness.run(scenario)
    assert (blocked, back, kept) == (False, True, 1)
    with Session(bot_harness.engine) as session:
        assert session.get(Chat, PRIVATE).inactive_reason is None  # type: ignore[union-attr]
