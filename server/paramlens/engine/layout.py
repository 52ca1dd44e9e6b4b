"""Reading the format's structure out of YAML nodes: the three spellings of a layer."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from .analysis import Span
from .source import node_span

COMMON_KEYS = ("name", "trainable")
CONSTRUCTS = ("Sequential", "Repeat", "Residual", "Add", "Multiply", "Concat")
CONSTRUCT_KEYS: dict[str, tuple[str, ...]] = {
    "Sequential": ("layers",),
    "Repeat": ("times", "layers"),
    "Residual": ("layers", "shortcut"),
    "Add": ("branches",),
    "Multiply": ("branches",),
    "Concat": ("branches", "dim", "crop"),
}


class Item:
    """One entry of a `layers` list, before its type is looked up."""

    __slots__ = ("args", "args_node", "node", "positional", "problem", "problem_node", "type_node", "type_text")

    def __init__(
        self,
        node: Node,  # the whole entry
        type_text: str | None,  # the type as written (may be `$act`)
        type_node: Node,  # where the type is written
        args: dict[str, tuple[ScalarNode, Node]],  # argument name -> (key node, value node)
        args_node: MappingNode | None,  # the mapping that holds the arguments, for insertions
        problem: str | None = None,  # why the entry could not be read
        positional: Node | None = None,  # `- MaxPool2d: 2`: the value of the kind's first argument
        problem_node: Node | None = None,  # where the problem is, when not at the type
    ) -> None:
        self.node, self.type_text, self.type_node, self.args, self.args_node = (
            node,
            type_text,
            type_node,
            args,
            args_node,
        )
        self.problem, self.positional, self.problem_node = problem, positional, problem_node

    @property
    def span(self) -> Span:
        return node_span(self.node)

    @property
    def type_span(self) -> Span:
        return node_span(self.type_node)


def key_text(node: Node) -> str | None:
    return node.value if isinstance(node, ScalarNode) and isinstance(node.value, str) else None


def _arguments(pairs: list[tuple[Node, Node]], skip: str | None = None) -> tuple[dict, Node | None]:
    """Arguments by name, and the first key written twice (YAML would silently keep the last)."""
    args: dict[str, tuple[ScalarNode, Node]] = {}
    duplicate = None
    for k, v in pairs:
        text = key_text(k)
        if text is None or text == skip:
            continue
        if text in args and duplicate is None:
            duplicate = k
        args[text] = (k, v)  # type: ignore[assignment]
    return args, duplicate


def _twice(item: Item, duplicate: Node | None) -> Item:
    if duplicate is not None and item.problem is None:
        item.problem = f"{duplicate.value} is written twice in this layer: keep one."
        item.problem_node = duplicate
    return item


def read_item(node: Node) -> Item:
    """``- ReLU``, ``- Conv2d: {...}`` or ``- {type: Conv2d, ...}``."""
    if isinstance(node, ScalarNode):
        text = node.value if node.tag.endswith(":str") else None
        problem = None if text else "A layer is a type name (e.g. `- ReLU`) or a mapping (`- Conv2d: {...}`)."
        return Item(node, text, node, {}, None, problem)
    if not isinstance(node, MappingNode):
        return Item(node, None, node, {}, None, "A layer is a type name or a mapping, not a list.")
    keys = [key_text(k) for k, _ in node.value]
    if "type" in keys:
        type_node = node.value[keys.index("type")][1]
        args, duplicate = _arguments(node.value, skip="type")
        type_text = type_node.value if isinstance(type_node, ScalarNode) and isinstance(type_node.value, str) else None
        problem = None if type_text else "`type` must name a layer type, e.g. `type: Conv2d`."
        return _twice(Item(node, type_text, type_node, args, node, problem), duplicate)
    if len(node.value) == 1:
        key, value = node.value[0]
        type_text = key_text(key)
        if isinstance(value, MappingNode):
            args, duplicate = _arguments(value.value)
            item = Item(node, type_text, key, args, value, None if type_text else "A layer type must be a name.")
            return _twice(item, duplicate)
        if isinstance(value, ScalarNode) and value.tag.endswith(":null"):
            return Item(node, type_text, key, {}, None, None if type_text else "A layer type must be a name.")
        return Item(node, type_text, key, {}, None, None if type_text else "A layer type must be a name.", value)
    if not node.value:
        return Item(node, None, node, {}, None, "An empty mapping is not a layer: write its type, e.g. `- ReLU`.")
    return Item(
        node,
        None,
        node.value[0][0],
        {},
        None,
        "A layer mapping has its type as the only key (`- Conv2d: {kernel_size: 3}`) or a `type:` key "
        "beside its arguments; this one has several keys and no `type`.",
    )
