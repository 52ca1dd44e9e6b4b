"""Pooling: Max/Avg 1d-3d, adaptive pooling, and Keras' global pooling."""

from __future__ import annotations

from ..context import LayerContext
from ..registry import Arg, Kind, register
from .common import DIM_NAMES
from .conv import sliding_output

KERNEL = Arg("kernel_size", "size", doc="Size of the pooling window.", aliases=("pool_size",))
STRIDE = Arg("stride", "size", None, "Step of the window; defaults to kernel_size.", aliases=("strides",))
PADDING = Arg("padding", "nonneg_list", 0, "Implicit padding on both sides (at most half the kernel).")
CEIL = Arg("ceil_mode", "bool", False, "Use ceil instead of floor for the output size.")


def _check_padding(c: LayerContext, kernel, padding) -> None:
    """PyTorch compares the padding with half the kernel size; dilation does not enter."""
    for k, p in zip(kernel, padding, strict=True):
        if p > k // 2:
            c.fail(
                f"padding ({p}) should be at most half of the kernel size ({k}): use padding ≤ {k // 2}.",
                "padding",
            )


def _check_unpadded(c: LayerContext, kernel) -> None:
    """PyTorch's avg_pool3d wants every input size, before padding, at least the kernel's."""
    for size, k, name in zip(c.spatial_in or (), kernel, DIM_NAMES[3], strict=False):
        if size is not None and size < k:
            c.fail(
                f"the input's {name} ({size}) is smaller than the kernel ({k}); AvgPool3d does not count "
                f'padding here (PyTorch: "input image smaller than kernel size"). Use kernel_size ≤ {size}.',
                "kernel_size",
                "shape-error",
            )


def _pool_rule(n: int, is_max: bool):
    def rule(c: LayerContext) -> None:
        kernel, padding = c["kernel_size"], c["padding"]
        stride = c["stride"] if c["stride"] is not None else kernel
        dilation = c["dilation"] if is_max else None
        _check_padding(c, kernel, padding)
        c.count("0 (pooling has no parameters)", "0")
        if n == 3 and not is_max:
            _check_unpadded(c, kernel)
        spatial = sliding_output(c, n, kernel, stride, padding, dilation, ceil_mode=c["ceil_mode"])
        channels = c.inp[0] if c.inp is not None and c.inp and c.inp[0] is not ... else None
        c.output((channels, *(spatial or [None] * n)) if c.inp is not None else None)

    return rule


def _adaptive_rule(n: int):
    def rule(c: LayerContext) -> None:
        size = c["output_size"]
        if n == 1 and size[0] is None:  # PyTorch's 1-D adaptive pooling takes an integer only
            c.fail(
                "output_size must be an integer: null (keep the size) works only in 2-D and 3-D adaptive pooling.",
                "output_size",
            )
        c.count("0 (pooling has no parameters)", "0")
        inp = c.inp
        if inp is None:
            c.output((None, *size))
            return
        out = tuple(s if s is not None else inp[1 + i] for i, s in enumerate(size))
        for written, s, name in zip(size, out, DIM_NAMES[n], strict=True):
            if s is not None:  # a null entry of output_size keeps the input's size
                c.step(f"{name}_out = output_size" if written is not None else f"{name}_out = {name}", str(s), s)
        c.output((inp[0], *out))

    return rule


def _global_rule(c: LayerContext) -> None:
    c.count("0 (pooling has no parameters)", "0")
    inp = c.inp
    channels = inp[0] if inp is not None else None
    n = len(inp) - 1 if inp is not None else c.kind.spatial
    c.output((channels, *[1] * n) if c["keepdims"] else (channels,))


for _n in (1, 2, 3):
    _shape = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}[_n]
    _D = f"{_n}D"
    register(
        Kind(
            f"MaxPool{_n}d",
            "pool",
            f"{_n}-D max pooling over an input {_shape}: the largest value of each window.",
            _pool_rule(_n, True),
            (
                KERNEL,
                STRIDE,
                PADDING,
                Arg("dilation", "size", 1, "Spacing between window elements."),
                Arg(
                    "return_indices",
                    "bool",
                    False,
                    "Also return the indices (not supported in a chain).",
                    choices=(False,),
                ),
                CEIL,
            ),
            aliases=(f"MaxPooling{_D}", f"MaxPool{_D}"),
            ranks=(_n + 1,),
            spatial=_n,
            formula="0",
            torch=f"MaxPool{_n}d",
            saves="indices",
            field="window",
        ),
        Kind(
            f"AvgPool{_n}d",
            "pool",
            f"{_n}-D average pooling over an input {_shape}: the mean of each window.",
            _pool_rule(_n, False),
            (
                KERNEL,
                STRIDE,
                PADDING,
                CEIL,
                Arg("count_include_pad", "bool", True, "Count the zero padding in the average."),
                *(
                    (Arg("divisor_override", "count", None, "Divide by this instead of the window size."),)
                    if _n > 1
                    else ()
                ),
            ),
            aliases=(f"AveragePooling{_D}", f"AvgPool{_D}"),
            ranks=(_n + 1,),
            spatial=_n,
            formula="0",
            torch=f"AvgPool{_n}d",
            field="window",
        ),
        *(
            Kind(
                f"Adaptive{short}Pool{_n}d",
                "pool",
                f"{_n}-D adaptive {what} pooling to a fixed output_size, whatever the input size.",
                _adaptive_rule(_n),
                (Arg("output_size", "out_size", doc="Target size (null keeps that dimension)."),),
                ranks=(_n + 1,),
                spatial=_n,
                formula="0",
                torch=f"Adaptive{short}Pool{_n}d",
                saves="indices" if short == "Max" else "adaptive",
                field="adaptive",
            )
            for short, what in (("Avg", "average"), ("Max", "max"))
        ),
        *(
            Kind(
                f"Global{long}Pooling{_D}",
                "pool",
                f"Keras' Global{long}Pooling{_D}: the {what} over all spatial positions, giving [C].",
                _global_rule,
                (Arg("keepdims", "bool", False, "Keep the spatial dimensions as size 1."),),
                aliases=(f"Global{short}Pool{_n}d",),
                ranks=(_n + 1,),
                spatial=_n,
                formula="0",
                keras=True,
                saves="indices" if short == "Max" else "nothing",
                field="global",
            )
            for short, long, what in (("Avg", "Average", "mean"), ("Max", "Max", "maximum"))
        ),
    )
