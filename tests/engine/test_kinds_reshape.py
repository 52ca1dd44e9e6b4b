"""Layers that only move values: Flatten, Unflatten, Permute, Upsample, PixelShuffle/Unshuffle; none has
parameters. `dim` arguments count on one sample's shape (0 is the channel dimension, as PyTorch's 1 on a batch).

torch.nn.Flatten(start_dim=1, end_dim=-1) on a batch multiplies the dimensions between them.
torch.nn.Upsample: L_out = ⌊L_in × scale_factor⌋, or size (one int for every spatial dimension).
torch.nn.PixelShuffle(r): [C·r², H, W] → [C, H·r, W·r]; PixelUnshuffle the reverse.
"""

import pytest
from kindcase import Case, check

CASES = [
    # 32·7·7 = 1,568.
    Case(
        "Flatten",
        "[32, 7, 7]",
        0,
        (1568,),
        "0",
        steps=("features = d0 × d1 × d2 = 32 × 7 × 7 = 1568",),
        args={"start_dim": 0, "end_dim": -1},
    ),
    Case("Flatten: {start_dim: 1}", "[32, 7, 7]", 0, (32, 49), "0"),
    Case("Flatten: {start_dim: 0, end_dim: -2}", "[32, 7, 7]", 0, (224, 7), "0"),
    Case("Unflatten: {dim: 0, unflattened_size: [32, 7, 7]}", "[1568]", 0, (32, 7, 7), "0"),
    # -1 takes what is left: 1568 / (7·7) = 32.
    Case("Unflatten: {dim: -1, unflattened_size: [-1, 7, 7]}", "[1568]", 0, (32, 7, 7), "0"),
    Case("Permute: {dims: [1, 0]}", "[8, 20]", 0, (20, 8), "0"),
    Case("Permute: {dims: [0, 2, 1]}", "[3, 4, 5]", 0, (3, 5, 4), "0"),
    Case(
        "Upsample: {scale_factor: 2}",
        "[3, 10, 10]",
        0,
        (3, 20, 20),
        "0",
        steps=("H_out = ⌊H × scale⌋ = ⌊10 × 2⌋ = 20", "W_out = ⌊W × scale⌋ = ⌊10 × 2⌋ = 20"),
    ),
    # ⌊10 × 1.5⌋ = 15; ⌊7 × 1.5⌋ = 10.
    Case("Upsample: {scale_factor: 1.5, mode: bilinear, align_corners: true}", "[3, 10, 7]", 0, (3, 15, 10), "0"),
    Case("Upsample: {scale_factor: 2, mode: trilinear}", "[1, 2, 3, 4]", 0, (1, 4, 6, 8), "0"),
    # one size for every spatial dimension, as torch.nn.Upsample(size=20).
    Case("Upsample: {size: 20}", "[3, 10, 10]", 0, (3, 20, 20), "0"),
    Case("Upsample: {size: [20, 30]}", "[3, 10, 10]", 0, (3, 20, 30), "0"),
    Case("Upsample: {size: 25, mode: linear}", "[3, 10]", 0, (3, 25), "0"),
    # 16 / 2² = 4 channels, 5·2 = 10.
    Case("PixelShuffle: {upscale_factor: 2}", "[16, 5, 5]", 0, (4, 10, 10), "0"),
    Case("PixelUnshuffle: {downscale_factor: 2}", "[4, 10, 10]", 0, (16, 5, 5), "0"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_reshape(case: Case) -> None:
    check(case)
