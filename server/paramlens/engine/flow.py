"""What a walk carries from layer to layer (``Flow``), where it happens (``Scope``), and the budget that stops
a runaway walk."""

from __future__ import annotations

from typing import Any, NamedTuple

from .analysis import LayerResult, Span, UseSite
from .shapes import Shape


class _Budget(Exception):
    """The analysis grew beyond its budget of layer evaluations or MAX_DEPTH."""

    def __init__(self, message: str, span: Span) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


class Flow(NamedTuple):
    """What flows from one layer to the next."""

    shape: Shape | None
    producer: LayerResult | None = None  # the last layer that changed the shape (None: the input)
    broken: bool = False  # unknown because of an error upstream: stay quiet


class Scope(NamedTuple):
    """Where a walk happens: block arguments, the block stack, freezing, imported text."""

    env: dict[str, Any] | None = None
    stack: tuple[str, ...] = ()
    frozen: bool = False
    source: str | None = None  # the imported file a foreign block comes from
    use: Span | None = None  # the block use whose body is walked (diagnostics of foreign blocks go here)
    site: UseSite | None = None  # the outermost block use being walked: what definitions show
    depth: int = 0
