"""The packaged extension in a real VS Code (code-server + Playwright, see vscode_workbench.py), once with the
server bundled in the .vsix (the interpreter has no paramlens) and once with the repository's installed one."""

from __future__ import annotations

import shutil
import sys
import time

import pytest
from conftest import TIMINGS
from vscode_workbench import (
    EXAMPLES,
    Workbench,
    exact,
    host_target,
    shape,
    summary_json,
    summary_text,
    wait_equal,
    wait_for,
)

import paramlens

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


def open_seed(vscode: Workbench) -> float:
    """Opens the seed example (copied into the workspace first); returns when Enter was pressed."""
    if not (vscode.workspace / SEED).exists():
        shutil.copy(EXAMPLES / SEED, vscode.workspace / SEED)
    return vscode.open(SEED)


def test_inlay_hints_on_every_layer_and_time_to_first_hint(vscode: Workbench) -> None:
    opened = open_seed(vscode)
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


def seed_layer(index: int) -> dict:
    return summary_json(EXAMPLES / SEED)["layers"][index]


def test_hover_on_a_layer_shows_its_formula_and_count(vscode: Workbench) -> None:
    layer = seed_layer(0)
    open_seed(vscode)
    text = vscode.hover(layer["line"], layer["type"])
    lines = text.split("\n")
    where = f"layer {layer['index']}, line {layer['line']}"
    assert lines[0] == f"{layer['type']} · {where} · {exact(layer['params'])} params"
    assert f"Parameters {layer['formula']}" in lines
    assert [f"{t['name']} {shape(t['shape'])} = {exact(t['numel'])}" for t in layer["tensors"]] == lines[4:6]


def test_status_bar_shows_the_total(vscode: Workbench) -> None:
    summary = summary_json(EXAMPLES / SEED)
    open_seed(vscode)
    item = vscode.status_item("paramlens.total")
    # the total and the MACs (4,009,664 for the seed CNN: 4.01 M, four significant digits, zeros dropped)
    assert summary["macs"] == 4_009_664
    expected = f"{exact(summary['total_params'])} params · 4.01 M MACs"
    wait_equal("the status bar total", lambda: item.inner_text().strip(), expected)
    tooltip = (item.get_attribute("aria-label") or "").split("\n")
    assert f"Parameters: {exact(summary['total_params'])}" in tooltip
    assert f"MACs: {exact(summary['macs'])} · FLOPs: {exact(summary['flops'])} (2 × MACs), batch 1" in tooltip


def test_summary_command_shows_the_model_summary(vscode: Workbench) -> None:
    open_seed(vscode)
    vscode.command("paramlens: Show Model Summary")
    expected = [SEED, *summary_text(EXAMPLES / SEED).rstrip("\n").split("\n")]
    vscode.panel_editor().wait_for()
    with vscode.maximized_panel():
        wait_equal("the paramlens summary output", vscode.output_lines, expected)


def test_inlay_hint_settings_apply_live(vscode: Workbench) -> None:
    open_seed(vscode)
    expected = sorted(expected_hints(EXAMPLES / SEED).items())
    wait_equal("the hint of every layer", vscode.hints, expected)
    try:
        vscode.set_settings(inlayHints__params=False, inlayHints__totals=False)
        shapes_only = [(line, hint.split(" → ")[1]) for line, hint in expected if " → " in hint]
        wait_equal("the shapes only", vscode.hints, [(line, f"→ {s}") for line, s in shapes_only], timeout=30)
        vscode.set_settings(inlayHints__shapes=False)
        wait_equal("no hints", vscode.hints, [], timeout=30)
    finally:
        vscode.set_settings(inlayHints__params=True, inlayHints__shapes=True, inlayHints__totals=True)
    wait_equal("the hints shown again", vscode.hints, expected, timeout=30)


def test_output_channel_says_which_server_runs_and_its_yaml_loader(vscode: Workbench) -> None:
    """Bundled: the libyaml build of this platform's package is picked, and the bundle is byte-compiled once;
    installed: the repository's paramlens with PyYAML's C loader is preferred to the bundle."""
    open_seed(vscode)
    vscode.command("paramlens: Show Server Output")
    vscode.panel_editor().wait_for()
    if vscode.mode == "bundled":  # type: ignore[attr-defined]
        wanted = [
            f"Running the bundled paramlens {paramlens.__version__} with ",
            f"parsing with PyYAML's C loader (libyaml, {host_target()} package).",
            "Byte-compiled the bundled server for ",
        ]
    else:
        wanted = [f"Running paramlens {paramlens.__version__} installed in {sys.executable} (Python "]
        wanted.append("with PyYAML's C loader).")

    def bare(text: str) -> str:  # the channel wraps its long lines: compared without white space
        return "".join(text.split())

    def shown() -> bool:
        text = bare("".join(vscode.output_lines()))
        return all(bare(part) in text for part in wanted)

    with vscode.maximized_panel():
        wait_for(f"the output channel to say {wanted}", shown, timeout=30)
    assert "pure-Python" not in "\n".join(vscode.output_lines())
