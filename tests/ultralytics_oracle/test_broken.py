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
]


def _write(folder: Path, name: str, base: str, edit: tuple[str, str]) -> Path:
    old, new = edit
    assert old in base, f"{name}: the edit does not apply"
    path = folder / f"{name}.yaml"
    path.write_text(base.replace(old, new, 1))
    return path


_FOLDER = Path(__import__("tempfile").mkdtemp(prefix="paramlens-broken-"))
MODELS = [(Model(_write(_FOLDER, name, base, edit)), raises) for name, base, edit, raises in CASES]


@pytest.mark.parametrize(("model", "raises"), MODELS, ids=[name for name, *_ in CASES])
def test_paramlens_errors_where_ultralytics_raises(pool: Pool, model: Model, raises: bool) -> None:
    built = pool.get(model)
    assert (built.error is not None) == raises, f"Ultralytics: {built.error or 'builds'}"
    result = summary(model.path)
    found = errors(result)
    if raises:
        assert found, f"Ultralytics raises {built.error}, paramlens reports no error"
    else:
        assert not found, f"Ultralytics builds {model.name}, paramlens reports {found}"
