"""The ``summary`` view: a torchinfo/Keras-style table of the layer tree, then the model totals.

Rendered with rich. Composites (blocks, Sequential, Repeat, Residual, Add, Multiply, Concat and
their branches) are rows with their totals, their parts indented below them; ``depth`` folds the
levels below it. No cell is ever cut: in a narrow terminal or CI log the optional columns are left
out, and a table that still does not fit prints wider than asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import StringIO
from typing import NamedTuple

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine.analysis import Analysis, LayerResult, Severity
from . import compute
from .text import count, diagnostic_line, shape, tally, type_label

_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


COLUMN_GROUPS = ("params", "macs", "memory", "rf")  # what ``--columns`` picks from; params is the default


class View(NamedTuple):
    """What the table shows: the column groups (``params`` adds its formula, ``macs`` MACs, ``memory`` the
    output bytes, ``rf`` the receptive field) and the batch size of compute and memory."""

    columns: tuple[str, ...] = ("params",)
    batch: int = 1

    @property
    def compute(self) -> bool:
        return any(c != "params" for c in self.columns)


DEFAULT_VIEW = View()


def summary_text(
    analysis: Analysis, width: int = 100, depth: int | None = None, path: str | None = None, view: View = DEFAULT_VIEW
) -> str:
    """The summary as plain text (no colour), ``width`` columns wide, without trailing spaces."""
    return plain(lambda console: print_summary(console, analysis, depth=depth, path=path, view=view), width)


def plain(draw: Callable[[Console], None], width: int) -> str:
    """What ``draw`` prints on a console ``width`` columns wide, as plain text without the trailing
    spaces rich pads lines with (for files, pipes and CI logs)."""
    out = StringIO()
    draw(Console(file=out, width=width, color_system=None, force_terminal=False, highlight=False))
    return "\n".join(line.rstrip() for line in out.getvalue().split("\n"))


def print_summary(
    console: Console, analysis: Analysis, depth: int | None = None, path: str | None = None, view: View = DEFAULT_VIEW
) -> None:
    """The layer table, the totals, then the diagnostics as ``path:line:col: severity: message [code]``
    (one line each, never wrapped, so that CI problem matchers read them)."""
    if analysis.dialect == "ultralytics":
        table, needed = row_table(analysis, depth, console.width, view)
    else:
        table, needed = layer_table(analysis, depth, console.width, view)
    width = console.width
    console.width = max(needed, width)  # too narrow even without the optional columns: longer lines, never cut cells
    try:
        console.print(table)
    finally:
        console.width = width
    console.print()
    console.print(totals_table(analysis, view))
    if "macs" in view.columns:
        console.print("\n" + "\n".join(f"  {line}" for line in compute.DEFINITION), markup=False, style="dim")
    if analysis.scales:
        totals_text = " · ".join(f"{k} {count(v)}" for k, v in analysis.scales.items())
        console.print(f"\n  Scales  {totals_text}  (parameters, Ultralytics 8.4.190)", markup=False)
    if not analysis.diagnostics:
        return
    console.print(f"\n{tally(analysis.diagnostics)}:", style="bold", markup=False)
    for d in analysis.diagnostics:
        console.print(diagnostic_line(d, path), style=_SEVERITY_STYLE.get(d.severity, ""), soft_wrap=True, markup=False)


# (header, justify, wraps, style); only names may wrap (down to MIN_FOLD characters)
_COLUMNS = {
    "#": ("#", "right", False, "dim"),
    "layer": ("Layer (type)", "left", False, ""),
    "name": ("Name", "left", True, ""),
    "shape": ("Output shape", "left", False, ""),
    "params": ("Params", "right", False, ""),
    "macs": ("MACs", "right", False, ""),
    "memory": ("Output bytes", "right", False, ""),
    "rf": ("RF", "left", False, ""),
    "formula": ("Formula", "left", False, ""),
}
_DROPPABLE = ("#", "formula")  # dropped in this order when the table does not fit the width


def _keys(view: View) -> list[str]:
    """The table's columns for the chosen groups, in the table's order."""
    shown = set(view.columns) | ({"formula"} if "params" in view.columns else set())
    return [k for k in _COLUMNS if k in ("#", "layer", "name", "shape") or k in shown]


MIN_FOLD = 12


def layer_table(
    analysis: Analysis, depth: int | None = None, width: int | None = None, view: View = DEFAULT_VIEW
) -> tuple[Table, int]:
    """The layer tree as a table, and the width it needs. Cells are never cut: when ``width`` is too
    narrow for every column, the index and then the formula columns are left out (the JSON output
    keeps them); a table that still does not fit needs more than ``width``. With compute columns, a
    last row holds the totals."""
    fields = compute.field_map(analysis) if "rf" in view.columns else {}
    rows = [_cells(layer, prefix, analysis, view, fields) for layer, prefix in _rows(analysis.layers, depth)]
    if view.compute and rows:
        rows.append(_total_cells(analysis, view))
    keys = [k for k in _keys(view) if k != "name" or any(row["name"] for row in rows)]
    for drop in _DROPPABLE:
        if width is None or _needed(rows, keys) <= width:
            break
        keys.remove(drop)
    title = analysis.name or "Model"
    if analysis.input_shape is not None:
        title += f" · input {shape(analysis.input_shape)}"
    if view.batch != 1:
        title += f" · batch {view.batch:,}"
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
    for key in keys:
        header, justify, wraps, style = _COLUMNS[key]
        table.add_column(header, justify=justify, style=style, no_wrap=not wraps, overflow="fold")
    for i, row in enumerate(rows):
        table.add_row(*(row[key] for key in keys), end_section=view.compute and i == len(rows) - 2)
    if not rows:
        table.add_row(*(Text("no layers", style="dim") if key == "layer" else "" for key in keys))
    return table, _needed(rows, keys)


_ROW_COLUMNS = {  # an Ultralytics model's rows, as Ultralytics prints its build table (plus the shape)
    "#": ("#", "right", False, "dim"),
    "from": ("from", "right", False, ""),
    "n": ("n", "right", False, ""),
    "params": ("params", "right", False, ""),
    "macs": ("MACs", "right", False, ""),  # with --columns macs
    "memory": ("output bytes", "right", False, ""),  # with --columns memory
    "module": ("module", "left", False, ""),
    "arguments": ("arguments", "left", True, ""),
    "shape": ("output shape", "left", False, ""),
}


def row_table(
    analysis: Analysis, depth: int | None = None, width: int | None = None, view: View = DEFAULT_VIEW
) -> tuple[Table, int]:
    """An Ultralytics model's rows: index (what `from` refers to), from, n, params, module, arguments as
    Ultralytics prints them after scaling, and the output shape at imgsz; ``depth`` 2 or more lists each
    row's sub-modules below it."""
    rows: list[dict[str, Text]] = []
    for layer, prefix in _rows(analysis.layers, depth if depth is not None else 1):
        info = layer.row
        if info is None:  # a sub-module
            cells = dict.fromkeys(_ROW_COLUMNS, Text(""))
            cells["module"] = Text(prefix) + Text(f"{layer.name} ({layer.type})", "dim")
            cells["params"] = Text(count(layer.param_count), "dim")
            cells.update(_row_compute(layer, analysis, view, "dim"))
            cells["shape"] = Text(shape(layer.output_shape) if layer.output_shape is not None else "", "dim")
            rows.append(cells)
            continue
        module = layer.written_type or layer.type
        rows.append({
            "#": Text(str(info.index)),
            "from": Text(str(info.from_)),
            "n": Text(str(info.repeats)),
            "params": Text(count(layer.param_count), "bold"),
            **_row_compute(layer, analysis, view, "bold"),
            "module": Text(module),
            "arguments": Text(info.arguments_text if info.arguments is not None else "?"),
            "shape": Text(shape(layer.output_shape) if layer.output_shape is not None else "—"),
        })  # fmt: skip
    # Ultralytics' own columns, with the compute ones asked for (receptive fields are not traced through rows)
    keys = [key for key in _ROW_COLUMNS if key not in ("macs", "memory") or key in view.columns]
    title = (analysis.name or "Ultralytics model") + (f" · scale {analysis.scale}" if analysis.scale else "")
    title += f" · imgsz {analysis.imgsz}"
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False)
    for key in keys:
        header, justify, wraps, style = _ROW_COLUMNS[key]
        table.add_column(header, justify=justify, style=style, no_wrap=not wraps, overflow="fold")
    for row in rows:
        table.add_row(*(row[key] for key in keys))
    if not rows:
        table.add_row(*(Text("no rows", style="dim") if key == "module" else "" for key in keys))
    total = 3 * len(keys) - 1
    for key in keys:
        header, _justify, wraps, _style = _ROW_COLUMNS[key]
        widest = max([cell_len(header), *(row[key].cell_len for row in rows)])
        total += min(widest, 24) if wraps else widest
    return table, total


