"""Linear (Keras' Dense) and Embedding, counted as PyTorch counts them.

torch.nn.Linear(in, out): weight (out, in) and bias (out); it acts on the last dimension of its input.
torch.nn.Embedding(V, D): weight (V, D); input [L] of indices gives [L, D]; padding_idx changes no count.
"""

import pytest
from kindcase import Case, check

CASES = [
    # The seed's last layer: 128·64 + 64 = 8,256 (counting.md); in_features inferred from the input.
    Case(
        "Linear: {out_features: 64}",
        "[128]",
        8256,
        (64,),
        "in_features × out_features + out_features = 128 × 64 + 64 = 8,256",
        tensors=(("weight", (64, 128)), ("bias", (64,))),
        args={"in_features": 128, "bias": True},
    ),
    # Keras names, no bias, on a sequence: 128·64 = 8,192, only the last dimension changes.
    Case(
        "Dense: {units: 64, use_bias: false}",
        "[10, 128]",
        8192,
        (10, 64),
        "in_features × out_features = 128 × 64 = 8,192",
        tensors=(("weight", (64, 128)),),
    ),
    # On an image it still reads the last dimension (W = 32): 32·10 + 10 = 330.
    Case(
        "Linear: {out_features: 10}",
        "[3, 32, 32]",
        330,
        (3, 32, 10),
        "in_features × out_features + out_features = 32 × 10 + 10 = 330",
    ),
    # A written in_features that agrees with the input is accepted as is.
    Case(
        "Linear: {in_features: 20, out_features: 5}",
        "[20]",
        105,
        (5,),
        "in_features × out_features + out_features = 20 × 5 + 5 = 105",
    ),
    # Embedding(10000, 300): 3,000,000 (counting.md); [L] → [L, 300].
    Case(
        "Embedding: {num_embeddings: 10000, embedding_dim: 300}",
        "[20]",
        3000000,
        (20, 300),
        "num_embeddings × embedding_dim = 10000 × 300 = 3,000,000",
        tensors=(("weight", (10000, 300)),),
    ),
    # Keras names and padding_idx: 100·8 = 800.
    Case(
        "Embedding: {input_dim: 100, output_dim: 8, padding_idx: 0}",
        "[null]",
        800,
        (None, 8),
        "num_embeddings × embedding_dim = 100 × 8 = 800",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_linear(case: Case) -> None:
    check(case)
