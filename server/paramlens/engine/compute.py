"""Compute and memory beside the parameters: how they compose over the layer tree.

Each layer kind's rule records its MACs (the multiply-accumulates of its dense products, one sample);
this module holds what composites do with them, the "saved for backward" estimate and the
receptive-field arithmetic (docs/compute.md has the definitions).

Receptive fields are kept as *transforms*: what a layer does to the field of its input, per spatial
dimension ``(A, B, S)`` with ``r_out = r_in + A·j_in``, ``2·c_out = 2·c_in + B·j_in`` (c the centre of
output 0's field, in input pixels) and ``j_out = j_in·S``. A transform depends only on the layer and its
input shape, so it is reused with the layer; the absolute field of a layer is the fold of the
transforms before it (``FieldFolder``), computed once per version when first shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from math import prod
from typing import TYPE_CHECKING, Any, NamedTuple

from . import shapes

if TYPE_CHECKING:
    from .analysis import Analysis, LayerResult

# --- MACs ---------------------------------------------------------------------------------------


def total(values) -> int | None:
    """The sum, or None when any part is unknown."""
    out = 0
    for v in values:
        if v is None:
            return None
        out += v
    return out


# --- saved for backward (estimate) ---------------------------------------------------------------


class Saved(NamedTuple):
    """What a layer (or a run of layers) keeps for backward, by the rules of docs/compute.md.

    Tensors at its boundary are counted by whoever composes it, once: ``ins`` (its input is kept),
    ``outs`` (its output is kept). ``inner``: bytes per sample of what it keeps inside; ``fixed``: bytes
    independent of the batch (normalisation statistics). ``view``: its output is its input's storage
    (Flatten, Identity ...): a tensor kept on either side is the same tensor.
    """

    ins: bool
    inner: int
    outs: bool
    fixed: int = 0
    view: bool = False


VIEW = Saved(False, 0, False, 0, True)
NOTHING = Saved(False, 0, False)


def chain(parts: Sequence[tuple[Saved | None, shapes.Shape | None]], size: int) -> Saved | None:
    """Layers one after another, each with its output shape (``size`` the bytes of an element): the
    tensor between two counted once if either side keeps it; views let the tensor through unchanged."""
    first: Saved | None = None
    inner = fixed = 0
    last: Saved | None = None
    last_out: shapes.Shape | None = None
    for saved, out in parts:
        if saved is None:
            return None
        fixed += saved.fixed
        if saved.view:
            continue
        if last is None:
            first = saved
        elif last.outs or saved.ins:
            n = shapes.numel(last_out)
            if n is None:
                return None
            inner += n * size
        inner += saved.inner
        last, last_out = saved, out
    if last is None:
        return Saved(False, inner, False, fixed, True)
    assert first is not None
    return Saved(first.ins, inner, last.outs, fixed)


class Run(NamedTuple):
    """What a run of layers adds up to: counts, MACs and activations (None when a part is unknown), what
    backward keeps and the field's transform (None for both when not folded)."""

    params: int | None
    trainable: int | None
    buffers: int | None
    macs: int | None
    activations: int | None
    saved: Saved | None
    rf: Transform


def run(children: Sequence[LayerResult], size: int, fold: bool = True) -> Run:
    """Layers one after another (a Sequential, a block's body): their parameters, MACs and activations
    summed, what backward keeps chained (``chain``, ``size`` the bytes of an element) and their fields
    composed, in one pass over them (this runs for every composite of every analysis). ``fold=False``:
    the sums only, for branches whose join folds the rest its own way."""
    params: int | None = 0
    trainable: int | None = 0
    buffers: int | None = 0
    macs: int | None = 0
    activations: int | None = 0
    rf: Transform = KEEP
    parts = []
    for c in children:
        if params is not None:
            params = None if c.param_count is None else params + c.param_count
        if trainable is not None:
            trainable = None if c.trainable_count is None else trainable + c.trainable_count
        if buffers is not None:
            buffers = None if c.buffer_count is None else buffers + c.buffer_count
        if macs is not None:
            macs = None if c.macs is None else macs + c.macs
        if activations is not None:
            activations = None if c.activations is None else activations + c.activations
        if fold:
            if c.rf is not KEEP:
                rf = then(rf, c.rf)
            parts.append((c.saved, c.output_shape))
    if not fold:
        return Run(params, trainable, buffers, macs, activations, None, None)
    return Run(params, trainable, buffers, macs, activations, chain(parts, size), rf)


