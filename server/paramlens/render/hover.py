"""Hover text: what a layer, a block use or the whole model costs, and why.

Built from the engine's results only (formulas, tensors, shape steps, argument origins), in
markdown or in plain text for clients that do not render markdown. The same facts in both: the
plain text drops the emphasis and lays tables out with spaces.
"""

from __future__ import annotations

from typing import Any

from ..engine import registry, shapes
from ..engine.analysis import Analysis, Argument, LayerResult, Severity
from . import compute

MAX_ROWS = 60  # a block's table stops here ("… 12 more")
BIGGEST = 5


class _Text:
    """Markdown or plain text, written once."""

    def __init__(self, markdown: bool) -> None:
        self.md = markdown
        self.blocks: list[str] = []

    def code(self, s: str) -> str:
        return f"`{s}`" if self.md else s

    def bold(self, s: str) -> str:
        return f"**{s}**" if self.md else s

    def italic(self, s: str) -> str:
        return f"_{s}_" if self.md else s

    def para(self, *lines: str) -> None:
        self.blocks.append(("  \n" if self.md else "\n").join(lines))

    def bullets(self, title: str, items: list[str]) -> None:
        """A title line with a list below it (either may be empty)."""
        self.blocks.append("\n".join([title] * bool(title) + [f"- {i}" for i in items]))

    def table(self, head: list[str], rows: list[list[str]], right: set[int]) -> None:
        if self.md:
            esc = [[c.replace("|", "\\|") for c in row] for row in [head, *rows]]
            rule = ["---:" if i in right else "---" for i in range(len(head))]
            lines = [f"| {' | '.join(r)} |" for r in [esc[0], rule, *esc[1:]]]
        else:
            widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
            lines = [
                "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r)).rstrip()
                for r in [head, *rows]
            ]
        self.blocks.append("\n".join(lines))

    def render(self) -> str:
        return "\n\n".join(b for b in self.blocks if b)


def count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if v is None:
        return "null"
    if isinstance(v, tuple):
        return "×".join(_value(x) for x in v) if v else "()"
    return str(v)


def _where(layer: LayerResult) -> str:
    idx = ".".join(str(p) for p in layer.path)
    name = f" {layer.name!r}" if layer.name else ""
    return f"layer {idx}{name}, line {layer.line + 1}"


def _kind_word(layer: LayerResult) -> str:
    return {
        "block": "block",
        "sequential": "group",
        "repeat": "repeat",
        "residual": "residual",
        "add": "sum of branches",
        "multiply": "product of branches",
        "concat": "concatenation",
        "branch": "branch",
    }.get(layer.category, "")


def layer_hover(layer: LayerResult, analysis: Analysis, markdown: bool = True) -> str:
    """A layer (or composite) under the cursor."""
    t = _Text(markdown)
    title = layer.type if layer.category != "branch" else f"{layer.type} ({_kind_word(layer)})"
    written = f" (written {layer.written_type})" if layer.written_type and layer.written_type != layer.type else ""
    word = f" {_kind_word(layer)}" if layer.category not in ("layer", "branch") else ""
    t.para(f"{t.bold(title)}{written}{word} · {_where(layer)} · {t.bold(count(layer.param_count) + ' params')}")
    if layer.instance:
        t.para(t.italic(f"Counts of {layer.instance} (the first use in this file)."))
    if layer.category == "layer":
        _leaf(t, layer, analysis)
    else:
        _composite(t, layer, analysis)
    return t.render()


def compute_para(t: _Text, layer: LayerResult, analysis: Analysis) -> None:
    """MACs with their formula, FLOPs, the output's bytes and the receptive field (one sample)."""
    if layer.category == "layer" or layer.macs is None:
        macs = compute.mac_text(layer) if layer.mac_formula is None else f"{layer.mac_formula.text()} MACs"
    elif layer.category == "repeat" and layer.repeat is not None and len(layer.children) == 1:
        macs = f"{layer.repeat:,} × {count(layer.children[0].macs)} = {layer.macs:,} MACs"
    else:
        parts = [count(c.macs) for c in layer.parts]
        macs = (" + ".join(parts) + " = " if len(parts) > 1 else "") + f"{layer.macs:,} MACs"
    flops = compute.flops(layer.macs)
    size = compute.output_bytes(layer, analysis.totals)
    tot = analysis.totals
    memory = (
        "?" if size is None else f"{size:,} bytes ({compute.si(size, 'B') + ', ' if size >= 1000 else ''}{tot.dtype})"
    )
    definition = "MACs: multiply-accumulates of the dense products, one sample; FLOPs = 2 × MACs."
    if analysis.dialect == "ultralytics":  # rows are counted as Ultralytics runs them in eval (docs/compute.md)
        field = "? (not traced through Ultralytics rows)"
        definition += f" The eval forward pass at imgsz {analysis.imgsz}."
    else:
        field = compute.field_text(analysis.fields.of(layer), long=True)
    t.para(
        f"{t.bold('MACs')} {t.code(macs)} · {t.bold('FLOPs')} {count(flops)}",
        f"{t.bold('Output memory')} {memory}",
        f"{t.bold('Receptive field')} {field}",
        t.italic(definition),
    )


