"""How well page analysis reads real OGP and press pages: precision and recall per fact kind over the
labelled corpus in ``tests/data/pages/`` (its README defines the format and the fact kinds).

    python -m benchmarks.understanding            # a table, then the pages with misses
    python -m benchmarks.understanding --json     # {"pages": N, "kinds": {"withdrawal": {...}, ...}}
    python -m benchmarks.understanding --misses   # every miss as a line of tests/data/pages/known_misses.txt
    python -m benchmarks.understanding --corpus DIR   # score another folder of labelled pages (a held-out set)

A fact is a tuple per kind (member, predicate), (member, status), ...; members are compared by country
code when the gazetteer knows the name, else by their name without "City of" and the like. A page's
``+`` labels are the truth: a fact found and labelled is a true positive, one labelled and not found a
false negative, one found and not labelled a false positive (``-`` labels name the traps, and any fact
found that a ``-`` label matches is a false positive even if the page has no ``+`` label of its kind).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from jobs.analysis import analyse_page
from jobs.analysis.findings import JoinedFinding, MembershipFinding, PageAnalysis, ReportFinding
from jobs.analysis.names import member_key
from storage.gazetteer import country

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "pages"
#: The labels not yet read, kept exact by tests/jobs/test_page_corpus.py.
KNOWN_MISSES = CORPUS_DIR / "known_misses.txt"
KINDS = ("withdrawal", "status", "member", "joined", "date", "report")
CONTENT_TYPES = {"text": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8",
                 "feed": "application/rss+xml; charset=utf-8"}

Fact = tuple[str, ...]


@dataclass
class CorpusPage:
    path: Path
    url: str
    format: str
    body: str
    must: dict[str, set[Fact]] = field(default_factory=dict)
    must_not: dict[str, list[Fact]] = field(default_factory=dict)


class CorpusError(ValueError):
    """A corpus file that does not follow tests/data/pages/README.md."""


def load_page(path: Path) -> CorpusPage:
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise CorpusError(f"{path.name}: no '---' line between the labels and the page")
    lines = [line.strip() for line in head.splitlines()]
    if not lines or not lines[0].startswith(("http://", "https://")):
        raise CorpusError(f"{path.name}: the first line must be the URL the page is modelled on")
    page = CorpusPage(path, lines[0], "text", body.strip() + "\n")
    for line in lines[1:]:
        if not line or line.startswith("#"):
            continue
        if line.startswith("format:"):
            page.format = line.split(":", 1)[1].strip()
            if page.format not in CONTENT_TYPES:
                raise CorpusError(f"{path.name}: unknown format {page.format!r}")
            continue
        sign, rest = line[0], line[1:].strip()
        kind, colon, fields = rest.partition(":")
        kind = kind.strip()
        if sign not in "+-" or not colon or kind not in KINDS:
            raise CorpusError(f"{path.name}: cannot read label {line!r}")
        values = tuple(v.strip() for v in fields.split("|"))
        if sign == "+":
            page.must.setdefault(kind, set()).add(canonical(kind, values))
        else:
            page.must_not.setdefault(kind, []).append(canonical(kind, values))
    return page


def load_corpus(directory: Path = CORPUS_DIR) -> list[CorpusPage]:
    return [load_page(p) for p in sorted(directory.glob("*.txt")) if p.name != KNOWN_MISSES.name]


def member_id(name: str) -> str:
    """One key per member whatever the page calls it: "US", "U.S." and "Estados Unidos" are "US"."""
    if name == "*":
        return name
    found = country(name)
    return found.code if found else member_key(name)


def canonical(kind: str, values: Iterable[str]) -> Fact:
    values = tuple(values)
    if kind == "member" and len(values) == 2:
        values = (*values, "")
    if kind == "member" and values[2]:
        values = (values[0], values[1], member_id(values[2]))
    return (member_id(values[0]), *(v.lower() for v in values[1:]))


def analyse(page: CorpusPage) -> PageAnalysis:
    return analyse_page(page.body, page.url, CONTENT_TYPES[page.format])


def facts_of(analysis: PageAnalysis) -> dict[str, set[Fact]]:
    """What the analysis says, as the corpus writes facts."""
    facts: dict[str, set[Fact]] = {kind: set() for kind in KINDS}

    def member(name: str, kind: str | None, in_country: str | None) -> None:
        kind = kind or ("country" if country(name) else "local")
        facts["member"].add(canonical("member", (name, kind, in_country or "")))

    for f in analysis.of_type(MembershipFinding):
        facts["status"].add(canonical("status", (f.member, f.status)))
        if f.status == "withdrawn" and f.predicate:  # "former members X and Y" states no withdrawal
            facts["withdrawal"].add(canonical("withdrawal", (f.member, f.predicate)))
        if f.effective:
            facts["date"].add(canonical("date", (f.member, f.status, f.effective, f.effective_basis or "")))
        if f.joined_year:
            facts["joined"].add(canonical("joined", (f.member, str(f.joined_year))))
        member(f.member, f.kind, f.country)
    for j in analysis.of_type(JoinedFinding):
        facts["joined"].add(canonical("joined", (j.member, str(j.year))))
        member(j.member, j.kind, j.country)
    for r in analysis.of_type(ReportFinding):
        if r.member:
            facts["report"].add(canonical("report", (r.member, str(r.kind), r.period or "")))
            member(r.member, None, None)
    return facts


def matches(fact: Fact, pattern: Fact) -> bool:
    return len(fact) >= len(pattern) and all(p == "*" or p == v for p, v in zip(pattern, fact, strict=False))


@dataclass
class PageScore:
    page: CorpusPage
    found: dict[str, set[Fact]]
    missed: dict[str, set[Fact]] = field(default_factory=dict)  # labelled, not found
    wrong: dict[str, set[Fact]] = field(default_factory=dict)  # found, not labelled
    traps_hit: dict[str, set[Fact]] = field(default_factory=dict)  # found and matching a '-' label


def score_page(page: CorpusPage) -> PageScore:
    found = facts_of(analyse(page))
    score = PageScore(page, found)
    for kind in KINDS:
        want, got = page.must.get(kind, set()), found[kind]
        score.missed[kind] = want - got
        score.wrong[kind] = got - want
        score.traps_hit[kind] = {f for f in got for p in page.must_not.get(kind, []) if matches(f, p)}
    return score


class Summary(TypedDict):
    pages: int
    kinds: dict[str, dict[str, float | int]]  # per kind: precision, recall, tp, fp, fn


def summarise(scores: list[PageScore]) -> Summary:
    kinds: dict[str, dict[str, float | int]] = {}
    for kind in KINDS:
        tp = sum(len(s.found[kind] & s.page.must.get(kind, set())) for s in scores)
        fp = sum(len(s.wrong[kind]) for s in scores)
        fn = sum(len(s.missed[kind]) for s in scores)
        kinds[kind] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
            "tp": tp, "fp": fp, "fn": fn,
        }
    return {"pages": len(scores), "kinds": kinds}


def miss_lines(scores: list[PageScore]) -> list[str]:
    """Every fact missed ("FN") or found unlabelled ("FP"), one line each, in a stable order."""
    lines = []
    for s in scores:
        for kind in KINDS:
            lines += [f"FN {s.page.path.name}: {kind} {' | '.join(f)}".rstrip() for f in sorted(s.missed[kind])]
            lines += [f"FP {s.page.path.name}: {kind} {' | '.join(f)}".rstrip() for f in sorted(s.wrong[kind])]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quiet", action="store_true", help="the table only, not the misses")
    parser.add_argument("--misses", action="store_true",
                        help="print the misses as lines of tests/data/pages/known_misses.txt")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, metavar="DIR",
                        help="a folder of labelled pages in the same format (default: tests/data/pages)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus error: {args.corpus} is not a folder", file=sys.stderr)
        return 2
    try:
        scores = [score_page(p) for p in load_corpus(args.corpus)]
    except CorpusError as exc:
        print(f"corpus error: {exc}", file=sys.stderr)
        return 2
    summary = summarise(scores)
    if args.misses:
        print("\n".join(miss_lines(scores)))
        return 0
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{summary['pages']} pages")
    print(f"{'kind':<12}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}")
    for kind, row in summary["kinds"].items():
        print(f"{kind:<12}{row['precision']:>10.2f}{row['recall']:>8.2f}{row['tp']:>5}{row['fp']:>5}{row['fn']:>5}")
    if not args.quiet:
        for line in miss_lines(scores):
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
