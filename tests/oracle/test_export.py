"""`paramlens export --torch`: the text it writes, the command line, and composite architectures
checked against PyTorch (blocks with arguments, variants, branches, repeats, Keras kinds, imports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paramlens.engine import analyse
from paramlens.export.torch import ExportError, camel, module_map, to_torch_source

from .oracle import EXAMPLES, build, check, check_text, numel

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-cnn-2d.arch.yaml"


def export(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paramlens", "export", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_cli_writes_the_module(tmp_path: Path) -> None:
    out = tmp_path / "model.py"
    result = export(str(SEED), "--torch", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"wrote {out}\n"
    assert out.read_text() == to_torch_source(analyse(SEED.read_text()))
    namespace: dict = {}
    exec(out.read_text(), namespace)
    assert numel(namespace["SeedCNN2D"]().parameters()) == 13_440


def test_cli_prints_to_stdout(tmp_path: Path) -> None:
    result = export(str(SEED), "--torch", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == to_torch_source(analyse(SEED.read_text()))


def test_cli_refuses_a_file_with_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.arch.yaml"
    bad.write_text("input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 3, groups: 2}\n")
    out = tmp_path / "model.py"
    result = export(str(bad), "--torch", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{bad}:3:" in result.stderr
    assert "in_channels (3) must be divisible by groups (2)" in result.stderr
    assert result.stderr.endswith(f"paramlens: {bad} has errors; fix them to export it\n")
    assert not out.exists()
    with pytest.raises(ExportError, match="has errors"):
        to_torch_source(analyse(bad.read_text()))


def test_the_seed_export_reads_like_handwritten_code() -> None:
    source = to_torch_source(analyse(SEED.read_text()))
    assert source.startswith('"""Seed CNN 2D, exported by paramlens from its architecture file.\n')
    assert "Parameters: 13,440 (trainable 13,440); buffers: 98." in source
    assert "import torch\nfrom torch import nn\n\n\nclass SeedCNN2D(nn.Module):\n" in source
    body = source.split("super().__init__()\n", 1)[1]
    assert body == (
        "        self.conv2d_1 = nn.Conv2d(3, 16, kernel_size=3)  # line 7\n"
        "        self.batchnorm2d_1 = nn.BatchNorm2d(16)  # line 8\n"
        "        self.relu_1 = nn.ReLU()  # line 9\n"
        "        self.conv2d_2 = nn.Conv2d(16, 32, kernel_size=3)  # line 10\n"
        "        self.batchnorm2d_2 = nn.BatchNorm2d(32)  # line 11\n"
        "        self.relu_2 = nn.ReLU()  # line 12\n"
        "        self.adaptiveavgpool2d_1 = nn.AdaptiveAvgPool2d(output_size=2)  # line 13\n"
        "        self.flatten_1 = nn.Flatten()  # line 14\n"
        "        self.linear_1 = nn.Linear(128, 64)  # line 15\n"
        "\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        x = self.conv2d_1(x)\n"
        "        x = self.batchnorm2d_1(x)\n"
        "        x = self.relu_1(x)\n"
        "        x = self.conv2d_2(x)\n"
        "        x = self.batchnorm2d_2(x)\n"
        "        x = self.relu_2(x)\n"
        "        x = self.adaptiveavgpool2d_1(x)\n"
        "        x = self.flatten_1(x)\n"
        "        x = self.linear_1(x)\n"
        "        return x\n"
    )


def test_blocks_become_classes_over_their_arguments() -> None:
    source = to_torch_source(analyse((ROOT / "examples" / "resnet18.arch.yaml").read_text()))
    assert source.count("class BasicBlock(nn.Module):") == 1
    assert "    def __init__(self, in_channels: int, planes: int) -> None:" in source
    assert "nn.Conv2d(in_channels, planes, kernel_size=3, padding=1, bias=False),  # line 11" in source
    assert "nn.BatchNorm2d(planes),  # line 12" in source
    assert "self.layer1 = nn.Sequential(*(BasicBlock(in_channels=64, planes=64) for _ in range(2)))" in source
    assert "DownBlock(in_channels=64, planes=128, stride=2),  # line 44: DownBlock" in source
    assert "BasicBlock_2" not in source


def test_expressions_are_python_and_variants_get_their_own_class() -> None:
    text = """\
name: variant demo
input: [4, 8, 8]
blocks:
  Stage:
    args: {width: 8, n: 2}
    layers:
      - Conv2d: {out_channels: "${width * 2}", kernel_size: 3, padding: "${4 / 2}"}
      - Repeat:
          times: "${n - 1}"
          layers: [Conv2d: {out_channels: "${width * 2}", kernel_size: 1}]
layers:
  - Stage: {width: 4, n: 3}
  - Stage: {width: 2, n: 1}
"""
    analysis = check_text(text)
    source = to_torch_source(analysis)
    assert "class VariantDemo(nn.Module):" in source
    assert "nn.Conv2d(in_channels, width * 2, kernel_size=3, padding=4 // 2)" in source
    assert (
        "self.repeat_1 = nn.Sequential(*(nn.Conv2d(width * 2, width * 2, kernel_size=1) for _ in range(n - 1)))"
        in source
    )
    assert "class Stage_2(nn.Module):" in source  # times 0 renders as an empty Sequential
    assert "self.stage_2 = Stage_2(in_channels=8, width=2, n=1)" in source


