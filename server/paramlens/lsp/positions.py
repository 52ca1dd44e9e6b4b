"""Engine positions (code points) to the client's units and back, in one place.

The engine counts columns in code points, as PyYAML marks them. Clients count in the position
encoding negotiated at start: UTF-16 (VS Code), UTF-8 (Neovim) or UTF-32. A document's lines are
split once per version; an ASCII line (nearly all of them) needs no conversion at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from lsprotocol import types

if TYPE_CHECKING:
    from ..engine.analysis import Span

_BREAK = re.compile("\r\n|\r|\n")  # the LSP's line breaks

Encoding = Literal["utf-8", "utf-16", "utf-32"]


def encoding_of(kind: object) -> Encoding:
    value = getattr(kind, "value", kind)
    return value if value in ("utf-8", "utf-16", "utf-32") else "utf-16"  # type: ignore[return-value]


class Lines:
    """A document's lines and the conversions of its positions."""

    __slots__ = ("encoding", "lines")

    def __init__(self, text: str, encoding: Encoding) -> None:
        self.lines = text.split("\n") if "\r" not in text else _BREAK.split(text)
        self.encoding = encoding

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def _units(self, s: str) -> int:
        if self.encoding == "utf-32" or s.isascii():
            return len(s)
        if self.encoding == "utf-8":
            return len(s.encode("utf-8", "surrogatepass"))
        return len(s.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, line: int, char: int) -> types.Position:
        """An engine position as the client counts it (clamped into the document)."""
        if line >= len(self.lines):
            line = len(self.lines) - 1
            char = len(self.lines[line])
        line = max(line, 0)
        s = self.lines[line]
        char = max(0, min(char, len(s)))
        return types.Position(line=line, character=self._units(s[:char]))

    def range(self, span: Span) -> types.Range:
        return types.Range(
            start=self.position(span.start_line, span.start_char),
            end=self.position(span.end_line, span.end_char),
        )

    def end_of_line(self, line: int) -> types.Position:
        line, character = self.end(line)
        return types.Position(line=line, character=character)

    def end(self, line: int) -> tuple[int, int]:
        """The end of a line as (line, client units), clamped into the document: `end_of_line` without an
        lsprotocol object (the whole document's hints are tens of thousands of them)."""
        if line < 0:
            return 0, 0
        line = min(line, len(self.lines) - 1)
        return line, self._units(self.lines[line])

    def contains(self, position: types.Position) -> bool:
        """Whether a client position lies in the document (at most at the end of its line)."""
        if not 0 <= position.line < len(self.lines) or position.character < 0:
            return False
        return position.character <= self._units(self.lines[position.line])

    def from_client(self, position: types.Position) -> tuple[int, int]:
        """A client position as (line, code-point column), clamped into the document."""
        line = min(max(position.line, 0), len(self.lines) - 1)
        return line, column(self.lines[line], position.character, self.encoding)


def column(line: str, units: int, encoding: Encoding) -> int:
    """The code-point column of ``units`` client units into a line (clamped to the line)."""
    units = max(units, 0)
    if encoding == "utf-32" or line.isascii():
        return min(units, len(line))
    if encoding == "utf-8":
        return len(line.encode("utf-8", "surrogatepass")[:units].decode("utf-8", "ignore"))
    data = line.encode("utf-16-le", "surrogatepass")[: units * 2]
    return len(data.decode("utf-16-le", "ignore"))
