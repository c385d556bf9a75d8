"""``ogp-watch export`` and ``ogp-watch import`` as a user runs them: files in and out, summaries, and every
hostile or broken file answered with one line on stderr and exit status 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from jobs.opml import MAX_OPML_BYTES
from ogp_watch.exchange_commands import MAX_CSV_BYTES
from storage.database import make_engine, session_scope
from tests.conftest import run_cli
from tests.jobs.test_opml import BILLION_LAUGHS
from tests.storage.exchange import synthetic

MEXICO_CITY_NEWS = ("https://www.opengovpartnership.org/news/the-government-of-mexico-city-withdraws-from-"
                    "international-partnership-on-open-government/")


@pytest.fixture
def synthetic_members(cli_env: dict[str, str]) -> dict[str, str]:
    engine = make_engine(cli_env["OGP_WATCH_DATABASE_URL"])
    try:
        with session_scope(engine) as session:
            synthetic.add_members(session, (17, 18))
    finally:
        engine.dispose()
    return cli_env


def test_export_to_standard_output_in_both_formats(cli_env, capsys) -> None:
    code, out, err = run_cli(capsys, "export", "members")
    assert code == 0 and err == ""
    members = {row["name_en"]: row for row in csv.DictReader(io.StringIO(out, newline=""))}
    assert members["Mexico City"]["status"] == "withdrawn"
    assert members["Mexico City"]["source_url"] == MEXICO_CITY_NEWS and members["Mexico City"]["evidence"]
    code, out, _ = run_cli(capsys, "export", "commitments", "--format", "json")
    commitments = json.loads(out)
    assert code == 0 and {(c["member"], c["number"]) for c in commitments} >= {("Mexico", 9)}
    assert all(c["source_url"] and c["evidence"] and c["seen_at"].endswith("Z") for c in commitments)


def test_export_to_a_file_replaces_it_whole_and_says_where(cli_env, capsys, tmp_path: Path) -> None:
    target = tmp_path / "members.json"
    target.write_text("old content")
    code, out, err = run_cli(capsys, "export", "members", "--format", "json", "--output", str(target))
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert code == 0 and out == "" and err == f"Exported {len(rows)} members to {target} (json).\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.parametrize(("where", "message"), [("missing/out.csv", "cannot write"), (".", "is a folder")])
def test_an_export_that_cannot_be_written_is_one_line(cli_env, capsys, tmp_path: Path, where: str,
                                                      message: str) -> None:
    code, out, err = run_cli(capsys, "export", "events", "--output", str(tmp_path / where))
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_import_commitments_then_again_then_a_dry_run(synthetic_members, capsys, tmp_path: Path) -> None:
    path = tmp_path / "synthetic-commitments.csv"
    path.write_bytes(synthetic.to_csv(synthetic.commitment_rows((17, 18), per_plan=3)))
    code, out, err = run_cli(capsys, "import", "commitments", str(path))
    assert code == 0, err
    assert out == "6 rows: added 6 commitments, updated 0, 0 unchanged; added 2 action plans.\n"
    code, out, _ = run_cli(capsys, "import", "commitments", str(path), "--dry-run")
    assert code == 0 and out == "All 6 rows are stored already; nothing would change.\nDry run: nothing was written.\n"
    code, out, _ = run_cli(capsys, "import", "commitments", str(path))
    assert code == 0 and out == "All 6 rows are stored already; nothing changed.\n"
    code, out, _ = run_cli(capsys, "commitments", "Synthetic Country 018")
    assert "synthetic topic 18-2-3" in out


def test_bad_rows_are_listed_and_nothing_is_imported(synthetic_members, capsys, tmp_path: Path) -> None:
    rows = synthetic.commitment_rows((17,), per_plan=3)
    rows[1]["member"] = "Synthetic Country 404"
    rows[2]["evidence"] = ""
    path = tmp_path / "bad.csv"
    path.write_bytes(synthetic.to_csv(rows))
    code, out, err = run_cli(capsys, "import", "commitments", str(path))
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines() == [
        f"ogp-watch: {path}: 2 of 3 rows are bad; nothing was imported:",
        "  row 3: unknown member 'Synthetic Country 404' (see `ogp-watch members`)",
        "  row 4: evidence is empty: every row needs the sentence from the source that says it",
    ]
    _, listing, _ = run_cli(capsys, "commitments", "Synthetic Country 017")
    assert "synthetic topic" not in listing


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as file:
        file.truncate(size)
    return path


HOSTILE_CSV = {
    "latin-1.csv": ("member,plan,number,source_url,evidence\n"
                    "México,1,1,https://synthetic.example/,Evidencia sintética\n".encode("latin-1"), "not UTF-8 text"),
    "formula.csv": (synthetic.to_csv([{**synthetic.commitment_rows((17,), per_plan=1)[0],
                                       "title": "=HYPERLINK(\"http://synthetic.example/\",\"x\")"}]),
                    "a spreadsheet formula"),
    "header.csv": (b"name,when\nx,y\n", "unknown columns 'name', 'when'"),
}


@pytest.mark.parametrize("name", list(HOSTILE_CSV))
def test_hostile_csv_files_get_a_clear_message_and_status_2(synthetic_members, capsys, tmp_path: Path,
                                                            name: str) -> None:
    data, message = HOSTILE_CSV[name]
    path = tmp_path / name
    path.write_bytes(data)
    code, _, err = run_cli(capsys, "import", "commitments", str(path))
    assert code == 2 and message in err and "Traceback" not in err


def test_huge_missing_and_folder_files_are_refused_before_reading(cli_env, capsys, tmp_path: Path) -> None:
    cases = [
        (["commitments", str(_sparse(tmp_path / "huge.csv", MAX_CSV_BYTES + 1))], "too large; the limit is 10 MB"),
        (["sources", str(_sparse(tmp_path / "huge.opml", MAX_OPML_BYTES + 1))], "too large; the limit is 2 MB"),
        (["commitments", str(tmp_path / "absent.csv")], "no such file"),
        (["sources", str(tmp_path)], "is not a file"),
    ]
    for args, message in cases:
        code, _, err = run_cli(capsys, "import", *args)
        assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err, (args, err)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS, "it declares a DTD"),
        (b"\x89PNG\r\n\x1a\n not xml", "not well-formed XML"),
        (b"<rss><channel/></rss>", "not OPML"),
    ],
)
def test_hostile_opml_files_get_one_line_and_status_2(cli_env, capsys, tmp_path: Path, data: bytes,
                                                      message: str) -> None:
    path = tmp_path / "list.opml"
    path.write_bytes(data)
    code, _, err = run_cli(capsys, "import", "sources", str(path))
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_import_sources_from_opml(cli_env, capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OGP_WATCH_ALLOW_PRIVATE_SOURCES", "true")
    monkeypatch.setenv("OGP_WATCH_DEFAULT_SOURCES", "false")
    path = tmp_path / "synthetic.opml"
    path.write_text("<opml><body><outline text='Synthetic'><outline text='Synthetic feed' "
                    "xmlUrl='http://127.0.0.1:9/feed/'/></outline></body></opml>")
    code, out, err = run_cli(capsys, "import", "sources", str(path), "--interval", "2h")
    assert code == 0, err
    assert out.splitlines() == ["1 address: added 1 source.",
                                "  added #1 Synthetic feed (feed, every 2h): http://127.0.0.1:9/feed/"]
    code, out, _ = run_cli(capsys, "import", "sources", str(path))
    assert code == 0 and out.startswith("The address is watched already; nothing changed.")
    code, _, err = run_cli(capsys, "import", "sources", str(path), "--interval", "often")
    assert code == 2 and "cannot read the interval 'often'" in err
