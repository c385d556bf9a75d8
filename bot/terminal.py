"""The terminal chat: the same conversation engine as on Telegram, read from stdin and printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.engine import ConversationEngine

PROMPT = "> "
QUIT_WORDS = frozenset({"quit", "exit", "bye", "salir", "adios", "adiós", ":q"})
BANNER = (
    "OGP Watch: ask about Open Government Partnership members and commitments, in English or Spanish.\n"
    "Try “status of Mexico commitment 9” or “¿la Ciudad de México sigue en OGP?”. "
    "Type “help” for more, “quit” to leave."
)


def run_chat(engine: ConversationEngine, read: Callable[[str], str] = input, out: TextIO | None = None) -> None:
    def show(text: str) -> None:
        print(text, file=out, flush=True)

    show(BANNER)
    while True:
        try:
            line = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            show("")
            return
        if line.strip().casefold() in QUIT_WORDS:
            return
        if not line.strip():
            continue
        show(engine.ask(line).text)
        show("")
