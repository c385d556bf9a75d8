"""What a chat asks for with /subscribe and /unsubscribe, and the replies, in the chat's language.

"/subscribe Mexico", "/subscribe CDMX" (any of a member's names, small typos tolerated), a topic
("reports", "informes", "all", "todo"...) or a keyword ("/subscribe keyword fiscal transparency",
"/subscribe palabra ..."). An argument that is none of these changes nothing and gets a reply saying
how to subscribe. Works on a Session and returns text: the chat front end only sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.member_index import MemberIndex
from bot.member_lookup import UnknownPlace, clean_argument, lookup_member, member_name
from bot.messages import say
from bot.texts_tg import tr
from storage import queries, subscriptions
from storage.models import Member, Subscription, SubscriptionKind
from storage.names import normalize
from storage.subscriptions import MAX_KEYWORD_LENGTH, MAX_SUBSCRIPTIONS_PER_CHAT, SubscriptionError, Topic

TOPIC_WORDS: dict[str, Topic] = {
    **dict.fromkeys(["reports", "report", "irm reports", "informes", "informe", "reportes", "reporte",
                     "informes del irm"], Topic.REPORTS),
    **dict.fromkeys(["withdrawals", "withdrawal", "withdrawn", "retiros", "retiro", "retirados", "salidas"],
                    Topic.WITHDRAWALS),
    **dict.fromkeys(["status", "state", "estado", "estados", "cambios de estado", "status changes"], Topic.STATUS),
    **dict.fromkeys(["all", "everything", "todo", "todos", "todas"], Topic.ALL),
}
"""Normalised topic words, English and Spanish."""

KEYWORD_WORDS = frozenset({"keyword", "keywords", "kw", "word", "words", "palabra", "palabras", "clave"})
"""First words that make the rest a keyword: "keyword fiscal", "palabra clave fiscal", "palabras ..."."""

LIST_LIMIT = 4096
"""A message's length limit (Telegram's, in UTF-16 units): the list names as many subscriptions as fit and
counts the rest, which its remove buttons still name one by one."""

ALL_WORDS = frozenset({"all", "everything", "todo", "todos", "todas"})
MIN_KEYWORD_LETTERS = 3


@dataclass(frozen=True)
class Request:
    """One subscription, as ``storage.subscriptions.subscribe`` takes it."""

    kind: SubscriptionKind
    value: str
    label: str


@dataclass(frozen=True)
class ChatRef:
    """The chat a request comes from, for creating its row on its first subscription."""

    id: int
    kind: str = "private"
    title: str | None = None
    language: str = "en"


def read_request(session: Session, index: MemberIndex, argument: str, language: str) -> Request | str:
    """The subscription the argument asks for, or the reply explaining why there is none."""
    text = clean_argument(argument)
    words = text.split()
    normalized = normalize(text)
    if not normalized:
        return tr(language, "sub_usage")
    if normalize(words[0]) in KEYWORD_WORDS:
        while words and normalize(words[0]) in KEYWORD_WORDS:
            words.pop(0)
        phrase = " ".join(words)[:MAX_KEYWORD_LENGTH].strip()
        if len(normalize(phrase).replace(" ", "")) < MIN_KEYWORD_LETTERS:
            return tr(language, "sub_keyword_short")
        return Request(SubscriptionKind.KEYWORD, phrase, phrase)
    topic = TOPIC_WORDS.get(normalized)
    if topic is not None:
        return Request(SubscriptionKind.TOPIC, topic.value, topic.value)
    found = lookup_member(session, index, text)
    if found is None:
        shown = text if len(text) <= 60 else text[:59] + "…"
        return tr(language, "sub_unknown", name=shown) + "\n\n" + tr(language, "sub_usage")
    if isinstance(found, UnknownPlace):
        return tr(language, "sub_no_data", name=found.name(language))
    return Request(SubscriptionKind.MEMBER, str(found.member.id), found.member.name_en)


def subscribe_chat(session: Session, index: MemberIndex, chat: ChatRef, argument: str,
                   user_id: int | None = None) -> str:
    """Carry out "/subscribe ARGUMENT"; the reply. The chat is stored only once it subscribes to something."""
    request = read_request(session, index, argument, chat.language)
    if isinstance(request, str):
        return request
    return add_subscription(session, chat, request, user_id)


def subscribe_member(session: Session, chat: ChatRef, member_id: int, user_id: int | None = None) -> str | None:
    """A "Subscribe to Mexico" button; None when the member does not exist (a stale or forged button)."""
    profile = queries.member_profile(session, member_id)
    if profile is None:
        return None
    request = Request(SubscriptionKind.MEMBER, str(member_id), profile.member.name_en)
    return add_subscription(session, chat, request, user_id)


def add_subscription(session: Session, chat: ChatRef, request: Request, user_id: int | None) -> str:
    subscriptions.ensure_chat(session, chat.id, kind=chat.kind, title=chat.title, language=chat.language)
    try:
        row, new = subscriptions.subscribe(session, chat.id, request.kind, request.value, request.label,
                                           created_by=user_id)
    except SubscriptionError:
        # The request was checked already; what is left is the per-chat limit.
        return tr(chat.language, "sub_too_many", limit=MAX_SUBSCRIPTIONS_PER_CHAT)
    label = describe(session, [row], chat.language)[row.id or 0]
    return tr(chat.language, "sub_done" if new else "sub_already", label=label)


def unsubscribe_chat(session: Session, index: MemberIndex, chat_id: int, argument: str, language: str) -> str:
    """Carry out "/unsubscribe ARGUMENT" ("all" removes every subscription of the chat)."""
    text = clean_argument(argument)
    if not normalize(text):
        return tr(language, "unsub_usage")
    if normalize(text) in ALL_WORDS:
        removed = subscriptions.unsubscribe_all(session, chat_id)
        return tr(language, "unsub_all", count=removed) if removed else tr(language, "unsub_all_none")
    request = read_request(session, index, text, language)
    if isinstance(request, str):
        return request
    value = normalize(request.value)[:MAX_KEYWORD_LENGTH] if request.kind == SubscriptionKind.KEYWORD else request.value
    for row in subscriptions.chat_subscriptions(session, chat_id):
        if row.kind == request.kind and row.value == value:
            label = describe(session, [row], language)[row.id or 0]
            subscriptions.unsubscribe(session, chat_id, row.id or 0)
            return tr(language, "unsub_done", label=label)
    members = queries.members_by_id(session, {int(value)} if request.kind == SubscriptionKind.MEMBER else set())
    label = _label(request.kind, value, request.label, language, members)
    return tr(language, "unsub_missing", label=label)


def remove_subscription(session: Session, chat_id: int, subscription_id: int, language: str) -> str | None:
    """A remove button: the reply, or None when it is not (or no longer) one of this chat's subscriptions."""
    row = subscriptions.unsubscribe(session, chat_id, subscription_id)
    if row is None:
        return None
    return tr(language, "unsub_done", label=describe(session, [row], language)[subscription_id])