def _row_compute(layer: LayerResult, analysis: Analysis, view: View, style: str) -> dict[str, Text]:
    """An Ultralytics row's (or sub-module's) MACs and output bytes at the view's batch."""
    memory = compute.output_bytes(layer, analysis.totals, view.batch)
    return {
        "macs": Text(compute.si(compute.scaled(layer.macs, view.batch)), style),
        "memory": Text(compute.si(memory, "B") if layer.output_shape is not None else "—", style),
    }


def _cells(layer: LayerResult, prefix: str, analysis: Analysis, view: View, fields: dict) -> dict[str, Text]:
    style = {"layer": "", "branch": "italic"}.get(layer.category, "bold")
    macs = compute.scaled(layer.macs, view.batch)
    memory = compute.output_bytes(layer, analysis.totals, view.batch)
    return {
        "#": Text(".".join(str(p) for p in layer.path)),
        "layer": Text(prefix) + Text(type_label(layer), style),
        "name": Text(layer.name or ""),
        "shape": Text(shape(layer.output_shape)),
        "params": Text(count(layer.param_count), style),
        "macs": Text(compute.si(macs), style),
        "memory": Text(compute.si(memory, "B"), style),
        "rf": Text(compute.field_text(fields.get(id(layer)))),
        "formula": Text(_formula(layer)),
    }


