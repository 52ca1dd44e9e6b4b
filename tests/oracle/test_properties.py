"""Random architectures, valid or not, judged by PyTorch itself.

Hypothesis draws 1-D/2-D/3-D inputs and chains of convolutions, transposed convolutions, pooling,
batch norms and activations (some inside Residual or Concat branches) with random kernel sizes,
strides, paddings, dilations and groups. The same architecture is built directly with torch.nn,
layer by layer, independently of the exporter. When PyTorch runs it, paramlens must report no
error and the exported model must match every count and shape; when PyTorch raises, paramlens'
first error must be on the line of the layer where PyTorch raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from paramlens.engine import Severity, analyse

from . import agree
from .oracle import check, torch

nn = torch.nn


@dataclass
class Layer:
    kind: str  # Conv, ConvTranspose, MaxPool, AvgPool, BatchNorm, ReLU, Residual, Concat
    args: dict[str, Any] = field(default_factory=dict)
    branches: list[list[Layer]] = field(default_factory=list)


def _layer(n: int, draw) -> Layer:
    kind = draw(st.sampled_from(["Conv", "Conv", "Conv", "ConvTranspose", "MaxPool", "AvgPool", "BatchNorm", "ReLU"]))
    k = draw(st.integers(1, 4))
    s = draw(st.integers(1, 3))
    p = draw(st.integers(0, 2))
    d = draw(st.integers(1, 2))
    if kind == "Conv":
        padding = draw(st.sampled_from([p, p, "same", "valid"]))
        return Layer(
            kind,
            {
                "out_channels": draw(st.integers(1, 6)),
                "kernel_size": k,
                "stride": s,
                "padding": padding,
                "dilation": d,
                "groups": draw(st.sampled_from([1, 1, 2, 3])),
                "bias": draw(st.booleans()),
            },
        )
    if kind == "ConvTranspose":
        return Layer(
            kind,
            {
                "out_channels": draw(st.integers(1, 6)),
                "kernel_size": k,
                "stride": s,
                "padding": p,
                "output_padding": draw(st.integers(0, 2)),
                "dilation": d,
                "groups": draw(st.sampled_from([1, 1, 2])),
            },
        )
    if kind == "MaxPool":
        return Layer(
            kind, {"kernel_size": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": draw(st.booleans())}
        )
    if kind == "AvgPool":
        return Layer(kind, {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": draw(st.booleans())})
    return Layer(kind)


@st.composite
def architectures(draw) -> tuple[list[int], list[Layer]]:
    n = draw(st.integers(1, 3))
    size = draw(st.integers(3, 12 if n < 3 else 7))
    shape = [draw(st.integers(1, 6)), *[size + draw(st.integers(0, 2)) for _ in range(n)]]
    layers: list[Layer] = []
    for _ in range(draw(st.integers(1, 4))):
        composite = draw(st.sampled_from([None, None, None, "Residual", "Concat"]))
        if composite is None:
            layers.append(_layer(n, draw))
        else:
            branches = [[_layer(n, draw) for _ in range(draw(st.integers(0, 2)))] for _ in range(2)]
            layers.append(Layer(composite, branches=branches))
    return shape, layers


# --- the YAML text, with the line of every layer ---------------------------------------------------


def _value(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def render(shape: list[int], layers: list[Layer]) -> tuple[str, dict[int, int]]:
    n = len(shape) - 1
    lines = [f"input: {shape}", "layers:"]
    where: dict[int, int] = {}

    def emit(items: list[Layer], indent: str) -> None:
        for item in items:
            where[id(item)] = len(lines)
            if item.kind in ("Residual", "Concat"):
                lines.append(f"{indent}- {item.kind}:")
                key = "layers" if item.kind == "Residual" else "branches"
                if item.kind == "Residual":
                    lines.append(f"{indent}    layers:" + (" []" if not item.branches[0] else ""))
                    emit(item.branches[0], indent + "      ")
                    lines.append(f"{indent}    shortcut:" + (" []" if not item.branches[1] else ""))
                    emit(item.branches[1], indent + "      ")
                else:
                    lines.append(f"{indent}    {key}:")
                    for branch in item.branches:
                        lines.append(f"{indent}      -" + (" []" if not branch else ""))
                        emit(branch, indent + "        ")
                continue
            name = {"BatchNorm": f"BatchNorm{n}d", "ReLU": "ReLU"}.get(item.kind, f"{item.kind}{n}d")
            args = ", ".join(f"{k}: {_value(v)}" for k, v in item.args.items())
            lines.append(f"{indent}- {name}" + (f": {{{args}}}" if args else ""))

    emit(layers, "  ")
    return "\n".join(lines) + "\n", where


# --- the same architecture built with torch.nn directly ----------------------------------------------


class Failed(Exception):
    def __init__(self, layer: Layer) -> None:
        self.layer = layer


def run(x: Any, items: list[Layer]) -> Any:
    for item in items:
        x = apply(x, item)
    return x


def apply(x: Any, item: Layer) -> Any:
    n = x.dim() - 2
    if item.kind in ("Residual", "Concat"):
        outs = [run(x, branch) for branch in item.branches]
        if item.kind == "Residual" and outs[0].shape != outs[1].shape:
            raise Failed(item)  # PyTorch would broadcast; the format asks for equal shapes
        try:
            return outs[0] + outs[1] if item.kind == "Residual" else torch.cat(outs, dim=1)
        except RuntimeError:
            raise Failed(item) from None
    try:
        a = item.args
        if item.kind == "Conv":
            module = getattr(nn, f"Conv{n}d")(x.shape[1], **a)
        elif item.kind == "ConvTranspose":
            module = getattr(nn, f"ConvTranspose{n}d")(x.shape[1], **a)
        elif item.kind in ("MaxPool", "AvgPool"):
            module = getattr(nn, f"{item.kind}{n}d")(**a)
        elif item.kind == "BatchNorm":
            module = getattr(nn, f"BatchNorm{n}d")(x.shape[1])
        else:
            module = nn.ReLU()
        out = module.eval()(x)
    except (RuntimeError, ValueError):
        raise Failed(item) from None
    if out.numel() == 0:
        raise Failed(item)
    return out


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(architectures())
def test_random_architectures_agree_with_pytorch(arch: tuple[list[int], list[Layer]]) -> None:
    shape, layers = arch
    text, where = render(shape, layers)
    analysis = analyse(text)
    errors = [d for d in analysis.diagnostics if d.severity == Severity.ERROR]
    try:
        with torch.no_grad():
            run(torch.randn(2, *shape), layers)
    except Failed as failure:
        event(f"PyTorch raises at a {failure.layer.kind}")
        assert errors, f"PyTorch fails at line {where[id(failure.layer)] + 1} but paramlens reports nothing:\n{text}"
        assert errors[0].span.start_line == where[id(failure.layer)], (errors[0].message, text)
        return
    event("PyTorch runs it")
    assert not errors, (errors[0].message, text)
    check(analysis)
    agree.check(text)  # every layer as the independent reading (tests/oracle/native.py) built it
