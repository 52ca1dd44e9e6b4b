"""Layers that only move values around: Flatten, Unflatten, Permute, Upsample, PixelShuffle."""

from __future__ import annotations

import math
from math import prod

from ..context import LayerContext
from ..registry import Arg, Kind, register
from ..shapes import fmt, rank
from .common import DIM_NAMES


def _axis(c: LayerContext, arg: str, r: int, extra: int = 0) -> int:
    """A `dim` counted on one sample's shape (negative from the end), checked against the rank."""
    dim = c[arg]
    if not -(r + extra) <= dim < r + extra:
        c.fail(f"{arg} {dim} is out of range for an input of {r} dimensions (use {-r} … {r - 1}).", arg)
    return dim % (r + extra)


def _flatten_rule(c: LayerContext) -> None:
    c.count("0", "0")
    inp = c.inp
    r = rank(inp)
    if r is None:
        c.output(None)
        return
    start, end = _axis(c, "start_dim", r), _axis(c, "end_dim", r)
    if start > end:
        c.fail(f"start_dim ({c['start_dim']}) comes after end_dim ({c['end_dim']}).", "start_dim")
    middle = inp[start : end + 1]
    size = None if any(d is None for d in middle) else prod(middle)
    if size is not None and len(middle) > 1:
        c.step("features = " + " × ".join(f"d{i}" for i in range(start, end + 1)), fmt(middle, " × "), size)
    c.output((*inp[:start], size, *inp[end + 1 :]))


def _unflatten_rule(c: LayerContext) -> None:
    c.count("0", "0")
    inp = c.inp
    r = rank(inp)
    sizes = list(c["unflattened_size"])
    if sum(1 for s in sizes if s == -1) > 1:
        c.fail("unflattened_size may hold -1 only once.", "unflattened_size")
    if any(s == 0 or s < -1 for s in sizes):
        c.fail("unflattened_size must hold positive sizes (or one -1).", "unflattened_size")
    if r is None:
        c.output(None)
        return
    dim = _axis(c, "dim", r)
    size = inp[dim]
    known = prod(s for s in sizes if s != -1)
    if size is not None:
        if -1 in sizes:
            if size % known:
                c.fail(
                    f"unflattened_size {sizes} does not divide dimension {dim} of size {size}.",
                    "unflattened_size",
                    "shape-error",
                )
            sizes[sizes.index(-1)] = size // known
        elif known != size:
            c.fail(
                f"unflattened_size {sizes} holds {known} values but dimension {dim} has {size}.",
                "unflattened_size",
                "shape-error",
            )
    elif -1 in sizes:
        sizes[sizes.index(-1)] = None
    c.output((*inp[:dim], *sizes, *inp[dim + 1 :]))


def _permute_rule(c: LayerContext) -> None:
    c.count("0", "0")
    inp = c.inp
    dims = c["dims"]
    r = rank(inp)
    if r is None:
        c.output(None if inp is None else (...,))
        return
    if len(dims) != r or sorted(d % r for d in dims if -r <= d < r) != list(range(r)):
        c.fail(f"dims {list(dims)} must be a permutation of 0 … {r - 1} for an input of {r} dimensions.", "dims")
    c.output(tuple(inp[d % r] for d in dims))


def _upsample_rule(c: LayerContext) -> None:
    c.count("0", "0")
    size, scale, mode = c["size"], c["scale_factor"], c["mode"]
    inp = c.inp
    r = rank(inp)
    if (size is None) == (scale is None):
        c.fail("give either size or scale_factor, not both and not neither.", "size" if size is not None else None)
    if c["align_corners"] is not None and mode not in ("linear", "bilinear", "bicubic", "trilinear"):
        c.fail(
            "align_corners can only be set with the interpolating modes linear, bilinear, bicubic and trilinear; "
            f"mode is '{mode}'. Remove align_corners or choose one of those modes.",
            "align_corners",
        )
    if r is None:
        c.output(None)
        return
    n = r - 1
    need = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(mode)
    if need is not None and need != n:
        c.fail(f"mode '{mode}' needs {need} spatial dimension(s); the input {fmt(inp)} has {n}.", "mode")
    names = DIM_NAMES[n]
    if size is not None:
        sizes = list(size) * n if len(size) == 1 else list(size)  # one size is used for every dimension
        if len(sizes) != n:
            c.fail(f"size must be one positive integer or a list of {n}, one per spatial dimension.", "size")
        c.output((inp[0], *sizes))
        return
    if scale <= 0:
        c.fail(f"scale_factor must be a positive number, not {scale:g}.", "scale_factor")
    out: list[int | None] = []
    for d, name in zip(inp[1:], names, strict=True):
        if d is None:
            out.append(None)
            continue
        value = math.floor(d * scale)
        if value < 1:
            c.fail(
                f"the output {name} would be ⌊{d} × {scale:g}⌋ = {value}: use a larger scale_factor.",
                "scale_factor",
                "shape-error",
            )
        c.step(f"{name}_out = ⌊{name} × scale⌋", f"⌊{d} × {scale:g}⌋", value)
        out.append(value)
    c.output((inp[0], *out))


