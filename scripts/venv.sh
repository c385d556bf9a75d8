# Sourced by run.sh and test.sh: create .venv with the project installed, once, and again when
# pyproject.toml changes. Needs only Python 3.11+ and access to PyPI.
ensure_venv() {
  local extra="${1:-}" python="${PYTHON:-python3}" base
  base=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -x .venv/bin/python ]; then
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { echo "OGP Watch needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2; exit 1; }
    "$python" -m venv .venv
  fi
  # An install with the test extra also satisfies a plain one.
  if [ -z "$extra" ] && compgen -G "$base*" >/dev/null; then return; fi
  if [ ! -f "$base${extra:+-$extra}" ]; then
    echo "Installing OGP Watch and its dependencies into .venv (first run only)..." >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "setuptools>=77" -e ".${extra:+[$extra]}"
    touch "$base${extra:+-$extra}"
  fi
}
