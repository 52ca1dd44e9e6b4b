"""Each diagnostic code: its exact range (0-based lines and characters), its exact message, its fixes, and
that analysis goes on after it without a cascade of follow-on errors."""

import pytest

from paramlens.engine import Analysis, Diagnostic, Severity, Span, analyse
from paramlens.engine.analysis import Fix, Related


def at(text: str, line: int, needle: str) -> Span:
    """The span of the first ``needle`` on 0-based ``line`` of ``text``."""
    col = text.split("\n")[line].index(needle)
    return Span(line, col, line, col + len(needle))


def single(text: str, code: str) -> tuple[Diagnostic, Analysis]:
    """The one diagnostic of ``text``, which must be an error with ``code``."""
    analysis = analyse(text)
    assert [d.code for d in analysis.diagnostics] == [code], [d.message for d in analysis.diagnostics]
    diagnostic = analysis.diagnostics[0]
    assert diagnostic.severity == Severity.ERROR
    return diagnostic, analysis


# --- missing-channels ----------------------------------------------------------------------------

NO_INPUT = """\
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3}
  - ReLU
  - Conv2d: {out_channels: 8, kernel_size: 3}
"""


def test_missing_channels_on_the_first_conv_of_a_file_without_input() -> None:
    diagnostic, analysis = single(NO_INPUT, "missing-channels")
    assert diagnostic.span == at(NO_INPUT, 1, "Conv2d")
    assert diagnostic.message == (
        "Conv2d needs in_channels, and it cannot be inferred: nothing before it gives the first dimension of "
        "`input`. Add `in_channels: …` to this layer, or an `input:` shape at the top of the file."
    )
    first, relu, second = analysis.layers
    assert first.param_count is None  # unknown, not guessed
    assert first.output_shape == (16, None, None)  # out_channels still flows on
    assert relu.output_shape == (16, None, None)
    assert second.param_count == (3 * 3 * 16 + 1) * 8  # in_channels 16 comes from the first layer
    assert analysis.totals.params is None


def test_missing_channels_on_a_linear_names_the_last_dimension() -> None:
    text = "layers:\n  - Linear: {out_features: 10}\n  - ReLU\n"
    diagnostic, analysis = single(text, "missing-channels")
    assert diagnostic.span == Span(1, 4, 1, 10)
    assert diagnostic.message == (
        "Linear needs in_features, and it cannot be inferred: nothing before it gives the input's last dimension. "
        "Add `in_features: …` to this layer, or an `input:` shape at the top of the file."
    )
    assert [layer.output_shape for layer in analysis.layers] == [(..., 10), (..., 10)]


# --- channel-mismatch ----------------------------------------------------------------------------

CONV_MISMATCH = """\
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 32, kernel_size: 3}
  - ReLU
  - Conv2d: {in_channels: 16, out_channels: 64, kernel_size: 3}
  - BatchNorm2d
"""


def test_channel_mismatch_after_a_32_channel_conv() -> None:
    diagnostic, analysis = single(CONV_MISMATCH, "channel-mismatch")
    value = at(CONV_MISMATCH, 4, "16")
    assert diagnostic.span == value
    assert diagnostic.message == (
        "in_channels is 16, but layer 1 (Conv2d, line 3) outputs 32 channels. "
        "Set in_channels: 32, or remove it to infer it."
    )
    assert diagnostic.related == (Related(at(CONV_MISMATCH, 2, "Conv2d"), "outputs 32 channels"),)
    assert diagnostic.fixes == (Fix("Set in_channels to 32", "replace", value, "32"),)
    # the layer is counted as written, and what follows flows from its output
    assert analysis.layers[2].param_count == (3 * 3 * 16 + 1) * 64
    assert analysis.layers[3].param_count == 2 * 64


FLATTEN_MISMATCH = """\
input: [32, 7, 7]
layers:
  - Flatten
  - Linear: {in_features: 128, out_features: 10}
"""


def test_channel_mismatch_after_a_flatten_shows_the_product() -> None:
    diagnostic, _ = single(FLATTEN_MISMATCH, "channel-mismatch")
    value = at(FLATTEN_MISMATCH, 3, "128")
    assert diagnostic.span == value
    assert diagnostic.message == (
        "in_features is 128, but layer 1 (Flatten, line 3) outputs 1,568 features (32×7×7 = 1,568). "
        "Set in_features: 1568, or remove it to infer it."
    )
    assert diagnostic.related == (Related(Span(2, 4, 2, 11), "outputs 1,568 features"),)
    assert diagnostic.fixes == (Fix("Set in_features to 1568", "replace", value, "1568"),)


