"""Building a row's sub-modules out of the registry's torch kinds.

A builder (modules/*.py) composes a row as Ultralytics' constructor does: `Conv` is a Conv2d without
bias, a BatchNorm2d and the default activation; a C2f is its cv1, its bottlenecks and its cv2. Each
torch layer is evaluated by its own kind's rule (the PyTorch-proven counts and shapes of the native
format); the composites only add up their parts. Positions are the row's: every sub-module lies in it.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from .. import compute, registry, shapes
from ..analysis import LayerResult, Span, Tensor
from ..context import LayerContext, RuleError
from ..shapes import Shape


class BuildError(Exception):
    """A row that Ultralytics cannot build (a failed assertion, a bad argument): the message says why."""

    def __init__(self, message: str, code: str = "invalid-arguments") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


_CACHE: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_CACHE_MAX = 8192


def pair(v: Any) -> tuple[int, int]:
    """An int or a pair as the (h, w) tuple the kinds take."""
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    if isinstance(v, list | tuple) and len(v) == 2 and all(isinstance(i, int) and not isinstance(i, bool) for i in v):
        return (v[0], v[1])
    raise BuildError(f"a size must be an integer or a pair of integers, not {v!r}")


def autopad(k: Any, p: Any = None, d: int = 1) -> Any:
    """Ultralytics' `autopad`: 'same' padding for odd kernels."""
    if d > 1:
        k = d * (k - 1) + 1 if isinstance(k, int) else [d * (x - 1) + 1 for x in k]
    if p is None:
        p = k // 2 if isinstance(k, int) else [x // 2 for x in k]
    return p


def leaf_macs(kind: Any, ctx: LayerContext) -> tuple[int | None, Any]:
    """A torch layer's MACs and their formula, by its kind's rule (as the native walker counts them)."""
    formula = ctx.mac_formula
    return (formula.value if formula is not None else 0 if kind.macs.startswith("0") else None), formula


def runs(layer: LayerResult, times: int, note: str) -> LayerResult:
    """A sub-module the eval forward pass runs ``times`` times (0: not at all, a loss's branch): a copy, with its
    sub-modules, of ``times`` × its MACs and outputs (the counts are the eval pass', docs/compute.md)."""
    out = copy(layer)
    out.macs = 0 if times == 0 else None if layer.macs is None else layer.macs * times
    out.activations = 0 if times == 0 else None if layer.activations is None else layer.activations * times
    out.notes = (*layer.notes, note)
    if layer.children:
        out.children = [runs(c, times, note) for c in layer.children]
    return out


def training_only(layer: LayerResult) -> LayerResult:
    return runs(layer, 0, "run in training only: no MACs or outputs in the eval forward pass")


