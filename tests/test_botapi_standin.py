"""The Bot API stand-in, driven by the real python-telegram-bot.

These tests pin what the bot's own tests rely on: PTB can initialise, poll, reply, edit and answer against
the stand-in; Telegram's refusals reach PTB as the same exception classes; and what the bot did is recorded
where the tests look for it. pytest-asyncio is not installed, so each test runs its coroutine with
``asyncio.run``; the stand-in's blocking waits are never called on the bot's event loop.

It stays one file (about 500 lines): it is the stand-in's contract with PTB, read as a whole when the
stand-in changes; its helpers (``build_app``, ``polling``) serve every test.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.botapi_standin import BotApiStandIn, check_markdown_v2, parse_html

# The smallest valid PNG (1x1, one grey pixel): the stand-in reads width and height from its header.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63600000000200015d0f5d0e0000000049454e44ae426082"
)
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as server:
        yield server


def build_app(standin: BotApiStandIn, token: str | None = None) -> Application:
    return (
        Application.builder()
        .token(token or standin.token)
        .base_url(standin.base_url)
        .base_file_url(standin.base_file_url)
        .build()
    )


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Start and stop in the one order PTB accepts (see the shared notes)."""
    async with app:
        await app.updater.start_polling(poll_interval=0)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"echo: {update.message.text}")


# -- polling, handlers, updates ------------------------------------------------------------------------------


def test_an_echo_handler_replies_through_polling(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        async with polling(app):
            standin.push_text(42, "hello there")
            await standin.wait_for_sent_async(1)

    asyncio.run(scenario())

    [reply] = standin.sent_to(42)
    assert (reply.method, reply.text, reply.plain_text, reply.edited) == ("sendMessage", "echo: hello there",
                                                                         "echo: hello there", False)
    assert reply.message_id == 2  # the user's message was 1: ids grow per chat, shared by both sides
    methods = [call.method for call in standin.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]  # initialize(), then start_polling()
    assert standin.calls_to("getUpdates")[-1].params == {"offset": 2, "timeout": 0}  # stop() acknowledges


def test_a_command_in_a_group_with_the_bot_username_reaches_its_handler(standin: BotApiStandIn) -> None:
    seen: list[tuple[str, list[str], int]] = []

    async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_chat is not None
        seen.append((update.effective_chat.type, list(context.args or []), update.effective_user.id))
        await update.effective_message.reply_text("all quiet")

    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(CommandHandler("status", status))
        async with polling(app):
            standin.push_text(-1001234567890, "/status@other_bot", chat_type="supergroup", user_id=7)
            standin.push_text(-1001234567890, "/status@ogp_watch_test_bot Mexico City", chat_type="supergroup",
                              user_id=7)
            await standin.wait_for_sent_async(1)

    asyncio.run(scenario())

    assert seen == [("supergroup", ["Mexico", "City"], 7)]  # PTB ignores commands addressed to another bot
    assert [m.text for m in standin.sent_to(-1001234567890)] == ["all quiet"]
    update = standin.calls_to("getUpdates")[0]
    assert update.status == 200


def test_a_callback_query_is_answered_and_its_message_edited(standin: BotApiStandIn) -> None:
    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer(f"chose {query.data}")
        await query.edit_message_text(f"You chose {query.data}")

    async def scenario() -> None:
        app = build_app(standin)
        app.add_handler(CallbackQueryHandler(tapped))
        async with polling(app):
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Mexico", callback_data="country:MX")]])
            sent = await app.bot.send_message(42, "Pick a country", reply_markup=keyboard)
            standin.push_callback(42, 42, "country:MX", message_id=sent.message_id, language_code="es")
            await standin.wait_for_sent_async(2)

    asyncio.run(scenario())

    assert [(a["text"], a["callback_query_id"] is not None) for a in standin.answered_callbacks] == [
        ("chose country:MX", True)
    ]
    original, edit = standin.sent_to(42)
    assert edit.edited and edit.message_id == original.message_id and edit.text == "You chose country:MX"
    assert edit.reply_markup is None  # an edit without reply_markup removes the keyboard, as on Telegram


def test_updates_acknowledged_by_offset_are_not_redelivered_after_a_restart(standin: BotApiStandIn) -> None:
    handled: list[str] = []

    async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        handled.append(update.message.text)
        await update.message.reply_text("ok")

    async def run_once(*texts: str, expected_sent: int) -> None:
        app = build_app(standin)
        app.add_handler(MessageHandler(filters.TEXT, remember))
        async with polling(app):
            for text in texts:
                standin.push_text(42, text)
            await standin.wait_for_sent_async(expected_sent)

    asyncio.run(run_once("first", "second", expected_sent=2))
    asyncio.run(run_once("third", expected_sent=3))

    assert handled == ["first", "second", "third"]
    assert len(standin.sent) == 3


def test_get_updates_semantics(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        app = build_app(standin)
        async with app:
            first = standin.push_text(1, "a")
            standin.push_text(1, "b")
            standin.push_update({"update_id": 500, "message": {"message_id": 9, "date": 0, "chat": {"id": 1, "type":
                                 "private"}, "text": "forged"}})
            assert [u.update_id for u in await app.bot.get_updates()] == [first, first + 1, 500]
            assert [u.update_id for u in await app.bot.get_updates(offset=first + 1, limit=1)] == [first + 1]
            assert [u.update_id for u in await app.bot.get_updates()] == [first + 1, 500]  # confirmed: gone
            assert await app.bot.get_updates(offset=501, timeout=1) == ()  # long poll, cut short
            assert standin.push_text(1, "c") == 501

    asyncio.run(scenario())


# -- sending and its validation ------------------------------------------------------------------------------


def test_html_and_an_inline_keyboard_are_recorded_as_sent(standin: BotApiStandIn) -> None:
    async def scenario() -> Any:
        async with build_app(standin) as app:
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton("Details", callback_data="d:1"),
                  InlineKeyboardButton("Site", url="https://www.opengovpartnership.org/")]]
            )
            return await app.bot.send_message(
                -100200, '<b>Mexico</b> &amp; <a href="https://example.org/x?a=1&amp;b=2">report</a> 🇲🇽 <i>new</i>',
                parse_mode=ParseMode.HTML, reply_markup=keyboard,
            )

    message = asyncio.run(scenario())

    [sent] = standin.sent
    assert sent.parse_mode == "HTML"
    assert sent.text.startswith("<b>Mexico</b> &amp;")
    assert sent.plain_text == "Mexico & report 🇲🇽 new"
    assert sent.reply_markup == {
        "inline_keyboard": [[{"text": "Details", "callback_data": "d:1"},
                             {"text": "Site", "url": "https://www.opengovpartnership.org/"}]]
    }
    # PTB parsed the answer: entities in UTF-16 units (the flag is two astral characters, four units)
    assert message.text == sent.plain_text
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 6), ("text_link", 9, 6),
                                                                        ("italic", 21, 3)]
    assert message.entities[1].url == "https://example.org/x?a=1&b=2"
    assert message.text_html == "<b>Mexico</b> &amp; <a href=\"https://example.org/x?a=1&b=2\">report</a> 🇲🇽 <i>new</i>"
    assert message.chat.type == "group" and message.from_user is not None and message.from_user.is_bot


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<p>Hello</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("é</b>", "Unexpected end tag at byte offset 2"),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=>x</a>", 'Expected quote in declaration of an attribute of the tag "a" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_bad_html_is_refused_in_telegrams_words(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_html(text)
    assert str(caught.value) == reason


