"""How long ``ogp-watch`` takes to start: the wall time of light commands, each in a fresh interpreter.

A user waits this long for ``--help``, and a cron job or a shell loop pays it on every call, so the commands
import only what they use (``tests/ogp_watch/test_light_commands.py`` asserts the modules; this measures the
time). Each command runs ``--runs`` times on a SQLite database in a temporary folder, already set up by a first
run, and the median and the fastest wall time are printed; ``check --all`` checks three sources of a local
site that all answer 304.

    python -m benchmarks.startup [--runs 7] [--code PATH]

``--code`` measures another checkout of OGP Watch (put first on ``PYTHONPATH``), e.g. an older commit
unpacked with ``git archive``, to compare before and after a change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ogp_watch.local_site import LocalSite

ROOT = Path(__file__).resolve().parents[1]

COMMANDS: dict[str, list[str]] = {
    "import ogp_watch.cli": ["-c", "import ogp_watch.cli"],
    "ogp-watch --help": ["-m", "ogp_watch.cli", "--help"],
    "ogp-watch sources list": ["-m", "ogp_watch.cli", "sources", "list"],
    "ogp-watch check --all (all 304)": ["-m", "ogp_watch.cli", "check", "--all"],
}


def wall_time(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, LocalSite() as site:
        work = Path(folder)
        env = {**os.environ, "PYTHONPATH": str(args.code.resolve()), "OGP_WATCH_DATA_DIR": str(work / "data"),
               "OGP_WATCH_DEFAULT_SOURCES": "false", "OGP_WATCH_ALLOW_PRIVATE_SOURCES": "true",
               "OGP_WATCH_HOST_DELAY_SECONDS": "0"}
        env.pop("OGP_WATCH_DATABASE_URL", None)
        for path in ("/plan/", "/news/", "/other/"):
            site.page(path, f"<html><head><title>{path}</title></head><body><p>Unchanged.</p></body></html>")
            wall_time(["-m", "ogp_watch.cli", "sources", "add", site.url(path), "--kind", "page"], env, work)
        wall_time(["-m", "ogp_watch.cli", "check", "--all"], env, work)  # the first read; then every check is a 304
        print(f"{args.runs} runs each, code from {args.code.resolve()}")
        print(f"{'command':34} {'median':>8} {'fastest':>8}")
        for name, command in COMMANDS.items():
            times = [wall_time(command, env, work) for _ in range(args.runs)]
            print(f"{name:34} {statistics.median(times):7.3f}s {min(times):7.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