def test_channel_mismatch_against_the_model_input() -> None:
    text = "input: [3, 8, 8]\nlayers:\n  - BatchNorm2d: {num_features: 4}\n"
    diagnostic, _ = single(text, "channel-mismatch")
    assert diagnostic.span == at(text, 2, "4")
    assert diagnostic.message == (
        "num_features is 4, but the model input (line 1) outputs 3 channels. "
        "Set num_features: 3, or remove it to infer it."
    )
    assert diagnostic.related == (Related(Span(0, 0, 0, 5), "outputs 3 channels"),)


# --- invalid-value -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "out_channels must be a positive integer, not 0."),
        ("-3", "out_channels must be a positive integer, not -3."),
        ("2.5", "out_channels must be a positive integer, not the number 2.5."),
        ("three", "out_channels must be a positive integer, not the text 'three'."),
        ('"16"', "out_channels must be a positive integer, not the text '16'."),
        ("true", "out_channels must be a positive integer, not the boolean true."),
    ],
)
def test_invalid_count(value: str, message: str) -> None:
    text = f"input: [3, 8, 8]\nlayers:\n  - Conv2d: {{out_channels: {value}, kernel_size: 3}}\n  - ReLU\n"
    diagnostic, analysis = single(text, "invalid-value")
    assert diagnostic.span == at(text, 2, value)
    assert diagnostic.message == message
    conv, relu = analysis.layers
    assert conv.param_count is None and conv.output_shape is None
    assert relu.input_shape is None and relu.output_shape is None


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("kernel_size", "-3", "kernel_size must be a positive integer or a list of 2, not -3."),
        ("kernel_size", "[3, 3, 3]", "kernel_size must be a positive integer or a list of 2, not a list."),
        ("stride", "0", "stride must be a positive integer or a list of 2, not 0."),
        ("padding", "-1", "padding must be an integer ≥ 0 or a list of 2, 'same' or 'valid', not -1."),
        ("padding", "full", "padding must be an integer ≥ 0 or a list of 2, 'same' or 'valid', not the text 'full'."),
        ("bias", "1", "bias must be true or false, not 1."),
        (
            "padding_mode",
            "mirror",
            "padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', not the text 'mirror'.",
        ),
    ],
)
def test_invalid_argument_values(argument: str, value: str, message: str) -> None:
    args = {"out_channels": "4", "kernel_size": "3", argument: value}
    text = f"input: [3, 8, 8]\nlayers:\n  - Conv2d: {{{', '.join(f'{k}: {v}' for k, v in args.items())}}}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == at(text, 2, value)
    assert diagnostic.message == message


def test_groups_that_do_not_divide_the_channels() -> None:
    text = "input: [6, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: 3, groups: 4}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == Span(2, 54, 2, 55)  # the 4 of groups
    assert diagnostic.message == (
        "Conv2d: in_channels (6) must be divisible by groups (4). Use groups 2, which divides 6 and 8."
    )


def test_groups_that_do_not_divide_the_output_channels() -> None:
    text = "input: [8, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 6, kernel_size: 3, groups: 4}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == Span(2, 54, 2, 55)
    assert diagnostic.message == (
        "Conv2d: out_channels (6) must be divisible by groups (4). Use groups 2, which divides 8 and 6."
    )


def test_num_heads_that_do_not_divide_embed_dim() -> None:
    text = "input: [10, 512]\nlayers:\n  - MultiheadAttention: {num_heads: 7}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == at(text, 2, "7")
    assert diagnostic.message == (
        "MultiheadAttention: embed_dim (512) must be divisible by num_heads (7). "
        "Use num_heads 4 or 8, which divide 512."
    )


def test_num_groups_that_do_not_divide_the_channels() -> None:
    text = "input: [64, 8, 8]\nlayers:\n  - GroupNorm: {num_groups: 5}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == at(text, 2, "5")
    assert diagnostic.message == (
        "GroupNorm: num_channels (64) must be divisible by num_groups (5). Use num_groups 4 or 8, which divide 64."
    )


WRONG_RANK = """\
input: [3, 32, 32]
layers:
  - Flatten
  - Conv2d: {out_channels: 8, kernel_size: 3}
  - ReLU
"""


