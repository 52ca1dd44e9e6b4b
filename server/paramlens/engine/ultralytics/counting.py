"""Counting a row's parameters without building its tree of ``LayerResult``s: the other scales' totals.

The `scales:` lens and hover want every scale's total, not its rows' formulas, shapes steps and spans.
:class:`CountNet` is the :class:`~.net.Net` the builders (modules/*.py) are run with for those: the same
builders, the same kinds' rules (each torch layer is evaluated once by :meth:`Net.leaf` and its counts kept),
but each sub-module is a small :class:`Count` (its counts, shapes and children) instead of a ``LayerResult``
with its tensors, formula and position. A Count is what the walk and the builders read of a sub-module; it
is never rendered (a quiet build has no diagnostics, hints or hovers).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from ..analysis import Tensor
from ..shapes import Shape
from .net import Net

_COUNTED: dict[tuple[Any, ...], tuple[int, int, int, Shape | None]] = {}  # a leaf's counts and output, by its key
_COUNTED_MAX = 8192
_MADE: dict[tuple[Any, ...], Count] = {}  # a counted builder's Count, by its call (see `counted`)
_MADE_MAX = 4096
F = TypeVar("F", bound=Callable[..., Any])


class Count:
    """A sub-module's counts (what a LayerResult of it would say), for a build that only counts."""

    __slots__ = ("activations", "buffer_count", "buffers", "category", "children", "formula", "input_shape",
                 "mac_formula", "macs", "name", "notes", "output_shape", "param_count", "params", "rf", "saved",
                 "shape_steps", "trainable_count", "type")  # fmt: skip

    def __init__(self, type: str, category: str, name: str | None, x: Shape | None, out: Shape | None,
                 params: int | None, trainable: int | None, buffers: int | None,
                 children: Any = ()) -> None:  # fmt: skip
        self.type, self.category, self.name, self.input_shape, self.output_shape = type, category, name, x, out
        self.param_count, self.trainable_count, self.buffer_count, self.children = params, trainable, buffers, children
        self.notes: tuple[str, ...] = ()
        self.params: tuple[Tensor, ...] = ()  # what `adopt` copies onto a row built of one torch layer
        self.buffers: tuple[Tensor, ...] = ()
        self.formula = None
        self.shape_steps = ()
        # what a LayerResult says beyond the parameters: not counted for the other scales (only their totals
        # are), but builders may set them as they do on a LayerResult
        self.macs = self.mac_formula = self.activations = self.saved = self.rf = None

    def renamed(self, name: str) -> Count:
        """The same counts under another name (a copy: DWConv sets its own type on what Conv returns)."""
        made = Count(self.type, self.category, name, self.input_shape, self.output_shape, self.param_count,
                     self.trainable_count, self.buffer_count, self.children)  # fmt: skip
        made.notes, made.params, made.buffers = self.notes, self.params, self.buffers
        return made


class CountNet(Net):
    """The Net of a build that only counts: its sub-modules are :class:`Count`s."""

    __slots__ = ("defaults",)

    def __init__(self, act: tuple[str, dict[str, Any]] = ("SiLU", {})) -> None:
        super().__init__(act)
        self.defaults = repr(act)  # what a builder's count depends on besides its call (see `counted`)

    def leaf(self, kind_name: str, name: str, x: Shape | None, trainable: bool = True, **values: Any) -> Any:
        key = (kind_name, x, trainable, tuple(values.items()))
        found = _COUNTED.get(key)
        if found is None:
            full = Net.leaf(self, kind_name, name, x, trainable, **values)  # the kind's rule, as for the tree
            found = (full.param_count, full.trainable_count, full.buffer_count, full.output_shape)
            if len(_COUNTED) < _COUNTED_MAX:
                _COUNTED[key] = found
        return Count(kind_name, "layer", name, x, found[3], found[0], found[1], found[2])

    def tensors(self, name: str, type: str, x: Shape | None, out: Shape | None, *tensors: Tensor) -> Any:
        count = sum(t.numel for t in tensors)
        result = Count(type, "layer", name, x, out, count, sum(t.numel for t in tensors if t.trainable), 0)
        result.params = tensors
        return result

    def group(self, type: str, name: str, children: list[Any], x: Shape | None, out: Shape | None,
              own: int | None = 0) -> Any:  # fmt: skip
        """Net.group's counts; ``own`` (the module's own MACs) is not counted for the other scales."""
        params, trainable, buffers = self.sums(children)
        return Count(type, "block", name, x, out, params, trainable, buffers, children)


def counted(builder: F) -> F:
    """A builder that a build which only counts calls many times with the same arguments (a Conv, the
    bottlenecks of a C2f): there, the same call (input, arguments and the model's defaults) is a copy of
    the Count it made before, not the sub-modules built again. A tree (every sub-module at its own place)
    is always built."""

    @wraps(builder)
    def build(net: Net, name: str, x: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(net, CountNet):
            return builder(net, name, x, *args, **kwargs)
        key = (builder, net.defaults, net.legacy, net.sppf_legacy, x, args, tuple(kwargs.items()))
        try:
            found = _MADE.get(key)
        except TypeError:  # an argument that is a list: not kept
            return builder(net, name, x, *args, **kwargs)
        if found is None:
            found = builder(net, name, x, *args, **kwargs)
            if len(_MADE) >= _MADE_MAX:
                _MADE.clear()
            _MADE[key] = found
        return found.renamed(name)

    return build  # type: ignore[return-value]
