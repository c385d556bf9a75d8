"""Starting processes: the schema check, several processes starting at once, one scheduler per SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import schema
from storage.database import make_engine
from tests.conftest import run_cli


def _start(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ogp_watch.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_line(process: subprocess.Popen[str], text_: str, timeout: float = 30) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen += line
        if text_ in line:
            return seen
    raise AssertionError(f"no {text_!r} in the output: {seen}{process.stderr.read() if process.stderr else ''}")


@pytest.fixture
def outdated_env(empty_database_url: str, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A database left at revision 0003 by an older OGP Watch, and migrations made a deployment step."""
    engine = make_engine(empty_database_url)
    schema.upgrade(engine, "0003")
    engine.dispose()
    monkeypatch.setenv("OGP_WATCH_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("OGP_WATCH_AUTO_MIGRATE", "false")
    return {**cli_env, "OGP_WATCH_DATABASE_URL": empty_database_url, "OGP_WATCH_AUTO_MIGRATE": "false"}


def test_an_outdated_schema_stops_every_command_until_migrate_runs(outdated_env, capsys) -> None:
    code, out, err = run_cli(capsys, "members")
    assert code == 2 and out == ""
    assert "schema is at revision 0003, this OGP Watch needs 0005: run `ogp-watch migrate`" in err

    code, out, _ = run_cli(capsys, "migrate")
    assert code == 0 and "from 0003 to revision 0005" in out
    code, out, _ = run_cli(capsys, "migrate")
    assert code == 0 and "up to date (revision 0005)" in out

    code, out, err = run_cli(capsys, "members")
    assert code == 0, err
    assert "Mexico" in out  # the starter data is loaded once the schema fits


def test_processes_starting_at_once_on_a_new_database_take_turns(
    empty_database_url: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Each start migrates and loads the starter data; without the setup lock they would race (duplicate
    tables, duplicate members) and some would fail."""
    env = {**os.environ, **cli_env, "OGP_WATCH_DATABASE_URL": empty_database_url}
    processes = [_start(env, tmp_path, "members") for _ in range(4)]
    results = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "Mexico" in out
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            slugs = connection.execute(text("SELECT slug, count(*) FROM member GROUP BY slug")).all()
        assert schema.current_revision(engine) == schema.head_revision()
    finally:
        engine.dispose()
    assert slugs and all(count == 1 for _, count in slugs)


def test_a_second_scheduler_on_one_sqlite_file_is_refused(
    database_url: str, cli_env: dict[str, str], capsys, tmp_path: Path
) -> None:
    env = {**os.environ, **cli_env, "OGP_WATCH_DEFAULT_SOURCES": "false"}
    first = _start(env, tmp_path, "run", "--no-chat")
    try:
        _wait_for_line(first, "is watching")
        if database_url.startswith("sqlite"):
            code, _, err = run_cli(capsys, "run", "--no-chat")
            assert code == 2 and "already watching sources on this SQLite database" in err
            assert f"process {first.pid}" in err and "PostgreSQL" in err
        else:  # PostgreSQL: sources are claimed one by one, so a second process simply shares the work
            second = _start(env, tmp_path, "run", "--no-chat")
            try:
                _wait_for_line(second, "is watching")
            finally:
                second.terminate()
                second.communicate(timeout=30)
            assert second.returncode == 0
    finally:
        first.terminate()
        first.communicate(timeout=30)
    assert first.returncode == 0


def test_the_lock_goes_with_the_process(cli_env: dict[str, str], capsys, tmp_path: Path) -> None:
    """A process killed outright leaves no stale lock: the operating system releases it."""
    env = {**os.environ, **cli_env, "OGP_WATCH_DEFAULT_SOURCES": "false"}
    first = _start(env, tmp_path, "run", "--no-chat")
    _wait_for_line(first, "is watching")
    first.kill()
    first.communicate(timeout=30)
    second = _start(env, tmp_path, "run", "--no-chat")
    try:
        _wait_for_line(second, "is watching")
    finally:
        second.terminate()
        second.communicate(timeout=30)


@pytest.mark.parametrize("role", ["bot", "worker"])
def test_the_split_roles_need_a_bot_token(cli_env, capsys, role: str) -> None:
    code, _, err = run_cli(capsys, "run", "--no-chat", "--role", role)
    assert code == 2 and f"the {role} role is for a Telegram deployment" in err
