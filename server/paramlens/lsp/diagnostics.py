"""Diagnostics: the engine's findings as LSP diagnostics, published with the document version.

Every diagnostic carries ``source: "paramlens"`` and the engine's stable code; a channel mismatch
points (related information) at the layer whose output was inferred. The engine diagnostic's index
travels in ``data`` so that code actions find its fixes again.
"""

from __future__ import annotations

from lsprotocol import types

from ..engine.analysis import Diagnostic
from .documents import Entry

SOURCE = "paramlens"


def to_lsp(entry: Entry, index: int, d: Diagnostic) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=entry.uri, range=entry.lines.range(r.span)), message=r.message
        )
        for r in d.related
    ]
    return types.Diagnostic(
        range=entry.lines.range(d.span),
        message=d.message,
        severity=types.DiagnosticSeverity(int(d.severity)),
        code=d.code,
        source=SOURCE,
        related_information=related or None,
        data={"index": index, "version": entry.version},
    )


def publish_params(entry: Entry) -> types.PublishDiagnosticsParams:
    diagnostics = entry.analysis.diagnostics if entry.analysis.is_architecture else []
    return types.PublishDiagnosticsParams(
        uri=entry.uri,
        version=entry.version,
        diagnostics=[to_lsp(entry, i, d) for i, d in enumerate(diagnostics)],
    )


def cleared(uri: str) -> types.PublishDiagnosticsParams:
    return types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