def test_an_input_of_the_wrong_rank_is_reported_on_the_layer() -> None:
    diagnostic, analysis = single(WRONG_RANK, "invalid-value")
    assert diagnostic.span == at(WRONG_RANK, 3, "Conv2d")
    assert diagnostic.message == (
        "Conv2d expects an input [C, H, W], but layer 1 (Flatten, line 3) outputs [3072] (1 dimension). "
        "Add an Unflatten before it, or use Linear."
    )
    assert diagnostic.related == (Related(at(WRONG_RANK, 2, "Flatten"), "output [3072]"),)
    assert analysis.layers[2].output_shape is None


def test_a_sequence_layer_on_an_image() -> None:
    text = "input: [3, 32, 32]\nlayers:\n  - LSTM: {hidden_size: 8}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == at(text, 2, "LSTM")
    assert diagnostic.message == (
        "LSTM expects an input [C, L] (or [L, H] for sequences), but the model input (line 1) outputs "
        "[3, 32, 32] (3 dimensions). Add a Flatten (or pooling) before it."
    )


def test_padding_same_with_a_stride_names_the_padding_that_matches_keras() -> None:
    text = "input: [3, 32, 32]\nlayers:\n  - Conv2D: {filters: 16, kernel_size: 3, strides: 2, padding: same}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == at(text, 2, "same")
    assert diagnostic.message == (
        "Conv2d: padding 'same' is not supported for strided convolutions in PyTorch. "
        "Write padding: 1, which gives Keras' ⌈L / stride⌉ output here, or use stride 1."
    )


def test_pooling_padding_larger_than_half_the_kernel() -> None:
    # PyTorch compares padding with kernel_size // 2, whatever the dilation.
    text = "input: [8, 20]\nlayers:\n  - MaxPool1d: {kernel_size: 3, padding: 2, dilation: 2}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == Span(2, 41, 2, 42)  # the 2 of padding
    assert diagnostic.message == (
        "MaxPool1d: padding (2) should be at most half of the kernel size (3): use padding ≤ 1."
    )


# --- shape-error ---------------------------------------------------------------------------------


def test_kernel_larger_than_the_padded_input() -> None:
    text = "input: [3, 4, 4]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: 7, padding: 1}\n  - ReLU\n"
    diagnostic, analysis = single(text, "shape-error")
    assert diagnostic.span == at(text, 2, "7")
    assert diagnostic.message == (
        "Conv2d: the kernel spans 7 but the padded input is only 4 + 2×1 = 6 wide along H: the output would be "
        'empty (PyTorch: "Kernel size can\'t be greater than actual input size"). '
        "Use a smaller kernel_size or dilation, or add padding."
    )
    assert analysis.layers[1].output_shape is None


def test_pooling_window_larger_than_the_input() -> None:
    text = "input: [8, 2]\nlayers:\n  - AvgPool1d: {kernel_size: 3, stride: 1}\n"
    diagnostic, _ = single(text, "shape-error")
    assert diagnostic.span == at(text, 2, "3")
    assert diagnostic.message == (
        "AvgPool1d: the kernel spans 3 but the padded input is only 2 wide along L: the output would be empty "
        '(PyTorch: "Output size is too small"). Use a smaller kernel_size or dilation, or add padding.'
    )


def test_transposed_convolution_with_too_much_padding() -> None:
    text = "input: [4, 2, 2]\nlayers:\n  - ConvTranspose2d: {out_channels: 4, kernel_size: 3, padding: 2}\n"
    diagnostic, _ = single(text, "shape-error")
    assert diagnostic.span == Span(2, 64, 2, 65)  # the 2 of padding
    assert diagnostic.message == (
        "ConvTranspose2d: the output H would be (2 − 1)·1 − 4 + 2 + 0 + 1 = 0 (an empty tensor). Reduce padding."
    )


def test_transposed_convolution_with_a_negative_output() -> None:
    text = "input: [4, 2, 2]\nlayers:\n  - ConvTranspose2d: {out_channels: 4, kernel_size: 1, padding: 2}\n"
    diagnostic, _ = single(text, "shape-error")
    assert diagnostic.span == Span(2, 64, 2, 65)  # the 1 of padding
    assert diagnostic.message == (
        "ConvTranspose2d: the output H would be (2 − 1)·1 − 4 + 0 + 0 + 1 = -2 "
        '(PyTorch: "Output size is too small"). Reduce padding.'
    )


