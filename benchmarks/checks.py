"""Source checks per second and CPU seconds per check: 1,000 synthetic pages on a local web server.

Why this exists: a deployment watches many pages, most of which have not changed since the last check
(a conditional GET answered 304), and a few of which have (a 200 with a new body, which is then analysed,
ingested and run through event detection). This measures the whole public path of one check,
``SourceChecker.check_many`` (lease -> fetch -> analyse -> ingest and detect -> record), against a web
server on this machine, so the network is not what is measured.

    python -m benchmarks.checks [--sources 1000] [--changed-share 0.2] [--concurrency 8]
                                [--database-url URL] [--keep] [--profile] [--workers 1] [--worker-processes]

Rounds, each checking every source once (``force=True``):

1. cold: nothing fetched before, every page answers 200 and is analysed and ingested;
2. steady state: ``--changed-share`` of the pages got a new body (200, analysed again), the rest answer
   the conditional GET with 304;
3. unchanged: every page answers 304.

Each round prints checks per second, the checker's CPU seconds per check (``time.process_time``: the
event-loop thread and the worker threads that analyse pages and talk to the database), the check latency
(``CheckReport.elapsed_s``, p50/p95), the HTTP statuses, events recorded, SQL statements per check, peak
RSS, and the CPU split by stage (timed per thread around the calls ``jobs.check`` makes, no profiler).
``--profile`` then runs the steady-state mix once more under cProfile in every thread and prints the top
functions (cProfile roughly triples the CPU time: read it for where, not for how much).

The checker is pinned to one CPU. The web server (``ogp_watch.local_site.LocalSite``) runs in a child
process pinned to another, so the CPU figures are the checker's alone; its own CPU per check is printed
apart, as is, for a PostgreSQL server on this machine, the server's. The fetch policy is the real one
except ``allow_private`` (loopback), no politeness delay and as many requests at once to the one host as
checks at once: real checks wait 1 s between two requests to a host and make at most 2 at once.

All pages are SYNTHETIC: generated from a seed, served from 127.0.0.1, WordPress-like HTML of 26-61 KB
about "Synthetic Country NNN" (30 % IRM-report-like, so that analysis, ingest and detection have work;
the rest news-like), and each says it is synthetic.

Several workers (``--workers N``, N > 1, PostgreSQL only; ``--worker-processes`` takes this path with one):
the rounds are checked by N spawned processes, each a production-like checker with its own engine and lease
owner that loops ``check_due`` (sources due and not leased, claimed one by one) until nothing is due for it;
before each round every source is made due. Per round: checks/s from the start signal to the last worker
done, per-worker checks, claims lost to other workers, transactions re-run after a write conflict, and
double checks, counted twice over (a source's ``checks`` column up by more than one; a page the web server
served twice): must be 0. Nothing but the web server is pinned then: workers would inherit the pin.

Without ``--database-url`` a fresh SQLite file is made in a temporary folder (removed afterwards unless
``--keep``). With it, the database must be empty: it is migrated and filled, and left as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import math
import multiprocessing
import os
import platform
import pstats
import random
import resource
import sqlite3
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, inspect, text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

import jobs.check as check_module
from benchmarks.database import add_worker_arguments, benchmark_database, check_worker_arguments, database_size
from benchmarks.synthetic import COMMON_WORDS, SYNTHETIC_NOTICE, TOPIC_WORDS, country_name
from jobs.check import CheckReport, SourceChecker
from jobs.fetch import Fetcher, FetchPolicy
from ogp_watch.local_site import LocalSite
from storage import sources
from storage.database import make_engine, session_scope
from storage.models import ActionPlan, Commitment, Document, Fact, Member, Source, SourceKind, utcnow
from storage.schema import upgrade

SITE_NAME = "Open Government Partnership"
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
MENU = {
    "About": ["Open Government Partnership", "Steering Committee", "Support Unit", "Independent Reporting "
              "Mechanism", "Funding", "Careers", "Contact Us", "Articles of Governance", "Annual Reports"],
    "Our Members": ["Members", "National Members", "Local Members", "Join OGP", "Action Plans", "Commitments",
                    "Multi-Stakeholder Forums", "Procedural Review", "Eligibility Criteria"],
    "Policy Areas": ["Access to Information", "Anti-Corruption", "Beneficial Ownership", "Civic Space",
                     "Climate and Environment", "Digital Governance", "Fiscal Openness", "Gender and Inclusion",
                     "Justice", "Lobbying", "Open Contracting", "Open Parliaments", "Public Service Delivery",
                     "Right to Information", "Whistleblower Protection", "Youth"],
    "Resources": ["Documents", "IRM Reports", "Action Plan Reviews", "Results Reports", "Data Dashboard",
                  "Toolkits", "Guidance", "Webinars", "OGP Trust Fund"],
    "News and Events": ["News", "Stories", "Blogs", "Events", "Global Summit", "Open Gov Week", "Newsletter"],
}
WP_COLOURS = ("black", "cyan-bluish-gray", "white", "pale-pink", "vivid-red", "luminous-vivid-orange",
              "luminous-vivid-amber", "light-green-cyan", "vivid-green-cyan", "pale-cyan-blue", "vivid-cyan-blue",
              "vivid-purple", "ogp-navy", "ogp-teal", "ogp-gold", "ogp-grey")


# -- the synthetic site ----------------------------------------------------------------------------------


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


def _wp_head(title: str, url: str, description: str, modified: str) -> str:
    """The head of a WordPress page: SEO meta, JSON-LD, emoji loader, global styles, stylesheets, scripts."""
    colours = "".join(f"--wp--preset--color--{c}: #{zlib.crc32(c.encode()) % 0xFFFFFF:06x};" for c in WP_COLOURS)
    rules = "".join(
        f".has-{c}-color{{color: var(--wp--preset--color--{c}) !important;}}"
        f".has-{c}-background-color{{background-color: var(--wp--preset--color--{c}) !important;}}"
        f".has-{c}-border-color{{border-color: var(--wp--preset--color--{c}) !important;}}"
        for c in WP_COLOURS
    )
    sizes = "".join(f".has-{s}-font-size{{font-size: var(--wp--preset--font-size--{s}) !important;}}"
                    for s in ("small", "medium", "large", "x-large", "xx-large"))
    styles = "".join(
        f"<link rel='stylesheet' id='{name}-css' href='/wp-content/{path}?ver=6.4.{n}' media='all' />\n"
        for n, (name, path) in enumerate([
            ("wp-block-library", "wp-includes/css/dist/block-library/style.min.css"),
            ("classic-theme-styles", "wp-includes/css/classic-themes.min.css"),
            ("contact-form-7", "plugins/contact-form-7/includes/css/styles.css"),
            ("wpml-legacy-horizontal-list-0", "plugins/sitepress-multilingual-cms/templates/style.min.css"),
            ("ogp-fonts", "themes/ogp/assets/fonts/fonts.css"),
            ("ogp-main", "themes/ogp/assets/css/main.min.css"),
            ("ogp-print", "themes/ogp/assets/css/print.css"),
        ])
    )
    scripts = "".join(
        f"<script src='/wp-{path}?ver=3.{n}.1' id='{name}-js'></script>\n"
        for n, (name, path) in enumerate([
            ("jquery-core", "includes/js/jquery/jquery.min.js"),
            ("jquery-migrate", "includes/js/jquery/jquery-migrate.min.js"),
            ("ogp-vendor", "content/themes/ogp/assets/js/vendor.min.js"),
            ("ogp-main", "content/themes/ogp/assets/js/main.min.js"),
        ])
    )
    schema = (
        '{"@context":"https://schema.org","@graph":[{"@type":"WebPage","@id":"' + url + '","url":"' + url
        + '","name":"' + escape(title) + " - " + SITE_NAME + '","isPartOf":{"@id":"/#website"},"datePublished":"'
        + modified + '","dateModified":"' + modified + '","description":"' + escape(description)
        + '","breadcrumb":{"@id":"' + url + '#breadcrumb"},"inLanguage":"en-US","potentialAction":[{"@type":'
        '"ReadAction","target":["' + url + '"]}]},{"@type":"BreadcrumbList","@id":"' + url + '#breadcrumb",'
        '"itemListElement":[{"@type":"ListItem","position":1,"name":"Home","item":"/"},{"@type":"ListItem",'
        '"position":2,"name":"' + escape(title) + '"}]},{"@type":"WebSite","@id":"/#website","url":"/","name":"'
        + SITE_NAME + '","description":"Synthetic benchmark site","publisher":{"@id":"/#organization"},'
        '"inLanguage":"en-US"},{"@type":"Organization","@id":"/#organization","name":"' + SITE_NAME
        + ' (synthetic)","url":"/","logo":{"@type":"ImageObject","url":"/wp-content/uploads/logo.png",'
        '"width":600,"height":200}}]}'
    )
    emoji = (
        "window._wpemojiSettings = {\"baseUrl\":\"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/14.0.0\\/72x72\\/\","
        "\"ext\":\".png\",\"svgUrl\":\"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/14.0.0\\/svg\\/\",\"svgExt\":"
        "\".svg\",\"source\":{\"concatemoji\":\"\\/wp-includes\\/js\\/wp-emoji-release.min.js?ver=6.4.2\"}};\n"
        + "".join(f"/*! This file is auto-generated */!function(i,n){{var o{k},s{k},e{k};function c{k}(e){{try{{"
                  f"var t={{supportTests:e,timestamp:(new Date).valueOf()}};sessionStorage.setItem(o{k},"
                  f"JSON.stringify(t))}}catch(e){{}}}}}}(window,document);\n" for k in range(6))
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en-US\" class=\"no-js\">\n<head>\n<meta charset=\"UTF-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)} - {SITE_NAME}</title>\n"
        "<meta name=\"robots\" content=\"index, follow, max-image-preview:large, max-snippet:-1\" />\n"
        f"<link rel=\"canonical\" href=\"{url}\" />\n"
        f"<meta name=\"description\" content=\"{escape(description)}\" />\n"
        "<meta property=\"og:locale\" content=\"en_US\" />\n<meta property=\"og:type\" content=\"article\" />\n"
        f"<meta property=\"og:title\" content=\"{escape(title)}\" />\n"
        f"<meta property=\"og:description\" content=\"{escape(description)}\" />\n"
        f"<meta property=\"og:url\" content=\"{url}\" />\n<meta property=\"og:site_name\" content=\"{SITE_NAME}\" />\n"
        f"<meta property=\"article:modified_time\" content=\"{modified}\" />\n"
        "<meta name=\"twitter:card\" content=\"summary_large_image\" />\n"
        f"<script type=\"application/ld+json\" class=\"yoast-schema-graph\">{schema}</script>\n"
        "<link rel='dns-prefetch' href='//fonts.googleapis.com' />\n"
        f"<link rel=\"alternate\" type=\"application/rss+xml\" title=\"{SITE_NAME} &raquo; Feed\" href=\"/feed/\" />\n"
        f"<script>\n{emoji}</script>\n"
        f"<style id='global-styles-inline-css'>\nbody{{{colours}}}\n{rules}{sizes}\n</style>\n"
        f"{styles}{scripts}"
        "<link rel=\"https://api.w.org/\" href=\"/wp-json/\" />\n"
        "<link rel=\"EditURI\" type=\"application/rsd+xml\" title=\"RSD\" href=\"/xmlrpc.php?rsd\" />\n"
        "<meta name=\"generator\" content=\"WordPress 6.4.2\" />\n"
        "<link rel=\"icon\" href=\"/wp-content/uploads/cropped-favicon-32x32.png\" sizes=\"32x32\" />\n"
        "</head>\n"
    )


def _wp_header() -> str:
    items = []
    for top, links in MENU.items():
        sub = "".join(
            f"<li id=\"menu-item-{zlib.crc32(link.encode()) % 9000 + 1000}\" class=\"menu-item "
            f"menu-item-type-post_type menu-item-object-page\"><a href=\"/{'-'.join(link.lower().split())}/\">"
            f"{escape(link)}</a></li>"
            for link in links
        )
        items.append(f"<li class=\"menu-item menu-item-has-children\"><a href=\"#\">{top}</a>"
                     f"<ul class=\"sub-menu\">{sub}</ul></li>")
    return (
        "<a class=\"skip-link screen-reader-text\" href=\"#content\">Skip Navigation</a>\n"
        "<header id=\"masthead\" class=\"site-header\"><div class=\"site-branding\"><a href=\"/\" rel=\"home\">"
        f"<img src=\"/wp-content/uploads/logo.svg\" alt=\"{SITE_NAME}\" width=\"200\" height=\"60\"></a></div>\n"
        "<nav id=\"site-navigation\" class=\"main-navigation\" aria-label=\"Main\"><button class=\"menu-toggle\" "
        "aria-controls=\"primary-menu\" aria-expanded=\"false\">Menu</button>"
        f"<ul id=\"primary-menu\" class=\"menu\">{''.join(items)}</ul></nav>\n"
        "<div class=\"lang-switcher\"><ul><li class=\"wpml-ls-current-language\"><a href=\"#\">English</a></li>"
        "<li><a href=\"#\">Español</a></li><li><a href=\"#\">Français</a></li></ul></div>\n"
        "<form role=\"search\" method=\"get\" class=\"search-form\" action=\"/\"><label><span "
        "class=\"screen-reader-text\">Search for:</span><input type=\"search\" class=\"search-field\" "
        "placeholder=\"Search &hellip;\" value=\"\" "
        "name=\"s\" /></label><input type=\"submit\" class=\"search-submit\" value=\"Search\" /></form></header>\n"
    )


def _wp_footer() -> str:
    columns = "".join(
        f"<div class=\"footer-column\"><h4>{top}</h4><ul>"
        + "".join(f"<li><a href=\"/{'-'.join(link.lower().split())}/\">{escape(link)}</a></li>" for link in links[:6])
        + "</ul></div>"
        for top, links in MENU.items()
    )
    social = "".join(f"<a class=\"social-{s}\" href=\"https://{s}.example/ogp-synthetic\" aria-label=\"{s}\">"
                     f"<svg width=\"24\" height=\"24\" viewBox=\"0 0 24 24\"><path d=\"M12 2C6.5 2 2 6.5 2 12s4.5 10 "
                     f"10 10 10-4.5 10-10S17.5 2 12 2z\"/></svg></a>" for s in ("x", "facebook", "linkedin", "youtube"))
    return (
        f"<footer id=\"colophon\" class=\"site-footer\"><div class=\"footer-columns\">{columns}</div>\n"
        "<div class=\"newsletter\"><h4>Subscribe to our newsletter</h4><form class=\"wpcf7-form\" method=\"post\" "
        "action=\"/#wpcf7-f100-o1\"><input type=\"email\" name=\"your-email\" placeholder=\"Email address\">"
        "<input type=\"submit\" value=\"Subscribe\"></form></div>\n"
        f"<div class=\"social\">{social}</div>\n"
        f"<p class=\"copyright\">{SITE_NAME} (synthetic benchmark copy). {SYNTHETIC_NOTICE}</p></footer>\n"
        "<script id=\"ogp-main-js-extra\">var ogpSettings = {\"ajaxUrl\":\"\\/wp-admin\\/admin-ajax.php\","
        "\"nonce\":\"0123456789\",\"lang\":\"en\"};</script>\n"
        "<script src='/wp-includes/js/comment-reply.min.js?ver=6.4.2' id='comment-reply-js' async></script>\n"
        "</body>\n</html>\n"
    )


_CHROME: dict[str, str] = {}


def _chrome() -> dict[str, str]:
    if not _CHROME:
        _CHROME["header"] = _wp_header()
        _CHROME["footer"] = _wp_footer()
    return _CHROME


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
    chrome = _chrome()
    url = spec.path
    modified = f"{2020 + spec.index % 5}-0{1 + spec.index % 9}-1{spec.index % 9}T10:00:00+00:00"
    if version:
        modified = f"2026-0{1 + version % 9}-01T10:00:00+00:00"
    description = f"{spec.title} (synthetic)."
    head = _wp_head(spec.title, url, description, modified)
    size = rng.randint(PAGE_KB[0] * 1024, PAGE_KB[1] * 1024)
    target = size - len(head) - len(chrome["header"]) - len(chrome["footer"]) - 2500
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
        + chrome["header"]
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
        + chrome["footer"]
    )


# -- the web server, in a child process ------------------------------------------------------------------


def _serve(conn: Connection, count: int, report_share: float, seed: int, cpu: int | None) -> None:
    """Child process: serve the synthetic site with ``LocalSite`` and change pages when told to."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    specs = page_specs(count, report_share)
    site = LocalSite().start()
    sizes = []
    for spec in specs:
        body = render(spec, 0, seed)
        site.page(spec.path, body)
        sizes.append(len(body.encode()))
    conn.send((site.base_url, [(spec.path, spec.kind) for spec in specs], sizes))
    while True:
        command, *args = conn.recv()
        if command == "change":
            indices, version = args
            for i in indices:
                site.page(specs[i].path, render(specs[i], version, seed))
            conn.send(len(indices))
        elif command == "stats":
            conn.send((time.process_time(), len(site.requests)))
        elif command == "hits":
            (since,) = args
            conn.send(Counter(request.path for request in site.requests[since:]))
        else:
            site.close()
            conn.send("stopped")
            return


