"""The analysis: what every face of paramlens (CLI, language server, exporter) renders.

Plain dataclasses, no LSP types. Positions are 0-based lines and code-point columns, as PyYAML
marks them; converting to a client's units happens at the edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from math import prod
from typing import Any, Literal

from .shapes import Shape


@dataclass(frozen=True, slots=True)
class Span:
    """A range in the document: 0-based start and end (exclusive) line and character."""

    start_line: int
    start_char: int
    end_line: int
    end_char: int

    def contains(self, line: int, char: int) -> bool:
        if (line, char) < (self.start_line, self.start_char):
            return False
        return (line, char) <= (self.end_line, self.end_char)


class Severity(IntEnum):
    """LSP's numbering, so the server maps it one to one."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @property
    def label(self) -> str:
        return {1: "error", 2: "warning", 3: "info", 4: "hint"}[self.value]


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a diagnostic (the layer an inferred value came from)."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A machine-readable remedy that editors offer as a quick fix.

    ``replace``: put ``text`` over ``span``; ``delete``: remove ``span``;
    ``insert``: put ``text`` at the start of ``span``.
    """

    title: str
    action: Literal["replace", "delete", "insert"]
    span: Span
    text: str = ""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True, slots=True)
class Tensor:
    """One learnable tensor or buffer of a layer, e.g. ``weight`` of shape (16, 3, 3, 3)."""

    name: str
    shape: tuple[int, ...]
    trainable: bool = True

    @property
    def numel(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a resolved argument's value came from."""

    how: Literal["written", "default", "inferred"]
    # the layer that produced an inferred value (None: the model's `input`); a reference, not its text,
    # so that results reused for a later version of the document describe it where it is now
    source: LayerResult | None = field(default=None, compare=False, repr=False)
    input_span: Span | None = None  # the `input` key, for values inferred from the model input

    @property
    def layer(self) -> str | None:
        """``layer 3 (Conv2d, line 7)`` for inferred values."""
        return self.source.label if self.source is not None else None

    @property
    def span(self) -> Span | None:
        """Where the value came from: the producing layer's type, or the `input` key."""
        return self.source.type_span if self.source is not None else self.input_span

    def describe(self) -> str:
        if self.how == "inferred":
            return f"inferred from {self.layer}" if self.layer else "inferred from the input"
        return "written in the file" if self.how == "written" else "default"


@dataclass(frozen=True, slots=True)
class Argument:
    """A resolved argument of a layer."""

    name: str
    value: Any
    origin: Origin
    span: Span | None = None  # the value as written, when it was
    expr: str | None = None  # a `$name` / `${…}` reference as written, for the exporter's block classes


@dataclass(frozen=True, slots=True)
class Formula:
    """A parameter count in symbols and in numbers: ``(k_h × k_w × C_in + 1) × C_out`` ..."""

    symbolic: str
    numeric: str
    value: int

    def text(self) -> str:
        if self.symbolic == self.numeric:
            return f"{self.value:,}"
        if self.numeric == str(self.value):
            return f"{self.symbolic} = {self.value:,}"
        return f"{self.symbolic} = {self.numeric} = {self.value:,}"


@dataclass(frozen=True, slots=True)
class ShapeStep:
    """How one output dimension follows from the input: ``H_out = ⌊(H + 2p − …) / s⌋ + 1 = … = 32``."""

    symbolic: str
    numeric: str
    value: int

    def text(self) -> str:
        if self.numeric == str(self.value):
            return f"{self.symbolic} = {self.value}"
        return f"{self.symbolic} = {self.numeric} = {self.value}"


LayerCategory = Literal["layer", "block", "sequential", "repeat", "residual", "add", "multiply", "concat", "branch"]


@dataclass(frozen=True, slots=True)
class UseSite:
    """The use of a block that the layers of its definition show (the outermost use in `layers`). Not
    the use's result itself: that holds the layers, and a reference back would make a cycle that only
    the cyclic collector frees."""

    type: str
    line: int


