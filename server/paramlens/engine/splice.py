"""Parsing only what an edit changed.

Composing a 10,000-layer file costs tens of milliseconds, yet a keystroke changes one layer. A version
whose top-level `layers` is a block list and the document's last key leaves an *outline*: the nodes of
everything above `layers` and, per layer item, where its dash, text and first line are. The next
version is compared with that text; when the change lies inside the items, only the items it touches
are composed again (with their own lines, so the C composer sees the same tokens as in the whole
document) and the others keep their positions, shifted. Their nodes are composed on demand, only for
items whose results cannot be reused. Anything unusual (anchors, tags, a change above `layers`, a new
top-level key, a syntax error) falls back to parsing the whole text, so the result is always the one
a whole parse would give; the tests compare both.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

import yaml
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .layout import key_text
from .source import Parsed, clamp_end, compose, descendants, recover

# per layer item: offset of its dash, of its node's start and end, the node's line and column
Position = tuple[int, int, int, int, int]


class Broken(Exception):
    """The items an edit touched no longer compose: see `recover`."""

    def __init__(self, first: int) -> None:
        super().__init__(first)
        self.first = first


class _Above(Exception):
    """Recovery needs the text above the items that were skipped."""


class Unspliceable(Exception):
    """An item did not compose alone as it did in its document: parse the whole text instead."""


class Layers:
    """The top-level layer items of one version: positions always, nodes composed when asked for."""

    __slots__ = ("base", "column", "moves", "nodes", "positions", "text")

    def __init__(
        self,
        text: str,
        positions: list[Position],
        nodes: list[Node | None],
        column: int = -1,  # the dash column, when the items can be spliced (see Outline)
        base: str | None = None,  # the earlier text these items were spliced from
        moves: tuple[int, int, int] = (0, 0, 0),  # items from this index on moved by (items, lines) since `base`
    ) -> None:
        self.text, self.positions, self.nodes, self.column, self.base, self.moves = (
            text, positions, nodes, column, base, moves
        )  # fmt: skip

    def place(self, index: int) -> tuple[int, int]:
        """Where the item (0-based index) was in `base`: its line and 1-based index (its own, when fresh)."""
        _dash, _start, _end, line, _col = self.positions[index]
        moved_from, items, lines = self.moves
        if index >= moved_from:
            return line - lines, index + 1 - items
        return line, index + 1

    def node(self, index: int) -> Node:
        """The item's node (0-based index), composing its lines alone if this version did not parse them."""
        node = self.nodes[index]
        if node is None:
            dash, *_, line, _col = self.positions[index]
            start = dash - self.column
            last = index + 1 == len(self.positions)
            end = len(self.text) if last else self.positions[index + 1][0] + 1
            try:
                composed = _items(self.text, start, end, line, last)
            except yaml.YAMLError:
                composed = None
            if composed is None or len(composed) != 1:
                raise Unspliceable(f"layer item {index + 1} does not compose alone")
            node = self.nodes[index] = composed[0]
        return node


class Outline(NamedTuple):
    """What the parse of one version leaves for splicing the next (see the module's docstring)."""

    text: str
    root: MappingNode  # the root, with an empty list in place of the items
    layers: Layers


def layers_of(parsed: Parsed, text: str) -> tuple[Layers | None, Outline | None]:
    """The items of a whole parse, and the outline for the next version when it can be spliced."""
    root = parsed.root
    if not isinstance(root, MappingNode):
        return None, None
    found = [pair for pair in root.value if key_text(pair[0]) == "layers"]
    if not found or not isinstance(found[0][1], SequenceNode):
        return None, None
    key, seq = found[0]
    positions = [(-1, n.start_mark.index, n.end_mark.index, n.start_mark.line, n.start_mark.column) for n in seq.value]
    layers = Layers(text, positions, list(seq.value))
    if "&" not in text:  # no alias can reach the list: its items are the Layers' own from here on, and
        # the walk lets each go once analysed (a large document's tree is freed as its analysis grows)
        seq.value = []
    spliceable = (
        len(found) == 1
        and root.value[-1][0] is key  # nothing below the items but comments
        and not parsed.diagnostics
        and not seq.flow_style
        and root.start_mark.column == 0
        and "&" not in text
        and "!" not in text
    )
    column = seq.start_mark.column
    dashed = _dashed(text, layers.nodes, column) if spliceable and layers.nodes else None
    if dashed is None:
        return layers, None
    layers.positions, layers.column = dashed, column
    empty = SequenceNode(seq.tag, [], seq.start_mark, seq.start_mark, False)
    outline_root = MappingNode(root.tag, [*root.value[:-1], (key, empty)], root.start_mark, root.end_mark, False)
    return layers, Outline(text, outline_root, Layers(text, dashed, [None] * len(dashed), column))