class SiteProcess:
    """The synthetic site in a child process, so its CPU time is not the checker's."""

    def __init__(self, count: int, report_share: float, seed: int, cpu: int | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, count, report_share, seed, cpu),
                                        name="synthetic-site", daemon=True)
        self._process.start()
        self.base_url, self.pages, self.sizes = self._conn.recv()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def change(self, indices: list[int], version: int) -> None:
        self._conn.send(("change", indices, version))
        self._conn.recv()

    def stats(self) -> tuple[float, int]:
        """(CPU seconds the server process has used, requests it has answered)."""
        self._conn.send(("stats",))
        return self._conn.recv()

    def hits(self, since: int) -> Counter[str]:
        """Requests per path from request number ``since`` on: a page fetched twice in a round was checked twice."""
        self._conn.send(("hits", since))
        return self._conn.recv()

    def close(self) -> None:
        if self._process.is_alive():
            self._conn.send(("stop",))
            self._conn.recv()
        self._process.join(timeout=10)


# -- measuring -------------------------------------------------------------------------------------------


def allowed_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def pin_to(cpu: int | None) -> str:
    """Pin this process to one CPU so "CPU seconds per check" and "checks/s" mean one core's worth."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return "not pinned (sched_setaffinity unavailable on this platform)"
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as error:
        return f"not pinned ({error})"
    return f"pinned to CPU {cpu}"


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile, so it is a latency some check actually had."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class StatementCounter:
    """SQL statements sent on an engine, and database connections it opened."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.connections = 0
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine, "connect", self._connected)

    def _seen(self, *_: object) -> None:
        self.count += 1

    def _connected(self, *_: object) -> None:
        self.connections += 1


