"""The chat on Telegram: commands, questions and button presses.

Each handler is a thin step from an update to the Telegram-free conversation code and back. That code
reads and writes the database, so it runs in a worker thread (``asyncio.to_thread``) and the bot keeps
polling meanwhile. Groups get answers only when they address the bot (a mention or a reply to it), and
only a group's admins change what it subscribes to or its language.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlmodel import Session
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram import Chat as TelegramChat
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.answers import Answer
from bot.chart import PlanChart, plan_chart, plan_chart_png
from bot.commitment_list import commitment_page
from bot.member_index import MemberIndex
from bot.member_lookup import UnknownPlace, answer_member, clean_argument, lookup_member, member_name
from bot.messages import say
from bot.subscription_requests import (
    ChatRef,
    list_subscriptions,
    remove_subscription,
    subscribe_chat,
    subscribe_member,
    unsubscribe_chat,
)
from bot.texts_tg import LANGUAGE_WORDS, language_of, tr
from bot.tg.keyboards import (
    CommitmentsPage,
    RemoveSubscription,
    ShowCommitments,
    SubscribeMember,
    answer_keyboard,
    page_keyboard,
    read_callback,
    removal_keyboard,
)
from bot.tg.render import CAPTION_LIMIT, render_answer, render_text
from bot.tg.services import BotServices, services_of
from storage import subscriptions
from storage.database import run_transaction
from storage.models import Chat
from storage.names import normalize

log = logging.getLogger(__name__)

INDEX_KEY = "ogp_watch_member_index"
FALLBACK_GROUP = 1
"""The unknown-command reply runs after every other handler group and stays quiet for any command some
handler knows, so admin commands registered elsewhere, in any group, are never called unknown."""

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NEW_MESSAGES = filters.UpdateType.MESSAGE
"""Edited messages are not answered again."""

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE


def register(application: Application) -> None:
    """Add the chat's handlers; ``build_application`` calls it before the admin commands are added."""
    application.bot_data.setdefault(INDEX_KEY, MemberIndex())
    text = NEW_MESSAGES & filters.TEXT & ~filters.COMMAND
    application.add_handlers([
        CommandHandler("start", start, filters=NEW_MESSAGES),
        CommandHandler("help", help_command, filters=NEW_MESSAGES),
        CommandHandler("lang", lang, filters=NEW_MESSAGES),
        CommandHandler("subscribe", subscribe, filters=NEW_MESSAGES),
        CommandHandler("subscriptions", list_command, filters=NEW_MESSAGES),
        CommandHandler("unsubscribe", unsubscribe, filters=NEW_MESSAGES),
        CommandHandler("chart", chart, filters=NEW_MESSAGES),
        MessageHandler(text & filters.ChatType.PRIVATE, private_question),
        MessageHandler(text & filters.ChatType.GROUPS, group_question),
        CallbackQueryHandler(button),
        ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    ])
    application.add_handler(MessageHandler(NEW_MESSAGES & filters.COMMAND, unknown_command), group=FALLBACK_GROUP)


# -- the bot's own membership ----------------------------------------------------------------------------


GONE_STATUSES = frozenset({"kicked", "left"})


async def bot_membership(update: Update, context: Context) -> None:
    """Telegram says when a user blocks the bot or a group removes it (and when they take it back): alerts
    stop at once instead of at the next refused send, and start again when the bot is back. Subscriptions
    are kept either way."""
    change, chat = update.my_chat_member, update.effective_chat
    if change is None or chat is None:
        return
    status = str(change.new_chat_member.status)

    def work(session: Session) -> None:
        if status in GONE_STATUSES:
            subscriptions.mark_inactive(session, chat.id, f"the bot was {status} ({chat.type} chat)")
        elif session.get(Chat, chat.id) is not None:
            subscriptions.ensure_chat(session, chat.id, kind=chat.type, title=_title(chat))  # active again

    await _in_database(context, work)
    log.info("chat %s: the bot's membership is now %s", chat.id, status)


