"""The three equivalent spellings of a layer, `name:` and `trainable: false` in each, and a model without
`input` whose channel counts flow from the values written in its layers."""

import pytest

from paramlens.engine import analyse
from paramlens.engine.analysis import LayerResult

SINGLE_KEY = """\
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3}
  - BatchNorm2d: {}
  - ReLU:
"""

TYPE_KEY = """\
input: [3, 32, 32]
layers:
  - type: Conv2d
    out_channels: 16
    kernel_size: 3
  - type: BatchNorm2d
  - {type: ReLU}
"""

BARE = """\
input: [3, 32, 32]
layers:
  - Conv2d:
      out_channels: 16
      kernel_size: 3
  - BatchNorm2d
  - ReLU
"""


def facts(layer: LayerResult) -> tuple:
    """Everything about a layer but where it is written."""
    return (
        layer.type,
        layer.param_count,
        layer.trainable_count,
        layer.buffer_count,
        layer.input_shape,
        layer.output_shape,
        layer.params,
        layer.buffers,
        layer.formula,
        layer.shape_steps,
        {name: (a.value, a.origin.how) for name, a in layer.arguments.items()},
        layer.name,
        layer.trainable,
    )


def test_three_spellings_give_identical_results() -> None:
    results = [analyse(text) for text in (SINGLE_KEY, TYPE_KEY, BARE)]
    for analysis in results:
        assert analysis.diagnostics == []
        assert analysis.totals == results[0].totals
        assert analysis.output_shape == (16, 30, 30)
        assert [facts(layer) for layer in analysis.layers] == [facts(layer) for layer in results[0].layers]
    # (3·3·3 + 1)·16 = 448 and 2·16 = 32 (plus 33 buffer values)
    assert [layer.param_count for layer in results[0].layers] == [448, 32, 0]
    assert results[0].totals.buffers == 33


@pytest.mark.parametrize(
    ("text", "type_span"),
    [
        (SINGLE_KEY, (2, 4, 2, 10)),
        (TYPE_KEY, (2, 10, 2, 16)),
        (BARE, (2, 4, 2, 10)),
    ],
)
def test_the_type_span_is_where_the_type_is_written(text: str, type_span: tuple[int, int, int, int]) -> None:
    conv = analyse(text).layers[0]
    span = conv.type_span
    assert (span.start_line, span.start_char, span.end_line, span.end_char) == type_span
    assert conv.line == 2


FROZEN = {
    "single key": """\
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3, name: stem, trainable: false}
  - BatchNorm2d: {name: stem_bn, trainable: false}
  - Conv2d: {out_channels: 8, kernel_size: 3, name: head}
""",
    "type key": """\
input: [3, 32, 32]
layers:
  - type: Conv2d
    out_channels: 16
    kernel_size: 3
    name: stem
    trainable: false
  - {type: BatchNorm2d, name: stem_bn, trainable: false}
  - type: Conv2d
    name: head
    out_channels: 8
    kernel_size: 3
""",
    "block mapping": """\
input: [3, 32, 32]
layers:
  - Conv2d:
      out_channels: 16
      kernel_size: 3
      name: stem
      trainable: false
  - BatchNorm2d:
      name: stem_bn
      trainable: false
  - Conv2d:
      name: head
      out_channels: 8
      kernel_size: 3
""",
}


@pytest.mark.parametrize("text", FROZEN.values(), ids=FROZEN.keys())
def test_name_and_frozen_layers(text: str) -> None:
    analysis = analyse(text)
    assert analysis.diagnostics == []
    stem, norm, head = analysis.layers
    assert [layer.name for layer in analysis.layers] == ["stem", "stem_bn", "head"]
    assert stem.label == "layer 1 (Conv2d 'stem', line 3)"
    assert "name" not in stem.arguments and "trainable" not in stem.arguments
    # frozen: the parameters are still counted, but as non-trainable; buffers are unaffected
    assert (stem.param_count, stem.trainable_count, stem.trainable) == (448, 0, False)
    assert all(not t.trainable for t in stem.params)
    assert (norm.param_count, norm.trainable_count, norm.buffer_count) == (32, 0, 33)
    # (3·3·16 + 1)·8 = 1,160, trainable
    assert (head.param_count, head.trainable_count, head.trainable) == (1160, 1160, True)
    assert all(t.trainable for t in head.params)
    totals = analysis.totals
    assert (totals.params, totals.trainable, totals.non_trainable, totals.buffers) == (1640, 1160, 480, 33)


