"""Every example and every construct, read a second time without paramlens (tests/oracle/native.py: PyYAML
and torch.nn only): each layer's parameters, trainable parameters, buffers and output shape, at every depth
of the tree, must equal ``analyse()``'s; and the exported module must equal that independent model (its
parameters and buffers in the same order and shapes, per top-level layer, and the same output)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paramlens.engine import analyse

from .agree import check, check_export
from .oracle import EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_matches_an_independent_model(path: Path) -> None:
    assert check(path.read_text()) >= len(analyse(path.read_text()).layers)


# U-Net's two forward passes at 572×572 take 37 s on one core: its tensors are compared, not its output
# (the Concat construct below compares a cropped concatenation's values)
HEAVY = {"unet.arch.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_exported_example_equals_the_independent_model(path: Path) -> None:
    check_export(path.read_text(), values=path.name not in HEAVY)


# Each construct, in documents small enough to compare values too (the composition tests' cases, varied).
CONSTRUCTS: dict[str, str] = {
    "block defaults, expressions, a type argument": """\
input: [10, 9, 9]
blocks:
  Unit:
    args: {width: 6, act: GELU, k: 3}
    layers:
      - $act
      - Conv2d: {out_channels: "${width * 2 - 1}", kernel_size: $k, padding: "${(k - 1) // 2}"}
layers:
  - Unit: {k: 5}
  - Unit: {width: 4, act: Hardswish}
  - Unit: {width: "${(3 + 5) / 2 % 3}", act: Tanh, name: tiny}
  - Unit
""",
    "in_channels, a Multiply gate, shorthands": """\
input: [32, 6, 6]
blocks:
  Gate:                                # squeeze-and-excitation, the squeeze a fraction of the input
    args: {ratio: 8}
    layers:
      - Multiply:
          branches:
            - - AdaptiveMaxPool2d: 1
              - Conv2d: {out_channels: "${in_channels // ratio}", kernel_size: 1, bias: false}
              - SiLU
              - Conv2d: {out_channels: $in_channels, kernel_size: 1}
              - Hardsigmoid
            - []
layers: [Gate, AvgPool2d: 2, Conv2d: {out_channels: 16, kernel_size: 1}, Gate: {ratio: 4}, GroupNorm: 4]
""",
    "Residual: identity and projection shortcuts": """\
input: [16, 8, 8]
layers:
  - Residual:
      layers: [Conv2d: {out_channels: 16, kernel_size: 3, padding: 1}, BatchNorm2d, ReLU]
  - Residual:
      layers:
        - Conv2d: {out_channels: 32, kernel_size: 3, stride: 2, padding: 1}
      shortcut:
        - Conv2d: {out_channels: 32, kernel_size: 1, stride: 2, bias: false}
        - BatchNorm2d
  - ReLU
""",
    "Concat: channels, cropped, another dimension, a negative one": """\
input: [8, 6, 6]
layers:
  - Concat:
      crop: true
      branches:
        - [Conv2d: {out_channels: 4, kernel_size: 1}]
        - [Conv2d: {out_channels: 5, kernel_size: 3}]
        - []
  - Concat: {dim: 1, branches: [[], [MaxPool2d: {kernel_size: 2, stride: 1}]], crop: true}
  - Concat: {dim: -1, branches: [[], [Conv2d: {out_channels: 17, kernel_size: 1}]]}
""",
    "Add of three branches, Multiply broadcasting": """\
input: [6, 5, 5]
layers:
  - Add:
      branches:
        - []
        - [Conv2d: {out_channels: 6, kernel_size: 3, padding: 1}]
        - [Conv2d: {out_channels: 6, kernel_size: 1, bias: false}, BatchNorm2d]
  - Multiply: {branches: [[], [AdaptiveAvgPool2d: {output_size: [1, 1]}], [AdaptiveMaxPool2d: [5, 1]]]}
""",
    "Repeat: changing shapes, from an argument, nested, zero times": """\
