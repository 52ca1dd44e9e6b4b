"""Convolutions: Conv1d/2d/3d, ConvTranspose1d/2d/3d, and Keras' DepthwiseConv2D and SeparableConv2D."""

from __future__ import annotations

from ..context import LayerContext
from ..registry import Arg, Kind, register
from .common import BIAS, DIM_NAMES, KERNEL_SYMBOLS, divisor_hint, record_macs, times

IN_CHANNELS = Arg(
    "in_channels", "count", None, "Channels of the input; inferred from the previous layer.", infer="channels"
)
OUT_CHANNELS = Arg("out_channels", "count", doc="Number of filters (output channels).", aliases=("filters",))
KERNEL = Arg("kernel_size", "size", doc="Size of the convolving kernel.")
STRIDE = Arg("stride", "size", 1, "Step of the kernel.", aliases=("strides",))
DILATION = Arg("dilation", "size", 1, "Spacing between kernel elements.", aliases=("dilation_rate",))
GROUPS = Arg("groups", "count", 1, "Blocked connections: input and output channels are split into this many groups.")
PADDING = Arg("padding", "padding", 0, "Zero padding added to both sides, or 'same' / 'valid'.")
PADDING_MODE = Arg(
    "padding_mode", "choice", "zeros", "How padding is filled.", choices=("zeros", "reflect", "replicate", "circular")
)


