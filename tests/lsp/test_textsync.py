"""Incremental changes land where the protocol says, in any order and at any distance from the last one."""

import time

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from paramlens.lsp.textsync import EditorTextDocument

CHARS = st.sampled_from(["a", "b", "é", "😋", "\n", " ", "-", ":"])


def units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def expected(text: str, start: tuple[int, int], end: tuple[int, int], new: str) -> str:
    """The LSP's rule, written plainly: lines break at \\n; a UTF-16 column past a line's end is its end; a
    line past the document's end is the document's end."""
    lines = text.split("\n")

    def offset(line: int, column: int) -> int:
        if line >= len(lines):
            return len(text)
        at = sum(len(x) + 1 for x in lines[:line])
        used = 0
        for char in lines[line]:
            if used + units(char) > column:
                break
            used += units(char)
            at += 1
        return at

    a, b = offset(*start), offset(*end)
    return text[:a] + new + text[max(a, b) :]


def change(start: tuple[int, int], end: tuple[int, int], new: str) -> types.TextDocumentContentChangePartial:
    rng = types.Range(start=types.Position(*start), end=types.Position(*end))
    return types.TextDocumentContentChangePartial(range=rng, text=new)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    text=st.text(CHARS, max_size=60),
    edits=st.lists(
        st.tuples(
            st.integers(0, 12), st.integers(0, 20), st.integers(0, 12), st.integers(0, 20), st.text(CHARS, max_size=5)
        ),
        max_size=10,
    ),
)
def test_changes_apply_as_the_protocol_says(text: str, edits: list) -> None:
    doc = EditorTextDocument("file:///t.arch.yaml", source=text)
    for l1, c1, l2, c2, new in edits:
        start, end = sorted([(l1, c1), (l2, c2)])
        text = expected(text, start, end, new)
        doc.apply_change(change(start, end, new))
        assert doc.source == text


def test_a_keystroke_costs_the_same_in_a_long_document() -> None:
    """Typing at the end of a 200,000-line document walks from the line typed on before, not from the top."""
    doc = EditorTextDocument("file:///t.arch.yaml", source="  - ReLU\n" * 200_000)
    doc.apply_change(change((199_000, 8), (199_000, 8), "6"))  # the first change walks there once
    began = time.perf_counter()
    for i in range(200):
        doc.apply_change(change((199_000, 9 + i), (199_000, 9 + i), "x"))
    per_change = (time.perf_counter() - began) / 200
    assert doc.source.split("\n")[199_000] == "  - ReLU6" + "x" * 200
    assert per_change < 0.01  # a copy of 1.8 MB; pygls' own takes tens of milliseconds


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    lines=st.lists(st.text(CHARS.filter(lambda c: c != "\n"), max_size=6), min_size=100, max_size=400),
    edits=st.lists(
        st.tuples(st.integers(0, 420), st.integers(0, 8), st.integers(0, 3), st.text(CHARS, max_size=3)), max_size=12
    ),
)
def test_far_jumps_between_changes_land_on_their_lines(lines: list[str], edits: list) -> None:
    """Changes hundreds of lines apart, up and down (the walk counts line breaks in C past 64 lines)."""
    text = "\n".join(lines)
    doc = EditorTextDocument("file:///t.arch.yaml", source=text)
    for line, column, span, new in edits:
        start, end = (line, column), (line + span, column)
        text = expected(text, start, end, new)
        doc.apply_change(change(start, end, new))
        assert doc.source == text
