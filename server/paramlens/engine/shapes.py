"""Tensor shapes of one sample (no batch dimension), with unknown parts.

A shape is a tuple of dimensions, each an ``int`` or ``None`` (unknown). When even the rank is
unknown but the trailing dimensions are known (a Linear after an input of unknown shape), the tuple
starts with ``...``: ``(..., 64)``. A shape that is not known at all is ``None``.
"""

from __future__ import annotations

from math import prod
from types import EllipsisType

Dim = int | None
Shape = tuple[Dim | EllipsisType, ...]


def rank(shape: Shape | None) -> int | None:
    """The number of dimensions, or None when it is not known."""
    if shape is None or (shape and shape[0] is ...):
        return None
    return len(shape)


def channels(shape: Shape | None) -> Dim:
    """The first (channel) dimension, when the rank is known."""
    if shape is None or not shape or shape[0] is ...:
        return None
    return shape[0]  # type: ignore[return-value]


def last(shape: Shape | None) -> Dim:
    """The last dimension, known even when the rank is not."""
    if shape is None or not shape or shape[-1] is ...:
        return None
    return shape[-1]  # type: ignore[return-value]


def with_last(shape: Shape | None, dim: Dim) -> Shape:
    """The shape with its last dimension replaced (Linear, Embedding heads, recurrent layers)."""
    if shape is None or not shape:
        return (..., dim)
    return (*shape[:-1], dim)


def numel(shape: Shape | None) -> int | None:
    """The number of elements, or None when any dimension is unknown."""
    if shape is None or None in shape or ... in shape:
        return None
    return prod(shape)  # type: ignore[arg-type]


def known(shape: Shape | None) -> bool:
    return numel(shape) is not None


def compatible(a: Shape | None, b: Shape | None) -> bool:
    """True unless both shapes are known enough to differ."""
    if a is None or b is None or rank(a) is None or rank(b) is None:
        return True
    if len(a) != len(b):
        return False
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def merge(a: Shape | None, b: Shape | None) -> Shape | None:
    """Of two compatible shapes, the one that knows more."""
    if a is None or rank(a) is None:
        return b if b is not None else a
    if b is None or rank(b) is None:
        return a
    return tuple(x if x is not None else y for x, y in zip(a, b, strict=True))


def fmt_dim(d: Dim | EllipsisType) -> str:
    if d is ...:
        return "…"
    return "?" if d is None else str(d)


def fmt(shape: Shape | None, sep: str = "×") -> str:
    """``32×30×30``; ``?`` for what is unknown."""
    if shape is None:
        return "?"
    if not shape:
        return "scalar"
    return sep.join(fmt_dim(d) for d in shape)


def as_list(shape: Shape | None) -> list[int | None] | None:
    """JSON form: a list with null for unknown dimensions, or null when the rank is unknown."""
    if shape is None or rank(shape) is None:
        return None
    return list(shape)  # type: ignore[arg-type]