def test_good_html_parses_like_telegram() -> None:
    assert parse_html("a &lt;b&gt; &nbsp; &#127474;&#x1F1FD;") == ("a <b> &nbsp; 🇲🇽", [])
    plain, entities = parse_html('<pre><code class="language-python">x = 1</code></pre><tg-spoiler>s</tg-spoiler>')
    assert plain == "x = 1s"
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"},
                        {"type": "spoiler", "offset": 5, "length": 1}]
    assert parse_html("<blockquote expandable>q</blockquote>")[1][0]["type"] == "expandable_blockquote"
    check_markdown_v2(r"*bold* \. `a.b` [x](https://e.org/a.b)")
    with pytest.raises(ValueError, match="Character '.' is reserved"):
        check_markdown_v2("Version 1.2")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter.retry_after's type
def test_telegrams_refusals_reach_ptb_as_its_exceptions(standin: BotApiStandIn) -> None:
    async def refusal(coroutine: Any) -> Exception:
        try:
            await coroutine
        except Exception as exc:  # the test wants the exception itself
            return exc
        raise AssertionError("expected a refusal")

    async def scenario() -> dict[str, Exception]:
        async with build_app(standin) as app:
            bot = app.bot
            standin.fail_next("sendMessage", error_code=429, retry_after=1)
            standin.fail_next("sendMessage", error_code=500, chat_id=2)
            standin.fail_next("sendMessage", error_code=502)
            standin.block_chat(3)
            standin.block_chat(-400)
            return {
                "429": await refusal(bot.send_message(1, "x")),
                "500": await refusal(bot.send_message(2, "x")),
                "502": await refusal(bot.send_message(1, "x")),
                "blocked": await refusal(bot.send_message(3, "x")),
                "kicked": await refusal(bot.send_message(-400, "x")),
                "html": await refusal(bot.send_message(1, "<p>x</p>", parse_mode="HTML")),
                "empty": await refusal(bot.send_message(1, "<b> </b>", parse_mode="HTML")),
                "long": await refusal(bot.send_message(1, "x" * 4097)),
                "caption": await refusal(bot.send_photo(1, PNG_1X1, caption="x" * 1025)),
                "data": await refusal(bot.send_message(1, "x", reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("b", callback_data="d" * 65)]]))),
                "unknown method": await refusal(bot.do_api_request("sendTelepathy")),
                "after": await bot.send_message(1, "x" * 4096),  # type: ignore[dict-item]
            }

    errors = asyncio.run(scenario())

    assert type(errors["429"]) is RetryAfter
    assert errors["429"].retry_after in (1, timedelta(seconds=1))  # int today, timedelta after PTB's switch
    assert type(errors["500"]) is NetworkError and "Internal Server Error" in str(errors["500"])
    assert type(errors["502"]) is NetworkError  # BadRequest subclasses NetworkError: hence "type(...) is"
    assert type(errors["blocked"]) is Forbidden and str(errors["blocked"]) == "Forbidden: bot was blocked by the user"
    assert str(errors["kicked"]) == "Forbidden: bot was kicked from the group chat"
    assert type(errors["html"]) is BadRequest
    assert str(errors["html"]) == "Can't parse entities: unsupported start tag \"p\" at byte offset 0"
    assert str(errors["empty"]) == "Message text is empty"
    assert str(errors["long"]) == "Message is too long"
    assert str(errors["caption"]) == "Message caption is too long"
    assert str(errors["data"]) == "Button_data_invalid"
    # do_api_request turns a 404 into EndPointNotFound; Bot's own methods turn any 404 into InvalidToken
    assert type(errors["unknown method"]) is EndPointNotFound
    assert len(standin.sent) == 1
    failed = [(call.method, call.status) for call in standin.calls if call.error]
    assert failed[:5] == [("sendMessage", 429), ("sendMessage", 500), ("sendMessage", 502), ("sendMessage", 403),
                          ("sendMessage", 403)]