LOOP = "event loop: fetch, HTTP, scheduling"
ANALYSIS = "page analysis"
STORE = "knowledge writes: ingest, detect, events"
BOOKKEEPING = "source bookkeeping: lease, snapshot, record"
STAGES = (LOOP, ANALYSIS, STORE, BOOKKEEPING)


class StageClock:
    """CPU seconds by stage without a profiler, from each thread's own clock (``time.thread_time``).

    Page analysis and the database transactions run in worker threads and are timed around the calls
    ``jobs.check`` makes (wrapped for the round, then put back); the event-loop thread, where fetching, HTTP
    and the scheduling of checks happen, is timed as a whole. What is left of the process's CPU time is
    "other" (thread hand-offs, garbage collection in the workers).
    """

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.reruns = 0
        """Transactions run again after a write conflict (``run_transaction``): contention between checks."""
        self._lock = threading.Lock()

    def _add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] += seconds
            self.calls[stage] += 1

    @contextmanager
    def installed(self) -> Iterator[StageClock]:
        analyse, transaction = check_module.analyse_page, check_module.run_transaction

        def timed_analyse(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return analyse(*args, **kwargs)
            finally:
                self._add(ANALYSIS, time.thread_time() - start)

        def timed_transaction(engine: Engine, work: Callable[[Session], Any], **kwargs: Any) -> Any:
            stage = STORE if getattr(work, "__name__", "") == "store" else BOOKKEEPING
            runs = 0

            def counted(session: Session) -> Any:
                nonlocal runs
                runs += 1
                return work(session)

            start = time.thread_time()
            try:
                return transaction(engine, counted, **kwargs)
            finally:
                self._add(stage, time.thread_time() - start)
                if runs > 1:
                    with self._lock:
                        self.reruns += runs - 1

        check_module.analyse_page, check_module.run_transaction = timed_analyse, timed_transaction
        try:
            yield self
        finally:
            check_module.analyse_page, check_module.run_transaction = analyse, transaction


@dataclass(frozen=True)
class ServerCPU:
    """CPU seconds of the PostgreSQL server on this machine, read from /proc."""

    total_s: float  # every postgres process, plus ended backends (in their parent's cutime/cstime)
    ours: dict[int, float]  # this database's backends by pid

    def since(self, before: ServerCPU) -> tuple[float, float]:
        """(whole server, this database's backends) between two readings; the second misses backends that
        ended in between (pool overflow connections), so it is a lower bound, the first an upper one."""
        ours = sum(seconds - before.ours.get(pid, 0.0) for pid, seconds in self.ours.items())
        return self.total_s - before.total_s, ours


def database_server_cpu(engine: Engine) -> ServerCPU | None:
    """None for SQLite (it runs inside the checker) or a PostgreSQL server on another machine."""
    host = make_url(engine.url).host or ""
    if engine.dialect.name != "postgresql" or host not in {"127.0.0.1", "localhost", "::1", ""}:
        return None
    with engine.connect() as connection:
        pids = set(connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars())
    tick = os.sysconf("SC_CLK_TCK")
    total, ours = 0, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, rest = stat.read_text().rpartition(")")
        except OSError:  # the process ended meanwhile
            continue
        if head.endswith("(postgres"):
            values = [int(value) for value in rest.split()[11:15]]  # utime, stime, cutime, cstime
            total += sum(values)
            pid = int(stat.parent.name)
            if pid in pids:
                ours[pid] = (values[0] + values[1]) / tick
    return ServerCPU(total / tick, ours)


@dataclass
class RoundResult:
    name: str
    changed: int
    reports: list[CheckReport]
    wall_s: float
    cpu_s: float
    server_cpu_s: float
    requests: int
    statements: int
    http: Counter[int | None] = field(default_factory=Counter)
    rss_mib: float = 0.0
    stages: StageClock = field(default_factory=StageClock)
    database_cpu_s: tuple[float, float] | None = None  # (whole server, this database's backends)
    connections: int = 0

    @property
    def checks(self) -> int:
        return len(self.reports)

    def row(self) -> str:
        latencies = sorted(r.elapsed_s * 1000 for r in self.reports)
        events = sum(len(r.events) for r in self.reports)
        n = self.checks
        http = ", ".join(f"{code or 'none'}: {count}" for code, count in sorted(self.http.items(), key=str))
        database = "in-process"
        if self.database_cpu_s is not None:
            total, ours = self.database_cpu_s
            database = f"{ours / n * 1000:.2f}; {total / n * 1000:.2f}"
        return (f"| {self.name} | {n} | {http} | {self.wall_s:.2f} | {n / self.wall_s:.0f} | "
                f"{self.cpu_s / n * 1000:.2f} | {self.cpu_s / self.wall_s:.2f} | "
                f"{percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} | {events} | "
                f"{self.statements / n:.1f} | {self.server_cpu_s / n * 1000:.2f} | {database} | {self.rss_mib:.0f} |")

    def stage_row(self) -> str:
        n = self.checks
        parts = [f"{self.stages.seconds[stage] / n * 1000:.2f}" for stage in STAGES]
        other = self.cpu_s - sum(self.stages.seconds[stage] for stage in STAGES)
        return f"| {self.name} | " + " | ".join(parts) + f" | {other / n * 1000:.2f} | {self.cpu_s / n * 1000:.2f} |"


ROW_HEADER = (
    "| round | checks | HTTP status (count) | wall s | checks/s | CPU ms/check | CPU/wall | p50 ms | p95 ms "
    "| events | SQL/check | web server CPU ms/check | DB server CPU ms/check (ours; all) | peak RSS MiB |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)
STAGE_HEADER = (
    "| round (checker CPU ms per check) | " + " | ".join(STAGES) + " | other | total |\n"
    "| --- | --- | --- | --- | --- | --- | --- |"
)


def http_statuses(engine: Engine) -> Counter[int | None]:
    with Session(engine) as session:
        rows = session.exec(select(Source.last_http_status, func.count()).group_by(Source.last_http_status)).all()
    return Counter({status: count for status, count in rows})


async def _check_all(engine: Engine, policy: FetchPolicy, ids: list[int], concurrency: int,
                     executor: ThreadPoolExecutor | None = None) -> list[CheckReport]:
    if executor is not None:
        asyncio.get_running_loop().set_default_executor(executor)
    async with Fetcher(policy) as fetcher:
        return await SourceChecker(engine, fetcher).check_many(ids, force=True, concurrency=concurrency)


def run_round(name: str, engine: Engine, policy: FetchPolicy, site: SiteProcess, ids: list[int], changed: int,
              concurrency: int, counter: StatementCounter) -> RoundResult:
    gc.collect()
    server_cpu, requests = site.stats()
    database_cpu = database_server_cpu(engine)
    statements, connections = counter.count, counter.connections
    clock = StageClock()
    cpu, loop_cpu = time.process_time(), time.thread_time()
    started = time.perf_counter()
    with clock.installed():
        reports = asyncio.run(_check_all(engine, policy, ids, concurrency))
    wall = time.perf_counter() - started
    cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
    statements, connections = counter.count - statements, counter.connections - connections
    server_cpu_after, requests_after = site.stats()
    database_cpu_after = database_server_cpu(engine)
    clock.seconds[LOOP] = loop_cpu
    result = RoundResult(name, changed, reports, wall, cpu, server_cpu_after - server_cpu, requests_after - requests,
                         statements, http_statuses(engine), peak_rss_mib(), clock,
                         None if database_cpu is None or database_cpu_after is None
                         else database_cpu_after.since(database_cpu), connections)
    _print_round(result)
    return result


def _print_round(result: RoundResult) -> None:
    n = result.checks
    statuses = Counter(str(r.status) if r.status else f"skipped ({r.skipped})" for r in result.reports)
    events = Counter(e.kind for r in result.reports for e in r.events)
    latencies = sorted(r.elapsed_s * 1000 for r in result.reports)
    print(f"\n{result.name}: {n} checks ({result.changed} pages changed before it) in {result.wall_s:.2f} s = "
          f"{n / result.wall_s:.1f} checks/s")
    print(f"  checker CPU {result.cpu_s:.2f} s = {result.cpu_s / n * 1000:.2f} ms per check "
          f"({result.cpu_s / result.wall_s:.0%} of one core); web server CPU "
          f"{result.server_cpu_s / n * 1000:.2f} ms per check (its own process, not included)")
    print(f"  check latency (CheckReport.elapsed_s) ms: p50 {percentile(latencies, 50):.1f}, "
          f"p95 {percentile(latencies, 95):.1f}, max {latencies[-1]:.1f}")
    print(f"  HTTP status of the pages: {dict(sorted(result.http.items(), key=str))}; check status: "
          f"{dict(statuses)}; requests the server saw: {result.requests}")
    print(f"  events recorded: {sum(events.values())} {dict(events)}; SQL statements per check: "
          f"{result.statements / n:.1f}; database connections opened: {result.connections}; peak RSS so far: "
          f"{result.rss_mib:.0f} MiB")
    stages = result.stages
    parts = [f"{stage} {stages.seconds[stage] / n * 1000:.2f}" for stage in STAGES]
    print("  checker CPU by stage, ms per check: " + "; ".join(parts) + f"; other "
          f"{(result.cpu_s - sum(stages.seconds[stage] for stage in STAGES)) / n * 1000:.2f}")
    for stage in (ANALYSIS, STORE):
        if stages.calls[stage]:
            per_page = stages.seconds[stage] / stages.calls[stage] * 1000
            print(f"    {stage}: {stages.calls[stage]} pages, {per_page:.1f} ms CPU per page")
    if result.database_cpu_s is not None:
        total, ours = result.database_cpu_s
        print(f"  PostgreSQL server CPU, not included above: this database's backends {ours / n * 1000:.2f} ms "
              f"per check (backends that ended during the round are missed); all postgres processes on this "
              f"machine {total / n * 1000:.2f} ms per check (anyone else's use of the server included)")
    errors = [r for r in result.reports if r.error]
    for report in errors[:5]:
        print(f"  error: {report.summary()}")
    if len(errors) > 5:
        print(f"  ... and {len(errors) - 5} more errors")


# -- profiling ---------------------------------------------------------------------------------------------


class _ProfiledThreads:
    """cProfile in the event-loop thread and in every worker thread of the loop's executor, each timing its
    own thread's CPU (``time.thread_time``), merged afterwards: checks do most of their work in threads."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()
        workers = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor size
        self.executor = ThreadPoolExecutor(max_workers=workers, initializer=self._start)

    def _start(self) -> None:
        profile = cProfile.Profile(time.thread_time)
        with self._lock:
            self.profiles.append(profile)
        profile.enable()

    def stats(self, main: cProfile.Profile) -> pstats.Stats:
        self.executor.shutdown(wait=True)
        out = pstats.Stats(main, stream=io.StringIO())
        for profile in self.profiles:
            out.add(profile)
        return out


def profile_round(engine: Engine, policy: FetchPolicy, site: SiteProcess, ids: list[int], changed: list[int],
                  version: int, concurrency: int) -> None:
    site.change(changed, version)
    threads = _ProfiledThreads()
    main = cProfile.Profile(time.thread_time)
    started = time.perf_counter()
    main.enable()
    asyncio.run(_check_all(engine, policy, ids, concurrency, threads.executor))
    main.disable()
    wall = time.perf_counter() - started
    stats = threads.stats(main)
    out = io.StringIO()
    stats.stream = out
    print(f"\nprofiled round (steady-state mix again, {len(changed)} pages changed; {wall:.1f} s under cProfile, "
          f"times are per-thread CPU seconds summed over the event-loop thread and {len(threads.profiles)} workers)")
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    print(out.getvalue())


# -- several worker processes sharing the database -----------------------------------------------------------


CLAIM_BATCH = 100
"""``check_due``'s ``limit`` in the worker processes: the production watcher's default (``jobs.scheduler``)."""


@dataclass
class WorkerRound:
    """What one worker process did in one round, as plain data: it crosses a process boundary."""

    worker: int
    owner: str
    checked: int
    lost_claims: int  # check_due offered the source, but another worker claimed (or had checked) it first
    batches: int  # check_due calls, the last one finding nothing due
    latencies_ms: list[float]
    statuses: Counter[str]
    events: Counter[str]
    errors: list[str]
    cpu_s: float
    started: float  # time.monotonic(): the same clock in every process on Linux
    finished: float
    statements: int
    connections: int
    stages: dict[str, float]
    rss_mib: float
    reruns: int  # transactions run again after a write conflict (deadlock, serialization, unique key)


async def _check_until_nothing_due(checker: SourceChecker, concurrency: int) -> tuple[list[CheckReport], int]:
    """What a production worker's ticks do, back to back: ``check_due`` (due and not leased, claimed one by one
    under a lease) until nothing is due for this worker, i.e. every source is checked or leased to another."""
    reports: list[CheckReport] = []
    batches = 0
    while True:
        batch = await checker.check_due(limit=CLAIM_BATCH, concurrency=concurrency)
        batches += 1
        if not batch:
            return reports, batches
        reports += batch


def _check_worker(conn: Connection, index: int, url: str, concurrency: int, seed: int) -> None:
    """Child process: one production-like checker (its own engine, pool and lease owner) that checks what is
    due whenever the parent says go. Workers are not pinned: the OS spreads them over the cores."""
    from jobs.analysis import analyse_page

    engine = make_engine(url)
    counter = StatementCounter(engine)
    policy = FetchPolicy(allow_private=True, politeness_delay_s=0, per_host_concurrency=concurrency)
    analyse_page(render(PageSpec(-1, "report", "/documents/warm-up/", "Synthetic Country 999 Results Report "
                                 "2020-2022", "Synthetic Country 999", 3, "2020-2022", 10), 0, seed),
                 "http://127.0.0.1/documents/warm-up/", "text/html; charset=utf-8")
    conn.send("ready")
    try:
        while conn.recv() == "round":
            started = time.monotonic()
            gc.collect()
            statements, connections = counter.count, counter.connections
            clock = StageClock()
            cpu, loop_cpu = time.process_time(), time.thread_time()

            async def one_round() -> tuple[list[CheckReport], int, str]:
                async with Fetcher(policy) as fetcher:
                    checker = SourceChecker(engine, fetcher)
                    reports, batches = await _check_until_nothing_due(checker, concurrency)
                    return reports, batches, checker.owner

            with clock.installed():
                reports, batches, owner = asyncio.run(one_round())
            cpu, loop_cpu = time.process_time() - cpu, time.thread_time() - loop_cpu
            finished = time.monotonic()
            clock.seconds[LOOP] = loop_cpu
            checked = [r for r in reports if r.status is not None]
            # As a plain dict: the class is ``__mp_main__``'s here when the benchmark runs with ``-m``.
            conn.send(vars(WorkerRound(
                index, owner, len(checked), len(reports) - len(checked), batches,
                [r.elapsed_s * 1000 for r in checked], Counter(str(r.status) for r in checked),
                Counter(e.kind for r in checked for e in r.events), [r.summary() for r in checked if r.error][:5],
                cpu, started, finished, counter.count - statements, counter.connections - connections,
                dict(clock.seconds), peak_rss_mib(), clock.reruns)))
    finally:
        engine.dispose()


class WorkerPool:
    """N checker processes (spawned: nothing inherited from this one), started and warmed up before round 1."""

    def __init__(self, count: int, url: str, concurrency: int, seed: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.conns: list[Connection] = []
        for index in range(count):
            conn, child = context.Pipe()
            process = context.Process(target=_check_worker, args=(child, index, url, concurrency, seed),
                                      name=f"checker-{index}", daemon=True)
            process.start()
            self.processes.append(process)
            self.conns.append(conn)
        for conn in self.conns:
            if conn.recv() != "ready":
                raise RuntimeError("a checker process did not start")

    def round(self) -> tuple[float, list[WorkerRound]]:
        """The start signal to every worker; (when it was given, what each did)."""
        started = time.monotonic()
        for conn in self.conns:
            conn.send("round")
        return started, [WorkerRound(**conn.recv()) for conn in self.conns]

    def close(self) -> None:
        for conn, process in zip(self.conns, self.processes, strict=True):
            if process.is_alive():
                conn.send("stop")
        for process in self.processes:
            process.join(timeout=30)


def make_all_due(engine: Engine) -> None:
    """Every source due now, as after six hours: the workers then find them with ``check_due`` as in production."""
    with session_scope(engine) as session:
        session.execute(update(Source).values(next_check_at=utcnow() - timedelta(seconds=1)))


def checks_by_source(engine: Engine) -> dict[int, int]:
    with Session(engine) as session:
        return {source_id: checks for source_id, checks in session.exec(select(Source.id, Source.checks))
                if source_id is not None}


@dataclass
class MultiRound:
    name: str
    workers: list[WorkerRound]
    wall_s: float
    server_cpu_s: float
    requests: int
    double_checks: int  # sources whose ``checks`` went up by more than one in the round
    missed: int  # sources not checked at all in the round
    pages_fetched_twice: int  # page paths the web server served more than once in the round
    database_cpu_s: tuple[float, float] | None
    load: str

    @property
    def checks(self) -> int:
        return sum(w.checked for w in self.workers)

    @property
    def cpu_s(self) -> float:
        return sum(w.cpu_s for w in self.workers)

    def row(self) -> str:
        n = self.checks
        latencies = sorted(ms for w in self.workers for ms in w.latencies_ms)
        database = "in-process"
        if self.database_cpu_s is not None:
            total, ours = self.database_cpu_s
            database = f"{ours / n * 1000:.2f}; {total / n * 1000:.2f}"
        per_worker = " / ".join(str(w.checked) for w in self.workers)
        return (f"| {self.name} | {len(self.workers)} | {n} | {per_worker} | {self.wall_s:.2f} | "
                f"{n / self.wall_s:.0f} | {self.cpu_s / n * 1000:.2f} | {self.cpu_s / self.wall_s:.2f} | "
                f"{percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} | "
                f"{sum(w.lost_claims for w in self.workers)} | {self.double_checks} | "
                f"{sum(w.statements for w in self.workers) / n:.1f} | {self.server_cpu_s / n * 1000:.2f} | "
                f"{database} | {self.load} |")


MULTI_HEADER = (
    "| round | workers | checks | per worker | wall s | checks/s | CPU ms/check (all workers) | worker CPU/wall "
    "| p50 ms | p95 ms | claims lost | double checks | SQL/check | web server CPU ms/check "
    "| DB server CPU ms/check (ours; all) | load average at the end |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def run_worker_round(name: str, engine: Engine, site: SiteProcess, pool: WorkerPool, ids: list[int]) -> MultiRound:
    make_all_due(engine)
    before = checks_by_source(engine)
    server_cpu, requests = site.stats()
    database_cpu = database_server_cpu(engine)
    started, workers = pool.round()
    wall = max(w.finished for w in workers) - started
    server_cpu_after, requests_after = site.stats()
    database_cpu_after = database_server_cpu(engine)
    after = checks_by_source(engine)
    deltas = [after.get(source_id, 0) - before.get(source_id, 0) for source_id in ids]
    paths = {path for path, _ in site.pages}
    hits = site.hits(requests)
    result = MultiRound(
        name, workers, wall, server_cpu_after - server_cpu, requests_after - requests,
        sum(1 for d in deltas if d > 1), sum(1 for d in deltas if d < 1),
        sum(1 for path, count in hits.items() if path in paths and count > 1),
        None if database_cpu is None or database_cpu_after is None else database_cpu_after.since(database_cpu),
        load_average().removeprefix("load average "),
    )
    _print_multi_round(result, hits.get("/robots.txt", 0))
    return result


def _print_multi_round(result: MultiRound, robots: int) -> None:
    n = result.checks
    latencies = sorted(ms for w in result.workers for ms in w.latencies_ms)
    statuses: Counter[str] = sum((w.statuses for w in result.workers), Counter())
    events: Counter[str] = sum((w.events for w in result.workers), Counter())
    print(f"\n{result.name}: {n} checks by {len(result.workers)} worker process(es) in {result.wall_s:.2f} s "
          f"(start signal to last worker done) = {n / result.wall_s:.1f} checks/s; {load_average()}")
    for w in result.workers:
        own = w.finished - w.started
        print(f"  worker {w.worker} ({w.owner}): {w.checked} checks, {w.lost_claims} claims lost to other workers, "
              f"{w.batches} check_due calls, {own:.2f} s, CPU {w.cpu_s:.2f} s "
              f"({w.cpu_s / w.checked * 1000 if w.checked else 0:.2f} ms per check of its own, "
              f"{w.cpu_s / own if own else 0:.0%} of one core), {w.statements} SQL statements, "
              f"{w.connections} connections opened, {w.reruns} transactions re-run after a write conflict, "
              f"peak RSS {w.rss_mib:.0f} MiB")
    print(f"  all workers: CPU {result.cpu_s:.2f} s = {result.cpu_s / n * 1000:.2f} ms per check; "
          f"CPU/wall {result.cpu_s / result.wall_s:.2f} cores; latency p50 {percentile(latencies, 50):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms; claims lost {sum(w.lost_claims for w in result.workers)}; "
          f"transactions re-run after a write conflict {sum(w.reruns for w in result.workers)}")
    print(f"  double checks (a source's `checks` up by more than 1): {result.double_checks}; sources not checked: "
          f"{result.missed}; pages the web server served more than once: {result.pages_fetched_twice}; "
          f"requests {result.requests} ({robots} for robots.txt)")
    print(f"  check status: {dict(statuses)}; events recorded: {sum(events.values())} {dict(events)}")
    stages: Counter[str] = Counter()
    for w in result.workers:
        stages.update(w.stages)
    parts = [f"{stage} {stages[stage] / n * 1000:.2f}" for stage in STAGES]
    print("  CPU by stage, all workers, ms per check: " + "; ".join(parts)
          + f"; other {(result.cpu_s - sum(stages[stage] for stage in STAGES)) / n * 1000:.2f}")
    print(f"  web server CPU {result.server_cpu_s / n * 1000:.2f} ms per check (its own process)")
    if result.database_cpu_s is not None:
        total, ours = result.database_cpu_s
        print(f"  PostgreSQL server CPU: this database's backends {ours / n * 1000:.2f} ms per check (lower bound); "
              f"all postgres processes {total / n * 1000:.2f} ms per check (upper bound: others' use included)")
    for w in result.workers:
        for error in w.errors:
            print(f"  error (worker {w.worker}): {error}")


def run_with_workers(args: argparse.Namespace, engine: Engine, site: SiteProcess, ids: list[int]) -> None:
    """The three rounds, each checked by ``args.workers`` processes claiming due sources themselves."""
    url = engine.url.render_as_string(hide_password=False)
    started = time.perf_counter()
    pool = WorkerPool(args.workers, url, args.concurrency, args.seed)
    try:
        print(f"{args.workers} checker process(es) spawned and warmed up in {time.perf_counter() - started:.1f} s "
              f"(not pinned); each loops check_due(limit={CLAIM_BATCH}, concurrency={args.concurrency}) until "
              f"nothing is due for it")
        rng = random.Random(args.seed)
        results = [run_worker_round("1 cold (all new)", engine, site, pool, ids)]
        print(f"  knowledge base after the cold round: {knowledge_counts(engine)}")
        changed = sorted(rng.sample(range(len(ids)), round(len(ids) * args.changed_share)))
        site.change(changed, 1)
        results.append(run_worker_round(f"2 steady ({args.changed_share:.0%} changed)", engine, site, pool, ids))
        results.append(run_worker_round("3 unchanged (all 304)", engine, site, pool, ids))
    finally:
        pool.close()
    print(f"\nknowledge base at the end: {knowledge_counts(engine)}")
    print("\n" + MULTI_HEADER)
    for result in results:
        print(result.row())
    doubles = sum(r.double_checks + r.pages_fetched_twice for r in results)
    print(f"\ndouble checks over all rounds: {doubles} (must be 0); {load_average()}")



# -- the database ---------------------------------------------------------------------------------------


def _refuse_non_empty(engine: Engine) -> None:
    """A benchmark must never write synthetic rows into a database that holds anything else."""
    existing = inspect(engine).get_table_names()
    with engine.connect() as connection:
        for table in ("source", "document", "member", "event"):
            if table in existing and connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one():
                sys.exit(f"refusing to use a database whose {table} table has rows: give an empty database")






def add_sources(engine: Engine, base_url: str, pages: list[tuple[str, str]]) -> list[int]:
    ids: list[int] = []
    with session_scope(engine) as session:
        for i, (path, kind) in enumerate(pages):
            source = sources.add_source(session, url=base_url + path, kind=SourceKind.PAGE,
                                        label=f"Synthetic {kind} page {i:04d}", interval_seconds=6 * 3600,
                                        added_by="benchmark")
            assert source.id is not None
            ids.append(source.id)
    return ids


def knowledge_counts(engine: Engine) -> str:
    with Session(engine) as session:
        counts = {model.__tablename__: session.exec(select(func.count()).select_from(model)).one()
                  for model in (Member, ActionPlan, Commitment, Document, Fact)}
    return ", ".join(f"{count} {table}s" for table, count in counts.items())


# -- the command -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--changed-share", type=float, default=0.2,
                        help="share of the pages given a new body before the steady-state round")
    parser.add_argument("--concurrency", type=int, default=8, help="checks at once (check_many's concurrency)")
    parser.add_argument("--report-share", type=float, default=REPORT_SHARE,
                        help="share of the pages that are IRM-report-like (the rest are news-like)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an EMPTY database to fill (default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, run the steady-state mix once more under cProfile, print the top functions")
    add_worker_arguments(parser, processes="checker processes",
                         what="each claims due sources itself, as production workers do")
    args = parser.parse_args(argv)
    in_workers = check_worker_arguments(parser, args, processes="checker processes")
    if in_workers and args.profile:
        parser.error("--profile profiles the in-process checker: leave out --workers/--worker-processes")

    cpus = allowed_cpus()
    client_cpu = cpus[0] if cpus else None
    server_cpu = cpus[1] if len(cpus) > 1 else client_cpu
    print(f"OGP Watch checker benchmark: SYNTHETIC pages; Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}, {len(cpus) or os.cpu_count()} CPUs allowed; {load_average()}")
    started = time.perf_counter()
    site = SiteProcess(args.sources, args.report_share, args.seed, server_cpu)
    try:
        # Worker processes would inherit the pin: in that mode nothing but the web server is pinned.
        checker = "checker processes not pinned" if in_workers else f"checker {pin_to(client_cpu)}"
        print(f"{checker}; web server: LocalSite in a child process (pid {site.pid}) pinned to CPU {server_cpu}")
        sizes = sorted(site.sizes)
        reports = sum(1 for _, kind in site.pages if kind == "report")
        print(f"site {site.base_url}: {len(sizes)} synthetic pages ({reports} IRM-report-like, "
              f"{len(sizes) - reports} news-like), HTML {sizes[0] / 1024:.0f}-{sizes[-1] / 1024:.0f} KB, "
              f"mean {sum(sizes) / len(sizes) / 1024:.1f} KB; generated and served in "
              f"{time.perf_counter() - started:.1f} s")
        policy = FetchPolicy(allow_private=True, politeness_delay_s=0, per_host_concurrency=args.concurrency)
        print(f"fetch policy: allow_private, politeness_delay_s=0 and per_host_concurrency={args.concurrency} "
              f"(real checks wait 1 s between requests to a host and make at most 2 at once; here every source "
              f"is on one loopback host), robots.txt respected, retries {policy.retries}, gzip accepted "
              f"(the server sends identity)")
        database = benchmark_database(args.database_url, args.keep, prefix="ogp-watch-bench-checks-")
        with database as (engine, sqlite_path):
            print(f"database: {make_url(engine.url).render_as_string(hide_password=True)}")
            _refuse_non_empty(engine)
            upgrade(engine)
            ids = add_sources(engine, site.base_url, site.pages)
            # Imports and regex compilation happen once per process; keep them out of the cold round.
            from jobs.analysis import analyse_page

            analyse_page(render(PageSpec(-1, "report", "/documents/warm-up/", "Synthetic Country 999 Results Report "
                                         "2020-2022", "Synthetic Country 999", 3, "2020-2022", 10), 0, args.seed),
                         site.base_url + "/documents/warm-up/", "text/html; charset=utf-8")
            print(f"{len(ids)} PAGE sources added; analysis warmed up on one page outside the set; "
                  f"concurrency {args.concurrency}")
            if in_workers:
                run_with_workers(args, engine, site, ids)
                print(f"database size {database_size(engine, sqlite_path)}")
                return 0
            counter = StatementCounter(engine)
            rng = random.Random(args.seed)
            results = [run_round("1 cold (all new)", engine, policy, site, ids, 0, args.concurrency, counter)]
            print(f"  knowledge base after the cold round: {knowledge_counts(engine)}")
            changed = sorted(rng.sample(range(len(ids)), round(len(ids) * args.changed_share)))
            site.change(changed, 1)
            results.append(run_round(f"2 steady ({args.changed_share:.0%} changed)", engine, policy, site, ids,
                                     len(changed), args.concurrency, counter))
            results.append(run_round("3 unchanged (all 304)", engine, policy, site, ids, 0, args.concurrency,
                                     counter))
            print(f"\nknowledge base at the end: {knowledge_counts(engine)}; "
                  f"database size {database_size(engine, sqlite_path)}")
            print("\n" + ROW_HEADER)
            for result in results:
                print(result.row())
            print("\n" + STAGE_HEADER)
            for result in results:
                print(result.stage_row())
            print(f"\n{load_average()} (other work on this machine shows here)")
            if args.profile:
                again = sorted(rng.sample(range(len(ids)), round(len(ids) * args.changed_share)))
                profile_round(engine, policy, site, ids, again, 2, args.concurrency)
    finally:
        site.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
