"""The walk over an architecture: channel inference, shapes, counts and diagnostics.

Layers are evaluated in order, each seeing the output of the one before (the *flow*). Composite
constructs (Sequential, Repeat, Residual, Add, Multiply, Concat) and block uses recurse. After an
error the flow is marked *broken*: what follows gets unknown shapes, never a cascade of errors.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import collector, compute, registry, shapes
from .analysis import (
    Analysis,
    Argument,
    Diagnostic,
    Fix,
    LayerResult,
    Origin,
    Related,
    Severity,
    Span,
    Tensor,
    Totals,
)
from .constructs import Constructs, _expr
from .context import LayerContext, RuleError
from .definitions import DTYPE_BYTES, Block, read_blocks, read_header, read_imports
from .flow import Flow, Scope, _Budget
from .layout import COMMON_KEYS, CONSTRUCT_KEYS, CONSTRUCTS, Item, key_text, read_item  # noqa: F401 (CONSTRUCT_KEYS: lsp)
from .registry import MAX_SIZE, Kind
from .reuse import Entry, Instance, Memo, relocate
from .source import Parsed, node_span, normalise, parse
from .splice import Broken, Layers, Outline, Unspliceable, layers_of, recover_broken, splice
from .values import ValueError_, read, tag_error

TOP_KEYS = ("name", "input", "layers", "blocks", "imports", "dtype")
# Layer evaluations per analysis: BASE_BUDGET plus LINE_BUDGET per line of text. Proportional to the
# input, so real files of any size analyse while alias bombs and runaway repeats stop early.
BASE_BUDGET = 10_000
LINE_BUDGET = 20
MAX_DEPTH = 64  # nesting of composites and blocks
PASS_THROUGH = ("activation", "dropout", "norm", "shape")  # families whose shape-keeping layers set no size
_ULTRALYTICS = re.compile(r"^(?:backbone|head)\s*:", re.MULTILINE)  # cheap test before any parse
_TOP_WORD = re.compile(r"^\ufeff?(?:layers|blocks|input)\b", re.MULTILINE)

# (importing document's key or None, path as written) -> (resolved key, text); or why it cannot be read,
# completing "it …" ("is a FIFO (named pipe), not a regular file"); or None: it cannot be read, no reason given
Resolver = Callable[[str | None, str], tuple[str, str] | str | None]


class _Walker(Constructs):
    """One walk over a document's layers: what it has reported and found so far."""

    __slots__ = (
        "attempts",
        "blocks",
        "budget",
        "diagnostics",
        "dtype_bytes",
        "evaluations",
        "input_span",
        "instances",
        "reported",
        "reusable",
        "seen",
        "top_blocks",
        "used",
    )  # fmt: skip

    def __init__(self, budget: int, blocks: dict[str, Block] | None = None, evaluations: int = 0) -> None:
        self.budget, self.evaluations = budget, evaluations
        self.dtype_bytes = 4  # the file's dtype: the bytes of one activation element
        self.blocks: dict[str, Block] = {} if blocks is None else blocks
        self.input_span: Span | None = None
        self.diagnostics: list[Diagnostic] = []
        self.seen: set[Any] = set()
        self.reported: dict[Any, Diagnostic] = {}  # the diagnostic kept for each key
        self.attempts: list[Diagnostic] = []  # every report, before de-duplication
        self.instances: dict[tuple[Any, ...], Instance] = {}  # block uses analysed so far
        self.reusable: dict[tuple[Any, ...], Instance] | None = None  # block uses of the previous version
        self.top_blocks: list[frozenset[str]] = []  # the blocks each top-level layer uses
        self.used: set[str] = set()  # the blocks used since the top-level layer began (or all)

    # --- diagnostics ---------------------------------------------------------------------

    def report(
        self,
        code: str,
        message: str,
        span: Span,
        scope: Scope | None = None,
        *,
        severity: Severity = Severity.ERROR,
        related: tuple[Related, ...] = (),
        fixes: tuple[Fix, ...] = (),
        once: Any = None,
    ) -> None:
        """Record a diagnostic, once per code and place (``once``: another key for "the same")."""
        if scope is not None and scope.source is not None and scope.use is not None:
            # inside a block of another file: say so where the block is used
            message = f"In block {scope.stack[-1]} imported from {scope.source}: {message}"
            span, related, fixes = scope.use, (), ()
        self.add(Diagnostic(code, severity, message, span, related, fixes), once)

    def add(self, diagnostic: Diagnostic, once: Any = None) -> None:
        self.attempts.append(diagnostic)
        key = once if once is not None else (diagnostic.code, diagnostic.span)
        if key in self.seen:
            return
        self.seen.add(key)
        self.reported[key] = diagnostic
        self.diagnostics.append(diagnostic)

    def producer_text(self, flow: Flow) -> str:
        if flow.producer is not None:
            return flow.producer.label
        return "the model input" + (f" (line {self.input_span.start_line + 1})" if self.input_span else "")

    def producer_related(self, flow: Flow, message: str) -> tuple[Related, ...]:
        if flow.producer is not None and not flow.producer.foreign:
            return (Related(flow.producer.type_span, message),)
        if flow.producer is None and self.input_span is not None:
            return (Related(self.input_span, message),)
        return ()

    # --- lists of layers ------------------------------------------------------------------

    def walk_list(
        self, node: Node | None, flow: Flow, scope: Scope, path: tuple[int, ...]
    ) -> tuple[list[LayerResult], Flow]:
        if node is None or (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            return [], flow
        if not isinstance(node, SequenceNode):
            self.report(
                "invalid-value",
                "`layers` must be a list of layers (each line starting with `- `).",
                node_span(node),
                scope,
            )
            return [], flow._replace(shape=None, broken=True)
        results = []
        for i, item_node in enumerate(node.value, 1):
            result, flow = self.walk_item(item_node, flow, scope, (*path, i))
            results.append(result)
        return results, flow

    def walk_top(
        self, layers: Layers, flow: Flow, text: str, before: Memo | None, after: Memo
    ) -> tuple[list[LayerResult], Flow]:
        """The top-level `layers`, reusing the results of layers that did not change (see reuse.py)."""
        results = []
        seen_producer: Any = ...
        top = layers.positions[0][3] if layers.positions else 0
        for index, (_dash, start, end, line, column) in enumerate(layers.positions, 1):
            producer = flow.producer
            if producer is not seen_producer:  # the producer as the texts derived from it see it
                seen_producer = producer
                if producer is not None:
                    at = producer.type_span
                    p_index, p_line = producer.path[0], at.start_line
                    # written in a block's definition (above the layers, or imported): it stays where it is
                    fixed = producer.foreign or p_line < top
                    p_rest = (producer.path[1:], at.start_char, at.end_char, producer.type, producer.name, fixed)
            source = None if producer is None else (p_index - index, p_line if fixed else p_line - line, p_rest)
            key = (text[start:end], column, flow.shape, flow.broken, source)
            entry = before.find(key, *layers.place(index - 1), layers.base) if before is not None else None
            if entry is not None and entry.attempts and (entry.line != line or entry.index != index):
                entry = None  # its messages name lines and positions: analyse it again
            if entry is None:
                entry = self.analyse_top(layers.node(index - 1), flow, line, index, key)
                layers.nodes[index - 1] = None  # analysed: its nodes can go
            else:
                entry = self.reuse_top(entry, producer, line, index)
            after.keep(entry)
            self.top_blocks.append(entry.blocks)
            results.append(entry.result)
            flow = Flow(entry.out_shape, entry.out_producer, entry.out_broken)
        return results, flow

    def analyse_top(self, node: Node, flow: Flow, line: int, index: int, key: tuple[Any, ...]) -> Entry:
        first, evaluations = len(self.attempts), self.evaluations
        self.used = set()
        result, out = self.walk_item(node, flow, Scope(), (index,))
        last = result.span.end_line if result.span.end_char else result.span.end_line - 1
        attempts = tuple(self.attempts[first:])
        evaluations = self.evaluations - evaluations
        used = frozenset(self.used)
        return Entry(result, out.shape, out.broken, out.producer, flow.producer, attempts, evaluations, line, index,
                     max(line, last), used, key)  # fmt: skip

    def reuse_top(self, entry: Entry, producer: LayerResult | None, line: int, index: int) -> Entry:
        self.evaluations += entry.evaluations
        for diagnostic in entry.attempts:
            self.add(diagnostic)
        passes = entry.out_producer is not entry.result
        if entry.line == line and entry.index == index:
            if not passes or entry.out_producer is producer:
                return entry
            # its inferred sizes name the producer it was analysed with: an equal one, maybe older
            result, producer_in = entry.result, entry.producer_in
        else:
            result, producer_in = relocate(entry, line, index, producer)
        last = entry.last_line + line - entry.line
        out_producer = producer if passes else result
        return Entry(result, entry.out_shape, entry.out_broken, out_producer, producer_in, entry.attempts,
                     entry.evaluations, line, index, last, entry.blocks, entry.key)  # fmt: skip

    def walk_item(self, node: Node, flow: Flow, scope: Scope, path: tuple[int, ...]) -> tuple[LayerResult, Flow]:
        self.evaluations += 1
        if self.evaluations > self.budget:
            raise _Budget(
                f"The architecture expands to more than {self.budget:,} layers (through YAML aliases, "
                "blocks or Repeat) for a file of this size; paramlens stops here. Check the aliases and repeats.",
                node_span(node),
            )
        if scope.depth > MAX_DEPTH:
            raise _Budget(
                f"Layers nest more than {MAX_DEPTH} levels deep (blocks and composites inside each other); "
                "paramlens stops here. Flatten the structure.",
                node_span(node),
            )
        item = read_item(node)
        tag = tag_error(node)
        base = LayerResult(
            type="?",
            category="layer",
            span=item.span,
            type_span=item.type_span,
            path=path,
            input_shape=flow.shape,
            use=scope.site,
            foreign=scope.source is not None,
        )
        if tag is not None:
            self.report(tag.code, tag.message, item.span, scope)
            return self.unknown(base, flow)
        if item.problem is not None:
            where = node_span(item.problem_node) if item.problem_node is not None else item.type_span
            self.report("invalid-value", item.problem, where, scope)
            return self.unknown(base, flow)
        type_text = item.type_text
        assert type_text is not None
        if type_text.startswith("$"):
            try:
                type_text = read(item.type_node, scope.env)
            except ValueError_ as exc:
                self.report(exc.code, exc.message, item.type_span, scope)
                return self.unknown(base, flow)
            if not isinstance(type_text, str):
                self.report(
                    "invalid-value", f"{item.type_text} is {type_text!r}, not a layer type.", item.type_span, scope
                )
                return self.unknown(base, flow)
        base.type = base.written_type = type_text
        common = self.read_common(item, base, scope)
        if common is None:
            return self.unknown(base, flow)
        name, frozen = common
        base.name = name
        inner = scope._replace(frozen=True) if frozen and not scope.frozen else scope
        kind = registry.lookup(type_text) if type_text not in self.blocks else None
        known = kind is not None or type_text in CONSTRUCTS or type_text in self.blocks
        if known and item.positional is not None and not self.read_positional(item, kind, scope):
            return self.unknown(base, flow)
        if type_text in CONSTRUCTS:
            base.category = type_text.lower()  # type: ignore[assignment]
            return self.walk_construct(type_text, item, base, flow, inner)
        if type_text in self.blocks:
            return self.walk_block(self.blocks[type_text], item, base, flow, inner)
        if kind is None:
            self.unknown_layer(type_text, item, scope)
            return self.unknown(base, flow)
        return self.walk_layer(kind, item, base, flow, inner)

    def read_positional(self, item: Item, kind: Kind | None, scope: Scope) -> bool:
        """`- MaxPool2d: 2` is `- MaxPool2d: {kernel_size: 2}`: the value goes to the kind's first
        required argument (or its first argument that is not inferred)."""
        assert item.positional is not None
        first = None
        if kind is not None:
            first = next((a for a in kind.args if a.required), None) or next(
                (a for a in kind.args if a.infer is None), None
            )
        if first is None:
            name = item.type_text
            self.report(
                "invalid-value",
                f"The arguments of {name} must be a mapping, e.g. `- {name}: {{...}}`.",
                node_span(item.positional),
                scope,
            )
            return False
        item.args = {first.name: (item.type_node, item.positional)}
        return True

    def count(self, base: LayerResult, ctx: LayerContext, scope: Scope) -> None:
        """The layer's tensors and count, as its rule recorded them."""
        trainable = not scope.frozen
        base.trainable = trainable
        base.params = tuple(Tensor(t.name, t.shape, trainable) for t in ctx.params)
        base.buffers = tuple(ctx.buffers)
        base.formula = ctx.formula
        base.param_count = sum(t.numel for t in base.params)
        base.trainable_count = base.param_count if trainable else 0
        base.buffer_count = sum(t.numel for t in base.buffers)

    def counted(self, base: LayerResult, ctx: LayerContext, scope: Scope, flow: Flow) -> tuple[LayerResult, Flow]:
        """A layer whose input does not fit but whose parameters follow from its arguments: its count
        is known, its output is not, nor its MACs and activations (PyTorch would not run it)."""
        self.count(base, ctx, scope)
        base.output_shape = None
        base.macs = base.activations = None
        return base, Flow(None, base, broken=True)

    def unknown(self, base: LayerResult, flow: Flow) -> tuple[LayerResult, Flow]:
        base.param_count = base.trainable_count = base.buffer_count = None
        base.macs = base.activations = None
        base.output_shape = None
        return base, Flow(None, base, broken=True)

    def read_common(self, item: Item, base: LayerResult, scope: Scope) -> tuple[str | None, bool] | None:
        name, frozen = None, False
        for key in COMMON_KEYS:
            if key not in item.args:
                continue
            _knode, vnode = item.args[key]
            try:
                value = read(vnode, scope.env)
            except ValueError_ as exc:
                self.report(exc.code, exc.message, node_span(vnode), scope)
                return None
            if key == "name":
                if not isinstance(value, str | int) or isinstance(value, bool):
                    self.report("invalid-value", "name must be a text.", node_span(vnode), scope)
                    return None
                name = str(value)
            elif not isinstance(value, bool):
                self.report("invalid-value", "trainable must be true or false.", node_span(vnode), scope)
                return None
            else:
                frozen = not value
        return name, frozen

    def unknown_layer(self, type_text: str, item: Item, scope: Scope) -> None:
        again = self.reported.get(("unknown-layer", item.type_span))
        if again is not None:  # met again (an alias, another use): suggest only once, but say it was met
            self.add(again)
            return
        candidates = [*registry.type_names(), *self.blocks, *CONSTRUCTS]
        hits = registry.suggest(type_text, candidates)
        span = item.type_span
        fixes = tuple(Fix(f"Replace with {h}", "replace", span, h) for h in hits)
        hint = f" Did you mean {' or '.join(hits)}?" if hits else " See `paramlens kinds` for the layer types."
        self.report("unknown-layer", f"Unknown layer type {type_text!r}.{hint}", span, scope, fixes=fixes)

    # --- one layer of the registry ----------------------------------------------------------

    def walk_layer(
        self, kind: Kind, item: Item, base: LayerResult, flow: Flow, scope: Scope
    ) -> tuple[LayerResult, Flow]:
        base.type = kind.name
        inp = flow.shape
        values: dict[str, Any] = {}
        args: dict[str, Argument] = {}
        spans: dict[str, Span] = {}
        written: set[str] = set()
        bad = False
        for key, (knode, vnode) in item.args.items():
            if key in COMMON_KEYS:
                continue
            arg = kind.arg(key)
            if arg is None:
                names = [a.name for a in kind.args]
                self.unknown_argument(kind.name, key, names, names + [al for a in kind.args for al in a.aliases],
                                      knode, scope)  # fmt: skip
                bad = True
                continue
            if arg.name in written:
                self.report("invalid-value", f"{arg.name} is written twice (as {key!r} too).", node_span(knode), scope)
                bad = True
                continue
            vspan = node_span(vnode)
            try:
                raw = read(vnode, scope.env)
            except ValueError_ as exc:
                if not (exc.code == "missing-channels" and flow.broken):  # no cascade after an error
                    self.report(exc.code, exc.message, vspan, scope)
                bad = True
                continue
            value, error = registry.coerce(arg, raw, kind.spatial)
            if error is not None:
                self.report("invalid-value", f"{error}.", vspan, scope)
                bad = True
                continue
            written.add(arg.name)
            values[arg.name] = value
            spans[arg.name] = vspan
            args[arg.name] = Argument(arg.name, value, Origin("written"), vspan, _expr(vnode))
        if bad:
            return self.unknown(base, flow)
        missing = [a.name for a in kind.args if a.required and a.name not in written]
        if missing:
            example = ", ".join(f"{m}: …" for m in missing)
            self.report(
                "missing-argument",
                f"{kind.name} needs {', '.join(missing)}: add `{example}` to its arguments.",
                item.type_span,
                scope,
            )
            return self.unknown(base, flow)
        for name, default in registry.defaults(kind).items():
            if name not in values:
                values[name] = default.value
                args[name] = default
        # the input must have a rank the layer accepts
        r = shapes.rank(inp)
        misfit = kind.ranks is not None and r is not None and r not in kind.ranks
        if misfit:
            expected = " or ".join(_rank_text(n) for n in kind.ranks)  # type: ignore[union-attr]
            self.report(
                "invalid-value",
                f"{kind.name} expects an input {expected}, but {self.producer_text(flow)} outputs "
                f"[{shapes.fmt(inp, ', ')}] ({r} dimension{'s' if r != 1 else ''}).{_rank_hint(kind, r)}",
                item.type_span,
                scope,
                related=self.producer_related(flow, f"output [{shapes.fmt(inp, ', ')}]"),
            )
            # the count may still follow from the written arguments: the rule runs without the input,
            # and a size it would have inferred from it stays unknown
            inp, flow = None, Flow(None, flow.producer, broken=True)
        if kind.ranks is not None and r is None and inp is not None:
            inp = None  # e.g. (..., 64) into a convolution: nothing spatial is known
        placeholder = self.infer_sizes(kind, item, values, args, flow, scope)
        ctx = LayerContext(kind, inp, values, frozenset(written))
        try:
            kind.rule(ctx)
        except RuleError as exc:
            if placeholder is None:
                span = spans.get(exc.arg or "", item.type_span)
                self.report(exc.code, f"{kind.name}: {exc.message}", span, scope)
                base.arguments = args
                # a rule records its parameters before checking them against the input: those stay known
                return self.counted(base, ctx, scope, flow) if ctx.formula is not None else self.unknown(base, flow)
            ctx.out = None
        base.arguments = args
        if ctx.out is not None and any(isinstance(d, int) and d > MAX_SIZE for d in ctx.out):
            self.report(
                "shape-error",
                f"{kind.name}: the output [{shapes.fmt(ctx.out, ', ')}] is larger than any "
                "tensor can be (over 2^48 along a dimension).",
                item.type_span,
                scope,
            )
            return self.counted(base, ctx, scope, flow)
        if misfit:
            return self.counted(base, ctx, scope, flow) if placeholder is None else self.unknown(base, flow)
        base.output_shape = ctx.out
        base.shape_steps = tuple(ctx.steps)
        base.notes = tuple(ctx.notes)
        self.leaf_compute(base, kind, ctx)
        if placeholder is not None:  # an input size is missing: no count, but the shape goes on
            base.param_count = base.trainable_count = None
            base.buffer_count = None
            base.macs, base.mac_formula = None, None
            return base, self.after(base, flow, flow.broken or ctx.out is None, kind)
        self.count(base, ctx, scope)
        # unknown parts of the output may still come from an upstream error: stay quiet until all is known
        return base, self.after(base, flow, flow.broken and not shapes.known(ctx.out), kind)

    def leaf_compute(self, base: LayerResult, kind: Kind, ctx: LayerContext) -> None:
        """MACs, activations, what backward keeps and the receptive field of one layer of the registry."""
        zero, saved, rf = compute.leaf_constants(kind)
        formula = ctx.mac_formula
        base.mac_formula = formula
        base.macs = formula.value if formula is not None else 0 if zero else None
        base.activations = shapes.numel(ctx.out)
        if saved is compute.RULE:
            saved = compute.leaf_saved(kind, ctx.values, ctx.inp, ctx.out, self.dtype_bytes)
        base.saved = saved
        base.rf = compute.leaf_field(kind, ctx.values, ctx.inp) if rf is compute.RULE else rf

    def unknown_argument(self, owner: str, key: str, names: list[str], spellings: list[str], knode: Node,
                         scope: Scope) -> None:  # fmt: skip
        """``key`` is no argument of ``owner`` (a kind, or a block): the closest of its ``spellings`` offered
        as fixes, and its ``names`` listed."""
        hits = registry.suggest(key, spellings)
        span = node_span(knode)
        hint = f" Did you mean {' or '.join(hits)}?" if hits else ""
        self.report(
            "unknown-argument",
            f"{owner} has no argument {key!r}.{hint} Its arguments: {', '.join(names) or 'none'}.",
            span,
            scope,
            fixes=tuple(Fix(f"Replace with {h}", "replace", span, h) for h in hits),
        )

    def out_bytes(self, layer: LayerResult) -> int | None:
        n = shapes.numel(layer.output_shape)
        return None if n is None else n * self.dtype_bytes

    def after(self, result: LayerResult, flow: Flow, broken: bool, kind: Kind | None = None) -> Flow:
        """The flow out of a layer. It becomes the producer of the sizes that follow unless it only passes
        them through (an activation, dropout or norm that keeps the shape): "inferred from" then names
        the layer that set them, and stays close by, so results of unchanged layers can be reused."""
        passes = kind is not None and kind.family in PASS_THROUGH and result.output_shape == flow.shape
        producer = flow.producer if passes and flow.shape is not None else result
        return Flow(result.output_shape, producer, broken)

    def origin(self, flow: Flow) -> Origin:
        """An input size inferred from the flow: which layer (or the input line) produced it."""
        if flow.producer is not None:
            return Origin("inferred", flow.producer)
        return Origin("inferred", None, self.input_span)

    def infer_sizes(
        self, kind: Kind, item: Item, values: dict[str, Any], args: dict[str, Argument], flow: Flow, scope: Scope
    ) -> str | None:
        """Fill the input sizes from the flow, check written ones; return the name of one that is
        missing (a stand-in value then lets the output shape be computed)."""
        missing = None
        for arg in kind.args:
            if arg.infer is None:
                continue
            inferred = shapes.channels(flow.shape) if arg.infer == "channels" else shapes.last(flow.shape)
            if arg.type == "shape" and inferred is not None:
                inferred = (inferred,)
            origin = self.origin(flow)
            if arg.name in args and args[arg.name].origin.how == "written":
                if arg.type != "shape" and inferred is not None and values[arg.name] != inferred:
                    self.mismatch(kind, arg.name, values[arg.name], inferred, args[arg.name].span, flow, scope)
                continue
            if inferred is not None:
                values[arg.name] = inferred
                args[arg.name] = Argument(arg.name, inferred, origin)
                continue
            missing = arg.name
            values[arg.name] = (values.get("groups") or 1) if arg.type != "shape" else (1,)
            if not flow.broken:
                self.missing_channels(kind, item, arg.name, flow, scope)
        return missing

    def mismatch(
        self, kind: Kind, name: str, written: Any, inferred: Any, span: Span | None, flow: Flow, scope: Scope
    ) -> None:
        unit = "channels" if kind.arg(name).infer == "channels" else "features"  # type: ignore[union-attr]
        source = self.producer_text(flow)
        detail = ""
        if flow.producer is not None and flow.producer.type == "Flatten" and flow.producer.input_shape:
            middle = flow.producer.input_shape
            if shapes.rank(middle) and len(middle) > 1:
                detail = f" ({shapes.fmt(middle, '×')} = {inferred:,})"
        message = (
            f"{name} is {written}, but {source} outputs {inferred:,} {unit}{detail}. "
            f"Set {name}: {inferred}, or remove it to infer it."
        )
        assert span is not None
        self.report(
            "channel-mismatch",
            message,
            span,
            scope,
            related=self.producer_related(flow, f"outputs {inferred:,} {unit}"),
            fixes=(Fix(f"Set {name} to {inferred}", "replace", span, str(inferred)),),
        )

    def missing_channels(self, kind: Kind, item: Item, name: str, flow: Flow, scope: Scope) -> None:
        where = "the first dimension of `input`" if kind.arg(name).infer == "channels" else "the input's last dimension"  # type: ignore[union-attr]
        self.report(
            "missing-channels",
            f"{kind.name} needs {name}, and it cannot be inferred: nothing before it gives {where}. "
            f"Add `{name}: …` to this layer, or an `input:` shape at the top of the file.",
            item.type_span,
            scope,
        )


def _rank_text(n: int) -> str:
    return {1: "[C]", 2: "[C, L] (or [L, H] for sequences)", 3: "[C, H, W]", 4: "[C, D, H, W]"}.get(n, f"of {n} dims")


def _rank_hint(kind: Kind, r: int) -> str:
    if kind.family == "conv" and r == 1:
        return " Add an Unflatten before it, or use Linear."
    if kind.ranks and r > max(kind.ranks):
        return " Add a Flatten (or pooling) before it."
    return ""


# --- the document -------------------------------------------------------------------------------


def analyse(
    text: str,
    *,
    key: str | None = None,
    resolve: Resolver | None = None,
    memo: Any = None,
    scale: str | None = None,
    imgsz: int | None = None,
    dtype: str | None = None,
) -> Analysis:
    """Analyse an architecture document. ``key`` names it for imports (and, for an Ultralytics model
    file, gives the scale its name implies); ``resolve`` reads imported files (the engine does no I/O of
    its own). ``memo``, the ``analysis.memo`` of an earlier version of the same document, lets unchanged
    layers be reused instead of analysed again. ``scale`` and ``imgsz`` apply to Ultralytics files.
    ``dtype`` (the command line's ``--dtype``) overrides the file's ``dtype:``: every byte count, the
    saved-for-backward estimate too, is what the file would give if it said so (no memo then)."""
    with collector.paused():  # the parse allocates a node per value; a collection in the middle can triple the time
        if _ULTRALYTICS.search(text) is not None:
            found = _ultralytics(text, key, None if dtype else memo, scale, imgsz)
            if found is not None:
                if dtype is not None:  # its rows count no saved bytes: the element size is all
                    found.totals = found.totals._replace(dtype=dtype, bytes_per_param=DTYPE_BYTES[dtype])
                return found
        return _analyse(text, key, resolve, memo if isinstance(memo, Memo) and dtype is None else None, dtype)


def _ultralytics(text: str, key: str | None, memo: Any, scale: str | None, imgsz: int | None) -> Analysis | None:
    """The analysis of an Ultralytics model file (a mapping with `backbone` and `head` rows), or None
    for any other text. Its front-end is imported only for such a file."""
    text = normalise(text)
    parsed = parse(text)
    from . import ultralytics

    if ultralytics.looks_like(parsed.root) or (parsed.partial and ultralytics.looks_like_text(text)):
        return ultralytics.analyse(parsed, text, key, scale, imgsz, memo)
    return None


def _analyse(
    text: str, key: str | None, resolve: Resolver | None, memo: Memo | None, dtype: str | None = None
) -> Analysis:
    text = normalise(text)  # one character for one: positions are the same in the text as given
    outline = memo.outline if memo is not None else None
    spliced = _spliced(outline, text) if outline is not None else None
    if spliced is not None:
        with contextlib.suppress(Unspliceable):  # an item that does not compose alone: parse it all
            return _analyse_tree(text, *spliced, key, resolve, memo)
    parsed = parse(text)
    layers, outline = layers_of(parsed, text)
    if outline is None and parsed.partial and memo is not None:
        outline = memo.outline  # typing on should splice against the text before the syntax error
    return _analyse_tree(text, parsed, layers, outline, key, resolve, memo, dtype)


def _spliced(outline: Outline, text: str) -> tuple[Parsed, Layers, Outline] | None:
    """The tree of ``text`` from the previous version's outline (splice.py), or None to parse it all."""
    try:
        found = splice(outline, text)
    except Broken as broken:  # a syntax error in the edited items: the text above it, as parse would give
        recovered = recover_broken(outline, text, broken.first)
        return None if recovered is None else (*recovered, outline)
    return None if found is None else (Parsed(found[0], []), found[1], found[2])


def _analyse_tree(
    text: str,
    parsed: Parsed,
    layers_found: Layers | None,
    outline: Outline | None,
    key: str | None,
    resolve: Resolver | None,
    memo: Memo | None,
    dtype_override: str | None = None,
) -> Analysis:
    root = parsed.root
    analysis = Analysis(is_architecture=False, diagnostics=list(parsed.diagnostics))
    if not isinstance(root, MappingNode):
        analysis.is_architecture = bool(parsed.diagnostics) and parsed.partial and _looks_like_architecture(text)
        return analysis
    top: dict[str, tuple[Node, Node]] = {}
    for k, v in root.value:
        text_key = key_text(k)
        if text_key is not None:
            top.setdefault(text_key, (k, v))
    if "layers" not in top and "blocks" not in top:
        analysis.is_architecture = parsed.partial and _looks_like_architecture(text)
        return analysis
    analysis.is_architecture = True
    walker = _Walker(budget=BASE_BUDGET + LINE_BUDGET * text.count("\n"))
    walker.seen.update((d.code, d.span) for d in parsed.diagnostics)
    written: set[str] = set()
    for k, _v in root.value:
        text_key = key_text(k)
        if text_key in written:
            message = f"{text_key} is written twice at the top level; only the first is analysed. Keep one."
            walker.report("invalid-value", message, node_span(k))
        elif text_key is not None and text_key not in TOP_KEYS:
            hits = registry.suggest(text_key, TOP_KEYS)
            walker.report(
                "unknown-key",
                f"Unknown top-level key {text_key!r}."
                + (f" Did you mean {hits[0]}?" if hits else "")
                + f" An architecture has {', '.join(TOP_KEYS)}.",
                node_span(k),
                severity=Severity.WARNING,
                fixes=tuple(Fix(f"Replace with {h}", "replace", node_span(k), h) for h in hits[:1]),
            )
        written.add(text_key or "")
    bytes_per_param, dtype = read_header(analysis, top, walker)
    if dtype_override is not None:
        bytes_per_param, dtype = DTYPE_BYTES[dtype_override], dtype_override
    walker.dtype_bytes = bytes_per_param
    imported: list[tuple[str, Any]] = []
    if resolve is not None:
        outer = resolve

        def resolve(importer: str | None, path: str) -> tuple[str, str] | str | None:
            found = outer(importer, path)
            imported.append((path, found))
            return found

    read_imports(analysis, top, walker, key, resolve)
    if "blocks" in top:
        read_blocks(top["blocks"][1], walker, None)
        analysis.blocks.update({n: node_span(b.key) for n, b in walker.blocks.items() if b.source is None})
    analysis.block_args = {n: tuple(b.args) for n, b in walker.blocks.items()}
    # an `input` that could not be read already has its error: stay quiet about missing channels
    flow = Flow(analysis.input_shape, broken="input" in top and analysis.input_shape is None)
    stopped = False
    before = after = None  # the memos of the previous version and of this one, when layers are reused
    if "layers" in top:
        analysis.layers_key = node_span(top["layers"][0])
        layers = top["layers"][1]
        try:
            if isinstance(layers, SequenceNode) and layers_found is not None:
                # what layers depend on besides themselves: the other top-level entries, as written
                # (not the text around `layers`: after a syntax error in it, that differs, and typing
                # on in the broken file should still reuse what came before the error)
                others = tuple(
                    (k.start_mark.line, text[k.start_mark.index : v.end_mark.index])
                    for k, v in root.value
                    if v is not layers
                )
                context = (others, key, tuple(imported))
                before = memo if memo is not None and memo.context == context else None
                count = len(layers_found.positions)
                after = (
                    before.next(context, outline, text, count) if before else Memo(context, outline=outline, text=text)
                )
                walker.reusable = before.instances if before is not None else None
                analysis.layers, flow = walker.walk_top(layers_found, flow, text, before, after)
                after.instances = _instances(walker.reusable, walker.instances)
                analysis.memo = after
                analysis.top_blocks = walker.top_blocks
            else:
                analysis.layers, flow = walker.walk_list(layers, flow, Scope(), ())
        except _Budget as stop:
            analysis.layers = []
            walker.report("too-large", stop.message, stop.span)
            flow = Flow(None, None, True)
            stopped = True
        _check_block_bodies(walker, analysis, before, after)
    analysis.output_shape = flow.shape
    ps = [layer.param_count for layer in analysis.layers]
    ts = [layer.trainable_count for layer in analysis.layers]
    bs = [layer.buffer_count for layer in analysis.layers]
    params, trainable = (None, None) if stopped else (compute.total(ps), compute.total(ts))
    macs = None if stopped else compute.total(layer.macs for layer in analysis.layers)
    activations = None if stopped else compute.total(layer.activations for layer in analysis.layers)
    saved = compute.chain([(layer.saved, layer.output_shape) for layer in analysis.layers], walker.dtype_bytes)
    n_in = shapes.numel(analysis.input_shape)
    in_bytes = None if n_in is None else n_in * bytes_per_param
    n_out = shapes.numel(analysis.output_shape)
    out_bytes = None if n_out is None else n_out * bytes_per_param
    saved_bytes, saved_fixed = (None, 0) if stopped else compute.model_saved(saved, in_bytes, out_bytes)
    analysis.totals = Totals(
        params,
        trainable,
        None if params is None or trainable is None else params - trainable,
        compute.total(bs),
        dtype,
        bytes_per_param,
        macs,
        activations,
        saved_bytes,
        saved_fixed,
    )
    analysis.diagnostics = analysis.diagnostics + walker.diagnostics
    analysis.diagnostics.sort(key=lambda d: (d.span.start_line, d.span.start_char))
    return analysis


def _instances(older: dict[tuple[Any, ...], Instance] | None, walked: dict[tuple[Any, ...], Instance]) -> dict:
    """The block uses the next version can reuse: those walked now and those of the versions before (a layer
    reused whole walks none of its uses, and an edit in it later needs them), started afresh when the old
    ones far outnumber the document's."""
    if not older or len(older) > 4 * len(walked) + 1024:
        return walked
    return {**older, **walked}


def _looks_like_architecture(text: str) -> bool:
    """For text that does not parse: a top-level layers, blocks or input key, even without its colon."""
    return "layers:" in text or "blocks:" in text or _TOP_WORD.search(text) is not None


_BODY_CODES = frozenset(
    ("unknown-layer", "unknown-argument", "undefined-argument", "invalid-expression", "unsupported-tag", "block-cycle")
)


def _check_block_bodies(walker: _Walker, analysis: Analysis, before: Memo | None, after: Memo | None) -> None:
    """A block that is defined but never used is still checked for what can be known without an
    input: unknown types and arguments. The checks depend only on the blocks and on which are unused,
    so the previous version's are taken when those did not change."""
    if not walker.blocks:
        return
    unused = frozenset(name for name, b in walker.blocks.items() if b.source is None and b.problem is None)
    if analysis.top_blocks is not None:  # known per top-level layer (reused ones remember theirs)
        unused = unused.difference(*analysis.top_blocks)
    else:
        unused -= walker.used  # no top-level layer reset it: every use in the document
    checked = before.checked if before is not None else None
    if checked is not None and checked[0] == unused and walker.evaluations + checked[2] <= walker.budget:
        found, evaluations, whole = checked[1], checked[2], True  # would not reach the budget now either
    else:
        found, evaluations, whole = _check_unused(walker, unused)
    if after is not None and whole:
        after.checked = (unused, found, evaluations)
    walker.evaluations += evaluations
    for d in found:
        if (d.code, d.span) not in walker.seen:
            walker.seen.add((d.code, d.span))
            walker.diagnostics.append(d)


def _check_unused(walker: _Walker, unused: frozenset[str]) -> tuple[list[Diagnostic], int, bool]:
    """The diagnostics of the unused blocks' bodies walked without an input, the evaluations that took,
    and whether all were walked (False: the analysis' budget ran out)."""
    found: list[Diagnostic] = []
    evaluations = walker.evaluations
    for block in walker.blocks.values():
        if block.name not in unused:
            continue
        env = {k: v for k, (v, _n) in block.args.items()}
        env["in_channels"] = None
        scope = Scope(env=env, stack=(block.name,), depth=1)
        # the checks share the analysis' budget: aliased bodies must not cost it once per block
        silent = _Walker(blocks=walker.blocks, evaluations=evaluations, budget=walker.budget)
        try:
            silent.walk_list(block.layers, Flow(None, None, True), scope, ())
        except _Budget:
            return found, silent.evaluations - walker.evaluations, False
        evaluations = silent.evaluations
        found += (d for d in silent.diagnostics if d.code in _BODY_CODES)
    return found, evaluations - walker.evaluations, True
