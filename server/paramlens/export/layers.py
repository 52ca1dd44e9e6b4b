"""One layer of the registry as the PyTorch constructor call that builds it.

Arguments are taken from the engine's resolved values (never recomputed): those written in the
file or inferred from the input are passed, defaults are left to PyTorch (whose defaults the
registry mirrors). Where paramlens counts a dimension on one sample (0 is the channel), the call
gets the batched dimension (one more). Keras-only kinds become the PyTorch modules with the same
tensors and shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..engine.analysis import Argument, LayerResult
from ..engine.registry import Kind, lookup

# Renders an argument in the current context: a literal, or an expression over block arguments.
ValueFn = Callable[[Argument], str]

_NEVER = {"batch_first", "return_sequences"}  # handled by the Sequence*/SelfAttention helpers
_SAMPLE_DIMS = {"Flatten": ("start_dim", "end_dim"), "Unflatten": ("dim",)}
_SOFTMAX = ("Softmax", "LogSoftmax", "Softmin")


@dataclass(slots=True)
class Call:
    """A constructor call and the helpers (see helpers.py) it needs."""

    text: str
    helpers: set[str] = field(default_factory=set)


def literal(value: Any) -> str:
    """Python source for a resolved value; a tuple of equal sizes is written as one int."""
    if isinstance(value, tuple):
        if value and all(v == value[0] for v in value) and isinstance(value[0], int):
            return literal(value[0])
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float):
        return repr(round(value, 12))
    return repr(value)


def batched_dim(dim: int) -> int:
    """A dimension of one sample (0 = channel) as a dimension of the batched tensor."""
    return dim + 1 if dim >= 0 else dim


def leaf_call(layer: LayerResult, value: ValueFn) -> Call:
    kind = lookup(layer.type)
    assert kind is not None, layer.type
    special = _SPECIAL.get(kind.name) or (_keras_global if kind.name.startswith("Global") else None)
    if special is not None:
        return special(kind, layer, value)
    assert kind.torch is not None, f"{kind.name} has no export rule"
    args = {k: a for k, a in layer.arguments.items() if k not in _NEVER}
    if kind.name in _SAMPLE_DIMS:
        args = {
            k: (_shift(a) if k in _SAMPLE_DIMS[kind.name] else a) for k, a in args.items() if a.origin.how != "default"
        }
        return Call(f"nn.{kind.torch}({_arguments(kind, args, value)})")
    if kind.name in _SOFTMAX:
        return Call(f"nn.{kind.torch}(dim={batched_dim(layer.arguments['dim'].value)})")
    if kind.name == "TransformerEncoderLayer":
        return Call(f"nn.{kind.torch}({_arguments(kind, _passed(args), value)}, batch_first=True)")
    if kind.family == "recurrent":
        extra = "" if layer.arguments["return_sequences"].value else ", last_step=True"
        name = f"Sequence{kind.torch}"
        return Call(f"{name}({_arguments(kind, _passed(args), value)}{extra})", {name})
    if kind.name == "MultiheadAttention":
        return Call(f"SelfAttention({_arguments(kind, _passed(args), value)})", {"SelfAttention"})
    return Call(f"nn.{kind.torch}({_arguments(kind, _passed(args), value)})")


def _passed(args: dict[str, Argument]) -> dict[str, Argument]:
    return {k: a for k, a in args.items() if a.origin.how != "default"}


def _shift(arg: Argument) -> Argument:
    return Argument(arg.name, batched_dim(arg.value), arg.origin)


def _arguments(kind: Kind, args: dict[str, Argument], value: ValueFn) -> str:
    """Leading inferred or required counts positionally (``nn.Conv2d(3, 16, kernel_size=3)``), the
    rest by keyword, in the registry's order (PyTorch's)."""
    parts, positional = [], True
    for spec in kind.args:
        arg = args.get(spec.name)
        positional = positional and arg is not None and (spec.infer is not None or spec.required)
        positional = positional and spec.type in ("count", "shape")
        if arg is None:
            continue
        parts.append(value(arg) if positional else f"{spec.name}={value(arg)}")
    return ", ".join(parts)


# --- Keras-only kinds ----------------------------------------------------------------------------


def _keras_padding(layer: LayerResult) -> tuple[str, str | None]:
    """PyTorch padding for a Keras convolution, and a ZeroPad2d for 'same' with a stride (TensorFlow
    pads the extra row and column at the bottom and right)."""
    a = layer.arguments
    padding, stride = a["padding"].value, a["stride"].value
    if padding == "valid":
        return "0", None
    if padding != "same":
        return literal(padding), None
    if all(s == 1 for s in stride):
        return "'same'", None
    kernel, dilation = a["kernel_size"].value, a["dilation"].value
    sizes = layer.input_shape[1:]  # type: ignore[index]
    pads: list[int] = []
    for size, k, s, d in zip(sizes, kernel, stride, dilation, strict=True):
        total = max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
        pads.append(total)
    (ph, pw) = pads
    return "0", f"nn.ZeroPad2d(({pw // 2}, {pw - pw // 2}, {ph // 2}, {ph - ph // 2}))"


def _with_pad(call: str, pad: str | None) -> str:
    return call if pad is None else f"nn.Sequential({pad}, {call})"


def _keras_depthwise(kind: Kind, layer: LayerResult, value: ValueFn) -> Call:
    a = layer.arguments
    padding, pad = _keras_padding(layer)
    cin = value(a["in_channels"])
    m = a["depth_multiplier"].value
    out = cin if m == 1 else f"{cin} * {m}"
    conv = (
        f"nn.Conv2d({cin}, {out}, kernel_size={value(a['kernel_size'])}, stride={value(a['stride'])}, "
        f"padding={padding}, dilation={value(a['dilation'])}, groups={cin}, bias={value(a['bias'])})"
    )
    return Call(_with_pad(conv, pad))


def _keras_separable(kind: Kind, layer: LayerResult, value: ValueFn) -> Call:
    a = layer.arguments
    padding, pad = _keras_padding(layer)
    conv = (
        f"SeparableConv2d({value(a['in_channels'])}, {value(a['out_channels'])}, "
        f"kernel_size={value(a['kernel_size'])}, depth_multiplier={value(a['depth_multiplier'])}, "
        f"bias={value(a['bias'])}, stride={value(a['stride'])}, padding={padding}, dilation={value(a['dilation'])})"
    )
    return Call(_with_pad(conv, pad), {"SeparableConv2d"})


def _keras_batchnorm(kind: Kind, layer: LayerResult, value: ValueFn) -> Call:
    a = layer.arguments
    rank = len(layer.input_shape or ())
    n = {1: 1, 2: 1, 3: 2, 4: 3}[rank]
    affine = a["affine"].value
    scale = affine and (a["scale"].value if "scale" in a else True)
    center = affine and (a["center"].value if "center" in a else True)
    norm = (
        f"nn.BatchNorm{n}d({value(a['num_features'])}, eps={literal(a['eps'].value)}, "
        f"momentum={literal(1 - a['momentum'].value)}, affine={scale and center}, "
        f"track_running_stats={a['track_running_stats'].value})"
    )
    if scale == center:
        return Call(norm)
    return Call(f"ScaleShift({norm}, {value(a['num_features'])}, scale={scale}, center={center})", {"ScaleShift"})


def _keras_global(kind: Kind, layer: LayerResult, value: ValueFn) -> Call:
    how = "Avg" if "Average" in kind.name else "Max"
    pool = f"nn.Adaptive{how}Pool{kind.spatial}d(1)"
    if layer.arguments["keepdims"].value:
        return Call(pool)
    return Call(f"nn.Sequential({pool}, nn.Flatten())")


def _permute(kind: Kind, layer: LayerResult, value: ValueFn) -> Call:
    dims = layer.arguments["dims"].value
    r = len(dims)
    return Call(f"Permute({', '.join(str(d % r + 1) for d in dims)})", {"Permute"})


_SPECIAL = {
    "DepthwiseConv2d": _keras_depthwise,
    "SeparableConv2d": _keras_separable,
    "BatchNormalization": _keras_batchnorm,
    "Permute": _permute,
}
