"""The checks that predict where Ultralytics fails: a width it records against the one a row really outputs,
and a Concat of maps of different sizes."""

from __future__ import annotations

from typing import Any

from .. import shapes
from ..analysis import LayerResult, Related
from ..shapes import Shape
from ..source import node_span
from .common import NOT_A_MAP
from .rows import Row


class Checks:
    """The run-time checks of :class:`walk._Walk` (a mixin)."""

    def check_widths(self, row: Row, m: str, xs: list[Any], widths: list[Any], sources: tuple[int, ...]) -> None:
        for x, w, s, span in zip(xs, widths, sources, row.from_spans(), strict=False):
            if isinstance(x, tuple) and w is not None and x[0] != w:
                self.report(
                    "channel-mismatch",
                    f"{m} is built for {w} channels from row {s} (the width Ultralytics records for it), but row "
                    f"{s} really outputs {x[0]}: the model fails when it first runs (Given groups=1, weight of "
                    f"size … expected input … to have {w} channels, but got {x[0]}).",
                    span,
                )

    def channel_mismatch(self, row: Row, m: str, c1: int, x: Shape, s: int) -> None:
        src = "the input" if s < 0 else f"row {s} ({self.rows[s].module})"
        self.report(
            "channel-mismatch",
            f"{m} is built for c1 = {c1} input channels (the width Ultralytics records for {src}), but {src} "
            f"really outputs {x[0]}: Ultralytics fails when the model first runs with RuntimeError: Given "
            f"groups=1, weight of size […, {c1}, …] … expected input[1, {x[0]}, …] to have {c1} channels, but "
            f"got {x[0]} channels instead. A row in the last branch of parse_model (nn.* or a custom module) "
            "is recorded as keeping its input's width: make its output width equal its input's.",
            node_span(row.module_node),
        )

    def concat(self, row: Row, result: LayerResult, args: list[Any], xs: list[Any], sources: tuple[int, ...]) -> Any:
        result.param_count = result.trainable_count = result.buffer_count = result.macs = 0
        dim = args[0] if args else 1
        if None in xs or dim != 1:
            return None
        if NOT_A_MAP in xs:
            for x, s, span in zip(xs, sources, row.from_spans(), strict=False):
                if x is NOT_A_MAP:
                    self.report("invalid-from", f"Concat needs feature maps, but row {s} ({self.rows[s].module}) "
                                "outputs no single tensor.", span)  # fmt: skip
            return None
        first = xs[0]
        spans = row.from_spans()
        if any(not shapes.known(x) for x in xs):
            return None  # a size upstream is unknown (that row says why)
        for x, s, span in zip(xs[1:], sources[1:], spans[1:], strict=False):
            if len(x) != len(first) or tuple(x[1:]) != tuple(first[1:]):
                a = "the input" if sources[0] < 0 else f"row {sources[0]}"
                self.report(
                    "concat-mismatch",
                    f"Concat joins {a} ({shapes.fmt(first)}) and row {s} ({shapes.fmt(x)}): their spatial sizes "
                    f"differ ({shapes.fmt(first[1:])} vs {shapes.fmt(x[1:])} at imgsz {self.input[1]}). "
                    "Ultralytics: RuntimeError: Sizes of tensors must match except in dimension 1. "
                    + (
                        f"At imgsz {self.input[1]}, not a multiple of 32, an up-sampled map misses the size it "
                        "joins; Ultralytics' train and predict round imgsz up to a multiple of the model's largest "
                        f"stride (stride 32: {-(-self.input[1] // 32) * 32}): use such an imgsz."
                        if self.input[1] % 32
                        else "Point `from` at rows of the same stride (after an inserted or deleted row, the absolute "
                        "indices shift)."
                    ),
                    span,
                    related=(Related(node_span(self.rows[s].module_node), f"row {s}: {shapes.fmt(x)}"),)
                    if s >= 0 else (),
                )
                return None
        out = (sum(x[0] for x in xs), *first[1:])
        result.input_shape = first
        result.output_shape = out
        result.activations = shapes.numel(out)  # a new tensor, of no dense product
        return out
