"""Shared fixtures: every test that asks for ``database_url``, ``engine`` or ``session`` runs twice, once
on SQLite and once on PostgreSQL, so backend differences show up in the suite rather than in production.

Speed matters because most of the suite touches the database:

* SQLite: the migrations run once per session into a template file; each test gets a copy of it.
* PostgreSQL: one uniquely named database per session, migrated once, dropped at the end; each test
  starts from ``TRUNCATE ... RESTART IDENTITY CASCADE`` (so ids start at 1 on both backends).

Tests that change the schema itself (downgrade, re-migrate) must use ``empty_database_url``, which is a
fresh, never-migrated database of their own, so they cannot break the shared one.

If PostgreSQL cannot be reached (checked once, 2 s timeout) its tests are skipped, and the terminal
summary says how many and why. ``OGP_WATCH_TEST_POSTGRES_URL`` points at another server; it must allow
creating databases.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from ogp_watch.local_site import LocalSite
from storage import schema
from storage.database import make_engine, normalize_url, sqlite_url

# Property-based tests (hypothesis) run the same examples on every run and machine, so a CI failure
# reproduces locally; HYPOTHESIS_PROFILE=explore draws new examples on each run (and remembers the
# failing ones in .hypothesis/) when hunting bugs.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL_ENV = "OGP_WATCH_TEST_POSTGRES_URL"
POSTGRES_PROBE_TIMEOUT_S = 2
UNREACHABLE = "PostgreSQL not reachable at"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@dataclass(frozen=True)
class PostgresServer:
    """The admin connection URL and, if the server did not answer, why."""

    admin_url: str
    error: str | None

    @property
    def skip_reason(self) -> str:
        shown = make_url(self.admin_url).render_as_string(hide_password=True)
        return f"{UNREACHABLE} {shown}: {self.error}"


def _admin_engine(admin_url: str) -> Engine:
    # AUTOCOMMIT: CREATE/DROP DATABASE cannot run inside a transaction.
    return create_engine(
        admin_url,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": POSTGRES_PROBE_TIMEOUT_S},
    )


def _with_database(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    """Probed once per session and only when a PostgreSQL test runs, so SQLite-only runs never wait."""
    admin_url = normalize_url(os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL)
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "no PostgreSQL here"; the reason is reported
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return PostgresServer(admin_url, message[0] if message else type(exc).__name__)
    finally:
        engine.dispose()
    return PostgresServer(admin_url, None)


def _require_postgres(server: PostgresServer) -> None:
    if server.error is not None:
        pytest.skip(server.skip_reason)


def _create_database(server: PostgresServer) -> str:
    name = f"ogp_watch_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(server.admin_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return _with_database(server.admin_url, name)


def _drop_database(server: PostgresServer, url: str) -> None:
    name = make_url(url).database
    engine = _admin_engine(server.admin_url)
    try:
        with engine.connect() as connection:
            # A test that leaked a connection would otherwise make DROP DATABASE fail.
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        engine.dispose()


@dataclass(frozen=True)
class SharedPostgres:
    url: str
    engine: Engine
    """Kept open for the whole session so emptying the tables between tests costs no new connection."""


@pytest.fixture(scope="session")
def _shared_postgres(postgres_server: PostgresServer) -> Iterator[SharedPostgres]:
    _require_postgres(postgres_server)
    url = _create_database(postgres_server)
    engine = make_engine(url)
    try:
        schema.upgrade(engine)
        yield SharedPostgres(url, engine)
    finally:
        engine.dispose()
        _drop_database(postgres_server, url)


def _empty_tables(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        # Fail loudly instead of hanging if a previous test left a transaction holding locks.
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = make_engine(sqlite_url(path))
    try:
        schema.upgrade(engine)
        with engine.connect() as connection:
            # Everything into the main file, so copying that one file copies the whole database.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the parametrised backend, private to this test's data."""
    if request.param == "sqlite":
        path = tmp_path / "ogp-watch.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return sqlite_url(path)
    _require_postgres(request.getfixturevalue("postgres_server"))
    shared: SharedPostgres = request.getfixturevalue("_shared_postgres")
    # Emptied before (not after) each test, so a crashed test cannot leak rows into the next one.
    _empty_tables(shared.engine)
    return shared.url


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database never migrated, for tests of the migrations themselves; dropped afterwards."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "empty.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    _require_postgres(server)
    url = _create_database(server)
    try:
        yield url
    finally:
        _drop_database(server, url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        # Returns the connections, so the next test's TRUNCATE is not blocked by this one's.
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line that cannot be missed when the PostgreSQL half of the suite did not run."""
    reasons = [
        str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for report in terminalreporter.stats.get("skipped", [])
        if UNREACHABLE in str(report.longrepr)
    ]
    if reasons:
        reason = reasons[0].removeprefix("Skipped: ")
        terminalreporter.write_line(f"{len(reasons)} PostgreSQL tests skipped: {reason}", yellow=True)


# -- the seed pages ----------------------------------------------------------------------------------
# Real OGP pages (text renderings) beside the repository in ../shared/seeds; tests read them there and
# skip, saying why, where that folder is absent. The repository never copies their text.

SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"
REPORT_SEED = "002_cbcac8b9a092a9ea.txt"
NEWS_SEED = "000_472b56a4eef0540e.txt"


def seed_urls() -> dict[str, str]:
    """seed file name -> the URL of the OGP page it renders."""
    from jobs.starter import seed_pages

    if not (SEEDS_DIR / "README.md").exists():
        pytest.skip(f"seed pages not found at {SEEDS_DIR}")
    return {path.name: url for path, url in seed_pages(SEEDS_DIR)}


def seed_text(name: str) -> str:
    path = SEEDS_DIR / name
    if not path.exists():
        pytest.skip(f"seed page not found: {path}")
    return path.read_text(encoding="utf-8")


SEED_PAGES = {
    NEWS_SEED: "/news/the-government-of-mexico-city-withdraws-from-international-partnership-on-open-government/",
    REPORT_SEED: "/documents/mexico-results-report-2019-2022/",
}
"""Seed file -> its path on the OGP site, for serving the seeds from a local server."""


def seed_as_html(name: str) -> str:
    """A seed page dressed as the WordPress page it came from: navigation, article, comments, footer.

    The first line after "Skip Navigation" is the title; "  • " lines become a list; the rest paragraphs.
    """
    from ogp_watch.demo_site import seed_as_html as dress

    return dress(seed_text(name))


@pytest.fixture
def seeded_engine(engine: Engine) -> Engine:
    """A knowledge base filled by analysing and ingesting both seed pages, as a watcher would."""
    from jobs.analysis import analyse_page
    from jobs.ingest import ingest
    from storage.database import session_scope

    urls = seed_urls()
    with session_scope(engine) as session:
        for name in (REPORT_SEED, NEWS_SEED):
            ingest(session, analyse_page(seed_text(name), urls[name], "text/plain"))
    return engine


# -- the command line and the local web site ----------------------------------------------------------


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Settings for a fresh install: its own data folder and the test database."""
    env = {"OGP_WATCH_DATA_DIR": str(tmp_path / "data"), "OGP_WATCH_DATABASE_URL": database_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    return env


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``ogp-watch ARGS`` in this process: exit code, stdout, stderr."""
    from ogp_watch.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    """A local web site on loopback whose pages a test sets, changes and breaks (tests/local_site_faults.py)."""
    with LocalSite() as site:
        yield site


# -- the page corpus as a knowledge base ---------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def corpus_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A knowledge base of the labelled page corpus and the seed pages, each analysed and ingested as a
    watched page is (``benchmarks.retrieval.build``); built once per module and backend, read only."""
    from benchmarks.retrieval import build

    if request.param == "sqlite":
        url = sqlite_url(tmp_path_factory.mktemp("corpus") / "corpus.sqlite3")
        server = None
    else:
        server = request.getfixturevalue("postgres_server")
        _require_postgres(server)
        url = _create_database(server)
    engine = make_engine(url)
    try:
        build(engine)
        yield engine
    finally:
        engine.dispose()
        if server is not None:
            _drop_database(server, url)
