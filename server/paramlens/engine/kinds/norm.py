"""Normalisation: BatchNorm (and Keras' BatchNormalization), LayerNorm, RMSNorm, GroupNorm,
InstanceNorm, LocalResponseNorm."""

from __future__ import annotations

from math import prod

from ..context import LayerContext
from ..registry import Arg, Kind, register
from ..shapes import rank
from .common import divisor_hint

NUM_FEATURES = Arg("num_features", "count", None, "Channels of the input; inferred.", infer="channels")
EPS = Arg("eps", "float", 1e-5, "Added to the variance for numerical stability.", aliases=("epsilon",))
MOMENTUM = Arg("momentum", "float", 0.1, "Weight of the newest batch in the running statistics.")
KERAS_NOTE = (
    "Keras counts the running mean and variance ({n:,} values) as non-trainable params; "
    "PyTorch keeps them as buffers, outside the parameter count."
)


def _batchnorm_rule(c: LayerContext) -> None:
    C = c["num_features"]
    # Keras' BatchNormalization learns γ (scale) and β (center) separately; PyTorch's affine is both
    scale = c["affine"] and c.values.get("scale", True)
    center = c["affine"] and c.values.get("center", True)
    if scale:
        c.param("weight", C)
    if center:
        c.param("bias", C)
    if scale and center:
        c.count("2 × C (γ and β)", f"2 × {C}")
    elif scale or center:
        c.count("C (γ only)" if scale else "C (β only)", str(C))
    else:
        c.count("0 (affine: false)" if not c["affine"] else "0 (scale and center: false)", "0")
    if c["track_running_stats"]:
        c.buffer("running_mean", C)
        c.buffer("running_var", C)
        c.buffer("num_batches_tracked")
        c.note(KERAS_NOTE.format(n=2 * C))
    c.output(c.inp)


def _instancenorm_rule(c: LayerContext) -> None:
    C = c["num_features"]
    if c["affine"]:
        c.param("weight", C)
        c.param("bias", C)
        c.count("2 × C (γ and β)", f"2 × {C}")
    else:
        c.count("0 (affine: false)", "0")
    if c["track_running_stats"]:
        c.buffer("running_mean", C)
        c.buffer("running_var", C)
        c.buffer("num_batches_tracked")
    c.output(c.inp)


def _normalized_shape(c: LayerContext) -> tuple[int, ...]:
    shape = c["normalized_shape"]
    inp = c.inp
    if inp is not None and (r := rank(inp)) is not None:
        if len(shape) > r:
            c.fail(f"normalized_shape {list(shape)} has more dimensions than the input [{r} dims].", "normalized_shape")
        tail = inp[r - len(shape) :]
        if any(t is not None and t != s for t, s in zip(tail, shape, strict=True)):
            c.fail(
                f"normalized_shape {list(shape)} must equal the input's last dimensions "
                f"{['?' if t is None else t for t in tail]}.",
                "normalized_shape",
                "channel-mismatch",
            )
    return shape


def _layernorm_rule(c: LayerContext) -> None:
    shape = c["normalized_shape"]
    n = prod(shape)
    dims = " × ".join(str(s) for s in shape)
    if c["elementwise_affine"]:
        c.param("weight", *shape)
        if c["bias"]:
            c.param("bias", *shape)
            c.count("2 × Π normalized_shape (γ and β)", f"2 × {dims}" if len(shape) > 1 else f"2 × {n}")
        else:
            c.count("Π normalized_shape (γ)", dims)
    else:
        c.count("0 (elementwise_affine: false)", "0")
    _normalized_shape(c)  # after the count, which follows from the arguments alone
    c.output(c.inp)


def _rmsnorm_rule(c: LayerContext) -> None:
    shape = c["normalized_shape"]
    if c["elementwise_affine"]:
        c.param("weight", *shape)
        c.count("Π normalized_shape (γ)", " × ".join(str(s) for s in shape))
    else:
        c.count("0 (elementwise_affine: false)", "0")
    _normalized_shape(c)  # after the count, which follows from the arguments alone
    c.output(c.inp)


def _groupnorm_rule(c: LayerContext) -> None:
    G, C = c["num_groups"], c["num_channels"]
    if C % G:
        c.fail(
            f"num_channels ({C}) must be divisible by num_groups ({G}). {divisor_hint('num_groups', G, C)}",
            "num_groups",
        )
    if c["affine"]:
        c.param("weight", C)
        c.param("bias", C)
        c.count("2 × C (γ and β)", f"2 × {C}")
    else:
        c.count("0 (affine: false)", "0")
    c.output(c.inp)


def _lrn_rule(c: LayerContext) -> None:
    c.count("0", "0")
    c.output(c.inp)


