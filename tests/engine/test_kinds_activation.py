"""Element-wise layers: activations, dropout, Identity. They keep the shape and have no parameters, except
torch.nn.PReLU(num_parameters=1), whose weight holds num_parameters slopes (1 shared, or one per channel)."""

import pytest
from kindcase import Case, check

SHAPE = "[16, 4, 4]"
OUT = (16, 4, 4)

PLAIN = [
    "ReLU",
    "ReLU: {inplace: true}",
    "ReLU6",
    "LeakyReLU: {negative_slope: 0.2}",
    "LeakyReLU: {alpha: 0.3}",  # Keras' name for the slope
    "ELU: {alpha: 0.5}",
    "SELU",
    "CELU",
    "GELU: {approximate: tanh}",
    "SiLU",
    "Swish",  # Keras' name for SiLU
    "Mish",
    "Sigmoid",
    "Tanh",
    "Hardswish",
    "Hardsigmoid",
    "Hardtanh: {min_val: -2, max_val: 2}",
    "Softplus: {beta: 2, threshold: 10}",
    "Softsign",
    "Tanhshrink",
    "LogSigmoid",
    "Hardshrink: {lambd: 0.3}",
    "Softshrink",
    "Threshold: {threshold: 0.1, value: 0}",
    "Softmax",
    "Softmax: {dim: -1}",
    "LogSoftmax: {axis: 2}",  # Keras' name for dim
    "Softmin: {dim: 1}",
    "Identity",
    "Dropout: {p: 0.3}",
    "Dropout: {rate: 0.3}",  # Keras' name for p
    "Dropout2d",
    "SpatialDropout2D: {rate: 0.2}",
    "Dropout3d",
    "AlphaDropout",
]

CASES = [Case(layer, SHAPE, 0, OUT, "0") for layer in PLAIN] + [
    # Dropout1d takes [C, L] (PyTorch refuses a batched 4-D input).
    Case("Dropout1d: {p: 0.1}", "[16, 30]", 0, (16, 30), "0"),
    Case("Dropout1d", "[16]", 0, (16,), "0"),
    Case("Dropout3d", "[4, 2, 3, 4]", 0, (4, 2, 3, 4), "0"),
    # PReLU() shares one slope (counting.md: 1).
    Case(
        "PReLU",
        SHAPE,
        1,
        OUT,
        "num_parameters (one slope a per channel, or 1 shared) = 1",
        tensors=(("weight", (1,)),),
    ),
    # PReLU(16): one slope per channel of the input.
    Case(
        "PReLU: {num_parameters: 16, init: 0.1}",
        SHAPE,
        16,
        OUT,
        "num_parameters (one slope a per channel, or 1 shared) = 16",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_activation(case: Case) -> None:
    check(case)
