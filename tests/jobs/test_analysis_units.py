"""Unit tests for the pieces the chat engine reuses (numbers, ordinals, dates) and for the text helpers
the rules depend on (sentence splitting, clause and list splitting, classification)."""

from __future__ import annotations

from datetime import date

import pytest

from jobs.analysis.classify import classify, normalise_period
from jobs.analysis.language import detect_language
from jobs.analysis.numbers import number_value, ordinal_value, parse_date
from jobs.analysis.reports import clause_counts, clause_levels, clauses
from jobs.analysis.subjects import list_items
from jobs.analysis.text import cut_comments, extract, plain_title, split_sentences
from storage.models import DocumentKind


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("13", 13), ("thirteen", 13), ("Thirteen", 13), ("trece", 13), ("veintiún", 21), ("veintiun", 21),
        ("twenty-one", 21), ("ninety nine", 99), ("treinta y uno", 31), ("dieciséis", 16), ("dieciseis", 16),
        ("one hundred", 100), ("cien", 100), ("ciento cinco", 105), ("one hundred and five", 105),
        ("1,000", 1000), ("once", 11), ("zero", 0),
        ("", None), ("thirteenth", None), ("twenty twenty", None), ("banana", None), ("cuatro cinco", None),
    ],
)  # fmt: skip
def test_number_value(word: str, value: int | None) -> None:
    assert number_value(word) == value


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("4th", 4), ("fourth", 4), ("Fourth", 4), ("cuarto", 4), ("cuarta", 4), ("4º", 4), ("4o", 4),
        ("4.º", 4), ("4ª", 4), ("1st", 1), ("first", 1), ("primer", 1), ("primero", 1), ("primera", 1),
        ("2nd", 2), ("3rd", 3), ("tercer", 3), ("10th", 10), ("tenth", 10), ("décimo", 10), ("decimo", 10),
        ("séptimo", 7), ("septimo", 7), ("3er", 3),
        ("four", None), ("", None), ("plan", None),
    ],
)  # fmt: skip
def test_ordinal_value(word: str, value: int | None) -> None:
    assert ordinal_value(word) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("December 13, 2021", date(2021, 12, 13)),
        ("13 December 2021", date(2021, 12, 13)),
        ("13 de diciembre de 2021", date(2021, 12, 13)),
        ("el 3 de Mayo del 2022", date(2022, 5, 3)),
        ("until August 31, 2022.", date(2022, 8, 31)),
        ("Aug. 31, 2022", date(2022, 8, 31)),
        ("2022-10-20", date(2022, 10, 20)),
        ("31 de septiembre de 2022", None),
        ("May 2022", None),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, value: date | None) -> None:
    assert parse_date(text) == value


def test_language() -> None:
    assert detect_language("The plan achieved early results in nine of the thirteen commitments.") == "en"
    assert detect_language("El plan logró resultados tempranos en nueve de los trece compromisos.") == "es"
    assert detect_language("") == "en"


def test_sentences_are_exact_slices_and_respect_abbreviations() -> None:
    text = "Washington, D.C. – Officials met Mr. Smith. The plan has 13 commitments[2]. Next one.\nA title line"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Washington, D.C. – Officials met Mr. Smith.",
        "The plan has 13 commitments[2].",
        "Next one.",
        "A title line",
    ]
    assert all(s.text in text for s in sentences)
    assert sentences[1].clean == "The plan has 13 commitments."


def test_comments_are_cut_and_plain_title_skips_boilerplate() -> None:
    text = "Skip Navigation\n\nReal Title Here\n\nBody text.\n\nComments (3)\n\nX withdrew from OGP."
    assert cut_comments(text).endswith("Body text.")
    assert plain_title(text) == "Real Title Here"


