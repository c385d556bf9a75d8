"""The words questions are recognised by, in English and Spanish, and a typo-tolerant matcher for them.

Words are listed in normal form (lower case, no accents: see ``storage.names.normalize``), so "qué",
"que" and "QUE" are the same word. A word typed with a small slip ("staus", "comitment") still counts:
one edit for short words, two for long ones.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import OSA

# concept -> words that signal it
CONCEPTS: dict[str, frozenset[str]] = {
    "greeting": frozenset(
        {"hi", "hello", "hey", "hola", "buenas", "buenos", "saludos", "good", "morning", "evening", "thanks",
         "gracias", "thank"}
    ),
    "help": frozenset({"help", "ayuda", "ayudame", "commands", "comandos", "usage", "how", "como", "puedes"}),
    "commitment": frozenset({"commitment", "commitments", "compromiso", "compromisos", "commit"}),
    "status": frozenset({"status", "state", "estado", "situacion", "progress", "avance", "how", "como", "va"}),
    "member": frozenset({"member", "members", "miembro", "miembros", "membership", "participant",
                         "participante", "participantes", "parte"}),
    "still": frozenset({"still", "sigue", "siguen", "continua", "continue", "continues", "remain",
                        "remains", "todavia", "aun"}),
    "withdrawn": frozenset({"withdrew", "withdrawn", "withdraw", "withdraws", "withdrawal", "left", "leave",
                            "quit", "exited", "retiro", "retiraron", "retirado", "retirados", "retira",
                            "salio", "salieron", "abandonaron", "abandono"}),
    "inactive": frozenset({"inactive", "inactivo", "inactivos", "inactiva", "inactivas", "paused",
                           "pausado", "pausados"}),
    "active": frozenset({"active", "activo", "activos", "activa", "activas", "current", "actuales"}),
    "complete": frozenset({"completed", "complete", "completado", "completados", "completo", "completos",
                           "cumplido", "cumplidos", "finished", "done"}),
    "joined": frozenset({"join", "joined", "joins", "joining", "unio", "unieron", "ingreso", "ingresaron", "sumo",
                         "sumaron", "adhirio", "incorporo", "entro", "entraron"}),
    "when": frozenset({"when", "cuando", "fecha", "date"}),
    "plan": frozenset({"plan", "plans", "planes"}),
    "summary": frozenset({"summary", "resumen", "overview", "results", "resultados", "tally", "counts",
                          "balance"}),
    "report": frozenset({"report", "reports", "informe", "informes", "reporte", "reportes", "irm",
                         "documents", "documentos", "publications"}),
    "latest": frozenset({"latest", "recent", "newest", "last", "ultimos", "ultimo", "recientes",
                         "reciente", "nuevos", "new"}),
    "say": frozenset({"say", "said", "says", "mention", "mentions", "dice", "dijo", "decia", "menciona",
                      "search", "buscar", "busca", "find", "about", "sobre", "acerca"}),
    "list": frozenset({"which", "list", "what", "who", "cuales", "que", "quienes", "lista", "all", "todos",
                       "todas"}),
    "count": frozenset({"many", "cuantos", "cuantas", "number", "numero", "total"}),
    "ogp": frozenset({"ogp", "aga", "partnership", "alianza"}),
}

# Words that carry no topic: dropped before a full-text search and never taken for a member's name.
STOP_WORDS = frozenset(
    """a an the of in on at to for from by with and or is are was were be been do does did what which who
    whom whose how why when where there this that these those it its me my i you your please tell show give
    about still any some can could would should will has have had not no yes also than then into
    el la los las un una unos unas de del en a al por para con y o u es son fue fueron ser esta estan que
    cual cuales quien quienes como donde cuando hay me mi tu su sus se lo le les sobre esto eso ya no si
    dime muestra muestrame puedes favor ogp aga open government partnership alianza gobierno abierto""".split()
)

SPANISH_MARKERS = frozenset(
    """el la los las del que cual cuales quien quienes como donde cuando esta estan sigue siguen compromiso
    compromisos miembro miembros estado informe informes ultimos dice dijo sobre hola ayuda gracias resumen
    retiraron retiro se es son hay aun todavia plan de en y por para""".split()
) - {"plan"}
ENGLISH_MARKERS = frozenset(
    """the of is are was what which who how status commitment commitments member members still withdrew
    withdrawn report reports latest say said about hello help thanks summary did does in and for""".split()
)


def _tolerance(word: str) -> int:
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 6 else 2


def matches(token: str, word: str) -> bool:
    """True when ``token`` is ``word``, or ``word`` with a small slip."""
    if token == word:
        return True
    allowed = _tolerance(word)
    if allowed == 0 or abs(len(token) - len(word)) > allowed or token[0] != word[0] and allowed < 2:
        return False
    return OSA.distance(token, word, score_cutoff=allowed) <= allowed


_WORD_CONCEPTS: dict[str, frozenset[str]] = {
    word: frozenset(concept for concept, words in CONCEPTS.items() if word in words)
    for word in frozenset().union(*CONCEPTS.values())
}
"""Each concept word -> the concepts it signals (a few words, like "how", signal two)."""

_WORDS_BY_LENGTH: dict[int, tuple[str, ...]] = {}
for _word in sorted(_WORD_CONCEPTS):
    _WORDS_BY_LENGTH[len(_word)] = (*_WORDS_BY_LENGTH.get(len(_word), ()), _word)

KEYWORDS = STOP_WORDS | frozenset(_WORD_CONCEPTS)

TOKEN_CACHE_SIZE = 8192
"""Distinct tokens whose concepts are remembered; chat vocabulary repeats, typos are few."""


@lru_cache(maxsize=TOKEN_CACHE_SIZE)
def token_concepts(token: str) -> frozenset[str]:
    """The concepts one token signals, typo-tolerant for tokens of four letters or more.

    Cached per token: the answer depends on the token alone (the word lists are constants).
    """
    if len(token) <= 3:
        return _WORD_CONCEPTS.get(token, frozenset())
    found: set[str] = set()
    # A word can only match a token within two letters of its length (the largest tolerance).
    for length in range(len(token) - 2, len(token) + 3):
        for word in _WORDS_BY_LENGTH.get(length, ()):
            if matches(token, word):
                found |= _WORD_CONCEPTS[word]
    return frozenset(found)


def concepts_in(tokens: list[str]) -> set[str]:
    """Every concept some token signals, typo-tolerant for words of four letters or more."""
    found: set[str] = set()
    for token in tokens:
        found |= token_concepts(token)
    return found


def is_keyword(token: str) -> bool:
    """True for words that belong to the question's frame rather than to a member's name."""
    return token in KEYWORDS
