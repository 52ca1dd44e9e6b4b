"""Pieces shared by the families: dimension symbols, common arguments, formula text."""

from __future__ import annotations

from ..registry import Arg

DIM_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
KERNEL_SYMBOLS = {1: ("k",), 2: ("k_h", "k_w"), 3: ("k_d", "k_h", "k_w")}
RANK_SHAPES = {1: "[C]", 2: "[C, L]", 3: "[C, H, W]", 4: "[C, D, H, W]"}

BIAS = Arg("bias", "bool", True, "Learn an additive bias per output.", aliases=("use_bias",))
INPLACE = Arg("inplace", "bool", False, "Overwrite the input (no effect on counts or shapes).")


def times(*factors: object) -> str:
    """``3 × 3 × 16``."""
    return " × ".join(str(f) for f in factors)


def floor_div(numerator: str, divisor: int | str) -> str:
    return f"⌊({numerator}) / {divisor}⌋"


def spatial_suffix(n: int) -> str:
    return {1: "1d", 2: "2d", 3: "3d"}[n]
