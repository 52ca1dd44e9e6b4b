"""The index-shift check: a row inserted or deleted above absolute `from` indices (placeholder)."""

from __future__ import annotations

from typing import Any

from ..analysis import Diagnostic, LayerResult
from .rows import Row


class Memo:
    """What the next version compares with: each row's text and the rows its `from` named."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows


def check_shift(memo: Any, rows: list[Row], results: list[LayerResult]) -> tuple[Memo, list[Diagnostic]]:
    return Memo([]), []
