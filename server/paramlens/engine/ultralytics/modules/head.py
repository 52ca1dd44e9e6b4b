"""Ultralytics' heads (``ultralytics/nn/modules/head.py``): Detect and its task variants, v10Detect,
Classify. Each takes the widths of its `from` rows (``ch``) and their shapes; their outputs are tuples,
so a head's output shape is unknown (None)."""

from __future__ import annotations

from typing import Any

from ...analysis import LayerResult
from ...shapes import Shape
from ..net import BuildError, Net
from .conv import Conv, DWConv


def _shapes(xs: list[Shape], ch: list[int]) -> list[Shape]:
    return [(c, *x[1:]) for x, c in zip(xs, ch, strict=True)]


def _seq(net: Net, name: str, parts: list[LayerResult], x: Shape) -> LayerResult:
    return net.group("Sequential", name, parts, x, parts[-1].output_shape)


def _branch(net: Net, name: str, x: Shape, c: int, out: int) -> LayerResult:
    """Conv 3×3, Conv 3×3, Conv2d 1×1 with bias: one box/class/mask branch of one level."""
    a = Conv(net, "0", x, x[0], c, 3)
    b = Conv(net, "1", a.output_shape, c, c, 3)
    return _seq(net, name, [a, b, net.conv2d("2", b.output_shape, out, 1)], x)


def _cls_dw(net: Net, name: str, x: Shape, c3: int, out: int, dw: Any = DWConv) -> LayerResult:
    """The depthwise classification branch of v10/11/12/26 (not legacy)."""
    c = x[0]
    a0 = dw(net, "0", x, c, c, 3) if dw is DWConv else Conv(net, "0", x, c, c, 3, g=c)
    a1 = Conv(net, "1", a0.output_shape, c, c3, 1)
    a = _seq(net, "0", [a0, a1], x)
    b0 = dw(net, "0", a.output_shape, c3, c3, 3) if dw is DWConv else Conv(net, "0", a.output_shape, c3, c3, 3, g=c3)
    b1 = Conv(net, "1", b0.output_shape, c3, c3, 1)
    b = _seq(net, "1", [b0, b1], a.output_shape)
    return _seq(net, name, [a, b, net.conv2d("2", b.output_shape, out, 1)], x)


def _check_ch(ch: Any, module: str) -> list[int]:
    if not isinstance(ch, list | tuple) or not ch or not all(isinstance(c, int) and c > 0 for c in ch):
        raise BuildError(f"{module} needs the widths of its input rows, not {ch!r}")
    return list(ch)


def _detect_parts(
    net: Net, xs: list[Shape], nc: int, reg_max: int, ch: list[int], *, legacy: bool, cls_out: int | None = None,
    dw: Any = DWConv,
) -> tuple[list[LayerResult], list[LayerResult]]:
    if not isinstance(nc, int) or isinstance(nc, bool) or nc <= 0:
        raise BuildError(f"nc (the number of classes) must be a positive integer, not {nc!r}")
    if not isinstance(reg_max, int) or isinstance(reg_max, bool) or reg_max <= 0:
        raise BuildError(f"reg_max must be a positive integer, not {reg_max!r}")
    c2, c3 = max(16, ch[0] // 4, reg_max * 4), max(ch[0], min(nc, 100))
    out = nc if cls_out is None else cls_out
    cv2 = [_branch(net, f"cv2.{i}", x, c2, 4 * reg_max) for i, x in enumerate(xs)]
    if legacy:
        cv3 = [_branch(net, f"cv3.{i}", x, c3, out) for i, x in enumerate(xs)]
    else:
        cv3 = [_cls_dw(net, f"cv3.{i}", x, c3, out, dw) for i, x in enumerate(xs)]
    return cv2, cv3


def _dfl(net: Net, reg_max: int) -> list[LayerResult]:
    if reg_max <= 1:
        return [net.identity("dfl", (1,))]
    conv = net.conv2d("conv", (reg_max, None, None), 1, 1, bias=False, trainable=False)
    return [net.group("DFL", "dfl", [conv], None, None)]


def _copy(net: Net, parts: list[LayerResult], prefix: str) -> list[LayerResult]:
    """``copy.deepcopy`` of a branch list as `one2one_*` (end2end heads)."""
    out = []
    for p in parts:
        q = net.group(p.type, prefix + p.name, list(p.children), p.input_shape, p.output_shape)  # type: ignore[operator]
        out.append(q)
    return out


def Detect(net: Net, name: str, xs: list[Shape], nc: int = 80, reg_max: int = 16, end2end: Any = False,
           ch: Any = (), type: str = "Detect") -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, type)
    xs = _shapes(xs, ch)
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    parts = [*cv2, *cv3, *_dfl(net, reg_max)]
    if end2end:
        parts += _copy(net, cv2, "one2one_") + _copy(net, cv3, "one2one_")
    return net.group(type, name, parts, None, None)