def repeat(repetitions, outs: Sequence[shapes.Shape | None], remaining: int, size: int):
    """What backward keeps and the receptive field of a Repeat, and each repetition's ``Run``: the
    repetitions walked (their children and output shapes), then the last one ``remaining`` more times,
    arithmetically."""
    parts, rf, runs = [], KEEP, []
    step: Transform = KEEP
    for children, out in zip(repetitions, outs, strict=False):
        one = run(children, size)
        runs.append(one)
        parts.append((one.saved, out))
        step = one.rf
        rf = then(rf, step)
    if remaining and parts:
        last, out = parts[-1]
        n = shapes.numel(out)
        parts.append((repeated(last, None if n is None else n * size, remaining - 1), out))
        rf = then(rf, power(step, remaining))
    return chain(parts, size), rf, runs


def join(branches: Sequence[tuple[Saved | None, int | None]], keeps_inputs: bool) -> Saved | None:
    """Branches from one input, joined by an operation that keeps its inputs (``Multiply``) or not (add,
    concatenation): a new tensor, not kept by the join itself."""
    ins, inner, fixed = False, 0, 0
    for saved, out_bytes in branches:
        if saved is None:
            return None
        fixed += saved.fixed
        ins = ins or saved.ins
        inner += saved.inner
        if not saved.view and (saved.outs or keeps_inputs):
            if out_bytes is None:
                return None
            inner += out_bytes
        elif saved.view and keeps_inputs:
            ins = True  # the branch's output is the input itself
    return Saved(ins, inner, False, fixed)


def repeated(saved: Saved | None, out_bytes: int | None, times: int) -> Saved | None:
    """``times`` more runs of ``saved`` after itself (Repeat's steady state), arithmetically."""
    if saved is None or times == 0:
        return saved
    if saved.view:
        return Saved(False, saved.inner * (times + 1), False, saved.fixed * (times + 1), True)
    middle = 0
    if saved.outs or saved.ins:
        if out_bytes is None:
            return None
        middle = out_bytes
    return Saved(saved.ins, saved.inner * (times + 1) + middle * times, saved.outs, saved.fixed * (times + 1))


def model_saved(saved: Saved | None, in_bytes: int | None, out_bytes: int | None) -> tuple[int | None, int]:
    """The model's estimate: bytes per sample (None if unknown) and bytes independent of the batch."""
    if saved is None:
        return None, 0
    per_sample = saved.inner
    for kept, size in ((saved.ins, in_bytes), (saved.outs and not saved.view, out_bytes)):
        if kept:
            if size is None:
                return None, saved.fixed
            per_sample += size
    return per_sample, saved.fixed


# --- receptive fields -----------------------------------------------------------------------------

GLOBAL = "global"  # the field is the whole input


class Map(NamedTuple):
    """A transform of the field: per spatial dimension ``(A, B, S)`` (None: the identity, any rank), and
    whether the output keeps the input's layout (False after a Flatten: windows no longer mean pixels)."""

    dims: tuple[tuple[int, int, int], ...] | None
    layout: bool = True


KEEP = Map(None, True)
FLAT = Map(None, False)
Transform = Map | str | None  # a Map, GLOBAL, or None (the field depends on the position, or is unknown)


