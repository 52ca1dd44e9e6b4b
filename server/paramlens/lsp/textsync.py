"""Documents split into lines as the protocol does.

pygls' ``TextDocument.lines`` uses ``str.splitlines``, which also breaks at U+2028, U+2029, NEL, form
feeds and other characters that editors keep inside a line: an incremental edit below such a line
then lands on the wrong line and corrupts the server's copy of the document. The LSP breaks lines
at ``\\r\\n``, ``\\r`` and ``\\n`` only.
"""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Sequence
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument, Workspace

from .positions import column, encoding_of

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_NEWLINE = re.compile("\n")
_FAR = 64  # lines: farther than this, counting in C beats a loop of finds
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what splitlines breaks at besides \r and \n


class EditorTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        source = self.source
        if not any(c in source for c in _OTHER_BREAKS):  # nearly always: three times faster than the regex
            return source.splitlines(True)
        return tuple(_LINE.findall(source))

    _anchor: tuple[int, int] = (0, 0)  # a line of the current source and the offset where it starts

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        source = self.source
        if "\r" in source or any(c in source for c in _OTHER_BREAKS):
            super()._apply_incremental_change(change)  # rare: line breaks other than \n
            self._anchor = (0, 0)
            return
        start_line = change.range.start.line
        line_start = self._line_start(source, start_line)
        start = self._offset(source, line_start, change.range.start.character)
        end_line_start = self._line_start(source, change.range.end.line)
        end = max(start, self._offset(source, end_line_start, change.range.end.character))
        self._source = source[:start] + change.text + source[end:]
        # the start line begins where it did: the next change walks from there
        self._anchor = (start_line, line_start) if line_start < len(source) or start_line == 0 else (0, 0)

    def _apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        super()._apply_full_change(change)
        self._anchor = (0, 0)

    def _line_start(self, source: str, line: int) -> int:
        """Where ``line`` starts (the text's end past its last line), walking from the nearer of the
        text's start and the anchor."""
        line = max(line, 0)
        known, offset = self._anchor
        if line < known - line:
            known, offset = 0, 0
        if line - known > _FAR:  # a jump: let the regular expression engine count the line breaks
            breaks = _NEWLINE.finditer(source, offset)
            collections.deque(itertools.islice(breaks, line - known - 1), maxlen=0)
            found = next(breaks, None)
            return len(source) if found is None else found.end()
        while known < line:
            found = source.find("\n", offset)
            if found < 0:
                return len(source)
            known, offset = known + 1, found + 1
        while known > line:
            known, offset = known - 1, source.rfind("\n", 0, offset - 1) + 1
        return offset

    def _offset(self, source: str, line_start: int, units: int) -> int:
        """The offset of ``units`` client units into the line starting at ``line_start``."""
        end = source.find("\n", line_start)
        line = source[line_start : len(source) if end < 0 else end]
        return line_start + column(line, units, encoding_of(self._position_codec.encoding))


class EditorWorkspace(Workspace):
    """pygls' workspace, with documents split as the protocol does and edits that arrive out of order
    refused: pygls applies a ``didChange`` before the server's handler runs, so this is where a change
    whose version is not newer than the document's is dropped (the document keeps its text)."""

    _accepted: types.VersionedTextDocumentIdentifier | None = None  # the change being applied, all its parts
    # changes refused, until their handler has said so: id -> (the identifier, the document's version then)
    refused: dict[int, tuple[types.VersionedTextDocumentIdentifier, int]]

    def update_text_document(
        self, text_doc: types.VersionedTextDocumentIdentifier, change: types.TextDocumentContentChangeEvent
    ) -> None:
        doc = self._text_documents.get(unquote(text_doc.uri))
        if (
            doc is not None
            and text_doc is not self._accepted  # a later part of a change already accepted: same version
            and doc.version is not None
            and text_doc.version is not None
            and text_doc.version <= doc.version
        ):
            if len(self.refused) > 256:  # their handlers never ran (they always do): do not keep them
                self.refused.clear()
            self.refused[id(text_doc)] = (text_doc, doc.version)
            return
        self._accepted = text_doc
        super().update_text_document(text_doc, change)

    def _create_text_document(self, doc_uri: str, source=None, version=None, language_id=None) -> TextDocument:
        return EditorTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


def refused(server: LanguageServer, text_doc: types.VersionedTextDocumentIdentifier) -> int | None:
    """The document's version if this ``didChange`` was refused as not newer than it, else None."""
    found = getattr(server.workspace, "refused", {}).pop(id(text_doc), None)
    return found[1] if found is not None and found[0] is text_doc else None


def install(server: LanguageServer) -> None:
    """Make the workspace pygls has just created (in ``initialize``) create such documents."""
    server.workspace.__class__ = EditorWorkspace
    server.workspace.refused = {}