def test_avg_pool_3d_wants_the_unpadded_input_at_least_the_kernel() -> None:
    text = "input: [4, 3, 1, 6]\nlayers:\n  - AvgPool3d: {kernel_size: 2, stride: 1, padding: 1}\n"
    diagnostic, _ = single(text, "shape-error")
    assert diagnostic.span == at(text, 2, "2")
    assert diagnostic.message == (
        "AvgPool3d: the input's H (1) is smaller than the kernel (2); AvgPool3d does not count padding here "
        '(PyTorch: "input image smaller than kernel size"). Use kernel_size ≤ 1.'
    )


# --- unknown-layer, unknown-argument, missing-argument -----------------------------------------------

TYPOS = """\
input: [3, 8, 8]
layers:
  - Conv2dd: {out_channels: 8, kernel_size: 3}
  - ReLU
"""


def test_unknown_layer_with_did_you_mean() -> None:
    diagnostic, analysis = single(TYPOS, "unknown-layer")
    span = at(TYPOS, 2, "Conv2dd")
    assert diagnostic.span == span
    assert diagnostic.message == "Unknown layer type 'Conv2dd'. Did you mean Conv2d or Conv3d or Conv1d?"
    assert diagnostic.fixes == tuple(
        Fix(f"Replace with {t}", "replace", span, t) for t in ("Conv2d", "Conv3d", "Conv1d")
    )
    assert analysis.layers[1].output_shape is None


def test_unknown_layer_without_a_close_name() -> None:
    text = "input: [3]\nlayers:\n  - Xyzzy\n"
    diagnostic, _ = single(text, "unknown-layer")
    assert diagnostic.span == at(text, 2, "Xyzzy")
    assert diagnostic.message == "Unknown layer type 'Xyzzy'. See `paramlens kinds` for the layer types."
    assert diagnostic.fixes == ()


def test_unknown_argument_with_did_you_mean() -> None:
    text = "input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_chanels: 8, kernel_size: 3}\n  - ReLU\n"
    diagnostic, analysis = single(text, "unknown-argument")
    span = at(text, 2, "out_chanels")
    assert diagnostic.span == span
    assert diagnostic.message == (
        "Conv2d has no argument 'out_chanels'. Did you mean out_channels or in_channels? Its arguments: "
        "in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode."
    )
    assert diagnostic.fixes == (
        Fix("Replace with out_channels", "replace", span, "out_channels"),
        Fix("Replace with in_channels", "replace", span, "in_channels"),
    )
    assert analysis.layers[1].output_shape is None


def test_missing_argument() -> None:
    text = "input: [3, 8, 8]\nlayers:\n  - Conv2d: {kernel_size: 3}\n"
    diagnostic, _ = single(text, "missing-argument")
    assert diagnostic.span == at(text, 2, "Conv2d")
    assert diagnostic.message == "Conv2d needs out_channels: add `out_channels: …` to its arguments."


def test_missing_arguments_are_listed_together() -> None:
    text = "input: [3, 8, 8]\nlayers:\n  - type: Conv2d\n"
    diagnostic, _ = single(text, "missing-argument")
    assert diagnostic.span == at(text, 2, "Conv2d")
    assert diagnostic.message == (
        "Conv2d needs out_channels, kernel_size: add `out_channels: …, kernel_size: …` to its arguments."
    )


# --- yaml-syntax -----------------------------------------------------------------------------------

BROKEN = """\
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 16, kernel_size: 3}
  - ReLU
  - Conv2d: {out_channels: 16 kernel_size: 3]
  - ReLU
"""


def test_yaml_syntax_error_at_the_parser_position_keeps_the_layers_above() -> None:
    diagnostic, analysis = single(BROKEN, "yaml-syntax")
    # `16 kernel_size` reads as one plain scalar; the parser stops at the colon after it
    assert diagnostic.span == Span(4, 41, 4, 42)
    assert diagnostic.message == (
        "YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 5, column 13). "
        "Layers below this point are not analysed."
    )
    assert analysis.is_architecture
    assert [(layer.type, layer.param_count) for layer in analysis.layers] == [("Conv2d", 448), ("ReLU", 0)]
    assert analysis.layers[1].output_shape == (16, 30, 30)


# --- no cascade ------------------------------------------------------------------------------------

