"""Every label of the page corpus (tests/data/pages/), asserted.

A trap (``-`` label) must never be found, and a withdrawal or status that no page states must never be
found: those are the defects a watchdog cannot afford. The ``+`` labels not yet read are written down in
known_misses.txt, one line each; a label missed that is not on that list fails, and so does a line on it
that is now read (delete it), so the list only shrinks. ``python -m benchmarks.understanding --misses``
prints the current list.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from benchmarks import understanding
from benchmarks.understanding import CorpusPage, PageScore, load_corpus, matches, miss_lines, score_page

PAGES = load_corpus()
#: Fact kinds where a fact found and not labelled fails outright: a status never stated is the worst defect.
NO_FALSE_POSITIVES = ("withdrawal", "status")


@cache
def _score(name: str) -> PageScore:
    return score_page(next(p for p in PAGES if p.path.name == name))


def _known() -> set[str]:
    lines = understanding.KNOWN_MISSES.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_corpus_has_the_pages_the_benchmark_needs() -> None:
    prefixes = Counter(p.path.name.split("_", 1)[0] for p in PAGES)
    assert len(PAGES) >= 40
    leaving = [p for p in PAGES if p.must.get("withdrawal") or
               {f[1] for f in p.must.get("status", set())} & {"withdrawn", "inactive", "under_review"}]
    assert len(leaving) >= 12
    assert len({f[0] for p in leaving for f in p.must.get("status", set())}) >= 8
    assert sum(1 for p in leaving if p.path.name.startswith("es_")) >= 3  # Spanish too
    assert prefixes["list"] >= 8
    reports = [p for p in PAGES if p.path.name.startswith("report_")]
    assert len(reports) >= 6 and all(f[0] != "MX" for p in reports for f in p.must.get("report", set()))
    # Trap pages: a membership word ("withdraw", "under review", "inactive") that is not a membership change.
    traps = [p for p in PAGES if p.path.name.startswith("trap_")]
    assert len(traps) >= 10 and all(p.must_not.get("withdrawal") or p.must_not.get("status") for p in traps)
    assert not any(p.must.get("withdrawal") for p in traps)


@pytest.mark.parametrize("page", PAGES, ids=[p.path.stem for p in PAGES])
def test_page_labels_are_modelled_on_a_real_page(page: CorpusPage) -> None:
    assert page.url.startswith(("http://", "https://"))
    assert page.must or page.must_not, "a page with no labels asserts nothing"


@pytest.mark.parametrize("page", PAGES, ids=[p.path.stem for p in PAGES])
def test_no_trap_is_taken_for_a_fact(page: CorpusPage) -> None:
    score = _score(page.path.name)
    hit = {kind: facts for kind, facts in score.traps_hit.items() if facts}
    assert not hit, f"{page.path.name}: found what its '-' labels rule out: {hit}"


@pytest.mark.parametrize("page", PAGES, ids=[p.path.stem for p in PAGES])
def test_no_membership_change_the_page_does_not_state(page: CorpusPage) -> None:
    score = _score(page.path.name)
    wrong = {kind: score.wrong[kind] for kind in NO_FALSE_POSITIVES if score.wrong[kind]}
    assert not wrong, f"{page.path.name}: found and not labelled: {wrong}"


@pytest.mark.parametrize("page", PAGES, ids=[p.path.stem for p in PAGES])
def test_every_label_is_read_or_a_known_miss(page: CorpusPage) -> None:
    lines = set(miss_lines([_score(page.path.name)]))
    known = {line for line in _known() if line.split(" ", 2)[1] == f"{page.path.name}:"}
    new = sorted(lines - known)
    fixed = sorted(known - lines)
    assert not new, "new misses (fix the reader, or the label if it is wrong):\n" + "\n".join(new)
    assert not fixed, "read now, so delete from known_misses.txt:\n" + "\n".join(fixed)


def test_known_misses_name_only_corpus_pages() -> None:
    names = {p.path.name for p in PAGES}
    stale = [line for line in _known() if line.split(" ", 2)[1].rstrip(":") not in names]
    assert not stale


def test_a_trap_pattern_matches_by_field() -> None:
    assert matches(("HU", "withdrew"), ("HU", "*"))
    assert not matches(("HU", "withdrew"), ("TR", "*"))


def test_the_benchmark_prints_precision_and_recall_per_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert understanding.main(["--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["pages"] == len(PAGES)
    for kind in ("withdrawal", "status", "report", "joined", "date"):
        row = figures["kinds"][kind]
        assert set(row) == {"precision", "recall", "tp", "fp", "fn"}
        assert 0.0 <= row["precision"] <= 1.0 and 0.0 <= row["recall"] <= 1.0
    assert figures["kinds"]["withdrawal"]["precision"] == 1.0
    assert figures["kinds"]["status"]["precision"] == 1.0


def test_the_benchmark_scores_a_held_out_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "wd_turkey.txt").write_text(
        "https://www.opengovpartnership.org/news/government-of-turkey-leaves-the-open-government-partnership/\n"
        "+ withdrawal: Turkey | no_longer_participating\n"
        "+ member: Turkey | country\n"
        "---\n"
        "The Government of Turkey, as of September 21, 2017, no longer takes part in the Open Government "
        "Partnership (OGP).\n", encoding="utf-8")
    assert understanding.main(["--json", "--corpus", str(tmp_path)]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["pages"] == 1
    assert figures["kinds"]["withdrawal"]["tp"] == 1
    # The page yields a status and a date that it does not label: the held-out set's figures show them.
    assert figures["kinds"]["status"]["fp"] == 1


def test_the_benchmark_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert understanding.main(["--corpus", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err