def test_html_title_and_list_items() -> None:
    markup = """<html><head><title>A Page - Open Government Partnership</title></head><body>
    <nav><a href="/">Home</a><a href="/news/">News</a></nav><article><h1>The Real Title</h1>
    <p>The plan's early results were shaped by these factors, which the IRM found in its research:</p>
    <ul><li>Adapting and making use of virtual meetings.</li><li>Sharing of information.</li></ul>
    <p>These factors should be kept in mind for the next action plan of the member.</p></article>
    <footer>Footer text</footer></body></html>"""
    page = extract(markup, "text/html")
    assert page.title == "The Real Title"
    assert "Sharing of information." in page.text
    assert "Footer text" not in page.text
    no_h1 = extract("<html><head><title>Only Title - Open Government Partnership</title></head><body><p>x</p>", None)
    assert no_h1.title == "Only Title"


def test_clauses_keep_parentheses_and_split_spanish_y() -> None:
    assert clauses("five achieved marginal results, three significant (a, b and c) y uno sobresaliente") == [
        "five achieved marginal results",
        "three significant (a, b and c)",
        "uno sobresaliente",
    ]
    assert clauses("treinta y uno compromisos") == ["treinta y uno compromisos"]


def test_clause_counts_and_levels() -> None:
    assert clause_counts("seven commitments were completed to a limited extent") == [7]
    assert clause_counts("commitment 3 achieved significant results in 2021") == []
    assert clause_counts("siete compromisos alcanzaron un nivel de cumplimiento limitado") == [7]
    assert clause_levels("seven commitments were completed to a limited extent") == {("completion", "limited")}
    assert clause_levels("only one commitment reached the level of completion") == {("completion", "complete")}
    assert len(clause_levels("four of them with significant or exceptional achievements")) == 2


def test_list_items_split_on_missing_comma() -> None:
    assert list_items("Jalisco State, State of Mexico the Municipality of Tlalnepantla de Baz, and Yucatan State.") == [
        "Jalisco State",
        "State of Mexico",
        "Municipality of Tlalnepantla de Baz",
        "Yucatan State",
    ]
    assert list_items("Bosnia and Herzegovina y Trinidad y Tobago") == ["Bosnia and Herzegovina", "Trinidad y Tobago"]


@pytest.mark.parametrize(
    ("title", "url", "kind", "draft"),
    [
        ("Mexico Results Report 2019-2022", "https://www.opengovpartnership.org/documents/x/", "results_report", False),
        ("Informe de Resultados: México 2019-2022", "https://x/documents/y/", "results_report", False),
        ("Kenya Action Plan Review 2023-2027", "https://x/documents/k/", "action_plan_review", False),
        ("Revisión del Plan de Acción: Perú 2023-2025", "https://x/documents/p/", "action_plan_review", False),
        ("Chile Design Report 2018-2020 for public comment", "https://x/documents/c/", "design_report", True),
        ("Informe de Diseño Argentina 2019-2021", "https://x/documents/a/", "design_report", False),
        ("Brazil Mid-term Report 2016-2017", "https://x/documents/b/", "progress_report", False),
        ("Colombia Informe de Medio Término 2015-2016", "https://x/documents/c/", "progress_report", False),
        ("Uruguay End-of-Term Report 2016-2018", "https://x/documents/u/", "end_of_term_report", False),
        ("Uruguay Informe de Fin de Término 2016-2018", "https://x/documents/u/", "end_of_term_report", False),
        ("Something", "https://x/documents/peru-results-report-2020-2022/", "results_report", False),
        ("Some story", "https://www.opengovpartnership.org/stories/a-story/", "news", False),
        ("Mexico", "https://www.opengovpartnership.org/members/mexico/", "member_page", False),
        ("News", "https://www.opengovpartnership.org/news/page/3/", "listing", False),
        ("IRM Report", "https://www.opengovpartnership.org/document-type/irm-report/", "listing", False),
        ("About", "https://www.opengovpartnership.org/about/", "other", False),
    ],
)
def test_classify(title: str, url: str, kind: str, draft: bool) -> None:
    result = classify(title, title + "\n\nSome body text.", url)
    assert (result.kind, result.is_draft) == (DocumentKind(kind), draft)


def test_report_member_and_period_from_title() -> None:
    r = classify("Informe de Resultados: México 2019-22", "", "https://x/documents/m/")
    assert (r.member, r.period) == ("Mexico", "2019-2022")  # a country under its gazetteer name, in any language
    assert normalise_period("no period") is None
