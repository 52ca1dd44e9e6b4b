"""Reusing unchanged layers between versions must give exactly what a fresh analysis gives."""

import random
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from paramlens.engine import analyse
from paramlens.engine.infer import _Walker
from paramlens.engine.reuse import Relocated

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))  # as tests/fuzz/ does
from hostile_invariants import portrait  # noqa: E402  (one comparison for reuse, fuzzing and the corpus)


def edits(text: str, rng: random.Random) -> str:
    """A keystroke-like edit: change a number, insert or delete a line, break the YAML, swap a type."""
    lines = text.split("\n")
    layer_lines = [i for i, line in enumerate(lines) if line.lstrip().startswith("- ")]
    i = rng.choice(layer_lines)
    kind = rng.randrange(6)
    if kind == 0:
        digits = [j for j, ch in enumerate(lines[i]) if ch.isdigit()]
        if digits:
            j = rng.choice(digits)
            lines[i] = lines[i][:j] + str(rng.randrange(1, 9)) + lines[i][j + 1 :]
    elif kind == 1:
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        lines.insert(i, indent + rng.choice(["- ReLU", "- BatchNorm2d", "- Dropout: {p: 0.1}", "- Conv2d: 8"]))
    elif kind == 2 and len(layer_lines) > 2:
        del lines[i]
    elif kind == 3:
        lines[i] = lines[i].replace(":", "", 1)
    elif kind == 4:
        lines.insert(0, "# a comment")
    else:
        lines[i] = lines[i].replace("Conv2d", "Conv2D").replace("ReLU", "ReLU6")
    return "\n".join(lines)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.arch.yaml")), ids=lambda p: p.name)
def test_edit_sequences_match_fresh_analyses(path: Path) -> None:
    rng = random.Random(path.name)
    text = path.read_text()
    previous = analyse(text)
    for _ in range(25):
        text = edits(text, rng)
        reused = analyse(text, memo=previous.memo)
        fresh = analyse(text)
        assert portrait(reused) == portrait(fresh), text
        previous = reused


def test_unchanged_layers_are_reused_and_shifted_ones_relocated() -> None:
    text = "input: [3, 8, 8]\nlayers:\n" + "".join("  - Conv2d: {out_channels: 4, kernel_size: 1}\n" for _ in range(5))
    first = analyse(text)
    same = analyse(text.replace("kernel_size: 1}\n", "kernel_size: 1, bias: false}\n", 1), memo=first.memo)
    assert same.layers[0] is not first.layers[0]  # edited: analysed again
    assert same.layers[1] is first.layers[1]  # same text, same input: the very same result
    assert same.layers[4] is first.layers[4]
    assert same.totals.params == first.totals.params - 4
    grown = analyse(text.replace("kernel_size: 1}\n", "kernel_size: 3}\n", 1), memo=first.memo)
    assert grown.layers[1] is not first.layers[1]  # its input shrank to 6×6: analysed again
    shifted = analyse("# top\n" + text, memo=first.memo)
    assert shifted.layers[3] is not first.layers[3]
    assert shifted.layers[3].type_span.start_line == first.layers[3].type_span.start_line + 1
    assert shifted.layers[3].arguments["in_channels"].origin.layer == "layer 3 (Conv2d, line 6)"
    assert portrait(shifted) == portrait(analyse("# top\n" + text))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.arch.yaml")), ids=lambda p: p.name)
def test_layers_moved_again_before_they_are_read_match_fresh_ones(path: Path) -> None:
    """A moved layer's contents are copied when first read: versions that nobody reads (typing faster than
    the editor asks) move the same layer again and again, and must still end where a fresh analysis is."""
    rng = random.Random(path.name + " unread")
    text = path.read_text()
    previous = analyse(text)
    for step in range(30):
        text = edits(text, rng)
        previous = analyse(text, memo=previous.memo)
        if step % 6 == 5:
            assert portrait(previous) == portrait(analyse(text)), text


def test_a_moved_layer_is_copied_when_first_read_once_for_every_reader() -> None:
    head, item = "input: [8]\nlayers:\n", "  - Sequential: {layers: [Linear: 4, ReLU, Linear: 8]}\n"
    first = analyse(head + item * 3)
    moved = analyse(head + "  # a note\n" + item * 3, memo=first.memo)
    layer = moved.layers[2]
    assert isinstance(layer, Relocated) and layer.type_span.start_line == 5
    assert layer.children is not first.layers[2].children  # copied now, with its lines moved
    assert [c.type_span.start_line for c in layer.children] == [5, 5, 5]
    assert layer.children[0].arguments["in_features"].origin.layer == "layer 2 (Sequential, line 5)"
    again = analyse(head + "  # a note\n  # another\n" + item * 3, memo=moved.memo)
    with ThreadPoolExecutor(4) as pool:  # a request and the next analysis may read it at once
        seen = list(pool.map(lambda layer: layer.children, [again.layers[1]] * 8))
    assert all(children is seen[0] for children in seen)
    assert portrait(again) == portrait(analyse(head + "  # a note\n  # another\n" + item * 3))


