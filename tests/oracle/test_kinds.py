"""Every kind of the registry, with several argument combinations, agrees with PyTorch: counts,
buffers and output shapes, one layer at a time (after the input shape named in each case)."""

import pytest

from paramlens.engine import analyse
from paramlens.engine.registry import KINDS

from . import independent
from .oracle import check_text, torch

# kind -> cases of (input shape, arguments as a YAML flow mapping, "" for none)
ACT = [([4, 5], ""), ([3, 4, 4], "")]
DROP = [([4, 6], ""), ([2, 4, 6], "{p: 0.3}")]
CASES: dict[str, list[tuple[list[int], str]]] = {
    **{k: ACT for k in ("ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardswish", "Hardsigmoid")},
    **{k: ACT for k in ("Softsign", "Tanhshrink", "LogSigmoid", "Identity")},
    "LeakyReLU": [([4, 5], "{negative_slope: 0.2}"), ([3, 4, 4], "{alpha: 0.1, inplace: true}")],
    "ELU": [([4, 5], "{alpha: 0.5}")],
    "CELU": [([4, 5], "{alpha: 2.0}")],
    "GELU": [([4, 5], ""), ([3, 4, 4], "{approximate: tanh}")],
    "Hardtanh": [([4, 5], "{min_val: -2.0, max_val: 2.0}")],
    "Softplus": [([4, 5], "{beta: 2, threshold: 10}")],
    "Hardshrink": [([4, 5], "{lambd: 0.3}")],
    "Softshrink": [([4, 5], "")],
    "Threshold": [([4, 5], "{threshold: 0.1, value: 0.0}")],
    "Softmax": [([4, 5], ""), ([3, 4, 4], "{dim: -1}"), ([10], "{dim: 0}")],
    "LogSoftmax": [([4, 5], "{dim: 1}")],
    "Softmin": [([4, 5], "{dim: -2}")],
    "PReLU": [([4, 5], ""), ([8, 3, 3], "{num_parameters: 8}")],
    "Dropout": DROP,
    "Dropout1d": [([4, 6], "")],
    "Dropout2d": [([2, 4, 6], "{p: 0.1}")],
    "Dropout3d": [([2, 3, 4, 4], "")],
    "AlphaDropout": DROP,
    "Conv1d": [
        ([4, 20], "{out_channels: 8, kernel_size: 3}"),
        ([4, 20], "{out_channels: 8, kernel_size: 5, stride: 2, padding: 2, dilation: 2, groups: 4, bias: false}"),
        ([4, 9], "{out_channels: 6, kernel_size: 4, padding: same, dilation: 2, groups: 2}"),
        ([3, 9], "{out_channels: 6, kernel_size: 3, padding: valid, padding_mode: reflect}"),
    ],
    "Conv2d": [
        ([3, 16, 16], "{out_channels: 8, kernel_size: 3}"),
        ([8, 15, 17], "{out_channels: 16, kernel_size: [3, 5], stride: [2, 1], padding: [1, 2], groups: 4}"),
        (
            [4, 12, 12],
            "{out_channels: 4, kernel_size: 3, dilation: 3, bias: false, padding_mode: circular, padding: 2}",
        ),
        ([4, 10, 11], "{filters: 6, kernel_size: 4, padding: same}"),
    ],
    "Conv3d": [
        ([2, 6, 8, 8], "{out_channels: 4, kernel_size: 3}"),
        ([4, 7, 9, 9], "{out_channels: 8, kernel_size: [1, 3, 3], stride: 2, padding: [0, 1, 1], groups: 2}"),
        ([2, 6, 6, 6], "{out_channels: 2, kernel_size: 2, dilation: 2, bias: false, padding: same}"),
    ],
    "ConvTranspose1d": [
        ([4, 10], "{out_channels: 6, kernel_size: 3}"),
        ([4, 10], "{out_channels: 8, kernel_size: 4, stride: 3, padding: 1, output_padding: 2, groups: 2}"),
    ],
    "ConvTranspose2d": [
        ([8, 7, 7], "{out_channels: 4, kernel_size: 4, stride: 2, padding: 1}"),
        ([6, 5, 6], "{out_channels: 9, kernel_size: [3, 2], stride: [2, 3], groups: 3, bias: false, dilation: 2}"),
        ([4, 5, 5], "{out_channels: 2, kernel_size: 3, stride: 2, output_padding: 1}"),
    ],
    "ConvTranspose3d": [
        ([4, 3, 4, 4], "{out_channels: 2, kernel_size: 2, stride: 2}"),
        ([4, 3, 3, 3], "{out_channels: 4, kernel_size: 3, padding: 1, groups: 4, bias: false}"),
    ],
    "DepthwiseConv2d": [
        ([6, 10, 10], "{kernel_size: 3}"),
        ([4, 11, 10], "{kernel_size: 3, strides: 2, padding: same, depth_multiplier: 2}"),
        ([4, 9, 9], "{kernel_size: [3, 5], padding: same, bias: false, dilation_rate: 2}"),
        ([3, 13, 12], "{kernel_size: 4, stride: 3, padding: same}"),
    ],
    "SeparableConv2d": [
        ([6, 10, 10], "{out_channels: 8, kernel_size: 3}"),
        ([4, 11, 10], "{filters: 5, kernel_size: 3, strides: 2, padding: same, depth_multiplier: 3}"),
        ([4, 9, 9], "{out_channels: 2, kernel_size: 3, padding: same, use_bias: false}"),
    ],
    "Linear": [([10], "{out_features: 4}"), ([5, 10], "{units: 3, bias: false}"), ([2, 3, 4], "{out_features: 5}")],
    "BatchNorm1d": [([6], ""), ([6, 10], "{affine: false}"), ([6, 10], "{track_running_stats: false, eps: 0.01}")],
    "BatchNorm2d": [([4, 5, 5], ""), ([4, 5, 5], "{affine: false, momentum: 0.2}")],
    "BatchNorm3d": [([3, 4, 4, 4], ""), ([3, 4, 4, 4], "{track_running_stats: false}")],
    "InstanceNorm1d": [([4, 10], ""), ([4, 10], "{affine: true, track_running_stats: true}")],
    "InstanceNorm2d": [([4, 5, 5], ""), ([4, 5, 5], "{affine: true}")],
    "InstanceNorm3d": [([3, 4, 4, 4], "{track_running_stats: true}")],
    "BatchNormalization": [
        ([6], ""),
        ([6, 10], "{epsilon: 0.01}"),
        ([4, 5, 5], "{center: false}"),
        ([3, 4, 4, 4], "{momentum: 0.9, track_running_stats: false}"),
    ],
    "LayerNorm": [
        ([5, 8], ""),
        ([4, 5, 6], "{normalized_shape: [5, 6]}"),
        ([5, 8], "{elementwise_affine: false}"),
        ([5, 8], "{bias: false}"),
    ],
    "RMSNorm": [
        ([5, 8], ""),
        ([4, 5, 6], "{normalized_shape: [5, 6], eps: 0.001}"),
        ([8], "{elementwise_affine: false}"),
    ],
    "GroupNorm": [([8, 5], "{num_groups: 4}"), ([6, 4, 4], "{num_groups: 3, affine: false}"), ([8], "{num_groups: 2}")],
    "LocalResponseNorm": [([6, 5], "{size: 2}"), ([6, 5, 5], "{size: 3, alpha: 0.001, beta: 0.5, k: 2.0}")],
    "MaxPool1d": [
        ([3, 10], "{kernel_size: 2}"),
        ([3, 11], "{kernel_size: 3, stride: 2, padding: 1, dilation: 2}"),
        ([3, 5], "{kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}"),
    ],
    "MaxPool2d": [
        ([3, 9, 10], "{kernel_size: 3, stride: 2}"),
        ([3, 9, 10], "{pool_size: [2, 3], strides: [1, 2], padding: [1, 1], ceil_mode: true}"),
        ([2, 12, 12], "{kernel_size: 3, dilation: 2, padding: 1}"),
    ],
    "MaxPool3d": [([2, 5, 6, 6], "{kernel_size: 2}"), ([2, 5, 6, 7], "{kernel_size: 3, stride: 2, ceil_mode: true}")],
    "AvgPool1d": [([3, 10], "{kernel_size: 3}"), ([3, 10], "{kernel_size: 4, stride: 3, padding: 2, ceil_mode: true}")],
    "AvgPool2d": [
        ([3, 9, 10], "{kernel_size: 2}"),
        ([3, 9, 10], "{kernel_size: 3, stride: 2, padding: 1, count_include_pad: false, divisor_override: 2}"),
        ([3, 7, 7], "{kernel_size: 2, stride: 2, ceil_mode: true}"),
    ],
    "AvgPool3d": [([2, 5, 6, 6], "{kernel_size: 2}"), ([2, 5, 6, 7], "{kernel_size: [1, 2, 3], padding: [0, 1, 1]}")],
    "AdaptiveAvgPool1d": [([3, 10], "{output_size: 4}")],
    "AdaptiveMaxPool1d": [([3, 10], "{output_size: 1}")],
    "AdaptiveAvgPool2d": [([3, 9, 10], "{output_size: 2}"), ([3, 9, 10], "{output_size: [3, null]}")],
    "AdaptiveMaxPool2d": [([3, 9, 10], "{output_size: [4, 5]}")],
    "AdaptiveAvgPool3d": [([2, 5, 6, 6], "{output_size: [1, 2, 2]}")],
    "AdaptiveMaxPool3d": [([2, 5, 6, 6], "{output_size: [null, 3, 3]}")],
    "GlobalAveragePooling1D": [([3, 10], ""), ([3, 10], "{keepdims: true}")],
    "GlobalMaxPooling1D": [([3, 10], "")],
    "GlobalAveragePooling2D": [([3, 9, 10], ""), ([3, 9, 10], "{keepdims: true}")],
    "GlobalMaxPooling2D": [([3, 9, 10], "{keepdims: true}")],
    "GlobalAveragePooling3D": [([2, 5, 6, 6], "")],
    "GlobalMaxPooling3D": [([2, 5, 6, 6], "")],
    "Embedding": [
        ([7], "{num_embeddings: 50, embedding_dim: 8}"),
        ([7], "{input_dim: 20, output_dim: 4, padding_idx: 0}"),
    ],
    "RNN": [
        ([6, 5], "{hidden_size: 7}"),
        ([6, 5], "{hidden_size: 4, num_layers: 2, bidirectional: true, nonlinearity: relu, bias: false}"),
        ([6, 5], "{units: 3, return_sequences: false}"),
    ],
    "LSTM": [
        ([6, 5], "{hidden_size: 7}"),
        ([6, 5], "{hidden_size: 8, num_layers: 3, bidirectional: true, proj_size: 3, dropout: 0.1}"),
        ([6, 5], "{hidden_size: 4, bias: false, return_sequences: false, bidirectional: true}"),
    ],
    "GRU": [
        ([6, 5], "{hidden_size: 7, num_layers: 2}"),
        ([6, 5], "{hidden_size: 4, bidirectional: true, return_sequences: false}"),
    ],
    "MultiheadAttention": [
        ([6, 8], "{num_heads: 2}"),
        ([6, 12], "{num_heads: 3, bias: false}"),
        ([5, 8], "{num_heads: 4, add_bias_kv: true, add_zero_attn: true}"),
    ],
    "TransformerEncoderLayer": [
        ([6, 8], "{nhead: 2, dim_feedforward: 16}"),
        ([6, 8], "{nhead: 4, dim_feedforward: 12, activation: gelu, norm_first: true, bias: false}"),
    ],
    "Flatten": [([3, 4, 5], ""), ([3, 4, 5], "{start_dim: 1}"), ([3, 4, 5, 2], "{start_dim: 0, end_dim: -2}")],
    "Unflatten": [([12, 5], "{dim: 0, unflattened_size: [3, 4]}"), ([3, 20], "{dim: -1, unflattened_size: [-1, 5]}")],
    "Permute": [([3, 4, 5], "{dims: [2, 0, 1]}"), ([4, 6], "{dims: [-1, 0]}")],
    "Upsample": [
        ([3, 5], "{scale_factor: 2}"),
        ([3, 5, 6], "{size: [7, 9], mode: bilinear, align_corners: true}"),
        ([2, 3, 4, 5], "{scale_factor: 1.5, mode: trilinear}"),
        ([3, 5, 6], "{scale_factor: 2, mode: bicubic}"),
    ],
    "PixelShuffle": [([8, 3, 4], "{upscale_factor: 2}")],
    "PixelUnshuffle": [([2, 6, 4], "{downscale_factor: 2}")],
}