@dataclass(slots=True)
class LayerResult:
    """One layer (or composite) of the model, analysed."""

    type: str  # canonical kind name, a construct (Residual...) or a block name
    category: LayerCategory
    span: Span  # the whole layer item
    type_span: Span  # where its type is written; hints go at the end of this line
    path: tuple[int, ...]  # 1-based position in the tree: (3,), (3, 2) ...
    name: str | None = None
    written_type: str | None = None  # the spelling in the file (an alias such as Conv2D)
    arguments: dict[str, Argument] = field(default_factory=dict)
    params: tuple[Tensor, ...] = ()
    buffers: tuple[Tensor, ...] = ()
    trainable: bool = True
    formula: Formula | None = None
    shape_steps: tuple[ShapeStep, ...] = ()
    input_shape: Shape | None = None
    output_shape: Shape | None = None
    children: Sequence[LayerResult] = ()  # a list when there are any (most layers have none: no list each)
    # Totals over this layer and its children; None where a part is unknown.
    param_count: int | None = 0
    trainable_count: int | None = 0
    buffer_count: int | None = 0
    repeat: int | None = None  # Repeat's times
    # Repeat: the children of each repetition walked; later ones are the same as the last (steady state)
    repetitions: Sequence[list[LayerResult]] = ()
    notes: tuple[str, ...] = ()  # extra facts for the hover (Keras' counting, ...)
    use: UseSite | None = field(default=None, compare=False, repr=False)  # in a block's definition
    foreign: bool = False  # defined in an imported file: not placed in this document

    @property
    def instance(self) -> str | None:
        """For layers inside a block definition: which use of the block they show."""
        if self.use is None:
            return None
        return f"{self.use.type} used at line {self.use.line + 1}"

    @property
    def line(self) -> int:
        """0-based line where the layer's type is written."""
        return self.type_span.start_line

    @property
    def label(self) -> str:
        """``layer 3 (Conv2d 'conv1', line 7)``: how messages name a layer (1-based line)."""
        idx = ".".join(str(p) for p in self.path)
        name = f" '{self.name}'" if self.name else ""
        return f"layer {idx} ({self.type}{name}, line {self.line + 1})"

    @property
    def parts(self) -> Sequence[LayerResult]:
        """The layers below it, for what does not depend on where they are (types, counts, shapes): a use
        that shares an earlier use's analysis answers without copying its layers."""
        return self.children

    def walk(self):
        """This layer and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class Totals:
    params: int | None
    trainable: int | None
    non_trainable: int | None
    buffers: int | None
    dtype: str = "float32"
    bytes_per_param: int = 4

    @property
    def size_bytes(self) -> int | None:
        return None if self.params is None else self.params * self.bytes_per_param

    @property
    def size_mb(self) -> float | None:
        size = self.size_bytes
        return None if size is None else size / 1024 / 1024


@dataclass(slots=True)
class Analysis:
    """Everything paramlens knows about one document."""

    is_architecture: bool  # a mapping with `layers` or `blocks`; other YAML is left alone
    name: str | None = None
    input_shape: Shape | None = None
    output_shape: Shape | None = None
    layers: list[LayerResult] = field(default_factory=list)
    totals: Totals = field(default_factory=lambda: Totals(0, 0, 0, 0))
    diagnostics: list[Diagnostic] = field(default_factory=list)
    layers_key: Span | None = None  # the `layers:` key, where the model total is shown
    name_key: Span | None = None
    input_key: Span | None = None
    blocks: dict[str, Span] = field(default_factory=dict)  # block name -> its definition key
    block_args: dict[str, tuple[str, ...]] = field(default_factory=dict)  # usable blocks (imported too) -> args
    imports: tuple[str, ...] = ()  # import paths as written (resolved by the caller)
    memo: Any = field(default=None, repr=False, compare=False)  # for analysing the next version faster
    # per top-level layer, the blocks used in it at any depth (None when not known): finding each
    # block's first use then walks only the layers that use it first
    top_blocks: list[frozenset[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == Severity.ERROR for d in self.diagnostics)

    def walk(self):
        for layer in self.layers:
            yield from layer.walk()
