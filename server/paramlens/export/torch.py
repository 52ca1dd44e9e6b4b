"""Analysis → a readable, self-contained PyTorch module (``paramlens export --torch``).

The exporter renders the engine's analysis, never recounting anything: every constructor argument
is a value the engine resolved. The model becomes an ``nn.Module`` named after the document; each
block becomes its own class whose arguments are the block's (``BasicBlock(in_channels, planes)``).
A block body is rendered for each use, with every value written as an expression over the block's
arguments that gives that use's value (the `$`/`${…}` written in the YAML, or for an inferred
size the earlier expression or argument it equals); uses that render alike share a class, and a
use that renders differently gets a variant class (``Stage_2``), so the file is exact for every use.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from ..engine import shapes
from ..engine.analysis import Analysis, Argument, LayerResult
from .helpers import HELPERS
from .layers import batched_dim, leaf_call, literal

INDENT = "    "
# Arguments whose value is a channel or feature count: what a later inferred size may equal.
_SIZE_ARGS = {
    "in_channels",
    "out_channels",
    "in_features",
    "out_features",
    "num_features",
    "num_channels",
    "hidden_size",
    "input_size",
    "embedding_dim",
    "embed_dim",
    "d_model",
    "normalized_shape",
}
_MODULE_ATTRS = frozenset(
    [
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
        "T_destination",
    ]
)


class ExportError(ValueError):
    """The analysis cannot be exported (it has errors, or is not an architecture)."""


def to_torch_source(analysis: Analysis, name: str | None = None) -> str:
    """The Python source of a module defining the model as an ``nn.Module`` subclass named after
    ``name`` (default: the document's name) in CamelCase."""
    return _Exporter(analysis, name).source()


def module_map(analysis: Analysis) -> list[tuple[str, LayerResult]]:
    """Each layer (and composite) of the analysis with the qualified name of the module that
    computes it in the exported model, as ``named_modules()`` gives it ("" is the model). The
    oracle tests hook these modules to compare PyTorch's shapes with paramlens'."""
    return _Exporter(analysis, None).entries()


# --- text ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Mod:
    """A module's constructor expression (one or more lines), its line comment, and the layers it
    computes by relative module name ("" for itself)."""

    lines: list[str]
    comment: str = ""
    entries: list[tuple[str, LayerResult]] = field(default_factory=list)


def _indent(lines: list[str], times: int = 1) -> list[str]:
    return [INDENT * times + line if line else line for line in lines]


def _place(mod: Mod, prefix: str = "", suffix: str = "") -> list[str]:
    out = [prefix + mod.lines[0], *mod.lines[1:]]
    out[-1] += suffix
    if mod.comment:
        out[0] += f"  # {mod.comment}"
    return out


def _call(head: str, parts: list[Mod], trailing: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    """``head(`` each part on its lines ``)``, or one line when every part is one short line."""
    flat = [p.lines[0] for p in parts if len(p.lines) == 1 and not p.comment]
    if len(flat) == len(parts) and len(head) + sum(len(f) + 2 for f in [*flat, *trailing]) < 100:
        return [f"{head}({', '.join([*flat, *trailing])})"]
    lines = [f"{head}("]
    for part in parts:
        lines += _indent(_place(part, suffix=","))
    lines += _indent([f"{t}," for t in trailing])
    return [*lines, ")"]


def _prefixed(prefix: str, entries: list[tuple[str, LayerResult]]) -> list[tuple[str, LayerResult]]:
    return [(f"{prefix}.{n}" if n else prefix, layer) for n, layer in entries]


def camel(text: str) -> str:
    """``ResNet-18`` → ``ResNet18``; ``seed cnn`` → ``SeedCnn``: a class name."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", text) if p]
    out = "".join(p[0].upper() + p[1:] for p in parts)
    if out and out[0].isdigit():
        out = "Model" + out
    return out


def _identifier(text: str) -> str:
    out = re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_").lower()
    if not out or out[0].isdigit():
        out = "layer_" + out
    if keyword.iskeyword(out) or out in _MODULE_ATTRS:
        out += "_"
    return out


def python_expression(expr: str) -> str:
    """`$width` → ``width``; `${(k - 1) // 2}` → ``(k - 1) // 2`` (`/` divides exactly: ``//``)."""
    inner = expr[2:-1].strip() if expr.startswith("${") else expr[1:]
    return re.sub(r"(?<!/)/(?!/)", "//", inner)


def _names(expression: str) -> list[str]:
    return [n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)]


# --- rendering -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Context:
    """Where values are rendered: at the top level (literals) or inside a block use (expressions
    over its arguments, ``env``)."""

    env: dict[str, Any] | None = None
    used: list[str] = field(default_factory=list)  # block arguments the body refers to
    sizes: list[tuple[str, Any]] = field(default_factory=list)  # size expressions so far, and values

    def value(self, arg: Argument, *, size: bool = False) -> str:
        """``size``: the argument may be a channel count (block arguments: their meaning is unknown)."""
        if self.env is None:
            return literal(arg.value)
        if arg.expr is not None:
            text = python_expression(arg.expr)
            self._use(text)
            if size or arg.name in _SIZE_ARGS:
                self.sizes.append((text, arg.value))
            return text
        if arg.origin.how == "inferred" or arg.name == "in_channels":
            target = arg.value
            if isinstance(target, tuple) and len(target) == 1:
                target = target[0]
            for text, value in reversed(self.sizes):
                if value == target or value == (target,):
                    self._use(text)
                    return text
            for name, value in sorted(self.env.items(), key=lambda kv: kv[0] != "in_channels"):
                if value == target and isinstance(value, int) and not isinstance(value, bool):
                    self._use(name)
                    return name
        return literal(arg.value)

    def _use(self, expression: str) -> None:
        for name in _names(expression):
            if name not in self.used:
                self.used.append(name)


@dataclass(slots=True)
class BlockClass:
    name: str
    params: list[str]
    body: list[str]  # the body of __init__ (indented), then forward
    block: str


class _Exporter:
    def __init__(self, analysis: Analysis, name: str | None) -> None:
        if not analysis.is_architecture:
            raise ExportError("not an architecture file (no `layers:`)")
        if analysis.has_errors:
            raise ExportError("the architecture has errors; fix them to export it")
        self.analysis = analysis
        self.helpers: set[str] = set()
        self.classes: list[BlockClass] = []
        self.by_body: dict[tuple[str, tuple[str, ...]], BlockClass] = {}
        self.uses: dict[int, tuple[BlockClass, list[tuple[str, LayerResult]]]] = {}
        self.taken: set[str] = set(HELPERS)
        self.model_body, self.model_entries = self.class_body(analysis.layers, Context())
        self.model_name = self.unique(camel(name or analysis.name or "") or "Model")

    def unique(self, name: str) -> str:
        base, n = name, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def entries(self) -> list[tuple[str, LayerResult]]:
        return self.model_entries

    # --- classes -----------------------------------------------------------------------------------

    def class_body(self, items: list[LayerResult], ctx: Context) -> tuple[list[str], list[tuple[str, LayerResult]]]:
        """``__init__`` assignments and ``forward`` of a model or block class over its layers."""
        init: list[str] = []
        forward: list[str] = []
        entries: list[tuple[str, LayerResult]] = []
        counts: dict[str, int] = {}
        names: set[str] = set()
        for item in items:
            if item.name:
                attr = _identifier(item.name)
            else:
                stem = _identifier(item.type)
                counts[stem] = counts.get(stem, 0) + 1
                attr = f"{stem}_{counts[stem]}"
            while attr in names:
                attr += "_"
            names.add(attr)
            mod = self.item(item, ctx)
            init += _place(mod, f"self.{attr} = ")
            forward.append(f"x = self.{attr}(x)")
            entries += _prefixed(attr, mod.entries)
        forward_def = ["def forward(self, x: torch.Tensor) -> torch.Tensor:", *_indent([*forward, "return x"])]
        return [*_indent(["super().__init__()", *init]), "", *forward_def], entries

    def block_use(self, use: LayerResult, ctx: Context) -> Mod:
        if id(use) not in self.uses:
            inner = Context({k: a.value for k, a in use.arguments.items()})
            body, entries = self.class_body(use.children, inner)
            params = inner.used
            key = (use.type, tuple(body + params))
            cls = self.by_body.get(key)
            if cls is None:
                cls = BlockClass(self.unique(camel(use.type) or "Block"), params, body, use.type)
                self.by_body[key] = cls
                self.classes.append(cls)
            self.uses[id(use)] = (cls, entries)
        cls, entries = self.uses[id(use)]
        args = [f"{p}={ctx.value(use.arguments[p], size=True)}" for p in cls.params]
        return Mod([f"{cls.name}({', '.join(args)})"], self.comment(use), [("", use), *entries])

    def class_source(self, cls: BlockClass) -> list[str]:
        where = self.analysis.blocks.get(cls.block)
        line = f" (defined at line {where.start_line + 1})" if where is not None else " (imported)"
        signature = ", ".join(["self", *(f"{p}: int" for p in cls.params)])
        return [
            f"class {cls.name}(nn.Module):",
            f'{INDENT}"""Block {cls.block}{line}."""',
            "",
            f"{INDENT}def __init__({signature}) -> None:",
            *_indent(cls.body),
        ]

    # --- items ---------------------------------------------------------------------------------------

    def comment(self, layer: LayerResult) -> str:
        where = f"line {layer.line + 1}" + (" of an imported file" if layer.foreign else "")
        what = layer.type if layer.category != "layer" else ""
        if layer.category == "layer" and layer.written_type and layer.written_type != layer.type:
            what = f"{layer.written_type} as {layer.type}"
        return f"{where}: {what}" if what else where

    def item(self, layer: LayerResult, ctx: Context) -> Mod:
        if layer.category == "layer":
            call = leaf_call(layer, ctx.value)
            self.helpers |= call.helpers
            text = call.text
            if not layer.trainable and layer.params:
                self.helpers.add("frozen")
                text = f"frozen({text})"
            return Mod([text], self.comment(layer), [("", layer)])
        if layer.category == "block":
            return self.block_use(layer, ctx)
        if layer.category == "sequential":
            mod = self.sequence(layer.children, ctx)
            return Mod(mod.lines, self.comment(layer), [("", layer), *mod.entries])
        if layer.category == "repeat":
            return self.repeat(layer, ctx)
        if layer.category == "residual":
            return self.residual(layer, ctx)
        return self.branches(layer, ctx)

    def sequence(self, layers: list[LayerResult], ctx: Context) -> Mod:
        if not layers:
            return Mod(["nn.Identity()"])
        parts = [self.item(layer, ctx) for layer in layers]
        entries = [e for i, part in enumerate(parts) for e in _prefixed(str(i), part.entries)]
        return Mod(_call("nn.Sequential", parts), entries=entries)

    def repeat(self, layer: LayerResult, ctx: Context) -> Mod:
        """``nn.Sequential`` of the repetitions: the first, then the steady state repeated."""
        times_text = ctx.value(layer.arguments["times"])
        times = layer.repeat or 0
        reps = layer.repetitions
        if not times or not reps:
            return Mod(["nn.Sequential()"], self.comment(layer), [("", layer)])
        bodies = [self.repetition(rep, ctx) for rep in reps]
        if times > len(reps):  # the steady state, rendered after the others (its sizes follow them)
            bodies.append(self.repetition(reps[-1], ctx))
        steady = len(bodies) - 1  # the trailing bodies that render alike repeat to the end
        while steady > 0 and bodies[steady - 1].lines == bodies[-1].lines:
            steady -= 1
        head, last = bodies[:steady], bodies[-1]
        count = times_text if not head else _minus(times_text, len(head))
        if count == "1" or (len(bodies) == times and len(head) == times - 1):  # nothing repeats
            lines = _call("nn.Sequential", [*head, last])
        elif len(last.lines) == 1:
            lines = _call("nn.Sequential", [*head, Mod([f"*({last.lines[0]} for _ in range({count}))"])])
        else:
            generator = ["*(", *_indent(last.lines), f"{INDENT}for _ in range({count})", ")"]
            lines = _call("nn.Sequential", [*head, Mod(generator)])
        entries: list[tuple[str, LayerResult]] = [("", layer)]
        for i in range(times):
            entries += _prefixed(str(i), bodies[min(i, len(bodies) - 1)].entries)
        return Mod(lines, self.comment(layer), entries)

    def repetition(self, layers: list[LayerResult], ctx: Context) -> Mod:
        if len(layers) == 1:
            return self.item(layers[0], ctx)
        return self.sequence(layers, ctx)

    def residual(self, layer: LayerResult, ctx: Context) -> Mod:
        parts, entries = [], [("", layer)]
        for branch, attr in zip(layer.children, ("body", "shortcut"), strict=False):
            mod = self.sequence(branch.children, ctx)
            parts.append(Mod(mod.lines, f"line {branch.line + 1}: {branch.type}"))
            entries += [(attr, branch), *_prefixed(attr, mod.entries)]
        return Mod(_call("Residual", parts), self.comment(layer), entries)

    def branches(self, layer: LayerResult, ctx: Context) -> Mod:
        helper = {"add": "AddBranches", "multiply": "MultiplyBranches", "concat": "ConcatBranches"}[layer.category]
        self.helpers.add(helper)
        parts, entries = [], [("", layer)]
        for i, branch in enumerate(layer.children):
            mod = self.sequence(branch.children, ctx)
            parts.append(Mod(mod.lines, f"line {branch.line + 1}: {branch.type}"))
            name = f"branches.{i}"
            entries += [(name, branch), *_prefixed(name, mod.entries)]
        trailing = []
        if layer.category == "concat":
            dim = batched_dim(layer.arguments["dim"].value)
            if dim != 1:
                trailing.append(f"dim={dim}")
            if layer.arguments["crop"].value:
                trailing.append("crop=True")
        return Mod(_call(helper, parts, trailing), self.comment(layer), entries)

    # --- the file ----------------------------------------------------------------------------------

    def source(self) -> str:
        a = self.analysis
        if "Residual" not in self.helpers and any(x.category == "residual" for x in a.walk()):
            self.helpers.add("Residual")
        totals = a.totals
        title = a.name or "The model"
        shape = f"[{shapes.fmt(a.input_shape, ', ')}]" if a.input_shape is not None else "unknown"
        out = [
            f'"""{title}, exported by paramlens from its architecture file.',
            "",
            f"Input: {shape} per sample, batch first. Parameters: {_num(totals.params)} "
            f"(trainable {_num(totals.trainable)}); buffers: {_num(totals.buffers)}.",
            "The comments give each module's line in the YAML file.",
            '"""',
            "",
            "import torch",
            "from torch import nn",
        ]
        for helper in sorted(self.helpers, key=list(HELPERS).index):
            out += ["", *HELPERS[helper].rstrip().split("\n")]
        for cls in self.classes:
            out += ["", "", *self.class_source(cls)]
        doc = f"{title}: input {shape} per sample (batch first)."
        out += [
            "",
            "",
            f"class {self.model_name}(nn.Module):",
            f'{INDENT}"""{doc}"""',
            "",
            f"{INDENT}def __init__(self) -> None:",
            *_indent(self.model_body),
        ]
        return "\n".join(line.rstrip() for line in out) + "\n"


def _minus(expression: str, n: int) -> str:
    return str(int(expression) - n) if expression.lstrip("-").isdigit() else f"{expression} - {n}"


def _num(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