def _cv4(net: Net, xs: list[Shape], c4: int, out: int, prefix: str = "cv4") -> list[LayerResult]:
    return [_branch(net, f"{prefix}.{i}", x, c4, out) for i, x in enumerate(xs)]


def Proto(net: Net, name: str, x: Shape, c1: int, c_: int = 256, c2: int = 32) -> LayerResult:
    cv1 = Conv(net, "cv1", x, c1, c_, 3)
    up = net.leaf(
        "ConvTranspose2d", "upsample", cv1.output_shape, in_channels=c_, out_channels=c_, kernel_size=(2, 2),
        stride=(2, 2), padding=(0, 0), bias=True,
    )  # fmt: skip
    cv2 = Conv(net, "cv2", up.output_shape, c_, c_, 3)
    cv3 = Conv(net, "cv3", cv2.output_shape, c_, c2)
    return net.group("Proto", name, [cv1, up, cv2, cv3], x, cv3.output_shape)


def Proto26_(net: Net, name: str, xs: list[Shape], ch: list[int], c_: int, c2: int, nc: int) -> LayerResult:
    """Proto over a c_-wide input, plus the refinement of every level into ch[0] and a semantic branch."""
    x0 = xs[0]
    base = Proto(net, name, (c_, *x0[1:]), c_, c_, c2)
    refine = [Conv(net, f"feat_refine.{i}", x, x[0], ch[0], 1) for i, x in enumerate(xs[1:])]
    fuse = Conv(net, "feat_fuse", x0, ch[0], c_, 3)
    s0 = Conv(net, "0", x0, ch[0], c_, 3)
    s1 = Conv(net, "1", s0.output_shape, c_, c_, 3)
    semseg = _seq(net, "semseg", [s0, s1, net.conv2d("2", s1.output_shape, nc, 1)], x0)
    return net.group("Proto26", name, [*base.children, *refine, fuse, semseg], x0, None)


