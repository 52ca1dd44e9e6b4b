"""The index-shift check: absolute `from` indices left behind by an inserted or deleted row.

Inserting a row renumbers every row below it, but the absolute indices written in `from` (a Concat's
`[-1, 6]`, the head's `[15, 18, 21]`) still name the old numbers, and now point one row too early: the
most common way a customised model breaks (ultralytics#18606, #22432). The memo keeps the rows of the
last version whose indices were consistent (the *base*). A later version whose rows are the base's with
rows inserted or deleted in one place (compared without their `from`) is checked: each absolute index
that pointed at or past that place and was not renumbered is a `stale-index` diagnostic, and all carry
one fix that renumbers them all, so that the model is the one it was. Once they agree again (fixed by
hand or by the fix, or the model changed otherwise), the current version becomes the base.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from yaml.nodes import SequenceNode

from ..analysis import Diagnostic, Fix, Severity, Span
from ..source import node_span
from .rows import Row


class Base(NamedTuple):
    bodies: tuple[str, ...]  # each row's text after `from`: its repeats, module and arguments
    froms: tuple[Any, ...]  # each row's `from` as written


class Memo:
    """What the next version of the document is compared with."""

    __slots__ = ("base",)

    def __init__(self, base: Base) -> None:
        self.base = base


def _body(row: Row, text: str) -> str:
    node = row.node
    if isinstance(node, SequenceNode) and len(node.value) == 4:
        return " ".join(text[row.n_node.start_mark.index : row.args_node.end_mark.index].split())
    return " ".join(text[node.start_mark.index : node.end_mark.index].split())


def check_shift(memo: Any, rows: list[Row], text: str) -> tuple[Memo, list[Diagnostic]]:
    current = Base(tuple(_body(r, text) for r in rows), tuple(r.from_ for r in rows))
    base = memo.base if isinstance(memo, Memo) else None
    if base is None or base == current:
        return Memo(current), []
    old, new = base.bodies, current.bodies
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    k = len(new) - len(old)
    if k == 0 or prefix + suffix != min(len(old), len(new)):
        return Memo(current), []  # not one insertion or deletion: the model changed otherwise
    p = prefix  # rows inserted at p (k > 0), or rows p … p-k-1 deleted (k < 0)
    stale: list[tuple[Row, int, int, Span, Any]] = []  # row, old index, wanted index, span, its node
    lost: list[tuple[Row, int, Span]] = []
    for row in rows:
        i = row.index
        if (k > 0 and i < p + k) or (k < 0 and i < p):
            continue  # above the change, or inserted
        was = base.froms[i - k]
        now = row.from_
        if not _same_shape(was, now):
            continue
        was_items = was if isinstance(was, list) else [was]
        now_items = now if isinstance(now, list) else [now]
        nodes = row.from_node.value if isinstance(row.from_node, SequenceNode) else [row.from_node]
        for w, n, node in zip(was_items, now_items, nodes, strict=False):
            if not isinstance(w, int) or w < 0 or w < p:
                continue  # relative, or above the change: still right
            if k < 0 and w < p - k:
                if n == w:
                    lost.append((row, w, node_span(node)))
                continue
            wanted = w + k
            if n == w and wanted != w:
                stale.append((row, w, wanted, node_span(node), node))
    if not stale and not lost:
        return Memo(current), []
    diagnostics = []
    fix = _fix(stale, text) if stale else None
    what = f"{k} row{'s' * (abs(k) != 1)} {'inserted' if k > 0 else 'deleted'} at row {p}"
    if k < 0:
        what = f"{-k} row{'s' * (k != -1)} deleted at row {p}"
    for _row, w, wanted, span, _node in stale:
        diagnostics.append(Diagnostic(
            "stale-index", Severity.ERROR,
            f"`from` {w} still names the row it named before {what}: that row is now row {wanted}, and {w} "
            f"is now {_name(rows, w)}. Renumber it to {wanted} (the quick fix renumbers every absolute index "
            "after the change, so that the model is the one it was).",
            span, fixes=(fix,) if fix is not None else (),
        ))  # fmt: skip
    for _row, w, span in lost:
        diagnostics.append(Diagnostic(
            "stale-index", Severity.ERROR,
            f"`from` {w} named a row that was deleted ({what}); {w} is now {_name(rows, w)}. Point it at the row "
            "it should take.", span,
        ))  # fmt: skip
    return Memo(base), diagnostics  # the base stays until the indices agree again


def _same_shape(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b)
    return isinstance(a, int) and isinstance(b, int)


def _name(rows: list[Row], j: int) -> str:
    if 0 <= j < len(rows) and isinstance(rows[j].module, str):
        return f"row {j} ({rows[j].module})"
    return f"row {j}"


def _fix(stale: list[tuple[Row, int, int, Span, Any]], text: str) -> Fix:
    """One edit that renumbers every stale index: the text from the first to the last, rewritten."""
    items = sorted(stale, key=lambda s: s[4].start_mark.index)
    start, end = items[0][4].start_mark, items[-1][4].end_mark
    out, at = [], start.index
    for _row, _w, wanted, _span, node in items:
        out.append(text[at : node.start_mark.index])
        out.append(str(wanted))
        at = node.end_mark.index
    out.append(text[at : end.index])
    n = len(items)
    title = f"Renumber {n} absolute `from` ind{'ices' if n != 1 else 'ex'} after the inserted/deleted row"
    return Fix(title, "replace", Span(start.line, start.column, end.line, end.column), "".join(out))
