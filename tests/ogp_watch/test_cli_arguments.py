"""Every ``ogp-watch`` command, given malformed arguments, says what is wrong in one line on stderr and exits
non-zero, with no traceback. The table must name every command the parser has: a new command without a
malformed-argument case here fails ``test_every_command_has_a_malformed_argument_case``."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ogp_watch.cli import build_parser
from storage.database import sqlite_url
from tests.conftest import run_cli

HUGE = "99999999999999999999"
OPML = ('<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline type="rss" text="OGP" xmlUrl="https://www.opengovpartnership.org/feed/"/></body></opml>')


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    says: str
    """What the message must contain (case-insensitive): the bad value, or the word for what is wrong."""

    @property
    def id(self) -> str:
        return " ".join(arg or "''" for arg in self.argv)


def case(*argv: str, says: str) -> Case:
    return Case(argv, says)


# Placeholders, replaced in each argument: {dir} an existing folder, {missing} a path that does not exist,
# {text} a small HTML file, {binary} a file with NUL bytes, {opml} a valid OPML file.
CASES = [
    case("chat", "--verbose", says="unrecognized arguments: --verbose"),
    case("run", "--role", "boss", says="invalid choice: 'boss'"),
    case("run", "--role", "bot", says="OGP_WATCH_TELEGRAM_TOKEN"),
    case("migrate", "now", says="unrecognized arguments: now"),
    case("demo", "--fast", says="unrecognized arguments: --fast"),
    case("doctor", "--fix", says="unrecognized arguments: --fix"),
    case("members", "--all", says="unrecognized arguments: --all"),
    case("ask", says="required: question"),
    case("ask", "", says="give a question"),
    case("ask", "   ", says="give a question"),
    case("commitments", "", says="give a member's name"),
    case("commitments", "Atlantis", says="no member called 'Atlantis'"),
    case("chart", says="required: member"),
    case("chart", "", says="give a member's name"),
    case("chart", "Atlantis", says="no member called 'Atlantis'"),
    case("chart", "Mexico City", says="no action plan data for Mexico City"),
    case("chart", "Mexico", "--language", "fr", says="invalid choice: 'fr'"),
    case("chart", "Mexico", "--out", "", says="give a file name"),
    case("chart", "Mexico", "--out", "{dir}", says="is a folder"),
    case("chart", "Mexico", "--out", "{missing}/chart.png", says="does not exist"),
    case("chart", "Mexico", "--out", "{text}/chart.png", says="is not a folder"),
    case("ingest", "http://[::1", says="not a valid URL: 'http://[::1'"),
    case("ingest", "http://example.org:abc/", says="port"),
    case("ingest", "http://example.org:99999/", says="port"),
    case("ingest", "http://example.org:0/", says="port"),
    case("ingest", "ftp://example.org/page", says="not an http(s) URL: 'ftp://example.org/page'"),
    case("ingest", "https://exa mple.org/", says="space"),
    case("ingest", "http://", says="no host name"),
    case("ingest", "https:/example.org/", says="no host name"),
    case("ingest", "", says="not an empty string"),
    case("ingest", "not a url", says="no such file: not a url"),
    case("ingest", "{missing}", says="no such file"),
    case("ingest", "{dir}", says="is not a file"),
    case("ingest", "{text}", says="needs --url"),
    case("ingest", "{binary}", "--url", "https://example.org/x", says="binary file"),
    case("ingest", "{text}", "--url", "ftp://example.org/x", says="not an http(s) URL"),
    case("ingest", "{text}", "--url", "", says="the URL is empty"),
    case("facts", "--limit", "abc", says="'abc' is not a whole number"),
    case("facts", "--limit", "-1", says="'-1' is not a whole number"),
    case("facts", "--limit", HUGE, says=f"'{HUGE}' is not a whole number"),
    case("facts", "--limit", "1.5", says="'1.5' is not a whole number"),
    # Worded by jobs.source_admin, as the Telegram admin command /source_add words them.
    case("sources", "add", "http://[::1", says="not a valid address: http://[::1"),
    case("sources", "add", "ftp://example.org/", says="only http and https addresses"),
    case("sources", "add", "not a url", says="only http and https addresses"),
    case("sources", "add", "", says="only http and https addresses"),
    case("sources", "add", "http://example.org:99999/", says="not a valid address"),
    case("sources", "add", "http://user:secret@example.org/", says="user name or password"),
    case("sources", "add", "http://127.0.0.1:9/feed/", says="OGP_WATCH_ALLOW_PRIVATE_SOURCES"),
    case("sources", "add", "https://example.org/", "--interval", "abc", says="cannot read the interval 'abc'"),
    case("sources", "add", "https://example.org/", "--interval", HUGE + "d", says="interval must be between"),
    case("sources", "add", "https://example.org/", "--interval", "0m", says="interval must be between"),
    case("sources", "add", "https://example.org/", "--kind", "blog", says="invalid choice: 'blog'"),
    case("sources", "list", "--csv", says="unrecognized arguments: --csv"),
    case("sources", "pause", "abc", says="'abc' is not a source number"),
    case("sources", "pause", "-1", says="'-1' is not a source number"),
    case("sources", "pause", HUGE, says=f"'{HUGE}' is not a source number"),
    case("sources", "pause", "999", says="no source #999"),
    case("sources", "resume", "", says="'' is not a source number"),
    case("sources", "resume", "999", says="no source #999"),
    case("sources", "remove", "#x", says="'#x' is not a source number"),
    case("sources", "remove", "0", says="no source #0"),
    case("sources", "delete", "1", says="invalid choice: 'delete'"),
    case("check", "--source", "abc", says="'abc' is not a source number"),
    case("check", "--source", HUGE, says="is not a source number"),
    case("check", "--source", "77", says="no source #77"),
    case("events", "--since", "abc", says="'abc' is not a date"),
    case("events", "--since", "2026-13-45", says="'2026-13-45' is not a date"),
    case("events", "--since", "", says="'' is not a date"),
    case("events", "--since=-5d", says="'-5d' is not a date"),
    case("events", "--since", HUGE + "d", says="reaches back before the year 1"),
    case("events", "--limit", "-1", says="'-1' is not a whole number"),
    case("events", "--limit", "abc", says="'abc' is not a whole number"),
    case("events", "--kind", "nope", says="invalid choice: 'nope'"),
    case("deliver", says="OGP_WATCH_TELEGRAM_TOKEN"),
    case("deliver", "--concurrency", "abc", says="'abc' is not a whole number"),
    case("deliver", "--concurrency", "0", says="'0' is not a whole number from 1"),
    case("deliver", "--concurrency", HUGE, says="is not a whole number"),
    case("deliver", "--claim-ttl", "abc", says="'abc' is not a number of seconds"),
    case("deliver", "--claim-ttl", "nan", says="'nan': give a number of seconds"),
    case("deliver", "--claim-ttl", "inf", says="'inf': give a number of seconds"),
    case("deliver", "--claim-ttl", "-5", says="'-5': give a number of seconds"),
    case("export", "planets", says="invalid choice: 'planets'"),
    case("export", "members", "--format", "xml", says="invalid choice: 'xml'"),
    case("export", "members", "--output", "{dir}", says="is a folder"),
    case("export", "members", "--output", "{missing}/members.csv", says="cannot write"),
    case("import", "sources", "{missing}", says="no such file"),
    case("import", "sources", "{dir}", says="is not a file"),
    case("import", "sources", "{binary}", says="not well-formed XML"),
    case("import", "sources", "{opml}", "--interval", "abc", says="cannot read the interval 'abc'"),
    case("import", "commitments", "{missing}", says="no such file"),
    case("import", "commitments", "{dir}", says="is not a file"),
    case("import", "commitments", "{binary}", says="not UTF-8"),
    case("import", "members", "x", says="invalid choice: 'members'"),
]


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command a user can run: the leaves of the sub-command tree ("sources add", "import sources").

    argparse has no public way to list sub-commands; ``_SubParsersAction.choices`` is the documented-in-
    practice one, and if it ever changes this test fails loudly rather than passing with nothing to check.
    """
    groups = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not groups:
        return {prefix}
    return {path for name, child in groups[0].choices.items() for path in command_paths(child, (*prefix, name))}


