"""``ogp-watch chart MEMBER``: the PNG Telegram's /chart sends, written to a file the user is told about."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import run_cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPORT = "https://www.opengovpartnership.org/documents/mexico-results-report-2019-2022/"


def assert_png(path: Path) -> None:
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 500 and image.height > 200


def test_chart_is_written_where_asked_and_the_path_printed(cli_env, capsys, tmp_path: Path) -> None:
    target = tmp_path / "charts" / "mexico.png"
    target.parent.mkdir()
    code, out, err = run_cli(capsys, "chart", "Mexico", "--out", str(target))
    assert code == 0, err
    assert_png(target)
    assert f"Wrote the chart “Mexico - action plan 4 (2019-2021)” to {target.resolve()}" in out
    assert f"Source: IRM “Mexico Results Report 2019-2022”, {REPORT}" in out


def test_chart_goes_to_the_current_folder_by_default_and_speaks_spanish(cli_env, capsys, tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, "chart", "CDMX ", "--language", "es")  # any of a member's names
    # Mexico City has no plan data: that is said (in the language asked for), and no file is written.
    assert code == 2 and err.strip() == "ogp-watch: Todavía no tengo datos de planes de acción de Ciudad de México."
    assert list(tmp_path.glob("*.png")) == []
    code, out, err = run_cli(capsys, "chart", "méxico", "--language", "es")
    assert code == 0, err
    written = tmp_path / "chart-mexico.png"  # cli_env runs the command in tmp_path
    assert_png(written)
    assert f"“México - plan de acción 4 (2019-2021)” to {written.resolve()}" in out


def test_unknown_member_writes_nothing(cli_env, capsys, tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, "chart", "Atlantis", "--out", str(tmp_path / "atlantis.png"))
    assert code == 2 and out == ""
    assert err.strip() == "ogp-watch: no member called 'Atlantis'; see `ogp-watch members`"
    assert not (tmp_path / "atlantis.png").exists()


def test_a_folder_that_does_not_exist_is_named(cli_env, capsys, tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, "chart", "Mexico", "--out", str(tmp_path / "nowhere" / "mexico.png"))
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines()[-1].endswith(f"the folder {tmp_path / 'nowhere'} does not exist")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write into any folder")
def test_a_folder_without_write_permission_is_named(cli_env, capsys, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, out, err = run_cli(capsys, "chart", "Mexico", "--out", str(locked / "mexico.png"))
    finally:
        locked.chmod(0o700)
    assert code == 2 and out == ""
    assert err.strip() == f"ogp-watch: cannot write {locked / 'mexico.png'}: Permission denied"


def test_a_write_that_fails_is_one_line(cli_env, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a full disk or a read-only mount looks like, whoever runs the test (root ignores permissions)."""

    def refuse(self: Path, data: bytes) -> int:
        raise OSError(30, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    code, out, err = run_cli(capsys, "chart", "Mexico", "--out", str(tmp_path / "mexico.png"))
    assert code == 2 and out == ""
    assert err.strip() == f"ogp-watch: cannot write {tmp_path / 'mexico.png'}: Read-only file system"