# -- commands ------------------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """Welcome, in the language of the user's Telegram client the first time a chat meets the bot; a chat
    that chose a language with /lang keeps it."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    wanted = _user_language(update)

    def work(session: Session) -> str:
        stored = subscriptions.ensure_chat(session, chat.id, kind=chat.type, title=_title(chat), language=wanted)
        return stored.language

    language = await _in_database(context, work)
    await message.reply_text(_with_group_note(tr(language, "welcome"), update, context, language))


async def help_command(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    language = await _language(update, context)
    await message.reply_text(_with_group_note(tr(language, "help"), update, context, language))


async def lang(update: Update, context: Context) -> None:
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    wanted = LANGUAGE_WORDS.get(normalize(" ".join(context.args or [])))
    if wanted is None:
        await message.reply_text(tr(await _language(update, context), "lang_usage"))
        return
    if await _refused_change(update, context, message):
        return

    def work(session: Session) -> None:
        subscriptions.ensure_chat(session, chat.id, kind=chat.type, title=_title(chat), language=wanted)
        subscriptions.set_language(session, chat.id, wanted)

    await _in_database(context, work)
    await message.reply_text(tr(wanted, "lang_set"))


async def subscribe(update: Update, context: Context) -> None:
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    assert chat is not None and message is not None
    if await _refused_change(update, context, message):
        return
    argument = " ".join(context.args or [])
    fallback, index = _user_language(update), _index(context)

    def work(session: Session) -> str:
        ref = ChatRef(chat.id, chat.type, _title(chat), _stored_language(session, chat.id, fallback))
        return subscribe_chat(session, index, ref, argument, user.id if user else None)

    await message.reply_text(await _in_database(context, work))


async def list_command(update: Update, context: Context) -> None:
    """/subscriptions: the list, with a remove button per subscription."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    fallback = _user_language(update)

    def work(session: Session) -> tuple[str, InlineKeyboardMarkup | None]:
        language = _stored_language(session, chat.id, fallback)
        listing = list_subscriptions(session, chat.id, language)
        return listing.text, removal_keyboard(listing.items, language)

    text, keyboard = await _in_database(context, work)
    await message.reply_text(text, reply_markup=keyboard)


async def unsubscribe(update: Update, context: Context) -> None:
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if await _refused_change(update, context, message):
        return
    argument = " ".join(context.args or [])
    fallback, index = _user_language(update), _index(context)

    def work(session: Session) -> str:
        return unsubscribe_chat(session, index, chat.id, argument, _stored_language(session, chat.id, fallback))

    await message.reply_text(await _in_database(context, work))


async def chart(update: Update, context: Context) -> None:
    """/chart MEMBER: a picture of the member's latest plan, or a reply saying why there is none."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    argument = clean_argument(" ".join(context.args or []))
    fallback, index = _user_language(update), _index(context)

    def work(session: Session) -> tuple[str, PlanChart | str]:
        language = _stored_language(session, chat.id, fallback)
        if not argument:
            return language, tr(language, "chart_usage")
        found = lookup_member(session, index, argument)
        if found is None:
            return language, tr(language, "sub_unknown", name=argument[:60]) + "\n" + tr(language, "chart_usage")
        if isinstance(found, UnknownPlace):
            return language, say(language, "no_data", name=found.name(language))
        drawn = plan_chart(session, found.member.id, language)
        return language, drawn if drawn is not None else tr(language, "chart_usage")

    language, drawn = await _in_database(context, work)
    if isinstance(drawn, str):
        await message.reply_text(drawn)
        return
    png = await asyncio.to_thread(plan_chart_png, drawn)
    links = [drawn.source_url] if drawn.source_url else []
    source = f"{drawn.source_label}, {drawn.source_url}" if drawn.source_url else None
    caption = tr(language, "chart_caption", title=drawn.title, source=source) if source else drawn.title
    await message.reply_photo(png, caption=render_text(caption, links, CAPTION_LIMIT)[0], parse_mode=ParseMode.HTML,
                              filename="plan-chart.png")


async def unknown_command(update: Update, context: Context) -> None:
    """A short pointer to /help, for commands addressed to this bot that no handler knows."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None and message.text is not None
    command, _, target = message.text.split(maxsplit=1)[0][1:].partition("@")
    if target.lower() != (context.bot.username or "").lower() and (target or chat.type != ChatType.PRIVATE):
        return  # for another bot, or a bare /command in a group that may have several bots
    if command.lower() in _known_commands(context.application):
        return
    await message.reply_text(tr(await _language(update, context), "unknown_command"))


# -- questions ------------------------------------------------------------------------------------------


async def private_question(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    await _answer(message, context, message.text)


async def group_question(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    question = addressed_text(message, context.bot)
    if question is not None:
        await _answer(message, context, question)


def addressed_text(message: Message, bot: Bot) -> str | None:
    """The question in a group message meant for the bot (mentioning it, or replying to it), else None."""
    text = message.text or ""
    mention = re.compile(rf"(?<![\w@])@{re.escape(bot.username or '')}\b", re.IGNORECASE)
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
    if to_bot or (bot.username and mention.search(text)):
        return mention.sub(" ", text) if bot.username else text
    return None


async def _answer(message: Message, context: Context, question: str) -> None:
    """The conversation engine's answer, exactly as the terminal prints it, as HTML with source links and,
    under an answer about one member, buttons to follow it and to see its commitments."""
    services, index = _services(context), _index(context)

    def work() -> tuple[Answer, InlineKeyboardMarkup | None]:
        answer = services.conversation.ask(question)
        try:
            with Session(services.engine) as session:
                profile = answer_member(session, index, question, answer)
        except Exception:  # the answer matters more than its buttons
            log.exception("could not find the member of an answer")
            profile = None
        keyboard = None
        if profile is not None:
            name = member_name(profile.member, answer.language)
            keyboard = answer_keyboard(profile.member.id, name, answer.language, with_commitments=bool(profile.plans))
        return answer, keyboard

    answer, keyboard = await asyncio.to_thread(work)
    await send_html(message, render_answer(answer), keyboard)


async def send_html(message: Message, chunks: list[str], keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Reply with HTML messages in order; the keyboard goes under the last one, and in a group only the
    first one quotes the question."""
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        await message.reply_html(chunk, reply_markup=keyboard if last else None, link_preview_options=NO_PREVIEW,
                                 do_quote=None if number == 0 else False)


# -- buttons --------------------------------------------------------------------------------------------


async def button(update: Update, context: Context) -> None:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    action = read_callback(query.data)
    fallback = language_of(query.from_user.language_code)
    if action is None or chat is None or not isinstance(query.message, Message):
        await query.answer(tr(fallback, "button_gone"))
        return
    language = await _in_database(context, lambda session: _stored_language(session, chat.id, fallback))
    if isinstance(action, SubscribeMember | RemoveSubscription) and not await _may_change(update, context):
        await query.answer(tr(language, "admins_only"), show_alert=True)
        return
    if isinstance(action, SubscribeMember):
        ref = ChatRef(chat.id, chat.type, _title(chat), language)
        reply = await _in_database(context, lambda s: subscribe_member(s, ref, action.member_id, query.from_user.id))
        await query.answer(reply or tr(language, "button_gone"))
    elif isinstance(action, ShowCommitments | CommitmentsPage):
        await _commitments(update, context, action, language)
    else:
        await _remove(update, context, action, language)


async def _commitments(update: Update, context: Context, action: ShowCommitments | CommitmentsPage,
                       language: str) -> None:
    """"Show all commitments" sends the first page; "Next"/"Previous" turn the page in place."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    wanted = action.page if isinstance(action, CommitmentsPage) else 1
    page = await _in_database(context, lambda s: commitment_page(s, action.member_id, language, wanted))
    if page is None:
        await query.answer(tr(language, "button_gone"))
        return
    await query.answer()
    chunks = render_answer(page.answer)
    keyboard = page_keyboard(page.member_id, page.page, page.pages, language)
    under_text = isinstance(query.message, Message) and bool(query.message.text)
    # A page button can only be edited into a text message; under a chart (where only forged data puts
    # one) Telegram refuses the edit, so the page comes as a message of its own.
    if isinstance(action, ShowCommitments) or not under_text:
        for number, chunk in enumerate(chunks):
            await context.bot.send_message(chat.id, chunk, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                                           reply_markup=keyboard if number == len(chunks) - 1 else None)
        return
    await _edit(query.edit_message_text(chunks[0], parse_mode=ParseMode.HTML, reply_markup=keyboard,
                                        link_preview_options=NO_PREVIEW))


async def _remove(update: Update, context: Context, action: RemoveSubscription, language: str) -> None:
    """Remove one subscription, then redraw the list the button was under. Data naming another chat's
    subscription removes nothing; a message that never had this button is left as it is."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None and isinstance(query.message, Message)
    reply = await _in_database(context, lambda s: remove_subscription(s, chat.id, action.subscription_id, language))
    await query.answer(reply or tr(language, "unsub_gone"))
    markup = query.message.reply_markup
    has_button = markup is not None and any(
        button.callback_data == query.data for row in markup.inline_keyboard for button in row
    )
    if not has_button:
        return
    listing = await _in_database(context, lambda s: list_subscriptions(s, chat.id, language))
    await _edit(query.edit_message_text(listing.text, reply_markup=removal_keyboard(listing.items, language)))


async def _edit(edit: Awaitable[object]) -> None:
    """Await an edit; pressing a button twice asks for the same content, which Telegram refuses."""
    try:
        await edit
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


# -- helpers --------------------------------------------------------------------------------------------


def _services(context: Context) -> BotServices:
    return services_of(context.application)


def _index(context: Context) -> MemberIndex:
    return context.application.bot_data[INDEX_KEY]


async def _in_database(context: Context, work: Callable[[Session], T]) -> T:
    """``work`` in one transaction, in a worker thread: database calls must not stall the event loop."""
    return await asyncio.to_thread(run_transaction, _services(context).engine, work)


def _title(chat: TelegramChat) -> str | None:
    """A group's title as stored: whoever named the group may have put control characters in it (PostgreSQL
    refuses NUL in text) or invisible ones; they go, as in command arguments."""
    return clean_argument(chat.title or "") or None


def _user_language(update: Update) -> str:
    user = update.effective_user
    return language_of(user.language_code if user else None)


def _stored_language(session: Session, chat_id: int, fallback: str) -> str:
    """The chat's language (set on first contact, changed by /lang), or ``fallback`` for a new chat."""
    chat = session.get(Chat, chat_id)
    return chat.language if chat is not None else fallback


async def _language(update: Update, context: Context) -> str:
    chat = update.effective_chat
    fallback = _user_language(update)
    if chat is None:
        return fallback
    return await _in_database(context, lambda session: _stored_language(session, chat.id, fallback))


def _with_group_note(text: str, update: Update, context: Context, language: str) -> str:
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return text
    return f"{text}\n\n{tr(language, 'group_note', username=context.bot.username)}"


async def _refused_change(update: Update, context: Context, message: Message) -> bool:
    """True (and the chat told why) when this user may not change the chat's settings."""
    if await _may_change(update, context):
        return False
    await message.reply_text(tr(await _language(update, context), "admins_only"))
    return True


async def _may_change(update: Update, context: Context) -> bool:
    """Anyone in a private chat; in a group, its creator and administrators (also when anonymous)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True  # an anonymous admin writes as the group itself
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def _known_commands(application: Application) -> set[str]:
    return {
        command
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