def _leaf(t: _Text, layer: LayerResult, analysis: Analysis) -> None:
    tensors = [f"{t.code(p.name)} {shapes.fmt(p.shape)} = {p.numel:,}" for p in layer.params]
    if layer.formula is not None:
        t.bullets(f"{t.bold('Parameters')} {t.code(layer.formula.text())}", tensors)
    elif layer.param_count is None:
        t.para(f"{t.bold('Parameters')} ? (an input size or argument is unknown: see the diagnostics)")
    if not layer.trainable and layer.param_count:
        t.para(f"Frozen (trainable: false): its {layer.param_count:,} params are non-trainable.")
    if layer.buffers:
        items = ", ".join(f"{b.name} {b.numel:,}" for b in layer.buffers)
        t.para(f"{t.bold('Buffers')} (state, not parameters): {items} = {sum(b.numel for b in layer.buffers):,}")
    if layer.notes:
        t.para(*(t.italic(n) for n in layer.notes))
    _output(t, layer)
    compute_para(t, layer, analysis)
    kind = registry.lookup(layer.type)
    inferred = {a.name for a in kind.args if a.infer} if kind else set()
    sizes = [_origin(t, a) for name, a in layer.arguments.items() if name in inferred]
    if sizes:
        t.bullets(t.bold("Input sizes"), sizes)
    others = [f"{name} {_value(a.value)} ({_how(a)})" for name, a in layer.arguments.items() if name not in inferred]
    if others:
        t.para(f"{t.bold('Arguments')} " + " · ".join(others))


def _how(a: Argument) -> str:
    return {"written": "written", "default": "default", "inferred": "inferred"}[a.origin.how]


def _origin(t: _Text, a: Argument) -> str:
    return f"{t.code(a.name)} = {_value(a.value)}: {a.origin.describe()}"


def _output(t: _Text, layer: LayerResult) -> None:
    line = f"{t.bold('Output')} {t.code(shapes.fmt(layer.output_shape))}"
    if layer.input_shape is not None:
        line += f" from input {t.code(shapes.fmt(layer.input_shape))}"
    t.bullets(line, [t.code(s.text()) for s in layer.shape_steps])


def _composite(t: _Text, layer: LayerResult, analysis: Analysis) -> None:
    if layer.category == "repeat" and layer.repeat is not None:
        once = _sum_of(layer.children)
        t.para(
            f"{t.bold('Parameters')} {t.code(f'{layer.repeat:,} × {count(once)} = {count(layer.param_count)}')}"
            if once is not None and layer.param_count == once * layer.repeat
            else f"{t.bold('Parameters')} {count(layer.param_count)} over {layer.repeat:,} repetitions"
        )
    else:
        parts = [count(c.param_count) for c in layer.children]
        if len(parts) > 1:
            t.para(f"{t.bold('Parameters')} {t.code(' + '.join(parts) + ' = ' + count(layer.param_count))}")
    if layer.trainable_count is not None and layer.param_count and layer.trainable_count != layer.param_count:
        t.para(f"Trainable {layer.trainable_count:,} · non-trainable {layer.param_count - layer.trainable_count:,}")
    if layer.buffer_count:
        t.para(f"{t.bold('Buffers')} (state, not parameters): {layer.buffer_count:,}")
    _output(t, layer)
    compute_para(t, layer, analysis)
    if layer.category == "block":
        args = [
            f"{t.code(a.name)} = {_value(a.value)}: the block input's channels"
            if name == "in_channels"
            else _origin(t, a)
            for name, a in layer.arguments.items()
        ]
        t.bullets(t.bold("Arguments"), args)
    rows = list(_rows(layer.children, 0))
    if rows:
        shown = rows[:MAX_ROWS]
        body = [r for r, _ in shown]
        t.table(["#", "Layer", "Params", "MACs", "Output", "Formula"], body, right={2, 3})
        if len(rows) > MAX_ROWS:
            t.para(t.italic(f"… {len(rows) - MAX_ROWS} more rows."))


