"""Every example analyses without a diagnostic; the published models match torchvision's totals."""

from pathlib import Path

import pytest

from paramlens.engine import analyse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PUBLISHED = {  # torchvision's num_params for the same architectures
    "resnet18.arch.yaml": 11_689_512,
    "resnet50.arch.yaml": 25_557_032,
    "vgg16.arch.yaml": 138_357_544,
    "mobilenet-v2.arch.yaml": 3_504_872,
    "densenet121.arch.yaml": 7_978_856,
    "efficientnet-b0.arch.yaml": 5_288_548,
}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.arch.yaml")), ids=lambda p: p.name)
def test_example_is_clean(path: Path) -> None:
    analysis = analyse(path.read_text(), key=str(path))
    assert analysis.is_architecture
    assert analysis.diagnostics == []
    assert analysis.totals.params is not None
    assert analysis.output_shape is not None


@pytest.mark.parametrize(("file", "total"), sorted(PUBLISHED.items()))
def test_published_totals(file: str, total: int) -> None:
    analysis = analyse((EXAMPLES / file).read_text())
    assert analysis.totals.params == total
    assert analysis.totals.trainable == total
    assert analysis.output_shape == (1000,)


def test_unet_crops_skips_to_388() -> None:
    analysis = analyse((EXAMPLES / "unet.arch.yaml").read_text())
    assert analysis.output_shape == (2, 388, 388)
    assert analysis.totals.params == 31_030_658
