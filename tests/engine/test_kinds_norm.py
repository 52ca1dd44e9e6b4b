"""Normalisation layers, counted as PyTorch counts them; running statistics are buffers, apart.

torch.nn.BatchNorm{1,2,3}d(C): weight and bias (C each) when affine; buffers running_mean (C), running_var (C)
    and num_batches_tracked (one element) when track_running_stats.
torch.nn.InstanceNorm{1,2,3}d: the same tensors, but affine and track_running_stats default to False.
torch.nn.LayerNorm(shape): weight and bias of `shape` (bias=False drops β; elementwise_affine=False drops both).
torch.nn.RMSNorm(shape): weight of `shape`. torch.nn.GroupNorm(G, C): weight and bias (C each), C % G == 0.
Keras BatchNormalization: γ when scale, β when center; its moving statistics are non-trainable.
"""

import pytest
from kindcase import Case, check

KERAS_BN_NOTE = (
    "Keras counts the running mean and variance (64 values) as non-trainable params; "
    "PyTorch keeps them as buffers, outside the parameter count."
)

CASES = [
    # BatchNorm2d(32): 2·32 = 64 params, 32 + 32 + 1 = 65 buffer values (counting.md).
    Case(
        "BatchNorm2d",
        "[32, 8, 8]",
        64,
        (32, 8, 8),
        "2 × C (γ and β) = 2 × 32 = 64",
        buffers=65,
        tensors=(("weight", (32,)), ("bias", (32,))),
        notes=(KERAS_BN_NOTE,),
        args={"num_features": 32, "eps": 1e-5, "momentum": 0.1},
    ),
    Case("BatchNorm1d: {affine: false}", "[32]", 0, (32,), "0 (affine: false) = 0", buffers=65),
    Case("BatchNorm1d: {track_running_stats: false}", "[32, 10]", 64, (32, 10), "2 × C (γ and β) = 2 × 32 = 64"),
    Case(
        "BatchNorm3d: {num_features: 16, eps: 0.001, momentum: 0.01}",
        "[16, 4, 4, 4]",
        32,
        (16, 4, 4, 4),
        "2 × C (γ and β) = 2 × 16 = 32",
        buffers=33,
    ),
    # Keras' BatchNormalization: γ and β by default; center: false keeps γ only, scale: false β only.
    Case(
        "BatchNormalization",
        "[32, 8, 8]",
        64,
        (32, 8, 8),
        "2 × C (γ and β) = 2 × 32 = 64",
        buffers=65,
        args={"eps": 1e-3, "momentum": 0.99},
    ),
    Case(
        "BatchNormalization: {center: false}",
        "[32, 8, 8]",
        32,
        (32, 8, 8),
        "C (γ only) = 32",
        buffers=65,
        tensors=(("weight", (32,)),),
    ),
    Case(
        "BatchNormalization: {scale: false, epsilon: 0.01}",
        "[32]",
        32,
        (32,),
        "C (β only) = 32",
        buffers=65,
        tensors=(("bias", (32,)),),
        args={"eps": 0.01},
    ),
    Case(
        "BatchNormalization: {scale: false, center: false}",
        "[32, 10]",
        0,
        (32, 10),
        "0 (scale and center: false) = 0",
        buffers=65,
    ),
    # LayerNorm([64, 7, 7]): 2·64·7·7 = 6,272 (counting.md).
    Case(
        "LayerNorm: {normalized_shape: [64, 7, 7]}",
        "[64, 7, 7]",
        6272,
        (64, 7, 7),
        "2 × Π normalized_shape (γ and β) = 2 × 64 × 7 × 7 = 6,272",
        tensors=(("weight", (64, 7, 7)), ("bias", (64, 7, 7))),
    ),
    # normalized_shape inferred as the last dimension: 2·64 = 128.
    Case(
        "LayerNorm",
        "[10, 64]",
        128,
        (10, 64),
        "2 × Π normalized_shape (γ and β) = 2 × 64 = 128",
        args={"normalized_shape": (64,)},
    ),
    Case("LayerNorm: {normalized_shape: 64, bias: false}", "[10, 64]", 64, (10, 64), "Π normalized_shape (γ) = 64"),
    # Keras' LayerNormalization(center=False) keeps γ only.
    Case("LayerNormalization: {center: false}", "[10, 64]", 64, (10, 64), "Π normalized_shape (γ) = 64"),
    Case("LayerNorm: {elementwise_affine: false}", "[10, 64]", 0, (10, 64), "0 (elementwise_affine: false) = 0"),
    # RMSNorm(512): 512 (counting.md).
    Case("RMSNorm", "[10, 512]", 512, (10, 512), "Π normalized_shape (γ) = 512", tensors=(("weight", (512,)),)),
    Case(
        "RMSNorm: {normalized_shape: [10, 512]}",
        "[10, 512]",
        5120,
        (10, 512),
        "Π normalized_shape (γ) = 10 × 512 = 5,120",
    ),
    Case("RMSNorm: {elementwise_affine: false}", "[10, 512]", 0, (10, 512), "0 (elementwise_affine: false) = 0"),
    # GroupNorm(8, 64): 2·64 = 128 (counting.md).
    Case("GroupNorm: {num_groups: 8}", "[64, 8, 8]", 128, (64, 8, 8), "2 × C (γ and β) = 2 × 64 = 128"),
    Case("GroupNorm: {num_groups: 8, affine: false}", "[64, 8, 8]", 0, (64, 8, 8), "0 (affine: false) = 0"),
    Case("GroupNorm: {groups: 4}", "[8, 10]", 16, (8, 10), "2 × C (γ and β) = 2 × 8 = 16"),
    # InstanceNorm2d(64): 0 params, 0 buffers by default (counting.md); affine 2C, tracking 2C + 1.
    Case("InstanceNorm2d", "[64, 8, 8]", 0, (64, 8, 8), "0 (affine: false) = 0"),
    Case(
        "InstanceNorm2d: {affine: true, track_running_stats: true}",
        "[64, 8, 8]",
        128,
        (64, 8, 8),
        "2 × C (γ and β) = 2 × 64 = 128",
        buffers=129,
    ),
    Case("InstanceNorm1d: {affine: true}", "[64, 8]", 128, (64, 8), "2 × C (γ and β) = 2 × 64 = 128"),
    Case("InstanceNorm3d: {track_running_stats: true}", "[6, 2, 3, 4]", 0, (6, 2, 3, 4), "0 (affine: false) = 0", 13),
    Case("LocalResponseNorm: {size: 5}", "[64, 8, 8]", 0, (64, 8, 8), "0"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_norm(case: Case) -> None:
    check(case)
