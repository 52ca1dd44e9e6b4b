"""Pieces shared by the families: dimension symbols, common arguments, formula text."""

from __future__ import annotations

from math import gcd, prod
from typing import TYPE_CHECKING

from ..analysis import Product
from ..registry import Arg

if TYPE_CHECKING:
    from ..context import LayerContext

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


def divisor_hint(arg: str, wrong: int, *totals: int) -> str:
    """``Use groups 2 or 4, which divide 6 and 8.``: the divisors nearest the wrong value (a bounded search:
    sizes may be huge)."""
    g = gcd(*totals)
    start = min(wrong - 1, g)
    below = next((d for d in range(start, max(start - 10_000, 1), -1) if g % d == 0), 1)
    above = next((d for d in range(wrong + 1, min(g, wrong + 10_000) + 1) if g % d == 0), None)
    picks = [below] if above is None else [below, above]
    which = " and ".join(str(t) for t in dict.fromkeys(totals))
    verb = "divides" if len(picks) == 1 else "divide"
    return f"Use {arg} {' or '.join(str(p) for p in picks)}, which {verb} {which}."


def spatial_suffix(n: int) -> str:
    return {1: "1d", 2: "2d", 3: "3d"}[n]


def record_macs(c: LayerContext, symbols: list[str], factors: list[int | None]) -> None:
    """The MACs as a product, ``H_out × W_out × C_out × …``, when every factor is known."""
    if any(f is None for f in factors):
        return
    c.mac_formula = Product(symbols, factors, prod(factors))  # type: ignore[arg-type]