def test_a_bare_type_is_named_by_its_type_and_trainable() -> None:
    analysis = analyse("input: [8]\nlayers:\n  - PReLU\n")
    [prelu] = analysis.layers
    assert (prelu.name, prelu.trainable, prelu.trainable_count) == (None, True, 1)
    assert prelu.label == "layer 1 (PReLU, line 3)"


def test_keras_type_and_argument_names_resolve_to_pytorch_ones() -> None:
    analysis = analyse(
        "input: [3, 32, 32]\nlayers:\n"
        "  - Conv2D: {filters: 16, kernel_size: 3, strides: 1, use_bias: false}\n"
        "  - MaxPooling2D: {pool_size: 2}\n"
        "  - GlobalAveragePooling2D\n"
        "  - Dense: {units: 10}\n"
    )
    assert analysis.diagnostics == []
    conv, pool, gap, dense = analysis.layers
    assert [layer.type for layer in analysis.layers] == ["Conv2d", "MaxPool2d", "GlobalAveragePooling2D", "Linear"]
    assert [layer.written_type for layer in analysis.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "GlobalAveragePooling2D",
        "Dense",
    ]
    assert conv.arguments["out_channels"].value == 16
    assert conv.arguments["out_channels"].origin.how == "written"
    assert conv.arguments["bias"].value is False
    assert pool.arguments["kernel_size"].value == (2, 2)
    # 3·3·3·16 = 432; 32 → 15 → 7; 16·10 + 10 = 170
    assert [layer.param_count for layer in analysis.layers] == [432, 0, 0, 170]
    assert (conv.output_shape, pool.output_shape, gap.output_shape, dense.output_shape) == (
        (16, 30, 30),
        (16, 15, 15),
        (16,),
        (10,),
    )


WITHOUT_INPUT = """\
layers:
  - Conv2d: {in_channels: 3, out_channels: 16, kernel_size: 3}
  - BatchNorm2d
  - ReLU
  - Conv2d: {out_channels: 32, kernel_size: 3, stride: 2}
  - BatchNorm2d
  - AdaptiveAvgPool2d: {output_size: 2}
  - Flatten
  - Linear: {out_features: 64}
"""


def test_without_input_channel_counts_flow_from_written_values() -> None:
    analysis = analyse(WITHOUT_INPUT)
    assert analysis.diagnostics == []
    assert analysis.input_shape is None
    # the seed's counts: 448 + 32 + 4,640 + 64 + 128·64 + 64 = 13,440; the spatial sizes stay unknown
    assert [layer.param_count for layer in analysis.layers] == [448, 32, 0, 4640, 64, 0, 0, 8256]
    assert [layer.output_shape for layer in analysis.layers] == [
        (16, None, None),
        (16, None, None),
        (16, None, None),
        (32, None, None),
        (32, None, None),
        (32, 2, 2),
        (128,),
        (64,),
    ]
    conv = analysis.layers[3]
    assert conv.arguments["in_channels"].value == 16
    assert conv.arguments["in_channels"].origin.how == "inferred"
    assert conv.arguments["in_channels"].origin.layer == "layer 1 (Conv2d, line 2)"
    assert conv.shape_steps == ()  # nothing to compute without sizes
    assert analysis.layers[7].arguments["in_features"].origin.layer == "layer 7 (Flatten, line 8)"
    assert (analysis.totals.params, analysis.totals.buffers) == (13440, 33 + 65)
    assert analysis.output_shape == (64,)