def _total_cells(analysis: Analysis, view: View) -> dict[str, Text]:
    """The totals row: parameters, MACs and all activations (the sum of every output, not the last)."""
    totals = analysis.totals
    cells = dict.fromkeys(_COLUMNS, Text(""))
    cells["layer"] = Text("Total", "bold")
    cells["params"] = Text(count(totals.params), "bold")
    cells["macs"] = Text(compute.si(compute.scaled(totals.macs, view.batch)), "bold")
    memory = compute.scaled(totals.activation_bytes, view.batch)
    cells["memory"] = Text(compute.si(memory, "B"), "bold")
    return cells


def _needed(rows: list[dict[str, Text]], keys: list[str]) -> int:
    """The narrowest width that shows every cell whole: unwrapped columns at their widest cell,
    wrapping ones at ``MIN_FOLD``, plus rich's padding and separators (three characters a column)."""
    total = 3 * len(keys) - 1
    for key in keys:
        header, _justify, wraps, _style = _COLUMNS[key]
        widest = max([cell_len(header), *(row[key].cell_len for row in rows)])
        total += min(widest, MIN_FOLD) if wraps else widest
    return total


def totals_table(analysis: Analysis, view: View = DEFAULT_VIEW) -> Table:
    totals = analysis.totals
    grid = Table.grid(padding=(0, 2), pad_edge=True)
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    grid.add_column(style="dim")
    grid.add_row("Total params", count(totals.params), "")
    grid.add_row("Trainable params", count(totals.trainable), "")
    grid.add_row("Non-trainable params", count(totals.non_trainable), "frozen layers" if totals.non_trainable else "")
    grid.add_row("Buffers", count(totals.buffers), "running statistics and other state; not parameters")
    size = "?" if totals.size_mb is None else f"{totals.size_mb:,.2f} MB"
    detail = f"{totals.dtype}, {totals.bytes_per_param} byte{'s' * (totals.bytes_per_param != 1)} per parameter"
    if totals.size_bytes is not None:
        detail = f"{totals.size_bytes:,} bytes; {detail}"
    grid.add_row("Params size", size, detail)
    if view.compute:
        _compute_totals(grid, analysis, view)
    grid.add_row("Input shape", shape(analysis.input_shape), "")
    grid.add_row("Output shape", shape(analysis.output_shape), "")
    return grid


def _compute_totals(grid: Table, analysis: Analysis, view: View) -> None:
    """MACs, FLOPs and memory at the view's batch: SI units, the exact integers beside them."""
    totals, batch = analysis.totals, view.batch
    macs = compute.scaled(totals.macs, batch)
    at = f"batch {batch:,}"
    rows = [
        ("MACs", macs, "", f"multiply-accumulates, {at}"),
        ("FLOPs", compute.flops(macs), "", "2 × MACs"),
        ("Activations", compute.scaled(totals.activation_bytes, batch), "B", f"all outputs, {at}"),
        ("Saved for backward", compute.saved_bytes(totals, batch), "B", f"training, estimate, {at}"),
    ]
    for label, n, unit, what in rows:
        grid.add_row(
            label, compute.si(n, unit), f"{count(n)}{' bytes' if unit else ''}; {what}" if n is not None else what
        )


def _rows(
    layers: list[LayerResult], depth: int | None, level: int = 1, lead: str = ""
) -> Iterator[tuple[LayerResult, str]]:
    """The visible layers in order, each with its tree prefix (``├─ ``, ``│  └─ ``)."""
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        yield layer, (lead + ("└─ " if last else "├─ ")) if level > 1 else ""
        if depth is None or level < depth:
            below = (lead + ("   " if last else "│  ")) if level > 1 else ""
            yield from _rows(layer.children, depth, level + 1, below)


def _formula(layer: LayerResult) -> str:
    """The numbers of the count, e.g. ``(3 × 3 × 3 + 1) × 16``; the symbols are in ``kinds`` and hovers."""
    if layer.formula is not None:
        return "" if layer.formula.numeric == str(layer.formula.value) else layer.formula.numeric
    if layer.repeat is not None and layer.repeat > 1 and layer.children:
        once = [c.param_count for c in layer.children]
        if None not in once and layer.param_count == layer.repeat * sum(once):  # type: ignore[arg-type]
            return f"{layer.repeat:,} × {sum(once):,}"  # type: ignore[arg-type]
    return ""
