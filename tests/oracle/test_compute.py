"""MACs, FLOPs, activation bytes, the saved-for-backward estimate and receptive fields agree with
PyTorch (compute_oracle.py says how each is measured): every kind with the argument combinations of
test_kinds.py, every example, composites, and the random architectures of test_properties.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from paramlens.engine import Severity, analyse
from paramlens.engine.compute import GLOBAL
from paramlens.engine.registry import KINDS

from . import compute_oracle as oracle
from .oracle import EXAMPLES
from .test_kinds import CASES, document
from .test_properties import Failed, architectures, render, run, torch

KIND_CASES = [(kind, shape, args) for kind, cases in CASES.items() for shape, args in cases]

COMPOSITES = {
    "repeat, steady state multiplied": """
input: [4, 12, 12]
layers:
  - Repeat:
      times: 40
      layers:
        - Conv2d: {out_channels: 4, kernel_size: 3, padding: 1}
        - BatchNorm2d
        - ReLU
""",
    "repeat, shapes changing then steady": """
input: [3, 33, 33]
layers:
  - Repeat:
      times: 6
      layers:
        - Conv2d: {out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
        - MaxPool2d: {kernel_size: 3, stride: 1, padding: 1}
""",
    "residual with projection, concat, add, multiply": """
input: [6, 20, 20]
layers:
  - Residual:
      layers:
        - Conv2d: {out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
        - ReLU
        - Conv2d: {out_channels: 8, kernel_size: 5, padding: 2, dilation: 1}
      shortcut:
        - Conv2d: {out_channels: 8, kernel_size: 1, stride: 2}
  - Concat:
      branches:
        - - Conv2d: {out_channels: 4, kernel_size: 3, padding: 1}
        - - MaxPool2d: {kernel_size: 3, stride: 1, padding: 1}
        - []
  - Add:
      branches:
        - - Conv2d: {out_channels: 20, kernel_size: 3, padding: 2, dilation: 2}
        - - Identity
  - Multiply:
      branches:
        - - Sigmoid
        - - Conv2d: {out_channels: 20, kernel_size: 1}
  - AdaptiveAvgPool2d: {output_size: 1}
  - Flatten
  - Linear: {out_features: 10}
""",
    "sequence model: bidirectional GRU, LSTM with projections, attention, both encoder layouts": """
input: [12, 16]
layers:
  - GRU: {hidden_size: 8, bidirectional: true, num_layers: 2}
  - LSTM: {hidden_size: 12, proj_size: 5, num_layers: 2}
  - Linear: {out_features: 16}
  - MultiheadAttention: {num_heads: 4, add_bias_kv: true}
  - TransformerEncoderLayer: {nhead: 2, dim_feedforward: 24, batch_first: false}
  - TransformerEncoderLayer: {nhead: 4, dim_feedforward: 8, norm_first: true}
""",
}


def _checked(text: str):
    analysis = analyse(text)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    return analysis


def _all(analysis, fields: int = 40) -> None:
    oracle.check_flops(analysis)
    oracle.check_bytes(analysis)
    expected = oracle.expected_saved(analysis)
    if expected is not None:
        assert oracle.measured_saved(analysis) == expected
    oracle.check_fields(analysis, fields)


def test_every_kind_states_its_macs_and_has_an_oracle_case() -> None:
    """Every kind of the registry states its MACs beside its parameters and is run through the oracle
    below (test_kind_compute_matches_pytorch) with test_kinds.py's argument combinations; those with a
    dense product record the expanded formula the hover shows, whose value is the layer's MACs."""
    missing_case = sorted(set(KINDS) - set(CASES))
    assert not missing_case, f"kinds without an oracle case: {missing_case}"
    dense = []
    for kind in KINDS.values():
        assert kind.macs, kind.name
        if kind.macs.startswith("0"):
            continue
        dense.append(kind.name)
        for shape, args in CASES[kind.name]:
            layer = analyse(document(kind.name, shape, args)).layers[0]
            formula = layer.mac_formula
            assert formula is not None and formula.symbolic and formula.numeric, (kind.name, args)
            assert formula.value == layer.macs, (kind.name, args)
    # conv ×3, transposed ×3, depthwise, separable, linear, RNN/GRU/LSTM, MultiheadAttention, TransformerEncoderLayer
    assert len(dense) == 14, dense


@pytest.mark.parametrize(("kind", "shape", "args"), KIND_CASES, ids=lambda v: str(v).replace(" ", ""))
def test_kind_compute_matches_pytorch(kind: str, shape: list[int], args: str) -> None:
    analysis = _checked(document(kind, shape, args))
    layer = analysis.layers[0]
    assert layer.macs is not None
    _all(analysis)


@pytest.mark.parametrize("name", list(COMPOSITES))
def test_composite_compute_matches_pytorch(name: str) -> None:
    analysis = _checked(COMPOSITES[name])
    _all(analysis)


def test_seed_cnn_numbers() -> None:
    """The note's measurements of the seed CNN: 4,009,664 MACs; 329,088 bytes saved for backward at
    batch 1; fields 3, 5, 18 (jump 14, centre 8.5) and global after the Linear."""
    analysis = analyse((Path(__file__).resolve().parents[2] / "examples" / "seed-cnn-2d.arch.yaml").read_text())
    totals = analysis.totals
    assert (totals.macs, totals.flops) == (4_009_664, 8_019_328)
    assert totals.saved + totals.saved_fixed == 329_088  # type: ignore[operator]
    assert totals.activation_bytes == 475_136
    fields = [analysis.fields.of(layer) for layer in analysis.layers]
    assert [f.size for f in fields[:7]] == [(3, 3), (3, 3), (3, 3), (5, 5), (5, 5), (5, 5), (18, 18)]  # type: ignore[union-attr]
    assert fields[6].jump == (14, 14) and fields[6].centre2 == (17, 17)  # type: ignore[union-attr]
    assert fields[8] == GLOBAL


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_compute_matches_pytorch(path: Path) -> None:
    analysis = analyse(path.read_text(), key=str(path))
    assert not analysis.has_errors
    _all(analysis, fields=8)


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(architectures())
def test_random_architectures_compute_matches_pytorch(arch) -> None:
    """The random chains of test_properties.py (that PyTorch runs); the fields on an input large enough
    for the middle unit's field to lie inside it."""
    shape, layers = arch
    for spatial in (shape[1:], [d + 40 for d in shape[1:]]):
        big = [shape[0], *spatial]
        try:
            with torch.no_grad():
                run(torch.randn(2, *big), layers)
        except Failed:
            return
        text, _where = render(big, layers)
        analysis = analyse(text)
        assert not any(d.severity == Severity.ERROR for d in analysis.diagnostics), text
        _all(analysis)


def test_attention_with_kdim_and_vdim() -> None:
    """MultiheadAttention with ``kdim``/``vdim`` written: equal to embed_dim (PyTorch then packs the three
    projections, the count and the FLOPs are the oracle's); different, the layer cannot be self-attention
    in a chain (PyTorch refuses the input as keys) and its MACs and activations are unknown, not 0."""
    _all(_checked(document("MultiheadAttention", [6, 8], "{num_heads: 2, kdim: 8, vdim: 8, add_bias_kv: true}")))
    analysis = analyse(document("MultiheadAttention", [6, 8], "{embed_dim: 8, num_heads: 2, kdim: 4, vdim: 6}"))
    assert [d.code for d in analysis.diagnostics] == ["channel-mismatch"]
    [layer] = analysis.layers
    assert (layer.macs, layer.activations, layer.mac_formula) == (None, None, None)
    assert (analysis.totals.macs, analysis.totals.flops, analysis.totals.activations) == (None, None, None)
    mha = torch.nn.MultiheadAttention(8, 2, kdim=4, vdim=6, batch_first=True)
    assert sum(p.numel() for p in mha.parameters()) == layer.param_count
    x = torch.randn(1, 6, 8)
    with pytest.raises(AssertionError, match="expecting key weights shape"):
        mha(x, x, x)