def Segment(net: Net, name: str, xs: list[Shape], nc: int = 80, nm: int = 32, npr: int = 256, reg_max: int = 16,
            end2end: Any = False, ch: Any = (), type: str = "Segment") -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, type)
    xs = _shapes(xs, ch)
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    if type == "Segment26":
        proto = Proto26_(net, "proto", xs, ch, npr, nm, nc)
    else:
        proto = Proto(net, "proto", xs[0], ch[0], npr, nm)
    cv4 = _cv4(net, xs, max(ch[0] // 4, nm), nm)
    parts = [*cv2, *cv3, *_dfl(net, reg_max)]
    if end2end:
        parts += _copy(net, cv2, "one2one_") + _copy(net, cv3, "one2one_")
    parts += [proto, *cv4]
    if end2end:
        parts += _copy(net, cv4, "one2one_")
    return net.group(type, name, parts, None, None)


def Segment26(net: Net, name: str, xs: list[Shape], nc: int = 80, nm: int = 32, npr: int = 256, reg_max: int = 16,
              end2end: Any = False, ch: Any = ()) -> LayerResult:  # fmt: skip
    return Segment(net, name, xs, nc, nm, npr, reg_max, end2end, ch, "Segment26")


def _kpt(kpt_shape: Any) -> tuple[int, int]:
    if (
        not isinstance(kpt_shape, list | tuple) or len(kpt_shape) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in kpt_shape)
    ):  # fmt: skip
        raise BuildError(f"kpt_shape must be [keypoints, dims] (e.g. [17, 3]), not {kpt_shape!r}")
    return kpt_shape[0], kpt_shape[1]


def Pose(net: Net, name: str, xs: list[Shape], nc: int = 80, kpt_shape: Any = (17, 3), reg_max: int = 16,
         end2end: Any = False, ch: Any = ()) -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, "Pose")
    xs = _shapes(xs, ch)
    k, d = _kpt(kpt_shape)
    nk = k * d
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    cv4 = _cv4(net, xs, max(ch[0] // 4, nk), nk)
    parts = [*cv2, *cv3, *_dfl(net, reg_max)]
    if end2end:
        parts += _copy(net, cv2, "one2one_") + _copy(net, cv3, "one2one_")
    parts += cv4
    if end2end:
        parts += _copy(net, cv4, "one2one_")
    return net.group("Pose", name, parts, None, None)


def _realnvp(net: Net) -> LayerResult:
    """Pose26's RealNVP flow: 6 coupling layers, each an `s` and a `t` MLP 2 → 64 → 64 → 2."""
    def mlp(name: str, tanh: bool) -> LayerResult:
        l0 = net.leaf("Linear", "0", (2,), in_features=2, out_features=64)
        a0 = net.leaf("LeakyReLU", "1", (64,))
        l1 = net.leaf("Linear", "2", (64,), in_features=64, out_features=64)
        a1 = net.leaf("LeakyReLU", "3", (64,))
        l2 = net.leaf("Linear", "4", (64,), in_features=64, out_features=2)
        parts = [l0, a0, l1, a1, l2] + ([net.leaf("Tanh", "5", (2,))] if tanh else [])
        return net.group("Sequential", name, parts, (2,), (2,))

    parts = [mlp(f"s.{i}", True) for i in range(6)] + [mlp(f"t.{i}", False) for i in range(6)]
    return net.group("RealNVP", "flow_model", parts, None, None)


def Pose26(net: Net, name: str, xs: list[Shape], nc: int = 80, kpt_shape: Any = (17, 3), reg_max: int = 16,
           end2end: Any = False, ch: Any = ()) -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, "Pose26")
    xs = _shapes(xs, ch)
    k, d = _kpt(kpt_shape)
    nk = k * d
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    c4 = max(ch[0] // 4, k * (d + 2))
    cv4 = []
    for i, x in enumerate(xs):
        a = Conv(net, "0", x, x[0], c4, 3)
        cv4.append(_seq(net, f"cv4.{i}", [a, Conv(net, "1", a.output_shape, c4, c4, 3)], x))
    y = [(c4, *x[1:]) for x in xs]
    kpts = [net.conv2d(f"cv4_kpts.{i}", x, nk, 1) for i, x in enumerate(y)]
    sigma = [net.conv2d(f"cv4_sigma.{i}", x, k * 2, 1) for i, x in enumerate(y)]
    parts = [*cv2, *cv3, *_dfl(net, reg_max)]
    if end2end:
        parts += _copy(net, cv2, "one2one_") + _copy(net, cv3, "one2one_")
    parts += [_realnvp(net), *cv4, *kpts, *sigma]
    if end2end:
        parts += _copy(net, cv4, "one2one_") + _copy(net, kpts, "one2one_") + _copy(net, sigma, "one2one_")
    return net.group("Pose26", name, parts, None, None)


def OBB(net: Net, name: str, xs: list[Shape], nc: int = 80, ne: int = 1, reg_max: int = 16, end2end: Any = False,
        ch: Any = (), type: str = "OBB") -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, type)
    xs = _shapes(xs, ch)
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    cv4 = _cv4(net, xs, max(ch[0] // 4, ne), ne)
    parts = [*cv2, *cv3, *_dfl(net, reg_max)]
    if end2end:
        parts += _copy(net, cv2, "one2one_") + _copy(net, cv3, "one2one_")
    parts += cv4
    if end2end:
        parts += _copy(net, cv4, "one2one_")
    return net.group(type, name, parts, None, None)


def OBB26(net: Net, name: str, xs: list[Shape], nc: int = 80, ne: int = 1, reg_max: int = 16, end2end: Any = False,
          ch: Any = ()) -> LayerResult:  # fmt: skip
    return OBB(net, name, xs, nc, ne, reg_max, end2end, ch, "OBB26")


def v10Detect(net: Net, name: str, xs: list[Shape], nc: int = 80, ch: Any = ()) -> LayerResult:
    ch = _check_ch(ch, "v10Detect")
    xs = _shapes(xs, ch)
    cv2, cv3 = _detect_parts(net, xs, nc, 16, ch, legacy=False, dw=None)
    parts = [*cv2, *cv3, *_dfl(net, 16), *_copy(net, cv2, "one2one_"), *_copy(net, cv3, "one2one_")]
    return net.group("v10Detect", name, parts, None, None)


def Classify(net: Net, name: str, x: Shape, c1: int, c2: int, k: Any = 1, s: Any = 1, p: Any = None,
             g: int = 1) -> LayerResult:  # fmt: skip
    if not isinstance(c2, int) or isinstance(c2, bool) or c2 <= 0:
        raise BuildError(f"Classify's c2 is the number of classes, a positive integer, not {c2!r}")
    conv = Conv(net, "conv", x, c1, 1280, k, s, p, g)
    pool = net.leaf("AdaptiveAvgPool2d", "pool", conv.output_shape, output_size=(1, 1))
    drop = net.leaf("Dropout", "drop", (1280,), p=0.0, inplace=True)
    linear = net.leaf("Linear", "linear", (1280,), in_features=1280, out_features=c2)
    return net.group("Classify", name, [conv, pool, drop, linear], x, None)


