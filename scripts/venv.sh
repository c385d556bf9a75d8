# Sourced by run.sh and test.sh: create .venv with the project installed, once, and again when
# pyproject.toml changes. Needs only Python 3.11+ and access to PyPI.
ensure_venv() {
  local extra="${1:-}" python="${PYTHON:-python3}" stamp
  stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)${extra:+-$extra}"
  if [ ! -x .venv/bin/python ]; then
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { echo "OGP Watch needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2; exit 1; }
    "$python" -m venv .venv
  fi
  if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extra:+[$extra]}"
    touch "$stamp"
  fi
}
