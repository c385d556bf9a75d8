"""Answers as Telegram HTML: what the user reads is the answer's text, character for character, with its
sources as links, in as many messages as Telegram needs.

The stand-in's ``parse_html`` parses the HTML the way Telegram's server does, so "Telegram accepts it and
shows this text" is checked, not just "the string looks escaped".
"""

from __future__ import annotations

import random

import pytest

from bot.answers import Answer, Source
from bot.tg.render import TEXT_LIMIT, render_answer, render_text, units
from tests.botapi_standin import parse_html

REPORT = "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/"


def shown(html_text: str) -> str:
    """What the user reads, as Telegram parses it (it also trims each message)."""
    plain, _ = parse_html(html_text)
    return plain.strip()


def links(html_text: str) -> list[str]:
    _, entities = parse_html(html_text)
    return [entity["url"] for entity in entities if entity["type"] == "text_link"]


def test_the_text_is_shown_as_written_and_the_source_becomes_a_link() -> None:
    text = f"Completion: 1 complete & 5 <substantial>.\nSource: IRM “Mexico Results Report 2019-2022”, {REPORT}"
    [message] = render_answer(Answer(text, "en", "plan_summary", sources=[Source("IRM report", REPORT)]))
    assert shown(message) == text
    assert links(message) == [REPORT]
    assert "&amp;" in message and "&lt;substantial&gt;" in message


@pytest.mark.parametrize(
    "text",
    ["<b>bold?</b>", "&", "&amp; &lt;", "a < b > c", "<a href='x'>y</a>", "tag <script>alert(1)</script>",
     "\u200b\u202e hidden", "🤖 <i>", '"quoted" & \'single\''],
)
def test_markup_in_an_answer_is_text(text: str) -> None:
    [message] = render_text(text)
    assert shown(message) == text.strip()
    assert parse_html(message)[1] == []  # no formatting smuggled in


def test_only_the_answers_sources_become_links_and_only_as_whole_words() -> None:
    other = "https://example.org/not-a-source"
    text = f"See {REPORT}.\nAlso {other}\nGlued:x{REPORT}\n({REPORT})"
    [message] = render_text(text, [REPORT])
    assert shown(message) == text
    assert links(message) == [REPORT, REPORT]  # "See ...", "(...)"; not the glued one, not the other URL


def test_a_source_url_with_markup_characters_stays_one_correct_link() -> None:
    url = "https://example.org/report?a=1&b=2&c=it's"
    [message] = render_text(f"Source: {url}", [url])
    assert links(message) == [url]
    assert shown(message) == f"Source: {url}"


def test_a_long_answer_is_split_at_paragraphs_into_messages_telegram_accepts() -> None:
    paragraphs = [f"Paragraph {n}: " + " ".join(["commitment & <plan>"] * 120) for n in range(4)]
    text = "\n\n".join(paragraphs)
    messages = render_text(text)
    assert len(messages) == 4
    assert all(units(message) <= TEXT_LIMIT for message in messages)
    assert [shown(message) for message in messages] == paragraphs


def test_lines_are_kept_whole_when_a_paragraph_is_too_long() -> None:
    lines = [f"• member {n:03d}: {'x' * 90}" for n in range(120)]
    messages = render_text("\n".join(lines))
    assert len(messages) > 1
    assert all(units(message) <= TEXT_LIMIT for message in messages)
    assert "\n".join(shown(message) for message in messages) == "\n".join(lines)


def test_a_word_longer_than_a_message_is_cut_between_characters_not_inside_an_escape() -> None:
    text = "&" * 5000 + "<" * 3000
    messages = render_text(text)
    assert all(units(message) <= TEXT_LIMIT for message in messages)
    assert "".join(shown(message) for message in messages) == text


def test_characters_outside_the_bmp_count_twice() -> None:
    text = "🤖" * 3000
    messages = render_text(text)
    assert len(messages) == 2
    assert all(units(message) <= TEXT_LIMIT for message in messages)
    assert "".join(shown(message) for message in messages) == text


def test_a_caption_limit_can_be_asked_for() -> None:
    messages = render_text("word " * 600, limit=1024)
    assert len(messages) == 3 and all(units(message) <= 1024 for message in messages)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n"])
def test_nothing_to_say_is_no_message(text: str) -> None:
    assert render_text(text) == []


def test_random_texts_always_give_parseable_messages_under_the_limit() -> None:
    rng = random.Random(20261124)
    alphabet = ["a", "é", " ", "\n", "&", "<", ">", "🤖", '"', "amp;", REPORT, " " + REPORT + " "]
    for _ in range(25):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 2000)))
        for limit in (64, 300, TEXT_LIMIT):
            messages = render_text(text, [REPORT], limit)
            for message in messages:
                assert units(message) <= limit
                assert shown(message)  # parses, and is not blank
            rebuilt = "".join(parse_html(message)[0] for message in messages)
            assert "".join(rebuilt.split()) == "".join(text.split())  # nothing lost but whitespace at the cuts
