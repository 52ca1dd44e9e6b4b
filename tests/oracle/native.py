"""A second reading of a whole native document, independent of paramlens: blocks with arguments and
``$in_channels``, ``${...}`` expressions, Sequential, Repeat, Residual, Add, Multiply, Concat (with
``crop``), ``trainable: false``, imports, Keras type names and the ``MaxPool2d: 2`` shorthand, read from
the YAML with PyYAML and built with ``torch.nn`` (each layer by ``independent.build``). Nothing here
imports the engine, its registry or the exporter: an engine that misreads a construct (a Repeat one short,
a shortcut it forgets, a default of its own) then disagrees with PyTorch.

Every module is built on the ``meta`` device and run on a meta tensor as it is built: the input of each
layer is the output PyTorch computed for the previous one, at no cost, so even U-Net at 572×572 is read
in a fraction of a second. ``materialise`` gives it real storage for a comparison of values."""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import independent
from .oracle import nn, torch

TYPES = {  # Keras layer names (keras.io/api/layers) for the torch.nn modules they are
    **{f"{name}{n}D": f"Conv{n}d" for n in (1, 2, 3) for name in ("Conv", "Convolution")},
    **{f"Conv{n}DTranspose": f"ConvTranspose{n}d" for n in (1, 2, 3)},
    **{f"MaxPooling{n}D": f"MaxPool{n}d" for n in (1, 2, 3)},
    **{f"AveragePooling{n}D": f"AvgPool{n}d" for n in (1, 2, 3)},
    "Dense": "Linear",
    "DepthwiseConv2D": "DepthwiseConv2d",
    "SeparableConv2D": "SeparableConv2d",
    "SpatialDropout2D": "Dropout2d",
}
FIRST = {  # the argument a bare value stands for (`MaxPool2d: 2`): the first one torch.nn requires
    **{f"{k}{n}d": "kernel_size" for k in ("MaxPool", "AvgPool") for n in (1, 2, 3)},
    **{f"Adaptive{k}Pool{n}d": "output_size" for k in ("Max", "Avg") for n in (1, 2, 3)},
    "GroupNorm": "num_groups",
}
WRITTEN_INPUT = {  # input sizes a file may write (checked against what PyTorch gets): channel or last dim
    "in_channels": 0, "num_features": 0, "num_channels": 0,
    "in_features": -1, "input_size": -1, "embed_dim": -1, "d_model": -1,
}  # fmt: skip
CONSTRUCTS = ("Sequential", "Repeat", "Residual", "Add", "Multiply", "Concat")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv}


