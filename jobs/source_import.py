"""Watching every address of an OPML list at once (``ogp-watch import sources FILE.opml``).

Each address goes through ``jobs.source_admin.add``, the very function behind ``ogp-watch sources add`` and
``/source_add``, so it meets the same rules (http(s) only, no private addresses unless allowed, no address
watched twice) and gets the same label and kind guesses; a feed outline is watched as a feed.

All or nothing, like the commitments import: if any address is refused, every refusal is listed and no
source is added, so the admin fixes the file and runs the same command again. An address watched already
(or named twice in the file) is not an error, only skipped, which makes importing the same file a second
time a harmless no-op that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from jobs import source_admin
from jobs.opml import Outline
from jobs.source_admin import SourceAdminError
from storage.database import session_scope
from storage.models import SourceKind
from storage.sources import DuplicateSource

MAX_REFUSALS_SHOWN = 20


class Outcome(StrEnum):
    ADDED = "added"
    ALREADY_WATCHED = "already watched"
    REPEATED = "repeated in the file"
    REFUSED = "refused"


@dataclass(frozen=True)
class OutlineResult:
    outline: Outline
    outcome: Outcome
    detail: str  # the source's label, kind and address, or why it was skipped or refused
    source_id: int | None = None  # of the source added (not committed in a dry run)

    def line(self) -> str:
        return f"line {self.outline.line}: {self.outline.url[:200]}: {self.detail}"


class SourcesRejected(ValueError):
    """Some addresses were refused; none was added."""

    def __init__(self, refused: Sequence[OutlineResult], total: int) -> None:
        self.refused = list(refused)
        lines = [f"  {result.line()}" for result in self.refused[:MAX_REFUSALS_SHOWN]]
        more = len(self.refused) - MAX_REFUSALS_SHOWN
        if more > 0:
            lines.append(f"  … and {more} more")
        super().__init__(f"{len(self.refused)} of {total} addresses refused; no source was added:\n"
                         + "\n".join(lines))


@dataclass
class SourceImportSummary:
    results: list[OutlineResult] = field(default_factory=list)
    dry_run: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(result.outcome == outcome for result in self.results)

    def text(self) -> str:
        if not self.results:
            return "The file names no addresses; nothing to import."
        added = self.count(Outcome.ADDED)
        lines = [f"  would add {result.detail}" if self.dry_run and result.outcome == Outcome.ADDED
                 else f"  added #{result.source_id} {result.detail}" if result.outcome == Outcome.ADDED
                 else f"  skipped {result.line()}"
                 for result in self.results]
        total = len(self.results)
        if added == 0:
            head = ("The address is watched already" if total == 1
                    else f"All {total} addresses are watched already") + "; nothing changed."
        else:
            skipped = total - added
            head = (f"{_counted(total, 'address', 'addresses')}: {'would add' if self.dry_run else 'added'} "
                    f"{_counted(added, 'source')}" + (f", skipped {skipped} watched already." if skipped else "."))
        tail = ["Dry run: nothing was written."] if self.dry_run else []
        return "\n".join([head, *lines, *tail])


def _counted(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def import_sources(engine: Engine, outlines: Sequence[Outline], *, added_by: str, allow_private: bool,
                   interval_seconds: int | None = None, dry_run: bool = False) -> SourceImportSummary:
    """Add every outline's address as a source, in one transaction; none if any is refused."""
    summary = SourceImportSummary(dry_run=dry_run)
    with session_scope(engine, dry_run=dry_run) as session:
        first_line: dict[int, int] = {}  # id of a source added here -> line of the outline that added it
        for outline in outlines:
            result = _add(session, outline, first_line, added_by=added_by, allow_private=allow_private,
                          interval_seconds=interval_seconds)
            summary.results.append(result)
        refused = [result for result in summary.results if result.outcome == Outcome.REFUSED]
        if refused:
            raise SourcesRejected(refused, len(outlines))
    return summary


def _add(session: Session, outline: Outline, first_line: dict[int, int], *, added_by: str, allow_private: bool,
         interval_seconds: int | None) -> OutlineResult:
    try:
        source = source_admin.add(session, outline.url, added_by=added_by, allow_private=allow_private,
                                  kind=SourceKind.FEED if outline.is_feed else None, interval=interval_seconds,
                                  label=outline.title)
    except SourceAdminError as error:
        # source_admin words the duplicate for people and drops its type; the original is its context.
        duplicate = error.__context__
        if isinstance(duplicate, DuplicateSource) and duplicate.source.id is not None:
            if duplicate.source.id in first_line:
                return OutlineResult(outline, Outcome.REPEATED,
                                     f"repeats line {first_line[duplicate.source.id]}")
            return OutlineResult(outline, Outcome.ALREADY_WATCHED,
                                 f"watched already as #{duplicate.source.id} {duplicate.source.label}")
        return OutlineResult(outline, Outcome.REFUSED, str(error))
    assert source.id is not None
    first_line[source.id] = outline.line
    every = source_admin.format_interval(source.interval_seconds)
    return OutlineResult(outline, Outcome.ADDED, f"{source.label} ({source.kind}, every {every}): {source.url}",
                         source.id)
