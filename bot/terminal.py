"""The terminal chat: the same conversation engine as on Telegram, read from stdin and printed.

Two requests are the terminal's own, because what they mean depends on where the user sits. A chart is a
picture, which a terminal cannot show: it is written to a PNG file and the path printed. A subscription is
how a Telegram chat chooses its alerts, while ``ogp-watch run`` prints every alert in its terminal: asking
to subscribe here gets that explanation, not the member's status the engine would answer.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from bot.chart import PlanChart, chart_file_name, plan_chart, save_chart
from bot.engine import ConversationEngine, clean_input
from bot.member_index import MemberIndex
from bot.member_lookup import UnknownPlace, clean_argument, lookup_member
from bot.messages import say
from bot.texts_tg import tr
from bot.vocabulary import matches
from storage.names import normalize

log = logging.getLogger(__name__)

PROMPT = "> "
QUIT_WORDS = frozenset({"quit", "exit", "bye", "salir", "adios", "adiós", ":q"})
BANNER = (
    "OGP Watch: ask about Open Government Partnership members and commitments, in English or Spanish.\n"
    "Try “status of Mexico commitment 9”, “¿la Ciudad de México sigue en OGP?” or “chart of Mexico”. "
    "Type “help” for more, “quit” to leave."
)

CHART, SUBSCRIBE = "chart", "subscribe"
REQUEST_WORDS: dict[str, tuple[str, str]] = {
    **{word: (CHART, "en") for word in ("chart", "charts", "graph", "graphs", "plot")},
    **{word: (CHART, "es") for word in ("grafico", "graficos", "grafica", "graficas", "diagrama")},
    **{word: (SUBSCRIBE, "en") for word in ("subscribe", "subscription", "subscriptions", "unsubscribe", "alerts")},
    **{word: (SUBSCRIBE, "es") for word in ("suscribir", "suscribirme", "suscribe", "suscribeme", "suscripcion",
                                            "suscripciones", "desuscribir", "desuscribirme", "alertas")},
}
"""Normalised first words of the terminal's own requests -> (request, the language to answer in)."""

LEAD_WORDS = frozenset({
    "show", "me", "draw", "make", "give", "get", "see", "the", "a", "please", "i", "want", "would", "like", "to",
    "how", "do", "can", "could", "you", "muestra", "muestrame", "muestras", "mostrar", "dibuja", "dame", "haz",
    "quiero", "quisiera", "como", "puedo", "puedes", "podrias", "el", "la", "un", "una", "por", "favor", "ver",
})
"""Words a request may start with: "show me the chart of Mexico", "¿cómo puedo suscribirme?"."""

LINK_WORDS = frozenset({"to", "of", "for", "about", "on", "me", "de", "del", "al", "a", "sobre"})
"""Words between the request and the name ("chart of Mexico", "suscribirme a México"), left out where the
name is quoted back. Articles stay: they can be part of a name ("El Salvador")."""

MIN_TYPO_LETTERS = 7
"""Request words this long are recognised with a slip ("subcribe"); shorter ones are too near other words
("chat" is one letter from "chart")."""

TEXTS = {
    "en": {
        "chart_saved": "Saved the chart “{title}” to {path}",
        "chart_usage": "Say which member, e.g. “chart of Mexico”.",
        "chart_unsaved": "I could not save the chart in {folders}: {reason}",
        "failed": "Sorry, I could not do that; the details are in the log.",
        "subscribe": (
            "The terminal needs no subscriptions: while `ogp-watch run` watches without a Telegram bot token, "
            "it prints every alert here, about every member and topic.\n"
            "Subscriptions are for Telegram chats. In a chat with the bot, send /subscribe {example} (a member, by "
            "any of its names), /subscribe reports, withdrawals, status or all, or /subscribe keyword WORDS. "
            "/subscriptions lists a chat's subscriptions with buttons to remove them, and /unsubscribe {example} "
            "(or all) stops alerts. In a group, only its admins can change them."
        ),
        "example": "Mexico",
    },
    "es": {
        "chart_saved": "Guardé el gráfico «{title}» en {path}",
        "chart_usage": "Di de qué miembro, p. ej. «gráfico de México».",
        "chart_unsaved": "No pude guardar el gráfico en {folders}: {reason}",
        "failed": "Perdón, no pude hacerlo; los detalles están en el registro.",
        "subscribe": (
            "En la terminal no hace falta suscribirse: mientras `ogp-watch run` vigila sin token de bot de "
            "Telegram, muestra aquí todas las alertas, de todos los miembros y temas.\n"
            "Las suscripciones son para los chats de Telegram. En un chat con el bot, envía /subscribe {example} "
            "(un miembro, con cualquiera de sus nombres), /subscribe informes, retiros, estado o todo, o "
            "/subscribe palabra PALABRAS. /subscriptions muestra las suscripciones del chat con botones para "
            "quitarlas, y /unsubscribe {example} (o todo) deja de enviar alertas. En un grupo, solo sus "
            "administradores pueden cambiarlas."
        ),
        "example": "México",
    },
}


