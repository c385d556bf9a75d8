"""The Telegram application, put together: chat handlers, admin commands, the error handler and the
command menus, from settings and the services the handlers share.

Production and tests build it the same way; tests point ``telegram_api_url`` at a local Bot API stand-in.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import traceback

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.admin_texts import COMMAND_DESCRIPTIONS as ADMIN_COMMAND_DESCRIPTIONS
from bot.texts_tg import LANGUAGES, command_menu, language_of, tr
from bot.tg import handlers
from bot.tg.services import BotServices, attach, services_of
from bot.tg.settings import TelegramSettings

log = logging.getLogger(__name__)

ADMIN_MODULE = "bot.tg.admin"


def build_application(settings: TelegramSettings, services: BotServices) -> Application:
    if settings.telegram_token is None:
        raise ValueError("no Telegram bot token: set OGP_WATCH_TELEGRAM_TOKEN")
    base_url = settings.telegram_api_url.rstrip("/")  # PTB appends "<token>/<method>" itself
    builder = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(base_url)
        .post_init(set_command_menus)
    )
    file_url = file_url_for(base_url)
    if file_url is not None:
        builder = builder.base_file_url(file_url)
    application = builder.build()
    attach(application, services)
    handlers.register(application)
    _register_admin(application)
    application.add_error_handler(on_error)
    return application


def file_url_for(base_url: str) -> str | None:
    """Files live beside the methods: ``https://api.telegram.org/bot`` -> ``https://api.telegram.org/file/bot``
    (a local Bot API server is laid out the same way). None leaves PTB's default."""
    base_url = base_url.rstrip("/")
    return base_url.removesuffix("/bot") + "/file/bot" if base_url.endswith("/bot") else None


def _register_admin(application: Application) -> None:
    """The admin commands, when their module is there (it is written separately); an error inside the
    module is not hidden, only its absence is."""
    if importlib.util.find_spec(ADMIN_MODULE) is None:
        log.info("no admin commands: %s is missing", ADMIN_MODULE)
        return
    register = getattr(importlib.import_module(ADMIN_MODULE), "register", None)
    if register is None:
        log.warning("no admin commands: %s has no register(application)", ADMIN_MODULE)
        return
    register(application)


async def set_command_menus(application: Application) -> None:
    """The command menu in English for everyone, and in Spanish for Spanish-speaking clients. A refusal
    is logged, not fatal: the bot works without a menu."""
    for language in LANGUAGES:
        commands = [BotCommand(command, description) for command, description in command_menu(language)]
        try:
            await application.bot.set_my_commands(commands, language_code=None if language == "en" else language)
        except TelegramError as error:
            log.warning("could not set the %s command menu: %s", language, error)
    await set_admin_menus(application)


async def set_admin_menus(application: Application) -> None:
    """Admins see the admin commands too, in their private chat with the bot (a chat-scoped menu). Telegram
    refuses the scope for an admin who has never started the bot: that admin gets the menu next time."""
    for admin_id in sorted(services_of(application).settings.admin_ids):
        for language in LANGUAGES:
            menu = command_menu(language) + list(ADMIN_COMMAND_DESCRIPTIONS[language].items())
            try:
                await application.bot.set_my_commands(
                    [BotCommand(command, description[:256]) for command, description in menu],
                    scope=BotCommandScopeChat(admin_id), language_code=None if language == "en" else language,
                )
            except TelegramError as error:
                log.info("no admin command menu for admin %s yet: %s", admin_id, error)
                break


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what failed (with the token blanked out: network errors can quote request URLs) and tell the
    user briefly; never a traceback in the chat."""
    token = context.bot.token
    error = context.error
    details = "".join(traceback.format_exception(error)) if error is not None else "no exception"
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("handling update %s failed:\n%s", update_id, _redacted(details, token))
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    apology = tr(language_of(update.effective_user.language_code if update.effective_user else None), "apology")
    chat_id = update.effective_chat.id
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(apology)
                return
            except TelegramError:
                pass  # answered before the failure: say it in the chat instead
        await context.bot.send_message(chat_id, apology)
    except TelegramError as failure:
        log.warning("could not apologise in chat %s: %s", chat_id, _redacted(str(failure), token))


def _redacted(text: str, token: str) -> str:
    return text.replace(token, "<token>") if token else text
