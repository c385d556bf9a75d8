"""Keeping CSV cells from running as spreadsheet formulas (CSV injection), both ways.

A spreadsheet opening a CSV file runs a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or carriage return) as a formula. Exported text comes from web pages OGP Watch does not control, so a page
title like ``=HYPERLINK("http://evil.example","click")`` would become a live link, or worse, in the admin's
spreadsheet. Such a cell is written with a leading apostrophe, which spreadsheets show as text and do not
display. Reading our own files back, the apostrophe is removed again, so export then import is exact.

Text that already starts with apostrophes before one of those characters gets one more, so the round trip
is exact for it too. Whole numbers ("-3") are not formulas and are left alone.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet could run ``cell`` as a formula (plain numbers excepted)."""
    return cell.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell)


def _escaped_form(cell: str) -> bool:
    """Apostrophes followed by a formula start: the form ``neutralise`` adds one apostrophe to."""
    return is_formula(cell.lstrip(ESCAPE))


def neutralise(cell: str) -> str:
    """``cell`` as written to a CSV file: safe to open in a spreadsheet, and undone by ``restore``."""
    return ESCAPE + cell if _escaped_form(cell) else cell


def restore(cell: str) -> str:
    """The text a ``neutralise``d cell stood for; any other cell as it is."""
    return cell[1:] if cell.startswith(ESCAPE) and _escaped_form(cell) else cell