def splice(outline: Outline, text: str) -> tuple[MappingNode, Layers, Outline] | None:
    """The root and items of ``text`` (normalised) from the outline of an earlier version, or None when
    the change is not confined to the items (parse the whole text then)."""
    if "&" in text or "!" in text:
        return None
    old, old_layers = outline.text, outline.layers
    positions, column = old_layers.positions, old_layers.column
    if not positions:
        return None
    prefix = _common_prefix(old, text)
    suffix = _common_suffix(old, text, min(len(old), len(text)) - prefix)
    old_end = len(old) - suffix  # the change replaced old[prefix:old_end]
    # the item whose dash and the space after it precede the change: text inserted before a dash
    # could continue the item above, so that item is composed again too
    first = bisect.bisect_right(positions, prefix - 2, key=lambda p: p[0]) - 1
    if first < 0:
        return None  # the change reaches above the first item
    # the first item after the change whose line (and the line break before it) is unchanged
    after = bisect.bisect_left(positions, old_end + column + 1, key=lambda p: p[0])
    start = positions[first][0] - column
    delta = len(text) - len(old)
    last = after == len(positions)
    end = len(text) if last else positions[after][0] + 1 + delta
    line = positions[first][3]
    try:
        nodes = _items(text, start, end, line, last)
    except yaml.YAMLError:
        raise Broken(first) from None
    if nodes is None:
        return None
    fresh = _dashed(text, nodes, column)
    if fresh is None:
        return None
    lines = text.count("\n", start, end) - old.count("\n", start, end - delta)
    moved = positions[after:]
    if delta or lines:
        moved = [(d + delta, s + delta, e + delta, n + lines, c) for d, s, e, n, c in moved]
    spliced = [*positions[:first], *fresh, *moved]
    count = len(spliced)
    known = [None] * first + nodes + [None] * (count - first - len(nodes))
    moved_from = first + len(fresh)
    layers = Layers(text, spliced, known, column, old, (moved_from, moved_from - after, lines))
    return outline.root, layers, Outline(text, outline.root, Layers(text, spliced, [None] * count, column))


def recover_broken(outline: Outline, text: str, first: int) -> tuple[Parsed, Layers] | None:
    """What `parse` gives for a text whose items from ``first`` on no longer compose (the error and the
    tree above its line), composing the text without the unchanged items 1 to ``first - 1``: the parser
    is in the same state before any item, and their nodes are composed from their own lines if needed.
    None when that cannot be told apart from a whole parse's answer (parse the whole text then)."""
    positions, column = outline.layers.positions, outline.layers.column
    if first < 2:
        return None
    start, line = positions[first][0] - column, positions[first][3]
    skip = _Skip(text, positions[1][0] - column, start, line, line - positions[1][3])
    try:
        skip.compose(len(text))
    except yaml.MarkedYAMLError as error:
        try:
            parsed = recover(text, error, skip.before)
        except _Above:
            return None
    except (yaml.YAMLError, RecursionError):
        return None
    else:
        return None  # the whole text composes after all
    root = parsed.root
    if not isinstance(root, MappingNode) or not root.value or not isinstance(root.value[-1][1], SequenceNode):
        return None
    items = root.value[-1][1].value[1:]  # after item 0, the items from `first` on
    fresh = _dashed(text, items, column) if items else []
    if fresh is None:
        return None
    count = first + len(fresh)
    nodes: list[Node | None] = [None] * first + items
    kept = positions[:first]
    if not items:  # the text stops above item `first`: the item before it ends there
        dash, begin, _end, line, col = kept[-1]
        node = nodes[first - 1] = _items(text, dash - column, start, line, True)[0]
        kept[-1] = (dash, begin, node.end_mark.index, line, col)
    layers = Layers(text, [*kept, *fresh], nodes, column, outline.text, (count, 0, 0))
    return parsed, layers