def document(kind: str, shape: list[int], args: str) -> str:
    layer = f"{kind}: {args}" if args else kind
    return f"input: {shape}\nlayers:\n  - {layer}\n"


def test_every_kind_has_oracle_cases() -> None:
    missing = sorted(set(KINDS) - set(CASES))
    assert missing == [], f"add oracle cases for {missing} to tests/oracle/test_kinds.py"
    assert all(len(cases) >= 1 for cases in CASES.values())


@pytest.mark.parametrize(
    ("kind", "shape", "args"),
    [(kind, shape, args) for kind, cases in CASES.items() for shape, args in cases],
    ids=lambda v: str(v).replace(" ", ""),
)
def test_kind_matches_pytorch(kind: str, shape: list[int], args: str) -> None:
    check_text(document(kind, shape, args))


@pytest.mark.parametrize(
    ("kind", "shape", "args"),
    [(kind, shape, args) for kind, cases in CASES.items() for shape, args in cases],
    ids=lambda v: str(v).replace(" ", ""),
)
def test_kind_matches_an_independent_pytorch_model(kind: str, shape: list[int], args: str) -> None:
    """The same case, with the model built from the YAML by tests/oracle/independent.py (not from the
    engine's arguments or the exporter): counts, buffers and output shape must equal the engine's."""
    text = document(kind, shape, args)
    analysis = analyse(text)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    kind, shape, arguments = independent.read(text)
    model = independent.build(kind, shape, arguments).eval()
    params = list(model.parameters())
    assert sum(p.numel() for p in params) == analysis.totals.params
    assert sum(p.numel() for p in params if p.requires_grad) == analysis.totals.trainable
    assert sum(b.numel() for b in model.buffers()) == analysis.totals.buffers
    with torch.no_grad():
        out = model(independent.example(kind, shape, arguments))
    assert tuple(out.shape) == (2, *analysis.output_shape)
