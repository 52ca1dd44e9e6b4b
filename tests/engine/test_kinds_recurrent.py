"""Recurrent and attention layers over a sequence [L, H_in], counted as PyTorch counts them.

torch.nn.RNN/GRU/LSTM: gates G = 1/3/4; per layer and direction weight_ih (G·H, I_l), weight_hh (G·H, H_r),
    bias_ih and bias_hh (G·H each); with proj_size P, H_r = P and weight_hr (P, H). Layer 0 reads I, later
    layers D·H_r (D = 2 when bidirectional). Output [L, D·H_r].
torch.nn.MultiheadAttention(E, heads): in_proj_weight (3E, E), in_proj_bias (3E), out_proj (E, E) + (E) = 4E² + 4E.
torch.nn.TransformerEncoderLayer(E, heads, ff): MHA + Linear(E, ff) + Linear(ff, E) + two LayerNorm(E).
"""

import pytest
from kindcase import Case, check

CASES = [
    # LSTM(32, 64): 4·64·(32 + 64 + 2) = 25,088 (counting.md); Keras' LSTM has one bias: 256 fewer.
    Case(
        "LSTM: {hidden_size: 64}",
        "[10, 32]",
        25088,
        (10, 64),
        "4 × H × (I + H + 2) = 4 × 64 × (32 + 64 + 2) = 25,088",
        tensors=(
            ("weight_ih_l0", (256, 32)),
            ("weight_hh_l0", (256, 64)),
            ("bias_ih_l0", (256,)),
            ("bias_hh_l0", (256,)),
        ),
        notes=(
            "Keras' LSTM keeps one bias vector per gate set instead of PyTorch's two, "
            "so Keras reports 256 fewer parameters for the same layer.",
        ),
        args={"input_size": 32},
    ),
    # 2 layers, bidirectional: 2·(25,088 + 4·64·(128 + 64 + 2)) = 2·(25,088 + 49,664) = 149,504 (counting.md).
    Case(
        "LSTM: {hidden_size: 64, num_layers: 2, bidirectional: true}",
        "[10, 32]",
        149504,
        (10, 128),
        "2 × (4 × H × (I + H + 2) + (num_layers − 1) × (4 × H × (D·H + H + 2))) = "
        "2 × (4 × 64 × (32 + 64 + 2) + 1 × (4 × 64 × (128 + 64 + 2))) = 149,504",
    ),
    # proj_size 16: 4·64·(32 + 16 + 2) + 16·64 = 12,800 + 1,024 = 13,824 (counting.md); output [L, 16].
    Case(
        "LSTM: {hidden_size: 64, proj_size: 16}",
        "[10, 32]",
        13824,
        (10, 16),
        "4 × H × (I + P + 2) + P × H = 4 × 64 × (32 + 16 + 2) + 16 × 64 = 13,824",
    ),
    # No bias, projections, 2 layers both ways: per direction and layer 4·64·(32 + 16) + 16·64 = 13,312
    # (layer 1 reads 2·16 = 32 as well); 4 × 13,312 = 53,248.
    Case(
        "LSTM: {hidden_size: 64, proj_size: 16, num_layers: 2, bidirectional: true, bias: false}",
        "[10, 32]",
        53248,
        (10, 32),
        "2 × (4 × H × (I + P) + P × H + (num_layers − 1) × (4 × H × (D·P + P) + P × H)) = "
        "2 × (4 × 64 × (32 + 16) + 16 × 64 + 1 × (4 × 64 × (32 + 16) + 16 × 64)) = 53,248",
        notes=(),
    ),
    # GRU(32, 64): 3·64·98 = 18,816 (counting.md); Keras' GRU (reset_after) counts the same, so no note.
    Case(
        "GRU: {hidden_size: 64}",
        "[10, 32]",
        18816,
        (10, 64),
        "3 × H × (I + H + 2) = 3 × 64 × (32 + 64 + 2) = 18,816",
        notes=(),
    ),
    # 3 layers, Keras' return_sequences false: 18,816 + 2·3·64·(64 + 64 + 2) = 68,736; output the last step.
    Case(
        "GRU: {units: 64, return_sequences: false, num_layers: 3}",
        "[10, 32]",
        68736,
        (64,),
        "3 × H × (I + H + 2) + (num_layers − 1) × (3 × H × (H + H + 2)) = "
        "3 × 64 × (32 + 64 + 2) + 2 × (3 × 64 × (64 + 64 + 2)) = 68,736",
    ),
    # RNN(32, 64): 64·98 = 6,272 (counting.md).
    Case(
        "RNN: {hidden_size: 64, nonlinearity: relu}",
        "[10, 32]",
        6272,
        (10, 64),
        "H × (I + H + 2) = 64 × (32 + 64 + 2) = 6,272",
    ),
    # Keras' SimpleRNN spelling, no bias, both ways: 2·64·(32 + 64) = 12,288.
    Case(
        "SimpleRNN: {units: 64, use_bias: false, bidirectional: true}",
        "[10, 32]",
        12288,
        (10, 128),
        "2 × (H × (I + H)) = 2 × (64 × (32 + 64)) = 12,288",
        notes=(),
    ),
    # MultiheadAttention(512, 8): 4·512² + 4·512 = 1,050,624 (counting.md).
    Case(
        "MultiheadAttention: {num_heads: 8}",
        "[10, 512]",
        1050624,
        (10, 512),
        "4E² + 4E = 4 × 512² + 4 × 512 = 1,050,624",
        tensors=(
            ("in_proj_weight", (1536, 512)),
            ("in_proj_bias", (1536,)),
            ("out_proj.weight", (512, 512)),
            ("out_proj.bias", (512,)),
        ),
    ),
    # bias false, add_bias_kv: 4·512² + bias_k and bias_v (1, 1, 512) = 1,049,600.
    Case(
        "MultiheadAttention: {num_heads: 8, bias: false, add_bias_kv: true}",
        "[10, 512]",
        1049600,
        (10, 512),
        "4E² + 2E (bias_k, bias_v) = 4 × 512² + 2 × 512 = 1,049,600",
    ),
    # embed_dim, kdim and vdim written equal to the input's width: 4·64² + 4·64 = 16,640.
    Case(
        "MultiheadAttention: {embed_dim: 64, num_heads: 4, kdim: 64, vdim: 64}",
        "[10, 64]",
        16640,
        (10, 64),
        "4E² + 4E = 4 × 64² + 4 × 64 = 16,640",
    ),
    # TransformerEncoderLayer(512, 8, 2048): 1,050,624 + 2·512·2048 + 2048 + 512 + 4·512 = 3,152,384 (counting.md).
    Case(
        "TransformerEncoderLayer: {nhead: 8}",
        "[10, 512]",
        3152384,
        (10, 512),
        "(4E² + 4E) + (2E·ff + ff + E) + 4E = "
        "(4 × 512² + 4 × 512) + (2 × 512 × 2048 + 2048 + 512) + 4 × 512 = 3,152,384",
        args={"d_model": 512, "dim_feedforward": 2048},
    ),
    # bias false also drops the LayerNorm biases: 4·512² + 2·512·1024 + 2·512 = 2,098,176.
    Case(
        "TransformerEncoderLayer: {nhead: 8, dim_feedforward: 1024, bias: false}",
        "[10, 512]",
        2098176,
        (10, 512),
        "4E² + 2E·ff + 2E = 4 × 512² + 2 × 512 × 1024 + 2 × 512 = 2,098,176",
    ),
    # d_model written, num_heads (Keras' name for nhead): 16,640 + 2·64·128 + 128 + 64 + 4·64 = 33,472.
    Case(
        "TransformerEncoderLayer: {d_model: 64, num_heads: 4, dim_feedforward: 128}",
        "[10, 64]",
        33472,
        (10, 64),
        "(4E² + 4E) + (2E·ff + ff + E) + 4E = (4 × 64² + 4 × 64) + (2 × 64 × 128 + 128 + 64) + 4 × 64 = 33,472",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_recurrent(case: Case) -> None:
    check(case)
