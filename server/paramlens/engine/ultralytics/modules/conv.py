"""Ultralytics' convolution modules (``ultralytics/nn/modules/conv.py``) as compositions of torch kinds.

Each builder takes the constructor's arguments after ``parse_model`` rewrote them (``c1`` injected) and
the input shape, and returns the module with its sub-modules named as in PyTorch's ``named_modules``.
"""

from __future__ import annotations

from math import gcd
from typing import Any

from ...analysis import LayerResult
from ...shapes import Shape
from ..counting import counted
from ..net import BuildError, Net, autopad

CONV = "ultralytics.nn.modules.conv."


def with_channels(x: Shape, c: int) -> Shape:
    return (c, *x[1:])


@counted
def Conv(net: Net, name: str, x: Shape, c1: int, c2: int, k: Any = 1, s: Any = 1, p: Any = None, g: int = 1,
         d: int = 1, act: Any = True) -> LayerResult:  # fmt: skip
    """Conv2d(bias=False) + BatchNorm2d + the default activation."""
    _int("c2", c2)
    if not isinstance(g, int) or isinstance(g, bool) or g <= 0:
        raise BuildError(
            f"a Conv's groups g must be a positive integer, not {g!r} (Ultralytics: TypeError or ValueError from "
            "nn.Conv2d). The value is probably one position off: C2f, C3 and C3k2 take [c2, shortcut, g, e] and "
            "C3k2 [c2, c3k, e, ...]; write the expansion e after g"
        )
    conv = net.conv2d("conv", with_channels(x, c1), c2, k, s, autopad(k, p, d), g, d, bias=False)
    y = conv.output_shape
    bn = net.bn("bn", y)
    return net.group("Conv", name, [conv, bn, net.activation("act", y, act)], x, y)


def Conv2(net: Net, name: str, x: Shape, c1: int, c2: int, k: Any = 3, s: Any = 1, p: Any = None, g: int = 1,
          d: int = 1, act: Any = True) -> LayerResult:  # fmt: skip
    """A Conv with a parallel 1×1 Conv2d (``cv2``, no bias) added to it, before the batch norm."""
    result = Conv(net, name, x, c1, c2, k, s, p, g, d, act)
    cv2 = net.conv2d("cv2", with_channels(x, c1), c2, 1, s, autopad(1, p, d), g, d, bias=False)
    return net.group("Conv2", name, [*result.children, cv2], x, result.output_shape)


@counted
def DWConv(net: Net, name: str, x: Shape, c1: int, c2: int, k: Any = 1, s: Any = 1, d: int = 1,
           act: Any = True) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    result = Conv(net, name, x, c1, c2, k, s, None, gcd(c1, c2), d, act)
    result.type = "DWConv"
    return result


def GhostConv(net: Net, name: str, x: Shape, c1: int, c2: int, k: Any = 1, s: Any = 1, g: int = 1,
              act: Any = True) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    h = c2 // 2
    cv1 = Conv(net, "cv1", x, c1, h, k, s, None, g, act=act)
    y = cv1.output_shape
    cv2 = Conv(net, "cv2", y, h, h, 5, 1, None, h, act=act)
    return net.group("GhostConv", name, [cv1, cv2], x, (2 * h, *y[1:]))


def Focus(net: Net, name: str, x: Shape, c1: int, c2: int, k: Any = 1, s: Any = 1, p: Any = None, g: int = 1,
          act: Any = True) -> LayerResult:  # fmt: skip
    half = tuple(None if v is None else v // 2 for v in x[1:])
    conv = Conv(net, "conv", (4 * c1, *half), 4 * c1, c2, k, s, p, g, act=act)
    return net.group("Focus", name, [conv], x, conv.output_shape)


def ConvTranspose(net: Net, name: str, x: Shape, c1: int, c2: int, k: int = 2, s: int = 2, p: int = 0,
                  bn: bool = True, act: Any = True) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    up = net.leaf(
        "ConvTranspose2d", "conv_transpose", with_channels(x, c1), in_channels=c1, out_channels=c2,
        kernel_size=(k, k), stride=(s, s), padding=(p, p), bias=not bn,
    )  # fmt: skip
    y = up.output_shape
    norm = net.bn("bn", y) if bn else net.identity("bn", y)
    return net.group("ConvTranspose", name, [up, norm, net.activation("act", y, act)], x, y)


def DWConvTranspose2d(net: Net, name: str, x: Shape, c1: int, c2: int, k: int = 1, s: int = 1, p1: int = 0,
                      p2: int = 0) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    up = net.leaf(
        "ConvTranspose2d", name, with_channels(x, c1), in_channels=c1, out_channels=c2, kernel_size=(k, k),
        stride=(s, s), padding=(p1, p1), output_padding=(p2, p2), groups=gcd(c1, c2),
    )  # fmt: skip
    up.type = "DWConvTranspose2d"
    return up


def RepConv(net: Net, name: str, x: Shape, c1: int, c2: int, k: int = 3, s: int = 1, p: int = 1, g: int = 1,
            d: int = 1, act: Any = True, bn: bool = False, deploy: bool = False) -> LayerResult:  # fmt: skip
    if not (k == 3 and p == 1):
        raise BuildError("RepConv asserts k == 3 and p == 1 (AssertionError in Ultralytics)")
    parts = []
    if bn and c2 == c1 and s == 1:
        parts.append(net.bn("bn", with_channels(x, c1)))
    conv1 = Conv(net, "conv1", x, c1, c2, k, s, p, g, act=False)
    conv2 = Conv(net, "conv2", x, c1, c2, 1, s, p - k // 2, g, act=False)
    y = conv1.output_shape
    # RepConv's own activation (its class attribute, SiLU), not the model's default
    act_layer = net.leaf("SiLU", "act", y) if act is True else net.identity("act", y)
    return net.group("RepConv", name, [act_layer, *parts, conv1, conv2], x, y)


def RepVGGDW(net: Net, name: str, x: Shape, ed: int) -> LayerResult:
    """A depth-wise 7×7 and a depth-wise 3×3 Conv (no activation) on ``ed`` channels, summed, then SiLU."""
    _int("ed", ed)
    conv = Conv(net, "conv", x, ed, ed, 7, 1, 3, g=ed, act=False)
    conv1 = Conv(net, "conv1", x, ed, ed, 3, 1, 1, g=ed, act=False)
    y = conv.output_shape
    return net.group("RepVGGDW", name, [conv, conv1, net.leaf("SiLU", "act", y)], x, y)


def Index(net: Net, name: str, x: Shape, index: int = 0) -> LayerResult:
    """Picks tensor ``index`` of a list (a TorchVision row with split=True): no parameters; the shape of the
    picked tensor is not known (the list's shapes are not), so it is None."""
    if not isinstance(index, int) or isinstance(index, bool):
        raise BuildError(f"Index's argument is the position of the tensor it picks, an integer, not {index!r}")
    return net.group("Index", name, [], x, None)


def LightConv(net: Net, name: str, x: Shape, c1: int, c2: int, k: int = 1, act: Any = None) -> LayerResult:
    act = "ReLU" if act is None else act
    conv1 = Conv(net, "conv1", x, c1, c2, 1, act=False)
    conv2 = DWConv(net, "conv2", conv1.output_shape, c2, c2, k, act=act)
    return net.group("LightConv", name, [conv1, conv2], x, conv2.output_shape)


def _int(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise BuildError(f"{name} must be a positive integer, not {value!r}")