def test_every_command_has_a_malformed_argument_case() -> None:
    paths = command_paths(build_parser())
    assert ("sources", "add") in paths and ("import", "commitments") in paths and ("chart",) in paths
    covered = {path for path in paths for c in CASES if c.argv[: len(path)] == path}
    assert sorted(paths - covered) == [], "add a malformed-argument case for these commands"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "folder"
    folder.mkdir()
    (tmp_path / "page.html").write_text("<p>Mexico remains a member of OGP.</p>", encoding="utf-8")
    (tmp_path / "program.bin").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    (tmp_path / "sources.opml").write_text(OPML, encoding="utf-8")
    return {"{dir}": str(folder), "{missing}": str(tmp_path / "missing"), "{text}": str(tmp_path / "page.html"),
            "{binary}": str(tmp_path / "program.bin"), "{opml}": str(tmp_path / "sources.opml")}


@pytest.fixture
def fresh_install(_sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new installation on SQLite only: what an argument means does not depend on the database, and the
    table is long. No default sources (so source numbers are unknown), no bot token, no stray .env."""
    database = tmp_path / "ogp-watch.sqlite3"
    shutil.copyfile(_sqlite_template, database)
    monkeypatch.setenv("OGP_WATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OGP_WATCH_DATABASE_URL", sqlite_url(database))
    monkeypatch.setenv("OGP_WATCH_DEFAULT_SOURCES", "false")
    monkeypatch.delenv("OGP_WATCH_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("OGP_WATCH_ALLOW_PRIVATE_SOURCES", raising=False)
    monkeypatch.chdir(tmp_path)


def expand(argv: tuple[str, ...], files: dict[str, str]) -> list[str]:
    expanded = []
    for arg in argv:
        for placeholder, path in files.items():
            arg = arg.replace(placeholder, path)
        expanded.append(arg)
    return expanded


def assert_refused(code: int, out: str, err: str, says: str) -> None:
    assert code != 0, f"exit status 0; stdout: {out!r}"
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert lines, "nothing on stderr"
    # The message is the last line: argparse puts its usage above it, our own errors are that line alone.
    message = lines[-1]
    assert message.startswith("ogp-watch"), err
    assert says.casefold() in message.casefold(), f"{says!r} not in {message!r}"
    assert out == "", f"a refused command printed to stdout: {out!r}"


@pytest.mark.parametrize("malformed", CASES, ids=lambda c: c.id)
def test_malformed_arguments_get_one_clear_line(malformed: Case, fresh_install: None, files: dict[str, str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, *expand(malformed.argv, files))
    assert_refused(code, out, err, malformed.says)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc/self/mem")
@pytest.mark.parametrize("argv", [("ingest", "/proc/self/mem", "--url", "https://example.org/x"),
                                  ("import", "sources", "/proc/self/mem"),
                                  ("import", "commitments", "/proc/self/mem")], ids=" ".join)
def test_a_file_that_cannot_be_read_is_named(argv: tuple[str, ...], fresh_install: None,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """/proc/self/mem is a file that refuses to be read (an I/O error at offset 0), even for root, for whom
    file permissions refuse nothing."""
    code, out, err = run_cli(capsys, *argv)
    assert_refused(code, out, err, "cannot read /proc/self/mem")


def test_help_is_not_an_error(fresh_install: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "chart", "--help")
    assert code == 0 and "--out" in out


def test_the_installed_command_gives_the_same_line(fresh_install: None) -> None:
    """Run as a program, argparse's exit status and message reach the shell unchanged."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "ogp_watch.cli", "ingest", "http://[::1"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "not a valid URL: 'http://[::1'" in done.stderr.splitlines()[-1]
