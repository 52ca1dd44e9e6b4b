"""Broken model files: Ultralytics 8.4.190 raises exactly where paramlens reports an error, and builds where it
reports none (the failure modes of the dialect note, section 3.3, and the issue's diagnostics)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .oracle import require_ultralytics

require_ultralytics()

from .oracle import Model, Pool, errors, models_folder, summary  # noqa: E402

_V8 = (models_folder() / "v8" / "yolov8.yaml").read_text()
_V11 = (models_folder() / "11" / "yolo11.yaml").read_text()
_V12 = (models_folder() / "12" / "yolo12.yaml").read_text()
_V9T = (models_folder() / "v9" / "yolov9t.yaml").read_text()
_A2 = "[-1, 4, A2C2f, [512, True, 4]]"
_ELAN = "[-1, 1, RepNCSPELAN4, [64, 64, 32, 3]] # 4"
_HEAD = "[[15, 18, 21], 1, Detect, [nc]]"

# name (its scale letter picks the scale), base text, (old, new) edit, whether Ultralytics raises
CASES = [
    ("yolov8n-concat-p5-p3", _V8, ("[[-1, 6], 1, Concat, [1]]", "[[-1, 4], 1, Concat, [1]]"), True),
    ("yolov8n-from-forward", _V8, ("[[-1, 6], 1, Concat, [1]]", "[[-1, 30], 1, Concat, [1]]"), True),
    ("yolov8n-from-itself", _V8, ("[[-1, 6], 1, Concat, [1]]", "[[-1, 11], 1, Concat, [1]]"), True),
    ("yolov8n-from-before-0", _V8, ("[[-1, 6], 1, Concat, [1]]", "[[-1, -20], 1, Concat, [1]]"), True),
    ("yolov8n-cbamx", _V8, ("[-1, 1, SPPF, [1024, 5]]", "[-1, 1, CBAMX, [1024]]"), True),
    ("yolov8n-cbam", _V8, ("[-1, 1, SPPF, [1024, 5]]", "[-1, 1, CBAM, [1024]]"), True),
    ("yolov8n-three-items", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, Conv, [128, 3, 2]]"), True),
    ("yolov8n-no-head", _V8, ("head:", "neck:"), True),
    ("yolov8n-conv-arity", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, Conv, [128, 3, 2, 1, 1, 1, True, 7]]"), True),
    ("yolo11n-c2psa-widths", _V11, ("[-1, 2, C2PSA, [1024]]", "[-1, 2, C2PSA, [512]]"), True),
    ("yolov8l-conv-repeat", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 2, Conv, [128, 3, 2]]"), True),
    ("yolov8n-conv-repeat", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 2, Conv, [128, 3, 2]]"), False),
    ("yolov8n-adown-odd", _V8, ("[-1, 1, Conv, [64, 3, 2]]", "[-1, 1, ADown, [64]]"), True),
    ("yolov8n-adown-even", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, ADown, [128]]"), False),
    # A2C2f: its hidden width int(c2·e) must be a multiple of 32 (384 → 96 at n → 48), with or without attention
    ("yolo12n-a2c2f-48", _V12, (_A2, "[-1, 4, A2C2f, [384, True, 4]]"), True),
    ("yolo12n-a2c2f-48-no-attention", _V12, (_A2, "[-1, 4, A2C2f, [384, False, 4]]"), True),
    ("yolo12n-a2c2f-96", _V12, (_A2, "[-1, 4, A2C2f, [768, True, 4]]"), False),
    # RepNCSPELAN4/ELAN1 split cv1's c3 channels with chunk(2) and take the smaller half: odd c3 builds; an input
    # narrower than the width Ultralytics records (an nn.Conv2d row changing the width) fails
    ("yolov9t-repncspelan4-c3-odd", _V9T, (_ELAN, "[-1, 1, RepNCSPELAN4, [64, 63, 32, 3]] # 4"), False),
    ("yolov9t-repncspelan4-c4-odd", _V9T, (_ELAN, "[-1, 1, RepNCSPELAN4, [64, 64, 31, 3]] # 4"), False),
    ("yolov9t-elan1-c3-odd", _V9T, ("[-1, 1, ELAN1, [32, 32, 16]] # 2", "[-1, 1, ELAN1, [32, 31, 16]] # 2"), False),
    ("yolov9t-repncspelan4-c1-odd", _V9T, (_ELAN, f"[-1, 1, nn.Conv2d, [64, 63, 1]]\n  - {_ELAN}"), True),
    # a head whose `from` row is not a feature map
    (
        "yolov8n-detect-from-classify",
        _V8,
        (_HEAD, "[-1, 1, Classify, [10]]\n  - [[15, 18, 22], 1, Detect, [nc]]"),
        True,
    ),
    (
        "yolov8n-detect-from-flatten",
        _V8,
        (_HEAD, "[-1, 1, nn.Flatten, []]\n  - [[15, 18, 22], 1, Detect, [nc]]"),
        True,
    ),
    ("yolov8n-segment-from-detect", _V8, (_HEAD, f"{_HEAD}\n  - [[15, 18, 22], 1, Segment, [nc, 32, 256]]"), True),
    # wrong types of arguments (a value one position off, a name that is no Python literal) and their neighbours
    ("yolov8n-c2f-float-g", _V8, ("[-1, 3, C2f, [512]] # 12", "[-1, 3, C2f, [512, False, 0.25]] # 12"), True),
    ("yolov8n-c2f-g-0.75", _V8, ("[-1, 3, C2f, [128, True]]", "[-1, 3, C2f, [128, True, 0.75]]"), True),
    ("yolov8n-c2f-shortcut-1", _V8, ("[-1, 3, C2f, [128, True]]", "[-1, 3, C2f, [128, 1]]"), False),
    ("yolov8n-conv-k-name", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, Conv, [128, three, 2]]"), True),
    ("yolov8n-conv-k-float", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, Conv, [128, 3.0, 2]]"), True),
    ("yolov8n-conv-k-quoted", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, Conv, [128, '3', 2]]"), False),
    ("yolov8n-conv-c2-name", _V8, ("[-1, 1, Conv, [128, 3, 2]]", "[-1, 1, Conv, [wide, 3, 2]]"), True),
    # a module tasks.py does not import
    ("yolov8n-lightconv", _V8, ("[-1, 1, SPPF, [1024, 5]]", "[-1, 1, LightConv, [256, 256, 3]]"), True),
]


def _write(folder: Path, name: str, base: str, edit: tuple[str, str]) -> tuple[Path, range]:
    """The broken file, and the (1-based) lines the edit wrote."""
    old, new = edit
    assert old in base, f"{name}: the edit does not apply"
    path = folder / f"{name}.yaml"
    path.write_text(base.replace(old, new, 1))
    first = base[: base.index(old)].count("\n") + 1
    return path, range(first, first + new.count("\n") + 1)


_FOLDER = Path(__import__("tempfile").mkdtemp(prefix="paramlens-broken-"))
WRITTEN = [_write(_FOLDER, name, base, edit) for name, base, edit, _ in CASES]
MODELS = [(Model(path), lines, raises) for (path, lines), (*_, raises) in zip(WRITTEN, CASES, strict=True)]


@pytest.mark.parametrize(("model", "lines", "raises"), MODELS, ids=[name for name, *_ in CASES])
def test_paramlens_errors_where_ultralytics_raises(pool: Pool, model: Model, lines: range, raises: bool) -> None:
    """Ultralytics raises ⇔ paramlens reports an error, and the error is on the edited row (a missing section is
    reported where the model starts, the `backbone:` key)."""
    built = pool.get(model)
    assert (built.error is not None) == raises, f"Ultralytics: {built.error or 'builds'}"
    result = summary(model.path)
    found = errors(result)
    if raises:
        assert found, f"Ultralytics raises {built.error}, paramlens reports no error"
        at = [e for e in found if e["line"] in lines or e["code"] == "missing-section"]
        assert at, f"Ultralytics raises {built.error}; paramlens' errors are not on lines {list(lines)}: {found}"
    else:
        assert not found, f"Ultralytics builds {model.name}, paramlens reports {found}"