def then(first: Transform, second: Transform) -> Transform:
    """``first`` followed by ``second``."""
    if second is KEEP:  # the common cases first: most layers keep the field
        return first
    if first is KEEP:
        return second
    if second == GLOBAL or first == GLOBAL:
        return GLOBAL
    if first is None or second is None:
        return None
    assert isinstance(first, Map) and isinstance(second, Map)
    if second.dims is None:
        return Map(first.dims, first.layout and second.layout)
    if not first.layout:
        return None  # a window over a flattened layout: not a window of pixels
    if first.dims is None:
        return second
    if len(first.dims) != len(second.dims):
        return None
    dims = tuple(
        (a1 + a2 * s1, b1 + b2 * s1, s1 * s2)
        for (a1, b1, s1), (a2, b2, s2) in zip(first.dims, second.dims, strict=False)
    )
    return Map(dims, second.layout)


def union(transforms: Sequence[Transform]) -> Transform:
    """Branches from one input joined (Residual, Add, Concat ...): the widest field, exact when their
    jumps agree (else it depends on the position: None)."""
    if any(t == GLOBAL for t in transforms):
        return GLOBAL
    if not transforms or any(t is None for t in transforms):
        return None
    maps: list[Map] = transforms  # type: ignore[assignment]
    layout = all(m.layout for m in maps)
    sized = [m.dims for m in maps if m.dims is not None]
    if not sized:
        return Map(None, layout)
    rank = len(sized[0])
    if any(len(d) != rank for d in sized):
        return None
    dims = []
    for i in range(rank):
        column = [(0, 0, 1) if m.dims is None else m.dims[i] for m in maps]
        if len({s for _a, _b, s in column}) != 1:
            return None
        lo = min(b - a for a, b, _s in column)
        hi = max(b + a for a, b, _s in column)
        dims.append(((hi - lo) // 2, (hi + lo) // 2, column[0][2]))
    return Map(tuple(dims), layout)


def power(transform: Transform, times: int) -> Transform:
    """``transform`` applied ``times`` times, without a walk of the repetitions."""
    if times == 0:
        return KEEP
    if not isinstance(transform, Map) or transform.dims is None:
        return transform
    if all(s == 1 for _a, _b, s in transform.dims):
        return Map(tuple((a * times, b * times, 1) for a, b, _s in transform.dims), transform.layout)
    if times > 64:
        return None  # a jump of over 2^64 pixels: no input has that many
    out: Transform = KEEP
    for _ in range(times):
        out = then(out, transform)
    return out


class Field(NamedTuple):
    """A layer's receptive field in input pixels: per spatial dimension its size and jump, and twice the
    centre of output 0's field (``GLOBAL`` and None stand for themselves)."""

    size: tuple[int, ...]
    jump: tuple[int, ...]
    centre2: tuple[int, ...]
    layout: bool = True


def apply(transform: Transform, field: Field | str | None) -> Field | str | None:
    if transform == GLOBAL or field == GLOBAL:
        return GLOBAL
    if transform is None or field is None:
        return None
    assert isinstance(transform, Map) and isinstance(field, Field)
    if transform.dims is None:
        return field._replace(layout=field.layout and transform.layout)
    if not field.layout or len(transform.dims) != len(field.size):
        return None
    size, jump, centre = [], [], []
    for (a, b, s), r, j, c in zip(transform.dims, field.size, field.jump, field.centre2, strict=False):
        size.append(r + a * j)
        centre.append(c + b * j)
        jump.append(j * s)
    return Field(tuple(size), tuple(jump), tuple(centre), transform.layout)


def input_field(shape: shapes.Shape | None) -> Field | None:
    """The field of the model input's pixels: 1 wide, 1 apart. Only inputs with spatial dimensions
    ([C, L], [C, H, W], [C, D, H, W]) have one."""
    r = shapes.rank(shape)
    if r is None or r < 2:
        return None
    n = r - 1
    return Field((1,) * n, (1,) * n, (0,) * n)


@lru_cache(maxsize=4096)
def window(kernel, stride, dilation, left_padding) -> Map:
    """A sliding window (convolution, pooling): ``k_eff = d(k − 1) + 1``; the left padding moves the centre."""
    dims = []
    for k, s, d, p in zip(kernel, stride, dilation, left_padding, strict=False):
        reach = d * (k - 1)
        dims.append((reach, reach - 2 * p, s))
    return Map(tuple(dims))


class FieldFolder:
    """The absolute receptive fields of one analysis: the fields flowing into its top-level layers,
    folded from their transforms once (the layers below are reached by their paths when asked)."""

    def __init__(self, analysis: Analysis) -> None:
        self.layers = analysis.layers
        field: Field | str | None = input_field(analysis.input_shape)
        self.inputs: list[Field | str | None] = []
        for layer in analysis.layers:
            self.inputs.append(field)
            field = apply(layer.rf, field)

    def input_of(self, path: tuple[int, ...]) -> Field | str | None:
        """The field flowing into the layer at ``path``."""
        if not path or path[0] > len(self.layers):
            return None
        field = self.inputs[path[0] - 1]
        layer = self.layers[path[0] - 1]
        for depth in range(1, len(path)):
            index = path[depth] - 1
            siblings = layer.parts if layer.category != "repeat" else layer.children
            if index >= len(siblings):
                return None
            if layer.category not in ("residual", "add", "multiply", "concat"):  # a run: fold those before
                for before in siblings[:index]:
                    field = apply(before.rf, field)
            layer = siblings[index]
        return field

    def of(self, layer: LayerResult) -> Field | str | None:
        return apply(layer.rf, self.input_of(layer.path))

    def walk(self):
        """(layer, field) for every layer, depth first, as ``Analysis.walk`` gives them."""
        for layer, field in zip(self.layers, self.inputs, strict=False):
            yield from _walk(layer, field)


def _walk(layer: LayerResult, field: Field | str | None):
    yield layer, apply(layer.rf, field)
    joins = layer.category in ("residual", "add", "multiply", "concat")
    for child in layer.children:
        yield from _walk(child, field)
        if not joins:
            field = apply(child.rf, field)


# --- one layer of the registry ---------------------------------------------------------------------

INDEX_BYTES = 8  # max pooling keeps int64 indices
_CONSTANT_SAVED = {"view": VIEW, "nothing": NOTHING, "output": Saved(False, 0, True), "input": Saved(True, 0, False)}
_CONSTANT_FIELDS: dict[str, Transform] = {"keep": KEEP, "global": GLOBAL, "flat": FLAT}  # the same for any input


RULE = object()  # a kind whose saved or field rule depends on the layer's arguments and input
_LEAF: dict[str, tuple[bool, Any, Any]] = {}


def leaf_constants(kind: Any) -> tuple[bool, Any, Any]:
    """Per kind, looked up once: whether its MACs are 0 by definition, and its saved and field rules when
    they are the same for any layer (``RULE`` when not): most layers of a file need no rule run."""
    found = _LEAF.get(kind.name)
    if found is None:
        found = _LEAF[kind.name] = (
            kind.macs.startswith("0"),
            _CONSTANT_SAVED.get(kind.saves, RULE),
            _CONSTANT_FIELDS.get(kind.field, RULE),
        )
    return found


def leaf_saved(kind: Any, values: dict[str, Any], inp: shapes.Shape | None, out: shapes.Shape | None, size: int):
    """What one layer keeps for backward (training), by its kind's ``saves`` rule (docs/compute.md §
    memory): its input, its output, or nothing, plus what it adds of its own."""
    rule = kind.saves
    constant = _CONSTANT_SAVED.get(rule)
    if constant is not None:
        return constant
    if rule == "unknown":  # recurrent and attention internals: not estimated
        return None
    if rule == "conv":
        return _conv_saved(kind, values, inp, out, size)
    if rule == "twice":  # composed of two operations that each keep a tensor of the input's size
        n_in = shapes.numel(inp)
        return None if n_in is None else Saved(True, n_in * size, False)
    if rule == "channel-mask":  # whole-channel dropout: one random factor per channel
        c = shapes.channels(inp)
        return None if c is None else Saved(False, c * size, False)
    if rule == "token-indices":  # the int64 indices of an embedding
        n_in = shapes.numel(inp)
        return None if n_in is None else Saved(False, INDEX_BYTES * n_in, False)
    if rule == "instance":  # per sample and channel: mean and inverse std, γ and the running statistics repeated
        c = shapes.channels(inp)
        if c is None:
            return None
        extra = 2 + bool(values["affine"]) + 2 * bool(values["track_running_stats"])
        return Saved(True, extra * 4 * c, False)
    if rule == "stats":  # batch norm: mean and inverse std per channel (float32)
        c = shapes.channels(inp)
        if c is None:
            return None
        inner = 0
        if kind.keras and values["affine"] and values["scale"] and not values["center"]:
            n_out = shapes.numel(out)  # γ alone multiplies the normalised tensor, which it keeps
            if n_out is None:
                return None
            inner = n_out * size
        return Saved(True, inner, False, 2 * 4 * c)
    if rule == "norm":  # layer norm: mean and rstd per normalised row
        n_in, rows = shapes.numel(inp), values.get("normalized_shape")
        if n_in is None or not rows:
            return None
        width = 1
        for d in rows:
            width *= d
        return Saved(True, 2 * 4 * (n_in // width), False)
    if rule == "groups":  # group norm: mean and rstd per group
        return Saved(True, 2 * 4 * values["num_groups"], False)
    if rule == "adaptive":  # adaptive average pooling to 1 is a mean, which keeps nothing
        return NOTHING if all(t == 1 for t in values["output_size"]) else Saved(True, 0, False)
    if rule == "indices":
        n_out = shapes.numel(out)
        return None if n_out is None else Saved(True, INDEX_BYTES * n_out, False)
    if rule == "mask":
        n_in = shapes.numel(inp)
        return None if n_in is None else Saved(False, n_in * size, False)
    raise AssertionError(rule)


def _conv_saved(kind: Any, values: dict[str, Any], inp: shapes.Shape | None, out: shapes.Shape | None, size: int):
    """A convolution keeps its input, or the padded copy it is given when padding is not plain zeros on
    both sides (PyTorch pads the copy itself), with the input too when the padding reflects or replicates it;
    Keras' separable convolution also keeps the depthwise result."""
    n = kind.spatial
    spatial = None if inp is None or shapes.rank(inp) is None else inp[1:]
    padding, mode = values["padding"], values.get("padding_mode", "zeros")
    kernel, dilation = values["kernel_size"], values["dilation"]
    stride = values["stride"]
    padded: list[int] | None = None  # the padded copy's spatial sizes, when there is one
    if spatial is not None and None not in spatial:
        if mode != "zeros":  # PyTorch pads a copy by the mode, then convolves it unpadded
            if padding == "same":
                padded = [d + dil * (k - 1) for d, k, dil in zip(spatial, kernel, dilation, strict=False)]  # type: ignore[operator]
            else:
                pads = (0,) * len(spatial) if padding == "valid" else padding
                padded = [d + 2 * p for d, p in zip(spatial, pads, strict=False)]  # type: ignore[operator]
        elif padding == "same" and kind.keras and any(s > 1 for s in stride):
            padded = []
            for d, k, s, dil in zip(spatial, kernel, stride, dilation, strict=False):
                out_size = -(-d // s)  # type: ignore[operator]
                padded.append(d + max((out_size - 1) * s + dil * (k - 1) + 1 - d, 0))  # type: ignore[operator]
        elif padding == "same" and any(dil * (k - 1) % 2 for k, dil in zip(kernel, dilation, strict=False)):
            padded = [d + dil * (k - 1) % 2 for d, k, dil in zip(spatial, kernel, dilation, strict=False)]  # type: ignore[operator]
    elif padding == "same" or mode != "zeros":
        return None
    c = values["in_channels"]
    inner, ins = 0, True
    if padded is not None:
        inner = c * prod(padded) * size
        ins = mode in ("reflect", "replicate")
    if kind.saves == "conv" and kind.name == "SeparableConv2d":
        n_out = shapes.numel(out)
        if n_out is None or not out:
            return None
        inner += n_out // out[0] * c * values["depth_multiplier"] * size  # type: ignore[operator]
    del n
    return Saved(ins, inner, False)


def _pads(padding: Any, kernel, dilation, n: int, inp: shapes.Shape | None, stride, keras: bool) -> tuple | None:
    """The left padding per dimension (padding 'same' may pad one side more)."""
    if padding == "valid":
        return (0,) * n
    if padding != "same":
        return tuple(padding)
    lefts = []
    for i in range(n):
        reach = dilation[i] * (kernel[i] - 1)
        if keras and stride[i] > 1:
            size = None if inp is None else inp[1 + i]
            if size is None:
                return None
            out = -(-size // stride[i])  # type: ignore[operator]
            reach = max((out - 1) * stride[i] + reach + 1 - size, 0)  # type: ignore[operator]
        lefts.append(reach // 2)
    return tuple(lefts)


def leaf_field(kind: Any, values: dict[str, Any], inp: shapes.Shape | None) -> Transform:
    """What one layer does to the receptive field, by its kind's ``field`` rule."""
    rule = kind.field
    constant = _CONSTANT_FIELDS.get(rule)
    if constant is not None:
        return constant
    r = shapes.rank(inp)
    if rule == "window":
        n = kind.spatial
        kernel = values["kernel_size"]
        stride = values.get("stride") or kernel
        dilation = values.get("dilation") or (1,) * n
        pads = _pads(values.get("padding", 0), kernel, dilation, n, inp, stride, kind.keras)
        return None if pads is None else window(kernel, stride, dilation, pads)
    if rule == "unshuffle":
        f = values["downscale_factor"]
        return Map(((f - 1, f - 1, f), (f - 1, f - 1, f)))
    if rule == "adaptive":
        if inp is None or r is None:
            return None
        dims = []
        for i, target in enumerate(values["output_size"]):
            size = inp[1 + i]
            if target is None:
                dims.append((0, 0, 1))
                continue
            if size is None or size % target:  # type: ignore[operator]
                return None  # uneven windows: the field depends on the position
            k = size // target  # type: ignore[operator]
            dims.append((k - 1, k - 1, k))
        if all(t == 1 for t in values["output_size"]):
            return GLOBAL
        return Map(tuple(dims))
    if rule == "mix":  # over the last dimension (Linear): all of the only spatial one, or of a flattened input
        return GLOBAL if r is not None and r <= 2 else None
    if rule == "sequence":  # attention, bidirectional recurrence: every step; one direction: the steps before
        return GLOBAL if values.get("bidirectional", True) else None
    if rule == "norm":  # statistics over the spatial positions (per sample)
        if kind.name.startswith("Batch"):  # evaluated with the running statistics, or the batch's
            return KEEP if values["track_running_stats"] else GLOBAL
        if kind.name.startswith("InstanceNorm") and values.get("track_running_stats"):
            return KEEP  # evaluated with the running statistics
        normalized = values.get("normalized_shape")
        if normalized is not None and r is not None and len(normalized) < r - 1:
            return None  # over some spatial dimensions only
        return GLOBAL
    if rule == "softmax":
        if r is None:
            return None
        dim = values["dim"] % r
        return KEEP if dim == 0 else GLOBAL if r == 2 else None
    return None  # transposed convolution, upsampling, reshaping: the field depends on the position
