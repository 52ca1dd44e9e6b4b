"""The packaged extension in a real VS Code (code-server + Playwright, see vscode_workbench.py), once with the
server bundled in the .vsix (the interpreter has no paramlens) and once with the repository's installed one."""

from __future__ import annotations

import shutil
import time

import pytest
from conftest import TIMINGS
from vscode_workbench import EXAMPLES, Workbench, exact, shape, summary_json, wait_equal, wait_for

# The first test of a mode also starts code-server and installs the extension.
pytestmark = pytest.mark.timeout(240)

SEED = "seed-cnn-2d.arch.yaml"


def expected_hints(path) -> dict[int, str]:
    """The hint of each layer line and the total after `layers:`, from `paramlens summary --json`."""
    summary = summary_json(path)
    lines = path.read_text().splitlines()
    hints = {lines.index("layers:") + 1: f"total {exact(summary['total_params'])} params"}
    for layer in summary["layers"]:
        hints[layer["line"]] = f"{exact(layer['params'])} params → {shape(layer['output_shape'])}"
    return hints


def test_inlay_hints_on_every_layer_and_time_to_first_hint(vscode: Workbench) -> None:
    shutil.copy(EXAMPLES / SEED, vscode.workspace / SEED)
    opened = vscode.open(SEED)
    wait_for("a first inlay hint", vscode.hints, timeout=60, interval=0.02)
    first_hint = time.monotonic() - opened
    TIMINGS[f"open → first hint ({vscode.mode}, fresh profile)"] = first_hint
    expected = sorted(expected_hints(EXAMPLES / SEED).items())
    assert len(expected) == 10
    wait_equal("the hint of every layer", vscode.hints, expected)
    # Exactly the lines of the file, with the hints after them.
    source = (EXAMPLES / SEED).read_text().split("\n")
    assert [line.text for line in vscode.lines()] == source
    assert first_hint < 30