input: [4, 32, 32]
blocks:
  Stack:
    args: {n: 2, c: 4}
    layers:
      - Repeat: {times: $n, layers: [Conv2d: {out_channels: $c, kernel_size: 3}, ReLU]}
  Wide:
    layers: [Stack: {n: 1, c: "${in_channels * 2}"}]
layers:
  - Repeat: {times: 3, layers: [Conv2d: {out_channels: 4, kernel_size: 3}]}
  - Stack: {n: 3, c: 6}
  - Repeat: {times: 2, layers: [Repeat: {times: 2, layers: [Conv2d: {out_channels: 8, kernel_size: 1}]}, Tanh]}
  - Repeat: {times: 0, layers: [Conv2d: {out_channels: 3, kernel_size: 1}]}
  - Wide
""",
    "Sequential, the type spelling, frozen layers and groups": """\
input: [3, 12, 12]
blocks:
  Pair:
    layers: [Conv2d: {out_channels: 5, kernel_size: 3}, BatchNorm2d]
layers:
  - Sequential:
      name: stem
      trainable: false
      layers:
        - type: Conv2d
          out_channels: 8
          kernel_size: 3
        - Sequential: {layers: [BatchNorm2d, ReLU]}
  - Pair: {trainable: false}
  - Repeat: {times: 2, trainable: false, layers: [Conv2d: {out_channels: 5, kernel_size: 1}]}
  - Conv2d: {out_channels: 4, kernel_size: 1, trainable: false}
  - BatchNorm2d: {trainable: false}
  - Flatten
  - Linear: {in_features: 256, out_features: 3}
""",
    "Keras spellings": """\
input: [3, 17, 17]
layers:
  - Conv2D: {filters: 8, kernel_size: 3, strides: 2, padding: valid, use_bias: false}
  - BatchNormalization: {epsilon: 0.001, momentum: 0.9}
  - DepthwiseConv2D: {kernel_size: 3, padding: same, depth_multiplier: 2}
  - SeparableConv2D: {filters: 12, kernel_size: 3, strides: 2, padding: same}
  - MaxPooling2D: {pool_size: 2, strides: 1}
  - AveragePooling2D: {pool_size: 2}
  - GlobalAveragePooling2D
  - Dense: {units: 10, use_bias: false}
""",
    "sequence layers in blocks": """\
input: [12]
blocks:
  Encoder:
    args: {heads: 2}
    layers:
      - Residual: {layers: [MultiheadAttention: {num_heads: $heads}]}
      - LayerNorm
      - Residual: {layers: [Linear: {out_features: "${in_channels * 0 + 16}"}, ReLU, Dense: {units: 8}]}
layers:
  - Embedding: {input_dim: 30, output_dim: 8}
  - Repeat: {times: 2, layers: [Encoder: {heads: 4}]}
  - GRU: {hidden_size: 5, bidirectional: true}
  - LSTM: {input_size: 10, hidden_size: 6, return_sequences: false}
  - Linear: {out_features: 2}
""",
}
IMPORTED = {  # a library of blocks
    "lib.arch.yaml": "blocks:\n  Lib:\n    args: {c: 4}\n"
    "    layers: [Conv2d: {out_channels: $c, kernel_size: 1}, ReLU]\n",
}
WITH_IMPORTS = "input: [16, 8, 8]\nimports: [lib.arch.yaml]\nlayers:\n  - Lib: {c: 8}\n  - Lib\n"


@pytest.mark.parametrize("text", CONSTRUCTS.values(), ids=CONSTRUCTS.keys())
def test_construct_matches_an_independent_model(text: str) -> None:
    assert check(text) >= text.count("\n  - ")


@pytest.mark.parametrize("text", CONSTRUCTS.values(), ids=CONSTRUCTS.keys())
def test_exported_construct_equals_the_independent_model(text: str) -> None:
    check_export(text)


def test_imported_blocks_match_an_independent_model() -> None:
    assert check(WITH_IMPORTS, IMPORTED) == 6
    frozen = WITH_IMPORTS.replace("{c: 8}", "{c: 3, trainable: false}")
    assert check(frozen, IMPORTED) == 6
    check_export(frozen, IMPORTED)
