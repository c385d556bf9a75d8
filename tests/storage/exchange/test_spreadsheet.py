"""Formula neutralisation: exported cells never run in a spreadsheet, and reading them back is exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.exchange.spreadsheet import is_formula, neutralise, restore

FORMULAS = ['=HYPERLINK("http://synthetic.example/x","click")', "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
            "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_get_an_apostrophe_and_come_back_unchanged(cell: str) -> None:
    written = neutralise(cell)
    assert written == "'" + cell
    assert not is_formula(written)
    assert restore(written) == cell


@pytest.mark.parametrize("cell", ["plain text", "-3", "+44", "12.5", "'quoted", "", "a=b", "email@synthetic.example"])
def test_ordinary_cells_and_numbers_are_left_alone(cell: str) -> None:
    assert neutralise(cell) == cell
    assert restore(cell) == cell


def test_text_that_already_starts_with_an_apostrophe_before_a_formula_survives_the_round_trip() -> None:
    assert neutralise("'=1") == "''=1"
    assert restore("''=1") == "'=1"


@given(st.text(max_size=40))
def test_any_text_round_trips_and_is_never_written_as_a_formula(text: str) -> None:
    written = neutralise(text)
    assert restore(written) == text
    assert not is_formula(written)
