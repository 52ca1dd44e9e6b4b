"""A layer whose parameters follow from its written arguments keeps its count, formula and the totals
when its input does not fit (a wrong rank, a failed check against the input); only what depends on the
input is unknown. One case per family with parameters, and the MultiheadAttention case of issue 13.

Expected counts are PyTorch's (`sum(p.numel() for p in m.parameters())`), worked out beside each case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from paramlens.engine import Severity, analyse


@dataclass(frozen=True)
class Misfit:
    family: str
    input: str
    layer: str
    params: int
    formula: str  # Formula.text()
    code: str  # the error the misfit gets
    buffers: int = 0
    out: tuple[int, ...] | None = None  # unknown, unless the shape does not depend on the misfit


CASES = [
    # conv, a rank mismatch: (3·3·3 + 1)·16
    Misfit(
        "conv",
        "[64]",
        "Conv2d: {in_channels: 3, out_channels: 16, kernel_size: 3}",
        448,
        "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 + 1) × 16 = 448",
        "invalid-value",
    ),
    # conv, a kernel larger than the input (checked by the rule after the count): (30·30·3 + 1)·16
    Misfit(
        "conv",
        "[3, 8, 8]",
        "Conv2d: {out_channels: 16, kernel_size: 30}",
        43_216,
        "(k_h × k_w × C_in / groups + 1) × C_out = (30 × 30 × 3 + 1) × 16 = 43,216",
        "shape-error",
    ),
    # conv transpose, a rank mismatch: 3·3·4·8 + 8
    Misfit(
        "conv",
        "[5, 7]",
        "ConvTranspose2d: {in_channels: 4, out_channels: 8, kernel_size: 3}",
        296,
        "k_h × k_w × C_in × C_out / groups + C_out = 3 × 3 × 4 × 8 + 8 = 296",
        "invalid-value",
    ),
    # linear: a written in_features that does not fit keeps its count, 7·4 + 4
    Misfit(
        "linear",
        "[3, 8, 8]",
        "Linear: {in_features: 7, out_features: 4}",
        32,
        "in_features × out_features + out_features = 7 × 4 + 4 = 32",
        "channel-mismatch",
        out=(3, 8, 4),  # the rule goes on with the written in_features, as for Conv2d
    ),
    # norm, a rank mismatch: BatchNorm2d wants [C, H, W]; γ and β of 16, buffers 16 + 16 + 1
    Misfit("norm", "[16]", "BatchNorm2d: {num_features: 16}", 32, "2 × C (γ and β) = 2 × 16 = 32", "invalid-value", 33),
    # norm, normalized_shape against the input (checked after the count): 2·5
    Misfit(
        "norm",
        "[3, 8, 8]",
        "LayerNorm: {normalized_shape: [5]}",
        10,
        "2 × Π normalized_shape (γ and β) = 2 × 5 = 10",
        "channel-mismatch",
    ),
    Misfit(
        "norm", "[3, 8, 8]", "RMSNorm: {normalized_shape: [5]}", 5, "Π normalized_shape (γ) = 5", "channel-mismatch"
    ),
    # activation with parameters: PReLU's slopes do not match the channels
    Misfit(
        "activation",
        "[3, 8, 8]",
        "PReLU: {num_parameters: 5}",
        5,
        "num_parameters (one slope a per channel, or 1 shared) = 5",
        "channel-mismatch",
    ),
    # pool: no parameters, also when the input is smaller than the kernel
    Misfit(
        "pool", "[2, 3, 3, 3]", "AvgPool3d: {kernel_size: 5}", 0, "0 (pooling has no parameters) = 0", "shape-error"
    ),
    # recurrent, a rank mismatch: 4·4·(8 + 4 + 2)
    Misfit(
        "recurrent",
        "[3, 8, 8]",
        "LSTM: {input_size: 8, hidden_size: 4}",
        224,
        "4 × H × (I + H + 2) = 4 × 4 × (8 + 4 + 2) = 224",
        "invalid-value",
    ),
    # attention, issue 13: 64·64 + 64·32 + 64·16 + 3·64 (q, k, v and their bias) + 64·64 + 64 (out_proj)
    Misfit(
        "attention",
        "[10, 64]",
        "MultiheadAttention: {embed_dim: 64, num_heads: 8, kdim: 32, vdim: 16}",
        11_520,
        "2E² + E·kdim + E·vdim + 4E = 2 × 64² + 64 × 32 + 64 × 16 + 4 × 64 = 11,520",
        "channel-mismatch",
    ),
    # attention, a rank mismatch: (4·32² + 4·32) + (2·32·64 + 64 + 32) + 4·32
    Misfit(
        "attention",
        "[3, 8, 8]",
        "TransformerEncoderLayer: {d_model: 32, nhead: 4, dim_feedforward: 64}",
        8_544,
        "(4E² + 4E) + (2E·ff + ff + E) + 4E = (4 × 32² + 4 × 32) + (2 × 32 × 64 + 64 + 32) + 4 × 32 = 8,544",
        "invalid-value",
    ),
    # reshape: no parameters, also when the dimension is out of range
    Misfit("reshape", "[3, 8]", "Flatten: {start_dim: 5}", 0, "0", "invalid-value"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.family}:{c.layer}")
def test_a_misfit_layer_keeps_its_count(case: Misfit) -> None:
    analysis = analyse(f"input: {case.input}\nlayers:\n  - {case.layer}\n")
    assert [(d.code, d.severity) for d in analysis.diagnostics] == [(case.code, Severity.ERROR)]
    [layer] = analysis.layers
    assert layer.param_count == case.params
    assert layer.trainable_count == case.params
    assert layer.buffer_count == case.buffers
    assert layer.formula is not None and layer.formula.text() == case.formula
    assert sum(t.numel for t in layer.params) == case.params
    assert layer.output_shape == case.out
    assert analysis.totals.params == case.params
    assert analysis.has_errors  # export still refuses the file


def test_the_attention_misfit_of_issue_13_counts_in_the_totals_of_a_chain() -> None:
    text = (
        "input: [10, 64]\nlayers:\n"
        "  - Linear: {out_features: 64}\n"
        "  - MultiheadAttention: {embed_dim: 64, num_heads: 8, kdim: 32, vdim: 16}\n"
    )
    analysis = analyse(text)
    [error] = analysis.diagnostics
    assert error.code == "channel-mismatch"
    assert error.message.startswith("MultiheadAttention: kdim (32) differs from embed_dim (64)")
    linear, attention = analysis.layers
    assert [t.name for t in attention.params] == [
        "q_proj_weight",
        "k_proj_weight",
        "v_proj_weight",
        "in_proj_bias",
        "out_proj.weight",
        "out_proj.bias",
    ]
    assert attention.param_count == 11_520
    assert analysis.totals.params == linear.param_count + 11_520 == 4_160 + 11_520


def test_a_size_that_must_come_from_a_misfit_input_stays_unknown() -> None:
    """Conv2d after a 1-D input: in_channels would be inferred from the input, so the count is `?`."""
    analysis = analyse("input: [64]\nlayers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n")
    [layer] = analysis.layers
    assert [d.code for d in analysis.diagnostics] == ["invalid-value"]
    assert layer.param_count is None and layer.formula is None
    assert analysis.totals.params is None


def test_a_layer_pytorch_cannot_build_has_no_count() -> None:
    """embed_dim not divisible by num_heads: PyTorch's constructor refuses it, so there is nothing to count."""
    analysis = analyse("input: [10, 60]\nlayers:\n  - MultiheadAttention: {num_heads: 8}\n")
    [layer] = analysis.layers
    assert layer.param_count is None
