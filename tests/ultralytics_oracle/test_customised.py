"""Customised model files (tests/ultralytics_oracle/customised/ and examples/ultralytics/), at every scale they
define, against what Ultralytics 8.4.190 builds from them: custom ``nc``, inserted and removed rows with their
``from``s corrected, changed widths, ``nn.*`` rows, ``activation:`` (a shared nn.PReLU), old-style
``depth_multiple``/``width_multiple``, P2 heads, and modules no shipped file uses (Conv2, RepConv, RepVGGDW, C3TR)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .oracle import require_ultralytics

require_ultralytics()

from .oracle import Model, Pool, compare, errors, scales_of, summary, tally  # noqa: E402

_HERE = Path(__file__).parent
CUSTOMISED = sorted((_HERE / "customised").glob("*.yaml"))
EXAMPLES = sorted((_HERE.parents[1] / "examples" / "ultralytics").glob("*.yaml"))
MODELS = [Model(path, scale) for path in CUSTOMISED + EXAMPLES for scale in scales_of(path)]


def test_every_customised_file_and_example_is_tested() -> None:
    assert len(CUSTOMISED) == 14
    assert [path.name for path in EXAMPLES] == ["yolo11.yaml", "yolo11n-p2-3cls.yaml", "yolov8.yaml"]
    assert len(MODELS) == 58


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.path.parent.name}/{m.name}")
def test_customised_model_matches_ultralytics(pool: Pool, model: Model) -> None:
    """Every row exact (params, printed n, module, arguments, sub-modules, non-head output shape at 640), the
    total exact, and no error reported: Ultralytics builds each of these files."""
    built = pool.get(model)
    assert built.error is None, f"Ultralytics could not build {model.name}: {built.error}"
    result = summary(model.path, model.scale)
    comparison = compare(built, result, model.name)
    tally(comparison, True)
    assert not comparison.mismatches, "\n".join(comparison.mismatches)
    assert not comparison.null, "\n".join(comparison.nulls)
    assert not errors(result), f"Ultralytics builds {model.name}, paramlens reports {errors(result)}"


def test_a_shared_prelu_counts_in_every_row_and_once_in_the_total(pool: Pool) -> None:
    """``activation: nn.PReLU()`` is one module shared by every Conv: Ultralytics' per-row ``np`` counts its one
    parameter in each row that holds a Conv, ``model.parameters()`` once; paramlens shows both."""
    model = Model(_HERE / "customised" / "yolov8-prelu.yaml", "n")
    built = pool.get(model)
    result = summary(model.path, "n")
    assert sum(layer["params"] for layer in result["layers"]) == sum(row.params for row in built.rows) == 3_157_217
    assert result["total_params"] == built.total == 3_157_201


UNSUPPORTED = [Model(path) for path in sorted((_HERE / "unsupported").glob("*.yaml"))]


@pytest.mark.parametrize("model", UNSUPPORTED, ids=lambda m: m.name)
def test_what_paramlens_does_not_count_is_unknown_and_says_so(pool: Pool, model: Model) -> None:
    """A TorchVision backbone without a table, Index rows after it, a torch layer without a kind: Ultralytics
    builds them; paramlens shows every value it knows exactly, the others null with an `unsupported-module`
    warning (or an `unknown-shape` note) on the row, and reports no error."""
    built = pool.get(model)
    assert built.error is None, built.error
    result = summary(model.path)
    comparison = compare(built, result, model.name)
    assert not comparison.mismatches, "\n".join(comparison.mismatches)
    assert comparison.null and result["total_params"] is None
    assert "unsupported-module" in {d["code"] for d in result["diagnostics"]}
    assert not errors(result)
