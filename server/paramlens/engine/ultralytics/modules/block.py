"""Ultralytics' blocks (``ultralytics/nn/modules/block.py``) as compositions of torch kinds and of the
convolution modules. Arguments are the constructor's, after ``parse_model``'s rewrites; sub-modules are
named as ``named_modules`` names them (``cv1``, ``m.0`` ...)."""

from __future__ import annotations

from typing import Any

from ... import compute, shapes
from ...analysis import LayerResult, Tensor
from ...shapes import Shape
from ..counting import counted
from ..net import BuildError, Net
from .conv import Conv, DWConv, GhostConv, LightConv, RepConv, _int, with_channels


def _positions(x: Shape) -> int | None:
    """N = H·W, the tokens attention runs over (None: a size is unknown)."""
    n = shapes.numel(x)
    return None if n is None else n // x[0]  # type: ignore[operator]


def _mul(n: int | None, times: int) -> int | None:
    return None if n is None else n * times


def _hw(x: Shape) -> tuple[Any, ...]:
    return tuple(x[1:])


def _c(x: Shape, c: int) -> Shape:
    return (c, *x[1:])


@counted
def Bottleneck(net: Net, name: str, x: Shape, c1: int, c2: int, shortcut: bool = True, g: int = 1,
               k: Any = (3, 3), e: float = 0.5) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    h = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, h, k[0], 1)
    cv2 = Conv(net, "cv2", cv1.output_shape, h, c2, k[1], 1, g=g)
    return net.group("Bottleneck", name, [cv1, cv2], x, cv2.output_shape)


def _m(name: str, i: int) -> str:
    return f"{name}.{i}"


def _split(net: Net, type: str, name: str, x: Shape, c1: int, c2: int, n: int, shortcut: bool, g: int, e: float,
           joined: int) -> LayerResult:  # fmt: skip
    """C2 and C2f: cv1 to 2c channels split in two, n bottlenecks on one half, cv2 from ``joined`` × c channels
    (C2: both halves; C2f: both and every bottleneck's output)."""
    _int("c2", c2)
    c = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, 2 * c, 1, 1)
    y = _c(cv1.output_shape, c)
    m = [Bottleneck(net, _m("m", i), y, c, c, shortcut, g, ((3, 3), (3, 3)), 1.0) for i in range(n)]
    cv2 = Conv(net, "cv2", _c(y, joined * c), joined * c, c2, 1)
    return net.group(type, name, [cv1, cv2, *m], x, cv2.output_shape)


def C2f(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = False, g: int = 1,
        e: float = 0.5) -> LayerResult:  # fmt: skip
    return _split(net, "C2f", name, x, c1, c2, n, shortcut, g, e, 2 + n)


def C2(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
       e: float = 0.5) -> LayerResult:  # fmt: skip
    return _split(net, "C2", name, x, c1, c2, n, shortcut, g, e, 2)


def _c3(net: Net, type: str, name: str, x: Shape, c1: int, c2: int, e: float, inner) -> LayerResult:
    _int("c2", c2)
    h = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, h, 1, 1)
    cv2 = Conv(net, "cv2", x, c1, h, 1, 1)
    y = cv1.output_shape
    cv3 = Conv(net, "cv3", _c(y, 2 * h), 2 * h, c2, 1)
    return net.group(type, name, [cv1, cv2, cv3, *inner(h, y)], x, cv3.output_shape)


def C3(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
       e: float = 0.5) -> LayerResult:  # fmt: skip
    def inner(h: int, y: Shape) -> list[LayerResult]:
        return [Bottleneck(net, _m("m", i), y, h, h, shortcut, g, ((1, 1), (3, 3)), 1.0) for i in range(n)]

    return _c3(net, "C3", name, x, c1, c2, e, inner)


def C3x(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
        e: float = 0.5) -> LayerResult:  # fmt: skip
    def inner(h: int, y: Shape) -> list[LayerResult]:
        return [Bottleneck(net, _m("m", i), y, h, h, shortcut, g, ((1, 3), (3, 1)), 1) for i in range(n)]

    return _c3(net, "C3x", name, x, c1, c2, e, inner)


