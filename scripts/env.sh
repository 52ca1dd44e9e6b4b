# Sourced by scripts/run and scripts/test: creates or reuses .venv and installs the project into it.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${PARAMLENS_EXTRAS:-}"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "paramlens needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 2
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating a virtual environment in .venv ..." >&2
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.paramlens-installed${EXTRAS:+-$EXTRAS}"
WANT="$(cat "$ROOT/pyproject.toml" | cksum)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "Installing paramlens${EXTRAS:+ [$EXTRAS]} into .venv ..." >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2 || true
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${EXTRAS:+[$EXTRAS]}" >&2
  echo "$WANT" > "$STAMP"
fi
# With the oracle extra: Ultralytics, the oracle for its model files, pinned in tests/ultralytics/requirements.txt and
# installed without its declared dependencies (they would pull an unpinned, CUDA torch). Again only when that file changed.
if [[ ",$EXTRAS," == *",oracle,"* ]]; then
  ORACLE_REQS="$ROOT/tests/ultralytics/requirements.txt"
  ORACLE_STAMP="$VENV/.paramlens-ultralytics-installed"
  ORACLE_WANT="$(cksum < "$ORACLE_REQS")"
  if [ ! -f "$ORACLE_STAMP" ] || [ "$(cat "$ORACLE_STAMP")" != "$ORACLE_WANT" ]; then
    echo "Installing the Ultralytics oracle (tests/ultralytics/requirements.txt) into .venv ..." >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$ORACLE_REQS" >&2
    echo "$ORACLE_WANT" > "$ORACLE_STAMP"
  fi
fi
# An editable install leaves the sources uncompiled, and PYTHONDONTWRITEBYTECODE (set on some machines)
# stops Python from caching them: compile once here, so that `paramlens` starts as an installed one does.
"$VENV/bin/python" -m compileall -q "$ROOT/server" >/dev/null 2>&1 || true
export PATH="$VENV/bin:$PATH"
