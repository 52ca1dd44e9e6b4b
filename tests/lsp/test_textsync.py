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


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    lines=st.lists(st.text(CHARS.filter(lambda c: c != "\n"), max_size=6), min_size=1, max_size=30),
    edits=st.lists(
        st.one_of(
            st.tuples(st.integers(0, 32), st.integers(0, 8), st.integers(0, 3), st.text(CHARS, max_size=3)),
            st.lists(st.text(CHARS.filter(lambda c: c != "\n"), max_size=6), max_size=30),  # a whole new text
        ),
        max_size=12,
    ),
)
def test_whole_document_changes_between_incremental_ones(lines: list[str], edits: list) -> None:
    """A whole-document change (a reload, a formatter) in the middle of incremental ones: the next
    incremental change lands on the line of the new text, not where the old text had it."""
    text = "\n".join(lines)
    doc = EditorTextDocument("file:///t.arch.yaml", source=text)
    for edit in edits:
        if isinstance(edit, list):
            text = "\n".join(edit)
            doc.apply_change(types.TextDocumentContentChangeWholeDocument(text=text))
        else:
            line, column, span, new = edit
            start, end = (line, column), (line + span, column)
            text = expected(text, start, end, new)
            doc.apply_change(change(start, end, new))
        assert doc.source == text


def test_an_edit_after_a_whole_document_change() -> None:
    """The case the walk's anchor got wrong: an edit on line 8, a new text, an insert on line 4."""
    doc = EditorTextDocument("file:///t.arch.yaml", source="".join(f"line {i}\n" for i in range(10)))
    doc.apply_change(change((8, 0), (8, 0), "x"))
    doc.apply_change(types.TextDocumentContentChangeWholeDocument(text="".join(f"new {i}\n" for i in range(20))))
    doc.apply_change(change((4, 0), (4, 0), "inserted "))
    assert doc.source.split("\n")[3:6] == ["new 3", "inserted new 4", "new 5"]
