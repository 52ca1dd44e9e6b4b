"""The analysis: what every face of paramlens (CLI, language server, exporter) renders.

Plain records, no LSP types: named tuples for values, classes with slots for what the analysis builds
up (no dataclasses: the command line imports the engine on every run, and creating dataclasses, with the
``inspect`` module they import, was a third of its start-up). Positions are 0-based lines and code-point
columns, as PyYAML marks them; converting to a client's units happens at the edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from math import prod
from typing import Any, Literal, NamedTuple

from .shapes import Shape


class Span(NamedTuple):
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


class Related(NamedTuple):
    """Another place that explains a diagnostic (the layer an inferred value came from)."""

    span: Span
    message: str


class Fix(NamedTuple):
    """A machine-readable remedy that editors offer as a quick fix.

    ``replace``: put ``text`` over ``span``; ``delete``: remove ``span``;
    ``insert``: put ``text`` at the start of ``span``.
    """

    title: str
    action: Literal["replace", "delete", "insert"]
    span: Span
    text: str = ""


class Diagnostic(NamedTuple):
    code: str
    severity: Severity
    message: str
    span: Span
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()


class Tensor(NamedTuple):
    """One learnable tensor or buffer of a layer, e.g. ``weight`` of shape (16, 3, 3, 3)."""

    name: str
    shape: tuple[int, ...]
    trainable: bool = True

    @property
    def numel(self) -> int:
        return prod(self.shape)


class Origin(NamedTuple):
    """Where a resolved argument's value came from."""

    how: Literal["written", "default", "inferred"]
    # the layer that produced an inferred value (None: the model's `input`); a reference, not its text,
    # so that results reused for a later version of the document describe it where it is now
    source: LayerResult | None = None
    input_span: Span | None = None  # the `input` key, for values inferred from the model input

    def __eq__(self, other: object) -> bool:  # not the source's results: equal origins name equal places
        return isinstance(other, Origin) and (self.how, self.input_span) == (other.how, other.input_span)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.how, self.input_span))

    def __repr__(self) -> str:
        return f"Origin({self.how!r}, input_span={self.input_span!r})"

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


class Argument(NamedTuple):
    """A resolved argument of a layer."""

    name: str
    value: Any
    origin: Origin
    span: Span | None = None  # the value as written, when it was
    expr: str | None = None  # a `$name` / `${…}` reference as written, for the exporter's block classes


class Formula(NamedTuple):
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


class Product:
    """MACs as a product, ``H_out × W_out × …``, with the factors kept and the texts joined only when
    read (a hover, the JSON): the analysis of every layer does not pay for strings nobody shows. Reads
    like a ``Formula``: ``.symbolic``, ``.numeric``, ``.value``, ``text()``."""

    __slots__ = ("factors", "symbols", "value")

    def __init__(self, symbols: Sequence[str], factors: Sequence[int], value: int) -> None:
        self.symbols, self.factors, self.value = symbols, factors, value

    @property
    def symbolic(self) -> str:
        return " × ".join(self.symbols)

    @property
    def numeric(self) -> str:
        return " × ".join(str(f) for f in self.factors)

    def text(self) -> str:
        return Formula(self.symbolic, self.numeric, self.value).text()

    def __repr__(self) -> str:
        return f"Product({self.symbolic!r}, {self.numeric!r}, {self.value})"


class ShapeStep(NamedTuple):
    """How one output dimension follows from the input: ``H_out = ⌊(H + 2p − …) / s⌋ + 1 = … = 32``."""

    symbolic: str
    numeric: str
    value: int

    def text(self) -> str:
        if self.numeric == str(self.value):
            return f"{self.symbolic} = {self.value}"
        return f"{self.symbolic} = {self.numeric} = {self.value}"


LayerCategory = Literal["layer", "block", "sequential", "repeat", "residual", "add", "multiply", "concat", "branch"]


class UseSite(NamedTuple):
    """The use of a block that the layers of its definition show (the outermost use in `layers`). Not
    the use's result itself: that holds the layers, and a reference back would make a cycle that only
    the cyclic collector frees."""

    type: str
    line: int


