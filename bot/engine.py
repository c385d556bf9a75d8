"""The conversation engine: a question in, an answer with its sources out. No chat platform in here;
the terminal and Telegram front ends are thin adapters over ``ConversationEngine.ask``.
"""

from __future__ import annotations

import logging
import unicodedata

from sqlalchemy import Engine
from sqlmodel import Session

from bot.answers import Answer, compose
from bot.member_index import MemberIndex
from bot.messages import say
from bot.question import MAX_QUESTION_CHARS, detect_language, parse
from storage.names import normalize

log = logging.getLogger(__name__)


def clean_input(text: str) -> str:
    """Drop control and formatting characters (terminal escapes, zero-width tricks) and cap the length."""
    kept = (ch if unicodedata.category(ch)[0] != "C" else " " for ch in text[: MAX_QUESTION_CHARS * 4])
    return " ".join("".join(kept).split())[:MAX_QUESTION_CHARS]


class ConversationEngine:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._index = MemberIndex()

    def ask(self, text: str) -> Answer:
        question_text = clean_input(text or "")
        try:
            with Session(self._engine) as session:
                self._index.refresh(session)
                return compose(session, parse(question_text, self._index))
        except Exception:
            # The user gets a plain apology; the details go to the log for whoever runs the bot.
            log.exception("could not answer %r", question_text[:80])
            language = detect_language(question_text, normalize(question_text).split())
            return Answer(say(language, "unknown"), language, "error")
