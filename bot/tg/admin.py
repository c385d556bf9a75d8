"""Admin commands in Telegram: manage watched sources, check them now, see how the bot is doing, export
the data as files (``storage.exchange``).

A thin adapter over ``jobs.source_admin`` (the same operations and error wording as ``ogp-watch sources``)
and ``BotServices.check_sources``: this module only reads arguments, checks who is asking, runs the
database work in a worker thread (the event loop also serves every other chat) and words the answers in
the chat's language (``bot.admin_texts``).

The handlers sit in their own group, before the chat front end's, and stop the update there once handled,
so that a catch-all "unknown command" reply elsewhere cannot answer an admin command a second time.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import LinkPreviewOptions, Message, Update
from telegram.constants import ChatAction, MessageLimit, ParseMode
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, filters

from bot.admin_texts import DEFAULT_LANGUAGE, LANGUAGES, text
from bot.tg.services import BotServices, services_of
from jobs import source_admin
from jobs.check import CheckReport
from jobs.source_admin import SourceAdminError
from storage import sources
from storage.database import run_transaction
from storage.exchange.export import export_filename, export_to_file
from storage.exchange.formats import ExportFormat, ExportTooLarge
from storage.exchange.tables import ExportKind
from storage.models import Chat, Source, utcnow
from storage.stats import collect_totals

log = logging.getLogger(__name__)

T = TypeVar("T")

ADMIN_HANDLER_GROUP = -1
"""Before the chat front end's handlers (group 0), which never see an admin command (see the module doc)."""

MESSAGE_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4,096
MAX_EVENT_TITLES = 30
"""New events listed after a check; a listing's first check can find hundreds, ``ogp-watch events`` has them all."""

# Longest shown form of a value, in characters of escaped HTML: one source always fits in one message.
URL_SHOWN = 600
LABEL_SHOWN = 200
ERROR_SHOWN = 600
TITLE_SHOWN = 300
SUMMARY_SHOWN = 800

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Html(str):
    """Text that is Telegram HTML already: ``AdminCall.say`` puts it into a template as it is."""

    __slots__ = ()


@dataclass(frozen=True)
class AdminCall:
    """One admin command as the operations below need it: who, where, in which language, with what."""

    application: Application
    services: BotServices
    message: Message
    command: str
    args: Sequence[str]
    user_id: int
    chat_id: int
    language: str

    def say(self, key: str, **values: object) -> Html:
        """A text in the chat's language; plain string values are HTML-escaped here, so no caller can forget."""
        escaped = {k: _html(v) if isinstance(v, str) and not isinstance(v, Html) else v for k, v in values.items()}
        return Html(text(self.language, key, **escaped))

    async def reply(self, html_text: str) -> None:
        await self.message.reply_text(html_text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW)

    async def reply_all(self, texts: Iterable[str]) -> None:
        for chunk in texts:
            await self.reply(chunk)

    async def db(self, work: Callable[[Session], T]) -> T:
        """``work`` in one transaction in a worker thread, re-run after a write conflict."""
        return await asyncio.to_thread(run_transaction, self.services.engine, work)

    async def read(self, work: Callable[[Session], T]) -> T:
        """``work`` reading in a worker thread; nothing it does is committed."""
        return await asyncio.to_thread(_read, self.services.engine, work)


Operation = Callable[[AdminCall], Awaitable[None]]


# -- the commands ---------------------------------------------------------------------------------------


async def source_add(call: AdminCall) -> None:
    if not 1 <= len(call.args) <= 3:
        await call.reply(call.say("usage_source_add"))
        return
    url, *options = call.args
    kind: str | None = None
    interval: str | None = None
    for option in options:
        # A word is a kind ("pagee" gets the kind's error), anything with a digit an interval.
        if not any(ch.isdigit() for ch in option) and kind is None:
            kind = option
        elif any(ch.isdigit() for ch in option) and interval is None:
            interval = option
        else:
            await call.reply(call.say("usage_source_add"))
            return
    allow_private = call.services.settings.allow_private_sources
    # source_admin.add resolves the host name (a blocking DNS lookup): it runs in the worker thread too.
    source = await call.db(lambda session: source_admin.add(
        session, url, added_by=f"telegram:{call.user_id}", allow_private=allow_private, kind=kind, interval=interval))
    log.info("admin %s added source #%s", call.user_id, source.id)
    every = source_admin.format_interval(source.interval_seconds)
    await call.reply(call.say("added", id=source.id, label=_html(source.label, LABEL_SHOWN),
                              kind=_kind(call, source.kind), interval=every, url=_html(source.url, URL_SHOWN)))


