"""Go to definition: from an index of an Ultralytics row's `from` to the row it names.

`from: [-1, 6]` on row 11 names rows 10 and 6; the definition of each index is that row's item. An index
that names the input image (row 0's -1) or no row has none.
"""

from __future__ import annotations

from lsprotocol import types

from .documents import Entry
from .hover import from_index_at


def definition(entry: Entry, position: types.Position) -> list[types.Location]:
    analysis = entry.analysis
    if analysis.dialect != "ultralytics" or not entry.lines.contains(position):
        return []
    line, char = entry.lines.from_client(position)
    layer = entry.row_at(line, char)
    if layer is None or layer.row is None:
        return []
    k = from_index_at(layer, line, char)
    if k is None or k >= len(layer.row.sources):
        return []
    j = layer.row.sources[k]
    if not 0 <= j < len(analysis.layers):
        return []
    target = analysis.layers[j]
    return [types.Location(uri=entry.uri, range=entry.lines.range(target.span))]
