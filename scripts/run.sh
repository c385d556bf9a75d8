#!/usr/bin/env bash
# Set up (first time) and run OGP Watch on the embedded defaults: SQLite, terminal chat, no token.
#   bash scripts/run.sh                 -> ogp-watch run
#   bash scripts/run.sh ask "status of Mexico commitment 9"
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv
if [ $# -eq 0 ]; then set -- run; fi
exec .venv/bin/ogp-watch "$@"
