"""Ultralytics' heads (``ultralytics/nn/modules/head.py``): Detect and its task variants, v10Detect,
Classify. Each takes the widths of its `from` rows (``ch``) and their shapes; their outputs are tuples,
so a head's output shape is unknown (None)."""

from __future__ import annotations

from copy import copy
from typing import Any

from ... import shapes
from ...analysis import LayerResult, Tensor
from ...shapes import Shape
from ..net import BuildError, Net, training_only
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


def _dfl(net: Net, reg_max: int, cv2: list[LayerResult]) -> list[LayerResult]:
    """DFL as the eval forward runs it: the box logits of all A anchors (every position of every level, the
    inputs of ``cv2``) as a [reg_max, 4, A] map, softmax, a frozen 1×1 conv to [1, 4, A]."""
    anchors: int | None = 0
    for branch in cv2:
        n = shapes.numel(branch.input_shape)
        anchors = None if n is None or anchors is None else anchors + n // branch.input_shape[0]  # type: ignore[index]
    if reg_max <= 1:
        return [net.identity("dfl", (4, anchors))]
    conv = net.conv2d("conv", (reg_max, 4, anchors), 1, 1, bias=False, trainable=False)
    return [net.group("DFL", "dfl", [conv], None, None)]


def _copy(net: Net, parts: list[LayerResult], prefix: str) -> list[LayerResult]:
    """``copy.deepcopy`` of a branch list as `one2one_*` (end2end heads)."""
    out = []
    for p in parts:
        q = copy(p)  # the same sub-modules (equal, as deep copies are), under another name
        q.name = prefix + (p.name or "")
        out.append(q)
    return out


def Detect(net: Net, name: str, xs: list[Shape], nc: int = 80, reg_max: int = 16, end2end: Any = False,
           ch: Any = (), type: str = "Detect") -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, type)
    xs = _shapes(xs, ch)
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    parts = [*cv2, *cv3, *_dfl(net, reg_max, cv2)]
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
    semseg = training_only(_seq(net, "semseg", [s0, s1, net.conv2d("2", s1.output_shape, nc, 1)], x0))
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
    parts = [*cv2, *cv3, *_dfl(net, reg_max, cv2)]
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


def _with_own(net: Net, cv2: list[LayerResult], cv3: list[LayerResult], reg_max: int, end2end: Any,
              own: list[LayerResult], copied: list[list[LayerResult]]) -> list[LayerResult]:  # fmt: skip
    """A Detect subclass's parts in the order Ultralytics registers them: Detect's box and class branches and DFL,
    with end2end their ``one2one_`` copies, then the head's own branches and, with end2end, copies of ``copied``."""
    parts = [*cv2, *cv3, *_dfl(net, reg_max, cv2)]
    if end2end:
        parts += _copy(net, cv2, "one2one_") + _copy(net, cv3, "one2one_")
    parts += own
    if end2end:
        for branch in copied:
            parts += _copy(net, branch, "one2one_")
    return parts


def _pose_start(net: Net, type: str, xs: list[Shape], nc: int, kpt_shape: Any, reg_max: int,
                ch: Any) -> tuple[list[Shape], list[int], int, int, list[LayerResult], list[LayerResult]]:  # fmt: skip
    """Pose and Pose26: the checked widths and input shapes, the keypoints and their dims, Detect's branches."""
    ch = _check_ch(ch, type)
    xs = _shapes(xs, ch)
    k, d = _kpt(kpt_shape)
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    return xs, ch, k, d, cv2, cv3


