"""``--vs-urlwatch`` and ``--cost-curve``: ``ogp-watch check --all`` as a whole process, side by side with the
peer checker (urlwatch 2.29) over the same unchanged pages, and how its time grows with the number of sources.

Why whole processes: what a user waits for is the command, start-up included, and urlwatch can only be
timed that way. The peer is set up by the shared script (``../shared/bench/peer_urlwatch.sh``: urlwatch in
its own venv, nginx on 127.0.0.1:18766 serving 1,000 pages of about 10 KB with ETags). Both tools check
the same pages, in turn (ogp-watch, urlwatch, ogp-watch, ...), after one priming run each that is not
counted; ogp-watch gets a conditional GET answered 304, urlwatch downloads every page.

Settings ogp-watch runs with here (overriding the real defaults of 1 s between two requests to a host and
2 at once): ``OGP_WATCH_HOST_DELAY_SECONDS=0``, ``OGP_WATCH_HOST_CONCURRENCY=8``,
``OGP_WATCH_CHECK_CONCURRENCY=8``, ``OGP_WATCH_ALLOW_PRIVATE_SOURCES=true`` (loopback), no default sources.

The cost curve watches 1,000 / 10,000 / 50,000 sources: the peer's 1,000 pages, each under as many URLs as
needed (``/p/17?copy=3``; nginx serves the same file and ETag). Only the first 1,000 are primed by a real
check; the copies are given the primed rows' validators (same page, same ETag), since analysing 49,000
identical pages would only measure analysis. Then one ``check --all`` per size is timed.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import select

from storage.database import make_engine, session_scope, sqlite_url
from storage.models import Source, SourceKind
from storage.schema import upgrade
from storage.sources import add_source

ROOT = Path(__file__).resolve().parents[2]
PEER_SCRIPT = Path(os.environ.get("OGP_WATCH_BENCH_PEER", ROOT.parent / "shared" / "bench" / "peer_urlwatch.sh"))
PEER_DIR = Path("/tmp/uwbench")
PEER_PAGES = 1000
PEER_URL = "http://127.0.0.1:18766/p/{n}"

OVERRIDES = {
    "OGP_WATCH_HOST_DELAY_SECONDS": "0",
    "OGP_WATCH_HOST_CONCURRENCY": "8",
    "OGP_WATCH_CHECK_CONCURRENCY": "8",
    "OGP_WATCH_ALLOW_PRIVATE_SOURCES": "true",
    "OGP_WATCH_DEFAULT_SOURCES": "false",
    "OGP_WATCH_LOG_LEVEL": "WARNING",
}


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float  # user + system of the finished process and its children


class PeerUnavailable(RuntimeError):
    """The shared peer script is missing or failed: the comparison cannot be made here."""


def set_up_peer() -> list[str]:
    """Run the shared script; the urlwatch command it prints, as arguments."""
    if not PEER_SCRIPT.is_file():
        raise PeerUnavailable(f"{PEER_SCRIPT} not found (set OGP_WATCH_BENCH_PEER to the peer script)")
    done = subprocess.run(["bash", str(PEER_SCRIPT)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise PeerUnavailable(f"{PEER_SCRIPT} failed: {(done.stderr or done.stdout).strip()[-300:]}")
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("peer command:")), "")
    if not line:
        raise PeerUnavailable(f"{PEER_SCRIPT} printed no 'peer command:' line")
    # "cd /tmp/uwbench && /tmp/uw/bin/urlwatch --urls ..." : run in that folder, without a shell
    command = line.removeprefix("peer command:").split("&&", 1)[-1].split()
    return command


def timed(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Wall and CPU seconds of one whole process; its output is thrown away (it is not what is measured)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} ... exited {done.returncode}: {done.stderr.strip()[-300:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu)


class OgpWatchHome:
    """A data folder of its own (SQLite) watching the peer's pages, and the command that checks them all."""

    def __init__(self, sources: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="ogp-watch-bench-peer-"))
        self.env = {**os.environ, **OVERRIDES, "OGP_WATCH_DATA_DIR": str(self.folder / "data"),
                    "OGP_WATCH_DATABASE_URL": sqlite_url(self.folder / "data" / "peer.db")}
        (self.folder / "data").mkdir()
        self.engine = make_engine(self.env["OGP_WATCH_DATABASE_URL"])
        self.sources = sources
        upgrade(self.engine)
        with session_scope(self.engine) as session:
            for n in range(min(sources, PEER_PAGES)):
                add_source(session, url=PEER_URL.format(n=n), kind=SourceKind.PAGE, label=f"peer page {n}",
                           interval_seconds=86_400, added_by="benchmark")
        self.command = [str(Path(sys.executable).with_name("ogp-watch")), "check", "--all"]
        if not Path(self.command[0]).exists():
            self.command = [sys.executable, "-m", "ogp_watch.cli", "check", "--all"]

    def prime(self) -> Run:
        """A first check of the peer's pages (each analysed: not counted); then the copies, if any, are added
        with the validators of the page they copy."""
        first = timed(self.command, env=self.env)
        with session_scope(self.engine) as session:
            primed = {row.url: row for row in session.exec(select(Source))}
            for n in range(PEER_PAGES, self.sources):
                original = primed[PEER_URL.format(n=n % PEER_PAGES)]
                session.add(Source(url=f"{original.url}?copy={n // PEER_PAGES}", kind=original.kind,
                                   label=f"peer page {n}", interval_seconds=86_400, added_by="benchmark",
                                   etag=original.etag, last_modified=original.last_modified,
                                   content_hash=original.content_hash))
        return first

    def close(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


def median_line(name: str, runs: list[Run]) -> str:
    walls, cpus = [r.wall_s for r in runs], [r.cpu_s for r in runs]
    return (f"{name:<22} wall median {statistics.median(walls):6.2f} s (min {min(walls):.2f}, max {max(walls):.2f})"
            f"   CPU median {statistics.median(cpus):6.2f} s (min {min(cpus):.2f}, max {max(cpus):.2f})")


def vs_urlwatch(runs: int) -> int:
    """``--vs-urlwatch``: both tools in turn over the same 1,000 unchanged pages; medians and the ratio."""
    try:
        urlwatch = set_up_peer()
    except (PeerUnavailable, OSError, subprocess.TimeoutExpired) as error:
        print(f"peer not measured: {error}", file=sys.stderr)
        return 2
    home = OgpWatchHome(PEER_PAGES)
    try:
        print(f"peer: {' '.join(urlwatch)} (in {PEER_DIR}); ogp-watch: {' '.join(home.command)} with "
              + ", ".join(f"{k}={v}" for k, v in OVERRIDES.items()))
        first = home.prime()
        timed(urlwatch, cwd=PEER_DIR)  # urlwatch's first run fills its cache
        print(f"primed: ogp-watch's first check (every page analysed) {first.wall_s:.1f} s; urlwatch's first run")
        ours, theirs, ratios = [], [], []
        for _ in range(runs):
            ours.append(timed(home.command, env=home.env))
            theirs.append(timed(urlwatch, cwd=PEER_DIR))
            ratios.append(theirs[-1].wall_s / ours[-1].wall_s)
        print(median_line("ogp-watch check --all", ours))
        print(median_line("urlwatch 2.29", theirs))
        print(f"urlwatch wall / ogp-watch wall, pair by pair: median {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f}) over {runs} pairs; "
              f"ogp-watch CPU per unchanged check {statistics.median(r.cpu_s for r in ours) / PEER_PAGES * 1000:.2f}"
              f" ms, start-up included")
    finally:
        home.close()
    return 0


def cost_curve(sizes: list[int]) -> int:
    """``--cost-curve``: one ``check --all`` of N unchanged sources per size; time per check should stay flat."""
    try:
        set_up_peer()
    except (PeerUnavailable, OSError, subprocess.TimeoutExpired) as error:
        print(f"cost curve not measured: {error}", file=sys.stderr)
        return 2
    print("| sources | wall s | CPU s | wall ms per check | CPU ms per check |\n| --- | --- | --- | --- | --- |")
    for size in sizes:
        home = OgpWatchHome(size)
        try:
            home.prime()
            timed(home.command, env=home.env)  # the copies' first check, now unchanged too
            run = timed(home.command, env=home.env)
            print(f"| {size:,} | {run.wall_s:.2f} | {run.cpu_s:.2f} | {run.wall_s / size * 1000:.3f} | "
                  f"{run.cpu_s / size * 1000:.3f} |", flush=True)
        finally:
            home.close()
    return 0