CASCADE = """\
input: [3, 32, 32]
layers:
  - Conv2d: {out_channels: 0, kernel_size: 3}
  - BatchNorm2d
  - Conv2d: {out_channels: 8, kernel_size: 3}
  - Flatten
  - Linear: {out_features: 10}
"""


def test_after_an_error_analysis_goes_on_without_a_cascade() -> None:
    diagnostic, analysis = single(CASCADE, "invalid-value")
    assert diagnostic.span == at(CASCADE, 2, "0")
    bad, norm, conv, flatten, linear = analysis.layers
    assert bad.output_shape is None
    assert (norm.input_shape, norm.output_shape, norm.param_count) == (None, None, None)
    # what is written still flows: 8 channels of unknown size, then an unknown number of features
    assert (conv.output_shape, conv.param_count) == ((8, None, None), None)
    assert flatten.output_shape == (None,)
    assert (linear.output_shape, linear.param_count) == ((10,), None)
    assert analysis.totals.params is None


@pytest.mark.parametrize(
    "first",
    [
        "Conv2dd: {out_channels: 8, kernel_size: 3}",  # unknown-layer
        "Conv2d: {out_chanels: 8, kernel_size: 3}",  # unknown-argument
        "Conv2d: {kernel_size: 3}",  # missing-argument
        "Conv2d: {out_channels: 8, kernel_size: 9}",  # shape-error
        "LSTM: {hidden_size: 8}",  # wrong rank
    ],
)
def test_no_follow_on_errors_after_any_error(first: str) -> None:
    text = (
        f"input: [3, 6, 6]\nlayers:\n  - {first}\n  - BatchNorm2d\n  - Conv2d: {{out_channels: 4, kernel_size: 3}}\n"
        "  - Flatten\n  - Linear: {out_features: 10}\n"
    )
    analysis = analyse(text)
    assert len(analysis.diagnostics) == 1
    assert analysis.diagnostics[0].span.start_line == 2
    assert analysis.output_shape == (10,)


def test_one_dimensional_adaptive_pooling_needs_an_integer() -> None:
    text = "input: [8, 20]\nlayers:\n  - AdaptiveAvgPool1d: {output_size: [null]}\n"
    diagnostic, _ = single(text, "invalid-value")
    assert diagnostic.span == at(text, 2, "[null]")
    assert diagnostic.message == (
        "AdaptiveAvgPool1d: output_size must be an integer: null (keep the size) works only in 2-D and 3-D "
        "adaptive pooling."
    )


GATE = """blocks:
  Gate:
    layers:
      - Conv2d: {out_channels: $in_channels, kernel_size: 1}
layers:
"""


@pytest.mark.parametrize("reference", ["$in_channels", "'${in_channels // 2}'"])
def test_no_follow_on_error_from_in_channels_after_an_error(reference: str) -> None:
    """A block use after a broken layer: its `$in_channels` is unknown, and that is not a second error."""
    text = "input: [3, 16, 16]\n" + GATE.replace("$in_channels", reference) + "  - Conv2d: 16\n  - Gate\n"
    analysis = analyse(text)
    assert [(d.code, d.span.start_line) for d in analysis.diagnostics] == [("missing-argument", 6)]


def test_in_channels_with_nothing_before_says_so_where_it_is_used() -> None:
    text = GATE + "  - Gate\n"
    (diagnostic,) = analyse(text).diagnostics
    assert diagnostic.code == "missing-channels"
    assert diagnostic.span == at(text, 3, "$in_channels")
    assert diagnostic.message == (
        "in_channels is not known here (nothing before gives the input's channels), so $in_channels cannot be "
        "substituted. Add an `input:` shape at the top of the file."
    )


def test_an_unknown_block_argument_names_the_block_and_offers_the_closest() -> None:
    text = (
        "input: [3, 8, 8]\nblocks:\n  Gate:\n    args: {width: 4}\n    layers:\n"
        "      - Conv2d: {out_channels: $width, kernel_size: 1}\nlayers:\n  - Gate: {widht: 8}\n"
    )
    diagnostic, _ = single(text, "unknown-argument")
    assert diagnostic.span == at(text, 7, "widht")
    assert diagnostic.message == "Block Gate has no argument 'widht'. Did you mean width? Its arguments: width."
    assert [(f.title, f.action, f.span, f.text) for f in diagnostic.fixes] == [
        ("Replace with width", "replace", diagnostic.span, "width")
    ]
