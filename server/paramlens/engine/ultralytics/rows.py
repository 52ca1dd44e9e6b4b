"""Reading an Ultralytics model file out of the positioned YAML tree: the top-level keys and the rows
``[from, repeats, module, args]`` of `backbone` then `head`, with the span of every part.

Values are read as Ultralytics' loader reads them (PyYAML's safe loader, YAML 1.1: `yes` is true, `None`
stays the text "None" until parse_model turns it into None)."""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..analysis import Span
from ..layout import key_text
from ..source import node_span
from ..values import ValueError_, scalar

MAX_ITEMS = 4096  # values in one row's arguments: more is hostile input, not a model


class Problem(Exception):
    def __init__(self, message: str, span: Span, code: str = "invalid-row") -> None:
        super().__init__(message)
        self.message, self.span, self.code = message, span, code


class Row:
    """One row as written."""

    __slots__ = (
        "_spans", "args", "args_node", "from_", "from_node", "index", "module", "module_node", "n", "n_node",
        "node", "problem", "section",
    )  # fmt: skip

    def __init__(self, index: int, node: Node, section: str) -> None:
        self.index, self.node, self.section = index, node, section
        self.from_: Any = None
        self.n: Any = None
        self.module: Any = None
        self.args: Any = None
        self.from_node = self.n_node = self.module_node = self.args_node = node
        self.problem: Problem | None = None
        self._spans: tuple[Any, ...] | None = None

    def spans(self) -> tuple[Span, Span, Span, Span, Span, list[Span]]:
        """The row's, its `from`'s, its repeats', its module's and its arguments' spans, and each `from`
        index's (computed once: every scale's build asks)."""
        if self._spans is None:
            f = self.from_node
            items = [node_span(n) for n in f.value] if isinstance(f, SequenceNode) else [node_span(f)]
            self._spans = (
                node_span(self.node), node_span(f), node_span(self.n_node), node_span(self.module_node),
                node_span(self.args_node), items,
            )  # fmt: skip
        return self._spans  # type: ignore[return-value]

    @property
    def span(self) -> Span:
        return self.spans()[0]

    def from_spans(self) -> list[Span]:
        """The span of each `from` index (one for an int)."""
        return self.spans()[5]


# a scalar's value depends on its tag and text only (and is immutable): each is constructed once, not on
# every keystroke for every row (PyYAML's int constructor was a tenth of a keystroke's analysis)
_SCALARS: dict[tuple[str, str], Any] = {}
_SCALARS_MAX = 4096
_NONE = object()


def value(node: Node, room: list[int] | None = None) -> Any:
    """A YAML value as PyYAML's safe loader constructs it (lists, mappings, scalars)."""
    room = [MAX_ITEMS] if room is None else room
    room[0] -= 1
    if room[0] < 0:
        raise ValueError_("This value holds more items than any row needs.", node=node)
    if isinstance(node, ScalarNode):
        key = (node.tag, node.value)
        found = _SCALARS.get(key, _NONE)
        if found is _NONE:
            found = scalar(node)  # raises for a tag or a number it cannot read: nothing is kept
            if len(_SCALARS) < _SCALARS_MAX:
                _SCALARS[key] = found
        return found
    if isinstance(node, SequenceNode):
        return [value(n, room) for n in node.value]
    if isinstance(node, MappingNode):
        return {str(value(k, room)): value(v, room) for k, v in node.value}
    raise ValueError_("Unsupported value.", node=node)  # pragma: no cover


def top_keys(root: MappingNode) -> dict[str, tuple[Node, Node]]:
    top: dict[str, tuple[Node, Node]] = {}
    for k, v in root.value:
        text = key_text(k)
        if text is not None:
            top.setdefault(text, (k, v))
    return top


def read_rows(top: dict[str, tuple[Node, Node]]) -> tuple[list[Row], list[Problem]]:
    """The rows of backbone then head, numbered from 0, and the problems of the sections themselves."""
    rows: list[Row] = []
    problems: list[Problem] = []
    for section in ("backbone", "head"):
        if section not in top:
            continue
        knode, vnode = top[section]
        if not isinstance(vnode, SequenceNode):
            problems.append(Problem(
                f"`{section}` must be a list of rows `- [from, repeats, module, args]`.", node_span(knode),
                "missing-section",
            ))  # fmt: skip
            continue
        for item in vnode.value:
            row = Row(len(rows), item, section)
            _read_row(row)
            rows.append(row)
    return rows, problems


def _read_row(row: Row) -> None:
    node = row.node
    shape = "a row is a list of 4 items, `[from, repeats, module, args]`, e.g. `- [-1, 1, Conv, [64, 3, 2]]`"
    if not isinstance(node, SequenceNode):
        row.problem = Problem(f"This is not a row: {shape} (Ultralytics: ValueError when unpacking).", row.span)
        return
    if len(node.value) != 4:
        row.problem = Problem(
            f"This row has {len(node.value)} item{'s' * (len(node.value) != 1)}, but {shape} "
            f"(Ultralytics: ValueError: {'too many' if len(node.value) > 4 else 'not enough'} values to unpack).",
            row.span,
        )
        return
    row.from_node, row.n_node, row.module_node, row.args_node = node.value
    try:
        row.from_ = value(row.from_node)
        row.n = value(row.n_node)
        row.module = value(row.module_node)
        row.args = value(row.args_node)
    except ValueError_ as exc:
        where = node_span(exc.node) if exc.node is not None else row.span
        row.problem = Problem(exc.message, where, exc.code)
        return
    if not isinstance(row.module, str):
        row.problem = Problem(
            f"The module (3rd item) must be a name such as Conv or nn.Upsample, not {row.module!r}.",
            node_span(row.module_node), "invalid-row",
        )  # fmt: skip
    elif not isinstance(row.args, list):
        row.problem = Problem(
            "The arguments (4th item) must be a list, e.g. `[64, 3, 2]` (`[]` for none).",
            node_span(row.args_node), "invalid-arguments",
        )  # fmt: skip
    elif not (_is_int(row.n)):
        row.problem = Problem(
            f"The repeats (2nd item) must be an integer, not {row.n!r}.", node_span(row.n_node), "invalid-row"
        )
    elif not (_is_int(row.from_) or (isinstance(row.from_, list) and row.from_ and all(map(_is_int, row.from_)))):
        row.problem = Problem(
            "`from` (1st item) must be a row index (-1 is the row before) or a list of them, e.g. `[-1, 6]`.",
            node_span(row.from_node), "invalid-from",
        )  # fmt: skip


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