def test_editing_to_the_same_content_is_not_modified(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        async with build_app(standin) as app:
            sent = await app.bot.send_message(5, "<b>v1</b>", parse_mode="HTML")
            with pytest.raises(BadRequest, match="Message is not modified"):
                await app.bot.edit_message_text("<b>v1</b>", chat_id=5, message_id=sent.message_id,
                                                parse_mode="HTML")
            edited = await app.bot.edit_message_text("v1", chat_id=5, message_id=sent.message_id)
            assert edited.text == "v1" and edited.edit_date is not None  # bold gone: that is a change
            with pytest.raises(BadRequest, match="Message to edit not found"):
                await app.bot.edit_message_text("x", chat_id=5, message_id=99)

    asyncio.run(scenario())
    assert [(m.method, m.edited) for m in standin.sent] == [("sendMessage", False), ("editMessageText", True)]


def test_a_photo_upload_is_recorded_with_its_bytes(standin: BotApiStandIn) -> None:
    async def scenario() -> Any:
        async with build_app(standin) as app:
            with pytest.raises(BadRequest, match="Image_process_failed"):
                await app.bot.send_photo(9, b"not an image")
            message = await app.bot.send_photo(9, PNG_1X1, caption="<b>Chart</b>", parse_mode="HTML")
            again = await app.bot.send_photo(9, message.photo[-1].file_id)  # re-send by file_id
            downloaded = await (await app.bot.get_file(message.photo[-1].file_id)).download_as_bytearray()
            document = await app.bot.send_document(9, b"a,b\n1,2\n", filename="members.csv")
            return message, again, bytes(downloaded), document

    message, again, downloaded, document = asyncio.run(scenario())

    photo, resent, sent_document = standin.sent_to(9)
    assert (photo.method, photo.photo, photo.text, photo.plain_text) == ("sendPhoto", PNG_1X1, "<b>Chart</b>",
                                                                         "Chart")
    assert (message.photo[-1].width, message.photo[-1].height, message.caption) == (1, 1, "Chart")
    assert resent.photo == PNG_1X1 and again.photo[-1].file_id == message.photo[-1].file_id
    assert downloaded == PNG_1X1  # getFile + base_file_url serve the upload back
    assert (sent_document.document, sent_document.filename) == (b"a,b\n1,2\n", "members.csv")
    assert document.document.file_name == "members.csv"


def test_many_concurrent_sends_get_increasing_ids_per_chat(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        async with build_app(standin) as app:
            await asyncio.gather(*(app.bot.send_message(100 + i % 4, f"n{i}") for i in range(200)))

    asyncio.run(scenario())
    assert len(standin.sent) == 200
    for chat in range(100, 104):
        ids = [m.message_id for m in standin.sent_to(chat)]
        assert ids == list(range(1, 51))  # recorded in the order the ids were given


# -- settings and chat queries --------------------------------------------------------------------------------


def test_commands_are_kept_per_scope_and_language(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        async with build_app(standin) as app:
            await app.bot.set_my_commands([BotCommand("start", "Start"), BotCommand("watch", "Watch a country")])
            await app.bot.set_my_commands([BotCommand("start", "Empezar")], language_code="es")
            assert [c.description for c in await app.bot.get_my_commands(language_code="es")] == ["Empezar"]
            assert await app.bot.get_my_commands(language_code="fr") == ()  # no fallback, as on Telegram
            with pytest.raises(BadRequest, match="Bot_command_invalid"):
                await app.bot.set_my_commands([BotCommand("Start", "Capitalised")])
            await app.bot.delete_my_commands()

    asyncio.run(scenario())
    assert standin.my_commands == {("default", "es"): [{"command": "start", "description": "Empezar"}]}


def test_chat_members_and_administrators(standin: BotApiStandIn) -> None:
    standin.set_chat_admins(-500, [7, 8], creator_id=7)
    standin.push_text(-500, "hi", chat_type="group", user_id=9)

    async def scenario() -> None:
        async with build_app(standin) as app:
            assert (await app.bot.get_chat_member(-500, 7)).status == "creator"
            assert (await app.bot.get_chat_member(-500, 8)).status == "administrator"
            assert (await app.bot.get_chat_member(-500, 9)).status == "member"
            assert [m.user.id for m in await app.bot.get_chat_administrators(-500)] == [7, 8]
            chat = await app.bot.get_chat(-500)
            assert (chat.type, chat.title) == ("group", "Test group -500")
            await app.bot.send_chat_action(-500, "typing")

    asyncio.run(scenario())


def test_a_wrong_token_fails_initialize(standin: BotApiStandIn) -> None:
    async def scenario() -> None:
        app = build_app(standin, token="999:WRONG")
        with pytest.raises(InvalidToken):
            await app.initialize()

    asyncio.run(scenario())
    assert (standin.calls[0].method, standin.calls[0].status) == ("getMe", 401)


# -- webhook ------------------------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str | None, dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def test_a_webhook_receives_pushed_updates_with_the_secret(standin: BotApiStandIn) -> None:
    _Receiver.received = []
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    try:

        async def scenario() -> None:
            async with build_app(standin) as app:
                await app.bot.set_webhook(url, secret_token="s3cret_token")
                info = await app.bot.get_webhook_info()
                assert info.url == url
                with pytest.raises(Conflict):
                    await app.bot.get_updates()

        asyncio.run(scenario())
        update_id = standin.push_text(42, "/start")
        [delivery] = standin.wait_for_webhook_deliveries(1)
    finally:
        receiver.shutdown()
        receiver.server_close()

    assert (delivery.update_id, delivery.status) == (update_id, 200)
    [(secret, update)] = _Receiver.received
    assert secret == "s3cret_token"
    assert update["message"]["text"] == "/start"
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert standin.webhook is not None and standin.webhook["secret_token"] == "s3cret_token"


# -- the helpers themselves ----------------------------------------------------------------------------------


def test_wait_for_sent_says_what_happened_instead(standin: BotApiStandIn) -> None:
    with pytest.raises(TimeoutError, match=r"waited 0.05s for 1 sent message\(s\); sent so far: 0"):
        standin.wait_for_sent(1, timeout=0.05)
    with pytest.raises(ValueError, match="no message 1 sent by the bot"):
        standin.push_callback(1, 1, "x", message_id=1)


def test_runs_as_a_separate_process_scripted_over_http() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.botapi_standin", "--port", "0", "--token", "123:ABC"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/bot")
        control = base_url.removesuffix("/bot") + "/_standin"

        def post(url: str, payload: dict[str, Any]) -> Any:
            request = urllib.request.Request(url, json.dumps(payload).encode(),
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.load(response)["result"]

        assert post(f"{control}/push_text", {"chat_id": 5, "text": "hi"}) == 1
        assert post(f"{base_url}123:ABC/getUpdates", {})[0]["message"]["text"] == "hi"
        post(f"{base_url}123:ABC/sendMessage", {"chat_id": 5, "text": "hello"})
        with urllib.request.urlopen(f"{control}/sent?chat_id=5", timeout=5) as response:
            [sent] = json.load(response)["result"]
        assert (sent["text"], sent["message_id"]) == ("hello", 2)
    finally:
        process.terminate()
        process.wait(timeout=5)