def _shuffle_rule(up: bool):
    arg = "upscale_factor" if up else "downscale_factor"

    def rule(c: LayerContext) -> None:
        c.count("0", "0")
        f = c[arg]
        inp = c.inp
        r = rank(inp)
        if r is None:
            c.output(None)
            return
        C, H, W = inp
        if up:
            if C is not None and C % (f * f):
                c.fail(
                    f"the input's channels ({C}) must be divisible by upscale_factor² ({f * f}).", arg, "shape-error"
                )
            c.output((None if C is None else C // (f * f), None if H is None else H * f, None if W is None else W * f))
        else:
            for d in (H, W):
                if d is not None and d % f:
                    c.fail(
                        f"height and width ({H}×{W}) must be divisible by downscale_factor ({f}).", arg, "shape-error"
                    )
            c.output((None if C is None else C * f * f, None if H is None else H // f, None if W is None else W // f))

    return rule


register(
    Kind(
        "Flatten",
        "shape",
        "Joins the dimensions start_dim … end_dim (of one sample; 0 is the channel) into one.",
        _flatten_rule,
        (
            Arg("start_dim", "int", 0, "First dimension to join (0: the channel dimension)."),
            Arg("end_dim", "int", -1, "Last dimension to join."),
        ),
        formula="0",
        torch="Flatten",
        saves="view",
        field="flat",
    ),
    Kind(
        "Unflatten",
        "shape",
        "Splits dimension dim (of one sample) into unflattened_size.",
        _unflatten_rule,
        (
            Arg("dim", "int", doc="The dimension to split (0: the channel dimension)."),
            Arg("unflattened_size", "ints", doc="The sizes it becomes (one may be -1)."),
        ),
        formula="0",
        torch="Unflatten",
        saves="view",
        field="none",
    ),
    Kind(
        "Permute",
        "shape",
        "Reorders the dimensions of one sample (0 is the first, the channel dimension).",
        _permute_rule,
        (Arg("dims", "ints", doc="The new order, e.g. [1, 0] to swap [C, L] into [L, C]."),),
        formula="0",
        saves="view",
        field="none",
    ),
    Kind(
        "Upsample",
        "shape",
        "Resizes the spatial dimensions by scale_factor or to size.",
        _upsample_rule,
        (
            Arg("size", "shape", None, "Target spatial size."),
            Arg("scale_factor", "float", None, "Multiplier of the spatial size."),
            Arg(
                "mode",
                "choice",
                "nearest",
                "Interpolation.",
                choices=("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear"),
            ),
            Arg("align_corners", "bool", None, "Align corner pixels (linear modes only)."),
        ),
        ranks=(2, 3, 4),
        formula="0",
        torch="Upsample",
        saves="nothing",
        field="none",
    ),
    Kind(
        "PixelShuffle",
        "shape",
        "[C·r², H, W] → [C, H·r, W·r] (sub-pixel convolution).",
        _shuffle_rule(True),
        (Arg("upscale_factor", "count", doc="r."),),
        ranks=(3,),
        formula="0",
        torch="PixelShuffle",
        saves="nothing",
        field="none",
    ),
    Kind(
        "PixelUnshuffle",
        "shape",
        "[C, H·r, W·r] → [C·r², H, W].",
        _shuffle_rule(False),
        (Arg("downscale_factor", "count", doc="r."),),
        ranks=(3,),
        formula="0",
        torch="PixelUnshuffle",
        saves="nothing",
        field="unshuffle",
    ),
)