async def source_list(call: AdminCall) -> None:
    now = utcnow()
    rows = await call.read(lambda session: [source_admin.health(s, now=now) for s in sources.all_sources(session)])
    if not rows:
        await call.reply(call.say("no_sources"))
        return
    await call.reply_all(split_messages([call.say("sources_head", count=len(rows)),
                                         *(_source_block(call, row) for row in rows)]))


def _source_block(call: AdminCall, row: source_admin.SourceHealth) -> str:
    when = [call.say("checked", when=f"{row.last_checked:%Y-%m-%d %H:%M}") if row.last_checked
            else call.say("never_checked")]
    if row.next_check:
        when.append(call.say("next_check", when=f"{row.next_check:%Y-%m-%d %H:%M}"))
    lines = [
        call.say("source_head", id=row.id, state=_state(call, row.state), kind=_kind(call, row.kind),
                 interval=row.interval),
        _html(row.label, LABEL_SHOWN),
        _html(row.url, URL_SHOWN),
        " · ".join(when),
    ]
    if row.last_error:
        lines.append(call.say("last_error", error=_html(row.last_error, ERROR_SHOWN)))
    return "\n".join(lines)


def _set_state(operation: Callable[[Session, int], Source], done: str) -> Operation:
    async def run(call: AdminCall) -> None:
        if len(call.args) != 1:
            await call.reply(call.say("usage_id", command=call.command))
            return
        source_id = source_admin.parse_id(call.args[0])
        source = await call.db(lambda session: operation(session, source_id))
        log.info("admin %s: %s source #%s", call.user_id, done, source.id)
        await call.reply(call.say(done, id=source.id, label=_html(source.label, LABEL_SHOWN),
                                  url=_html(source.url, URL_SHOWN)))

    return run


async def check(call: AdminCall) -> None:
    if len(call.args) > 1:
        await call.reply(call.say("usage_check"))
        return
    if call.args:
        source_id = source_admin.parse_id(call.args[0])
        source = await call.read(lambda session: source_admin.get(session, source_id))
        ids = [source_id]
        await call.reply(call.say("checking_one", id=source_id, label=_html(source.label, LABEL_SHOWN)))
    else:
        ids = await call.read(lambda session: sources.due_source_ids(session))
        if not ids:
            await call.reply(call.say("nothing_due"))
            return
        await call.reply(call.say("checking_due_1" if len(ids) == 1 else "checking_due_n", count=len(ids)))
    log.info("admin %s checks sources %s", call.user_id, ids)
    # Checks can take minutes (slow sites, many due sources); updates are handled one at a time, so waiting
    # here would keep every other chat waiting too. The results follow as a message of their own.
    call.application.create_task(_check_and_report(call, ids), name=f"admin /check {ids}")


async def _check_and_report(call: AdminCall, ids: list[int]) -> None:
    try:
        reports = await call.services.check_sources(ids)
    except Exception:  # the checker handles each source's failures; this is a bug or a database outage
        log.exception("/check of sources %s failed", ids)
        await call.reply(call.say("check_failed"))
        return
    await call.reply_all(split_messages(check_texts(call, reports), separator="\n"))


