"""The settings' defaults live in four places: the extension's manifest (what VS Code shows and stores),
its settings.ts (what it sends), the server's lsp/config.py (what it falls back to) and the CLI (the file
size limit). They must agree, or an editor and the server disagree about a file nobody configured."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

from paramlens import cli
from paramlens.lsp.config import Settings

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((ROOT / "client-vscode" / "package.json").read_text(encoding="utf-8"))
PROPERTIES = MANIFEST["contributes"]["configuration"]["properties"]
SETTINGS_TS = (ROOT / "client-vscode" / "src" / "settings.ts").read_text(encoding="utf-8")

# server field -> the manifest's key (without "paramlens.")
KEYS = {
    "params": "inlayHints.params",
    "shapes": "inlayHints.shapes",
    "totals": "inlayHints.totals",
    "macs": "inlayHints.macs",
    "numbers": "numbers",
    "code_lens": "codeLens",
    "files": "files",
    "max_file_size": "maxFileSize",
}


def ts_defaults() -> dict[str, object]:
    """settings.ts' DEFAULTS object, read as text: each leaf as the manifest names it."""
    block = re.search(r"export const DEFAULTS[^=]*= Object\.freeze\(\{(.*?)\n\}\);", SETTINGS_TS, re.S)
    assert block is not None, "DEFAULTS not found in settings.ts"
    body = block.group(1)
    found: dict[str, object] = {}
    hints = re.search(r"inlayHints: Object\.freeze\(\{([^}]*)\}\)", body)
    assert hints is not None
    for name, value in re.findall(r"(\w+): (true|false)", hints.group(1)):
        found[f"inlayHints.{name}"] = value == "true"
    for name, value in re.findall(r"^\s+(numbers|codeLens): \"(\w+)\"", body, re.M):
        found[name] = value
    files = re.search(r"files: Object\.freeze\(\[([^\]]*)\]\)", body)
    assert files is not None
    found["files"] = json.loads(f"[{files.group(1)}]")
    size = re.search(r"maxFileSize: (\d+)", body)
    assert size is not None
    found["maxFileSize"] = int(size.group(1))
    return found


def server_defaults() -> dict[str, object]:
    defaults = Settings()
    return {key: list(v) if isinstance(v := getattr(defaults, field), tuple) else v for field, key in KEYS.items()}


def test_manifest_settings_ts_and_server_defaults_agree() -> None:
    manifest = {key: PROPERTIES[f"paramlens.{key}"]["default"] for key in KEYS.values()}
    assert manifest == server_defaults()
    assert ts_defaults() == server_defaults()


def test_the_server_falls_back_to_its_defaults() -> None:
    """Unset or mistyped values give the defaults (parse has fallbacks of its own)."""
    assert Settings.parse({}) == Settings()
    wrong = {
        "inlayHints": {"params": "yes", "shapes": 1, "totals": None},
        "numbers": "roman",
        "codeLens": True,
        "files": [3, ""],
        "maxFileSize": -1,
    }
    assert Settings.parse({"paramlens": wrong}) == Settings()


def test_choices_agree() -> None:
    hints = typing.get_type_hints(Settings)
    for field in ("numbers", "code_lens"):
        assert PROPERTIES[f"paramlens.{KEYS[field]}"]["enum"] == list(typing.get_args(hints[field]))


def test_the_cli_size_limit_is_the_servers() -> None:
    assert cli.DEFAULT_MAX_FILE_SIZE == Settings().max_file_size == PROPERTIES["paramlens.maxFileSize"]["default"]
