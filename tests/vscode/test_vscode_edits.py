"""Editing with the packaged extension in a real VS Code: the Problems panel of a broken file, a quick fix from
the code action widget, completion of a layer type, a setting changed live and the model summary command, in
both server modes (see conftest.py). Every expected value comes from this checkout's `paramlens` CLI."""

from __future__ import annotations

import pytest
from vscode_workbench import Workbench, exact, shape, summary_json, wait_equal, wait_for

from paramlens.engine import registry

pytestmark = pytest.mark.timeout(240)

BROKEN = """name: Broken
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3}
  - Conv2d: {in_channels: 8, out_channels: 32, kernel_size: 3}
  - Flatten
"""


def location(line: int, column: int) -> str:
    return f"[Ln {line}, Col {column}]"


def test_problems_panel_and_quick_fix(vscode: Workbench) -> None:
    path = vscode.write("broken.arch.yaml", BROKEN)
    [diagnostic] = summary_json(path)["diagnostics"]
    assert diagnostic["code"] == "channel-mismatch"
    [related] = diagnostic["related"]
    [fix] = diagnostic["fixes"]
    vscode.open(path.name)
    expected = [
        (path.name, "1"),
        (diagnostic["message"], "paramlens", diagnostic["code"], location(diagnostic["line"], diagnostic["column"])),
        (path.name, location(related["line"], related["column"]), ":", related["message"]),
    ]
    wait_equal("the Problems panel", vscode.problems, expected)

    titles = vscode.quick_fix(diagnostic["line"], diagnostic["column"], fix["title"])
    assert titles == [fix["title"]]
    lines = BROKEN.split("\n")
    row = lines[fix["line"] - 1]
    lines[fix["line"] - 1] = row[: fix["column"] - 1] + fix["text"] + row[fix["end_column"] - 1 :]
    wait_equal("the fixed text", lambda: [line.text for line in vscode.lines()], lines)
    # Fixed: the file has no problem left and the layer after the fix is counted.
    fixed = vscode.write("fixed.arch.yaml", "\n".join(lines))
    layer = summary_json(fixed)["layers"][1]
    assert summary_json(fixed)["diagnostics"] == []
    wait_equal(
        "the fixed layer's hint",
        lambda: dict(vscode.hints()).get(layer["line"]),
        f"{exact(layer['params'])} params → {shape(layer['output_shape'])}",
    )
    wait_for("an empty Problems panel", lambda: vscode.page.locator(".markers-panel .monaco-list-row").count() == 0)


def test_completion_of_a_layer_type(vscode: Workbench) -> None:
    text = "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: 3}\n  - \n"
    path = vscode.write("complete.arch.yaml", text)
    vscode.open(path.name)
    wait_for("the first layer's hint", vscode.hints, timeout=30)
    vscode.goto(4, 5)
    vscode.page.keyboard.type("Conv2")
    labels = vscode.suggestions()
    # The focused suggestion and every layer type of the registry whose name starts with what was typed.
    assert labels[0] == "Conv2d"
    assert {name for name in registry.KINDS if name.startswith("Conv2")} <= set(labels[1:])
    vscode.page.keyboard.press("Enter")
    # Accepting inserts the type with its required arguments (a snippet); then typing fills them in.
    required = [arg.name for arg in registry.KINDS["Conv2d"].args if arg.required]
    inserted = "  - Conv2d: {" + ", ".join(f"{name}: " for name in required) + "}"
    wait_equal("the inserted layer", lambda: vscode.lines()[3].text, inserted)
    values = {"out_channels": "16", "kernel_size": "3"}
    assert set(required) == set(values)
    for name in required:
        vscode.page.keyboard.type(values[name])
        vscode.page.keyboard.press("Tab")
    written = "  - Conv2d: {" + ", ".join(f"{name}: {values[name]}" for name in required) + "}"
    layer = summary_json(vscode.write("completed.arch.yaml", text.replace("  - \n", written + "\n")))["layers"][1]
    wait_equal("the completed layer", lambda: vscode.lines()[3].text, written)
    wait_equal(
        "the completed layer's hint",
        lambda: dict(vscode.hints()).get(4),
        f"{exact(layer['params'])} params → {shape(layer['output_shape'])}",
    )