def check_texts(call: AdminCall, reports: Sequence[CheckReport]) -> list[str]:
    """One line per report (its summary), then the titles of the events found, for ``split_messages``.

    A line starting with a newline opens a paragraph; Telegram drops it where it starts a message.
    """
    lines = ["• " + _html(report.summary(), SUMMARY_SHOWN) for report in reports]
    found = [event for report in reports for event in report.events]
    if not found:
        return [*lines, "\n" + call.say("no_new_events")]
    lines.append("\n" + call.say("new_events", count=len(found)))
    for event in found[:MAX_EVENT_TITLES]:
        flag = call.say("baseline") if event.baseline else ""
        lines.append(f"• {_html(event.title, TITLE_SHOWN)}{flag}\n  {_html(event.url, URL_SHOWN)}")
    if len(found) > MAX_EVENT_TITLES:
        lines.append(call.say("more_events", count=len(found) - MAX_EVENT_TITLES))
    return lines


async def stats(call: AdminCall) -> None:
    counts = await call.read(collect_totals)
    await call.reply(call.say(
        "stats", chats_active=counts.chats_active, chats_inactive=counts.chats_inactive,
        subscriptions=counts.subscriptions, sources=counts.sources, sources_enabled=counts.sources_enabled,
        sources_paused=counts.sources_paused, sources_failing=counts.sources_failing, events=counts.events,
        events_last_day=counts.events_last_day, **counts.deliveries,
    ))


TELEGRAM_DOCUMENT_LIMIT = 50 * 1000 * 1000
"""The largest file a bot may send (50 MB); a larger export stops there and the admin is told how to get it."""

EXPORT_KIND_WORDS = {**{kind.value: kind for kind in ExportKind}, "miembros": ExportKind.MEMBERS,
                     "compromisos": ExportKind.COMMITMENTS, "eventos": ExportKind.EVENTS,
                     "fuentes": ExportKind.SOURCES}


async def export(call: AdminCall) -> None:
    """/export KIND [csv|json]: the file as a document in this chat (docs/data-exchange.md)."""
    words = [arg.lower() for arg in call.args]
    kind = EXPORT_KIND_WORDS.get(words[0]) if words else None
    formats = {f.value: f for f in ExportFormat}
    if kind is None or len(words) > 2 or (len(words) == 2 and words[1] not in formats):
        await call.reply(call.say("usage_export"))
        return
    export_format = formats[words[1]] if len(words) == 2 else ExportFormat.CSV
    log.info("admin %s exports %s as %s", call.user_id, kind, export_format)
    # Like /check: a big export takes a while to write and upload, and other chats must not wait for it.
    call.application.create_task(_send_export(call, kind, export_format), name=f"admin /export {kind}")


async def _send_export(call: AdminCall, kind: ExportKind, export_format: ExportFormat) -> None:
    try:
        await call.message.get_bot().send_chat_action(call.chat_id, ChatAction.UPLOAD_DOCUMENT)
        try:
            document, rows = await asyncio.to_thread(export_to_file, call.services.engine, kind, export_format,
                                                     max_bytes=TELEGRAM_DOCUMENT_LIMIT)
        except ExportTooLarge:
            await call.reply(call.say("export_too_large", kind=call.say(f"export_kind_{kind}"),
                                      limit=TELEGRAM_DOCUMENT_LIMIT // 1000**2, cli_kind=kind.value,
                                      cli_format=export_format.value))
            return
        with document:
            content = document.read()  # PTB uploads from memory either way; at most the 50 MB cap
        caption = call.say("export_caption_1" if rows == 1 else "export_caption_n", count=rows,
                           kind=call.say(f"export_kind_{kind}"), format=export_format.value.upper())
        await call.message.reply_document(content, filename=export_filename(kind, export_format), caption=caption,
                                          parse_mode=ParseMode.HTML)
    except Exception:
        log.exception("/export %s from admin %s failed", kind, call.user_id)
        await call.reply(call.say("export_failed"))


COMMANDS: dict[str, Operation] = {
    "source_add": source_add,
    "sources": source_list,
    "source_pause": _set_state(source_admin.pause, "paused"),
    "source_resume": _set_state(source_admin.resume, "resumed"),
    "source_remove": _set_state(source_admin.remove, "removed"),
    "check": check,
    "stats": stats,
    "export": export,
}


# -- wiring ---------------------------------------------------------------------------------------------


