"""Convolutions, counted and shaped as PyTorch documents them.

torch.nn.Conv{1,2,3}d: weight (C_out, C_in / groups, *k), bias (C_out);
    L_out = ⌊(L_in + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1 ('same' keeps L_in, stride 1 only).
torch.nn.ConvTranspose{1,2,3}d: weight (C_in, C_out / groups, *k), bias (C_out);
    L_out = (L_in − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.
Keras DepthwiseConv2D: kernel (k_h, k_w, C, m) + bias C·m; SeparableConv2D: depthwise kernel without bias,
then a 1×1 pointwise kernel (C·m, C_out) + bias C_out; 'same' gives ⌈L / stride⌉.
"""

import pytest
from kindcase import Case, check

CASES = [
    # The seed's first layer: (3·3·3 + 1)·16 = 448; H = ⌊(32 − 2 − 1) / 1⌋ + 1 = 30.
    Case(
        "Conv2d: {out_channels: 16, kernel_size: 3}",
        "[3, 32, 32]",
        448,
        (16, 30, 30),
        "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 + 1) × 16 = 448",
        tensors=(("weight", (16, 3, 3, 3)), ("bias", (16,))),
        steps=(
            "H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(32 + 0 − 2 − 1) / 1⌋ + 1 = 30",
            "W_out = ⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(32 + 0 − 2 − 1) / 1⌋ + 1 = 30",
        ),
        args={"in_channels": 3, "stride": (1, 1), "padding": (0, 0), "groups": 1},
    ),
    # groups 4: weight (64, 32/4, 3, 3) = 4,608, + 64 bias = 4,672 (counting.md).
    Case(
        "Conv2d: {out_channels: 64, kernel_size: 3, groups: 4}",
        "[32, 16, 16]",
        4672,
        (64, 14, 14),
        "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 32 / 4 + 1) × 64 = 4,672",
        tensors=(("weight", (64, 8, 3, 3)), ("bias", (64,))),
    ),
    # stride 2, padding 1: H = ⌊(32 + 2 − 2 − 1) / 2⌋ + 1 = 16; the count ignores stride and padding.
    Case(
        "Conv2d: {out_channels: 16, kernel_size: 3, stride: 2, padding: 1}",
        "[3, 32, 32]",
        448,
        (16, 16, 16),
        "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 + 1) × 16 = 448",
        steps=(
            "H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(32 + 2 − 2 − 1) / 2⌋ + 1 = 16",
            "W_out = ⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(32 + 2 − 2 − 1) / 2⌋ + 1 = 16",
        ),
    ),
    # Per-dimension kernel and stride, 'valid': (3·5·3 + 1)·8 = 368; H = ⌊29 / 2⌋ + 1 = 15, W = ⌊27 / 1⌋ + 1 = 28.
    Case(
        "Conv2d: {out_channels: 8, kernel_size: [3, 5], stride: [2, 1], padding: valid}",
        "[3, 32, 32]",
        368,
        (8, 15, 28),
        "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 5 × 3 + 1) × 8 = 368",
    ),
    # Keras names (Conv2D, filters, dilation_rate, use_bias) and 'same': 5·5·3·16 = 1,200, size kept.
    Case(
        "Conv2D: {filters: 16, kernel_size: 5, padding: same, dilation_rate: 2, use_bias: false}",
        "[3, 32, 32]",
        1200,
        (16, 32, 32),
        "k_h × k_w × C_in / groups × C_out = 5 × 5 × 3 × 16 = 1,200",
        tensors=(("weight", (16, 3, 5, 5)),),
        steps=("H_out = H (padding 'same') = 32", "W_out = W (padding 'same') = 32"),
    ),
    # Conv1d with stride 3, padding 2, dilation 2: (7·4 + 1)·8 = 232; L = ⌊(100 + 4 − 12 − 1) / 3⌋ + 1 = 31.
    Case(
        "Conv1d: {out_channels: 8, kernel_size: 7, stride: 3, padding: 2, dilation: 2}",
        "[4, 100]",
        232,
        (8, 31),
        "(k × C_in / groups + 1) × C_out = (7 × 4 + 1) × 8 = 232",
        steps=("L_out = ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(100 + 4 − 12 − 1) / 3⌋ + 1 = 31",),
    ),
    # 'same' with an even kernel keeps the length too: (4·2 + 1)·3 = 27.
    Case(
        "Conv1d: {out_channels: 3, kernel_size: 4, padding: same}",
        "[2, 10]",
        27,
        (3, 10),
        "(k × C_in / groups + 1) × C_out = (4 × 2 + 1) × 3 = 27",
    ),
    # Keras' Convolution1D spelling: (3·1 + 1)·2 = 8; L = 5 − 2 = 3.
    Case(
        "Convolution1D: {filters: 2, kernel_size: 3}",
        "[1, 5]",
        8,
        (2, 3),
        "(k × C_in / groups + 1) × C_out = (3 × 1 + 1) × 2 = 8",
    ),
    # Conv3d, groups 2, no bias: 32 · 16/2 · 3·5·5 = 19,200 (counting.md); D = 8 − 2 = 6, H = W = 16 − 4 = 12.
    Case(
        "Conv3d: {out_channels: 32, kernel_size: [3, 5, 5], groups: 2, bias: false}",
        "[16, 8, 16, 16]",
        19200,
        (32, 6, 12, 12),
        "k_d × k_h × k_w × C_in / groups × C_out = 3 × 5 × 5 × 16 / 2 × 32 = 19,200",
        tensors=(("weight", (32, 8, 3, 5, 5)),),
    ),
    # The seed's 3-D layer: (3·3·3·3 + 1)·16 = 1,312.
    Case(
        "Conv3D: {filters: 16, kernel_size: 3}",
        "[3, 16, 16, 16]",
        1312,
        (16, 14, 14, 14),
        "(k_d × k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 × 3 + 1) × 16 = 1,312",
    ),
    # ConvTranspose2d(32, 16, 4, stride 2): 32·16·16 + 16 = 8,208 (counting.md); H = 7·2 + 3 + 1 = 18.
    Case(
        "ConvTranspose2d: {out_channels: 16, kernel_size: 4, stride: 2}",
        "[32, 8, 8]",
        8208,
        (16, 18, 18),
        "k_h × k_w × C_in × C_out / groups + C_out = 4 × 4 × 32 × 16 + 16 = 8,208",
        tensors=(("weight", (32, 16, 4, 4)), ("bias", (16,))),
        steps=(
            "H_out = (H − 1)·s − 2p + d(k − 1) + output_padding + 1 = (8 − 1)·2 − 0 + 3 + 0 + 1 = 18",
            "W_out = (W − 1)·s − 2p + d(k − 1) + output_padding + 1 = (8 − 1)·2 − 0 + 3 + 0 + 1 = 18",
        ),
    ),
    # groups 2, no bias, padding 1, output_padding 1: weight (6, 4/2, 3, 3) = 108; H = 9·2 − 2 + 2 + 1 + 1 = 20.
    Case(
        "ConvTranspose2d: {out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1, groups: 2, "
        "bias: false}",
        "[6, 10, 10]",
        108,
        (4, 20, 20),
        "k_h × k_w × C_in × C_out / groups = 3 × 3 × 6 × 4 / 2 = 108",
        tensors=(("weight", (6, 2, 3, 3)),),
    ),
    # Keras' Conv2DTranspose: 2·2·16·8 + 8 = 520; H = 6·2 + 1 + 1 = 14.
    Case(
        "Conv2DTranspose: {filters: 8, kernel_size: 2, strides: 2}",
        "[16, 7, 7]",
        520,
        (8, 14, 14),
        "k_h × k_w × C_in × C_out / groups + C_out = 2 × 2 × 16 × 8 + 8 = 520",
    ),
    # dilation 2: 3·6·4 + 4 = 76; L = 9·1 − 0 + 2·2 + 0 + 1 = 14.
    Case(
        "ConvTranspose1d: {out_channels: 4, kernel_size: 3, dilation: 2}",
        "[6, 10]",
        76,
        (4, 14),
        "k × C_in × C_out / groups + C_out = 3 × 6 × 4 + 4 = 76",
    ),
    # Per-dimension kernel and stride: 2·3·1·4·2 + 2 = 50; D = 4 + 1 + 1 = 6, H = 5·2 + 2 + 1 = 13, W = 6·3 + 1 = 19.
    Case(
        "ConvTranspose3d: {out_channels: 2, kernel_size: [2, 3, 1], stride: [1, 2, 3]}",
        "[4, 5, 6, 7]",
        50,
        (2, 6, 13, 19),
        "k_d × k_h × k_w × C_in × C_out / groups + C_out = 2 × 3 × 1 × 4 × 2 + 2 = 50",
    ),
    # Keras DepthwiseConv2D(3) on 32 channels: 3·3·32 + 32 = 320 (counting.md); 'valid' by default.
    Case(
        "DepthwiseConv2D: {kernel_size: 3}",
        "[32, 16, 16]",
        320,
        (32, 14, 14),
        "k_h × k_w × C_in × m + C_in × m = 3 × 3 × 32 × 1 + 32 × 1 = 320",
        tensors=(("weight", (32, 1, 3, 3)), ("bias", (32,))),
    ),
    # depth_multiplier 2, Keras 'same' with stride 2: 3·3·32·2 + 64 = 640; H = ⌈15 / 2⌉ = 8.
    Case(
        "DepthwiseConv2D: {kernel_size: 3, strides: 2, padding: same, depth_multiplier: 2}",
        "[32, 15, 15]",
        640,
        (64, 8, 8),
        "k_h × k_w × C_in × m + C_in × m = 3 × 3 × 32 × 2 + 32 × 2 = 640",
        steps=("H_out = ⌈H / s⌉ (padding 'same') = ⌈15 / 2⌉ = 8", "W_out = ⌈W / s⌉ (padding 'same') = ⌈15 / 2⌉ = 8"),
    ),
    Case(
        "DepthwiseConv2d: {kernel_size: 5, use_bias: false}",
        "[8, 9, 9]",
        200,
        (8, 5, 5),
        "k_h × k_w × C_in × m = 5 × 5 × 8 × 1 = 200",
    ),
    # Keras SeparableConv2D(64, 3) on 32 channels: 3·3·32 + 32·64 + 64 = 2,400 (counting.md).
    Case(
        "SeparableConv2D: {filters: 64, kernel_size: 3}",
        "[32, 16, 16]",
        2400,
        (64, 14, 14),
        "k_h × k_w × C_in × m + C_in × m × C_out + C_out = 3 × 3 × 32 × 1 + 32 × 1 × 64 + 64 = 2,400",
        tensors=(("depthwise.weight", (32, 1, 3, 3)), ("pointwise.weight", (64, 32, 1, 1)), ("pointwise.bias", (64,))),
    ),
    # No bias, 'same' with stride 2: 288 + 2,048 = 2,336; H = ⌈16 / 2⌉ = 8.
    Case(
        "SeparableConv2D: {filters: 64, kernel_size: 3, use_bias: false, padding: same, strides: 2}",
        "[32, 16, 16]",
        2336,
        (64, 8, 8),
        "k_h × k_w × C_in × m + C_in × m × C_out = 3 × 3 × 32 × 1 + 32 × 1 × 64 = 2,336",
    ),
    # depth_multiplier 2: 3·3·8·2 + 8·2·16 + 16 = 144 + 256 + 16 = 416.
    Case(
        "SeparableConv2d: {out_channels: 16, kernel_size: 3, depth_multiplier: 2}",
        "[8, 10, 10]",
        416,
        (16, 8, 8),
        "k_h × k_w × C_in × m + C_in × m × C_out + C_out = 3 × 3 × 8 × 2 + 8 × 2 × 16 + 16 = 416",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_conv(case: Case) -> None:
    check(case)
