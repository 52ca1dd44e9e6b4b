"""A pygls 2 language server that does nothing: the transport's own cost, the floor of issue 7.

It keeps pygls' incremental text sync (the same as paramlens), publishes empty diagnostics with the
version after every open and change, answers hover and completion with nothing, and answers inlay hints
with dummy hints of a realistic label: ``hints`` of them (initializationOptions, set by the benchmark to
what paramlens returned for the same document) spread over the lines that start a YAML list item, or one
per such line when unset. Run: ``python benchmarks/null_server.py`` (stdio).
"""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.lsp.server import LanguageServer

ITEM = re.compile(r"^\s*- ")
server = LanguageServer("paramlens-null", "0.0.0")
_hints_wanted: list[int | None] = [None]


@server.feature(types.INITIALIZE)
def initialize(params: types.InitializeParams) -> None:
    options = params.initialization_options or {}
    if isinstance(options, dict) and isinstance(options.get("hints"), int):
        _hints_wanted[0] = options["hints"]


def _publish(ls: LanguageServer, uri: str, version: int) -> None:
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(params: types.HoverParams) -> None:
    return None


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
def code_lens(params: types.CodeLensParams) -> list[types.CodeLens]:
    return []


@server.feature(types.TEXT_DOCUMENT_COMPLETION)
def completion(params: types.CompletionParams) -> list[types.CompletionItem]:
    return []


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
def inlay_hint(ls: LanguageServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    lines = ls.workspace.get_text_document(params.text_document.uri).lines
    items = [i for i, line in enumerate(lines) if ITEM.match(line)] or [0]
    wanted = _hints_wanted[0] if _hints_wanted[0] is not None else len(items)
    first, last = params.range.start.line, params.range.end.line
    hints = []
    for k in range(wanted):
        line = items[k % len(items)]
        if first <= line <= last:
            position = types.Position(line=line, character=len(lines[line].rstrip("\r\n")))
            hints.append(types.InlayHint(position=position, label="  4,640 params → 32×30×30", padding_left=True))
    return hints


if __name__ == "__main__":
    server.start_io()