def Pose(net: Net, name: str, xs: list[Shape], nc: int = 80, kpt_shape: Any = (17, 3), reg_max: int = 16,
         end2end: Any = False, ch: Any = ()) -> LayerResult:  # fmt: skip
    xs, ch, k, d, cv2, cv3 = _pose_start(net, "Pose", xs, nc, kpt_shape, reg_max, ch)
    nk = k * d
    cv4 = _cv4(net, xs, max(ch[0] // 4, nk), nk)
    return net.group("Pose", name, _with_own(net, cv2, cv3, reg_max, end2end, cv4, [cv4]), None, None)


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
    xs, ch, k, d, cv2, cv3 = _pose_start(net, "Pose26", xs, nc, kpt_shape, reg_max, ch)
    nk = k * d
    c4 = max(ch[0] // 4, k * (d + 2))
    cv4 = []
    for i, x in enumerate(xs):
        a = Conv(net, "0", x, x[0], c4, 3)
        cv4.append(_seq(net, f"cv4.{i}", [a, Conv(net, "1", a.output_shape, c4, c4, 3)], x))
    y = [(c4, *x[1:]) for x in xs]
    kpts = [net.conv2d(f"cv4_kpts.{i}", x, nk, 1) for i, x in enumerate(y)]
    sigma = [training_only(net.conv2d(f"cv4_sigma.{i}", x, k * 2, 1)) for i, x in enumerate(y)]
    own = [training_only(_realnvp(net)), *cv4, *kpts, *sigma]
    return net.group("Pose26", name, _with_own(net, cv2, cv3, reg_max, end2end, own, [cv4, kpts, sigma]), None, None)


def OBB(net: Net, name: str, xs: list[Shape], nc: int = 80, ne: int = 1, reg_max: int = 16, end2end: Any = False,
        ch: Any = (), type: str = "OBB") -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, type)
    xs = _shapes(xs, ch)
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy)
    cv4 = _cv4(net, xs, max(ch[0] // 4, ne), ne)
    return net.group(type, name, _with_own(net, cv2, cv3, reg_max, end2end, cv4, [cv4]), None, None)


def OBB26(net: Net, name: str, xs: list[Shape], nc: int = 80, ne: int = 1, reg_max: int = 16, end2end: Any = False,
          ch: Any = ()) -> LayerResult:  # fmt: skip
    return OBB(net, name, xs, nc, ne, reg_max, end2end, ch, "OBB26")


def v10Detect(net: Net, name: str, xs: list[Shape], nc: int = 80, ch: Any = ()) -> LayerResult:
    ch = _check_ch(ch, "v10Detect")
    xs = _shapes(xs, ch)
    cv2, cv3 = _detect_parts(net, xs, nc, 16, ch, legacy=False, dw=None)
    parts = [*cv2, *cv3, *_dfl(net, 16, cv2), *_copy(net, cv2, "one2one_"), *_copy(net, cv3, "one2one_")]
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




def _contrastive(net: Net, name: str, embed: int, with_bn: bool) -> LayerResult:
    """(BN)ContrastiveHead: a bias and a logit scale (and a BatchNorm2d of the embedding)."""
    parts = [net.bn("norm", (embed, None, None))] if with_bn else []
    parts += [
        net.tensors("bias", "Parameter", None, None, Tensor("bias", (1,))),
        net.tensors("logit_scale", "Parameter", None, None, Tensor("logit_scale", ())),
    ]
    return net.group("BNContrastiveHead" if with_bn else "ContrastiveHead", name, parts, None, None)


def WorldDetect(net: Net, name: str, xs: list[Shape], nc: int = 80, embed: int = 512, with_bn: bool = False,
                reg_max: int = 16, end2end: Any = False, ch: Any = ()) -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, "WorldDetect")
    if end2end:  # its one-to-one class branch copies Detect's, whose form is process-wide state
        raise BuildError(
            "paramlens does not count an end2end WorldDetect: its one-to-one copy of the class branch takes "
            "Detect's form (the v8 one or the depth-wise one) from Ultralytics' process-wide Detect.legacy, set by "
            "the models built before it in the same process, so this row's parameters are unknown (?). Without "
            "end2end it is counted",
            "unsupported-module",
        )
    xs = _shapes(xs, ch)
    cv2, _cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=True)
    c3 = max(ch[0], min(nc, 100))
    cv3 = [_branch(net, f"cv3.{i}", x, c3, embed) for i, x in enumerate(xs)]
    cv4 = [_contrastive(net, f"cv4.{i}", embed, with_bn) for i in range(len(xs))]
    parts = [*cv2, *cv3, *_dfl(net, reg_max, cv2), *cv4]
    out = net.group("WorldDetect", name, parts, None, None, own=None)  # its products with the run-time text: ?
    out.activations = None
    return out


def _savpe(net: Net, xs: list[Shape], ch: list[int], c3: int, embed: int) -> LayerResult:
    parts: list[LayerResult] = []
    for i, x in enumerate(xs):
        a = Conv(net, "0", x, ch[i], c3, 3)
        b = Conv(net, "1", a.output_shape, c3, c3, 3)
        up = net.upsample("2", b.output_shape, float(i * 2)) if i in (1, 2) else net.identity("2", b.output_shape)
        parts.append(_seq(net, f"cv1.{i}", [a, b, up], x))
    for i, x in enumerate(xs):
        a = Conv(net, "0", x, ch[i], c3, 1)
        up = net.upsample("1", a.output_shape, float(i * 2)) if i in (1, 2) else net.identity("1", a.output_shape)
        parts.append(_seq(net, f"cv2.{i}", [a, up], x))
    parts.append(net.conv2d("cv3", (3 * c3, None, None), embed, 1))
    parts.append(net.conv2d("cv4", (3 * c3, None, None), 16, 3, p=1))
    parts.append(net.conv2d("cv5", (1, None, None), 16, 3, p=1))
    a = Conv(net, "0", (32, None, None), 32, 16, 3)
    parts.append(_seq(net, "cv6", [a, net.conv2d("1", (16, None, None), 16, 3, p=1)], (32, None, None)))
    return net.group("SAVPE", "savpe", parts, None, None)


def _yoloe(net: Net, xs: list[Shape], nc: int, embed: int, with_bn: Any, reg_max: int, end2end: Any,
           ch: list[int], type: str) -> list[LayerResult]:  # fmt: skip
    c3 = max(ch[0], min(nc, 100))
    if c3 > embed:
        raise BuildError(f"{type} asserts c3 = max(ch[0], min(nc, 100)) = {c3} <= embed ({embed})")
    if not with_bn:
        raise BuildError(f"{type} asserts with_bn (AssertionError in Ultralytics)")
    cv2, cv3 = _detect_parts(net, xs, nc, reg_max, ch, legacy=net.legacy, cls_out=embed)
    cv4 = [_contrastive(net, f"cv4.{i}", embed, True) for i in range(len(xs))]
    parts = [*cv2, *cv3, *_dfl(net, reg_max, cv2)]
    if end2end:
        parts += _copy(net, cv2, "one2one_") + _copy(net, cv3, "one2one_")
    parts += cv4
    if end2end:
        parts += _copy(net, cv4, "one2one_")
    t = (embed,)
    w12 = net.leaf("Linear", "w12", t, in_features=embed, out_features=4 * embed)
    w3 = net.leaf("Linear", "w3", (2 * embed,), in_features=2 * embed, out_features=embed)
    swiglu = net.group("SwiGLUFFN", "m", [w12, w3], t, t)
    parts.append(net.group("Residual", "reprta", [swiglu], t, t))
    parts.append(_savpe(net, xs, ch, c3, embed))
    return parts


def YOLOEDetect(net: Net, name: str, xs: list[Shape], nc: int = 80, embed: int = 512, with_bn: bool = True,
                reg_max: int = 16, end2end: Any = False, ch: Any = ()) -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, "YOLOEDetect")
    xs = _shapes(xs, ch)
    return net.group("YOLOEDetect", name, _yoloe(net, xs, nc, embed, with_bn, reg_max, end2end, ch, "YOLOEDetect"),
                     None, None)  # fmt: skip


