"""What the walk's parts share: the head classes, the marker of an output that is no feature map, and the
small helpers that copy Python's and Ultralytics' arithmetic and printing."""

from __future__ import annotations

import math
from typing import Any

from ..analysis import Span
from ..source import node_span
from .rows import Row

DETECT_HEADS = frozenset(("Detect", "Segment", "Segment26", "Pose", "Pose26", "OBB", "OBB26", "WorldDetect",
                          "YOLOEDetect", "YOLOESegment", "YOLOESegment26"))  # fmt: skip
HEADS = DETECT_HEADS | {"v10Detect", "RTDETRDecoder", "Classify", "SemanticSegment", "Depth"}
NOT_A_MAP = "not-a-map"  # the output of a row that is no single feature map (a head, CBLinear's tuple)


def make_divisible(x: float, divisor: int = 8) -> int:
    return math.ceil(x / divisor) * divisor


def printed(value: Any) -> str:
    """``str(args)`` as Python prints a list of constructor arguments."""
    return str(value)


def said(m: str, message: str) -> str:
    """``C2PSA: …`` unless the message names the module first already; one final full stop."""
    text = message if message.startswith(m) else f"{m}: {message}"
    return text if text.endswith(".") else text + "."


def number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def arg_span(row: Row, k: int) -> Span:
    node = row.args_node
    items = getattr(node, "value", None)
    if isinstance(items, list) and k < len(items):
        return node_span(items[k])
    return node_span(node)
