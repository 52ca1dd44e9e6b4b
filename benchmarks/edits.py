"""Keystroke-like edits in the middle of a document, each undone by the next so that rounds repeat.

A round at a site (a layer line with a number): type a digit into the number, delete it; insert a new
layer line above the layer, delete it; type ``[`` after the item's dash (the YAML no longer parses
below it), delete it. Positions are computed once on the original text: every edit is undone before
the next one that could move it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .lsp_client import utf16_units

NUMBER = re.compile(r"\b(out_channels|filters|out_features|planes|hidden_size|width): (\d+)")
ITEM = re.compile(r"^(\s*)- ")


@dataclass(frozen=True)
class Site:
    line: int  # the line holding the number
    key_col: int  # where the argument's key starts (UTF-16 code units, like every column here)
    number_end: int  # the column just after the number
    item_line: int  # the list item (layer) the number belongs to
    item_indent: int


@dataclass(frozen=True)
class Edit:
    kind: str
    range: dict[str, Any]
    text: str

    def change(self) -> dict[str, Any]:
        return {"range": self.range, "text": self.text}


def _range(l1: int, c1: int, l2: int, c2: int) -> dict[str, Any]:
    return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}


def sites(text: str, count: int) -> list[Site]:
    """``count`` sites in the top-level ``layers``, spread over the middle of the document (from 1/4 to 3/4
    of its lines)."""
    lines = text.split("\n")
    top = next((i for i, line in enumerate(lines) if line.startswith("layers:")), 0)
    found = []
    for i, line in enumerate(lines[top:], top):
        match = NUMBER.search(line)
        if not match:
            continue
        item = i
        while item > 0 and not ITEM.match(lines[item]):
            item -= 1
        indent = len(ITEM.match(lines[item]).group(1)) if ITEM.match(lines[item]) else 0
        # columns in UTF-16 code units, as the client negotiates (a non-ASCII character before them counts 1 or 2)
        found.append(Site(i, utf16_units(line[: match.start(1)]), utf16_units(line[: match.end(2)]), item, indent))
    middle = [s for s in found if len(lines) // 4 <= s.line <= 3 * len(lines) // 4] or found
    step = max(1, len(middle) // (count + 1))
    return [middle[min(len(middle) - 1, step * (k + 1))] for k in range(count)]


def round_at(site: Site) -> list[Edit]:
    """The six edits of one round, in order."""
    s = site
    dash = s.item_indent + 2
    return [
        Edit("type a digit", _range(s.line, s.number_end, s.line, s.number_end), "0"),
        Edit("delete a digit", _range(s.line, s.number_end, s.line, s.number_end + 1), ""),
        Edit("insert a line", _range(s.item_line, 0, s.item_line, 0), " " * s.item_indent + "- ReLU\n"),
        Edit("delete a line", _range(s.item_line, 0, s.item_line + 1, 0), ""),
        Edit("break the YAML", _range(s.item_line, dash, s.item_line, dash), "["),
        Edit("repair the YAML", _range(s.item_line, dash, s.item_line, dash + 1), ""),
    ]


def window(site: Site, lines: int = 60) -> dict[str, Any]:
    """A ``lines``-line range around the site, as an editor's visible range."""
    first = max(0, site.line - lines // 2)
    return _range(first, 0, first + lines, 0)
