"""The synthetic pages: which pages the site has, and each page's HTML at a version.

Why they are generated and not stored: the benchmark's 1,000 pages (and their changed versions for the
steady-state round) must be the same in every run and in every process that serves or warms up on them, so
each is a pure function of its spec, a version and the seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from html import escape

from benchmarks.checks.wordpress import chrome, wp_head
from benchmarks.synthetic import COMMON_WORDS, SYNTHETIC_NOTICE, TOPIC_WORDS, country_name

REPORT_SHARE = 0.3
"""Share of the pages that are IRM-report-like (the rest are news-like)."""

PAGE_KB = (24, 60)
"""Size of each page's HTML, drawn uniformly: WordPress chrome (~23 KB, plus ~2.5 KB around the article)
and the article (at least 1.5 KB, so the smallest pages come out a little larger)."""

REPORT_KINDS = (
    ("Results Report", "results"), ("Action Plan Review", "review"), ("Progress Report", "progress"),
    ("End-of-Term Report", "end-of-term"), ("Design Report", "design"),
)
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
SPELLED = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
           "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
SYNTHETIC_BODY = "Synthetic Steering Committee"


@dataclass(frozen=True)
class PageSpec:
    """One page of the synthetic site: what it is about, fixed for the whole run; its body depends on a version."""

    index: int
    kind: str  # "report" or "news"
    path: str
    title: str
    country: str
    ordinal: int = 0
    period: str = ""
    commitments: int = 0


def page_specs(count: int, report_share: float) -> list[PageSpec]:
    """``count`` pages, reports spread evenly among news; about three reports per synthetic country, each on
    another plan or report kind, so every report is a new report to the knowledge base."""
    is_report = [math.floor((i + 1) * report_share) > math.floor(i * report_share) for i in range(count)]
    reports = sum(is_report)
    countries = max(1, math.ceil(reports / 3))
    specs: list[PageSpec] = []
    r = 0
    for i in range(count):
        if not is_report[i]:
            country = country_name(1 + i % max(countries, 1))
            rng = random.Random(f"news:{i}")
            topic = rng.choice(TOPIC_WORDS)
            title = f"Synthetic news {i:04d}: reformers in {country} open up {topic}"
            specs.append(PageSpec(i, "news", f"/news/synthetic-news-{i:04d}-{topic}/", title, country))
            continue
        country_n, round_n = 1 + r % countries, r // countries
        r += 1
        country = country_name(country_n)
        kind_title, kind_slug = REPORT_KINDS[(country_n + round_n) % len(REPORT_KINDS)]
        ordinal = 2 + round_n
        start = 2008 + 2 * ordinal
        period = f"{start}-{start + 2}"
        title = f"{country} {kind_title} {period}"
        slug = f"synthetic-country-{country_n:03d}-{kind_slug}-report-{period}"
        commitments = 8 + (country_n * 7 + round_n * 3) % 13
        specs.append(PageSpec(i, "report", f"/documents/{slug}/", title, country, ordinal, period, commitments))
    return specs


class _Words:
    """Sentence-shaped filler from ``benchmarks.synthetic``'s Zipf-weighted word list."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        weights = [1 / (rank + 1) for rank in range(len(COMMON_WORDS))]
        self.cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]

    def sentence(self, topic: str) -> str:
        words = self.rng.choices(COMMON_WORDS, cum_weights=self.cumulative, k=self.rng.randint(10, 28))
        if self.rng.random() < 0.4:
            words.insert(self.rng.randrange(len(words)), topic)
        return " ".join(words).capitalize() + "."

    def paragraph(self, topic: str) -> str:
        return " ".join(self.sentence(topic) for _ in range(self.rng.randint(3, 7)))


def _spelled(n: int) -> str:
    return SPELLED[n] if 0 <= n < len(SPELLED) else str(n)


def _date(rng: random.Random, year: int) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {year}"


