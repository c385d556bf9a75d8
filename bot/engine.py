"""The conversation engine: a question in, an answer with its sources out. No chat platform in here;
the terminal and Telegram front ends are thin adapters over ``ConversationEngine.ask``.
"""

from __future__ import annotations

import logging
import time
import unicodedata

from sqlalchemy import Engine
from sqlmodel import Session

from bot.answers import Answer, compose
from bot.member_index import RECHECK_SECONDS, MemberIndex
from bot.messages import say
from bot.question import MAX_QUESTION_CHARS, detect_language, parse
from storage.names import normalize
from storage.search import count_documents

log = logging.getLogger(__name__)


def clean_input(text: str) -> str:
    """Drop invisible formatting characters (zero-width spaces, soft hyphens, direction marks: a word
    copied with one inside is still that word), make control characters (terminal escapes) spaces, and
    cap the length."""
    kept = []
    for ch in text[: MAX_QUESTION_CHARS * 4]:
        category = unicodedata.category(ch)
        if category != "Cf":
            kept.append(" " if category[0] == "C" else ch)
    return " ".join("".join(kept).split())[:MAX_QUESTION_CHARS]


class DocumentCount:
    """How many documents the knowledge base holds, re-counted at most every ``RECHECK_SECONDS`` (as
    stale as the member index may be). Searches need it to tell a word that is in most documents; a
    count on every search would cost about a millisecond on PostgreSQL, more when its visibility map is
    behind. Counted only when a search asks for it."""

    def __init__(self) -> None:
        self._count = 0
        self._counted_at = float("-inf")

    def __call__(self, session: Session) -> int:
        now = time.monotonic()
        if now - self._counted_at >= RECHECK_SECONDS:
            self._count = count_documents(session)
            self._counted_at = now
        return self._count


class ConversationEngine:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._index = MemberIndex()
        self._documents = DocumentCount()

    def ask(self, text: str) -> Answer:
        question_text = clean_input(text or "")
        try:
            with Session(self._engine) as session:
                self._index.refresh(session)
                return compose(session, parse(question_text, self._index), self._documents)
        except Exception:
            # The user gets a plain apology; the details go to the log for whoever runs the bot.
            log.exception("could not answer %r", question_text[:80])
            language = detect_language(question_text, normalize(question_text).split())
            return Answer(say(language, "unknown"), language, "error")
