"""The scale Ultralytics picks for a file without a scale letter, and output shapes at other image sizes
(320, and 600 and 1000, which are not multiples of the stride 32), against Ultralytics 8.4.190 on the meta
device with that input."""

from __future__ import annotations

import pytest

from .oracle import require_ultralytics

require_ultralytics()

from .oracle import HEADS, Model, Pool, compare, errors, models_folder, summary  # noqa: E402

_M = models_folder()


_UNSCALED = [_M / "v8" / "yolov8.yaml", _M / "11" / "yolo11.yaml"]


# Model parameters, so that the session's pool builds them early (a build asked for only inside a test waits
# behind every queued one)
@pytest.mark.parametrize(("model", "at_n"), [(Model(p), Model(p, "n")) for p in _UNSCALED], ids=lambda m: m.path.name)
def test_a_file_without_a_scale_letter_builds_its_first_scale(pool: Pool, model: Model, at_n: Model) -> None:
    """``yolov8.yaml`` names no scale: Ultralytics warns and builds the first of ``scales`` (n); so does paramlens
    (its summary, JSON and the editor's lens say "scale n")."""
    built = pool.get(model)
    assert "no model scale passed. Assuming scale='n'." in built.warnings
    result = summary(model.path)
    assert result["scale"] == "n"
    assert result["total_params"] == built.total == pool.get(at_n).total
    comparison = compare(built, result, model.path.stem)
    assert not comparison.mismatches and not comparison.null


_FILES = ["v8/yolov8.yaml", "11/yolo11.yaml", "v5/yolov5.yaml", "v8/yolov8-seg.yaml", "v9/yolov9t.yaml",
          "v10/yolov10n.yaml", "11/yolo11-cls.yaml", "rt-detr/rtdetr-l.yaml"]  # fmt: skip
MODELS = [Model(_M / f, None, imgsz) for f in _FILES for imgsz in (320, 600, 1000)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.name}@{m.imgsz}")
def test_output_shapes_at_other_image_sizes(pool: Pool, model: Model) -> None:
    """Every row the forward pass reaches has paramlens' shape at that size. Where Ultralytics' forward pass
    stops at a row that is not a head (a Concat of 75×75 and 76×76 at 600), paramlens reports an error on that
    row; where it does not, paramlens reports none."""
    built = pool.get(model)
    assert built.error is None, built.error
    result = summary(model.path, imgsz=model.imgsz)
    assert result["imgsz"] == model.imgsz
    comparison = compare(built, result, f"{model.name}@{model.imgsz}")
    assert not comparison.mismatches, "\n".join(comparison.mismatches)
    stopped = next((row for row in built.rows if not row.shape_known and row.module not in HEADS), None)
    found = errors(result)
    if stopped is None:
        assert not found, f"Ultralytics runs {model.name} at {model.imgsz}, paramlens reports {found}"
        assert not comparison.null, comparison.nulls
    else:
        layer = result["layers"][stopped.index]
        assert [e["line"] for e in found] == [layer["line"]], (stopped, found)
