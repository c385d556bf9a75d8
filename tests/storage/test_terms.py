"""Words as the sentence index stores them: folded, stemmed in both languages, the same on every store."""

from __future__ import annotations

import random
import threading

from storage.terms import fold, index_terms, query_stems, stems, words


def test_accents_and_case_are_folded() -> None:
    assert fold("Ñuñoa, MÉXICO y Perú") == "nunoa, mexico y peru"
    assert words("¿Quién dirige el Comité?") == ["quien", "dirige", "el", "comite"]


def test_inflections_meet_on_one_stem_in_either_language() -> None:
    assert stems("withdrew") != stems("withdraw")  # no stemmer knows irregular verbs...
    assert set(stems("withdrawing")) & set(stems("withdraw"))
    assert set(stems("retiro")) & set(stems("retirarse"))
    assert set(stems("compromisos")) & set(stems("compromiso"))


def test_irregular_past_forms_find_their_verb() -> None:
    assert set(stems("found")) & set(stems("finding"))  # "the IRM found" answers "what did the IRM find"
    assert not set(stems("led")) & set(stems("leads"))  # "led to" is a cause, not a leader


def test_a_sentence_is_indexed_with_every_stem_and_a_question_word_matches_any() -> None:
    terms = set(index_terms("The Ministry (SFP) leads it.").split())
    assert "sfp" in terms and any(stem in terms for stem in query_stems(["leading"])[0])
    assert query_stems(["Committee", "COMMITTEE", "committee"]) == [("committe",)]  # one word, once


def test_hostile_text_is_only_words() -> None:
    assert index_terms('"AND" OR NOT NEAR(*) -- ; DROP TABLE x') == "and or not near drop tabl x"
    assert words("x" * 500) == []  # not a word anyone searches for


def test_stems_are_the_same_when_many_threads_stem_at_once() -> None:
    """Checks analyse pages in worker threads: a stemmer shared between them garbled stems (and crashed)."""
    rng = random.Random(1)
    endings = ["ing", "ation", "aciones", "mente", "ed", "es"]
    vocabulary = ["".join(rng.choice("abcdefghilmnoprstuv") for _ in range(rng.randint(4, 14))) + rng.choice(endings)
                  for _ in range(20_000)]
    expected = {word: stems.__wrapped__(word) for word in vocabulary}  # one thread, no cache
    got: dict[str, tuple[str, ...]] = {}
    errors: list[str] = []

    def stem_all(part: list[str]) -> None:
        try:
            for word in part:
                got[word] = stems.__wrapped__(word)
        except Exception as error:  # what the race raised: IndexError inside snowballstemmer
            errors.append(repr(error))

    threads = [threading.Thread(target=stem_all, args=(vocabulary[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [w for w in vocabulary if got[w] != expected[w]] == []
