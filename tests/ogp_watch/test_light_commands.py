"""Commands import only what they use: ``--help`` starts in a few hundredths of a second, ``sources list``
reads the database without the chat, the page analysis or Telegram, and a check of sources that answer 304
loads no page analysis.

Each case runs ``ogp-watch`` in a fresh interpreter (this process has imported everything long ago) and
looks at ``sys.modules`` when the command has returned. The modules are asserted, not the time: a heavy
import that creeps back fails here on any machine, however fast; the times are in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ogp_watch.local_site import LocalSite
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]

RUN = """
import json, sys
from ogp_watch.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""
"""``ogp-watch ARGS`` in this interpreter, then the exit status and every module imported, to a file."""

TELEGRAM_AND_ANALYSIS = ("telegram", "trafilatura", "PIL", "jobs.analysis.page")
"""Never needed by a command that neither chats, draws nor analyses a page."""

CHAT = ("bot", "rapidfuzz")
"""The conversation (member names matched with rapidfuzz) belongs to ``chat``, ``ask`` and the bot."""

READING_PAGES = ("feedparser", "lxml", "jobs.feeds", "jobs.listings", "jobs.ingest")
"""Reading a changed page, listing or feed, and storing what it says."""

DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "pydantic_settings", "httpx")


def command(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules ``ogp-watch ARGS`` imported, run in a new interpreter on this checkout's code, and what
    it printed."""
    result_file = tmp_path / "modules.json"
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), environment.get("PYTHONPATH")) if p)
    done = subprocess.run([sys.executable, "-c", RUN, str(result_file), *args], env=environment, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert result["code"] in (0, 2), done.stdout + done.stderr
    return set(result["modules"]), done.stdout


def imported(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """Those of ``packages`` (or their submodules) that were imported."""
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


@pytest.mark.parametrize("args", [["--help"], ["sources", "--help"], ["events", "--limit", "many"]],
                         ids=["help", "sub-command help", "usage error"])
def test_help_and_usage_errors_import_no_database_nor_telegram(tmp_path: Path, args: list[str]) -> None:
    """Building the parser is all they need: no settings, no database, no HTTP client."""
    modules, out = command(tmp_path, *args)
    assert "ogp_watch.cli" in modules
    assert "usage: ogp-watch" in out or not out  # help on stdout; a usage error on stderr
    assert imported(modules, TELEGRAM_AND_ANALYSIS + CHAT + READING_PAGES + DATABASE) == []


def test_sources_list_reads_the_database_without_the_chat_or_page_analysis(
    cli_env: dict[str, str], capsys, tmp_path: Path
) -> None:
    """Once the first start has loaded the starter data (through ingest, once per database), a start has a
    migrated schema to check (without Alembic) and nothing to load."""
    code, _, err = run_cli(capsys, "sources", "list")
    assert code == 0, err
    modules, out = command(tmp_path, "sources", "list", env=cli_env)
    assert "OGP: IRM reports" in out  # a default source, read from the database
    assert imported(modules, TELEGRAM_AND_ANALYSIS + CHAT + READING_PAGES + ("httpx", "jobs.check", "alembic")) == []


def test_a_check_of_unchanged_sources_loads_no_page_analysis(
    cli_env: dict[str, str], capsys, tmp_path: Path, local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second check finds every source unchanged (304 to its ETag): nothing to analyse, parse or store."""
    local_site.page("/plan/", "<html><head><title>Plan</title></head><body><p>Mexico's plan.</p></body></html>")
    local_site.page("/news/", "<html><head><title>News</title></head><body><p>No news.</p></body></html>")
    local_site.page("/feed/", "<?xml version='1.0'?><rss version='2.0'><channel><title>OGP</title></channel></rss>",
                    content_type="application/rss+xml")
    env = {**cli_env, "OGP_WATCH_ALLOW_PRIVATE_SOURCES": "true", "OGP_WATCH_DEFAULT_SOURCES": "false",
           "OGP_WATCH_HOST_DELAY_SECONDS": "0"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for path, kind in (("/plan/", "page"), ("/news/", "listing"), ("/feed/", "feed")):
        code, _, err = run_cli(capsys, "sources", "add", local_site.url(path), "--kind", kind)
        assert code == 0, err
    code, out, err = run_cli(capsys, "check", "--all")  # the first check reads and analyses them
    assert code == 0 and out.count(": ok,") == 3, out + err
    before = len(local_site.requests)

    modules, out = command(tmp_path, "check", "--all", env=env)
    assert out.count(": unchanged,") == 3, out
    again = [r for r in local_site.requests[before:] if r.path != "/robots.txt"]
    assert sorted(r.path for r in again) == ["/feed/", "/news/", "/plan/"]
    assert all("if-none-match" in r.headers for r in again)  # so each was answered 304
    assert "jobs.check" in modules and "httpx" in modules
    assert imported(modules, TELEGRAM_AND_ANALYSIS + CHAT + READING_PAGES) == []
