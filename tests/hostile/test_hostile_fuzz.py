"""Property-based fuzzing of the engine with hypothesis (issue 8).

Three sources of input: documents built from the format's own vocabulary (so that the fuzzing gets deep
into the walker instead of stopping at the YAML parser), mutations of the example files, and random
text and bytes. Whatever comes in, ``hostile_invariants.check`` demands that no exception escapes,
every range lies inside the document and the time stays within a bound proportional to the size.

CI runs a fixed, derandomized number of examples; ``PARAMLENS_FUZZ_LARGE=1`` runs a large random
campaign locally (see docs/reliability.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hostile_invariants import check, portrait
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paramlens.engine import analyse, registry

LARGE = os.environ.get("PARAMLENS_FUZZ_LARGE") == "1"
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = sorted(p.read_text(encoding="utf-8") for p in EXAMPLES_DIR.glob("*.arch.yaml"))
pytestmark = pytest.mark.timeout(0 if LARGE else 120)  # a large campaign runs as long as it needs


def fuzz_settings(ci_examples: int) -> settings:
    return settings(
        max_examples=100 * ci_examples if LARGE else ci_examples,
        derandomize=not LARGE,
        database=None,
        deadline=None,  # the time bound is the invariant's, proportional to the input
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


# --- the format's vocabulary ----------------------------------------------------------------------

BLOCKS = ("Stem", "Body", "Head")
TYPES = (*registry.type_names(), "Sequential", "Repeat", "Residual", "Add", "Multiply", "Concat", *BLOCKS)
ARGUMENTS = sorted({a.name for k in registry.KINDS.values() for a in k.args} | {"name", "trainable"})
REFERENCES = (
    "$width",
    "$act",
    "$in_channels",
    "$missing",
    "${width * 2}",
    "${in_channels // 2}",
    "${width // 0}",
    "${width / 3}",
    "${width ** 64}",
    "${__import__('os').system('true')}",
    "${width.real}",
    "${" + "width + " * 40 + "1}",
    "${" + "9" * 30 + " * width}",
)
WORDS = ("same", "valid", "zeros", "reflect", "mean", "sum", "tanh", "relu", "ReLU", "nearest", "True", "")

numbers = st.one_of(
    st.integers(-3, 300),
    st.sampled_from([0, 1, 2**31, 2**48, 2**48 + 1, 10**12, 10**400, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(numbers, st.booleans(), st.none(), st.sampled_from(REFERENCES), st.sampled_from(WORDS))
values = st.one_of(scalars, st.lists(st.one_of(st.integers(-2, 64), st.sampled_from(REFERENCES)), max_size=5))
arguments = st.dictionaries(st.sampled_from(ARGUMENTS) | st.text(max_size=6), values, max_size=4)
type_names = st.sampled_from(TYPES) | st.text(max_size=8)


def _layer_items(children: st.SearchStrategy) -> st.SearchStrategy:
    lists = st.lists(children, max_size=4)
    return st.one_of(
        st.builds(lambda t, a: {t: a}, type_names, arguments),
        st.builds(lambda t, a: {"type": t, **a}, type_names, arguments),
        st.builds(lambda body: {"Sequential": {"layers": body}}, lists),
        st.builds(lambda body, times: {"Repeat": {"times": times, "layers": body}}, lists, numbers),
        st.builds(lambda body, short: {"Residual": {"layers": body, "shortcut": short}}, lists, lists | st.none()),
        st.builds(
            lambda kind, branches, dim: {kind: {"branches": branches, "dim": dim}},
            st.sampled_from(["Add", "Multiply", "Concat"]),
            st.lists(lists, max_size=3),
            st.integers(-4, 4),
        ),
        # the same object written twice becomes a YAML anchor and its alias
        st.builds(lambda body, n: [{"Sequential": {"layers": body}}] * n, lists, st.integers(2, 4)),
    )


layers = st.recursive(type_names, _layer_items, max_leaves=25)


def _flatten(items: list) -> list:
    """Aliased groups (lists) become consecutive items sharing one object."""
    out = []
    for item in items:
        out.extend(item if isinstance(item, list) else [item])
    return out


layer_lists = st.lists(layers, max_size=8).map(_flatten)
blocks = st.dictionaries(
    st.sampled_from(BLOCKS),
    st.fixed_dictionaries(
        {"layers": layer_lists},
        optional={"args": st.dictionaries(st.sampled_from(["width", "act", "in_channels"]), scalars, max_size=3)},
    ),
    max_size=3,
)
inputs = st.one_of(
    st.lists(st.one_of(st.integers(1, 64), st.none()), min_size=1, max_size=4),
    st.lists(numbers, max_size=9),
    scalars,
)
documents = st.fixed_dictionaries(
    {"layers": layer_lists},
    optional={
        "name": scalars,
        "input": inputs,
        "blocks": blocks,
        "dtype": st.sampled_from(["float32", "int8", "float128", ""]),
        "imports": st.lists(st.sampled_from(["lib.arch.yaml", "/etc/passwd", "http://x/y", "../x"]), max_size=2),
        "extra": scalars,
    },
)


@st.composite
def vocabulary_texts(draw: st.DrawFn) -> str:
    doc = draw(documents)
    style = draw(st.sampled_from([False, None]))  # block style, or flow style for the innermost collections
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=style)
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = text.replace("\n", ending)
    return ("\ufeff" if draw(st.booleans()) else "") + text


@settings(fuzz_settings(150))
@given(vocabulary_texts())
def test_vocabulary_documents(text: str) -> None:
    check(text)


# --- mutations of the example files -------------------------------------------------------------------

SNIPPETS = (
    ": ",
    "- ",
    "\n  - ",
    "\t",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "<<: *a",
    "!!python/object/apply:os.system ['true'] ",
    "!custom ",
    "${",
    "$in_channels",
    "\x00",
    "\ufeff",
    "é",
    "😀",
    "\r",
    "\r\n",
    "\u2028",
    "\x85",
    "\ud800",
    "\n---\n",
    "%YAML 1.1\n",
    "'",
    '"',
    "|\n",
    "#",
    "?",
    "1000000000000",
    "-1",
    ".nan",
    "9" * 300,
    "    ",
)


def mutate(draw: st.DrawFn, text: str, most: int = 6) -> str:
    """Up to ``most`` edits of the kinds a person (or a bad paste) makes."""
    for _ in range(draw(st.integers(1, most))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "truncate"]))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(SNIPPETS) | st.text(max_size=5)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif op == "replace" and at < len(text):
            text = text[:at] + draw(st.characters()) + text[at + 1 :]
        elif op == "duplicate":
            end = draw(st.integers(at, min(len(text), at + 200)))
            text = text[:end] + text[at:end] + text[end:]
        elif op == "truncate":
            text = text[:at]
    return text


@st.composite
def mutated_examples(draw: st.DrawFn) -> str:
    return mutate(draw, draw(st.sampled_from(EXAMPLES)))


@settings(fuzz_settings(250))
@given(mutated_examples())
def test_mutated_examples(text: str) -> None:
    check(text)


def edit_lines(draw: st.DrawFn, text: str) -> str:
    """A line-wise edit that mostly keeps the file valid: what moves the layers below it."""
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    op = draw(st.sampled_from(["comment", "copy", "delete", "digit", "blank"]))
    if op == "comment":
        lines.insert(i, "# a note")
    elif op == "copy":
        lines.insert(i, lines[i])
    elif op == "delete":
        del lines[i]
    elif op == "blank":
        lines.insert(i, "")
    else:
        digits = [j for j, c in enumerate(lines[i]) if c.isdigit()]
        if digits:
            j = draw(st.sampled_from(digits))
            lines[i] = lines[i][:j] + draw(st.sampled_from("0123456789")) + lines[i][j + 1 :]
    return "\n".join(lines)


@settings(fuzz_settings(60))
@given(st.data())
def test_reused_results_never_go_stale(data: st.DataObject) -> None:
    """Edit after edit, an analysis that reuses the previous version's results (as the server does)
    shows exactly what a fresh analysis of the same text shows."""
    text = data.draw(st.sampled_from(EXAMPLES))
    memo = analyse(text).memo
    for _ in range(data.draw(st.integers(1, 4))):
        if data.draw(st.booleans()):
            text = data.draw(st.composite(lambda draw, base=text: edit_lines(draw, base))())
        else:
            text = data.draw(st.composite(lambda draw, base=text: mutate(draw, base, most=2))())
        reused = analyse(text, memo=memo)
        assert portrait(reused) == portrait(check(text))
        memo = reused.memo


# --- random text and bytes ------------------------------------------------------------------------------

YAMLISH = "-:[]{}&*!|>'\"#%@`,?$ \t\n\r\x00\ufeffReLUConv2dlayersinput0123"


@settings(fuzz_settings(150))
@given(
    st.one_of(
        st.text(alphabet=YAMLISH, max_size=300),
        st.text(st.characters(exclude_categories=()), max_size=200),  # surrogates too, as JSON can carry
        st.binary(max_size=300).map(lambda b: b.decode("utf-8", errors="replace")),  # what a server receives
        st.text(alphabet=YAMLISH, max_size=200).map(lambda t: "input: [3, 8, 8]\nlayers:\n  - " + t),
    )
)
def test_random_text(text: str) -> None:
    check(text)