def _rows(layers: list[LayerResult], depth: int):
    for layer in layers:
        idx = ".".join(str(p) for p in layer.path)
        label = ("· " * depth) + layer.type + (f" '{layer.name}'" if layer.name else "")
        if layer.repeat is not None:
            label += f" ×{layer.repeat:,}"
        formula = layer.formula.text() if layer.formula else ""
        macs = count(layer.macs)
        yield [idx, label, count(layer.param_count), macs, shapes.fmt(layer.output_shape), formula], layer
        yield from _rows(layer.children, depth + 1)


def _sum_of(layers: list[LayerResult]) -> int | None:
    total = 0
    for layer in layers:
        if layer.param_count is None:
            return None
        total += layer.param_count
    return total


def model_hover(analysis: Analysis, markdown: bool = True) -> str:
    """The model summary, on `layers:` or `name:`."""
    t = _Text(markdown)
    tot = analysis.totals
    io = f"input {t.code(shapes.fmt(analysis.input_shape))} → output {t.code(shapes.fmt(analysis.output_shape))}"
    t.para(f"{t.bold(analysis.name or 'Model')} · {io}")
    lines = [f"{t.bold('Total params')} {count(tot.params)}"]
    if tot.trainable != tot.params or tot.non_trainable:
        lines.append(f"Trainable {count(tot.trainable)} · non-trainable {count(tot.non_trainable)}")
    if tot.buffers:
        lines.append(f"Buffers (not parameters) {count(tot.buffers)}")
    if tot.size_mb is not None:
        lines.append(f"Size {tot.size_mb:,.2f} MB ({tot.dtype}, {tot.bytes_per_param} bytes per parameter)")
    t.para(*lines)
    _model_compute(t, analysis)
    leaves = [
        layer for layer in analysis.walk() if layer.category == "layer" and not layer.foreign and layer.param_count
    ]
    seen: set[tuple[int, ...]] = set()
    biggest = []
    for layer in sorted(leaves, key=lambda x: -(x.param_count or 0)):
        if layer.path in seen:
            continue
        seen.add(layer.path)
        biggest.append(layer)
        if len(biggest) == BIGGEST:
            break
    if biggest:
        rows = []
        for layer in biggest:
            share = f"{100 * layer.param_count / tot.params:.1f}%" if tot.params else ""  # type: ignore[operator]
            rows.append(
                [".".join(map(str, layer.path)), layer.type, str(layer.line + 1), count(layer.param_count), share]
            )
        t.para(t.bold("Biggest layers"))
        t.table(["#", "Layer", "Line", "Params", "Share"], rows, right={2, 3, 4})
    errors = sum(1 for d in analysis.diagnostics if d.severity == Severity.ERROR)
    if errors:
        t.para(t.italic(f"{errors} error{'s' if errors != 1 else ''} in this file: counts after them may be ?."))
    return t.render()


def _model_compute(t: _Text, analysis: Analysis) -> None:
    """The model's MACs, FLOPs, all activations and the training estimate, one sample."""
    tot = analysis.totals

    def both(n: int | None, unit: str = "") -> str:
        exact = count(n) + (" bytes" if unit else "")
        return exact if n is None or n < 1000 else f"{exact} ({compute.si(n, unit)})"

    t.para(
        f"{t.bold('MACs')} {both(tot.macs)} · {t.bold('FLOPs')} {both(tot.flops)}, one sample",
        f"{t.bold('Activations')}, all outputs: {both(tot.activation_bytes, 'B')} · "
        f"{t.bold('saved for backward')}, training estimate: {both(compute.saved_bytes(tot), 'B')}",
    )


def block_definition_hover(name: str, first_use: LayerResult | None, analysis: Analysis, markdown: bool = True) -> str:
    """A block's name in `blocks:`: the table of its first use."""
    if first_use is None:
        t = _Text(markdown)
        t.para(f"{t.bold(name)} block · not used in this file: its counts appear once a layer list uses it.")
        return t.render()
    return layer_hover(first_use, analysis, markdown)
