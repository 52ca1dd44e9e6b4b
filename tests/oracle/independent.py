"""A second reading of a one-layer document, independent of paramlens: the YAML is read with PyYAML and
the layer built with ``torch.nn`` from PyTorch's (and Keras') documented meaning of each argument, never
from the engine's resolved arguments or the exporter. An argument the engine misreads (a Keras alias, a
default, an inferred channel count) then disagrees with PyTorch instead of being exported the same
wrong way. Shapes here exclude the batch dimension, as the document's ``input`` does."""

from __future__ import annotations

import math
from typing import Any

import yaml

from .oracle import nn, torch

KERAS = {  # Keras spellings of PyTorch arguments, from the Keras documentation
    "filters": "out_channels",
    "units": "out_features",  # Dense; a recurrent layer's hidden_size (see build)
    "strides": "stride",
    "dilation_rate": "dilation",
    "use_bias": "bias",
    "pool_size": "kernel_size",
    "epsilon": "eps",
    "input_dim": "num_embeddings",
    "output_dim": "embedding_dim",
}
ACTIVATIONS = {
    "ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardswish", "Hardsigmoid", "Softsign",
    "Tanhshrink", "LogSigmoid", "Identity", "ELU", "CELU", "GELU", "Hardtanh", "Softplus", "Hardshrink",
    "Softshrink", "Threshold", "Softmax", "LogSoftmax", "Softmin", "PReLU", "Dropout", "Dropout1d", "Dropout2d",
    "Dropout3d", "AlphaDropout", "LocalResponseNorm", "PixelShuffle", "PixelUnshuffle", "Upsample",
}  # fmt: skip
POOLS = {f"{kind}{n}d" for kind in ("MaxPool", "AvgPool") for n in (1, 2, 3)}


class Apply(nn.Module):
    """A function of the input as a module (global pooling, permutation, a recurrent layer's last step)."""

    def __init__(self, inner: nn.Module | None, fn: Any) -> None:
        super().__init__()
        self.inner, self.fn = inner, fn

    def forward(self, x: Any) -> Any:
        return self.fn(self.inner, x)


def _tf_same(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """Keras' "same" padding: output ceil(n / s), the odd pixel padded at the end."""
    total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)  # type: ignore[return-value]


def _keras_conv2d(shape: list[int], a: dict[str, Any], make: Any) -> nn.Module:
    """A 2-d convolution whose ``padding: same`` may come with a stride (which torch refuses)."""
    k, s, d = _pair(a.get("kernel_size")), _pair(a.pop("stride", 1)), _pair(a.pop("dilation", 1))
    if a.get("padding") == "same" and s != (1, 1):
        (top, bottom), (left, right) = (_tf_same(shape[1 + i], k[i], s[i], d[i]) for i in (0, 1))
        a["padding"] = 0
        return nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), make(stride=s, dilation=d, **a))
    return make(stride=s, dilation=d, **a)


