"""The terminal chat reads lines, answers each through the engine and ends on quit or end of input."""

from __future__ import annotations

import io

from bot.engine import ConversationEngine
from bot.terminal import run_chat


def scripted(lines: list[str]):
    feed = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read


def test_chat_answers_each_line_until_quit(seeded_engine) -> None:
    out = io.StringIO()
    run_chat(ConversationEngine(seeded_engine),
             scripted(["status of Mexico commitment 9", "", "¿la Ciudad de México sigue en OGP?", "quit",
                       "never read"]), out)
    text = out.getvalue()
    assert "commitment 9 (trusts): inactive" in text
    assert "No. Ciudad de México se retiró de OGP" in text
    assert text.count("Source") + text.count("Fuente") == 2


def test_chat_ends_quietly_at_end_of_input(seeded_engine) -> None:
    out = io.StringIO()
    run_chat(ConversationEngine(seeded_engine), scripted([]), out)
    assert "OGP Watch" in out.getvalue()
