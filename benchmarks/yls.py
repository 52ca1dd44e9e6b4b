"""Red Hat's yaml-language-server, the peer a VS Code user already has for YAML, with our JSON Schema.

Installed with npm into ``benchmarks/.node`` (git-ignored) on first use, pinned so that runs compare.
It is configured the way the VS Code YAML extension does it: ``yaml.schemas`` maps the schema's file URI
to the architecture files, pulled through workspace/configuration after didChangeConfiguration. It waits
``validationDelayMs`` (200 ms, not configurable over LSP) after each change before validating, and its
publishDiagnostics carry no version: the first one after a change is that change's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from .lsp_bench import Server

VERSION = "1.25.0"
HERE = Path(__file__).parent
PREFIX = HERE / ".node"
ENTRY = PREFIX / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
SCHEMA = HERE.parent / "schemas" / "paramlens.schema.json"
MINIMAL_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "input": {"type": "array", "items": {"type": ["integer", "null"]}},
        "layers": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
        "blocks": {"type": "object"},
    },
    "additionalProperties": False,
}


def install() -> str | None:
    """Install the pinned server if needed; the reason it is unavailable, or None."""
    if ENTRY.exists():
        return None
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        return "node and npm are not on PATH"
    PREFIX.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(PREFIX), f"yaml-language-server@{VERSION}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return None if done.returncode == 0 and ENTRY.exists() else f"npm install failed: {done.stderr[-500:]}"


def schema(out: Path) -> tuple[Path, bool]:
    """Our schema, or a minimal stand-in written to ``out`` when it has not been generated (and whether
    the real one is used)."""
    if SCHEMA.exists():
        return SCHEMA.resolve(), True
    out.mkdir(parents=True, exist_ok=True)
    path = out / "minimal.schema.json"
    path.write_text(json.dumps(MINIMAL_SCHEMA, indent=2), encoding="utf-8")
    return path.resolve(), False


def server(schema_path: Path) -> Server:
    settings = {
        "yaml": {
            "validate": True,
            "hover": True,
            "completion": True,
            "format": {"enable": False},
            "schemaStore": {"enable": False},
            "schemas": {schema_path.as_uri(): ["*.arch.yaml", "*.arch.yml"]},
        }
    }
    return Server("yaml-language-server", [shutil.which("node") or "node", str(ENTRY), "--stdio"], settings)


def version() -> str | None:
    try:
        return json.loads((ENTRY.parent.parent / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
