"""Takes the READMEs' screenshots in a real VS Code: the packaged extension (its bundled server) in code-server,
driven by the Workbench of the end-to-end tests (tests/vscode/vscode_workbench.py), cropped to the editor.

Usage: .venv/bin/python client-vscode/scripts/screenshots/take.py
(after client-vscode/scripts/test, which builds this platform's .vsix; writes client-vscode/images/screenshot-*.png)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "vscode"))

from vscode_workbench import EXAMPLES, Workbench, launch, summary_json, wait_equal, wait_for  # noqa: E402

OUT = ROOT / "client-vscode" / "images"
SEED = "seed-cnn-2d.arch.yaml"
# The seed example with a Linear that expects 100 features where the layers before it give 128.
BROKEN = "broken.arch.yaml"
WIDTH = 960  # CSS pixels of editor shown: the longest line of the seed example and its hint


def editor_clip(workbench: Workbench, lines: int, widget: str | None = None) -> dict[str, float]:
    """The editor from its top: its first `lines` lines (with the line numbers), or down to a widget's bottom."""
    editor = workbench.editor().bounding_box()
    line = workbench.editor().locator(".view-lines .view-line").first.bounding_box()
    assert editor is not None and line is not None
    bottom = editor["y"] + lines * line["height"]
    if widget is not None:
        box = workbench.page.locator(widget).first.bounding_box()
        assert box is not None
        bottom = max(bottom, box["y"] + box["height"])
    return {"x": editor["x"], "y": editor["y"], "width": WIDTH, "height": bottom - editor["y"] + 8}


def main() -> None:
    hover = ".monaco-hover:not(.hidden)"
    with tempfile.TemporaryDirectory() as tmp, launch(Path(tmp), "bundled", device_scale_factor=2) as workbench:
        page = workbench.page
        page.keyboard.press("Control+B")  # no side bar: the editor alone
        shutil.copy(EXAMPLES / SEED, workbench.workspace / SEED)
        source = (EXAMPLES / SEED).read_text()
        n_lines = len(source.splitlines())
        workbench.open(SEED)
        layers = summary_json(EXAMPLES / SEED)["layers"]
        wait_for("every layer's hint", lambda: len(workbench.hints()) == len(layers) + 1, timeout=60)
        workbench.goto(n_lines + 1, 1)
        workbench.screenshot(OUT / "screenshot-hints.png", editor_clip(workbench, n_lines + 1))

        conv = layers[0]
        workbench.hover(conv["line"], conv["type"])
        page.wait_for_timeout(500)  # the hover's fade-in
        workbench.screenshot(OUT / "screenshot-hover.png", editor_clip(workbench, n_lines + 1, hover))
        page.mouse.move(0, 0)
        page.keyboard.press("Escape")

        # A diagnostic: its squiggle, its quick fix in the code action widget, the Problems panel below.
        broken = workbench.write(BROKEN, source.replace("in_features: 128", "in_features: 100"))
        [diagnostic] = summary_json(broken)["diagnostics"]
        workbench.open(BROKEN)
        wait_equal("the problem and its related location", lambda: len(workbench.problems()), 3)
        [fix] = diagnostic["fixes"]
        assert workbench.code_actions(diagnostic["line"], diagnostic["column"]) == [fix["title"]]
        page.wait_for_timeout(500)
        panel = page.locator(".part.panel").bounding_box()
        editor = workbench.editor().bounding_box()
        assert panel is not None and editor is not None
        clip = {
            "x": editor["x"],
            "y": editor["y"],
            "width": 1280 - editor["x"],
            "height": panel["y"] + 150 - editor["y"],
        }
        workbench.screenshot(OUT / "screenshot-diagnostic.png", clip)
    for name in ("hints", "hover", "diagnostic"):
        print(OUT / f"screenshot-{name}.png")


if __name__ == "__main__":
    main()
