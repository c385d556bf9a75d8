"""What /subscribe and /unsubscribe understand, what they store and what they reply, without Telegram.

Runs on the starter data (the findings of the seed pages), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.member_index import MemberIndex
from bot.subscription_requests import (
    ChatRef,
    Request,
    list_subscriptions,
    read_request,
    remove_subscription,
    subscribe_chat,
    subscribe_member,
    unsubscribe_chat,
)
from jobs import starter
from storage import knowledge, subscriptions
from storage.database import session_scope
from storage.models import Chat, Subscription, SubscriptionKind
from storage.subscriptions import MAX_SUBSCRIPTIONS_PER_CHAT

CHAT = 4242
OTHER_CHAT = -100777


@pytest.fixture
def kb(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        starter.ensure_loaded(session)
    return engine


def member_id(session: Session, name: str) -> str:
    member = knowledge.find_member(session, name)
    assert member is not None and member.id is not None
    return str(member.id)


def stored(session: Session, chat_id: int = CHAT) -> list[tuple[str, str]]:
    return [(row.kind, row.value) for row in subscriptions.chat_subscriptions(session, chat_id)]


# The read-only cases share one database per backend: loading the starter data is most of a test's time.

MEMBER_NAMES = [
    ("Mexico", "Mexico"), ("méxico", "Mexico"), ("Mexco", "Mexico"), ("to Mexico", "Mexico"),
    ("CDMX", "Mexico City"), ("Ciudad de México", "Mexico City"), ("mexico city", "Mexico City"),
    ("Mex\u200bico", "Mexico"), ("  Jalisco  ", "Jalisco State"),
]
TOPICS = [
    ("reports", "reports"), ("informes", "reports"), ("Withdrawals", "withdrawals"), ("retiros", "withdrawals"),
    ("status", "status"), ("estado", "status"), ("all", "all"), ("TODO", "all"),
]
KEYWORDS = [
    ("keyword fiscal transparency", "fiscal transparency"), ("palabra transparencia fiscal", "transparencia fiscal"),
    ("palabra clave Fideicomisos", "Fideicomisos"), ("keywords   open   contracting", "open contracting"),
    ("keyword Mexico", "Mexico"),
]
NOT_UNDERSTOOD = [
    ("", "en", "To get alerts in this chat"),
    ("Atlantis", "en", "I do not know an OGP member called “Atlantis”."),
    ("Mexico trusts", "en", "I do not know an OGP member called “Mexico trusts”."),
    ("<script>", "en", "I do not know an OGP member called “<script>”."),
    ("Atlántida", "es", "No conozco ningún miembro de OGP llamado “Atlántida”."),
    ("Japan", "en", "I have no data on Japan yet"),
    ("Japón", "es", "Todavía no tengo datos sobre Japón"),
    ("keyword ab", "en", "A keyword needs at least 3 letters"),
    ("palabra", "es", "Una palabra clave necesita al menos 3 letras"),
]


def test_members_by_any_of_their_names(kb: Engine) -> None:
    index = MemberIndex()
    with Session(kb) as session:
        for argument, member in MEMBER_NAMES:
            expected = Request(SubscriptionKind.MEMBER, member_id(session, member), member)
            assert read_request(session, index, argument, "en") == expected, argument


def test_topics_and_keywords_in_english_and_spanish(kb: Engine) -> None:
    index = MemberIndex()
    with Session(kb) as session:
        for argument, topic in TOPICS:
            assert read_request(session, index, argument, "en") == Request(SubscriptionKind.TOPIC, topic, topic)
        for argument, phrase in KEYWORDS:
            assert read_request(session, index, argument, "en") == Request(SubscriptionKind.KEYWORD, phrase, phrase)


def test_what_is_not_understood_is_explained(kb: Engine) -> None:
    index = MemberIndex()
    with Session(kb) as session:
        for argument, language, expected in NOT_UNDERSTOOD:
            reply = read_request(session, index, argument, language)
            assert isinstance(reply, str) and expected in reply, argument
            if "know" in expected or "conozco" in expected:  # and how to subscribe instead
                assert ("/subscribe reports" if language == "en" else "/subscribe informes") in reply


def test_subscribing_stores_once_and_says_so_in_the_chats_language(kb: Engine) -> None:
    index = MemberIndex()
    english, spanish = ChatRef(CHAT, "private", None, "en"), ChatRef(OTHER_CHAT, "supergroup", "Watchdogs", "es")
    with session_scope(kb) as session:
        mexico = member_id(session, "Mexico")
        assert subscribe_chat(session, index, english, "Mexico", 1) == (
            "Subscribed: this chat will get alerts about Mexico.")
        assert subscribe_chat(session, index, english, "mexco", 1) == "This chat is already subscribed to Mexico."
        assert subscribe_chat(session, index, english, "reports", 1) == (
            "Subscribed: this chat will get alerts about new IRM reports.")
        assert subscribe_chat(session, index, english, "informes", 1).startswith("This chat is already subscribed")
        assert subscribe_chat(session, index, english, "keyword Fiscal Transparency", 1) == (
            "Subscribed: this chat will get alerts about “Fiscal Transparency”.")
        assert subscribe_chat(session, index, english, "keyword fiscal   transparency", 1).startswith("This chat is "
                                                                                                      "already")
        assert subscribe_chat(session, index, spanish, "CDMX", 2) == (
            "Suscripción hecha: este chat recibirá alertas sobre Ciudad de México.")
        assert stored(session) == [("member", mexico), ("topic", "reports"), ("keyword", "fiscal transparency")]
        group = session.get(Chat, OTHER_CHAT)
        assert group is not None and (group.kind, group.title, group.language) == ("supergroup", "Watchdogs", "es")


def test_a_request_not_understood_stores_nothing_not_even_the_chat(kb: Engine) -> None:
    with session_scope(kb) as session:
        for argument in ("", "<script>", "Japan", "keyword <b>", "x" * 5000):
            subscribe_chat(session, MemberIndex(), ChatRef(CHAT), argument)
    with Session(kb) as session:
        assert session.get(Chat, CHAT) is None
        assert session.exec(select(Subscription)).all() == []


def test_listing_names_members_in_the_chats_language(kb: Engine) -> None:
    index = MemberIndex()
    with session_scope(kb) as session:
        for argument in ("CDMX", "retiros", "palabra fideicomisos"):
            subscribe_chat(session, index, ChatRef(CHAT), argument)
        spanish = list_subscriptions(session, CHAT, "es")
        english = list_subscriptions(session, CHAT, "en")
    assert spanish.text == ("Suscripciones de este chat:\n• Ciudad de México (miembro)\n• retiros de miembros (tema)\n"
                            "• “fideicomisos” (palabra clave)\nToca un botón para quitar una.")
    assert [label for _, label in english.items] == ["Mexico City", "members withdrawing", "“fideicomisos”"]
    with Session(kb) as session:
        assert list_subscriptions(session, OTHER_CHAT, "en").text.startswith("This chat has no subscriptions yet.")


def test_unsubscribing_by_name_topic_keyword_or_all(kb: Engine) -> None:
    index = MemberIndex()
    with session_scope(kb) as session:
        for argument in ("Mexico", "reports", "keyword fiscal transparency", "all"):
            subscribe_chat(session, index, ChatRef(CHAT), argument)
        assert unsubscribe_chat(session, index, CHAT, "México", "en") == "Removed: Mexico."
        assert unsubscribe_chat(session, index, CHAT, "Mexico", "en") == (
            "This chat is not subscribed to Mexico. See /subscriptions.")
        assert unsubscribe_chat(session, index, CHAT, "keyword Fiscal Transparency", "es") == (
            "Quitada: “fiscal transparency”.")  # as it was subscribed
        assert unsubscribe_chat(session, index, CHAT, "informes", "es") == "Quitada: nuevos informes del IRM."
        assert unsubscribe_chat(session, index, CHAT, "", "en").startswith("Send /unsubscribe Mexico")
        assert stored(session) == [("topic", "all")]
        assert unsubscribe_chat(session, index, CHAT, "all", "en") == "Removed all subscriptions of this chat (1)."
        assert unsubscribe_chat(session, index, CHAT, "todo", "es") == "Este chat no tenía suscripciones."


def test_a_remove_button_only_removes_a_subscription_of_its_own_chat(kb: Engine) -> None:
    with session_scope(kb) as session:
        subscribe_chat(session, MemberIndex(), ChatRef(OTHER_CHAT), "reports")
        [(theirs, _)] = list_subscriptions(session, OTHER_CHAT, "en").items
        assert remove_subscription(session, CHAT, theirs, "en") is None
        assert remove_subscription(session, CHAT, 999_999, "en") is None
        assert stored(session, OTHER_CHAT) == [("topic", "reports")]
        assert remove_subscription(session, OTHER_CHAT, theirs, "en") == "Removed: new IRM reports."
        assert remove_subscription(session, OTHER_CHAT, theirs, "en") is None


def test_a_subscribe_button_names_an_existing_member(kb: Engine) -> None:
    with session_scope(kb) as session:
        mexico = int(member_id(session, "Mexico"))
        assert subscribe_member(session, ChatRef(CHAT, language="es"), mexico) == (
            "Suscripción hecha: este chat recibirá alertas sobre México.")
        assert subscribe_member(session, ChatRef(CHAT), 999_999) is None
        assert stored(session) == [("member", str(mexico))]


def test_a_chat_has_a_limit(kb: Engine) -> None:
    with session_scope(kb) as session:
        for n in range(MAX_SUBSCRIPTIONS_PER_CHAT):
            subscriptions.subscribe(session, CHAT, SubscriptionKind.KEYWORD, f"word{n:03d}", f"word{n:03d}")
        reply = subscribe_chat(session, MemberIndex(), ChatRef(CHAT), "Mexico")
    assert reply == (f"This chat has reached the limit of {MAX_SUBSCRIPTIONS_PER_CHAT} subscriptions. Remove one "
                     "with /subscriptions first.")
