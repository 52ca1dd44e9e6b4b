"""What must hold for any input whatsoever: shared by the corpus tests, the hypothesis fuzzing and the
atheris harness (tests/fuzz/), so that all three judge the engine by the same rules."""

from __future__ import annotations

import re
import time

from paramlens.engine import analyse
from paramlens.engine.analysis import Analysis, LayerResult, Span
from paramlens.engine.infer import Resolver

# Every code docs/format.md documents; a diagnostic with any other code is a bug.
CODES = frozenset(
    {
        "yaml-syntax",
        "multiple-documents",
        "unsupported-tag",
        "unknown-key",
        "unknown-layer",
        "unknown-argument",
        "missing-argument",
        "missing-channels",
        "channel-mismatch",
        "invalid-value",
        "shape-error",
        "branch-mismatch",
        "undefined-argument",
        "invalid-expression",
        "block-cycle",
        "import-error",
        "too-large",
    }
)

# An analysis may take BASE_SECONDS plus SECONDS_PER_CHAR of CPU for each character of input. Generous, since
# CI machines are slow, yet proportional: an alias bomb or runaway repeat breaks it at once.
BASE_SECONDS = 2.0
SECONDS_PER_CHAR = 100e-6

_LINE_BREAK = re.compile("\r\n|\r|\n")  # the only line breaks of the Language Server Protocol


def lsp_lines(text: str) -> list[str]:
    """The document's lines as an editor counts them."""
    return _LINE_BREAK.split(text)


def time_bound(text: str) -> float:
    return BASE_SECONDS + SECONDS_PER_CHAR * len(text)


def span_problem(span: Span, lines: list[str]) -> str | None:
    """Why ``span`` is not a range inside the document (code points), or None."""
    start, end = (span.start_line, span.start_char), (span.end_line, span.end_char)
    if min(*start, *end) < 0:
        return "negative position"
    if start > end:
        return "starts after it ends"
    for line, char in (start, end):
        if line >= len(lines):
            return f"line {line} is past the last line ({len(lines) - 1})"
        if char > len(lines[line]):
            return f"character {char} is past the end of line {line} ({len(lines[line])} characters)"
    return None


def problems(text: str, analysis: Analysis) -> list[str]:
    """Everything wrong with an analysis of ``text`` that can be seen without knowing the right answer."""
    lines = lsp_lines(text)
    found = []
    for d in analysis.diagnostics:
        where = f"{d.code} {d.span}"
        if d.code not in CODES:
            found.append(f"{where}: undocumented code")
        if not d.message.strip():
            found.append(f"{where}: empty message")
        spans = [("range", d.span)]
        spans += [("related", r.span) for r in d.related] + [("fix", f.span) for f in d.fixes]
        for what, span in spans:
            if (problem := span_problem(span, lines)) is not None:
                found.append(f"{where}: {what} {span}: {problem}")
    for layer in analysis.walk():
        if layer.foreign:
            continue
        for what, span in (("layer", layer.span), ("type", layer.type_span)):
            if (problem := span_problem(span, lines)) is not None:
                found.append(f"{layer.type} {what} {span}: {problem}")
    for name in ("params", "trainable", "non_trainable", "buffers"):
        value = getattr(analysis.totals, name)
        if value is not None and value < 0:
            found.append(f"total {name} is negative: {value}")
    return found


def check(text: str, key: str | None = None, resolve: Resolver | None = None, slowdown: float = 1.0) -> Analysis:
    """Analyse ``text`` and fail (AssertionError) on anything that must never happen. ``slowdown`` widens
    the time bound for instrumented runs (atheris makes the engine several times slower)."""
    start = time.process_time()  # CPU time: a busy machine delays an analysis, but does not make it work more
    analysis = analyse(text, key=key, resolve=resolve)
    seconds = time.process_time() - start
    assert seconds <= slowdown * time_bound(text), f"analysis took {seconds:.2f} s for {len(text):,} characters"
    found = problems(text, analysis)
    assert not found, "\n".join(found)
    return analysis


def portrait(analysis: Analysis) -> tuple:
    """Everything a face can show of an analysis, as plain values: two analyses with equal portraits
    cannot be told apart by any view (counts, shapes, formulas, origins, ranges, diagnostics). The one
    comparison of the fuzzing, the corpus and the reuse tests (tests/reuse/), so none checks less."""

    def layer(x: LayerResult) -> tuple:
        arguments = {
            name: (a.value, a.origin.how, a.origin.layer, a.origin.describe(), a.origin.span, a.span, a.expr)
            for name, a in x.arguments.items()
        }
        formula = x.formula.text() if x.formula is not None else None
        steps = tuple(s.text() for s in x.shape_steps)
        counts = (x.param_count, x.trainable_count, x.buffer_count, x.params, x.buffers, x.trainable, formula)
        where = (x.span, x.type_span, x.path, x.label, x.instance, x.foreign)
        built = (x.formula, x.shape_steps, len(x.children), tuple(tuple(layer(c) for c in r) for r in x.repetitions))
        return (x.type, x.category, x.name, x.written_type, arguments, counts, steps, where, x.repeat, x.notes,
                x.input_shape, x.output_shape, built)  # fmt: skip

    header = (analysis.is_architecture, analysis.name, analysis.input_shape, analysis.output_shape, analysis.totals)
    keys = (analysis.layers_key, analysis.name_key, analysis.input_key, analysis.blocks, analysis.imports)
    return header, keys, tuple(analysis.diagnostics), tuple(layer(x) for x in analysis.walk())
