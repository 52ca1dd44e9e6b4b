"""What every command shares: --version, `python -m paramlens`, imports from disk, a light start-up."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from paramlens import __version__
from paramlens.cli import build_parser

from .common import SEED_2D, run


def test_version(cli) -> None:
    assert cli("--version") == (0, f"paramlens {__version__}\n", "")
    proc = run("--version")
    assert (proc.returncode, proc.stdout) == (0, "paramlens 0.1.0\n")


def test_no_command_is_a_usage_error() -> None:
    proc = run()
    assert proc.returncode == 2
    assert "the following arguments are required: COMMAND" in proc.stderr


def test_check_imports_neither_the_lsp_stack_nor_rich() -> None:
    """`paramlens check` in CI starts about as fast as Python and PyYAML: none of the heavy imports."""
    code = (
        "import sys; from paramlens.cli import main; main(['check', sys.argv[1]]); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pygls', 'lsprotocol', 'rich', 'cattrs', 'json'}))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(SEED_2D)], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]"


def test_check_imports_no_dataclasses() -> None:
    """A third of `paramlens check`'s start-up was creating dataclasses (and importing `inspect` for them);
    `ast` is for files with `${…}` expressions, `difflib` for suggestions."""
    code = (
        "import sys; from paramlens.cli import main; main(['check', sys.argv[1]]); "
        "print(sorted(set(sys.modules) & {'dataclasses', 'inspect', 'shutil', 'difflib', 'ast'}))"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(SEED_2D)], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[-1] == "[]"


def test_a_command_alone_parses_as_the_full_parser_does() -> None:
    full = build_parser()
    commands = next(a for a in full._actions if isinstance(a, argparse._SubParsersAction))
    for name, own in commands.choices.items():
        if name != "serve":  # parsed by the server itself
            assert build_parser(name).format_help() == own.format_help(), name


def test_imports_resolve_relative_to_the_importing_file(cli, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "blocks.arch.yaml").write_text(
        "blocks:\n  Head:\n    args: {n: 10}\n    layers:\n      - Flatten\n      - Linear: {out_features: $n}\n"
    )
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "net.arch.yaml").write_text(
        "input: [2, 2, 2]\nimports: [../lib/blocks.arch.yaml]\nlayers:\n  - Head: {n: 3}\n"
    )
    monkeypatch.chdir(tmp_path / "lib")  # not where the model is: paths are relative to the importing file
    code, out, err = cli("check", "../models/net.arch.yaml")
    assert (code, out, err) == (0, "", "1 file checked, no problems\n")
    code, out, _err = cli("summary", "../models/net.arch.yaml", "--json")
    assert '"total_params": 27,' in out  # 8 × 3 + 3


def test_missing_import_is_a_diagnostic(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("net.arch.yaml").write_text("imports: [gone.arch.yaml]\nlayers: [ReLU]\n")
    code, out, _err = cli("check", "net.arch.yaml")
    assert code == 1
    assert out.startswith("net.arch.yaml:1:11: error: ")
    assert out.endswith("[import-error]\n")


def test_imports_read_only_regular_files(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    depth = len(tmp_path.parts)
    written = f"{'../' * depth}dev/zero"
    Path("net.arch.yaml").write_text(f"imports: [{written}]\nlayers: [ReLU]\n")
    code, out, _err = cli("check", "net.arch.yaml")
    assert code == 1
    assert out == (
        f"net.arch.yaml:1:11: error: Cannot import {written!r} (relative to this file): it is a character device, "
        "not a regular file. [import-error]\n"
    )  # every other kind of path: tests/hostile/test_hostile_reading.py
