#!/usr/bin/env bash
# Builds what the .vsix carries besides the JavaScript (run by `npm run vscode:prepublish`, so by vsce package):
#   bundled/libs/            the language server and its Python dependencies, pure Python, for any platform
#                            (PyYAML's pure-Python loader included, from its wheel)
#   bundled/native/<target>/ for a platform-specific package (PARAMLENS_TARGET=linux-x64, ...): PyYAML with its
#                            libyaml extension for each CPython the server supports; the extension puts it before
#                            bundled/libs when one matches the interpreter (see src/launch.ts)
#   bundled/manifest.json    which paramlens the bundle holds and which native modules (read by the extension)
#   schemas/                 the architecture JSON Schema, copied from the repository's schemas/
# Uses $PYTHON (default python3, 3.11+) and pip; needs PyPI only for the pinned dependencies and the build backend.
# Wheels are cached in $PARAMLENS_CACHE/wheels (default ~/.cache/paramlens).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PYTHON="${PYTHON:-python3}"
PIP=("$PYTHON" -m pip --disable-pip-version-check --quiet)
TARGET="${PARAMLENS_TARGET:-universal}"
# PyYAML ships binary wheels only (no pure-Python one): this version's, for every CPython below and target.
PYYAML_VERSION=6.0.3
CPYTHONS=(3.11 3.12 3.13 3.14)
WHEELS="${PARAMLENS_CACHE:-$HOME/.cache/paramlens}/wheels"
cd "$HERE"

# The pip platform tag of each VS Code target (the oldest tag that PyYAML's wheels carry).
platform_tag() {
  case "$1" in
    linux-x64) echo manylinux2014_x86_64 ;;
    linux-arm64) echo manylinux2014_aarch64 ;;
    alpine-x64) echo musllinux_1_2_x86_64 ;;
    alpine-arm64) echo musllinux_1_2_aarch64 ;;
    darwin-x64) echo macosx_10_13_x86_64 ;;
    darwin-arm64) echo macosx_11_0_arm64 ;;
    win32-x64) echo win_amd64 ;;
    *) return 1 ;;
  esac
}
if [ "$TARGET" != universal ] && ! platform_tag "$TARGET" >/dev/null; then
  echo "bundle-server: no PyYAML wheels known for the target $TARGET" >&2
  exit 1
fi

# PyYAML's wheel for one pip platform tag and CPython, downloaded once into the cache; prints its path.
pyyaml_wheel() {
  local tag="$1" version="$2" abi="cp${2/./}"
  local dir="$WHEELS/pyyaml-$PYYAML_VERSION/$tag-$abi"
  if ! ls "$dir"/*.whl >/dev/null 2>&1; then
    mkdir -p "$dir"
    if ! "${PIP[@]}" download "pyyaml==$PYYAML_VERSION" --no-deps --only-binary=:all: --platform "$tag" \
      --python-version "$version" --implementation cp --abi "$abi" -d "$dir" 2>"$WORK/pip.log"; then
      grep -v '^WARNING' "$WORK/pip.log" >&2 || true
      echo "bundle-server: PyPI has no PyYAML $PYYAML_VERSION wheel for CPython $version on $tag" >&2
      return 1
    fi
  fi
  ls "$dir"/*.whl | head -1
}

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

# PyYAML's pure-Python package, from its wheel for this machine's platform (the .py files are the same in all).
unpack() { "$PYTHON" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$2"; }
mkdir -p "$WHEELS" "$WORK/pure"
wheel="$(pyyaml_wheel manylinux2014_x86_64 3.11)"
unpack "$wheel" "$WORK/pure"
mkdir -p bundled/libs/yaml
cp "$WORK"/pure/yaml/*.py bundled/libs/yaml/
cp -r "$WORK"/pure/pyyaml-*.dist-info bundled/libs/
rm -f bundled/libs/pyyaml-*.dist-info/RECORD

# A platform-specific package: PyYAML with libyaml for each CPython, in a directory of its own.
NATIVE_JSON="null"
if [ "$TARGET" != universal ]; then
  NATIVE="bundled/native/$TARGET"
  mkdir -p "$NATIVE"
  for version in "${CPYTHONS[@]}"; do
    rm -rf "$WORK/wheel" && mkdir -p "$WORK/wheel"
    wheel="$(pyyaml_wheel "$(platform_tag "$TARGET")" "$version")"
    unpack "$wheel" "$WORK/wheel"
    cp -r "$WORK"/wheel/yaml "$WORK"/wheel/_yaml "$NATIVE/"
  done
  cp -r "$WORK"/pure/pyyaml-*.dist-info "$NATIVE/"
  rm -f "$NATIVE"/pyyaml-*.dist-info/RECORD
  modules="$(cd "$NATIVE" && ls yaml/ | grep -E '^_yaml\.' | sed 's/.*/"yaml\/&"/' | paste -sd, -)"
  NATIVE_JSON="{\"dir\": \"native/$TARGET\", \"modules\": [$modules]}"
fi

# Console scripts are of no use inside the extension; byte code would be for one Python version only.
rm -rf bundled/libs/bin
find bundled/libs -name __pycache__ -prune -exec rm -rf {} +

VERSION="$(basename "$WHEEL" | cut -d- -f2)"
printf '{"paramlens": "%s", "target": "%s", "pyyaml": "%s", "native": %s}\n' \
  "$VERSION" "$TARGET" "$PYYAML_VERSION" "$NATIVE_JSON" > bundled/manifest.json
echo "bundle-server: $TARGET: paramlens $VERSION and $(ls bundled/libs | grep -c dist-info) distributions in bundled/libs ($(du -sh bundled/libs | cut -f1))" >&2
