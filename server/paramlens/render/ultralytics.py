"""Views of an Ultralytics model file's analysis (dialect "ultralytics"): what only its rows have.

A row's index (the number `from` names), its stride at the image size (the `P3/8` of hand-kept
comments), the arguments Ultralytics prints, where its input width `c1` came from, its sub-modules,
and every scale's total. Rendering only: the numbers are the engine's (``LayerResult.row``, a
``RowInfo``; ``Analysis.scales``).
"""

from __future__ import annotations

from ..engine import registry, shapes
from ..engine.analysis import Analysis, LayerResult
from .hover import _Text, compute_para, count

MAX_SUBMODULES = 40  # rows of a hover's sub-module table ("… 12 more")


def stride(layer: LayerResult, imgsz: int | None) -> int | None:
    """The row's output stride (imgsz / H) when it is a whole power of two, else None."""
    out = layer.output_shape
    if imgsz is None or out is None or len(out) != 3 or not isinstance(out[1], int) or out[1] <= 0:
        return None
    if imgsz % out[1]:
        return None
    s = imgsz // out[1]
    return s if s & (s - 1) == 0 else None


def level(layer: LayerResult, imgsz: int | None) -> str:
    """``P3/8`` (pyramid level and stride) as the shipped files' comments write it; '' when unknown."""
    s = stride(layer, imgsz)
    if s is None or s < 2:
        return ""
    return f"P{s.bit_length() - 1}/{s}"


def index_label(layer: LayerResult, imgsz: int | None) -> str:
    """``#3 P3/8``: the row's index and level."""
    assert layer.row is not None
    where = level(layer, imgsz)
    return f"#{layer.row.index}" + (f" {where}" if where else "")


def index_tooltip(layer: LayerResult, imgsz: int | None) -> str:
    assert layer.row is not None
    i = layer.row.index
    lines = [f"Row {i}: a later row's `from` names it as {i}, or as -k from row {i} + k (-1 from row {i + 1})."]
    s = stride(layer, imgsz)
    if s is not None and s > 1:
        lines.append(f"Stride {s} at imgsz {imgsz} (level P{s.bit_length() - 1}).")
    return "\n".join(lines)


def source_text(analysis: Analysis, j: int) -> str:
    """``row 6 (C2f, 128×40×40, line 24)``; ``the input image (3×640×640)`` for -1 at row 0."""
    if j < 0:
        return f"the input image ({shapes.fmt(analysis.input_shape)})"
    if j >= len(analysis.layers):
        return f"row {j} (not in this file)"
    target = analysis.layers[j]
    return f"row {j} ({target.type}, {shapes.fmt(target.output_shape)}, line {target.line + 1})"


def printed(layer: LayerResult) -> str:
    """``C2f [32, 32, 1, True]``: the module and its arguments as Ultralytics prints its build table."""
    assert layer.row is not None
    name = layer.row.module.rsplit(".", 1)[-1] if layer.row.module else layer.type
    if layer.type.startswith("nn."):
        name = layer.type
    return f"{name} {layer.row.arguments_text}" if layer.row.arguments_text else name


def row_hover(analysis: Analysis, layer: LayerResult, written_n: str | None, markdown: bool = True) -> str:
    """A row under the cursor: its count, printed arguments, input width, output, sub-modules."""
    row = layer.row
    assert row is not None
    t = _Text(markdown)
    params = t.bold(f"{count(layer.param_count)} params")
    t.para(f"{t.bold(layer.type)} · row {row.index} · line {layer.line + 1} · {params}")
    lines = []
    if row.arguments_text:
        lines.append(
            f"{t.bold('Built as')} {t.code(printed(layer))}" + (f" ({t.code(row.module)})" if row.module else "")
        )
    scale = f"scale {analysis.scale}" if analysis.scale else "no scales"
    if written_n is not None and str(row.repeats) != written_n:
        lines.append(f"{t.bold('n')} {written_n} → {row.repeats} (depth-scaled at {scale})")
    elif row.repeats not in (None, 1):
        lines.append(f"{t.bold('n')} {row.repeats}")
    if lines:
        t.para(*lines)
    module = registry.MODULES.get(layer.type)
    if module is not None and module.formula:
        t.para(f"{t.bold('Formula')} {t.code(module.formula)}")
    parts = [c for c in layer.children]
    if len(parts) > 1:
        names = " + ".join(c.name or c.type for c in parts)
        numbers = " + ".join(count(c.param_count) for c in parts)
        t.para(f"{t.bold('Parameters')} {t.code(f'{names} = {numbers} = {count(layer.param_count)}')}")
    elif layer.formula is not None:
        t.para(f"{t.bold('Parameters')} {t.code(layer.formula.text())}")
    if layer.trainable_count is not None and layer.param_count and layer.trainable_count != layer.param_count:
        t.para(f"Trainable {layer.trainable_count:,} · frozen {layer.param_count - layer.trainable_count:,}")
    inputs = []
    if row.c1 is not None and row.c1_row is not None:
        inputs.append(
            f"{t.code(f'c1 = {row.c1}')}: the width Ultralytics records for {source_text(analysis, row.c1_row)}"
        )
    if len(row.sources) > 1 or row.c1 is None:
        writes = row.from_ if isinstance(row.from_, list) else [row.from_]
        for written, j in zip(writes, row.sources, strict=False):
            inputs.append(f"{t.code(f'from {written}')} → {source_text(analysis, j)}")
    if inputs:
        t.bullets(t.bold("Input"), inputs)
    out = f"{t.bold('Output')} {t.code(shapes.fmt(layer.output_shape))}"
    if layer.output_shape is None and layer.param_count is not None:
        out = f"{t.bold('Output')} not one feature map (a head's predictions or a tuple)"
    where = level(layer, analysis.imgsz)
    if where:
        out += f" · {where} at imgsz {analysis.imgsz}"
    t.bullets(out, [t.code(s.text()) for s in layer.shape_steps])
    compute_para(t, layer, analysis)
    rows = list(_submodules(layer.children, "", 0))
    if rows:
        body = rows[:MAX_SUBMODULES]
        t.para(t.bold("Sub-modules"))
        t.table(["Name", "Module", "Params", "Output", "Formula"], body, right={2})
        if len(rows) > MAX_SUBMODULES:
            t.para(t.italic(f"… {len(rows) - MAX_SUBMODULES} more."))
    return t.render()


