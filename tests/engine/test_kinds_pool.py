"""Pooling, shaped as PyTorch documents it; no pooling layer has parameters.

torch.nn.MaxPool{1,2,3}d: L_out = ⌊(L_in + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1, stride defaulting
    to kernel_size. torch.nn.AvgPool{1,2,3}d: L_out = ⌊(L_in + 2·padding − k) / stride⌋ + 1.
ceil_mode uses ⌈·⌉, then drops the last window when it would start in the right padding:
    if (L_out − 1)·stride ≥ L_in + padding, L_out − 1.
Adaptive pooling outputs output_size (None keeps the input's size). Keras' global pooling outputs [C].
"""

import pytest
from kindcase import Case, check

POOL = "0 (pooling has no parameters) = 0"

CASES = [
    # stride defaults to the kernel: H = ⌊(32 − 1 − 1) / 2⌋ + 1 = 16.
    Case(
        "MaxPool2d: {kernel_size: 2}",
        "[8, 32, 32]",
        0,
        (8, 16, 16),
        POOL,
        steps=(
            "H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(32 + 0 − 1 − 1) / 2⌋ + 1 = 16",
            "W_out = ⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(32 + 0 − 1 − 1) / 2⌋ + 1 = 16",
        ),
        args={"stride": None},
    ),
    # Keras names: pool_size 3, strides 2: ⌊(32 − 3) / 2⌋ + 1 = 15.
    Case("MaxPooling2D: {pool_size: 3, strides: 2}", "[8, 32, 32]", 0, (8, 15, 15), POOL),
    # ceil_mode: ⌈(8 − 3) / 2⌉ + 1 = 4, and (4 − 1)·2 = 6 < 8, so 4 stays.
    Case("MaxPool2d: {kernel_size: 3, stride: 2, ceil_mode: true}", "[8, 8, 8]", 0, (8, 4, 4), POOL),
    # MaxPool1d(2, 2, padding=1, ceil_mode=True) on 5: ⌈5 / 2⌉ + 1 = 4, but (4 − 1)·2 = 6 ≥ 5 + 1: 3 (counting.md).
    Case(
        "MaxPool1d: {kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}",
        "[5, 5]",
        0,
        (5, 3),
        POOL,
        steps=("L_out = ⌈(L + 2p − d(k − 1) − 1) / s⌉ + 1 = ⌈(5 + 2 − 1 − 1) / 2⌉ + 1 = 3",),
    ),
    # dilation widens the window: ⌊(20 − 2·2 − 1) / 1⌋ + 1 = 16.
    Case("MaxPool1d: {kernel_size: 3, stride: 1, dilation: 2}", "[8, 20]", 0, (8, 16), POOL),
    # padding 1 ≤ 3 // 2 is allowed with dilation 2: ⌊(9 + 2 − 4 − 1) / 2⌋ + 1 = 4.
    Case("MaxPool3d: {kernel_size: 3, stride: 2, padding: 1, dilation: 2}", "[8, 9, 9, 9]", 0, (8, 4, 4, 4), POOL),
    Case("MaxPooling3D: {pool_size: [1, 2, 2]}", "[4, 3, 8, 8]", 0, (4, 3, 4, 4), POOL),
    # AvgPool1d(4, 3, padding 2, ceil): ⌈(33 + 4 − 4) / 3⌉ + 1 = 12; (12 − 1)·3 = 33 < 35 keeps it.
    Case(
        "AvgPool1d: {kernel_size: 4, stride: 3, padding: 2, ceil_mode: true}",
        "[8, 33]",
        0,
        (8, 12),
        POOL,
        steps=("L_out = ⌈(L + 2p − k) / s⌉ + 1 = ⌈(33 + 4 − 4) / 3⌉ + 1 = 12",),
    ),
    Case("AveragePooling1D: {pool_size: 2}", "[4, 9]", 0, (4, 4), POOL),
    # ceil: ⌈(5 + 2 − 2) / 2⌉ + 1 = 4, but (4 − 1)·2 = 6 ≥ 5 + 1: 3.
    Case("AvgPool2d: {kernel_size: 2, padding: 1, ceil_mode: true}", "[8, 5, 5]", 0, (8, 3, 3), POOL),
    # ⌈(8 + 2 − 3) / 2⌉ + 1 = 5; (5 − 1)·2 = 8 < 9 keeps it.
    Case("AvgPool2d: {kernel_size: 3, stride: 2, padding: 1, ceil_mode: true}", "[8, 8, 8]", 0, (8, 5, 5), POOL),
    # per-dimension kernel (stride follows it): D = 6, H = ⌊4 / 2⌋ + 1 = 3, W = ⌊3 / 3⌋ + 1 = 2.
    Case("AvgPool3d: {kernel_size: [1, 2, 3]}", "[8, 6, 6, 6]", 0, (8, 6, 3, 2), POOL),
    Case(
        "AdaptiveAvgPool1d: {output_size: 5}",
        "[8, 20]",
        0,
        (8, 5),
        POOL,
        steps=("L_out = output_size = 5",),
    ),
    Case("AdaptiveAvgPool2d: {output_size: 1}", "[8, 7, 7]", 0, (8, 1, 1), POOL),
    Case("AdaptiveAvgPool3d: {output_size: [2, null, 4]}", "[8, 4, 20, 20]", 0, (8, 2, 20, 4), POOL),
    Case("AdaptiveMaxPool1d: {output_size: 4}", "[8, 20]", 0, (8, 4), POOL),
    # a null entry keeps that dimension of the input.
    Case(
        "AdaptiveMaxPool2d: {output_size: [null, 3]}",
        "[8, 20, 20]",
        0,
        (8, 20, 3),
        POOL,
        steps=("H_out = H = 20", "W_out = output_size = 3"),
    ),
    Case("AdaptiveMaxPool3d: {output_size: 1}", "[8, 4, 20, 20]", 0, (8, 1, 1, 1), POOL),
    Case("GlobalAveragePooling1D", "[8, 20]", 0, (8,), POOL),
    Case("GlobalAveragePooling2D", "[8, 20, 20]", 0, (8,), POOL),
    Case("GlobalAveragePooling3D: {keepdims: true}", "[8, 2, 3, 4]", 0, (8, 1, 1, 1), POOL),
    Case("GlobalAvgPool2d", "[16, 5, 5]", 0, (16,), POOL),
    Case("GlobalMaxPooling1D", "[8, 20]", 0, (8,), POOL),
    Case("GlobalMaxPooling2D: {keepdims: true}", "[8, 20, 20]", 0, (8, 1, 1), POOL),
    Case("GlobalMaxPooling3D", "[8, 2, 3, 4]", 0, (8,), POOL),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_pool(case: Case) -> None:
    check(case)