@dataclass
class Node:
    """One layer, block use, construct or branch as PyTorch built it: what the engine's LayerResult is."""

    type: str
    module: nn.Module
    output_shape: tuple[int, ...]
    children: list[Node] = field(default_factory=list)
    repetitions: list[list[Node]] = field(default_factory=list)  # Repeat: every repetition built

    @property
    def params(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    @property
    def trainable(self) -> int:
        return sum(p.numel() for p in self.module.parameters() if p.requires_grad)

    @property
    def buffers(self) -> int:
        return sum(b.numel() for b in self.module.buffers())


class Join(nn.Module):
    """Parallel branches of the same input joined: summed, multiplied (broadcasting), concatenated (on
    ``dim`` of the batched tensor; with ``crop``, every other axis centre-cropped to the smallest)."""

    def __init__(self, how: str, branches: list[nn.Module], dim: int = 1, crop: bool = False) -> None:
        super().__init__()
        self.how, self.branches, self.dim, self.crop = how, nn.ModuleList(branches), dim, crop

    def forward(self, x: Any) -> Any:
        return self.join([branch(x) for branch in self.branches])

    def join(self, outs: list[Any]) -> Any:
        if self.how == "Concat":
            if self.crop:
                dim = self.dim % outs[0].dim()
                for axis in (a for a in range(1, outs[0].dim()) if a != dim):
                    size = min(o.shape[axis] for o in outs)
                    outs = [o.narrow(axis, (o.shape[axis] - size) // 2, size) for o in outs]
            return torch.cat(outs, self.dim)
        result = outs[0]
        for out in outs[1:]:
            result = result + out if self.how in ("Add", "Residual") else result * out
        return result


def evaluate(text: str, env: dict[str, Any]) -> int:
    """``${...}``: integer arithmetic over the block's arguments; ``/`` only where it divides exactly."""

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            return -value(node.operand) if isinstance(node.op, ast.USub) else value(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Div):
                assert left % right == 0, f"{text} does not divide exactly"
                return left // right
            if isinstance(node.op, ast.Mod):
                return left % right
            return _OPS[type(node.op)](left, right)
        raise AssertionError(f"not integer arithmetic: {text}")

    return value(ast.parse(text, mode="eval").body)


def substitute(value: Any, env: dict[str, Any]) -> Any:
    """A value with ``$name`` and ``${expression}`` replaced (in lists too)."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return evaluate(value[2:-1], env)
    if isinstance(value, str) and value.startswith("$"):
        return env[value[1:]]
    if isinstance(value, list):
        return [substitute(v, env) for v in value]
    return value


def split(item: Any, env: dict[str, Any]) -> tuple[str, Any]:
    """(type, arguments) of a layers entry in its three spellings (`- ReLU`, `- Conv2d: {...}`,
    `- type: Conv2d` beside the arguments); the arguments may be one bare value."""
    if isinstance(item, str):
        return substitute(item, env), {}
    item = dict(item)
    if "type" in item:
        return substitute(item.pop("type"), env), item
    [(kind, args)] = item.items()
    return substitute(kind, env), {} if args is None else args


class Reader:
    """Builds the layers of one document (its blocks and those of its imports) after a meta tensor."""

    def __init__(self, doc: dict[str, Any], files: dict[str, str] | None = None) -> None:
        self.blocks: dict[str, Any] = {}
        for path in doc.get("imports") or []:
            self.blocks.update(yaml.safe_load((files or {})[path]).get("blocks") or {})
        self.blocks.update(doc.get("blocks") or {})

    def layers(self, items: list[Any], x: Any, env: dict[str, Any]) -> tuple[list[Node], Any]:
        nodes = []
        for item in items or []:
            node, x = self.layer(item, x, env)
            nodes.append(node)
        return nodes, x

    def branch(self, name: str, items: list[Any], x: Any, env: dict[str, Any]) -> tuple[Node, Any]:
        children, y = self.layers(items, x, env)
        return Node(name, nn.Sequential(*(c.module for c in children)), tuple(y.shape[1:]), children), y

    def layer(self, item: Any, x: Any, env: dict[str, Any]) -> tuple[Node, Any]:
        kind, args = split(item, env)
        kind = TYPES.get(kind, kind)
        if not isinstance(args, dict):
            args = {FIRST[kind]: args}
        args = dict(args)
        args.pop("name", None)
        trainable = substitute(args.pop("trainable", True), env)
        if kind in self.blocks:
            node, y = self.use(kind, args, x, env)
        elif kind in CONSTRUCTS:
            node, y = self.construct(kind, args, x, env)
        else:
            args = {k: substitute(v, env) for k, v in args.items()}
            for written in WRITTEN_INPUT.keys() & args.keys():
                got = x.shape[1:][WRITTEN_INPUT[written]]
                assert args.pop(written) == got, f"{kind}: {written} is written, PyTorch gets {got}"
            node = Node(kind, independent.build(kind, list(x.shape[1:]), args), ())
            y = node.module(x)
        if not trainable:
            node.module.requires_grad_(False)
        node.output_shape = tuple(y.shape[1:])
        return node, y

    def use(self, name: str, args: dict[str, Any], x: Any, env: dict[str, Any]) -> tuple[Node, Any]:
        """A block used like a layer: its layers with its defaults, then the written arguments (each read in
        the caller's scope), and ``in_channels`` the channel count of its input."""
        block = self.blocks[name]
        scope = {**(block.get("args") or {}), **{k: substitute(v, env) for k, v in args.items()}}
        scope["in_channels"] = x.shape[1]
        children, y = self.layers(block["layers"], x, scope)
        return Node(name, nn.Sequential(*(c.module for c in children)), (), children), y

    def construct(self, kind: str, args: dict[str, Any], x: Any, env: dict[str, Any]) -> tuple[Node, Any]:
        """A construct's node and output (the layers of each branch run once, on meta)."""
        if kind == "Sequential":
            children, y = self.layers(args["layers"], x, env)
            return Node(kind, nn.Sequential(*(c.module for c in children)), (), children), y
        if kind == "Repeat":
            repetitions, y = [], x
            for _ in range(substitute(args["times"], env)):
                children, y = self.layers(args["layers"], y, env)
                repetitions.append(children)
            module = nn.Sequential(*(c.module for rep in repetitions for c in rep))
            return Node(kind, module, (), repetitions[0] if repetitions else [], repetitions), y
        if kind == "Residual":  # the shortcut is the identity when absent
            built = [self.branch("layers", args["layers"], x, env)]
            if "shortcut" in args:  # `shortcut: []` is an identity branch of its own
                built.append(self.branch("shortcut", args["shortcut"], x, env))
            else:
                built.append((Node("identity", nn.Identity(), ()), x))
            join = Join(kind, [node.module for node, _ in built])
            return Node(kind, join, (), [node for node, _ in built if node.type != "identity"]), join.join(
                [y for _, y in built]
            )
        built = [self.branch(f"branch {i}", b, x, env) for i, b in enumerate(args["branches"], 1)]
        dim = substitute(args.get("dim", 0), env)  # counted on one sample: 0 is the channel dimension
        join = Join(kind, [node.module for node, _ in built], dim + 1 if dim >= 0 else dim, bool(args.get("crop")))
        return Node(kind, join, (), [node for node, _ in built]), join.join([y for _, y in built])


def read(text: str, files: dict[str, str] | None = None) -> tuple[list[Node], nn.Module]:
    """The top-level nodes of a document and the whole model (an ``nn.Sequential`` of them), on meta."""
    doc = yaml.safe_load(text)
    first = split(doc["layers"][0], {})[0] if doc["layers"] else None
    dtype = torch.long if first == "Embedding" else torch.float32
    with torch.device("meta"):
        x = torch.empty((2, *doc["input"]), dtype=dtype)
        nodes, _ = Reader(doc, files).layers(doc["layers"], x, {})
    return nodes, nn.Sequential(*(n.module for n in nodes)).eval()
