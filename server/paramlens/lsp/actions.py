"""Code actions: the engine's quick fixes as workspace edits.

Each engine diagnostic lists its fixes (set a mismatched size to the inferred value, replace an
unknown type or argument by the suggestion, add a projection shortcut...); they become quick fixes
for the diagnostics in the requested range. A layer whose input size cannot be inferred
(`missing-channels`) also gets two edits written here: add the size to the layer, or add an
`input:` shape to the file. Their value (3 channels, as for RGB images; 1 feature) is a starting
point the title states, to be edited.
"""

from __future__ import annotations

import re

from lsprotocol import types

from ..engine import registry
from ..engine.analysis import Diagnostic, Fix, LayerResult, Span
from .diagnostics import to_lsp
from .documents import Entry

_FLOW_AFTER_TYPE = re.compile(r"\s*:\s*\{")
_BLOCK_AFTER_TYPE = re.compile(r"\s*:\s*(#.*)?$")
_TYPE_KEY_BEFORE = re.compile(r"\btype\s*:\s*$")


def code_actions(
    entry: Entry, request: types.Range, versioned: bool, only: list[str] | None = None
) -> list[types.CodeAction]:
    if only is not None and not any(types.CodeActionKind.QuickFix.startswith(k) for k in only):
        return []
    analysis = entry.analysis
    if not analysis.is_architecture:
        return []
    first, last = request.start.line, request.end.line
    actions: list[types.CodeAction] = []
    shared: dict[Fix, types.CodeAction] = {}  # one fix carried by several diagnostics is one action for them all
    for index, d in enumerate(analysis.diagnostics):
        if d.span.end_line < first or d.span.start_line > last:  # the lines asked about, as editors do
            continue
        fixes = list(d.fixes)
        if d.code == "missing-channels":
            fixes += missing_channels_fixes(entry, d)
        lsp_diagnostic = to_lsp(entry, index, d)
        for i, fix in enumerate(fixes):
            if fix in shared:
                shared[fix].diagnostics.append(lsp_diagnostic)  # type: ignore[union-attr]
                continue
            actions.append(
                shared.setdefault(
                    fix,
                    types.CodeAction(
                        title=fix.title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp_diagnostic],
                        is_preferred=i == 0 or None,
                        edit=workspace_edit(entry, [fix], versioned),
                    ),
                )
            )
    return actions


def text_edit(entry: Entry, fix: Fix) -> types.TextEdit:
    span = fix.span
    if fix.action == "insert":
        span = Span(span.start_line, span.start_char, span.start_line, span.start_char)
    return types.TextEdit(range=entry.lines.range(span), new_text="" if fix.action == "delete" else fix.text)


def workspace_edit(entry: Entry, fixes: list[Fix], versioned: bool) -> types.WorkspaceEdit:
    edits = [text_edit(entry, f) for f in fixes]
    if versioned:
        document = types.OptionalVersionedTextDocumentIdentifier(uri=entry.uri, version=entry.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])
    return types.WorkspaceEdit(changes={entry.uri: edits})


def missing_channels_fixes(entry: Entry, d: Diagnostic) -> list[Fix]:
    layer = entry.layer_at(d.span.start_line, d.span.start_char)
    kind = registry.lookup(layer.type) if layer is not None else None
    if layer is None or kind is None:
        return []
    arg = next((a for a in kind.args if a.infer and a.name in d.message), None)
    if arg is None:
        return []
    value = 3 if arg.infer == "channels" else 1
    fixes = []
    add = _add_argument(entry, layer, f"{arg.name}: {value}")
    if add is not None:
        fixes.append(add)
    analysis = entry.analysis
    if analysis.input_key is None and analysis.layers_key is not None:
        rank = kind.spatial + 1 if kind.spatial else (min(kind.ranks) if kind.ranks else 1)
        dims = ", ".join([str(value), *["null"] * (rank - 1)])
        line = analysis.layers_key.start_line
        fixes.append(
            Fix(
                f"Add input: [{dims}] (the model's input shape; edit it)",
                "insert",
                Span(line, 0, line, 0),
                f"input: [{dims}]\n",
            )
        )
    return fixes


def _add_argument(entry: Entry, layer: LayerResult, text: str) -> Fix | None:
    """Insert ``name: value`` into the layer's arguments, in whichever spelling it is written."""
    span = layer.type_span
    line = entry.lines.text(span.start_line)
    after = line[span.end_char :] if span.start_line == span.end_line else ""
    before = line[: span.start_char]
    title = f"Add {text} to this {layer.type}"
    if _TYPE_KEY_BEFORE.search(before):  # `type: Conv2d` beside the arguments
        if "{" in before:
            return Fix(title, "insert", Span(span.end_line, span.end_char, span.end_line, span.end_char), f", {text}")
        indent = " " * len(before[: _TYPE_KEY_BEFORE.search(before).start()].replace("-", " "))  # type: ignore[union-attr]
        nxt = span.end_line + 1
        return Fix(title, "insert", Span(nxt, 0, nxt, 0), f"{indent}{text}\n")
    if m := _FLOW_AFTER_TYPE.match(after):
        at = span.end_char + m.end()
        empty = after[m.end() :].lstrip().startswith("}")
        return Fix(title, "insert", Span(span.end_line, at, span.end_line, at), text if empty else f"{text}, ")
    if _BLOCK_AFTER_TYPE.match(after) and ":" in after:
        nxt = span.end_line + 1
        following = entry.lines.text(nxt)
        indent = len(following) - len(following.lstrip())
        if indent <= span.start_char or not following.strip():
            indent = span.start_char + 2
        return Fix(title, "insert", Span(nxt, 0, nxt, 0), f"{' ' * indent}{text}\n")
    if not after.strip() or after.lstrip().startswith("#"):  # `- BatchNorm2d` alone
        return Fix(title, "replace", span, f"{line[span.start_char : span.end_char]}: {{{text}}}")
    return None