def build(kind: str, shape: list[int], a: dict[str, Any]) -> nn.Module:
    a = {KERAS.get(k, k): v for k, v in a.items()}
    c = shape[0]
    if kind in ACTIVATIONS:
        return getattr(nn, kind)(**a)
    if kind == "LeakyReLU":
        a["negative_slope"] = a.pop("alpha", a.pop("negative_slope", 0.01))
        return nn.LeakyReLU(**a)
    if kind in ("Conv1d", "Conv3d") or kind.startswith("ConvTranspose"):
        return getattr(nn, kind)(c, a.pop("out_channels"), **a)
    if kind == "Conv2d":
        out = a.pop("out_channels")
        return _keras_conv2d(shape, a, lambda **kw: nn.Conv2d(c, out, **kw))
    if kind == "DepthwiseConv2d":
        out = c * a.pop("depth_multiplier", 1)
        return _keras_conv2d(shape, a, lambda **kw: nn.Conv2d(c, out, groups=c, **kw))
    if kind == "SeparableConv2d":
        out, mid, bias = a.pop("out_channels"), c * a.pop("depth_multiplier", 1), a.pop("bias", True)
        depthwise = _keras_conv2d(shape, a, lambda **kw: nn.Conv2d(c, mid, groups=c, bias=False, **kw))
        return nn.Sequential(depthwise, nn.Conv2d(mid, out, 1, bias=bias))
    if kind == "Linear":
        return nn.Linear(shape[-1], a.pop("out_features"), **a)
    if kind.startswith(("BatchNorm", "InstanceNorm")) and kind != "BatchNormalization":
        return getattr(nn, kind)(c, **a)
    if kind == "BatchNormalization":  # Keras: center (beta), scale (gamma), momentum of the running mean
        center, scale = a.pop("center", True), a.pop("scale", True)
        a["momentum"] = 1 - a.pop("momentum", 0.99)
        module = getattr(nn, f"BatchNorm{max(len(shape) - 1, 1)}d")(c, **a)
        if not center:
            module.register_parameter("bias", None)
        if not scale:
            module.register_parameter("weight", None)
        return module
    if kind in ("LayerNorm", "RMSNorm"):
        return getattr(nn, kind)(a.pop("normalized_shape", shape[-1]), **a)
    if kind == "GroupNorm":
        return nn.GroupNorm(a.pop("num_groups"), c, **a)
    if kind in POOLS:
        return getattr(nn, kind)(**a)
    if kind.startswith("Adaptive"):
        size = a.pop("output_size")
        return getattr(nn, kind)(tuple(size) if isinstance(size, list) else size, **a)
    if kind.startswith("Global"):  # Keras: over every spatial axis; keepdims keeps them as 1
        mean = "Average" in kind
        keep = a.pop("keepdims", False)
        dims = tuple(range(2, 2 + int(kind[-2])))
        return Apply(None, lambda _, x: x.mean(dims, keepdim=keep) if mean else x.amax(dims, keepdim=keep))
    if kind == "Embedding":
        return nn.Embedding(**a)
    if kind in ("RNN", "LSTM", "GRU"):
        sequences = a.pop("return_sequences", True)
        hidden = a.pop("hidden_size") if "hidden_size" in a else a.pop("out_features")  # Keras: units
        rnn = getattr(nn, kind)(shape[-1], hidden, batch_first=True, **a)
        return Apply(rnn, lambda m, x: m(x)[0] if sequences else m(x)[0][:, -1])
    if kind == "MultiheadAttention":  # self-attention over the sequence
        mha = nn.MultiheadAttention(shape[-1], batch_first=True, **a)
        return Apply(mha, lambda m, x: m(x, x, x, need_weights=False)[0])
    if kind == "TransformerEncoderLayer":
        return nn.TransformerEncoderLayer(shape[-1], batch_first=True, **a)
    if kind == "Flatten":  # dimensions of the document's shape, after the batch
        start, end = a.get("start_dim", 0), a.get("end_dim", -1)
        return nn.Flatten(start + 1 if start >= 0 else start, end + 1 if end >= 0 else end)
    if kind == "Unflatten":
        dim = a["dim"]
        return nn.Unflatten(dim + 1 if dim >= 0 else dim, tuple(a["unflattened_size"]))
    if kind == "Permute":
        dims = [d % len(shape) + 1 for d in a["dims"]]
        return Apply(None, lambda _, x: x.permute(0, *dims))
    raise AssertionError(f"no independent construction for {kind}")


def read(text: str) -> tuple[str, list[int], dict[str, Any]]:
    """(kind, input shape, arguments) of a one-layer document, read with PyYAML alone."""
    doc = yaml.safe_load(text)
    [layer] = doc["layers"]
    if isinstance(layer, str):
        return layer, doc["input"], {}
    [(kind, args)] = layer.items()
    return kind, doc["input"], dict(args or {})


def example(kind: str, shape: list[int], args: dict[str, Any]) -> Any:
    if kind == "Embedding":
        return torch.randint(0, args.get("num_embeddings", args.get("input_dim")), (2, *shape))
    return torch.randn(2, *shape)
