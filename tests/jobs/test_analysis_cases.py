"""Data-driven analysis tests: each JSON file in analysis_cases/ is a page and the findings it must (and
must not) yield. An empty list for a finding type means the page must yield none of that type, which is
how counter-examples ("civil society left the forum") are written."""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from jobs.analysis import analyse_page
from jobs.analysis import findings as findings_module
from jobs.analysis.text import normalise_text

CASES_DIR = Path(__file__).parent / "analysis_cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))


def _comparable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_cases_and_counter_examples() -> None:
    names = [p.stem for p in CASE_FILES]
    assert len(names) >= 20
    assert sum(n.startswith("counter_") for n in names) >= 5


def test_every_case_is_labelled_synthetic() -> None:
    """The cases are invented pages; the label keeps anyone from reading them as facts about OGP members."""
    for path in CASE_FILES:
        case = _load(path)
        assert case.get("synthetic"), f"{path.name} lacks its 'synthetic' label"
        assert "opengovpartnership.org" not in case["url"], f"{path.name} poses as a real OGP page"


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path: Path) -> None:
    case = _load(path)
    content = case.get("html", case.get("text"))
    assert content is not None, "a case needs 'text' or 'html'"
    content_type = case.get("content_type") or ("text/html; charset=utf-8" if "html" in case else None)
    analysis = analyse_page(content, case["url"], content_type)

    if "kind" in case:
        assert analysis.kind == case["kind"]
    if "language" in case:
        assert analysis.language == case["language"]
    if "title" in case:
        assert analysis.title == case["title"]

    for type_name, expected_items in case["expected"].items():
        cls = getattr(findings_module, type_name)
        actual = analysis.of_type(cls)
        if not expected_items:
            assert actual == [], f"{type_name} must yield nothing, got {actual}"
            continue
        fields = sorted({k for item in expected_items for k in item})
        want = {tuple(_comparable(item.get(f)) for f in fields) for item in expected_items}
        got = {tuple(_comparable(getattr(f_, f)) for f in fields) for f_ in actual}
        assert got == want, f"{type_name} on fields {fields}"

    # Every finding quotes a sentence of the page as its evidence.
    source = normalise_text(content) if "text" in case else analysis.text
    for finding in analysis.findings:
        assert finding.evidence, finding
        assert finding.evidence in analysis.text, finding
        assert finding.evidence in source, finding