def YOLOESegment(net: Net, name: str, xs: list[Shape], nc: int = 80, nm: int = 32, npr: int = 256,
                 embed: int = 512, with_bn: bool = True, reg_max: int = 16, end2end: Any = False, ch: Any = (),
                 type: str = "YOLOESegment") -> LayerResult:  # fmt: skip
    ch = _check_ch(ch, type)
    xs = _shapes(xs, ch)
    parts = _yoloe(net, xs, nc, embed, with_bn, reg_max, end2end, ch, type)
    if type == "YOLOESegment26":
        parts.append(Proto26_(net, "proto", xs, ch, npr, nm, nc))
    else:
        parts.append(Proto(net, "proto", xs[0], ch[0], npr, nm))
    cv5 = _cv4(net, xs, max(ch[0] // 4, nm), nm, "cv5")
    parts += cv5
    if end2end:
        parts += _copy(net, cv5, "one2one_")
    return net.group(type, name, parts, None, None)


def YOLOESegment26(net: Net, name: str, xs: list[Shape], nc: int = 80, nm: int = 32, npr: int = 256,
                   embed: int = 512, with_bn: bool = True, reg_max: int = 16, end2end: Any = False,
                   ch: Any = ()) -> LayerResult:  # fmt: skip
    return YOLOESegment(net, name, xs, nc, nm, npr, embed, with_bn, reg_max, end2end, ch, "YOLOESegment26")


def SemanticSegment(net: Net, name: str, xs: list[Shape], nc: int = 19, ch: Any = ()) -> LayerResult:
    ch = _check_ch(ch, "SemanticSegment")
    xs = _shapes(xs, ch)
    c = ch[0]
    a = Conv(net, "0", xs[0], c, c, 3)
    parts = [_seq(net, "classifier", [a, net.conv2d("1", a.output_shape, nc, 1)], xs[0])]
    if len(ch) > 1:
        b = Conv(net, "0", xs[1], ch[1], c, 3)
        parts.append(training_only(_seq(net, "aux_head", [b, net.conv2d("1", b.output_shape, nc, 1)], xs[1])))
    return net.group("SemanticSegment", name, parts, None, None)


def Depth(net: Net, name: str, xs: list[Shape], c_mid: int = 256, ch: Any = ()) -> LayerResult:
    ch = _check_ch(ch, "Depth")
    xs = _shapes(xs, ch)
    cm = c_mid
    parts = [Conv(net, f"proj.{i}", x, x[0], cm, 1) for i, x in enumerate(xs)]
    for i, x in enumerate(xs[:-1]):
        a = Conv(net, "0", (cm, *x[1:]), cm, cm, 3)
        parts.append(_seq(net, f"refine.{i}", [a, Conv(net, "1", a.output_shape, cm, cm, 3)], a.input_shape))
    h0 = Conv(net, "0", (cm, *xs[0][1:]), cm, cm // 2, 3)  # the levels fused up to the first one's size
    up = net.leaf(
        "ConvTranspose2d", "1", h0.output_shape, in_channels=cm // 2, out_channels=cm // 2, kernel_size=(2, 2),
        stride=(2, 2), padding=(0, 0), bias=True,
    )  # fmt: skip
    h2 = Conv(net, "2", up.output_shape, cm // 2, cm // 4, 3)
    parts.append(_seq(net, "head", [h0, up, h2, net.conv2d("3", h2.output_shape, 1, 1)], h0.input_shape))
    calib = net.tensors("cal", "Buffers", None, None)
    calib.buffers = (Tensor("cal_a", (1,), False), Tensor("cal_b", (1,), False))
    calib.buffer_count = 2
    parts.append(calib)
    return net.group("Depth", name, parts, None, None)
