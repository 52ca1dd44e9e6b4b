"""The top of an architecture file, read before its layers: the header (name, input, dtype), the imports and
the block definitions, including those of imported files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import registry
from .analysis import Analysis, Severity, Span
from .layout import CONSTRUCTS, key_text
from .registry import MAX_SIZE
from .shapes import Shape
from .source import node_span, parse
from .values import ValueError_, read

if TYPE_CHECKING:
    from .infer import Resolver, _Walker

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int8": 1, "uint8": 1, "float8": 1}


class Block:
    """A block definition, as read (its problem and layers are found while reading it)."""

    __slots__ = ("args", "key", "layers", "name", "problem", "source")

    def __init__(self, name: str, key: Node, args: dict[str, tuple[Any, Node]], source: str | None) -> None:
        self.name, self.key, self.source = name, key, source  # source: the importing path of an imported block
        self.args = args  # name -> (default value, its node)
        self.layers: Node | None = None
        self.problem: str | None = None


def read_header(analysis: Analysis, top: dict[str, tuple[Node, Node]], walker: _Walker) -> tuple[int, str]:
    if "name" in top:
        k, v = top["name"]
        analysis.name_key = node_span(k)
        if isinstance(v, ScalarNode) and not v.tag.endswith(":null"):
            analysis.name = str(v.value)
    if "input" in top:
        k, v = top["input"]
        analysis.input_key = node_span(k)
        walker.input_span = node_span(k)
        analysis.input_shape = _read_input(v, walker)
    dtype, size = "float32", 4
    if "dtype" in top:
        v = top["dtype"][1]
        value = v.value if isinstance(v, ScalarNode) else None
        if value in DTYPE_BYTES:
            dtype, size = value, DTYPE_BYTES[value]
        else:
            walker.report("invalid-value", f"dtype must be one of {', '.join(DTYPE_BYTES)}.", node_span(v))
    return size, dtype


def _read_input(node: Node, walker: _Walker) -> Shape | None:
    try:
        value = read(node, None)
    except ValueError_ as exc:
        walker.report(exc.code, exc.message, node_span(node))
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    ok = (
        isinstance(value, list)
        and 1 <= len(value) <= 8
        and all(d is None or (isinstance(d, int) and not isinstance(d, bool) and 0 < d <= MAX_SIZE) for d in value)
    )
    if not ok:
        walker.report(
            "invalid-value",
            "input is the shape of one sample without the batch dimension, channels first: "
            "[C] for features, [C, L], [C, H, W], [C, D, H, W], or [L] of token indices; "
            "each a positive integer or null (unknown).",
            node_span(node),
        )
        return None
    return tuple(value)


def read_imports(
    analysis: Analysis, top: dict[str, tuple[Node, Node]], walker: _Walker, key: str | None, resolve: Resolver | None
) -> None:
    if "imports" not in top:
        return
    node = top["imports"][1]
    if not isinstance(node, SequenceNode):
        walker.report("import-error", "imports must be a list of relative paths.", node_span(node))
        return
    paths = []
    for item in node.value:
        path = item.value if isinstance(item, ScalarNode) and item.tag.endswith(":str") else None
        if not path:
            walker.report("import-error", "An import is a relative path, e.g. `- blocks.arch.yaml`.", node_span(item))
            continue
        paths.append(path)
        _import(path, item, walker, key, resolve, (key,) if key else ())
    analysis.imports = tuple(paths)


def _import(
    path: str,
    item: Node,
    walker: _Walker,
    key: str | None,
    resolve: Resolver | None,
    chain: tuple[str, ...],
    top_item: Node | None = None,
) -> None:
    span = node_span(top_item or item)
    if "://" in path or path.startswith(("/", "\\", "~")) or ":" in path[:3]:
        walker.report("import-error", f"Imports are paths relative to this file; {path!r} is not.", span)
        return
    resolved = resolve(key, path) if resolve is not None else None
    if resolved is None:
        walker.report("import-error", f"Cannot read {path!r} (relative to this file): check the path.", span)
        return
    if isinstance(resolved, str):
        walker.report("import-error", f"Cannot import {path!r} (relative to this file): it {resolved}.", span)
        return
    target, text = resolved
    if target in chain:
        walker.report(
            "import-error",
            f"Import cycle: {' → '.join((*chain[chain.index(target) :], target))}. Remove one of the imports.",
            span,
        )
        return
    if len(chain) > 16:
        walker.report("import-error", "Imports nest more than 16 files deep.", span)
        return
    parsed = parse(text)
    root = parsed.root
    if (parsed.diagnostics and any(d.severity == Severity.ERROR for d in parsed.diagnostics)) or not isinstance(
        root, MappingNode
    ):
        walker.report("import-error", f"{path} is not a valid architecture file: open it to see its errors.", span)
        return
    top = {t: (k, v) for k, v in root.value if (t := key_text(k)) is not None}
    if "imports" in top and isinstance(top["imports"][1], SequenceNode):
        for sub in top["imports"][1].value:
            if isinstance(sub, ScalarNode) and isinstance(sub.value, str):
                _import(sub.value, sub, walker, target, resolve, (*chain, target), top_item or item)
    if "blocks" not in top:
        walker.report("import-error", f"{path} defines no `blocks` to import.", span, severity=Severity.WARNING)
        return
    read_blocks(top["blocks"][1], walker, path, span)


def read_blocks(node: Node, walker: _Walker, source: str | None, import_span: Span | None = None) -> None:
    if not isinstance(node, MappingNode):
        walker.report(
            "invalid-value",
            "blocks must be a mapping of block names to {args, layers}.",
            import_span or node_span(node),
        )
        return
    for k, v in node.value:
        name = key_text(k)
        if name is None:
            continue
        span = import_span or node_span(k)
        if name in walker.blocks:
            where = walker.blocks[name].source or "this file"
            walker.report("import-error", f"Block {name} is defined twice (also in {where}). Rename one of them.", span)
            continue
        if registry.lookup(name) is not None or name in CONSTRUCTS:
            walker.report("invalid-value", f"Block {name} has the name of a built-in layer type: rename it.", span)
            continue
        block = Block(name, k, {}, source)
        if not isinstance(v, MappingNode):
            block.problem = "A block is a mapping with `layers:` (and optional `args:`)."
        else:
            parts = {t: (kk, vv) for kk, vv in v.value if (t := key_text(kk)) is not None}
            for extra in set(parts) - {"args", "layers", "doc"}:
                walker.report(
                    "unknown-argument",
                    f"Block {name} has an unknown key {extra!r}: a block has args and layers.",
                    import_span or node_span(parts[extra][0]),
                )
            if "layers" not in parts:
                block.problem = f"Block {name} has no `layers:`."
            else:
                block.layers = parts["layers"][1]
            if "args" in parts:
                args_node = parts["args"][1]
                if isinstance(args_node, MappingNode):
                    for ak, av in args_node.value:
                        arg_name = key_text(ak)
                        if arg_name is None:
                            continue
                        if arg_name == "in_channels":
                            walker.report(
                                "invalid-value",
                                "in_channels is reserved: $in_channels is the block input's channels.",
                                import_span or node_span(ak),
                            )
                            continue
                        try:
                            block.args[arg_name] = (read(av, None), av)
                        except ValueError_ as exc:
                            walker.report(exc.code, exc.message, import_span or node_span(av))
                else:
                    block.problem = f"Block {name}: args must be a mapping of argument names to defaults."
        if block.problem is not None:
            walker.report("invalid-value", block.problem, span)
        walker.blocks[name] = block
