"""Completion: layer types, the arguments of the layer under the cursor, and known values.

While a line is being typed the YAML is often broken, so the context comes from the text around
the cursor (the list item, the enclosing `{...}` or the parent key), and the vocabulary from the
registry, the document's blocks (imported ones too) and the constructs:
- after `- ` (or `type:`): layer types, with their documentation and a snippet of required args;
- at a key inside a layer: its arguments (registry `Arg`s, a block's args, a construct's keys);
- after `key: `: the argument's known values (choices, `same`/`valid`, booleans) and, inside a
  block definition, the block's `$arguments`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lsprotocol import types

from ..engine import registry
from ..engine.analysis import Analysis
from ..engine.infer import CONSTRUCT_KEYS, CONSTRUCTS
from ..engine.layout import COMMON_KEYS
from ..engine.registry import REQUIRED, Kind
from .documents import Entry
from .positions import Lines

_ITEM = re.compile(r"\s*(?:-\s+)+[$\w]*")
_TYPE_KEY = re.compile(r".*\btype\s*:\s*[$\w]*")
_FLOW_LIST = re.compile(r".*\b(?:layers|shortcut)\s*:\s*\[\s*[$\w]*")
_VALUE = re.compile(r".*?([$\w]+)\s*:\s*[$\w.\-]*")
_KEY_LINE = re.compile(r"\s*\w*")
_FLOW_KEY = re.compile(r".*[{,]\s*\w*")
_PARENT = re.compile(r"(\s*)(-\s+)?([$\w]+)\s*:\s*(?:#.*)?")
_KEY = re.compile(r"(\s*)(-\s+)?([$\w]+)\s*:(.*)")
_WORD_BEFORE = re.compile(r"[$\w]*$")
_WORD_AFTER = re.compile(r"[$\w]*")
SCAN = 200  # lines looked at above the cursor for the enclosing layer

CONSTRUCT_SNIPPETS = {
    "Sequential": "Sequential: {name: ${1:group}, layers: [$0]}",
    "Repeat": "Repeat: {times: ${1:2}, layers: [$0]}",
    "Residual": "Residual: {layers: [$0]}",
    "Add": "Add: {branches: [[$0], []]}",
    "Multiply": "Multiply: {branches: [[$0], []]}",
    "Concat": "Concat: {branches: [[$0], []]}",
}
CONSTRUCT_DOCS = {
    "Sequential": "A named group of layers with its own total.",
    "Repeat": "Applies its `layers` `times` times in sequence; each repetition sees the previous output.",
    "Residual": "`layers` plus an optional `shortcut` (identity when absent), summed: their shapes must match.",
    "Add": "Sums its `branches` (lists of layers): their output shapes must be equal.",
    "Multiply": "Multiplies its `branches` element-wise with broadcasting (squeeze-and-excitation gates).",
    "Concat": "Concatenates its `branches` on `dim` (default: channels); `crop: true` centre-crops.",
}


@lru_cache(maxsize=256)
def kind_doc(kind: Kind) -> str:
    lines = [kind.doc]
    if kind.formula:
        lines.append(f"\nParameters: `{kind.formula}`")
    if kind.args:
        lines.append("\nArguments:")
        for arg in kind.args:
            if arg.infer:
                how = "inferred from the input"
            elif arg.default is REQUIRED:
                how = "required"
            else:
                how = f"default {_yaml(arg.default)}"
            alias = f" (Keras: {', '.join(arg.aliases)})" if arg.aliases else ""
            lines.append(f"- `{arg.name}`{alias}, {how}: {arg.doc}")
    return "\n".join(lines)


def _yaml(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "null" if value is None else str(value)


def _doc(text: str, markdown: bool) -> types.MarkupContent | str:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text) if markdown else text.replace("`", "")


class _Context:
    """What the client can take, and where the word under the cursor is."""

    def __init__(self, lines: Lines, line: int, char: int, snippets: bool, markdown: bool) -> None:
        self.lines, self.line, self.snippets, self.markdown = lines, line, snippets, markdown
        text = lines.text(line)
        self.before, self.after = text[:char], text[char:]
        start = char - len(_WORD_BEFORE.search(self.before).group())  # type: ignore[union-attr]
        end = char + len(_WORD_AFTER.match(self.after).group())  # type: ignore[union-attr]
        self.range = types.Range(start=lines.position(line, start), end=lines.position(line, end))
        self.rest = self.after[end - char :].strip()  # what follows the word on the line

    def item(self, label: str, kind: types.CompletionItemKind, **extra) -> types.CompletionItem:
        text = extra.pop("snippet", None)
        if text is None or not self.snippets:
            text, fmt = label, types.InsertTextFormat.PlainText
        else:
            fmt = types.InsertTextFormat.Snippet
        if "documentation" in extra and extra["documentation"] is not None:
            extra["documentation"] = _doc(extra["documentation"], self.markdown)
        return types.CompletionItem(
            label=label,
            kind=kind,
            insert_text_format=fmt,
            text_edit=types.TextEdit(range=self.range, new_text=text),
            **extra,
        )


def complete(entry: Entry, position: types.Position, snippets: bool, markdown: bool) -> types.CompletionList | None:
    if not entry.analysis.is_architecture or not entry.lines.contains(position):
        return None
    line, char = entry.lines.from_client(position)
    ctx = _Context(entry.lines, line, char, snippets, markdown)
    before = ctx.before
    if re.search(r"(^|\s)#", before):
        return None  # in a comment
    analysis = entry.analysis
    if analysis.dialect == "ultralytics":
        return ultralytics_items(entry, line, char, markdown)
    block = enclosing_block(entry.lines, line)
    block_vars = [*analysis.block_args.get(block, ()), "in_channels"] if block else []
    items: list[types.CompletionItem] = []
    if _TYPE_KEY.fullmatch(before):
        items = type_items(ctx, analysis, with_args=False)
    elif _ITEM.fullmatch(before) or _FLOW_LIST.fullmatch(before):
        items = type_items(ctx, analysis, with_args=not ctx.rest)
    elif (m := _VALUE.fullmatch(before)) is not None:
        owner = enclosing_type(entry.lines, line, before[: m.start(1)])
        items = value_items(ctx, owner, m.group(1), analysis)
    elif _FLOW_KEY.fullmatch(before) or _KEY_LINE.fullmatch(before):
        owner = enclosing_type(entry.lines, line, before)
        items = argument_items(ctx, owner, analysis, written_keys(entry.lines, line, before))
    if block_vars and _WORD_BEFORE.search(before).group().startswith("$"):  # type: ignore[union-attr]
        items += [
            ctx.item(f"${v}", types.CompletionItemKind.Variable, detail=f"argument of {block}") for v in block_vars
        ]
    return types.CompletionList(is_incomplete=False, items=items) if items else None


def type_items(ctx: _Context, analysis: Analysis, with_args: bool) -> list[types.CompletionItem]:
    items = []
    for kind in registry.KINDS.values():
        required = [a.name for a in kind.args if a.required]
        snippet = None
        if with_args and required:
            snippet = f"{kind.name}: {{" + ", ".join(f"{r}: ${i}" for i, r in enumerate(required, 1)) + "}"
        doc = kind_doc(kind)
        detail = f"{kind.family} · {kind.formula}" if kind.formula else kind.family
        items.append(
            ctx.item(
                kind.name,
                types.CompletionItemKind.Class,
                snippet=snippet,
                detail=detail,
                documentation=doc,
                sort_text=f"1{kind.name}",
            )
        )
        for alias in kind.aliases:
            alias_snippet = snippet.replace(kind.name, alias, 1) if snippet else None
            items.append(
                ctx.item(
                    alias,
                    types.CompletionItemKind.Class,
                    snippet=alias_snippet,
                    detail=f"Keras name of {kind.name}",
                    documentation=doc,
                    sort_text=f"3{alias}",
                )
            )
    for name in CONSTRUCTS:
        items.append(
            ctx.item(
                name,
                types.CompletionItemKind.Keyword,
                snippet=CONSTRUCT_SNIPPETS[name] if with_args else None,
                detail="construct",
                documentation=CONSTRUCT_DOCS[name],
                sort_text=f"2{name}",
            )
        )
    for name, args in analysis.block_args.items():
        snippet = None
        if with_args and args:
            snippet = f"{name}: {{" + ", ".join(f"{a}: ${{{i}}}" for i, a in enumerate(args, 1)) + "}"
        items.append(
            ctx.item(
                name,
                types.CompletionItemKind.Module,
                snippet=snippet,
                detail="block",
                documentation=f"Block {name}; arguments: {', '.join(args) or 'none'}.",
                sort_text=f"0{name}",
            )
        )
    return items


def arguments_of(owner: str | None, analysis: Analysis) -> list[tuple[str, str]]:
    """(name, detail) of the keys a layer of this type accepts."""
    if owner is None:
        return []
    common = [(k, "common") for k in COMMON_KEYS]
    if owner in CONSTRUCT_KEYS:
        return [(k, owner) for k in CONSTRUCT_KEYS[owner]] + common
    if owner in analysis.block_args:
        return [(a, f"argument of block {owner}") for a in analysis.block_args[owner]] + common
    kind = registry.lookup(owner)
    if kind is None:
        return []
    return [(a.name, a.doc) for a in kind.args] + common


def argument_items(
    ctx: _Context, owner: str | None, analysis: Analysis, written: set[str]
) -> list[types.CompletionItem]:
    items = []
    for name, detail in arguments_of(owner, analysis):
        if name in written:
            continue
        snippet = f"{name}: $0" if not ctx.rest.startswith(":") else None
        items.append(ctx.item(name, types.CompletionItemKind.Property, snippet=snippet, detail=detail))
    return items


def value_items(ctx: _Context, owner: str | None, key: str, analysis: Analysis) -> list[types.CompletionItem]:
    if key == "trainable":
        values = [True, False]
    else:
        kind = registry.lookup(owner) if owner else None
        arg = kind.arg(key) if kind else None
        if arg is None:
            return []
        if arg.type == "bool":
            values = [True, False]
        elif arg.type == "padding":
            values = ["same", "valid"]
        elif arg.choices:
            values = list(arg.choices)
        else:
            return []
    return [ctx.item(_yaml(v), types.CompletionItemKind.Value, detail=key) for v in values]


def _indent(text: str) -> int:
    m = _PARENT.match(text) or _KEY.match(text)
    if m is None:
        return len(text) - len(text.lstrip())
    return len(m.group(1)) + len(m.group(2) or "")


def enclosing_type(lines: Lines, line: int, before: str) -> str | None:
    """The layer type that owns a key typed at the cursor: the `{...}` it is in, else the parent key."""
    depth, start = 0, -1
    for i in range(len(before) - 1, -1, -1):
        c = before[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                start = i
                break
            depth -= 1
    if start >= 0:
        inside = re.search(r"\btype\s*:\s*([$\w]+)", before[start:])
        if inside:
            return inside.group(1)
        head = re.search(r"([$\w]+)\s*:\s*$", before[:start])
        return head.group(1) if head else None
    own = len(before) - len(before.lstrip())
    for i in range(line - 1, max(-1, line - SCAN), -1):
        text = lines.text(i)
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _KEY.match(text)
        if m is None:
            continue
        indent = _indent(text)
        if indent == own and m.group(3) == "type":
            return m.group(4).strip().split()[0] if m.group(4).strip() else None
        if indent < own:
            return m.group(3) if not m.group(4).strip() or m.group(4).strip().startswith("#") else None
    return None


def written_keys(lines: Lines, line: int, before: str) -> set[str]:
    """Keys already written in the mapping the cursor is in (not offered again)."""
    if "{" in before:
        return set(re.findall(r"([$\w]+)\s*:", before[before.rfind("{") :]))
    own = len(before) - len(before.lstrip())
    keys = set()
    for step in (-1, 1):
        i = line + step
        while 0 <= i < len(lines) and abs(i - line) < SCAN:
            text = lines.text(i)
            i += step
            if not text.strip() or text.strip().startswith("#"):
                continue
            if _indent(text) < own:
                break
            m = _KEY.match(text)
            if m and _indent(text) == own:
                keys.add(m.group(3))
    return keys


def enclosing_block(lines: Lines, line: int) -> str | None:
    """The block definition (under top-level `blocks:`) the line is in, if any."""
    candidate, smallest = None, None
    for i in range(line, max(-1, line - 10 * SCAN), -1):
        text = lines.text(i)
        m = _KEY.match(text)
        if m is None or text.strip().startswith("#"):
            continue
        indent = len(m.group(1))
        if indent == 0:
            return candidate if m.group(3) == "blocks" and i != line else None
        if smallest is None or indent < smallest:
            candidate, smallest = m.group(3), indent
    return None


# --- Ultralytics model files ---------------------------------------------------------------------
# `- [from, repeats, module, args]`: the module's place, and the place of a `from` index (alone or in a list)
_ROW_MODULE = re.compile(r"\s*-\s*\[\s*(?:-?\d+|\[[^\]]*\])\s*,\s*-?\d+\s*,\s*([\w.]*)")
_ROW_FROM = re.compile(r"\s*-\s*\[\s*(?:\[(?:\s*-?\d+\s*,)*\s*)?(-?\d*)")


@lru_cache(maxsize=512)
def module_doc(name: str) -> str:
    module = registry.MODULES[name]
    lines = [module.doc, f"\n`{module.path}` ({module.branch} branch of parse_model)"]
    if module.formula:
        lines.append(f"\nParameters: `{module.formula}`")
    if module.args:
        lines.append("\nArguments (as the row writes them):")
        for arg in module.args:
            how = "required" if arg.default is REQUIRED else f"default {_yaml(arg.default)}"
            lines.append(f"- `{arg.name}`, {how}: {arg.doc}" if arg.doc else f"- `{arg.name}`, {how}")
    return "\n".join(lines)


def ultralytics_items(entry: Entry, line: int, char: int, markdown: bool) -> types.CompletionList | None:
    """Module names at a row's 3rd item (Ultralytics' modules, then torch's as nn.Name); row indices at its
    `from` (-1, then every row above, with its module and output shape)."""
    text = entry.lines.text(line)
    before = text[:char]
    if "#" in before:
        return None
    if (m := _ROW_MODULE.fullmatch(before)) is not None:
        items = module_items(entry, line, char - len(m.group(1)), char, markdown)
    elif (m := _ROW_FROM.fullmatch(before)) is not None:
        items = from_items(entry, line, char - len(m.group(1)), char)
    else:
        return None
    return types.CompletionList(is_incomplete=False, items=items) if items else None


def _edit_range(entry: Entry, line: int, start: int, end: int) -> types.Range:
    text = entry.lines.text(line)
    end += len(re.match(r"[\w.]*", text[end:]).group())  # type: ignore[union-attr]
    return types.Range(start=entry.lines.position(line, start), end=entry.lines.position(line, end))


def module_items(entry: Entry, line: int, start: int, end: int, markdown: bool) -> list[types.CompletionItem]:
    where = _edit_range(entry, line, start, end)
    items = []
    for name, module in registry.MODULES.items():
        items.append(types.CompletionItem(
            label=name, kind=types.CompletionItemKind.Class, detail=f"Ultralytics · {module.branch}",
            documentation=_doc(module_doc(name), markdown), sort_text=f"1{name}",
            text_edit=types.TextEdit(range=where, new_text=name),
        ))  # fmt: skip
    for kind in registry.KINDS.values():
        if kind.torch and kind.torch == kind.name:
            label = f"nn.{kind.torch}"
            items.append(types.CompletionItem(
                label=label, kind=types.CompletionItemKind.Class, detail=f"torch.nn · {kind.family} (args verbatim)",
                documentation=_doc(kind_doc(kind), markdown), sort_text=f"2{label}",
                text_edit=types.TextEdit(range=where, new_text=label),
            ))  # fmt: skip
    return items


def from_items(entry: Entry, line: int, start: int, end: int) -> list[types.CompletionItem]:
    from ..engine import shapes

    rows = entry.analysis.layers
    i = sum(1 for r in rows if r.span.start_line < line)  # the row being written
    where = _edit_range(entry, line, start, end)

    def item(label: str, j: int, order: int) -> types.CompletionItem:
        target = rows[j]
        detail = f"row {j} · {target.type} · {shapes.fmt(target.output_shape)}"
        return types.CompletionItem(
            label=label, kind=types.CompletionItemKind.Reference, detail=detail, sort_text=f"{order:05d}",
            filter_text=label, text_edit=types.TextEdit(range=where, new_text=label),
        )  # fmt: skip

    if i == 0:
        return [types.CompletionItem(
            label="-1", kind=types.CompletionItemKind.Reference, detail="the input image (row 0 takes it)",
            text_edit=types.TextEdit(range=where, new_text="-1"),
        )]  # fmt: skip
    items = [item("-1", i - 1, 0)]
    items += [item(str(j), j, i - j) for j in range(i - 1, -1, -1) if j < len(rows)]
    return items
