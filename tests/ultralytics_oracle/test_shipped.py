"""Every model file Ultralytics 8.4.190 ships, at every scale, against what Ultralytics builds from it."""

from __future__ import annotations

import pytest

from .oracle import require_ultralytics

require_ultralytics()

from .oracle import Model, Pool, compare, errors, shipped, summary, tally  # noqa: E402
from .supported import STRICT  # noqa: E402

MODELS = shipped()


def test_every_shipped_file_and_scale_is_tested() -> None:
    assert len({model.path for model in MODELS}) == 66
    assert len(MODELS) == 246
    assert {"yolov8:n", "yolo11:x", "yolov10b:b", "rtdetr-l:l", "yolov9t", "yolov3-tiny"} <= {m.name for m in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_shipped_model_matches_ultralytics(pool: Pool, model: Model) -> None:
    built = pool.get(model)
    assert built.error is None, f"Ultralytics could not build {model.name}: {built.error}"
    result = summary(model.path, model.scale)
    assert result["scale"] == model.scale
    assert result["imgsz"] == 640
    comparison = compare(built, result, model.name)
    strict = model.name in STRICT
    tally(comparison, strict)
    assert not comparison.mismatches, "\n".join(comparison.mismatches)
    unexplained = [d for d in errors(result) if d["code"] != "unsupported-module"]
    assert not unexplained, f"Ultralytics builds {model.name}, paramlens reports {unexplained}"
    if strict:
        assert not comparison.null, "\n".join(comparison.nulls)
        assert not errors(result)