def register(application: Application) -> None:
    """Add the admin commands; the application must carry ``BotServices`` (``bot.tg.services.attach``)."""
    for name, operation in COMMANDS.items():
        # MESSAGE only: an edited command must not add, pause or check a second time.
        handler = CommandHandler(name, _guarded(name, operation), filters=filters.UpdateType.MESSAGE)
        application.add_handler(handler, group=ADMIN_HANDLER_GROUP)


UpdateCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
"""What python-telegram-bot calls for an update: an ``async def`` taking the update and the context."""


def _guarded(name: str, operation: Operation) -> UpdateCallback:
    """Refuse non-admins (and log it), turn an admin's mistake into its one-line reason, hide tracebacks."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None:
            return
        services = services_of(context.application)
        user_id = user.id if user is not None else None
        call = AdminCall(context.application, services, message, name, tuple(context.args or ()), user_id or 0,
                         chat.id, DEFAULT_LANGUAGE)
        try:
            language_code = user.language_code if user is not None else None
            call = replace(call, language=await asyncio.to_thread(chat_language, services.engine, chat.id,
                                                                  language_code))
            if not services.is_admin(user_id):
                # Who and where only: the rest of the message may hold anything, and the token is never logged.
                log.warning("refused /%s from user %s in chat %s: not an admin", name, user_id, chat.id)
                await call.reply(call.say("refused"))
            else:
                await operation(call)
        except SourceAdminError as error:
            # Clipped: the reason quotes the argument, which can be as long as a message.
            await call.reply(call.say("failed", reason=_html(str(error), ERROR_SHOWN)))
        except Exception:
            log.exception("/%s from admin %s in chat %s failed", name, user_id, chat.id)
            await call.reply(call.say("internal_error"))
        raise ApplicationHandlerStop

    return handle


def chat_language(engine: Engine, chat_id: int, language_code: str | None = None) -> str:
    """The chat's chosen language; for a chat the bot has not stored yet, the sender's app language."""
    with Session(engine) as session:
        chat = session.get(Chat, chat_id)
    if chat is not None and chat.language in LANGUAGES:
        return chat.language
    code = (language_code or "").split("-")[0].lower()
    return code if chat is None and code in LANGUAGES else DEFAULT_LANGUAGE


def split_messages(blocks: Iterable[str], *, separator: str = "\n\n", limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined by ``separator`` (a blank line) into as few messages as fit under Telegram's limit.

    Measured on the HTML as sent, in UTF-16 units as Telegram counts, which is never less than what
    Telegram measures after parsing it. A block is never cut (that could split a tag); callers keep
    each block well under the limit by clipping the values in it.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        joined = f"{current}{separator}{block}" if current else block
        if current and _units(joined) > limit:
            messages.append(current)
            joined = block
        current = joined
    if current:
        messages.append(current)
    return messages


# -- helpers ----------------------------------------------------------------------------------------------


def _read(engine: Engine, work: Callable[[Session], T]) -> T:
    with Session(engine) as session:
        return work(session)


def _units(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def _html(value: str, limit: int | None = None) -> Html:
    """``value`` escaped for Telegram HTML and, if ``limit`` is given, cut to that many escaped characters
    (cutting the escaped text could leave half an entity, "&am", which Telegram would show)."""
    escaped = html.escape(value, quote=False)
    if limit is None or len(escaped) <= limit:
        return Html(escaped)
    kept: list[str] = []
    size = 0
    for ch in value:
        piece = html.escape(ch, quote=False)
        if size + len(piece) > limit - 1:
            break
        kept.append(piece)
        size += len(piece)
    return Html("".join(kept) + "…")


def _state(call: AdminCall, state: str) -> Html:
    word, _, rest = state.partition(" ")  # "failing (3)"
    if word == "failing":
        return call.say("state_failing", count=rest.strip("()"))
    return call.say(f"state_{word}") if word in {"ok", "new", "paused"} else _html(state)


def _kind(call: AdminCall, kind: str) -> Html:
    return call.say(f"kind_{kind}") if kind in {"page", "listing", "feed"} else _html(kind)
