"""What a layer kind's rule sees and fills in: resolved arguments and the input shape in,
tensors, formulas and the output shape out. Rules stay free of positions and diagnostics."""

from __future__ import annotations

from typing import Any

from .analysis import Formula, Product, ShapeStep, Tensor
from .registry import Kind
from .shapes import Shape


class RuleError(Exception):
    """Raised by ``LayerContext.fail``: the layer is invalid; the walker turns it into a diagnostic."""

    def __init__(self, message: str, arg: str | None, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.arg = arg
        self.code = code


class LayerContext:
    __slots__ = (
        "buffers",
        "formula",
        "inp",
        "kind",
        "mac_formula",
        "notes",
        "out",
        "params",
        "steps",
        "values",
        "written",
    )

    def __init__(self, kind: Kind, inp: Shape | None, values: dict[str, Any], written: frozenset[str]) -> None:
        self.kind, self.inp, self.values = kind, inp, values
        self.written = written  # arguments written in the file
        self.params: list[Tensor] = []
        self.buffers: list[Tensor] = []
        self.formula: Formula | None = None
        self.steps: list[ShapeStep] = []
        self.out: Shape | None = None
        self.notes: list[str] = []
        self.mac_formula: Formula | Product | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def param(self, name: str, *shape: int) -> None:
        self.params.append(Tensor(name, tuple(shape)))

    def buffer(self, name: str, *shape: int) -> None:
        self.buffers.append(Tensor(name, tuple(shape)))

    def count(self, symbolic: str, numeric: str) -> None:
        """Record the parameter formula; its value is the sum of the tensors recorded."""
        self.formula = Formula(symbolic, numeric, sum(t.numel for t in self.params))

    def macs(self, symbolic: str, numeric: str, value: int) -> None:
        """Record the MACs of one sample's forward pass (the dense products; docs/compute.md)."""
        self.mac_formula = Formula(symbolic, numeric, value)

    def step(self, symbolic: str, numeric: str, value: int) -> None:
        self.steps.append(ShapeStep(symbolic, numeric, value))

    def output(self, shape: Shape | None) -> None:
        self.out = shape

    def note(self, text: str) -> None:
        self.notes.append(text)

    def fail(self, message: str, arg: str | None = None, code: str = "invalid-value") -> None:
        raise RuleError(message, arg, code)

    @property
    def spatial_in(self) -> tuple[int | None, ...] | None:
        """The spatial sizes of the input (all but the channel dimension)."""
        if self.inp is None or (self.inp and self.inp[0] is ...):
            return None
        return tuple(self.inp[1:])  # type: ignore[arg-type]
