"""The starter dataset: what the project's own page analysis found on the seed pages, saved as findings
so that a fresh install answers questions before it has fetched anything.

It holds findings and their quoted sentences only, not the pages' text; the documents it creates carry
those sentences as their searchable text. ``scripts/build_starter_data.py`` writes it; the first run of
``ogp-watch`` loads it through the same ingest step a fetched page goes through.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from jobs.analysis import findings as finding_types
from jobs.analysis.dates import in_sentence
from jobs.analysis.findings import Finding, JoinedFinding, MembershipFinding, PageAnalysis
from storage import queries
from storage.models import DocumentKind

STARTER_PATH = Path(__file__).resolve().parent.parent / "storage" / "starter" / "starter.json"
#: OGP's members as sources state them: one row per statement, with its URL and quoted words.
MEMBERS_PATH = STARTER_PATH.with_name("ogp_members.csv")
FORMAT_VERSION = 1
_DATE_FIELDS = {"record_date", "until"}
_SEED_ROW = re.compile(r"^\|\s*(?P<file>[^|\s]+\.txt)\s*\|[^|]*\|\s*(?P<url>https?://\S+?)\s*\|", re.M)
_TYPES: dict[str, type] = {
    name: cls for name, cls in vars(finding_types).items()
    if isinstance(cls, type) and name.endswith("Finding") and dataclasses.is_dataclass(cls)
}


def seed_pages(seeds: Path) -> list[tuple[Path, str]]:
    """(file, URL) for every seed page listed in the table of the seed folder's README.md."""
    readme = (seeds / "README.md").read_text(encoding="utf-8")
    return [(seeds / m["file"], m["url"]) for m in _SEED_ROW.finditer(readme)]


def _finding_to_dict(finding: Finding) -> dict[str, Any]:
    data = {k: v.isoformat() if isinstance(v, date) else v for k, v in dataclasses.asdict(finding).items()}
    return {"type": type(finding).__name__, **data}


def _finding_from_dict(data: dict[str, Any]) -> Finding:
    fields = dict(data)
    cls = _TYPES[fields.pop("type")]
    for name in _DATE_FIELDS & fields.keys():
        if fields[name]:
            fields[name] = date.fromisoformat(fields[name])
    if "kind" in fields and cls is finding_types.ReportFinding:
        fields["kind"] = DocumentKind(fields["kind"])
    finding: Finding = cls(**fields)  # _TYPES holds the findings module's Finding dataclasses
    return finding


def dump(analyses: list[PageAnalysis], seen_on: date) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "about": "Findings of OGP Watch's page analysis on the seed pages; regenerate with "
                 "scripts/build_starter_data.py. Quoted sentences are the pages' own words.",
        "seen_on": seen_on.isoformat(),
        "pages": [
            {
                "url": a.url, "title": a.title, "kind": str(a.kind), "language": a.language,
                "member": a.member, "period": a.period, "is_draft": a.is_draft,
                "findings": [_finding_to_dict(f) for f in a.findings],
            }
            for a in analyses
        ],
    }


def analyses_from(data: dict[str, Any]) -> list[PageAnalysis]:
    if data.get("format") != FORMAT_VERSION:
        raise ValueError(f"starter data format {data.get('format')!r} is not {FORMAT_VERSION}")
    result = []
    for page in data["pages"]:
        found = [_finding_from_dict(f) for f in page["findings"]]
        quotes = dict.fromkeys(getattr(f, "evidence", "") for f in found)
        result.append(PageAnalysis(
            url=page["url"], title=page["title"], kind=DocumentKind(page["kind"]), language=page["language"],
            text="\n".join(q for q in quotes if q), member=page.get("member"), period=page.get("period"),
            is_draft=page.get("is_draft", False), findings=found,
        ))
    return result


def member_analyses(path: Path = MEMBERS_PATH) -> list[PageAnalysis]:
    """The members table as what each source page said: one analysis per source URL, its rows as
    findings (a status with the date it took effect, a join year, a founding member), in file order so
    that a member's later status comes last."""
    by_url: dict[str, PageAnalysis] = {}
    names: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            page = by_url.setdefault(row["source_url"], PageAnalysis(
                url=row["source_url"], title=row["source_url"], kind=DocumentKind.OTHER, language="en", text=""))
            kind = row["kind"] or None
            country = row["country"] or None
            year = int(row["joined_year"]) if row["joined_year"] else None
            evidence = row["evidence"]
            if row["status"]:
                as_of = row["status_as_of"] or None
                # The date is the quoted sentence's own when it says it; else it is the source's date.
                basis = ("sentence" if in_sentence(evidence) == as_of else "page") if as_of else None
                page.findings.append(MembershipFinding(
                    row["name"], row["status"], kind, country, year, evidence, effective=as_of, effective_basis=basis,
                ))
            elif year:
                page.findings.append(JoinedFinding(row["name"], year, kind, evidence, country,
                                                   founding=row["founding"] == "true"))
            if evidence not in page.text:
                page.text = f"{page.text}\n{evidence}".strip()
            names.setdefault(row["source_url"], set()).add(row["name"])
    for url, page in by_url.items():  # a page about one member (its OGP page) is that member's
        if len(names[url]) == 1:
            page.member = next(iter(names[url]))
    return list(by_url.values())


def load(session: Session, path: Path = STARTER_PATH, members: Path = MEMBERS_PATH) -> int:
    """Ingest the members table, then the seed pages' findings; returns the number of pages loaded."""
    from jobs.ingest import ingest  # once per database: every later start finds documents and stops before it

    data = json.loads(path.read_text(encoding="utf-8"))
    seen_at = datetime.fromisoformat(data["seen_on"])
    analyses = (member_analyses(members) if members.exists() else []) + analyses_from(data)
    for analysis in analyses:
        ingest(session, analysis, seen_at=seen_at)
    return len(analyses)


def ensure_loaded(session: Session, path: Path = STARTER_PATH) -> int:
    """Load the starter dataset into an empty knowledge base; a knowledge base with documents is left be."""
    if queries.document_count(session) > 0 or not path.exists():
        return 0
    return load(session, path)
