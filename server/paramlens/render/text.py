"""Plain-text pieces shared by the views: counts, shapes, positions, diagnostic lines."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..engine import shapes
from ..engine.analysis import Diagnostic, LayerResult

_LINE_BREAK = re.compile("\r\n|[\r\n]")  # the engine counts lines as editors do (NEL, U+2028, U+2029 are not breaks)


def count(n: int | None) -> str:
    """``4,640``, or ``?`` when the engine could not know it."""
    return "?" if n is None else f"{n:,}"


def shape(s: shapes.Shape | None) -> str:
    return shapes.fmt(s)


def split_lines(text: str) -> list[str]:
    """The document's lines, split where the engine's line numbers change (not Python's ``splitlines``,
    which also splits on form feeds and other characters YAML keeps inside a line)."""
    return _LINE_BREAK.split(text)


def diagnostic_text(d: Diagnostic) -> str:
    """``severity: message [code]``."""
    return f"{d.severity.label}: {d.message} [{d.code}]"


def diagnostic_line(d: Diagnostic, path: str | None = None) -> str:
    """``path:line:col: severity: message [code]`` with a 1-based line and column, as compilers print."""
    where = f"{d.span.start_line + 1}:{d.span.start_char + 1}"
    return f"{path + ':' if path else ''}{where}: {diagnostic_text(d)}"


def type_label(layer: LayerResult) -> str:
    """The type as a table shows it: ``Repeat ×4``, ``Conv2d (frozen)``."""
    label = layer.type
    if layer.repeat is not None:
        label += f" ×{layer.repeat:,}"
    if layer.param_count and layer.trainable_count == 0:
        label += " (frozen)"
    return label


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def tally(diagnostics: Iterable[Diagnostic]) -> str:
    """``1 error, 2 warnings``: the diagnostics counted by severity, most severe first."""
    counts = Counter(d.severity for d in diagnostics)
    return ", ".join(plural(counts[s], s.label) for s in sorted(counts))
