#!/usr/bin/env bash
# Builds what the .vsix carries besides the JavaScript:
#   bundled/libs/          the language server and its Python dependencies, pure Python, for any platform
#   bundled/manifest.json  which paramlens the bundle holds (read by the extension to decide installed vs bundled)
#   schemas/               the architecture JSON Schema, copied from the repository's schemas/
# Uses $PYTHON (default python3, 3.11+) and pip; needs PyPI only for the pinned dependencies and the build backend.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-python3}"
PIP=("$PYTHON" -m pip --disable-pip-version-check --quiet)
cd "$HERE"

SCHEMA="$REPO/schemas/paramlens.schema.json"
if [ ! -f "$SCHEMA" ]; then
  echo "bundle-server: $SCHEMA is missing (generate it first)." >&2
  exit 1
fi
rm -rf schemas bundled
mkdir -p schemas bundled/libs
cp "$SCHEMA" schemas/
cp "$REPO/schemas/ultralytics.schema.json" schemas/  # Ultralytics model files (yolo*.yaml, rtdetr*.yaml)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Build paramlens' wheel from a copy of its sources, so the build leaves nothing in the repository.
mkdir -p "$WORK/src"
cp "$REPO/pyproject.toml" "$WORK/src/"
for f in README.md LICENSE; do
  if [ -f "$REPO/$f" ]; then cp "$REPO/$f" "$WORK/src/"; fi
done
cp -r "$REPO/server" "$WORK/src/server"
find "$WORK/src/server" \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +
"${PIP[@]}" wheel --no-deps --wheel-dir "$WORK/wheels" "$WORK/src"
WHEEL="$(ls "$WORK"/wheels/paramlens-*.whl)"

"${PIP[@]}" install --target bundled/libs --no-deps --no-compile --only-binary=:all: \
  --implementation py --python-version 3.11 -r bundled-requirements.txt "$WHEEL"

# PyYAML ships no pure-Python wheel: take its pure-Python package from the build interpreter's install,
# leaving out the C extension (the engine falls back to yaml.SafeLoader without it).
YAML_DIR="$("$PYTHON" -c 'import os, yaml; print(os.path.dirname(yaml.__file__))')"
YAML_INFO="$("$PYTHON" -c 'import importlib.metadata as m; print(m.distribution("PyYAML")._path)')"
mkdir -p bundled/libs/yaml
cp "$YAML_DIR"/*.py bundled/libs/yaml/
cp -r "$YAML_INFO" bundled/libs/
rm -f bundled/libs/"$(basename "$YAML_INFO")"/{RECORD,INSTALLER,REQUESTED,direct_url.json}

# Console scripts are of no use inside the extension; byte code would be for one Python version only.
rm -rf bundled/libs/bin
find bundled/libs -name __pycache__ -prune -exec rm -rf {} +

VERSION="$(basename "$WHEEL" | cut -d- -f2)"
printf '{"paramlens": "%s"}\n' "$VERSION" > bundled/manifest.json
echo "bundle-server: paramlens $VERSION and $(ls bundled/libs | grep -c dist-info) distributions in bundled/libs ($(du -sh bundled/libs | cut -f1))" >&2
