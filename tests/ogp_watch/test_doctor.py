"""``ogp-watch doctor`` on real installations: a migrated database (SQLite and PostgreSQL), one not created
yet, one behind on its schema, a PostgreSQL port nobody listens on, and a bot token the Bot API stand-in
accepts or refuses. The doctor must say what is wrong in one line each, change nothing and print no secret.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage import schema, sources
from storage.database import make_engine, session_scope
from storage.models import CheckStatus, SourceKind
from tests.botapi_standin import BotApiStandIn
from tests.conftest import run_cli

TOKEN = "246810:DOCTOR-SECRET-TOKEN"
WEBHOOK_SECRET = "doctor-webhook-secret"
DB_PASSWORD = "doctor-db-password"


@pytest.fixture
def doctor_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Only what a test sets: no OGP_WATCH_* from the developer's shell, no .env from the checkout."""
    for name in [name for name in os.environ if name.startswith("OGP_WATCH_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OGP_WATCH_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, dict[str, str]], str]:
    """Exit code, the findings by check name (from --json), and the text form's output followed by
    everything else either run printed (so that a secret anywhere in it is caught)."""
    code, out, err = run_cli(capsys, "doctor", "--json")
    report = json.loads(out)
    assert report["ok"] is (code == 0)
    findings = {finding["check"]: finding for finding in report["checks"]}
    text_code, text_out, text_err = run_cli(capsys, "doctor")
    assert text_code == code
    return code, findings, text_out + text_err + out + err


def closed_port() -> int:
    """A loopback port with nothing listening: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_healthy_install_passes_with_only_the_terminal_mode_warning(
    database_url: str, doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor_env.setenv("OGP_WATCH_DATABASE_URL", database_url)
    code, findings, printed = doctor(capsys)

    assert code == 0
    assert findings["schema"]["mark"] == "ok"
    assert findings["schema"]["detail"] == f"at {schema.head_revision()} (latest)"
    backend = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    assert findings["database"]["mark"] == "ok" and findings["database"]["detail"].startswith(backend)
    storage_check = "data folder" if backend == "SQLite" else "pool"
    assert findings[storage_check]["mark"] == "ok"
    assert findings["telegram"]["mark"] == "warning" and "terminal mode" in findings["telegram"]["detail"]
    assert findings["outbox"]["mark"] == "ok" and "0 pending" in findings["outbox"]["detail"]
    assert [name for name, f in findings.items() if f["mark"] != "ok"] == ["telegram", "sources"]
    assert findings["sources"]["detail"] == "none enabled: nothing is watched"
    assert "Traceback" not in printed
    text_lines = printed.split("\n{", 1)[0].splitlines()
    assert len(text_lines) == len(findings) + 1
    assert any(line.startswith("warning  telegram     no token") for line in text_lines)
    assert text_lines[-1] == "doctor: 6 ok, 2 warnings"


def test_failing_sources_are_counted(
    engine: Engine, database_url: str, doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with session_scope(engine) as session:
        ids = [sources.add_source(session, url=f"https://example.org/{n}/", kind=SourceKind.PAGE, label=str(n),
                                  interval_seconds=3600, added_by="test").id for n in range(3)]
    with session_scope(engine) as session:
        assert ids[1] is not None and sources.lease_sources(session, [ids[1]], owner="t", lease=timedelta(minutes=1))
        sources.record_check(session, ids[1], sources.CheckRecord(CheckStatus.ERROR, error="HTTP 500"), owner="t")
    doctor_env.setenv("OGP_WATCH_DATABASE_URL", database_url)

    code, findings, _ = doctor(capsys)

    assert code == 0  # informative: a failing source is the source's problem, not the installation's
    assert findings["sources"]["mark"] == "warning"
    assert findings["sources"]["detail"] == f"3 enabled, 1 failing (#{ids[1]})"
    assert "ogp-watch sources list" in findings["sources"]["fix"]


def test_a_fresh_install_is_told_how_to_create_its_database_and_nothing_is_created(
    tmp_path: Path, doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings, _ = doctor(capsys)

    assert code == 0
    assert findings["database"]["mark"] == "warning"
    assert "no database yet" in findings["database"]["detail"] and "ogp-watch" in findings["database"]["fix"]
    assert "schema" not in findings and "sources" not in findings
    assert not (tmp_path / "data").exists()


def test_an_outdated_schema_fails_with_the_migrate_hint_and_is_left_as_it_was(
    empty_database_url: str, doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(empty_database_url)
    try:
        schema.upgrade(engine, "0002")
        doctor_env.setenv("OGP_WATCH_DATABASE_URL", empty_database_url)

        code, findings, printed = doctor(capsys)

        assert code == 1
        assert findings["schema"]["mark"] == "FAIL"
        assert findings["schema"]["detail"] == f"at 0002, needs {schema.head_revision()}"
        assert findings["schema"]["fix"] == "run `ogp-watch migrate`"
        assert f"FAIL     schema       at 0002, needs {schema.head_revision()}: run `ogp-watch migrate`" in printed
        assert "sources" not in findings  # its tables may not be there yet: not read
        assert schema.current_revision(engine) == "0002"
    finally:
        engine.dispose()


def test_an_unreachable_postgresql_is_one_fail_line_with_the_password_masked(
    doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://ogp:{DB_PASSWORD}@127.0.0.1:{closed_port()}/ogp"
    doctor_env.setenv("OGP_WATCH_DATABASE_URL", url)

    code, findings, printed = doctor(capsys)

    assert code == 1
    database = findings["database"]
    assert database["mark"] == "FAIL"
    assert "postgresql+psycopg://ogp:***@127.0.0.1" in database["detail"] and "refused" in database["detail"]
    assert "OGP_WATCH_DATABASE_URL" in database["fix"]
    assert DB_PASSWORD not in printed and "Traceback" not in printed


def test_a_token_the_bot_api_accepts_names_the_bot(
    database_url: str, doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with BotApiStandIn(token=TOKEN, bot_username="doctor_test_bot") as standin:
        doctor_env.setenv("OGP_WATCH_DATABASE_URL", database_url)
        doctor_env.setenv("OGP_WATCH_TELEGRAM_TOKEN", TOKEN)
        doctor_env.setenv("OGP_WATCH_TELEGRAM_API_URL", standin.base_url)

        code, findings, printed = doctor(capsys)

        assert code == 0
        assert findings["telegram"]["mark"] == "ok" and "@doctor_test_bot" in findings["telegram"]["detail"]
        assert [call.method for call in standin.calls] == ["getMe"] * 2  # read-only: one getMe per run
    assert TOKEN not in printed and TOKEN.split(":")[1] not in printed


def test_a_refused_token_fails_without_being_shown(
    database_url: str, doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with BotApiStandIn(token="13579:THE-RIGHT-ONE") as standin:
        doctor_env.setenv("OGP_WATCH_DATABASE_URL", database_url)
        doctor_env.setenv("OGP_WATCH_TELEGRAM_TOKEN", TOKEN)
        doctor_env.setenv("OGP_WATCH_TELEGRAM_API_URL", standin.base_url)

        code, findings, printed = doctor(capsys)

    assert code == 1
    assert findings["telegram"]["mark"] == "FAIL" and "token refused" in findings["telegram"]["detail"]
    assert "OGP_WATCH_TELEGRAM_TOKEN" in findings["telegram"]["fix"]
    assert TOKEN not in printed and TOKEN.split(":")[1] not in printed and "Traceback" not in printed


def test_an_unreachable_bot_api_is_named(
    database_url: str, doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    api_url = f"http://127.0.0.1:{closed_port()}/bot"
    doctor_env.setenv("OGP_WATCH_DATABASE_URL", database_url)
    doctor_env.setenv("OGP_WATCH_TELEGRAM_TOKEN", TOKEN)
    doctor_env.setenv("OGP_WATCH_TELEGRAM_API_URL", api_url)

    code, findings, printed = doctor(capsys)

    assert code == 1
    assert findings["telegram"]["detail"].startswith(f"Bot API unreachable at {api_url}")
    assert TOKEN not in printed


@pytest.mark.parametrize(("webhook_url", "secret", "mark", "said"), [
    ("https://bot.example.org/hook", WEBHOOK_SECRET, "ok", "with a secret"),
    ("https://bot.example.org/hook", None, "FAIL", "without a secret"),
    ("http://bot.example.org/hook", WEBHOOK_SECRET, "warning", "not https"),
])
def test_webhook_settings_are_checked_for_consistency(
    webhook_url: str, secret: str | None, mark: str, said: str,
    doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with BotApiStandIn(token=TOKEN) as standin:
        doctor_env.setenv("OGP_WATCH_TELEGRAM_TOKEN", TOKEN)
        doctor_env.setenv("OGP_WATCH_TELEGRAM_API_URL", standin.base_url)
        doctor_env.setenv("OGP_WATCH_WEBHOOK_URL", webhook_url)
        if secret:
            doctor_env.setenv("OGP_WATCH_WEBHOOK_SECRET", secret)

        code, findings, printed = doctor(capsys)

    assert findings["webhook"]["mark"] == mark and said in findings["webhook"]["detail"]
    assert code == (1 if mark == "FAIL" else 0)
    assert WEBHOOK_SECRET not in printed and TOKEN not in printed
    assert not standin.calls_to("setWebhook")  # the doctor looks; it registers nothing


def test_bad_settings_name_the_variable_but_never_the_secret_value(
    doctor_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor_env.setenv("OGP_WATCH_WEBHOOK_SECRET", "not allowed: spaces and colons")
    doctor_env.setenv("OGP_WATCH_CHECK_CONCURRENCY", "lots")

    code, _, printed = doctor(capsys)

    assert code == 1
    assert "FAIL     settings     OGP_WATCH_WEBHOOK_SECRET: use 1-256 characters" in printed
    assert "OGP_WATCH_CHECK_CONCURRENCY: Input should be a valid integer" in printed
    assert "not allowed: spaces and colons" not in printed and "Traceback" not in printed
