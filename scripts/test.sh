#!/usr/bin/env bash
# Set up (first time) and run the whole test suite: lint (ruff), type check (mypy, set up in pyproject.toml),
# then pytest on SQLite and, when the local PostgreSQL answers (127.0.0.1:5432, or OGP_WATCH_TEST_POSTGRES_URL),
# on PostgreSQL too.
# Without PostgreSQL its tests are skipped and the summary says so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv test
.venv/bin/ruff check .
.venv/bin/python -m mypy
exec .venv/bin/python -m pytest "$@"
