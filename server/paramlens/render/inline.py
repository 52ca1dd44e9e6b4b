"""The ``show`` view: the document with what an editor shows inline.

Each layer's count and output shape sit at the end of the line where its type is written (as the
language server's inlay hints do), the model total at the end of the ``layers:`` line, and each
diagnostic under the line where it starts, with its range underlined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..engine import shapes
from ..engine.analysis import Analysis, Diagnostic, LayerResult
from .text import count, diagnostic_text, shape, split_lines

if TYPE_CHECKING:
    from rich.console import Console

HINT_MARK = "◂ "
# Control characters are shown as symbols (␀, ␛, ...), one column each like the character they stand
# for, so that a file cannot drive the terminal and underlines stay aligned. Tabs stay tabs.
_VISIBLE = {c: 0x2400 + c for c in range(32) if c != 9} | {0x7F: 0x2421} | {c: 0xFFFD for c in range(0x80, 0xA0)}
MAX_ALIGN = 80  # hints of longer lines follow them at two spaces instead of in the common column


@dataclass(slots=True)
class ShownLine:
    """One line of the document, the hint at its end and the diagnostics that start on it."""

    number: int  # 0-based
    text: str
    hint: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)


def layer_hint(layer: LayerResult, definition: bool = False) -> str:
    """``4,640 params → 32×30×30``. In a block definition (``definition``, or a layer of one) what
    depends on an unknown is left out rather than shown as ``?``."""
    in_definition = definition or layer.instance is not None
    text = "" if in_definition and layer.param_count is None else f"{count(layer.param_count)} params"
    if not (in_definition and not shapes.known(layer.output_shape)):
        text += f"{' ' if text else ''}→ {shape(layer.output_shape)}"
    return text


def model_hint(analysis: Analysis) -> str:
    """``total 13,440 params``, with the trainable and non-trainable counts when they differ."""
    totals = analysis.totals
    text = f"total {count(totals.params)} params"
    if totals.params is not None and totals.trainable is not None and totals.trainable != totals.params:
        text += f" ({count(totals.trainable)} trainable, {count(totals.non_trainable)} non-trainable)"
    return text


def hints(analysis: Analysis) -> dict[int, str]:
    """0-based line -> the hint at its end: what the language server's inlay hints show.

    One hint a line: the model total on ``layers:``; then each layer on the line of its type (the
    outermost where a line holds several; inside a block definition, the block's first use); a
    branch (``shortcut:``) on its line when no layer is written there; a block definition's name
    shows its first use's total. Layers of imported files are not in this document.
    """
    out: dict[int, str] = {}

    def add(line: int, text: str) -> None:
        if text:
            out.setdefault(line, text)

    if analysis.layers_key is not None:
        add(analysis.layers_key.start_line, model_hint(analysis))
    placed: dict[int, LayerResult] = {}
    branches, first_uses = [], {}
    for layer in analysis.walk():
        if layer.foreign:
            continue
        if layer.category == "branch":
            branches.append(layer)
        else:
            placed.setdefault(layer.line, layer)
        if layer.category == "block":
            first_uses.setdefault(layer.type, layer)
    for layer in branches:
        placed.setdefault(layer.line, layer)
    for line, layer in sorted(placed.items()):
        add(line, layer_hint(layer))
    for name, span in analysis.blocks.items():
        if name in first_uses:
            add(span.start_line, layer_hint(first_uses[name], definition=True))
    return dict(sorted(out.items()))


def shown_lines(text: str, analysis: Analysis) -> list[ShownLine]:
    lines = [ShownLine(i, line.translate(_VISIBLE)) for i, line in enumerate(split_lines(text))]
    if text.endswith(("\n", "\r")) and len(lines) > 1 and not lines[-1].text:
        lines.pop()  # the empty "line" after the final newline
    for line, hint in hints(analysis).items():
        if line < len(lines):
            lines[line].hint = hint
    for d in analysis.diagnostics:
        lines[min(d.span.start_line, len(lines) - 1)].diagnostics.append(d)
    return lines


def hint_column(lines: list[ShownLine]) -> int:
    """Where hints start: two spaces after the longest hinted line (up to ``MAX_ALIGN``)."""
    widths = [len(line.text.rstrip()) for line in lines if line.hint]
    return min(max(widths, default=0), MAX_ALIGN) + 2


def underline(line: str, d: Diagnostic, on_line: int) -> str:
    """``    ^^^^`` under the diagnostic's range on its first line (at least one caret); the
    whitespace before it copies the line's, so that tabs line up too."""
    start = min(d.span.start_char, len(line))
    end = d.span.end_char if d.span.end_line == on_line else len(line)
    lead = "".join(ch if ch == "\t" else " " for ch in line[:start])
    return lead + "^" * max(1, min(end, len(line)) - start)


def show_text(text: str, analysis: Analysis) -> str:
    """The annotated document as plain text."""
    return "".join(f"{body}{hint}\n" for body, hint, _severity in _rows(text, analysis))


def print_show(console: Console, text: str, analysis: Analysis) -> None:
    """The annotated document on a terminal: hints dimmed like inlay hints, errors in red."""
    from rich.text import Text

    styles = {None: "", 1: "red", 2: "yellow"}
    for body, hint, severity in _rows(text, analysis):
        row = Text(body, style=styles.get(severity, "cyan")) + Text(hint, style="dim")
        console.print(row, soft_wrap=True)


def _rows(text: str, analysis: Analysis) -> list[tuple[str, str, int | None]]:
    """(text, hint, severity) per printed row: each document line with its hints, then the lines
    underlining its diagnostics (with their severity)."""
    lines = shown_lines(text, analysis)
    column = hint_column(lines)
    rows: list[tuple[str, str, int | None]] = []
    for line in lines:
        body = line.text.rstrip()
        hint = ""
        if line.hint:
            hint = " " * max(2, column - len(body)) + HINT_MARK + line.hint
        rows.append((body, hint, None))
        for d in line.diagnostics:
            rows.append((underline(line.text, d, line.number) + " " + diagnostic_text(d), "", int(d.severity)))
    return rows
