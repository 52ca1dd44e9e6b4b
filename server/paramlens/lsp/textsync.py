"""Documents split into lines as the protocol does.

pygls' ``TextDocument.lines`` uses ``str.splitlines``, which also breaks at U+2028, U+2029, NEL, form
feeds and other characters that editors keep inside a line: an incremental edit below such a line
then lands on the wrong line and corrupts the server's copy of the document. The LSP breaks lines
at ``\\r\\n``, ``\\r`` and ``\\n`` only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument, Workspace

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class EditorTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return tuple(_LINE.findall(self.source))


class EditorWorkspace(Workspace):
    def _create_text_document(self, doc_uri: str, source=None, version=None, language_id=None) -> TextDocument:
        return EditorTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


def install(server: LanguageServer) -> None:
    """Make the workspace pygls has just created (in ``initialize``) create such documents."""
    server.workspace.__class__ = EditorWorkspace