class RowInfo(NamedTuple):
    """What only a row of an Ultralytics model file has (dialect "ultralytics"): its index, its parts'
    places, and what Ultralytics prints for it after parse_model's rewrites."""

    index: int  # the 0-based row number that `from` indices refer to
    from_: Any  # `from` as written: an int or a list of ints
    sources: tuple[int, ...]  # the rows `from` resolves to (-1: the input image)
    repeats: Any  # n after depth scaling (Ultralytics' printed `n` column)
    module: str  # the class path Ultralytics prints in its `module` column
    arguments: list[Any] | None  # the final constructor arguments (None: the row could not be read)
    arguments_text: str  # those arguments as Ultralytics prints them (`str(args)`)
    from_span: Span
    from_spans: tuple[Span, ...]  # each index of `from`
    n_span: Span
    args_span: Span
    c1: Any  # the input width Ultralytics gives the module (None: none injected, or unknown)
    c1_row: int | None  # the row that width is recorded for (-1: the input image)


class LayerResult:
    """One layer (or composite) of the model, analysed."""

    __slots__ = (  # noqa: RUF023 - the constructor's order, which reuse.py copies by
        "type",  # canonical kind name, a construct (Residual...) or a block name
        "category",
        "span",  # the whole layer item
        "type_span",  # where its type is written; hints go at the end of this line
        "path",  # 1-based position in the tree: (3,), (3, 2) ...
        "name",
        "written_type",  # the spelling in the file (an alias such as Conv2D)
        "arguments",
        "params",
        "buffers",
        "trainable",
        "formula",
        "shape_steps",
        "input_shape",
        "output_shape",
        "children",  # a list when there are any (most layers have none: no list each)
        "param_count",  # totals over this layer and its children; None where a part is unknown
        "trainable_count",
        "buffer_count",
        # compute and memory (engine/compute.py): MACs, over this layer and its children, None where unknown;
        # the MAC formula of a layer of the registry; the elements of all activations it produces (one
        # sample); what it keeps for backward (estimate); its receptive-field transform
        "macs",
        "mac_formula",
        "activations",
        "saved",
        "rf",
        "repeat",  # Repeat's times
        "repetitions",  # Repeat: the children of each repetition walked; later ones are as the last
        "notes",  # extra facts for the hover (Keras' counting, ...)
        "use",  # in a block's definition: the use it shows
        "foreign",  # defined in an imported file: not placed in this document
        "row",  # Ultralytics files: the row's RowInfo (None elsewhere)
    )

    def __init__(
        self,
        type: str,
        category: LayerCategory,
        span: Span,
        type_span: Span,
        path: tuple[int, ...],
        name: str | None = None,
        written_type: str | None = None,
        arguments: dict[str, Argument] | None = None,
        params: tuple[Tensor, ...] = (),
        buffers: tuple[Tensor, ...] = (),
        trainable: bool = True,
        formula: Formula | None = None,
        shape_steps: tuple[ShapeStep, ...] = (),
        input_shape: Shape | None = None,
        output_shape: Shape | None = None,
        children: Sequence[LayerResult] = (),
        param_count: int | None = 0,
        trainable_count: int | None = 0,
        buffer_count: int | None = 0,
        macs: int | None = 0,
        mac_formula: Formula | Product | None = None,
        activations: int | None = 0,
        saved: Any = None,
        rf: Any = None,
        repeat: int | None = None,
        repetitions: Sequence[list[LayerResult]] = (),
        notes: tuple[str, ...] = (),
        use: UseSite | None = None,
        foreign: bool = False,
        row: RowInfo | None = None,
    ) -> None:
        self.type, self.category, self.span, self.type_span, self.path = type, category, span, type_span, path
        self.name, self.written_type = name, written_type
        self.arguments = {} if arguments is None else arguments
        self.params, self.buffers, self.trainable = params, buffers, trainable
        self.formula, self.shape_steps = formula, shape_steps
        self.input_shape, self.output_shape = input_shape, output_shape
        self.children = children
        self.param_count, self.trainable_count, self.buffer_count = param_count, trainable_count, buffer_count
        self.macs, self.mac_formula, self.activations, self.saved, self.rf = macs, mac_formula, activations, saved, rf
        self.repeat, self.repetitions, self.notes = repeat, repetitions, notes
        self.use, self.foreign = use, foreign
        self.row = row

    def __repr__(self) -> str:
        return f"<{self.label}: {self.param_count} params>"

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


