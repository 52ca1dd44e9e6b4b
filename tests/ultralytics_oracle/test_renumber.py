"""The index-shift quick fix, confirmed by Ultralytics: after a row is inserted into (or deleted from) yolov8,
the one fix paramlens offers (the edit the server sends as the code action, tests/lsp/test_ultralytics_editor.py)
gives back the model it was: Ultralytics builds the fixed file with every other row's params, module, arguments,
output shape and `from` rows equal to the original's and the total changed by exactly the inserted row; deleting
that row again and taking the fix gives yolov8n itself."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from .oracle import require_ultralytics

require_ultralytics()

from paramlens.engine import analyse  # noqa: E402
from paramlens.engine.analysis import Fix  # noqa: E402

from .builder import Built  # noqa: E402
from .oracle import Model, Pool, models_folder  # noqa: E402

_V8 = (models_folder() / "v8" / "yolov8.yaml").read_text()
_FOLDER = Path(tempfile.mkdtemp(prefix="paramlens-renumber-"))
_ROW4 = "  - [-1, 6, C2f, [256, True]]\n"
_NEW = "  - [-1, 1, C2f, [256, True]]\n"


def _offset(text: str, line: int, column: int) -> int:
    return sum(len(s) for s in text.splitlines(keepends=True)[:line]) + column


def _apply(text: str, fix: Fix) -> str:
    start = _offset(text, fix.span.start_line, fix.span.start_char)
    end = _offset(text, fix.span.end_line, fix.span.end_char)
    return text[:start] + fix.text + text[end:]


def _fixed(original: str, edited: str) -> str:
    """The edited text with paramlens' one renumbering fix applied (the original analysed first, as the editor
    has it before the edit)."""
    before = analyse(original, key="yolov8n.yaml")
    after = analyse(edited, key="yolov8n.yaml", memo=before.memo)
    fixes = {fix for d in after.diagnostics if d.code == "stale-index" for fix in d.fixes}
    assert len(fixes) == 1, [d.message for d in after.diagnostics]
    fixed = _apply(edited, fixes.pop())
    assert [d.message for d in analyse(fixed, key="yolov8n.yaml").diagnostics] == []
    return fixed


def _write(name: str, text: str) -> Model:
    path = _FOLDER / f"{name}.yaml"
    path.write_text(text)
    return Model(path, "n")


ORIGINAL = _write("yolov8n-original", _V8)
_INSERTED = _fixed(_V8, _V8.replace(_ROW4, _ROW4 + _NEW, 1))  # a C2f as a new row 5
INSERTED = _write("yolov8n-inserted-fixed", _INSERTED)
DELETED = _write("yolov8n-deleted-fixed", _fixed(_INSERTED, _INSERTED.replace(_ROW4 + _NEW, _ROW4, 1)))  # and deleted


def _same_rows(original: Built, fixed: Built, at: int, k: int) -> None:
    """Rows before ``at`` equal; rows from ``at`` on equal those ``k`` later (``k`` rows inserted), their `from`
    rows renumbered the same way."""

    def renumber(f: int | list[int]) -> int | list[int]:
        if isinstance(f, list):
            return [renumber(x) for x in f]  # type: ignore[misc]
        return f + k if f >= at else f

    shifted = [r for r in fixed.rows if r.index < at or r.index >= at + k]
    assert len(original.rows) == len(shifted)
    for old, new in zip(original.rows, shifted, strict=True):
        assert (new.params, new.module, new.arguments_text, new.output_shape) == (
            old.params,
            old.module,
            old.arguments_text,
            old.output_shape,
        ), f"row {old.index} → {new.index}"
        assert new.source == renumber(old.source), f"row {new.index}: from {new.source} for {old.source}"


# the original is a parameter too: the session's pool queues the builds of every test's Model parameters first
@pytest.mark.parametrize(
    ("original", "model", "at", "k"),
    [(ORIGINAL, INSERTED, 5, 1), (ORIGINAL, DELETED, 5, 0)],
    ids=["inserted", "deleted"],
)
def test_the_renumbering_fix_gives_back_the_model(pool: Pool, original: Model, model: Model, at: int, k: int) -> None:
    before, fixed = pool.get(original), pool.get(model)
    assert before.error is None and fixed.error is None, fixed.error
    _same_rows(before, fixed, at, k)
    changed = fixed.rows[at].params if k else 0
    assert fixed.total == before.total + changed  # type: ignore[operator]
