"""Fixtures for the CLI tests: the command in-process (fast, exact output) and a file with errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from paramlens.cli import main

from .common import MISMATCH

Result = tuple[int, str, str]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``paramlens ARGS`` in-process: (exit code, stdout, stderr)."""
    monkeypatch.delenv("COLUMNS", raising=False)

    def call(*args: str) -> Result:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own exits (usage errors, --version, --help)
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file with a channel mismatch, in the current directory so that paths print short."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mismatch.arch.yaml"
    path.write_text(MISMATCH)
    return path
