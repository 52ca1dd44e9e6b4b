"""One layer of one kind analysed after a model `input`, with the values PyTorch gives for it.

Each ``test_kinds_*.py`` module lists its ``CASES``; ``test_kind_coverage.py`` fails when a kind of
the registry has none. Expected values are worked out by hand in the comments beside each case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from paramlens.engine import analyse, lookup
from paramlens.engine.analysis import LayerResult

Dims = tuple[int | None, ...]


@dataclass(frozen=True)
class Case:
    layer: str  # the layer as written after `- `, e.g. "Conv2d: {out_channels: 16, kernel_size: 3}"
    input: str  # the model's `input:` as written, e.g. "[3, 32, 32]"
    params: int
    out: Dims
    formula: str  # Formula.text(), as hovers show it
    buffers: int = 0
    tensors: tuple[tuple[str, Dims], ...] = ()  # (name, shape) of each parameter, when the case checks them
    steps: tuple[str, ...] | None = None  # the output-shape steps, when the case checks them
    notes: tuple[str, ...] | None = None
    args: dict[str, object] = field(default_factory=dict)  # resolved argument values to check

    @property
    def type_name(self) -> str:
        match = re.match(r"[A-Za-z0-9_]+", self.layer)
        assert match is not None, self.layer
        return match.group(0)

    @property
    def kind(self) -> str:
        """The canonical kind the written type resolves to."""
        kind = lookup(self.type_name)
        assert kind is not None, self.type_name
        return kind.name

    def __str__(self) -> str:
        return f"{self.layer} on {self.input}"


def analyse_case(case: Case) -> LayerResult:
    """Analyse the case's one-layer model; it must come out without any diagnostic."""
    analysis = analyse(f"input: {case.input}\nlayers:\n  - {case.layer}\n")
    assert [d.message for d in analysis.diagnostics] == []
    [layer] = analysis.layers
    return layer


def check(case: Case) -> None:
    layer = analyse_case(case)
    assert layer.type == case.kind
    assert layer.param_count == case.params
    assert layer.trainable_count == case.params
    assert layer.buffer_count == case.buffers
    assert sum(t.numel for t in layer.buffers) == case.buffers
    assert layer.output_shape == case.out
    assert layer.formula is not None
    assert layer.formula.text() == case.formula
    assert layer.formula.value == case.params
    if case.tensors:
        assert [(t.name, t.shape) for t in layer.params] == list(case.tensors)
    if case.steps is not None:
        assert [s.text() for s in layer.shape_steps] == list(case.steps)
    if case.notes is not None:
        assert layer.notes == case.notes
    for name, value in case.args.items():
        assert layer.arguments[name].value == value, name