class _Skip:
    """Composes a prefix of the text without text[cut:start] (whole items), with nodes and errors placed
    where they are in the text itself."""

    def __init__(self, text: str, cut: int, start: int, first_line: int, lines: int) -> None:
        self.text, self.cut, self.start, self.first_line, self.lines = text, cut, start, first_line, lines

    def compose(self, end: int) -> list[Node]:
        try:
            documents = compose(self.text[: self.cut] + self.text[self.start : end])
        except yaml.MarkedYAMLError as error:
            error.problem_mark = self._place(error.problem_mark)
            error.context_mark = self._place(error.context_mark)
            raise
        for node in descendants(documents):
            node.start_mark = self._place(node.start_mark)
            node.end_mark = self._place(node.end_mark)
        return documents

    def before(self, line: int) -> list[Node]:
        """The text above ``line``, as `source.recover` composes it."""
        if line < self.first_line:
            raise _Above
        if line == self.first_line:  # the text above the first edited item: item 0, ending where it is cut
            return self.compose(self.cut)
        end = self.start
        for _ in range(line - self.first_line):
            end = self.text.find("\n", end) + 1
            if not end:
                raise _Above  # past the text's end: leave that to the whole parse
        return self.compose(end)

    def _place(self, mark: Mark | None) -> Mark | None:
        if mark is None or mark.index < self.cut:
            return mark
        delta = self.start - self.cut
        return type(mark)(mark.name, mark.index + delta, mark.line + self.lines, mark.column, None, None)


def _dashed(text: str, nodes: list[Node], column: int) -> list[Position] | None:
    """Positions of items written `- value` with the dash at ``column`` and the value on its line."""
    positions = []
    for node in nodes:
        mark = node.start_mark
        index = mark.index
        dash = index - mark.column + column
        if text[dash] != "-" or mark.column <= column + 1 or not text[dash + 1 : index].isspace():
            return None
        if column and not text[dash - column : dash].isspace():
            return None
        positions.append((dash, index, node.end_mark.index, mark.line, mark.column))
    return positions


def _items(text: str, start: int, end: int, line: int, last: bool) -> list[Node] | None:
    """Compose the items written on text[start:end]: whole lines, up to the next item's dash (so that
    each item ends where it ends in the whole document), or to the end of the text."""
    try:
        documents = compose(text[start:end])  # a syntax error propagates: see Broken
    except RecursionError:  # too deep: the whole parse reports it
        return None
    if len(documents) != 1 or not isinstance(documents[0], SequenceNode) or documents[0].flow_style:
        return None
    nodes = documents[0].value
    if not last:
        if not nodes or not _is_dash_only(nodes[-1]):
            return None
        nodes = nodes[:-1]
    if not nodes:
        return None
    for node in nodes:
        _shift(node, line, start)
    if last:
        clamp_end(nodes[-1], text)
    return nodes


def _is_dash_only(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null") and node.value == "" and not node.style


def _shift(node: Node, line: int, index: int) -> None:
    """Move a node composed from a fragment to where the fragment starts (its first line starts a line)."""
    for inner in descendants([node]):
        s, e = inner.start_mark, inner.end_mark
        mark = type(s)  # the C composer's own (read-only) marks are the cheapest to make
        inner.start_mark = mark(s.name, s.index + index, s.line + line, s.column, None, None)
        inner.end_mark = mark(e.name, e.index + index, e.line + line, e.column, None, None)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by halving: each comparison runs in C."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix, at most ``limit``."""
    la, lb = len(a), len(b)
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo
