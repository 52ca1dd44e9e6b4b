"""`paramlens export --torch` and `paramlens serve`: the wiring to the exporter and the language server,
whose own tests live beside their code; here stand-ins record what the CLI hands them."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from .common import MISMATCH_LINE, SEED_2D, run


@pytest.fixture
def exporter(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, str | None]]:
    calls: list[tuple[object, str | None]] = []

    def to_torch_source(analysis: object, name: str | None = None) -> str:
        calls.append((analysis, name))
        return "class SeedCNN2D: ...\n"

    module = types.ModuleType("paramlens.export.torch")
    module.to_torch_source = to_torch_source  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "paramlens.export.torch", module)
    return calls


def test_export_to_stdout_and_to_a_file(cli, exporter, tmp_path: Path) -> None:
    code, out, err = cli("export", str(SEED_2D), "--torch")
    assert (code, out, err) == (0, "class SeedCNN2D: ...\n", "")
    analysis, name = exporter[0]
    assert name == "Seed CNN 2D"
    assert analysis.totals.params == 13440  # type: ignore[attr-defined]
    target = tmp_path / "model.py"
    code, out, err = cli("export", str(SEED_2D), "--torch", "-o", str(target))
    assert (code, out, err) == (0, "", f"wrote {target}\n")
    assert target.read_text() == "class SeedCNN2D: ...\n"


def test_export_refuses_a_file_with_errors(cli, exporter, mismatch: Path) -> None:
    code, out, err = cli("export", "mismatch.arch.yaml", "--torch")
    assert (code, out) == (1, "")
    assert err == f"{MISMATCH_LINE}\nparamlens: mismatch.arch.yaml has errors; fix them to export it\n"
    assert exporter == []


def test_export_refusal_through_a_subprocess(mismatch: Path) -> None:
    proc = run("export", "mismatch.arch.yaml", "--torch", cwd=mismatch.parent)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.splitlines() == [
        MISMATCH_LINE,
        "paramlens: mismatch.arch.yaml has errors; fix them to export it",
    ]


def test_export_needs_a_target(cli) -> None:
    code, _out, err = cli("export", str(SEED_2D))
    assert code == 2
    assert "the following arguments are required: --torch" in err


def test_export_to_an_unwritable_place(cli, exporter, tmp_path: Path) -> None:
    code, _out, err = cli("export", str(SEED_2D), "--torch", "-o", str(tmp_path / "no" / "such" / "dir.py"))
    assert code == 2
    assert err == f"paramlens: cannot write {tmp_path / 'no' / 'such' / 'dir.py'}: No such file or directory\n"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def main(argv: list[str]) -> int:
        calls.append(argv)
        return 0

    module = types.ModuleType("paramlens.lsp.server")
    module.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "paramlens.lsp.server", module)
    return calls


def test_serve_hands_its_arguments_to_the_server(cli, server) -> None:
    assert cli("serve") == (0, "", "")
    assert cli("serve", "--tcp", "127.0.0.1:2087") == (0, "", "")
    assert cli("serve", "--stdio", "--log-file", "server.log") == (0, "", "")
    assert server == [[], ["--tcp", "127.0.0.1:2087"], ["--stdio", "--log-file", "server.log"]]


def test_serve_help_is_the_servers_through_a_subprocess() -> None:
    proc = run("serve", "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: paramlens serve")
    assert "--tcp HOST:PORT" in proc.stdout


def test_serve_is_listed_in_the_help(cli) -> None:
    code, out, _err = cli("--help")
    assert code == 0
    assert "serve     run the language server" in out
