"""The seed article's two worked examples must come out exact, layer by layer and in total."""

from pathlib import Path

import pytest

from paramlens.engine import analyse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("file", "per_layer", "total"),
    [
        ("seed-cnn-2d.arch.yaml", [448, 32, 0, 4640, 64, 0, 0, 0, 8256], 13440),
        ("seed-cnn-3d.arch.yaml", [1312, 32, 0, 13856, 64, 0, 0, 0, 8256], 23520),
    ],
)
def test_seed_examples(file: str, per_layer: list[int], total: int) -> None:
    analysis = analyse((EXAMPLES / file).read_text())
    assert analysis.diagnostics == []
    assert [layer.param_count for layer in analysis.layers] == per_layer
    assert analysis.totals.params == total
    assert analysis.totals.trainable == total
    assert analysis.totals.non_trainable == 0
    assert analysis.totals.buffers == 33 + 65  # BatchNorm running statistics and batch counters
    assert analysis.output_shape == (64,)


def test_seed_formula_text() -> None:
    analysis = analyse((EXAMPLES / "seed-cnn-2d.arch.yaml").read_text())
    conv = analysis.layers[0]
    assert conv.formula is not None
    assert conv.formula.text() == "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 + 1) × 16 = 448"
    assert [(t.name, t.numel) for t in conv.params] == [("weight", 432), ("bias", 16)]
