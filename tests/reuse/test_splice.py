"""Splicing an edit into the previous version's outline must give the nodes a whole parse gives."""

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reuse import portrait
from yaml.nodes import MappingNode, Node, SequenceNode

from paramlens.engine import analyse
from paramlens.engine.source import parse
from paramlens.engine.splice import Broken, layers_of, recover_broken, splice

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEXTS = {p.name: p.read_text() for p in sorted(EXAMPLES.glob("*.arch.yaml"))}
TEXTS["flat"] = (
    "name: flat\ninput: [3, 32, 32]\nlayers:\n"
    "  - Conv2d: {out_channels: 8, kernel_size: 3}\n  # a comment\n  - ReLU\n\n"
    "  - type: Conv2d\n    out_channels: 16\n    kernel_size: 3\n  - Flatten\n  - Linear: 10"  # no final line break
)
TEXTS["dashes at column 0"] = "input: [4]\nlayers:\n- Linear: 8\n- ReLU\n- Linear:\n    out_features: 2\n"


def describe(node: Node) -> tuple:
    """A node with every position, tag and style: what the engine reads from it."""
    s, e = node.start_mark, node.end_mark
    where = (s.index, s.line, s.column, e.index, e.line, e.column)
    if isinstance(node, MappingNode):
        return ("map", node.tag, where, node.flow_style, tuple((describe(k), describe(v)) for k, v in node.value))
    if isinstance(node, SequenceNode):
        return ("seq", node.tag, where, node.flow_style, tuple(describe(v) for v in node.value))
    return ("scalar", node.tag, where, node.style, node.value)


def check(old: str, new: str) -> bool:
    """Compare the splice of ``new`` (when it splices, or recovers from a syntax error in the edited items)
    with its whole parse; True when it spliced."""
    _, outline = layers_of(parse(old), old)
    if outline is None:
        return False
    parsed = parse(new)
    try:
        spliced = splice(outline, new)
    except Broken as broken:
        recovered = recover_broken(outline, new, broken.first)
        if recovered is None:
            return False
        spliced_parse, layers = recovered
        assert spliced_parse.partial and parsed.partial, new
        assert spliced_parse.diagnostics == parsed.diagnostics, new
        compare(spliced_parse.root, layers, parsed.root, new)
        return True
    if spliced is None:
        return False
    root, layers, _ = spliced
    assert not parsed.diagnostics, new
    compare(root, layers, parsed.root, new)
    return True


def compare(root: MappingNode, layers, whole: MappingNode, new: str) -> None:
    assert [(describe(k), describe(v)) for k, v in whole.value[:-1]] == [
        (describe(k), describe(v)) for k, v in root.value[:-1]
    ], new
    items = whole.value[-1][1].value
    assert len(items) == len(layers.positions), new
    for i, item in enumerate(items):
        assert describe(layers.node(i)) == describe(item), (i, new)
        s, e = item.start_mark, item.end_mark
        assert layers.positions[i][1:] == (s.index, e.index, s.line, s.column)


def test_a_changed_number_composes_only_its_item() -> None:
    old = TEXTS["flat"]
    new = old.replace("out_channels: 16", "out_channels: 160")
    assert check(old, new)
    _, outline = layers_of(parse(old), old)
    _, layers, _ = splice(outline, new)
    assert [n is not None for n in layers.nodes] == [False, False, True, False, False]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  - ReLU\n", "  - ReLU\n  - Tanh\n"),  # a line inserted
        ("  # a comment\n", ""),  # a comment deleted
        ("  - Flatten\n", ""),  # an item deleted
        ("    kernel_size: 3\n", "    kernel_size: 3\n    padding: 1\n"),
        ("  - Linear: 10", "  - Linear: 10\n"),  # the final line break
        ("  - Linear: 10", "  - Linear: 10\n  - Softmax: {dim: 0}"),
        ("\n\n  - type", "\n  - type"),
    ],
)
def test_edits_splice_as_a_whole_parse_reads_them(old: str, new: str) -> None:
    text = TEXTS["flat"]
    assert old in text
    assert check(text, text.replace(old, new, 1))


