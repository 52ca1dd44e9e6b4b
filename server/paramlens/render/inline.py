"""The ``show`` view: the document with what an editor shows inline.

Each layer's count and output shape sit at the end of the line where its type is written (as the
language server's inlay hints do), the model total at the end of the ``layers:`` line, and each
diagnostic under the line where it starts, with its range underlined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
    """One line of the document, the hints at its end and the diagnostics that start on it."""

    number: int  # 0-based
    text: str
    hints: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def layer_hint(layer: LayerResult) -> str:
    """``4,640 params → 32×30×30``."""
    return f"{count(layer.param_count)} params → {shape(layer.output_shape)}"


def model_hint(analysis: Analysis) -> str:
    """``13,440 params → 64``; with trainable and non-trainable counts when some layers are frozen."""
    totals = analysis.totals
    text = f"{count(totals.params)} params"
    if totals.non_trainable:
        text += f" ({count(totals.trainable)} trainable, {count(totals.non_trainable)} non-trainable)"
    return f"{text} → {shape(analysis.output_shape)}"


def hints(analysis: Analysis) -> dict[int, list[str]]:
    """0-based line -> the hint texts at its end, in document order.

    Branches of a construct get none (their construct shows the total). A layer written once but
    analysed several times (inside a block definition, or a Repeat) shows its first instance, the
    block's first use; inside a block definition, counts that depend on an unknown show nothing.
    """
    out: dict[int, list[str]] = {}
    if analysis.layers_key is not None and analysis.layers:
        out[analysis.layers_key.start_line] = [model_hint(analysis)]
    seen = set()
    for layer in analysis.walk():
        if layer.foreign or layer.category == "branch" or layer.type_span in seen:
            continue
        seen.add(layer.type_span)
        if layer.instance is not None and layer.param_count is None:
            continue
        out.setdefault(layer.line, []).append(layer_hint(layer))
    return out


def shown_lines(text: str, analysis: Analysis) -> list[ShownLine]:
    lines = [ShownLine(i, line.translate(_VISIBLE)) for i, line in enumerate(split_lines(text))]
    if text.endswith(("\n", "\r")) and len(lines) > 1 and not lines[-1].text:
        lines.pop()  # the empty "line" after the final newline
    for line, texts in hints(analysis).items():
        if line < len(lines):
            lines[line].hints.extend(texts)
    for d in analysis.diagnostics:
        lines[min(d.span.start_line, len(lines) - 1)].diagnostics.append(d)
    return lines


def hint_column(lines: list[ShownLine]) -> int:
    """Where hints start: two spaces after the longest hinted line (up to ``MAX_ALIGN``)."""
    widths = [len(line.text.rstrip()) for line in lines if line.hints]
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
        if line.hints:
            hint = " " * max(2, column - len(body)) + HINT_MARK + "  ".join(line.hints)
        rows.append((body, hint, None))
        for d in line.diagnostics:
            rows.append((underline(line.text, d, line.number) + " " + diagnostic_text(d), "", int(d.severity)))
    return rows
