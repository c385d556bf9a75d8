"""``ogp-watch sources|check|events|run``: what an admin types, over a loopback site."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ogp_watch.local_site import LocalSite
from tests.conftest import NEWS_SEED, REPORT_SEED, SEED_PAGES, run_cli, seed_as_html


@pytest.fixture
def admin_env(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh install allowed to watch the loopback site, without OGP's default sources (no internet here)."""
    extra = {"OGP_WATCH_ALLOW_PRIVATE_SOURCES": "true", "OGP_WATCH_DEFAULT_SOURCES": "false"}
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    return {**cli_env, **extra}


@pytest.fixture
def seed_site(local_site: LocalSite) -> LocalSite:
    for name, path in SEED_PAGES.items():
        local_site.page(path, seed_as_html(name))
    return local_site


def test_a_new_installation_watches_ogp_by_default(cli_env, capsys) -> None:
    code, out, _ = run_cli(capsys, "sources", "list", "--json")
    rows = json.loads(out)
    assert code == 0
    assert {row["url"] for row in rows} >= {"https://www.opengovpartnership.org/feed/",
                                             "https://www.opengovpartnership.org/document-type/irm-report/"}
    removed = rows[0]["id"]
    run_cli(capsys, "sources", "remove", str(removed))
    _, again, _ = run_cli(capsys, "sources", "list", "--json")
    assert removed not in {row["id"] for row in json.loads(again)}  # a removed default stays removed


def test_add_list_pause_resume_remove(admin_env, capsys, seed_site: LocalSite) -> None:
    url = seed_site.url(SEED_PAGES[REPORT_SEED])
    code, out, err = run_cli(capsys, "sources", "add", url, "--interval", "12h", "--label", "Mexico report")
    assert code == 0, err
    assert "Watching #1 Mexico report (page, every 12h)" in out
    code, _, err = run_cli(capsys, "sources", "add", url)
    assert code == 2 and "already watched as source 1" in err

    _, listing, _ = run_cli(capsys, "sources", "list")
    assert "#1" in listing and "new" in listing and url in listing
    run_cli(capsys, "sources", "pause", "1")
    _, listing, _ = run_cli(capsys, "sources", "list")
    assert "paused" in listing
    run_cli(capsys, "sources", "resume", "#1")
    code, out, _ = run_cli(capsys, "sources", "remove", "1")
    assert code == 0 and "Removed #1" in out
    code, _, err = run_cli(capsys, "sources", "pause", "1")
    assert code == 2 and "no source #1" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://synthetic.example/x"], "only http and https"),
        (["http://127.0.0.1/x", "--interval", "soon"], "interval"),
        (["http://127.0.0.1/x", "--interval", "5s"], "between"),
        (["https://nonexistent.invalid/feed/"], "resolve"),
    ],
)
def test_bad_source_requests_get_one_clear_line(admin_env, capsys, args: list[str], message: str) -> None:
    code, _, err = run_cli(capsys, "sources", "add", *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_private_addresses_are_refused_unless_allowed(cli_env, capsys) -> None:
    code, _, err = run_cli(capsys, "sources", "add", "http://127.0.0.1:9/feed/")
    assert code == 2 and "OGP_WATCH_ALLOW_PRIVATE_SOURCES" in err


def test_check_then_events(admin_env, capsys, seed_site: LocalSite) -> None:
    for name in (NEWS_SEED, REPORT_SEED):
        run_cli(capsys, "sources", "add", seed_site.url(SEED_PAGES[name]), "--kind", "page")
    code, out, err = run_cli(capsys, "check")
    assert code == 0, err
    assert "source 1" in out and "source 2" in out and "ok" in out
    # The starter data already knows Mexico City withdrew: seeing it again is not news. The report at this
    # (local) address is a document the knowledge base has not seen.
    assert "withdrew" not in out and "New IRM report: Mexico Results Report 2019-2022" in out

    code, out, _ = run_cli(capsys, "check")
    assert "Nothing is due" in out
    code, out, _ = run_cli(capsys, "check", "--all")
    assert out.count("unchanged") == 2

    _, out, _ = run_cli(capsys, "events", "--json")
    found = json.loads(out)
    assert [e["kind"] for e in found] == ["new_report"]
    assert found[0]["url"] == seed_site.url(SEED_PAGES[REPORT_SEED]) and found[0]["evidence"]
    assert found[0]["details"]["member_name"] == "Mexico" and found[0]["details"]["period"] == "2019-2022"
    _, out, _ = run_cli(capsys, "events", "--kind", "member_withdrawn", "--since", "1d")
    assert out.strip() == "No events yet."
    code, _, err = run_cli(capsys, "events", "--since", "last tuesday")
    assert code == 2 and "--since" in err


def test_check_reports_a_failing_source(admin_env, capsys, seed_site: LocalSite) -> None:
    run_cli(capsys, "sources", "add", seed_site.url("/missing/"), "--kind", "page")
    code, out, _ = run_cli(capsys, "check")
    assert code == 1 and "error" in out and "HTTP 404" in out
    _, listing, _ = run_cli(capsys, "sources", "list")
    assert "failing (1)" in listing and "HTTP 404" in listing


def test_run_watches_until_sigterm(admin_env, capsys, seed_site: LocalSite, tmp_path: Path) -> None:
    run_cli(capsys, "sources", "add", seed_site.url(SEED_PAGES[REPORT_SEED]), "--kind", "page")
    env = {**os.environ, **admin_env, "OGP_WATCH_CHECK_TICK_SECONDS": "1"}
    process = subprocess.Popen([sys.executable, "-m", "ogp_watch.cli", "run", "--no-chat"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while seed_site.hits(SEED_PAGES[REPORT_SEED]) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # let the check finish and the alert be printed
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "watching 1 sources" in out and "🔔 New IRM report: Mexico Results Report 2019-2022" in out
    assert "Traceback" not in err