@dataclass(frozen=True)
class Request:
    kind: str
    language: str
    argument: str
    """The name after the request word, as typed: "Mexico" in "chart of Mexico"."""


def read_request(line: str) -> Request | None:
    """The terminal's own request in the line, or None for a question for the engine."""
    words = clean_input(line).split()
    for position, word in enumerate(words):
        tokens = normalize(word).split()
        if not tokens:
            continue  # punctuation alone: "¿", "-"
        if len(tokens) == 1 and tokens[0] in LEAD_WORDS:
            continue
        found = _request_word(tokens[0])
        if found is None:
            return None
        rest = words[position + 1:]
        while rest and normalize(rest[0]) in LINK_WORDS:
            rest.pop(0)
        return Request(found[0], found[1], clean_argument(" ".join(rest)).strip(" ?¿!¡.,;:"))
    return None


def _request_word(token: str) -> tuple[str, str] | None:
    if token in REQUEST_WORDS:
        return REQUEST_WORDS[token]
    for word, meaning in REQUEST_WORDS.items():
        if len(word) >= MIN_TYPO_LETTERS and token[0] == word[0] and matches(token, word):
            return meaning
    return None


class TerminalRequests:
    """Answers the terminal's own requests; charts need the database, so without one they go to the engine."""

    def __init__(self, database: Engine | None, chart_dir: Path | None = None) -> None:
        self._database = database
        self._chart_dir = chart_dir
        self._index = MemberIndex()

    def answer(self, line: str) -> str | None:
        request = read_request(line)
        if request is None:
            return None
        if request.kind == SUBSCRIBE:
            texts = TEXTS[request.language]
            return texts["subscribe"].format(example=request.argument[:60] or texts["example"])
        if self._database is None:
            return None
        try:
            return self._chart(self._database, request)
        except Exception:  # as the engine does: an apology here, the details in the log for whoever runs it
            log.exception("could not draw a chart for %r", request.argument[:80])
            return TEXTS[request.language]["failed"]

    def _chart(self, database: Engine, request: Request) -> str:
        language, texts = request.language, TEXTS[request.language]
        if not normalize(request.argument):
            return texts["chart_usage"]
        with Session(database) as session:
            found = lookup_member(session, self._index, request.argument)
            if found is None:
                return tr(language, "sub_unknown", name=request.argument[:60]) + " " + texts["chart_usage"]
            if isinstance(found, UnknownPlace):
                return say(language, "no_data", name=found.name(language))
            drawn = plan_chart(session, found.member.id, language)
            file_name = chart_file_name(found.member.name_en)
        if not isinstance(drawn, PlanChart):
            return drawn or texts["chart_usage"]
        saved = self._save(drawn, file_name)
        if isinstance(saved, OSError):
            return texts["chart_unsaved"].format(folders=", ".join(map(str, self._folders())),
                                                 reason=saved.strerror or saved)
        lines = [texts["chart_saved"].format(title=drawn.title, path=saved)]
        if drawn.source_url:
            lines.append(say(language, "source", label=drawn.source_label, url=drawn.source_url))
        return "\n".join(lines)

    def _folders(self) -> list[Path]:
        """The chart folder (the current one by default), then the temporary folder for where that cannot
        be written (a service started in /)."""
        return list(dict.fromkeys([self._chart_dir or Path.cwd(), Path(tempfile.gettempdir())]))

    def _save(self, drawn: PlanChart, file_name: str) -> Path | OSError:
        """Where the chart was written; the last folder's error when none takes it."""
        failure = OSError("no folder to write to")
        for folder in self._folders():
            try:
                return save_chart(drawn, folder / file_name)
            except OSError as error:
                failure = error
        return failure


def run_chat(engine: ConversationEngine, read: Callable[[str], str] = input, out: TextIO | None = None, *,
             database: Engine | None = None, chart_dir: Path | None = None) -> None:
    """``database`` lets "chart of Mexico" write a PNG (into ``chart_dir``, by default the current folder)."""
    requests = TerminalRequests(database, chart_dir)

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
        own = requests.answer(line)
        show(own if own is not None else engine.ask(line).text)
        show("")
