"""Reading argument values out of YAML nodes: scalars, lists, `$name` references and `${…}`
integer expressions (evaluated in expressions.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_LIST = 64

_STANDARD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STANDARD}{t}" for t in ("str", "int", "float", "bool", "null")}
_REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_EXPR = re.compile(r"^\$\{(.*)\}$", re.S)
_constructor = SafeConstructor()


class ValueError_(Exception):
    """A value that cannot be read; ``code`` is the diagnostic code."""

    def __init__(self, message: str, code: str = "invalid-value", node: Node | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.node = node


def tag_error(node: Node) -> ValueError_ | None:
    """Tags other than YAML's standard ones are never constructed: they are errors."""
    tag = node.tag
    if tag.startswith(_STANDARD) and (tag in _SCALAR_TAGS or tag in (f"{_STANDARD}map", f"{_STANDARD}seq")):
        return None
    shown = tag.replace(_STANDARD, "!!")
    return ValueError_(
        f"The tag {shown} is not supported: paramlens reads plain YAML values only. Remove the tag.",
        "unsupported-tag",
        node,
    )


def _check_tag(node: Node) -> None:
    err = tag_error(node)
    if err is not None:
        try:
            raise err
        finally:
            del err  # its traceback holds this frame: keeping it here would make a cycle


def scalar(node: ScalarNode) -> Any:
    """A plain scalar's value (str, int, float, bool or None)."""
    _check_tag(node)
    tag = node.tag
    if tag.endswith(":str"):
        return node.value
    try:
        if tag.endswith(":int"):
            return _constructor.construct_yaml_int(node)
        if tag.endswith(":float"):
            return _constructor.construct_yaml_float(node)
        if tag.endswith(":bool"):
            return _constructor.construct_yaml_bool(node)
    except (ValueError, ConstructorError) as exc:
        raise ValueError_(f"{node.value[:40]!r} is not a usable number ({exc}).", node=node) from None
    return None


def read(node: Node, env: Mapping[str, Any] | None, room: list[int] | None = None) -> Any:
    """A value: scalars and lists of them, with `$name` and `${…}` resolved from ``env``. ``room``
    counts the values still allowed in nested lists, so that aliased lists ("billion laughs") stay cheap."""
    if isinstance(node, ScalarNode):
        value = scalar(node)
        if isinstance(value, str) and value.startswith("$"):
            return substitute(value, env, node)
        return value
    _check_tag(node)
    if isinstance(node, SequenceNode):
        room = [MAX_LIST] if room is None else room
        room[0] -= len(node.value)
        if room[0] < 0:
            raise ValueError_(f"A list of more than {MAX_LIST} values is longer than any argument takes.", node=node)
        return [read(item, env, room) for item in node.value]
    if isinstance(node, MappingNode):
        raise ValueError_("A mapping is not a value here: write a number, a word or a list.", node=node)
    raise ValueError_("Unsupported value.", node=node)  # pragma: no cover


def is_reference(text: str) -> bool:
    return bool(_REF.match(text) or _EXPR.match(text))


def substitute(text: str, env: Mapping[str, Any] | None, node: Node | None = None) -> Any:
    """Resolve `$name` or `${expression}` against the block arguments in ``env``."""
    if (m := _REF.match(text)) is not None:
        name = m.group(1)
        if env is None or name not in env:
            raise ValueError_(undefined_message(name, env), "undefined-argument", node)
        if name == "in_channels" and env[name] is None:  # a block whose input is unknown: said upstream if broken
            raise ValueError_(
                "in_channels is not known here (nothing before gives the input's channels), so $in_channels "
                "cannot be substituted. Add an `input:` shape at the top of the file.",
                "missing-channels",
                node,
            )
        return env[name]
    if (m := _EXPR.match(text)) is not None:
        from .expressions import evaluate  # Python's ast, imported only for a file that has expressions

        return evaluate(m.group(1), env or {}, node)
    raise ValueError_(
        f"{text!r} is neither `$name` nor `${{expression}}`. Write $width or ${{width * 4}}.",
        "invalid-expression",
        node,
    )


def undefined_message(name: str, env: Mapping[str, Any] | None) -> str:
    if not env:
        return f"${name} is not defined: `$` names refer to block arguments, and there is no block here."
    known = ", ".join(f"${k}" for k in env)
    return f"${name} is not defined. Declare it in the block's args, or use one of {known}."