class Net:
    """What the builders of one analysis share: the row being built (its spans and index) and the
    default activation (`activation:` at the top of the file, SiLU otherwise)."""

    __slots__ = ("act", "act_params", "legacy", "path", "span", "sppf_legacy", "type_span")

    def __init__(self, act: tuple[str, dict[str, Any]] = ("SiLU", {})) -> None:
        self.act = act  # kind name and its arguments
        self.act_params = 0  # parameters of the one shared default activation (PReLU: 1)
        self.legacy = True  # Detect heads: the v8 classification branch (no C3k2, A2C2f or C2fCIB row before)
        self.sppf_legacy = True  # the row being built is an SPPF of at most 3 arguments (see block.SPPF)
        self.span = self.type_span = Span(0, 0, 0, 0)
        self.path: tuple[int, ...] = (0,)

    # --- torch layers, by their kinds ------------------------------------------------------------

    def leaf(self, kind_name: str, name: str, x: Shape | None, trainable: bool = True, **values: Any) -> LayerResult:
        """One torch layer evaluated by its kind's rule; ``values`` in the kind's normalised form."""
        key = (kind_name, x, tuple(values.items()))
        found = _CACHE.get(key)
        if found is None:
            kind = registry.KINDS[kind_name]
            full = {n: a.value for n, a in registry.defaults(kind).items()}
            full.update(values)
            ctx = LayerContext(kind, x, full, frozenset(values))
            try:
                kind.rule(ctx)
            except RuleError as exc:
                raise BuildError(f"{kind_name} {name}: {exc.message}", exc.code) from None
            found = (
                tuple(ctx.params), tuple(ctx.buffers), ctx.formula, tuple(ctx.steps), ctx.out, *leaf_macs(kind, ctx)
            )
            if len(_CACHE) < _CACHE_MAX:
                _CACHE[key] = found
        params, buffers, formula, steps, out, macs, mac_formula = found
        if not trainable:
            params = tuple(Tensor(t.name, t.shape, False) for t in params)
        count = sum(t.numel for t in params)
        result = LayerResult(
            kind_name, "layer", self.span, self.type_span, self.path, name=name, params=params, buffers=buffers,
            trainable=trainable, formula=formula, shape_steps=steps, input_shape=x, output_shape=out,
            param_count=count, trainable_count=count if trainable else 0,
            buffer_count=sum(t.numel for t in buffers), macs=macs, mac_formula=mac_formula,
            activations=shapes.numel(out),
        )  # fmt: skip
        return result

    def conv2d(
        self, name: str, x: Shape, c2: int, k: Any, s: Any = 1, p: Any = 0, g: int = 1, d: Any = 1, bias: bool = True,
        trainable: bool = True,
    ) -> LayerResult:  # fmt: skip
        c1 = x[0]
        return self.leaf(
            "Conv2d", name, x, trainable, in_channels=c1, out_channels=c2, kernel_size=pair(k), stride=pair(s),
            padding=pair(p), dilation=pair(d), groups=g, bias=bias,
        )  # fmt: skip

    def bn(self, name: str, x: Shape) -> LayerResult:
        return self.leaf("BatchNorm2d", name, x, num_features=x[0])

    def activation(self, name: str, x: Shape, act: Any = True) -> LayerResult:
        """``act`` as Ultralytics takes it: True (the default activation), False (Identity) or a kind name."""
        if act is True:
            kind, values = self.act
            result = self.leaf(kind, name, x, **values)
            if self.act_params and result.param_count:
                result.notes = ("the one default activation of the model, shared by every Conv: counted once",)
            return result
        if isinstance(act, str) and act in registry.KINDS:  # a builder's own activation (HGBlock: ReLU)
            return self.leaf(act, name, x)
        return self.leaf("Identity", name, x)  # anything but True or a module is nn.Identity()

    def linear(self, name: str, x: Shape, out: int, bias: bool = True) -> LayerResult:
        return self.leaf("Linear", name, x, in_features=x[-1], out_features=out, bias=bias)

    def layernorm(self, name: str, x: Shape) -> LayerResult:
        return self.leaf("LayerNorm", name, x, normalized_shape=(x[-1],))

    def maxpool(self, name: str, x: Shape, k: Any, s: Any = None, p: Any = 0, ceil: bool = False) -> LayerResult:
        return self.leaf(
            "MaxPool2d", name, x, kernel_size=pair(k), stride=pair(k if s is None else s), padding=pair(p),
            ceil_mode=ceil,
        )  # fmt: skip

    def upsample(self, name: str, x: Shape, scale: Any) -> LayerResult:
        return self.leaf("Upsample", name, x, scale_factor=scale)

    def identity(self, name: str, x: Shape) -> LayerResult:
        return self.leaf("Identity", name, x)

    def tensors(self, name: str, type: str, x: Shape | None, out: Shape | None, *tensors: Tensor) -> LayerResult:
        """A sub-module that is no kind (a plain nn.Parameter, a ZeroPad2d): its own tensors, no dense product;
        a plain parameter produces no output (activations 0)."""
        count = sum(t.numel for t in tensors)
        trainable = sum(t.numel for t in tensors if t.trainable)
        return LayerResult(
            type, "layer", self.span, self.type_span, self.path, name=name, params=tensors, input_shape=x,
            output_shape=out, param_count=count, trainable_count=trainable, buffer_count=0, macs=0,
            activations=0 if x is None and out is None else shapes.numel(out),
        )  # fmt: skip

    # --- composites --------------------------------------------------------------------------------

    def group(
        self, type: str, name: str, children: list[LayerResult], x: Shape | None, out: Shape | None,
        own: int | None = 0,
    ) -> LayerResult:  # fmt: skip
        """A module made of sub-modules: its counts are theirs added up (the shared default activation once);
        ``own``: the MACs of its own dense products, outside its sub-modules (attention's QKᵀ and A·V; None:
        unknown). Its activations are those of its sub-modules (the tensors its own code makes are not)."""
        params, trainable, buffers = self.sums(children)
        return LayerResult(
            type, "block", self.span, self.type_span, self.path, name=name, input_shape=x, output_shape=out,
            children=children, param_count=params, trainable_count=trainable, buffer_count=buffers,
            macs=compute.total([own, *(c.macs for c in children)]),
            activations=compute.total(c.activations for c in children),
        )  # fmt: skip

    def sums(self, children: list[Any]) -> tuple[int, int, int]:
        """The parameters, trainable parameters and buffers of sub-modules, the shared default activation
        counted once."""
        params = trainable = buffers = 0
        for c in children:
            params += c.param_count or 0
            trainable += c.trainable_count or 0
            buffers += c.buffer_count or 0
        if self.act_params:
            extra = self.shared_acts(children) - 1
            if extra > 0:
                params -= extra * self.act_params
                trainable -= extra * self.act_params
        return params, trainable, buffers

    def shared_acts(self, children: list[LayerResult]) -> int:
        """How many of these sub-modules hold the shared default activation (each counts it once)."""
        n = 0
        for c in children:
            if c.notes and c.category == "layer" and c.notes[0].startswith("the one default activation"):
                n += 1
            elif c.children:
                n += 1 if self.shared_acts(c.children) else 0
        return n