def _submodules(layers, prefix: str, depth: int):
    """Each sub-module as PyTorch's named_modules names it (``cv1``, ``cv1.conv``, ``m.0.cv1`` ...), two levels
    deep (a leaf's formula shown), and deeper only under a module that has a single level of leaves."""
    for layer in layers:
        name = f"{prefix}{layer.name or layer.type}"
        formula = layer.formula.text() if layer.formula is not None else ""
        yield [name, layer.type, count(layer.param_count), shapes.fmt(layer.output_shape), formula]
        if layer.children and depth < 1:
            yield from _submodules(layer.children, f"{name}.", depth + 1)


def from_hover(analysis: Analysis, layer: LayerResult, k: int, markdown: bool = True) -> str:
    """The ``k``-th index of a row's `from`: the row it names."""
    row = layer.row
    assert row is not None
    t = _Text(markdown)
    writes = row.from_ if isinstance(row.from_, list) else [row.from_]
    written = writes[k] if k < len(writes) else "?"
    j = row.sources[k] if k < len(row.sources) else None
    if j is None:
        t.para(f"{t.code(f'from {written}')} of row {row.index}: it names no row (see the diagnostics).")
        return t.render()
    how = "relative: counts back from this row" if isinstance(written, int) and written < 0 else "absolute"
    t.para(f"{t.code(f'from {written}')} of row {row.index} → {t.bold(source_text(analysis, j))}", t.italic(how))
    if 0 <= j < len(analysis.layers):
        target = analysis.layers[j]
        if target.row is not None and target.row.arguments_text:
            t.para(f"{t.code(printed(target))} · {count(target.param_count)} params")
    return t.render()


def scale_total(n: int | None) -> str:
    """``3.16 M`` (millions, two decimals, as Ultralytics' docs tables quote sizes); ``?`` when unknown."""
    return "?" if n is None else f"{n / 1e6:.2f} M"


def scales_line(analysis: Analysis) -> str:
    """``n 3.16 M · s 11.17 M · …``."""
    return " · ".join(f"{letter} {scale_total(n)}" for letter, n in (analysis.scales or {}).items())


def scales_hover(analysis: Analysis, why: str, markdown: bool = True) -> str:
    """Every scale's total, the one built marked, and how the scale was chosen."""
    t = _Text(markdown)
    t.para(f"{t.bold('Scales')} · {scales_line(analysis)}")
    rows = []
    for letter, n in (analysis.scales or {}).items():
        mark = "← built" if letter == analysis.scale else ""
        rows.append([letter, count(n), scale_total(n), mark])
    t.table(["Scale", "Params", "", ""], rows, right={1, 2})
    t.para(
        f"Built at {t.bold(str(analysis.scale))}: {why}. Shapes at imgsz {analysis.imgsz}.",
        t.italic("Switch with the lenses above `scales:`, or the setting paramlens.ultralytics.scale "
                 "(\"auto\": as Ultralytics would build it)."),
    )  # fmt: skip
    return t.render()


def model_hover(analysis: Analysis, markdown: bool = True) -> str:
    """On `backbone:`: the scale and image size the model is built at, every scale's total, the summary."""
    from .hover import model_hover as summary

    t = _Text(markdown)
    built = f"scale {t.bold(analysis.scale)}" if analysis.scale else "no `scales:` (depth and width multiples)"
    t.para(f"{t.bold('Ultralytics model')} · {built} · imgsz {analysis.imgsz} · {len(analysis.layers)} rows")
    if analysis.scales:
        t.para(f"{t.bold('Scales')} {scales_line(analysis)}")
    return t.render() + "\n\n" + summary(analysis, markdown)
