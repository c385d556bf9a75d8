"""Words as the sentence index stores and matches them: folded and stemmed, the same on both stores.

SQLite's FTS5 stems English only (porter) and PostgreSQL's Spanish configuration needs the unaccent
extension for accents, so the two would rank differently. Instead every word is reduced here, in Python,
before it reaches either index: lower case, accents folded ("Tanzanía" = "tanzania"), then stemmed with
the Snowball stemmers of both languages. Both stems are kept, because a question in Spanish may be
answered by an English sentence and the other way round, and a word's language is not known per word.
The stores then only match plain tokens (FTS5 ``unicode61``, PostgreSQL ``simple``), which behave alike.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_WORD_LENGTH = 40
"""Longer "words" are URLs, hashes or garbage; they are not worth indexing."""

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class _Stemmers(threading.local):
    """One pair of stemmers per thread: a Snowball stemmer keeps the word it is working on in itself, so two
    threads sharing one (checks analyse pages in worker threads) garble each other's stems or crash."""

    def __init__(self) -> None:
        self.english = snowballstemmer.stemmer("english")
        self.spanish = snowballstemmer.stemmer("spanish")


_STEMMERS = _Stemmers()


def fold(text: str) -> str:
    """Lower case without accents: "Río" -> "rio", "Ñuñoa" -> "nunoa"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return [w for w in _WORD.findall(fold(text)) if len(w) <= MAX_WORD_LENGTH]


#: English irregular past forms, which no stemmer maps to their verb: "the IRM found" answers "find". Not "led":
#: "led to" is a cause far more often than a leader.
IRREGULAR = {
    "found": "find", "wrote": "write", "written": "write", "took": "take", "taken": "take",
    "gave": "give", "given": "give", "sent": "send", "said": "say", "told": "tell", "began": "begin",
    "begun": "begin", "chose": "choose", "chosen": "choose", "held": "hold", "met": "meet", "paid": "pay",
    "brought": "bring", "bought": "buy", "sought": "seek", "thought": "think", "knew": "know", "known": "know",
    "saw": "see", "seen": "see", "spoke": "speak", "spoken": "speak", "drew": "draw", "drawn": "draw",
}


@lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """A folded word's English and Spanish stems (one when they agree). Numbers stay as they are."""
    word = IRREGULAR.get(word, word)
    if word.isdigit() or len(word) <= 2:
        return (word,)
    english, spanish = _STEMMERS.english.stemWord(word), fold(_STEMMERS.spanish.stemWord(word))
    return (english,) if english == spanish else (english, spanish)


def index_terms(text: str) -> str:
    """What the index stores for a sentence: every stem of every word, space separated."""
    return " ".join(stem for word in words(text) for stem in stems(word))


def query_stems(terms: list[str]) -> list[tuple[str, ...]]:
    """Each query word's stems (a word matches a sentence holding any of them), repeats dropped."""
    seen: set[tuple[str, ...]] = set()
    out: list[tuple[str, ...]] = []
    for term in terms:
        for word in words(term):
            found = stems(word)
            if found not in seen:
                seen.add(found)
                out.append(found)
    return out