class Totals(NamedTuple):
    params: int | None
    trainable: int | None
    non_trainable: int | None
    buffers: int | None
    dtype: str = "float32"
    bytes_per_param: int = 4
    # compute and memory at batch size 1 (docs/compute.md); None where unknown
    macs: int | None = 0
    activations: int | None = 0  # elements of every layer's output, "all activations"
    saved: int | None = 0  # bytes kept for backward per sample (estimate)
    saved_fixed: int = 0  # bytes kept for backward whatever the batch (normalisation statistics)

    @property
    def flops(self) -> int | None:
        return None if self.macs is None else 2 * self.macs

    @property
    def activation_bytes(self) -> int | None:
        return None if self.activations is None else self.activations * self.bytes_per_param

    @property
    def size_bytes(self) -> int | None:
        return None if self.params is None else self.params * self.bytes_per_param

    @property
    def size_mb(self) -> float | None:
        size = self.size_bytes
        return None if size is None else size / 1024 / 1024


class Analysis:
    """Everything paramlens knows about one document."""

    __slots__ = (  # noqa: RUF023 - in the order of the constructor
        "is_architecture",  # a mapping with `layers` or `blocks`; other YAML is left alone
        "name",
        "input_shape",
        "output_shape",
        "layers",
        "totals",
        "diagnostics",
        "layers_key",  # the `layers:` key, where the model total is shown
        "name_key",
        "input_key",
        "blocks",  # block name -> its definition key
        "block_args",  # usable blocks (imported too) -> their arguments
        "imports",  # import paths as written (resolved by the caller)
        "memo",  # for analysing the next version faster
        # per top-level layer, the blocks used in it at any depth (None when not known): finding each
        # block's first use then walks only the layers that use it first
        "top_blocks",
        # Ultralytics files (dialect "ultralytics"): the scale built, the image size of the shapes, every
        # scale's total, and the `scales:` key
        "dialect",
        "scale",
        "imgsz",
        "_scales",  # see `scales`
        "scales_key",
        "_fields",  # the receptive fields, folded when first asked (compute.FieldFolder)
    )

    def __init__(self, is_architecture: bool, diagnostics: list[Diagnostic] | None = None) -> None:
        self.is_architecture = is_architecture
        self.name: str | None = None
        self.input_shape: Shape | None = None
        self.output_shape: Shape | None = None
        self.layers: list[LayerResult] = []
        self.totals = Totals(0, 0, 0, 0)
        self.diagnostics: list[Diagnostic] = [] if diagnostics is None else diagnostics
        self.layers_key: Span | None = None
        self.name_key: Span | None = None
        self.input_key: Span | None = None
        self.blocks: dict[str, Span] = {}
        self.block_args: dict[str, tuple[str, ...]] = {}
        self.imports: tuple[str, ...] = ()
        self.memo: Any = None
        self.top_blocks: list[frozenset[str]] | None = None
        self.dialect = "paramlens"
        self.scale: str | None = None
        self.imgsz: int | None = None
        self._scales: Any = None
        self.scales_key: Span | None = None
        self._fields: Any = None

    def __repr__(self) -> str:
        return f"<Analysis {self.name!r}: {len(self.layers)} layers, {len(self.diagnostics)} diagnostics>"

    @property
    def scales(self) -> dict[str, int | None] | None:
        """Every scale's total parameters (Ultralytics files with `scales:`; None otherwise). The other
        scales are built when first asked for: a keystroke's diagnostics do not wait for them."""
        if callable(self._scales):
            self._scales = self._scales()
        return self._scales

    @scales.setter
    def scales(self, value: Any) -> None:
        self._scales = value

    @property
    def scales_ready(self) -> bool:
        """Whether `scales` is at hand (no other scale left to count)."""
        return not callable(self._scales)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == Severity.ERROR for d in self.diagnostics)

    def walk(self):
        for layer in self.layers:
            yield from layer.walk()

    @property
    def fields(self):
        """The receptive fields of the layers (compute.FieldFolder), folded once per version."""
        if self._fields is None:
            from .compute import FieldFolder

            self._fields = FieldFolder(self)
        return self._fields