@pytest.mark.parametrize(
    "new",
    [
        TEXTS["flat"].replace("name: flat", "name: flat2"),  # a change above `layers`
        TEXTS["flat"].replace("  - ReLU\n", "  - &a ReLU\n"),  # an anchor
        TEXTS["flat"].replace("  - ReLU\n", "  - ReLU\nblocks: {}\n"),  # a top-level key below `layers`
        TEXTS["flat"].replace("  - ReLU\n", " - ReLU\n"),  # a dash out of line
        TEXTS["flat"].replace("  - ReLU\n", "  - ReLU\n---\n"),  # a second document
    ],
)
def test_what_cannot_be_spliced_is_parsed_whole(new: str) -> None:
    assert not check(TEXTS["flat"], new)


def test_a_syntax_error_in_an_edited_item_recovers_as_a_whole_parse() -> None:
    old = TEXTS["flat"]
    assert check(old, old.replace("  - Flatten", "  - [Flatten"))
    assert check(old, old.replace("  - Flatten", '  - "Flatten'))  # unclosed to the end
    assert not check(old, old.replace("  - ReLU", "  - [ReLU"))  # item 1: nothing to skip


def test_most_random_edits_inside_the_items_splice() -> None:
    """The random tests below would pass if nothing ever spliced: here a fixed sample of edits must splice
    often, recovering from syntax errors too (a local run spliced about a third of them)."""
    rng = random.Random(7)
    spliced = recovered = 0
    for _ in range(600):
        old = TEXTS[rng.choice(sorted(TEXTS))]
        at, cut = rng.randrange(len(old)), rng.randrange(6)
        new = old[:at] + "".join(rng.choice(' -:{}[],#\n"ab1') for _ in range(rng.randrange(5))) + old[at + cut :]
        if check(old, new):
            spliced += 1
            recovered += parse(new).partial
    assert spliced >= 120 and recovered >= 30, (spliced, recovered)


def test_an_edit_in_one_item_does_not_parse_the_whole_text(monkeypatch: pytest.MonkeyPatch) -> None:
    text = TEXTS["resnet50.arch.yaml"]
    previous = analyse(text)
    edited = text.replace("out_features: 1000", "out_features: 100", 1)
    assert edited != text

    def whole(_text: str) -> None:
        raise AssertionError("parsed the whole text")

    monkeypatch.setattr("paramlens.engine.infer.parse", whole)
    reused = analyse(edited, memo=previous.memo)
    monkeypatch.undo()
    assert portrait(reused) == portrait(analyse(edited))


EDIT_TEXT = st.text(alphabet=" -:{}[],#\n\"'ab1|>\t", max_size=12)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(TEXTS)),
    where=st.floats(0, 1),
    cut=st.integers(0, 8),
    insert=EDIT_TEXT | st.sampled_from(["  - ReLU\n", "\n", "  ", "- ", "    - Linear: 4\n", ": 1"]),
)
def test_random_edits_splice_or_fall_back(name: str, where: float, cut: int, insert: str) -> None:
    old = TEXTS[name]
    at = int(where * len(old))
    new = old[:at] + insert + old[at + cut :]
    check(old, new)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(TEXTS)),
    steps=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 6), EDIT_TEXT), min_size=1, max_size=6),
)
def test_analyses_of_spliced_versions_match_fresh_ones(name: str, steps: list) -> None:
    """Edits in sequence, some undone (an edit's inverse finds the generation before), some breaking
    the YAML and typing on: every version's analysis equals a fresh one."""
    text = TEXTS[name]
    versions = [text]
    previous = analyse(text)
    for where, cut, insert in steps:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
        versions.append(text)
        for version in (text, versions[-2], text):  # the edit, undone, redone
            reused = analyse(version, memo=previous.memo)
            assert portrait(reused) == portrait(analyse(version)), version
            previous = reused
