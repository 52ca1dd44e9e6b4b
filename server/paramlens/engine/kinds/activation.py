"""Element-wise layers: activations, PReLU, dropout, Identity. None but PReLU has parameters."""

from __future__ import annotations

from ..context import LayerContext
from ..registry import Arg, Kind, register
from ..shapes import rank
from .common import INPLACE


def _same_shape(c: LayerContext) -> None:
    c.count("0", "0")
    c.output(c.inp)


def _softmax_rule(c: LayerContext) -> None:
    c.count("0", "0")
    r = rank(c.inp)
    dim = c["dim"]
    if r is not None and not -r <= dim < r:
        c.fail(f"dim {dim} is out of range for an input of {r} dimensions (use {-r} … {r - 1}).", "dim")
    c.output(c.inp)


def _prelu_rule(c: LayerContext) -> None:
    n = c["num_parameters"]
    C = c.inp[0] if c.inp is not None and c.inp and c.inp[0] is not ... else None
    c.param("weight", n)
    c.count("num_parameters (one slope a per channel, or 1 shared)", str(n))
    if n != 1 and C is not None and n != C:  # after the count, which follows from the arguments alone
        c.fail(
            f"num_parameters ({n}) must be 1 or the number of input channels ({C}).",
            "num_parameters",
            "channel-mismatch",
        )
    c.output(c.inp)


def _simple(
    name: str,
    doc: str,
    *args: Arg,
    aliases: tuple[str, ...] = (),
    family: str = "activation",
    ranks: tuple[int, ...] | None = None,
    saves: str | None = None,
) -> Kind:
    if saves is None:  # what autograd keeps for backward (docs/compute.md): the output, or the input
        saves = "output" if name in _KEEP_OUTPUT else "twice" if name in _KEEP_TWO else "input"
        if family == "dropout":
            saves = "mask" if name in ("Dropout", "AlphaDropout") else "channel-mask"
    return Kind(
        name, family, doc, _same_shape, args, aliases=aliases, ranks=ranks, formula="0", torch=name, saves=saves
    )


_KEEP_OUTPUT = ("ReLU", "Sigmoid", "Tanh")
_KEEP_TWO = ("Softsign", "LogSigmoid")  # x / (1 + |x|) keeps x and 1 + |x|; log σ keeps x and a buffer


_DIM = Arg("dim", "int", 0, "The dimension (of one sample; 0 is the channel) that sums to 1.", aliases=("axis",))
_P = Arg("p", "prob", 0.5, "Probability of an element being zeroed.", aliases=("rate",))
_ALPHA = Arg("alpha", "float", 1.0, "Scale of the negative part.")

register(
    _simple("ReLU", "max(0, x).", INPLACE),
    _simple("ReLU6", "min(max(0, x), 6).", INPLACE),
    _simple(
        "LeakyReLU",
        "x for x ≥ 0, negative_slope·x otherwise.",
        Arg("negative_slope", "float", 0.01, "Slope for x < 0.", aliases=("alpha",)),
        INPLACE,
    ),
    _simple("ELU", "x for x > 0, α(eˣ − 1) otherwise.", _ALPHA, INPLACE),
    _simple("SELU", "Scaled ELU with fixed constants.", INPLACE),
    _simple("CELU", "Continuously differentiable ELU.", _ALPHA, INPLACE),
    _simple(
        "GELU",
        "x·Φ(x), the Gaussian error linear unit.",
        Arg("approximate", "choice", "none", "'tanh' for the tanh approximation.", choices=("none", "tanh")),
    ),
    _simple("SiLU", "x·σ(x) (swish).", INPLACE, aliases=("Swish",)),
    _simple("Mish", "x·tanh(softplus(x)).", INPLACE),
    _simple("Sigmoid", "1 / (1 + e⁻ˣ)."),
    _simple("Tanh", "The hyperbolic tangent."),
    _simple("Hardswish", "x·ReLU6(x + 3) / 6.", INPLACE),
    _simple("Hardsigmoid", "ReLU6(x + 3) / 6.", INPLACE),
    _simple(
        "Hardtanh",
        "x clamped to [min_val, max_val].",
        Arg("min_val", "float", -1.0, "Lower bound."),
        Arg("max_val", "float", 1.0, "Upper bound."),
        INPLACE,
    ),
    _simple(
        "Softplus",
        "log(1 + e^(βx)) / β.",
        Arg("beta", "float", 1.0, "β."),
        Arg("threshold", "float", 20.0, "Above this, linear."),
    ),
    _simple("Softsign", "x / (1 + |x|)."),
    _simple("Tanhshrink", "x − tanh(x)."),
    _simple("LogSigmoid", "log σ(x)."),
    _simple("Hardshrink", "x where |x| > λ, else 0.", Arg("lambd", "float", 0.5, "λ.")),
    _simple("Softshrink", "x − λ·sign(x) where |x| > λ, else 0.", Arg("lambd", "float", 0.5, "λ.")),
    _simple(
        "Threshold",
        "x where x > threshold, else value.",
        Arg("threshold", "float", doc="The threshold."),
        Arg("value", "float", doc="The replacement."),
        INPLACE,
    ),
    *(
        Kind(name, "activation", doc, _softmax_rule, (_DIM,), formula="0", torch=name, saves="output", field="softmax")
        for name, doc in (
            ("Softmax", "Exponentials normalised to sum to 1 along dim."),
            ("LogSoftmax", "log of Softmax along dim."),
            ("Softmin", "Softmax of −x along dim."),
        )
    ),
    Kind(
        "PReLU",
        "activation",
        "LeakyReLU with a learned slope: one shared (num_parameters 1) or one per channel.",
        _prelu_rule,
        (
            Arg("num_parameters", "count", 1, "1, or the number of input channels."),
            Arg("init", "float", 0.25, "Initial slope."),
        ),
        formula="num_parameters",
        torch="PReLU",
    ),
    _simple("Identity", "Passes its input through unchanged.", family="shape", saves="view"),
    _simple(
        "Dropout", "Zeroes elements at random while training; nothing at inference.", _P, INPLACE, family="dropout"
    ),
    # PyTorch's dropout1d refuses inputs other than [C, L] (or [C]) with their batch dimension
    _simple("Dropout1d", "Zeroes whole channels of [C, L] at random.", _P, INPLACE, family="dropout", ranks=(1, 2)),
    _simple(
        "Dropout2d",
        "Zeroes whole channels of [C, H, W] at random.",
        _P,
        INPLACE,
        aliases=("SpatialDropout2D",),
        family="dropout",
    ),
    _simple("Dropout3d", "Zeroes whole channels of [C, D, H, W] at random.", _P, INPLACE, family="dropout"),
    _simple("AlphaDropout", "Dropout that keeps SELU's self-normalisation.", _P, INPLACE, family="dropout"),
)