COMPOSITE = """\
name: composite
input: [6, 12, 12]
blocks:
  SqueezeExcite:
    args: {reduced: 2}
    layers:
      - Multiply:
          branches:
            - []
            - - AdaptiveAvgPool2d: {output_size: 1}
              - Conv2d: {out_channels: $reduced, kernel_size: 1}
              - SiLU
              - Conv2d: {out_channels: $in_channels, kernel_size: 1}
              - Sigmoid
  Grow:
    args: {growth: 4}
    layers:
      - Concat:
          branches:
            - []
            - [BatchNorm2d, Conv2d: {out_channels: $growth, kernel_size: 3, padding: 1}]
layers:
  - SqueezeExcite: {reduced: 3}
  - Repeat: {times: 3, layers: [Grow: {growth: 2}]}
  - SeparableConv2D: {filters: 8, kernel_size: 3, strides: 2, padding: same}
  - DepthwiseConv2D: {kernel_size: 3, strides: 2, padding: same, trainable: false}
  - Add:
      branches:
        - [Conv2d: {out_channels: 8, kernel_size: 1}]
        - [Conv2d: {out_channels: 8, kernel_size: 3, padding: 1, bias: false}, BatchNormalization: {center: false}]
        - []
  - Concat:
      crop: true
      branches:
        - [Conv2d: {out_channels: 2, kernel_size: 3}]
        - [Conv2d: {out_channels: 3, kernel_size: 1}]
  - Flatten: {start_dim: 1}
  - Permute: {dims: [1, 0]}
  - Sequential:
      name: sequence
      layers:
        - GRU: {hidden_size: 6, bidirectional: true}
        - MultiheadAttention: {num_heads: 3}
        - LSTM: {hidden_size: 5, return_sequences: false}
  - Concat: {dim: -1, branches: [[Linear: {out_features: 3}], [Dense: {units: 2}]]}
  - Softmax: {dim: 0}
"""


def test_composite_architecture_matches_pytorch() -> None:
    analysis = check_text(COMPOSITE)
    assert analysis.output_shape == (5,)
    source = to_torch_source(analysis)
    for helper in ("MultiplyBranches", "ConcatBranches", "AddBranches", "SeparableConv2d", "ScaleShift", "Permute"):
        assert f"class {helper}(" in source
    assert "class SequenceGRU(nn.GRU):" in source
    assert "SequenceLSTM(12, 5, last_step=True)" in source
    assert "frozen(nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(8, 8, kernel_size=3, stride=2" in source
    assert "nn.Softmax(dim=1)" in source
    assert "crop=True" in source
    model = build(analysis)
    assert numel(p for p in model.parameters() if not p.requires_grad) == 80  # the frozen depthwise 3×3×8 + 8
    assert analysis.totals.non_trainable == 80


def test_imported_blocks_are_exported(tmp_path: Path) -> None:
    library = (
        "blocks:\n  Pair:\n    args: {c: 4}\n    layers:\n"
        "      - Conv1d: {out_channels: $c, kernel_size: 3}\n      - ReLU\n"
    )
    text = "imports: [lib.arch.yaml]\ninput: [2, 16]\nlayers:\n  - Pair: {c: 5}\n  - Pair\n"
    analysis = analyse(
        text, key="main", resolve=lambda _key, path: ("lib", library) if path == "lib.arch.yaml" else None
    )
    assert not analysis.has_errors
    check(analysis)
    source = to_torch_source(analysis)
    assert '"""Block Pair (imported)."""' in source
    assert "nn.Conv1d(in_channels, c, kernel_size=3),  # line 5 of an imported file" not in source
    assert "# line 5 of an imported file" in source


def test_module_map_names_every_layer() -> None:
    analysis = analyse((ROOT / "examples" / "resnet18.arch.yaml").read_text())
    names = dict(module_map(analysis))
    assert names["layer1"].type == "Repeat"
    assert names["layer1.1.residual_1.body.0"].type == "Conv2d"
    assert names["layer2.0.residual_1.shortcut"].type == "shortcut"
    assert names["fc"].type == "Linear"
    assert {id(layer) for layer in analysis.walk()} == {id(layer) for layer in names.values()}
    assert len(names) == sum(1 for _ in analysis.walk()) + 9  # and the 9 of the second repetition of layer1


def test_an_empty_model_returns_its_input() -> None:
    check_text("input: [3]\nlayers: []\n")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("ResNet-18", "ResNet18"), ("seed cnn 2d", "SeedCnn2d"), ("3d unet", "Model3dUnet"), ("", ""), ("U-Net", "UNet")],
)
def test_class_names(name: str, expected: str) -> None:
    assert camel(name) == expected


def test_examples_are_all_exported() -> None:
    assert len(EXAMPLES) >= 2