_BN_RANKS = {1: (1, 2), 2: (3,), 3: (4,)}
_SHAPES = {1: "[C] or [C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}
for _n in (1, 2, 3):
    register(
        Kind(
            f"BatchNorm{_n}d",
            "norm",
            f"Batch normalisation over the channels of an input {_SHAPES[_n]}: a learned scale γ and "
            "shift β per channel, plus running mean and variance kept as buffers.",
            _batchnorm_rule,
            (
                NUM_FEATURES,
                EPS,
                MOMENTUM,
                Arg("affine", "bool", True, "Learn γ and β."),
                Arg("track_running_stats", "bool", True, "Keep running mean and variance (buffers)."),
            ),
            ranks=_BN_RANKS[_n],
            formula="2 × C",
            torch=f"BatchNorm{_n}d",
            saves="stats",
            field="norm",
        ),
        Kind(
            f"InstanceNorm{_n}d",
            "norm",
            f"Instance normalisation of each channel of each sample, input {_SHAPES[_n]}; no parameters unless affine.",
            _instancenorm_rule,
            (
                NUM_FEATURES,
                EPS,
                MOMENTUM,
                Arg("affine", "bool", False, "Learn γ and β per channel."),
                Arg("track_running_stats", "bool", False, "Keep running mean and variance (buffers)."),
            ),
            ranks=(2,) if _n == 1 else _BN_RANKS[_n],
            formula="2 × C if affine, else 0",
            torch=f"InstanceNorm{_n}d",
            saves="instance",
            field="norm",
        ),
    )

register(
    Kind(
        "BatchNormalization",
        "norm",
        "Keras' BatchNormalization over the channels (the first dimension here); becomes "
        "BatchNorm1d/2d/3d by the input's rank.",
        _batchnorm_rule,
        (
            NUM_FEATURES,
            Arg("eps", "float", 1e-3, "Added to the variance for numerical stability.", aliases=("epsilon",)),
            Arg("momentum", "float", 0.99, "Keras' momentum (PyTorch's is 1 − this)."),
            Arg("affine", "bool", True, "Learn γ and β (PyTorch's name for scale and center together)."),
            Arg("scale", "bool", True, "Learn the scale γ."),
            Arg("center", "bool", True, "Learn the offset β."),
            Arg("track_running_stats", "bool", True, "Keep moving mean and variance."),
        ),
        ranks=(1, 2, 3, 4),
        formula="2 × C",
        keras=True,
        saves="stats",
        field="norm",
    ),
    Kind(
        "LayerNorm",
        "norm",
        "Layer normalisation over the last dimensions (normalized_shape, inferred as the last one).",
        _layernorm_rule,
        (
            Arg(
                "normalized_shape",
                "shape",
                None,
                "The trailing dimensions normalised; inferred as the last.",
                infer="last",
            ),
            EPS,
            Arg("elementwise_affine", "bool", True, "Learn γ (and β)."),
            Arg("bias", "bool", True, "Learn β (with elementwise_affine).", aliases=("center",)),
        ),
        aliases=("LayerNormalization",),
        formula="2 × Π normalized_shape",
        torch="LayerNorm",
        saves="norm",
        field="norm",
    ),
    Kind(
        "RMSNorm",
        "norm",
        "Root-mean-square normalisation over the last dimensions, with a learned scale.",
        _rmsnorm_rule,
        (
            Arg(
                "normalized_shape",
                "shape",
                None,
                "The trailing dimensions normalised; inferred as the last.",
                infer="last",
            ),
            Arg("eps", "float", None, "Added for numerical stability (default: the dtype's eps)."),
            Arg("elementwise_affine", "bool", True, "Learn γ."),
        ),
        formula="Π normalized_shape",
        torch="RMSNorm",
        saves="unknown",
        field="norm",
    ),
    Kind(
        "GroupNorm",
        "norm",
        "Group normalisation: channels split into num_groups groups, normalised per group.",
        _groupnorm_rule,
        (
            Arg("num_groups", "count", doc="Number of groups; must divide num_channels.", aliases=("groups",)),
            Arg("num_channels", "count", None, "Channels of the input; inferred.", infer="channels"),
            EPS,
            Arg("affine", "bool", True, "Learn γ and β per channel."),
        ),
        ranks=(1, 2, 3, 4),
        formula="2 × C",
        torch="GroupNorm",
        saves="groups",
        field="norm",
    ),
    Kind(
        "LocalResponseNorm",
        "norm",
        "Local response normalisation across neighbouring channels (AlexNet); no parameters.",
        _lrn_rule,
        (
            Arg("size", "count", doc="Number of neighbouring channels."),
            Arg("alpha", "float", 1e-4, "Multiplicative factor."),
            Arg("beta", "float", 0.75, "Exponent."),
            Arg("k", "float", 1.0, "Additive factor."),
        ),
        ranks=(2, 3, 4),
        formula="0",
        torch="LocalResponseNorm",
        saves="unknown",
    ),
)