def test_layers_seen_after_an_error_upstream_are_found_again_after_a_syntax_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An error upstream leaves every layer below with an unknown input; the second time that happens
    they are found again, even after a syntax error that hid most of them for a while (the session's
    index must not take the few layers left above the error for the size of the document)."""
    head = "input: [8]\nlayers:\n"
    items = [f"  - Linear: {{name: l{i}, out_features: 8}}\n" for i in range(1100)]
    analysed: list[int] = []
    walk = _Walker.analyse_top
    monkeypatch.setattr(_Walker, "analyse_top", lambda self, *a: analysed.append(a[3]) or walk(self, *a))  # index

    def edit(k: int, old: str, new: str) -> str:
        return head + "".join(items[:k]) + items[k].replace(old, new, 1) + "".join(items[k + 1 :])

    text = edit(0, "", "")
    previous = analyse(text)
    # an error upstream, fixed; then a syntax error that hides all but 20 layers, repaired
    for version in (edit(5, "8", "x"), text, edit(20, "- ", "- ["), text):
        previous = analyse(version, memo=previous.memo)
    analysed.clear()
    typed = edit(10, "8", "x")
    again = analyse(typed, memo=previous.memo)
    assert analysed == [11, 12]  # the edited layer and the next (its input's producer changed), no more
    assert portrait(again) == portrait(analyse(typed))


BLOCKS = """input: [3, 8, 8]
blocks:
  Pair:
    args: {width: 4}
    layers: [Conv2d: {out_channels: $width, kernel_size: 1}, ReLU]
  Unused:
    layers: [Conv2d: {out_channels: 4, kernel_size: 1}, Linearr]
layers:
  - Sequential: {name: a, layers: [Pair, Pair, Pair]}
  - Sequential: {name: b, layers: [Pair, Pair]}
  - Sequential: {name: c, layers: [Pair: {width: 8}, Pair: {width: 8}]}
"""


def test_block_uses_and_unused_block_checks_carry_over_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A use of a block is walked once per arguments and input, however many versions reuse its layer,
    and an unused block's body is checked once while the blocks do not change."""
    walked: list[str] = []
    walk = _Walker.walk_list
    monkeypatch.setattr(_Walker, "walk_list", lambda self, *a: walked.append(a[2].stack) or walk(self, *a))
    previous = analyse(BLOCKS)
    assert walked.count(("Unused",)) == 1 and walked.count(("Pair",)) == 4  # inputs of 3 and 4 channels, 2 widths
    versions = [
        BLOCKS.replace("name: a,", "name: a2,"),  # the uses in b are reused with their layer, not walked
        BLOCKS.replace("name: b,", "name: b2,"),  # b walked: its uses are found, not walked again
        BLOCKS.replace("[Pair, Pair]", "[Pair, Pair, ReLU]"),
    ]
    for version in versions:
        walked.clear()
        previous = analyse(version, memo=previous.memo)
        assert ("Pair",) not in walked and ("Unused",) not in walked, version
        assert portrait(previous) == portrait(analyse(version)), version
    assert [d.code for d in previous.diagnostics] == ["unknown-layer"]  # Linearr, in the unused block


def test_layers_moved_back_where_they_were_are_the_results_they_were() -> None:
    """A line inserted and deleted again (the layer above edited meanwhile): the layers below are where
    they were, with an equal producer, so they are the very results of that version, not copies."""
    item = "  - Sequential: {name: s%d, layers: [Linear: 8, %s]}\n"
    text = "input: [8]\nlayers:\n" + "".join(item % (i, "ReLU") for i in range(5))
    first = analyse(text)
    inserted = text.replace("ReLU]}\n", "ReLU,\n      Dropout]}\n", 1)
    moved = analyse(inserted, memo=first.memo)
    assert isinstance(moved.layers[3], Relocated)
    back = text.replace("ReLU]}", "Tanh]}", 1)  # the line deleted, and the layer above changed
    again = analyse(back, memo=moved.memo)
    assert again.layers[0] is not first.layers[0]
    assert all(again.layers[k] is first.layers[k] for k in range(1, 5))
    assert portrait(again) == portrait(analyse(back))


def test_a_block_edit_invalidates_every_use() -> None:
    text = "input: [4]\nblocks:\n  B:\n    layers: [Linear: 4]\nlayers: [B, B, B]\n"
    first = analyse(text)
    changed = text.replace("Linear: 4", "Linear: 8")
    assert portrait(analyse(changed, memo=first.memo)) == portrait(analyse(changed))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.arch.yaml")), ids=lambda p: p.name)
def test_sharing_block_instances_changes_nothing(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uses of a block with the same arguments and input share one analysis of its layers."""
    text = path.read_text()
    shared = portrait(analyse(text))
    monkeypatch.setattr("paramlens.engine.infer._Walker.instance_key", lambda *args: object())
    assert portrait(analyse(text)) == shared