def _report_article(spec: PageSpec, version: int, rng: random.Random, words: _Words, target: int) -> list[str]:
    """An IRM-report-like article: plan, commitment count, tallies, one section per commitment, inactive
    commitments, a decision record and an extension. Version N > 0 classifies N more commitments inactive."""
    n = spec.commitments
    start, end = (int(y) for y in spec.period.split("-"))
    ordinal = ORDINALS[spec.ordinal - 1]
    topics = [rng.choice(TOPIC_WORDS) for _ in range(n)]
    results = rng.randint(n // 2, n - 1)
    marginal = rng.randint(1, results - 1)
    significant = results - marginal
    substantial = rng.randint(1, n - 1)
    inactive = sorted(rng.sample(range(1, n + 1), 2))
    extra = [c for c in range(n, 0, -1) if c not in inactive][:version]
    parts = [
        f"<p>{SYNTHETIC_NOTICE} This synthetic report about {spec.country} imitates the phrasing of the "
        "Independent Reporting Mechanism.</p>",
        f"<h2>Summary</h2><p>{spec.country}'s {ordinal} action plan had {n} commitments. "
        f"{words.sentence(topics[0])} {words.sentence(topics[1])}</p>",
        f"<h2>Early results</h2><p>{_spelled(results).capitalize()} of the {_spelled(n)} commitments achieved early "
        f"results: {_spelled(marginal)} achieved marginal results, and {_spelled(significant)} achieved significant "
        f"results. {words.paragraph(topics[0])}</p>",
        f"<p>{_spelled(substantial).capitalize()} commitments were substantially completed. "
        f"Commitment {inactive[0] % n + 1} achieved outstanding results. {words.paragraph(topics[1])}</p>",
        f"<p>Commitments {inactive[0]} and {inactive[1]} were classified as inactive by the {SYNTHETIC_BODY}. "
        f"On commitment {inactive[0]}, see the minutes of the {SYNTHETIC_BODY} dated {_date(rng, end)}.</p>",
        f"<p>The implementation period was extended by 6 months until {_date(rng, end + 1)}.</p>",
    ]
    for c in extra:
        parts.append(f"<p>Update {version}: commitment {c} was classified as inactive by the {SYNTHETIC_BODY}.</p>")
    parts.append("<h2>Commitments</h2>")
    per = max(1, (target - sum(map(len, parts))) // n)
    for c, topic in enumerate(topics, 1):
        section = [f"<h3>Commitment {c}: Open {topic} for citizens</h3>"]
        size = len(section[0])
        while size < per - 400:
            paragraph = f"<p>{words.paragraph(topic)}</p>"
            section.append(paragraph)
            size += len(paragraph)
        if c % 3 == 0:
            section.append("<ul>" + "".join(f"<li>Milestone {m}: {words.sentence(topic)}</li>" for m in range(1, 4))
                           + "</ul>")
        parts += section
    return parts


def _news_article(spec: PageSpec, version: int, rng: random.Random, words: _Words, target: int) -> list[str]:
    topic = spec.path.rstrip("/").rsplit("-", 1)[-1]
    parts = [f"<p>Washington, D.C. – {words.sentence(topic)} {SYNTHETIC_NOTICE}</p>"]
    size = len(parts[0])
    while size < target:
        block = f"<p>{words.paragraph(topic)}</p>"
        roll = rng.random()
        if roll < 0.1:
            block = f"<h2>{words.sentence(topic).rstrip('.')}</h2>" + block
        elif roll < 0.15:
            block = f"<blockquote><p>“{words.sentence(topic)}”</p><cite>Synthetic official</cite></blockquote>"
        elif roll < 0.2:
            block = "<ul>" + "".join(f"<li>{words.sentence(topic)}</li>" for _ in range(4)) + "</ul>"
        parts.append(block)
        size += len(block)
    if version:
        update = random.Random(f"update:{spec.index}:{version}")
        parts.append(f"<p><strong>Update {version}:</strong> {_Words(update).paragraph(topic)}</p>")
    return parts


def render(spec: PageSpec, version: int, seed: int) -> str:
    """The page's HTML at ``version`` (0: as first published); deterministic for a seed."""
    rng = random.Random(f"{seed}:{spec.index}")
    words = _Words(rng)
    frame = chrome()
    url = spec.path
    modified = f"{2020 + spec.index % 5}-0{1 + spec.index % 9}-1{spec.index % 9}T10:00:00+00:00"
    if version:
        modified = f"2026-0{1 + version % 9}-01T10:00:00+00:00"
    description = f"{spec.title} (synthetic)."
    head = wp_head(spec.title, url, description, modified)
    size = rng.randint(PAGE_KB[0] * 1024, PAGE_KB[1] * 1024)
    target = size - len(head) - len(frame["header"]) - len(frame["footer"]) - 2500
    write = _report_article if spec.kind == "report" else _news_article
    article = write(spec, version, rng, words, max(target, 1500))
    filed = ("<a href=\"/document-type/irm-report/\" rel=\"tag\">IRM</a>, <a href=\"/document-type/irm-report/\" "
             "rel=\"tag\">IRM Reports</a>") if spec.kind == "report" else "<a href=\"/news/\" rel=\"tag\">News</a>"
    related = "".join(
        f"<li><a href=\"/news/synthetic-related-{(spec.index + k) % 997:03d}/\">Synthetic related story "
        f"{(spec.index + k) % 997:03d}</a><p>{words.sentence('related')}</p></li>" for k in range(1, 5)
    )
    return (
        head
        + f"<body class=\"post-template-default single single-post postid-{1000 + spec.index} "
        + "single-format-standard\">\n"
        + frame["header"]
        + f"<main id=\"content\" class=\"site-main\"><article id=\"post-{1000 + spec.index}\" class=\"post type-post\">"
        + f"<header class=\"entry-header\"><h1 class=\"entry-title\">{escape(spec.title)}</h1>"
        + f"<div class=\"entry-meta\"><time datetime=\"{modified}\">{modified[:10]}</time></div></header>\n"
        + "<div class=\"entry-content\">\n" + "\n".join(article) + "\n</div>\n"
        + f"<footer class=\"entry-footer\"><span class=\"cat-links\">Filed under: {filed}</span></footer></article>\n"
        + f"<aside class=\"related-posts\"><h3>Related</h3><ul>{related}</ul></aside>\n"
        + "<section id=\"comments\" class=\"comments-area\"><p class=\"no-comments\">No comments yet.</p>"
        + "<div id=\"respond\"><h3 id=\"reply-title\">Leave a Reply</h3><form class=\"comment-form\"><textarea "
        + "name=\"comment\"></textarea><input type=\"submit\" value=\"Post Comment\"></form></div></section>\n"
        + "</main>\n"
        + frame["footer"]
    )


WARM_UP = PageSpec(-1, "report", "/documents/warm-up/", "Synthetic Country 999 Results Report 2020-2022",
                   "Synthetic Country 999", 3, "2020-2022", 10)
"""A report outside the site, analysed once per checker process before round 1: imports and regex
compilation happen once per process, and would otherwise land in the cold round."""
