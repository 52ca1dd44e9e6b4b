"""Shared by the CLI tests: example paths, a file with a channel mismatch, the command as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SEED_2D = EXAMPLES / "seed-cnn-2d.arch.yaml"
SEED_3D = EXAMPLES / "seed-cnn-3d.arch.yaml"

MISMATCH = """\
name: Mismatch
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 32, kernel_size: 3}
  - Conv2d: {in_channels: 16, out_channels: 8, kernel_size: 3}
  - ReLU
"""
MISMATCH_LINE = (
    "mismatch.arch.yaml:5:27: error: in_channels is 16, but layer 1 (Conv2d, line 4) outputs 32 channels. "
    "Set in_channels: 32, or remove it to infer it. [channel-mismatch]"
)


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m paramlens ARGS`` as a subprocess, its output not a terminal, no COLUMNS set."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "paramlens", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        input=stdin,
        env=env,
        timeout=60,
    )