@counted
def C3k(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
        e: float = 0.5, k: int = 3) -> LayerResult:  # fmt: skip
    def inner(h: int, y: Shape) -> list[LayerResult]:
        return [Bottleneck(net, _m("m", i), y, h, h, shortcut, g, (k, k), 1.0) for i in range(n)]

    return _c3(net, "C3k", name, x, c1, c2, e, inner)


def C3Ghost(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
            e: float = 0.5) -> LayerResult:  # fmt: skip
    def inner(h: int, y: Shape) -> list[LayerResult]:
        return [GhostBottleneck(net, _m("m", i), y, h, h) for i in range(n)]

    return _c3(net, "C3Ghost", name, x, c1, c2, e, inner)


def GhostBottleneck(net: Net, name: str, x: Shape, c1: int, c2: int, k: int = 3, s: int = 1) -> LayerResult:
    _int("c2", c2)
    q = c2 // 2
    g1 = GhostConv(net, "conv.0", x, c1, q, 1, 1)
    y = g1.output_shape
    parts = [g1]
    if s == 2:
        dw = DWConv(net, "conv.1", y, q, q, k, s, act=False)
        parts.append(dw)
        y = dw.output_shape
    else:
        parts.append(net.identity("conv.1", y))
    g2 = GhostConv(net, "conv.2", y, q, c2, 1, 1, act=False)
    parts.append(g2)
    if s == 2:
        sc1 = DWConv(net, "shortcut.0", x, c1, c1, k, s, act=False)
        parts += [sc1, Conv(net, "shortcut.1", sc1.output_shape, c1, c2, 1, 1, act=False)]
    else:
        parts.append(net.identity("shortcut", x))
    return net.group("GhostBottleneck", name, parts, x, g2.output_shape)


