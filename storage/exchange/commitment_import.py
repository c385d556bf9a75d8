"""Importing commitments from a CSV file: each row a commitment of a member's action plan, with the source
and the quoted sentence that support it.

The rules a file must follow are in docs/data-exchange.md. The import is all or nothing: every row is checked
first, every bad row is reported (with its row number and every reason), and if any row is bad nothing is
written. A good file is written in one transaction through ``storage.knowledge``, as page analysis writes what
it reads, so an imported commitment is answered and exported like an analysed one: the commitment itself,
and a fact per statement ("mentioned" with its title, "completion", "early_results") carrying the row's
source URL, evidence and date seen.

Importing the same file again changes nothing: a statement already stored from the same source is left as it
is (its evidence and date seen stand, whether analysis or an earlier import stored it), and the summary says so.

Why this stays one file (about 500 lines): reading, checking and writing are three short stages of one
all-or-nothing import, and the file rules they enforce (the ``MAX_*`` limits, the column names, the words
for completion and early results) are module constants that each stage reads and that tests change on this
module (``monkeypatch.setattr(commitment_import, "MAX_ROWS", ...)``); split, a limit patched here would no
longer reach the stage that applies it, and the rules of docs/data-exchange.md would be spread over three files.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage import knowledge
from storage.database import session_scope
from storage.exchange.spreadsheet import is_formula, restore
from storage.exchange.tables import COMMITMENT_COLUMNS
from storage.models import (
    ActionPlan,
    Commitment,
    Completion,
    Document,
    EarlyResults,
    Fact,
    Member,
    SubjectType,
    utcnow,
)

REQUIRED_COLUMNS = ("member", "plan", "number", "source_url", "evidence")
OPTIONAL_COLUMNS = ("member_slug", "title", "completion", "early_results", "seen_at")
IGNORED_COLUMNS = tuple(c for c in COMMITMENT_COLUMNS if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
"""Columns of ``ogp-watch export commitments`` that an import does not write (the active/inactive state is
read from the decisions OGP publishes, not typed in), so an export can be imported as it is."""

MAX_ROWS = 20_000
MAX_PLAN = 30
MAX_NUMBER = 999
MAX_TITLE = 300  # Commitment.title
MAX_URL = 2000
MIN_EVIDENCE = 10
MAX_EVIDENCE = 2000
MAX_PROBLEMS_SHOWN = 20
DELIMITERS = (",", ";", "\t")
"""Comma first; spreadsheets set to Spanish (and other languages that write decimals with a comma) save
"CSV" with semicolons."""


def _word(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-]+", " ", plain).strip()


def _vocabulary(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_word(word): level for level, forms in words.items() for word in (level, *forms)}


COMPLETION_WORDS = _vocabulary({
    Completion.NOT_STARTED: ("not started", "no iniciado", "no iniciada", "sin iniciar"),
    Completion.LIMITED: ("limitado", "limitada"),
    Completion.SUBSTANTIAL: ("sustancial", "substancial"),
    Completion.COMPLETE: ("completed", "completo", "completa", "completado", "completada", "cumplido"),
})
"""The stored levels (``storage.models.Completion``) and the English and Spanish words answers use for them
(``bot.messages.LEVELS``), with the other genders and common synonyms; case and accents do not matter."""

EARLY_RESULTS_WORDS = _vocabulary({
    EarlyResults.NONE: ("none evidenced", "ninguno", "ninguno evidenciado", "ningunos"),
    EarlyResults.MARGINAL: ("marginales",),
    EarlyResults.SIGNIFICANT: ("significativo", "significativos", "significativa", "significativas"),
    EarlyResults.OUTSTANDING: ("sobresaliente", "sobresalientes"),
})


class CommitmentFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size); the message is one line."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    reasons: tuple[str, ...]

    def line(self) -> str:
        return f"row {self.row}: " + "; ".join(self.reasons)


class RowsRejected(ValueError):
    """Some rows are bad: nothing was imported. ``problems`` lists each bad row with all its reasons."""

    def __init__(self, problems: Sequence[RowProblem], rows: int) -> None:
        self.problems = list(problems)
        self.rows = rows
        shown = [f"  {problem.line()}" for problem in self.problems[:MAX_PROBLEMS_SHOWN]]
        more = len(self.problems) - MAX_PROBLEMS_SHOWN
        if more > 0:
            shown.append(f"  … and {more} more bad row{'s' if more > 1 else ''}")
        bad = len(self.problems)
        super().__init__(f"{bad} of {rows} row{'s' if rows != 1 else ''} {'is' if bad == 1 else 'are'} bad; "
                         "nothing was imported:\n" + "\n".join(shown))


@dataclass(frozen=True)
class ImportRow:
    """One checked row, ready to write."""

    row: int
    member_id: int
    plan: int
    number: int
    title: str | None
    completion: str | None
    early_results: str | None
    source_url: str
    evidence: str
    seen_at: datetime | None


@dataclass
class ImportSummary:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    plans_added: int = 0
    facts_recorded: int = 0
    ignored_columns: tuple[str, ...] = ()
    dry_run: bool = False

    def text(self) -> str:
        verb = ("would add", "would update") if self.dry_run else ("added", "updated")
        if self.rows == 0:
            head = "The file has no rows; nothing to import."
        elif self.unchanged == self.rows:
            head = ("The row is stored already" if self.rows == 1 else f"All {self.rows} rows are stored already") \
                + f"; nothing {'would change' if self.dry_run else 'changed'}."
        else:
            head = (f"{_counted(self.rows, 'row')}: {verb[0]} {_counted(self.added, 'commitment')}, "
                    f"{verb[1]} {self.updated}, {self.unchanged} unchanged")
            head += f"; {verb[0]} {_counted(self.plans_added, 'action plan')}." if self.plans_added else "."
        lines = [head]
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        if self.ignored_columns:
            lines.append("Not imported (read from OGP's own decisions): " + ", ".join(self.ignored_columns) + ".")
        return "\n".join(lines)


def _counted(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- reading the file --------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text; UTF-8 only (with or without the byte-order mark spreadsheets add)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommitmentFileError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); save it as “CSV UTF-8”"
        ) from None


@dataclass(frozen=True)
class ParsedFile:
    columns: tuple[str, ...]
    records: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number, cells)


def parse(text: str) -> ParsedFile:
    """Header and records; the header is row 1, as a spreadsheet numbers it. Blank rows are skipped."""
    if "\x00" in text:
        raise CommitmentFileError("not a CSV file: it contains NUL bytes")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CommitmentFileError("the file is empty; the first row must name the columns: "
                                      + ",".join(REQUIRED_COLUMNS))
        columns = _check_header(header)
        records: list[tuple[int, list[str]]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(records) == MAX_ROWS:
                raise CommitmentFileError(f"more than {MAX_ROWS:,} rows; split the file")
            records.append((number, cells))
    except csv.Error as error:
        raise CommitmentFileError(f"not a readable CSV file: {error} (near line {reader.line_num})") from None
    return ParsedFile(columns, records)


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    for delimiter in DELIMITERS:
        names = {_column_name(cell) for cell in first_line.split(delimiter)}
        if {"member", "evidence"} <= names:
            return delimiter
    return ","


def _column_name(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().strip('"').strip().lower())


def _check_header(header: list[str]) -> tuple[str, ...]:
    columns = tuple(_column_name(cell) for cell in header)
    known = set(REQUIRED_COLUMNS + OPTIONAL_COLUMNS + IGNORED_COLUMNS)
    expected = "expected " + ", ".join(REQUIRED_COLUMNS) + " and optionally " + ", ".join(OPTIONAL_COLUMNS)
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise CommitmentFileError(f"the header names {_listed(repeated)} more than once")
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise CommitmentFileError(f"unknown column{'s' if len(unknown) > 1 else ''} {_listed(unknown)} in the "
                                  f"header; {expected}")
    named = set(columns) | ({"member"} if "member_slug" in columns else set())  # either names the member
    missing = [c for c in REQUIRED_COLUMNS if c not in named]
    if missing:
        raise CommitmentFileError(f"the header lacks {_listed(missing)}; {expected}")
    return columns


def _listed(names: Sequence[str]) -> str:
    return ", ".join(repr(name[:40]) for name in names)


# -- checking the rows -------------------------------------------------------------------------------------


class _Checker:
    """Checks every record, collecting every reason a row is bad; reads members once per name."""

    def __init__(self, session: Session, parsed: ParsedFile, now: datetime) -> None:
        self.session = session
        self.parsed = parsed
        self.now = now
        self.members: dict[tuple[str, str], tuple[Member | None, str | None]] = {}
        self.seen: dict[tuple[int, int, int], int] = {}

    def run(self) -> list[ImportRow]:
        rows: list[ImportRow] = []
        problems: list[RowProblem] = []
        for number, cells in self.parsed.records:
            reasons: list[str] = []
            row = self._row(number, cells, reasons)
            if reasons or row is None:
                problems.append(RowProblem(number, tuple(reasons)))
            else:
                rows.append(row)
        if problems:
            raise RowsRejected(problems, len(self.parsed.records))
        return rows

    def _row(self, number: int, cells: list[str], reasons: list[str]) -> ImportRow | None:
        columns = self.parsed.columns
        if len(cells) != len(columns):
            reasons.append(f"has {len(cells)} cells, the header has {len(columns)}")
            return None
        raw = dict(zip(columns, cells, strict=True))
        for name, cell in raw.items():
            if is_formula(cell.strip(" ")):
                reasons.append(f"{name} starts with {cell.strip(' ')[0]!r}, a spreadsheet formula; write it with "
                               "a leading apostrophe if it is text")
        value = {name: restore(cell).strip() for name, cell in raw.items()}

        member = self._member(value.get("member", ""), value.get("member_slug", ""), reasons)
        plan = _whole(value["plan"], "plan", 1, MAX_PLAN, reasons)
        commitment = _whole(value["number"], "number", 1, MAX_NUMBER, reasons)
        title = value.get("title") or None
        if title and len(title) > MAX_TITLE:
            reasons.append(f"title longer than {MAX_TITLE} characters")
        completion = _level(value.get("completion", ""), "completion", COMPLETION_WORDS, Completion, reasons)
        early = _level(value.get("early_results", ""), "early_results", EARLY_RESULTS_WORDS, EarlyResults, reasons)
        source_url = _source_url(value["source_url"], reasons)
        evidence = _evidence(value["evidence"], reasons)
        seen_at = self._seen_at(value.get("seen_at", ""), reasons)

        if member is not None and member.id is not None and plan is not None and commitment is not None:
            key = (member.id, plan, commitment)
            if key in self.seen:
                reasons.append(f"repeats row {self.seen[key]} (the same member, plan and commitment number)")
            else:
                self.seen[key] = number
        if reasons or member is None or member.id is None or plan is None or commitment is None:
            return None
        assert source_url is not None and evidence is not None
        return ImportRow(number, member.id, plan, commitment, title, completion, early, source_url, evidence,
                         seen_at)

    def _member(self, name: str, slug: str, reasons: list[str]) -> Member | None:
        if not name and not slug:
            reasons.append("member is empty")
            return None
        if (name, slug) not in self.members:
            self.members[(name, slug)] = self._resolve(name, slug)
        member, problem = self.members[(name, slug)]
        if problem:
            reasons.append(problem)
        return member

    def _resolve(self, name: str, slug: str) -> tuple[Member | None, str | None]:
        """The member a row names: by ``member_slug`` when given (exact), else by any of its names."""
        by_slug = self.session.exec(select(Member).where(Member.slug == slug)).first() if slug else None
        if slug and by_slug is None:
            return None, f"unknown member_slug {slug[:80]!r} (see `ogp-watch export members`)"
        by_name = knowledge.find_member(self.session, name) if name else None
        if by_slug is None and by_name is None:
            return None, f"unknown member {name[:80]!r} (see `ogp-watch members`)"
        if by_slug is not None and by_name is not None and by_slug.id != by_name.id:
            return None, f"member {name[:80]!r} is not the member whose slug is {slug[:80]!r}"
        return by_slug or by_name, None

    def _seen_at(self, text: str, reasons: list[str]) -> datetime | None:
        if not text:
            return None
        try:
            if len(text) == 10:
                moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
            else:
                moment = datetime.fromisoformat(text)
                if moment.tzinfo is not None:
                    moment = moment.astimezone(UTC).replace(tzinfo=None)
        except ValueError:
            reasons.append(f"seen_at {text[:40]!r} is not a date like 2024-05-31 or 2024-05-31T14:00:00Z")
            return None
        if moment > self.now + timedelta(days=1):
            reasons.append(f"seen_at {text[:40]!r} is in the future")
            return None
        return moment


def _whole(text: str, name: str, low: int, high: int, reasons: list[str]) -> int | None:
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        reasons.append(f"{name} must be a whole number from {low} to {high}, not {text[:40]!r}" if text
                       else f"{name} is empty")
        return None
    return int(text)


def _level(text: str, name: str, words: dict[str, str], levels: Any, reasons: list[str]) -> str | None:
    if not text:
        return None
    level = words.get(_word(text))
    if level is None:
        allowed = ", ".join(str(lvl) for lvl in levels)
        reasons.append(f"{name} {text[:40]!r} is not one of {allowed} (or their Spanish names)")
    return level


def _source_url(text: str, reasons: list[str]) -> str | None:
    parts = urlsplit(text) if text else None
    if not text:
        reasons.append("source_url is empty: every row needs the address of the page that says it")
    elif (len(text) > MAX_URL or parts is None or parts.scheme not in {"http", "https"} or not parts.hostname
          or any(ch.isspace() for ch in text)):
        reasons.append(f"source_url {text[:80]!r} is not an http(s) address")
    else:
        return text
    return None


_QUOTES = (('"', '"'), ("“", "”"), ("«", "»"), ("'", "'"))


def _evidence(text: str, reasons: list[str]) -> str | None:
    for opening, closing in _QUOTES:
        if len(text) > 1 and text.startswith(opening) and text.endswith(closing):
            text = text[1:-1].strip()
            break
    if not text:
        reasons.append("evidence is empty: every row needs the sentence from the source that says it")
    elif len(text) < MIN_EVIDENCE:
        reasons.append(f"evidence {text!r} is too short to be a quoted sentence")
    elif len(text) > MAX_EVIDENCE:
        reasons.append(f"evidence longer than {MAX_EVIDENCE} characters: quote one sentence")
    else:
        return text
    return None


# -- writing ---------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, session: Session, now: datetime, summary: ImportSummary) -> None:
        self.session = session
        self.now = now
        self.summary = summary
        self.plans: dict[tuple[int, int], ActionPlan] = {}
        self.documents: dict[str, Document | None] = {}

    def write(self, row: ImportRow) -> None:
        plan = self._plan(row.member_id, row.plan)
        existing = self.session.exec(
            select(Commitment).where(Commitment.plan_id == plan.id, Commitment.number == row.number)
        ).first()
        commitment = existing or knowledge.ensure_commitment(self.session, plan, row.number)
        changed = existing is None
        if row.title and commitment.title != row.title:
            commitment.title, changed = row.title, True
        if row.completion and commitment.completion != row.completion:
            commitment.completion, changed = Completion(row.completion), True
        if row.early_results and commitment.early_results != row.early_results:
            knowledge.set_commitment_early_results(commitment, row.early_results)
            changed = True
        self.session.add(commitment)
        statements: list[tuple[str, Any]] = [("mentioned", {"title": row.title})]
        if row.completion:
            statements.append(("completion", row.completion))
        if row.early_results:
            statements.append(("early_results", row.early_results))
        assert commitment.id is not None
        stored = self._stored_facts(commitment.id, row.source_url) if existing is not None else []
        for predicate, value in statements:
            if any(f.predicate == predicate and f.value == value for f in stored):
                continue  # the same statement from the same source is stored: its evidence and date stand
            knowledge.record_fact(
                self.session, subject_type=SubjectType.COMMITMENT, subject_id=commitment.id, predicate=predicate,
                value=value, source_url=row.source_url, evidence=row.evidence,
                document=self._document(row.source_url), seen_at=row.seen_at or self.now,
            )
            self.summary.facts_recorded += 1
            changed = True
        if existing is None:
            self.summary.added += 1
        elif changed:
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1

    def _plan(self, member_id: int, ordinal: int) -> ActionPlan:
        key = (member_id, ordinal)
        if key not in self.plans:
            member = self.session.get(Member, member_id)
            assert member is not None
            known = self.session.exec(
                select(ActionPlan.id).where(ActionPlan.member_id == member_id, ActionPlan.ordinal == ordinal)
            ).first()
            self.plans[key] = knowledge.ensure_plan(self.session, member, ordinal)
            self.summary.plans_added += known is None
        return self.plans[key]

    def _stored_facts(self, commitment_id: int, source_url: str) -> list[_StoredFact]:
        query = select(Fact).where(Fact.subject_type == SubjectType.COMMITMENT, Fact.subject_id == commitment_id,
                                   Fact.source_url == source_url)
        return [_StoredFact.of(fact) for fact in self.session.exec(query)]

    def _document(self, url: str) -> Document | None:
        """The stored page the row cites, if OGP Watch has read it; an import never stores a page itself."""
        if url not in self.documents:
            self.documents[url] = self.session.exec(select(Document).where(col(Document.url) == url)).first()
        return self.documents[url]


@dataclass(frozen=True)
class _StoredFact:
    predicate: str
    value: Any

    @classmethod
    def of(cls, fact: Fact) -> _StoredFact:
        return cls(fact.predicate, json.loads(fact.value))


def import_commitments(engine: Engine, data: bytes, *, dry_run: bool = False,
                       now: Callable[[], datetime] = utcnow) -> ImportSummary:
    """Check every row of the CSV file ``data``, then write them all in one transaction, or none.

    Raises ``CommitmentFileError`` for a file that cannot be read at all and ``RowsRejected`` listing every
    bad row; in both cases nothing is written. A dry run checks and counts, then rolls back.
    """
    parsed = parse(decode(data))
    moment = now()
    summary = ImportSummary(rows=len(parsed.records), dry_run=dry_run,
                            ignored_columns=tuple(c for c in parsed.columns if c in IGNORED_COLUMNS))
    with session_scope(engine, dry_run=dry_run) as session:
        rows = _Checker(session, parsed, moment).run()
        writer = _Writer(session, moment, summary)
        for row in rows:
            writer.write(row)
    return summary