def sliding_output(
    c: LayerContext,
    n: int,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...] | str,
    dilation: tuple[int, ...] | None,
    *,
    keras_same: bool = False,
    ceil_mode: bool = False,
) -> list[int | None] | None:
    """Output spatial sizes of a sliding window: convolution, max pooling (dilation) or average
    pooling (``dilation`` None), recording each dimension's formula."""
    spatial = c.spatial_in
    if spatial is None:
        return None
    out: list[int | None] = []
    for i, (size, name) in enumerate(zip(spatial, DIM_NAMES[n], strict=True)):
        k, s = kernel[i], stride[i]
        d = 1 if dilation is None else dilation[i]
        if size is None:
            out.append(None)
            continue
        if padding == "same":
            value = -(-size // s) if keras_same else size
            if keras_same and s > 1:
                c.step(f"{name}_out = ⌈{name} / s⌉ (padding 'same')", f"⌈{size} / {s}⌉", value)
            else:
                c.step(f"{name}_out = {name} (padding 'same')", str(size), value)
            out.append(value)
            continue
        p = 0 if padding == "valid" else padding[i]
        effective = d * (k - 1) + 1
        numerator = size + 2 * p - (d * (k - 1) + 1 if dilation is not None else k)
        value = (-(-numerator // s) if ceil_mode else numerator // s) + 1
        if ceil_mode and (value - 1) * s >= size + p:
            value -= 1  # a window may not start in the right padding
        if value < 1:  # with ceil_mode a window may overhang the input: only an empty output fails
            padded = f"{size} + 2×{p} = {size + 2 * p}" if p else str(size)
            torch_says = (
                "Output size is too small"
                if c.kind.family == "pool"
                else "Kernel size can't be greater than actual input size"
            )
            c.fail(
                f"the kernel spans {effective} but the padded input is only {padded} wide along {name}: "
                f'the output would be empty (PyTorch: "{torch_says}"). '
                "Use a smaller kernel_size or dilation, or add padding.",
                "kernel_size",
                "shape-error",
            )
        reach = f"{2 * p} − {d * (k - 1)} − 1" if dilation is not None else f"{2 * p} − {k}"
        sym_reach = "2p − d(k − 1) − 1" if dilation is not None else "2p − k"
        bracket = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
        c.step(
            f"{name}_out = {bracket[0]}({name} + {sym_reach}) / s{bracket[1]} + 1",
            f"{bracket[0]}({size} + {reach}) / {s}{bracket[1]} + 1",
            value,
        )
        out.append(value)
    return out


def _strided_same(kernel: tuple[int, ...], dilation: tuple[int, ...]) -> str:
    """PyTorch refuses 'same' with a stride; padding d(k − 1) / 2 gives Keras' ⌈L / s⌉ when it is whole."""
    reach = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
    advice = "Write the padding as a number, or use stride 1."
    if all(r % 2 == 0 for r in reach):
        pads = [r // 2 for r in reach]
        value = pads[0] if len(set(pads)) == 1 else pads
        advice = f"Write padding: {value}, which gives Keras' ⌈L / stride⌉ output here, or use stride 1."
    return f"padding 'same' is not supported for strided convolutions in PyTorch. {advice}"


def _check_groups(c: LayerContext, cin: int, cout: int, g: int) -> None:
    for name, value in (("in_channels", cin), ("out_channels", cout)):
        if value % g:
            c.fail(
                f"{name} ({value}) must be divisible by groups ({g}). {divisor_hint('groups', g, cin, cout)}", "groups"
            )


def _conv_rule(n: int):
    ks = KERNEL_SYMBOLS[n]

    def rule(c: LayerContext) -> None:
        cin, cout, g, bias = c["in_channels"], c["out_channels"], c["groups"], c["bias"]
        kernel, stride, dilation, padding = c["kernel_size"], c["stride"], c["dilation"], c["padding"]
        _check_groups(c, cin, cout, g)
        if padding == "same" and any(s != 1 for s in stride):
            c.fail(_strided_same(kernel, dilation), "padding")
        c.param("weight", cout, cin // g, *kernel)
        if bias:
            c.param("bias", cout)
        inner = times(*kernel, cin) + (f" / {g}" if g != 1 else "")
        sym_inner = times(*ks, "C_in") + " / groups"
        c.count(
            f"({sym_inner} + 1) × C_out" if bias else f"{sym_inner} × C_out",
            f"({inner} + 1) × {cout}" if bias else f"{inner} × {cout}",
        )
        spatial = sliding_output(c, n, kernel, stride, padding, dilation)
        c.output((cout, *(spatial or [None] * n)))
        if spatial is not None:
            outs = [f"{d}_out" for d in DIM_NAMES[n]]
            record_macs(c, [*outs, "C_out", "(C_in / groups)", *ks], [*spatial, cout, cin // g, *kernel])

    return rule


def _transpose_rule(n: int):
    ks = KERNEL_SYMBOLS[n]

    def rule(c: LayerContext) -> None:
        cin, cout, g, bias = c["in_channels"], c["out_channels"], c["groups"], c["bias"]
        kernel, stride, dilation, padding, extra = (
            c["kernel_size"],
            c["stride"],
            c["dilation"],
            c["padding"],
            c["output_padding"],
        )
        _check_groups(c, cin, cout, g)
        for i in range(n):
            if extra[i] >= max(stride[i], dilation[i]):
                c.fail(
                    f"output_padding ({extra[i]}) must be smaller than either stride ({stride[i]}) "
                    f"or dilation ({dilation[i]}).",
                    "output_padding",
                )
        c.param("weight", cin, cout // g, *kernel)
        if bias:
            c.param("bias", cout)
        inner = times(*kernel, cin, cout) + (f" / {g}" if g != 1 else "")
        sym_inner = times(*ks, "C_in", "C_out") + " / groups"
        c.count(
            f"{sym_inner} + C_out" if bias else sym_inner,
            f"{inner} + {cout}" if bias else inner,
        )
        spatial = c.spatial_in
        if spatial is None:
            c.output((cout, *[None] * n))
            return
        record_macs(c, [*DIM_NAMES[n], "C_in", "(C_out / groups)", *ks], [*spatial, cin, cout // g, *kernel])
        out: list[int | None] = []
        for i, (size, name) in enumerate(zip(spatial, DIM_NAMES[n], strict=True)):
            if size is None:
                out.append(None)
                continue
            k, s, d, p, op = kernel[i], stride[i], dilation[i], padding[i], extra[i]
            value = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
            if value <= 0:
                c.fail(
                    f"the output {name} would be ({size} − 1)·{s} − {2 * p} + {d * (k - 1)} + {op} + 1 = {value} "
                    + ('(PyTorch: "Output size is too small")' if value < 0 else "(an empty tensor)")
                    + ". Reduce padding.",
                    "padding",
                    "shape-error",
                )
            c.step(
                f"{name}_out = ({name} − 1)·s − 2p + d(k − 1) + output_padding + 1",
                f"({size} − 1)·{s} − {2 * p} + {d * (k - 1)} + {op} + 1",
                value,
            )
            out.append(value)
        c.output((cout, *out))

    return rule


def _keras_padding_check(c: LayerContext) -> None:
    if c["padding"] not in ("same", "valid") and not isinstance(c["padding"], tuple):
        c.fail("padding must be 'same' or 'valid'", "padding")


def _depthwise_rule(c: LayerContext) -> None:
    cin, m, bias = c["in_channels"], c["depth_multiplier"], c["bias"]
    kernel, stride, dilation, padding = c["kernel_size"], c["stride"], c["dilation"], c["padding"]
    _keras_padding_check(c)
    c.param("weight", cin * m, 1, *kernel)
    if bias:
        c.param("bias", cin * m)
    c.count(
        "k_h × k_w × C_in × m + C_in × m" if bias else "k_h × k_w × C_in × m",
        f"{times(*kernel, cin, m)} + {cin} × {m}" if bias else times(*kernel, cin, m),
    )
    c.note("Keras' DepthwiseConv2D; exported as Conv2d with groups = in_channels.")
    spatial = sliding_output(c, 2, kernel, stride, padding, dilation, keras_same=True)
    c.output((cin * m, *(spatial or [None] * 2)))
    if spatial is not None:
        record_macs(c, ["H_out", "W_out", "C_in × m", "k_h", "k_w"], [*spatial, cin * m, *kernel])


def _separable_rule(c: LayerContext) -> None:
    cin, m, cout, bias = c["in_channels"], c["depth_multiplier"], c["out_channels"], c["bias"]
    kernel, stride, dilation, padding = c["kernel_size"], c["stride"], c["dilation"], c["padding"]
    _keras_padding_check(c)
    c.param("depthwise.weight", cin * m, 1, *kernel)
    c.param("pointwise.weight", cout, cin * m, 1, 1)
    if bias:
        c.param("pointwise.bias", cout)
    c.count(
        "k_h × k_w × C_in × m + C_in × m × C_out" + (" + C_out" if bias else ""),
        f"{times(*kernel, cin, m)} + {times(cin, m, cout)}" + (f" + {cout}" if bias else ""),
    )
    c.note("Keras' SeparableConv2D: a depthwise convolution without bias, then a 1×1 pointwise one.")
    spatial = sliding_output(c, 2, kernel, stride, padding, dilation, keras_same=True)
    c.output((cout, *(spatial or [None] * 2)))
    if spatial is not None and None not in spatial:
        h, w = spatial
        depthwise, pointwise = h * w * cin * m * kernel[0] * kernel[1], h * w * cin * m * cout  # type: ignore[operator]
        c.macs(
            "H_out × W_out × C_in × m × (k_h × k_w + C_out) (depthwise, then pointwise)",
            f"{times(h, w, cin, m, *kernel)} + {times(h, w, cin * m, cout)}",
            depthwise + pointwise,
        )


for _n in (1, 2, 3):
    _shape = {1: "[C, L]", 2: "[C, H, W]", 3: "[C, D, H, W]"}[_n]
    register(
        Kind(
            f"Conv{_n}d",
            "conv",
            f"{_n}-D convolution over an input {_shape}: each of out_channels filters spans "
            "in_channels / groups channels and a kernel_size window.",
            _conv_rule(_n),
            (IN_CHANNELS, OUT_CHANNELS, KERNEL, STRIDE, PADDING, DILATION, GROUPS, BIAS, PADDING_MODE),
            aliases=(f"Conv{_n}D", f"Convolution{_n}D"),
            ranks=(_n + 1,),
            spatial=_n,
            formula=f"({times(*KERNEL_SYMBOLS[_n], 'C_in')} / groups + 1) × C_out",
            torch=f"Conv{_n}d",
            macs=times(*(f"{d}_out" for d in DIM_NAMES[_n]), "C_out", "(C_in / groups)", *KERNEL_SYMBOLS[_n]),
            saves="conv",
            field="window",
        ),
        Kind(
            f"ConvTranspose{_n}d",
            "conv",
            f"{_n}-D transposed convolution (fractionally strided) over an input {_shape}; it grows the spatial size.",
            _transpose_rule(_n),
            (
                IN_CHANNELS,
                OUT_CHANNELS,
                KERNEL,
                STRIDE,
                Arg("padding", "nonneg_list", 0, "Implicit zero padding removed from both sides of the output."),
                Arg("output_padding", "nonneg_list", 0, "Extra size added to one side of the output."),
                GROUPS,
                BIAS,
                DILATION,
            ),
            aliases=(f"Conv{_n}DTranspose",),
            ranks=(_n + 1,),
            spatial=_n,
            formula=f"{times(*KERNEL_SYMBOLS[_n], 'C_in', 'C_out')} / groups + C_out",
            torch=f"ConvTranspose{_n}d",
            macs=times(*DIM_NAMES[_n], "C_in", "C_out / groups", *KERNEL_SYMBOLS[_n]) + " (over the input positions)",
            field="none",
        ),
    )

_KERAS_PADDING = Arg("padding", "padding", "valid", "'valid' (no padding) or 'same' (output size ⌈input / stride⌉).")
_MULTIPLIER = Arg("depth_multiplier", "count", 1, "Output channels per input channel.")
register(
    Kind(
        "DepthwiseConv2d",
        "conv",
        "Keras' DepthwiseConv2D: one kernel (times depth_multiplier) per input channel, no mixing across channels.",
        _depthwise_rule,
        (IN_CHANNELS, KERNEL, STRIDE, _KERAS_PADDING, _MULTIPLIER, DILATION, BIAS),
        aliases=("DepthwiseConv2D",),
        ranks=(3,),
        spatial=2,
        formula="k_h × k_w × C_in × m + C_in × m",
        keras=True,
        macs="H_out × W_out × C_in × m × k_h × k_w",
        saves="conv",
        field="window",
    ),
    Kind(
        "SeparableConv2d",
        "conv",
        "Keras' SeparableConv2D: a depthwise convolution followed by a 1×1 pointwise convolution.",
        _separable_rule,
        (IN_CHANNELS, OUT_CHANNELS, KERNEL, STRIDE, _KERAS_PADDING, _MULTIPLIER, DILATION, BIAS),
        aliases=("SeparableConv2D",),
        ranks=(3,),
        spatial=2,
        formula="k_h × k_w × C_in × m + C_in × m × C_out + C_out",
        keras=True,
        macs="H_out × W_out × C_in × m × (k_h × k_w + C_out)",
        saves="conv",
        field="window",
    ),
)