def SPPF(net: Net, name: str, x: Shape, c1: int, c2: int, k: int = 5, n: int = 3,
         shortcut: bool = False) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    h = c1 // 2
    # 8.4.190: cv1 is unactivated, except in rows of 3 arguments or fewer (legacy YAMLs), which get the default
    cv1 = Conv(net, "cv1", x, c1, h, 1, 1, act=net.sppf_legacy)
    y = cv1.output_shape
    cv2 = Conv(net, "cv2", _c(y, h * (n + 1)), h * (n + 1), c2, 1, 1)
    m = net.maxpool("m", y, k, 1, k // 2)
    out = net.group("SPPF", name, [cv1, cv2, m], x, cv2.output_shape)
    out.activations = compute.total([out.activations, _mul(m.activations, n - 1)])  # the one pool runs n times
    return out


def SPP(net: Net, name: str, x: Shape, c1: int, c2: int, k: Any = (5, 9, 13)) -> LayerResult:
    _int("c2", c2)
    h = c1 // 2
    cv1 = Conv(net, "cv1", x, c1, h, 1, 1)
    y = cv1.output_shape
    cv2 = Conv(net, "cv2", _c(y, h * (len(k) + 1)), h * (len(k) + 1), c2, 1, 1)
    m = [net.maxpool(_m("m", i), y, kk, 1, kk // 2) for i, kk in enumerate(k)]
    return net.group("SPP", name, [cv1, cv2, *m], x, cv2.output_shape)


def C1(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1) -> LayerResult:
    cv1 = Conv(net, "cv1", x, c1, c2, 1, 1)
    y = cv1.output_shape
    m = [Conv(net, _m("m", i), y, c2, c2, 3) for i in range(n)]
    return net.group("C1", name, [cv1, *m], x, y)


def RepC3(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 3, e: float = 1.0) -> LayerResult:
    _int("c2", c2)
    h = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, h, 1, 1)
    cv2 = Conv(net, "cv2", x, c1, h, 1, 1)
    y = cv1.output_shape
    m = [RepConv(net, _m("m", i), y, h, h) for i in range(n)]
    cv3 = Conv(net, "cv3", y, h, c2, 1, 1) if h != c2 else net.identity("cv3", y)
    return net.group("RepC3", name, [cv1, cv2, *m, cv3], x, cv3.output_shape)


def Attention(net: Net, name: str, x: Shape, dim: int, num_heads: int = 8, attn_ratio: float = 0.5) -> LayerResult:
    head_dim = dim // num_heads
    key_dim = int(head_dim * attn_ratio)
    h = dim + key_dim * num_heads * 2
    qkv = Conv(net, "qkv", x, dim, h, 1, act=False)
    proj = Conv(net, "proj", x, dim, dim, 1, act=False)
    pe = Conv(net, "pe", x, dim, dim, 3, 1, g=dim, act=False)
    # its own products over the N = H·W positions: QKᵀ (num_heads·N²·key_dim) and A·V (num_heads·N²·head_dim)
    n = _positions(x)
    own = None if n is None else num_heads * n * n * (key_dim + head_dim)
    return net.group("Attention", name, [qkv, proj, pe], x, x, own)


def PSABlock(net: Net, name: str, x: Shape, c: int, attn_ratio: float = 0.5, num_heads: int = 4,
             shortcut: bool = True) -> LayerResult:  # fmt: skip
    attn = Attention(net, "attn", x, c, num_heads, attn_ratio)
    f0 = Conv(net, "ffn.0", x, c, 2 * c, 1)
    f1 = Conv(net, "ffn.1", f0.output_shape, 2 * c, c, 1, act=False)
    return net.group("PSABlock", name, [attn, f0, f1], x, x)


def _same(c1: int, c2: int, module: str) -> None:
    if c1 != c2:
        raise BuildError(
            f"{module} keeps its width, but its input has {c1} channels and its c2 scales to {c2} (Ultralytics: a "
            f"bare AssertionError, `assert c1 == c2`). Give it the width of the row it takes, written before "
            "scaling (the same number as that row's c2)",
            "channel-mismatch",
        )


def C2PSA(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, e: float = 0.5) -> LayerResult:
    _same(c1, c2, "C2PSA")
    c = int(c1 * e)
    cv1 = Conv(net, "cv1", x, c1, 2 * c, 1, 1)
    y = _c(cv1.output_shape, c)
    cv2 = Conv(net, "cv2", _c(y, 2 * c), 2 * c, c1, 1)
    m = [PSABlock(net, _m("m", i), y, c, 0.5, max(c // 64, 1)) for i in range(n)]
    return net.group("C2PSA", name, [cv1, cv2, *m], x, cv2.output_shape)


def C2fPSA(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, e: float = 0.5) -> LayerResult:
    _same(c1, c2, "C2fPSA")
    c = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, 2 * c, 1, 1)
    y = _c(cv1.output_shape, c)
    cv2 = Conv(net, "cv2", _c(y, (2 + n) * c), (2 + n) * c, c2, 1)
    m = [PSABlock(net, _m("m", i), y, c, 0.5, max(c // 64, 1)) for i in range(n)]
    return net.group("C2fPSA", name, [cv1, cv2, *m], x, cv2.output_shape)


def PSA(net: Net, name: str, x: Shape, c1: int, c2: int, e: float = 0.5) -> LayerResult:
    _same(c1, c2, "PSA")
    c = int(c1 * e)
    cv1 = Conv(net, "cv1", x, c1, 2 * c, 1, 1)
    y = _c(cv1.output_shape, c)
    cv2 = Conv(net, "cv2", _c(y, 2 * c), 2 * c, c1, 1)
    attn = Attention(net, "attn", y, c, max(c // 64, 1), 0.5)
    f0 = Conv(net, "ffn.0", y, c, 2 * c, 1)
    f1 = Conv(net, "ffn.1", f0.output_shape, 2 * c, c, 1, act=False)
    return net.group("PSA", name, [cv1, cv2, attn, f0, f1], x, cv2.output_shape)


def C3k2(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, c3k: bool = False, e: float = 0.5,
         attn: bool = False, g: int = 1, shortcut: bool = True) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    c = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, 2 * c, 1, 1)
    y = _c(cv1.output_shape, c)
    cv2 = Conv(net, "cv2", _c(y, (2 + n) * c), (2 + n) * c, c2, 1)
    m: list[LayerResult] = []
    for i in range(n):
        if attn:
            b = Bottleneck(net, "0", y, c, c, shortcut, g)
            p = PSABlock(net, "1", y, c, 0.5, max(c // 64, 1))
            m.append(net.group("Sequential", _m("m", i), [b, p], y, y))
        elif c3k:
            m.append(C3k(net, _m("m", i), y, c, c, 2, shortcut, g))
        else:
            m.append(Bottleneck(net, _m("m", i), y, c, c, shortcut, g))
    return net.group("C3k2", name, [cv1, cv2, *m], x, cv2.output_shape)


def RepBottleneck(net: Net, name: str, x: Shape, c1: int, c2: int, shortcut: bool = True, g: int = 1,
                  k: Any = (3, 3), e: float = 0.5) -> LayerResult:  # fmt: skip
    h = int(c2 * e)
    cv1 = RepConv(net, "cv1", x, c1, h, k[0], 1)
    cv2 = Conv(net, "cv2", cv1.output_shape, h, c2, k[1], 1, g=g)
    return net.group("RepBottleneck", name, [cv1, cv2], x, cv2.output_shape)


def RepCSP(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
           e: float = 0.5) -> LayerResult:  # fmt: skip
    def inner(h: int, y: Shape) -> list[LayerResult]:
        return [RepBottleneck(net, _m("m", i), y, h, h, shortcut, g, e=1.0) for i in range(n)]

    return _c3(net, "RepCSP", name, x, c1, c2, e, inner)


def _even(c1: int, module: str) -> None:
    if c1 % 2:
        raise BuildError(
            f"{module} splits its input in two halves (chunk(2)), so it needs an even number of input channels, "
            f"not {c1}",
            "channel-mismatch",
        )


def RepNCSPELAN4(net: Net, name: str, x: Shape, c1: int, c2: int, c3: int, c4: int, n: int = 1) -> LayerResult:
    _int("c2", c2)
    cv1 = Conv(net, "cv1", x, c1, c3, 1, 1)
    y = cv1.output_shape
    r1 = RepCSP(net, "cv2.0", _c(y, c3 // 2), c3 // 2, c4, n)
    k1 = Conv(net, "cv2.1", r1.output_shape, c4, c4, 3, 1)
    r2 = RepCSP(net, "cv3.0", k1.output_shape, c4, c4, n)
    k2 = Conv(net, "cv3.1", r2.output_shape, c4, c4, 3, 1)
    cv4 = Conv(net, "cv4", _c(y, c3 + 2 * c4), c3 + 2 * c4, c2, 1, 1)
    return net.group("RepNCSPELAN4", name, [cv1, r1, k1, r2, k2, cv4], x, cv4.output_shape)


def ELAN1(net: Net, name: str, x: Shape, c1: int, c2: int, c3: int, c4: int) -> LayerResult:
    _int("c2", c2)
    cv1 = Conv(net, "cv1", x, c1, c3, 1, 1)
    y = cv1.output_shape
    cv2 = Conv(net, "cv2", _c(y, c3 // 2), c3 // 2, c4, 3, 1)
    cv3 = Conv(net, "cv3", cv2.output_shape, c4, c4, 3, 1)
    cv4 = Conv(net, "cv4", _c(y, c3 + 2 * c4), c3 + 2 * c4, c2, 1, 1)
    return net.group("ELAN1", name, [cv1, cv2, cv3, cv4], x, cv4.output_shape)


def AConv(net: Net, name: str, x: Shape, c1: int, c2: int) -> LayerResult:
    pooled = net.leaf("AvgPool2d", "avg_pool2d", x, kernel_size=(2, 2), stride=(1, 1), padding=(0, 0))
    cv1 = Conv(net, "cv1", pooled.output_shape, c1, c2, 3, 2, 1)
    result = net.group("AConv", name, [cv1], x, cv1.output_shape)
    return result


def ADown(net: Net, name: str, x: Shape, c1: int, c2: int) -> LayerResult:
    _int("c2", c2)
    _even(c1, "ADown")
    q = c2 // 2
    pooled = net.leaf("AvgPool2d", "avg_pool2d", _c(x, c1 // 2), kernel_size=(2, 2), stride=(1, 1), padding=(0, 0))
    cv1 = Conv(net, "cv1", pooled.output_shape, c1 // 2, q, 3, 2, 1)
    cv2 = Conv(net, "cv2", _c(cv1.output_shape, c1 // 2), c1 // 2, q, 1, 1, 0)
    return net.group("ADown", name, [cv1, cv2], x, _c(cv1.output_shape, 2 * q))


def SPPELAN(net: Net, name: str, x: Shape, c1: int, c2: int, c3: int, k: int = 5) -> LayerResult:
    _int("c2", c2)
    cv1 = Conv(net, "cv1", x, c1, c3, 1, 1)
    y = cv1.output_shape
    pools = [net.maxpool(f"cv{i}", y, k, 1, k // 2) for i in (2, 3, 4)]
    cv5 = Conv(net, "cv5", _c(y, 4 * c3), 4 * c3, c2, 1, 1)
    return net.group("SPPELAN", name, [cv1, *pools, cv5], x, cv5.output_shape)


def SCDown(net: Net, name: str, x: Shape, c1: int, c2: int, k: int, s: int) -> LayerResult:
    _int("c2", c2)
    cv1 = Conv(net, "cv1", x, c1, c2, 1, 1)
    cv2 = Conv(net, "cv2", cv1.output_shape, c2, c2, k, s, g=c2, act=False)
    return net.group("SCDown", name, [cv1, cv2], x, cv2.output_shape)


def RepVGGDW(net: Net, name: str, x: Shape, ed: int) -> LayerResult:
    conv = Conv(net, "conv", x, ed, ed, 7, 1, 3, g=ed, act=False)
    conv1 = Conv(net, "conv1", x, ed, ed, 3, 1, 1, g=ed, act=False)
    return net.group("RepVGGDW", name, [conv, conv1, net.leaf("SiLU", "act", x)], x, x)


def CIB(net: Net, name: str, x: Shape, c1: int, c2: int, shortcut: bool = True, e: float = 0.5,
        lk: bool = False) -> LayerResult:  # fmt: skip
    h = int(c2 * e)
    a = Conv(net, "cv1.0", x, c1, c1, 3, g=c1)
    b = Conv(net, "cv1.1", a.output_shape, c1, 2 * h, 1)
    y = b.output_shape
    mid = RepVGGDW(net, "cv1.2", y, 2 * h) if lk else Conv(net, "cv1.2", y, 2 * h, 2 * h, 3, g=2 * h)
    d = Conv(net, "cv1.3", y, 2 * h, c2, 1)
    f = Conv(net, "cv1.4", d.output_shape, c2, c2, 3, g=c2)
    return net.group("CIB", name, [a, b, mid, d, f], x, f.output_shape)


def C2fCIB(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = False, lk: bool = False,
           g: int = 1, e: float = 0.5) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    c = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, 2 * c, 1, 1)
    y = _c(cv1.output_shape, c)
    cv2 = Conv(net, "cv2", _c(y, (2 + n) * c), (2 + n) * c, c2, 1)
    m = [CIB(net, _m("m", i), y, c, c, shortcut, 1.0, lk) for i in range(n)]
    return net.group("C2fCIB", name, [cv1, cv2, *m], x, cv2.output_shape)


def AAttn(net: Net, name: str, x: Shape, dim: int, num_heads: int, area: int = 1) -> LayerResult:
    head_dim = dim // num_heads
    a = head_dim * num_heads
    qkv = Conv(net, "qkv", x, dim, 3 * a, 1, act=False)
    proj = Conv(net, "proj", _c(x, a), a, dim, 1, act=False)
    pe = Conv(net, "pe", _c(x, a), a, a, 7, 1, 3, g=a, act=False)
    # QKᵀ and A·V within each of the `area` areas of N / area positions: area·num_heads·(N/area)²·2·head_dim
    n = _positions(x)
    own = None if n is None or n % area else area * num_heads * (n // area) ** 2 * 2 * head_dim
    return net.group("AAttn", name, [qkv, proj, pe], x, x, own)


def ABlock(net: Net, name: str, x: Shape, dim: int, num_heads: int, mlp_ratio: float = 1.2,
           area: int = 1) -> LayerResult:  # fmt: skip
    attn = AAttn(net, "attn", x, dim, num_heads, area)
    hidden = int(dim * mlp_ratio)
    m0 = Conv(net, "mlp.0", x, dim, hidden, 1)
    m1 = Conv(net, "mlp.1", m0.output_shape, hidden, dim, 1, act=False)
    return net.group("ABlock", name, [attn, m0, m1], x, x)


def A2C2f(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, a2: bool = True, area: int = 1,
          residual: bool = False, mlp_ratio: float = 2.0, e: float = 0.5, g: int = 1,
          shortcut: bool = True) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    h = int(c2 * e)
    if h % 32:
        raise BuildError(
            f"A2C2f's hidden width c2 × e = {c2} × {e} = {h} must be a multiple of 32 (its attention heads are "
            "32 channels wide; AssertionError 'Dimension of ABlock must be a multiple of 32.' in Ultralytics). "
            "Use a c2 that scales to a multiple of 64",
            "invalid-arguments",
        )
    cv1 = Conv(net, "cv1", x, c1, h, 1, 1)
    y = cv1.output_shape
    cv2 = Conv(net, "cv2", _c(y, (1 + n) * h), (1 + n) * h, c2, 1)
    parts = [cv1, cv2]
    if a2 and residual:
        parts.append(net.tensors("gamma", "Parameter", None, None, Tensor("gamma", (c2,))))
    for i in range(n):
        if a2:
            blocks = [ABlock(net, str(j), y, h, h // 32, mlp_ratio, area) for j in range(2)]
            parts.append(net.group("Sequential", _m("m", i), blocks, y, y))
        else:
            parts.append(C3k(net, _m("m", i), y, h, h, 2, shortcut, g))
    return net.group("A2C2f", name, parts, x, cv2.output_shape)


def HGStem(net: Net, name: str, x: Shape, c1: int, cm: int, c2: int) -> LayerResult:
    s1 = Conv(net, "stem1", x, c1, cm, 3, 2, act="ReLU")
    y = s1.output_shape
    padded = (cm, *(None if v is None else v + 1 for v in y[1:]))  # F.pad([0, 1, 0, 1])
    s2a = Conv(net, "stem2a", padded, cm, cm // 2, 2, 1, 0, act="ReLU")
    y2 = s2a.output_shape
    s2b = Conv(net, "stem2b", (cm // 2, *(None if v is None else v + 1 for v in y2[1:])), cm // 2, cm, 2, 1, 0,
               act="ReLU")  # fmt: skip
    pool = net.maxpool("pool", padded, 2, 1, 0, ceil=True)
    s3 = Conv(net, "stem3", _c(y, 2 * cm), 2 * cm, cm, 3, 2, act="ReLU")
    s4 = Conv(net, "stem4", s3.output_shape, cm, c2, 1, 1, act="ReLU")
    return net.group("HGStem", name, [s1, s2a, s2b, s3, s4, pool], x, s4.output_shape)


def HGBlock(net: Net, name: str, x: Shape, c1: int, cm: int, c2: int, k: int = 3, n: int = 6,
            lightconv: bool = False, shortcut: bool = False, act: Any = None) -> LayerResult:  # fmt: skip
    act = "ReLU" if act is None else act
    block = LightConv if lightconv else Conv
    m = []
    y = x
    for i in range(n):
        b = block(net, _m("m", i), y, c1 if i == 0 else cm, cm, k=k, act=act)  # type: ignore[operator]
        m.append(b)
        y = b.output_shape
    sc = Conv(net, "sc", _c(y, c1 + n * cm), c1 + n * cm, c2 // 2, 1, 1, act=act)
    ec = Conv(net, "ec", sc.output_shape, c2 // 2, c2, 1, 1, act=act)
    return net.group("HGBlock", name, [*m, sc, ec], x, ec.output_shape)


def ResNetBlock(net: Net, name: str, x: Shape, c1: int, c2: int, s: int = 1, e: int = 4) -> LayerResult:
    c3 = e * c2
    cv1 = Conv(net, "cv1", x, c1, c2, 1, 1, act=True)
    cv2 = Conv(net, "cv2", cv1.output_shape, c2, c2, 3, s, 1, act=True)
    cv3 = Conv(net, "cv3", cv2.output_shape, c2, c3, 1, act=False)
    parts = [cv1, cv2, cv3]
    if s != 1 or c1 != c3:
        parts.append(Conv(net, "shortcut.0", x, c1, c3, 1, s, act=False))
    else:
        parts.append(net.identity("shortcut", x))
    return net.group("ResNetBlock", name, parts, x, cv3.output_shape)


def ResNetLayer(net: Net, name: str, x: Shape, c1: int, c2: int, s: int = 1, is_first: bool = False, n: int = 1,
                e: int = 4) -> LayerResult:  # fmt: skip
    if is_first:
        conv = Conv(net, "layer.0", x, c1, c2, 7, 2, 3, act=True)
        pool = net.maxpool("layer.1", conv.output_shape, 3, 2, 1)
        return net.group("ResNetLayer", name, [conv, pool], x, pool.output_shape)
    blocks = [ResNetBlock(net, "layer.0", x, c1, c2, s, e)]
    for i in range(n - 1):
        blocks.append(ResNetBlock(net, f"layer.{i + 1}", blocks[-1].output_shape, e * c2, c2, 1, e))
    return net.group("ResNetLayer", name, blocks, x, blocks[-1].output_shape)


def CBLinear(net: Net, name: str, x: Shape, c1: int, c2s: Any, k: int = 1, s: int = 1, p: Any = None,
             g: int = 1) -> LayerResult:  # fmt: skip
    from ..net import autopad

    if not isinstance(c2s, list) or not c2s or not all(isinstance(c, int) and c > 0 for c in c2s):
        raise BuildError(f"CBLinear's first argument is the list of its output widths, not {c2s!r}")
    conv = net.conv2d("conv", with_channels(x, c1), sum(c2s), k, s, autopad(k, p), g, bias=True)
    return net.group("CBLinear", name, [conv], x, None)  # a tuple of tensors, one per width


def C2fAttn(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, ec: int = 128, nh: int = 1,
            gc: int = 512, shortcut: bool = False, g: int = 1, e: float = 0.5) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    c = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, 2 * c, 1, 1)
    y = _c(cv1.output_shape, c)
    cv2 = Conv(net, "cv2", _c(y, (3 + n) * c), (3 + n) * c, c2, 1)
    m = [Bottleneck(net, _m("m", i), y, c, c, shortcut, g, ((3, 3), (3, 3)), 1.0) for i in range(n)]
    parts = []
    if c != ec:
        parts.append(Conv(net, "ec", y, c, ec, 1, act=False))
    parts.append(net.leaf("Linear", "gl", (gc,), in_features=gc, out_features=ec))
    parts.append(net.tensors("bias", "Parameter", None, None, Tensor("bias", (nh,))))
    parts.append(Conv(net, "proj_conv", y, c, c, 3, 1, act=False))
    attn = net.group("MaxSigmoidAttnBlock", "attn", parts, y, y, own=None)  # over the run-time text embeddings: ?
    attn.activations = None  # `gl` projects those embeddings, one per class name given at run time
    return net.group("C2fAttn", name, [cv1, cv2, *m, attn], x, cv2.output_shape)


def ImagePoolingAttn(net: Net, name: str, x: Shape, ec: int = 256, ch: Any = (), ct: int = 512, nh: int = 8,
                     k: int = 3, scale: bool = False) -> LayerResult:  # fmt: skip
    parts = [
        net.layernorm("query.0", (ct,)), net.leaf("Linear", "query.1", (ct,), in_features=ct, out_features=ec),
        net.layernorm("key.0", (ec,)), net.leaf("Linear", "key.1", (ec,), in_features=ec, out_features=ec),
        net.layernorm("value.0", (ec,)), net.leaf("Linear", "value.1", (ec,), in_features=ec, out_features=ec),
        net.leaf("Linear", "proj", (ec,), in_features=ec, out_features=ct),
    ]  # fmt: skip
    if scale:
        parts.append(net.tensors("scale", "Parameter", None, None, Tensor("scale", (1,))))
    for i, c in enumerate(ch):
        parts.append(net.conv2d(f"projections.{i}", (c, None, None), ec, 1))
    return net.group("ImagePoolingAttn", name, parts, None, None)


def C3TR(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
         e: float = 0.5) -> LayerResult:  # fmt: skip
    def inner(h: int, y: Shape) -> list[LayerResult]:
        if h % 4:
            raise BuildError(f"C3TR's transformer has 4 heads: its hidden width {h} must be divisible by 4")
        t = (_positions(y), h)  # the tokens: [H·W, h]
        layers = []
        for i in range(n):
            parts = [net.leaf("Linear", k, t, in_features=h, out_features=h, bias=False) for k in ("q", "k", "v")]
            parts.append(net.leaf("MultiheadAttention", "ma", t, embed_dim=h, num_heads=4, batch_first=False))
            parts += [net.leaf("Linear", k, t, in_features=h, out_features=h, bias=False) for k in ("fc1", "fc2")]
            layers.append(net.group("TransformerLayer", f"tr.{i}", parts, t, t))
        linear = net.leaf("Linear", "linear", t, in_features=h, out_features=h)
        return [net.group("TransformerBlock", "m", [linear, *layers], y, y)]

    return _c3(net, "C3TR", name, x, c1, c2, e, inner)


def BottleneckCSP(net: Net, name: str, x: Shape, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
                  e: float = 0.5) -> LayerResult:  # fmt: skip
    _int("c2", c2)
    h = int(c2 * e)
    cv1 = Conv(net, "cv1", x, c1, h, 1, 1)
    y = cv1.output_shape
    cv2 = net.conv2d("cv2", with_channels(x, c1), h, 1, bias=False)
    cv3 = net.conv2d("cv3", y, h, 1, bias=False)
    cv4 = Conv(net, "cv4", _c(y, 2 * h), 2 * h, c2, 1, 1)
    bn = net.bn("bn", _c(y, 2 * h))
    act = net.leaf("SiLU", "act", _c(y, 2 * h))
    m = [Bottleneck(net, _m("m", i), y, h, h, shortcut, g, e=1.0) for i in range(n)]
    return net.group("BottleneckCSP", name, [cv1, cv2, cv3, cv4, bn, act, *m], x, cv4.output_shape)


# torchvision backbones as a TorchVision row builds them (unwrapped, the last `truncate` children cut):
# (model, truncate) -> (parameters, output channels, output stride); measured with torchvision 0.28
_TORCHVISION = {("resnet18", 2): (11_176_512, 512, 32)}


def TorchVision(net: Net, name: str, x: Shape, model: Any, weights: Any = "DEFAULT", unwrap: bool = True,
                truncate: int = 2, split: bool = False) -> LayerResult:  # fmt: skip
    known = _TORCHVISION.get((model, truncate)) if unwrap and not split else None
    if known is None:
        raise BuildError(
            f"paramlens knows the counts of {', '.join(m for m, _t in _TORCHVISION)} (unwrapped, truncate 2) only; "
            f"torchvision's {model!r} here is unknown (?)",
            "unsupported-module",
        )
    count, c2, stride = known
    out = (c2, *(None if v is None else -(-v // stride) for v in x[1:]))
    body = net.tensors("m", str(model), x, out)
    body.param_count = body.trainable_count = count
    body.macs = body.activations = None  # torchvision's layers are not walked
    body.notes = (f"torchvision.models.{model} without its last {truncate} children: {count:,} parameters",)
    return net.group("TorchVision", name, [body], x, out)
