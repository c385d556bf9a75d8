"""The ``ogp-watch`` command end to end: a fresh data folder, the starter data, pages served over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ogp_watch.local_site import LocalSite
from tests.conftest import SEED_PAGES, run_cli, seed_as_html

REPO = Path(__file__).resolve().parents[2]


def test_fresh_install_answers_from_the_starter_data(cli_env, capsys) -> None:
    code, out, _ = run_cli(capsys, "ask", "status of Mexico commitment 9")
    assert code == 0
    assert "commitment 9 (trusts): inactive" in out
    assert "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/" in out


def test_ask_json(cli_env, capsys) -> None:
    code, out, _ = run_cli(capsys, "ask", "¿la Ciudad de México sigue en OGP?", "--json")
    data = json.loads(out)
    assert code == 0 and data["language"] == "es"
    assert data["answer"].startswith("No. Ciudad de México se retiró")
    assert any("withdraws" in url for url in data["sources"])
    assert data["facts"] and all(f["evidence"] and f["source_url"] for f in data["facts"])


def test_members_commitments_and_facts(cli_env, capsys) -> None:
    _, members, _ = run_cli(capsys, "members")
    assert "Mexico City" in members and "withdrawn" in members
    _, commitments, _ = run_cli(capsys, "commitments", "México")
    assert "action plan 4" in commitments and "trusts" in commitments and "inactive" in commitments
    code, out, _ = run_cli(capsys, "commitments", "Atlantis")
    assert code == 2
    _, facts, _ = run_cli(capsys, "facts", "--json")
    rows = json.loads(facts)
    # Every fact says where it was read (OGP's pages, or the press for the members table) and in what words.
    assert rows and all(r["source_url"].startswith(("https://", "http://")) and r["evidence"] for r in rows)
    assert any(r["source_url"].startswith("https://www.opengovpartnership.org/") for r in rows)


def test_wrong_usage_gets_one_clear_line(cli_env, capsys, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>hello</p>")
    code, _, err = run_cli(capsys, "ingest", str(page))
    assert code == 2 and "needs --url" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "ingest", str(tmp_path / "missing.html"), "--url", "https://example.org/x")
    assert code == 2 and "no such file" in err


@pytest.fixture
def seed_site(local_site: LocalSite) -> str:
    """The seed pages as HTML (with navigation, footer and comments) on a loopback HTTP server."""
    for name, path in SEED_PAGES.items():
        local_site.page(path, seed_as_html(name))
    return local_site.base_url


def test_ingest_seed_pages_over_loopback(cli_env, capsys, seed_site: str) -> None:
    report_url = seed_site + SEED_PAGES["002_cbcac8b9a092a9ea.txt"]
    news_url = seed_site + SEED_PAGES["000_472b56a4eef0540e.txt"]
    for url in (report_url, news_url):
        code, out, err = run_cli(capsys, "ingest", url)
        assert code == 0, err
    _, facts_json, _ = run_cli(capsys, "facts", "--json")
    facts = json.loads(facts_json)
    report = {(f["predicate"], json.dumps(f["value"], sort_keys=True)) for f in facts if f["source_url"] == report_url}
    assert ("commitment_count", "13") in report
    assert ("state", json.dumps({"body": "Coordinating Committee of OGP in Mexico (CC-AGA MX)",
                                 "state": "inactive"}, sort_keys=True)) in report
    assert ("extension", json.dumps({"months": 12, "until": "2022-08-31"}, sort_keys=True)) in report
    tallies = {(f["value"]["dimension"], f["value"]["level"], f["value"]["count"])
               for f in facts if f["source_url"] == report_url and f["predicate"] == "tally"}
    assert tallies == {("early_results", "marginal", 5), ("early_results", "significant", 3),
                       ("early_results", "outstanding", 1), ("early_results", "none", 4),
                       ("completion", "limited", 7), ("completion", "substantial", 5), ("completion", "complete", 1)}
    decisions = {(f["value"]["body"], f["value"]["date"]) for f in facts
                 if f["source_url"] == report_url and f["predicate"] == "decision_record"}
    assert decisions == {("Working Group", "2021-12-13"), ("Coordinating Committee", "2022-05-03"),
                         ("Coordinating Committee", "2022-10-20")}
    news = [f for f in facts if f["source_url"] == news_url]
    assert sum(f["predicate"] == "status" and f["value"] == "active" for f in news) == 11
    assert any(f["predicate"] == "status" and f["value"] == "withdrawn" for f in news)
    assert any(f["predicate"] == "totals" and f["value"] == {"countries": 76, "locals": 105} for f in news)
    assert all(f["evidence"].strip() for f in facts if f["source_url"] in (report_url, news_url))


def test_console_script_runs(cli_env) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ogp_watch.cli", "ask", "which members withdrew?"],
        capture_output=True, text=True, timeout=120, env={**os.environ, **cli_env}, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "Mexico City" in result.stdout
