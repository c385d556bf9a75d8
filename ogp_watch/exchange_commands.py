"""``ogp-watch export`` and ``ogp-watch import``: data in and out (docs/data-exchange.md).

Only the command-line side lives here: arguments, reading the named file under a size cap, writing the
export to standard output or atomically to a file, and turning every problem a user can fix into
``UserError`` (one message, exit status 2, no traceback).

``add_parsers`` runs on every start of ``ogp-watch``, so the module imports only what the parser needs; the
export and import machinery (SQLModel, the OPML reader) is imported by the command that uses it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogp_watch.errors import UserError
from storage.exchange.kinds import ExportFormat, ExportKind

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ogp_watch.settings import Settings

MAX_CSV_BYTES = 10 * 1024 * 1024


def add_parsers(sub: Any) -> None:
    """The ``export`` and ``import`` sub-commands, on the ``ogp-watch`` parser's sub-parsers."""
    export_cmd = sub.add_parser("export", help="write members, commitments, events or sources as CSV or JSON")
    export_cmd.add_argument("kind", choices=[kind.value for kind in ExportKind])
    export_cmd.add_argument("--format", choices=[f.value for f in ExportFormat], default=ExportFormat.CSV.value,
                            help="csv (default; safe to open in a spreadsheet) or json")
    export_cmd.add_argument("--output", "-o", metavar="PATH", help="write to this file (default: standard output)")

    import_cmd = sub.add_parser("import", help="add sources from an OPML file, or commitments from a CSV file")
    kinds = import_cmd.add_subparsers(dest="import_kind", metavar="KIND", required=True)
    opml = kinds.add_parser("sources", help="watch every feed and page an OPML file lists")
    opml.add_argument("file", metavar="FILE.opml")
    opml.add_argument("--interval", help="how often to check them, e.g. 6h (default 6h)")
    opml.add_argument("--dry-run", action="store_true", help="check the file and report; add nothing")
    commitments = kinds.add_parser("commitments", help="add commitments, each with its source and evidence")
    commitments.add_argument("file", metavar="FILE.csv")
    commitments.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")


def cmd_export(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    from storage.exchange.export import export

    if args.output is None:
        try:
            export(engine, args.kind, args.format, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # `ogp-watch export events | head`: the reader has what it wanted
            _silence_stdout()
        return 0
    target = Path(args.output)
    if target.is_dir():
        raise UserError(f"--output {target} is a folder; give a file name")
    try:
        # A temporary file beside the target, renamed over it at the end: no half-written export on failure.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=target.parent,
                                         prefix=f".{target.name}.", suffix=".part", delete=False) as part:
            try:
                count = export(engine, args.kind, args.format, part)
            except BaseException:
                part.close()
                os.unlink(part.name)
                raise
        os.replace(part.name, target)
    except OSError as error:
        raise UserError(f"cannot write {target}: {error.strerror or error}") from None
    print(f"Exported {count:,} {args.kind} to {target} ({args.format}).", file=sys.stderr)
    return 0


def cmd_import(engine: Engine, settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if args.import_kind == "sources":
        from jobs import source_admin
        from jobs.opml import MAX_OPML_BYTES, OpmlError, read_opml
        from jobs.source_import import SourcesRejected, import_sources

        interval = source_admin.parse_interval(args.interval) if args.interval else None
        try:
            outlines = read_opml(read_capped(path, MAX_OPML_BYTES))
        except OpmlError as error:
            raise UserError(f"{path}: {error}") from None
        try:
            summary = import_sources(engine, outlines, added_by="cli:import", dry_run=args.dry_run,
                                     allow_private=settings.allow_private_sources, interval_seconds=interval)
        except SourcesRejected as error:
            raise UserError(f"{path}: {error}") from None
        print(summary.text())
        return 0
    from storage.exchange.commitment_import import CommitmentFileError, RowsRejected, import_commitments

    try:
        result = import_commitments(engine, read_capped(path, MAX_CSV_BYTES), dry_run=args.dry_run)
    except (CommitmentFileError, RowsRejected) as error:
        raise UserError(f"{path}: {error}") from None
    print(result.text())
    return 0


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; a missing, unreadable or oversized file is the user's to fix, said in one line."""
    try:
        if not path.is_file():
            raise UserError(f"no such file: {path}" if not path.exists() else f"{path} is not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise UserError(f"{path}: {size / 2**20:.1f} MB is too large; the limit is {max_bytes // 2**20} MB")
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since it was measured
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise UserError(f"{path}: too large; the limit is {max_bytes // 2**20} MB")
    return data


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so that Python's final flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


COMMANDS = {"export": cmd_export, "import": cmd_import}