@dataclass(frozen=True)
class Listing:
    text: str
    items: list[tuple[int, str]]
    """(subscription id, label) for each subscription, to offer a remove button per subscription."""


def list_subscriptions(session: Session, chat_id: int, language: str) -> Listing:
    rows = subscriptions.chat_subscriptions(session, chat_id)
    if not rows:
        return Listing(tr(language, "subs_none"), [])
    labels = describe(session, rows, language)
    head, hint = tr(language, "subs_head"), tr(language, "subs_hint")
    lines = [head]
    room = LIST_LIMIT - _units(head) - _units(hint) - _units(say(language, "more", count=len(rows))) - 2
    for number, row in enumerate(rows):
        line = f"• {labels[row.id or 0]} ({tr(language, f'kind_{row.kind}')})"
        room -= _units(line) + 1
        if room < 0:
            lines.append(say(language, "more", count=len(rows) - number))
            break
        lines.append(line)
    lines.append(hint)
    return Listing("\n".join(lines), [(row.id or 0, labels[row.id or 0]) for row in rows])


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def describe(session: Session, rows: list[Subscription], language: str) -> dict[int, str]:
    """subscription id -> what the chat sees: the member's name in its language, the topic, the keyword."""
    member_ids = {int(row.value) for row in rows if row.kind == SubscriptionKind.MEMBER and row.value.isdigit()}
    members = queries.members_by_id(session, member_ids)
    return {row.id or 0: _label(row.kind, row.value, row.label, language, members) for row in rows}


def _label(kind: str, value: str, label: str, language: str, members: dict[int, Member]) -> str:
    if kind == SubscriptionKind.MEMBER:
        member = members.get(int(value)) if value.isdigit() else None
        return member_name(member, language) if member is not None else label
    if kind == SubscriptionKind.TOPIC:
        return tr(language, f"topic_{value}")
    return tr(language, "keyword_label", phrase=label or value)
