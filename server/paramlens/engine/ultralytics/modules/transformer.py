"""RT-DETR's modules (``ultralytics/nn/modules/transformer.py`` and its decoder head): AIFI, the
encoder layer over a flattened feature map, and RTDETRDecoder."""

from __future__ import annotations

from typing import Any

from ... import shapes
from ...analysis import LayerResult
from ...shapes import Shape
from ..net import BuildError, Net, runs, training_only


def AIFI(net: Net, name: str, x: Shape, c1: int, cm: int = 2048, num_heads: int = 8, dropout: float = 0,
         act: Any = None, normalize_before: bool = False) -> LayerResult:  # fmt: skip
    if c1 % 4:
        raise BuildError(f"AIFI's 2-D sine position embedding needs input channels divisible by 4, not {c1}")
    if not isinstance(num_heads, int) or num_heads <= 0 or c1 % num_heads:
        raise BuildError(f"AIFI's {c1} channels must be divisible by num_heads ({num_heads})")
    n = shapes.numel(x)
    t = (None if n is None else n // c1, c1)  # the flattened map: [H·W, c1] tokens
    wide = (t[0], cm)
    parts = [
        net.leaf("MultiheadAttention", "ma", t, embed_dim=c1, num_heads=num_heads),
        net.leaf("Linear", "fc1", t, in_features=c1, out_features=cm),
        net.leaf("Linear", "fc2", wide, in_features=cm, out_features=c1),
        net.layernorm("norm1", t),
        net.layernorm("norm2", t),
        net.leaf("Dropout", "dropout", wide, p=0.0),  # the feed-forward's, after the activation
        net.leaf("Dropout", "dropout1", t, p=0.0),
        net.leaf("Dropout", "dropout2", t, p=0.0),
        net.leaf("GELU", "act", wide),
    ]
    # its own products: the 2-D sine-cosine position embedding's two outer products, [N, 1] @ [1, c1/4]
    own = None if t[0] is None else 2 * t[0] * (c1 // 4)
    return net.group("AIFI", name, parts, x, (c1, *x[1:]), own)


def _mlp(net: Net, name: str, i: int, h: int, o: int, layers: int, n: int | None) -> LayerResult:
    """Ultralytics' MLP over ``n`` tokens; its one ReLU runs after every layer but the last."""
    dims = [i, *[h] * (layers - 1)]
    outs = [*[h] * (layers - 1), o]
    parts = [
        net.leaf("Linear", f"layers.{k}", (n, a), in_features=a, out_features=b)
        for k, (a, b) in enumerate(zip(dims, outs, strict=True))
    ]
    act = net.leaf("ReLU", "act", (n, h))
    act.activations = None if act.activations is None else act.activations * (layers - 1)
    parts += [act, net.identity("out_norm", (n, o))]
    return net.group("MLP", name, parts, (n, i), (n, o))


def RTDETRDecoder(net: Net, name: str, xs: list[Shape], nc: int = 80, ch: Any = (512, 1024, 2048), hd: int = 256,
                  nq: int = 300, ndp: int = 4, nh: int = 8, ndl: int = 6, d_ffn: int = 1024, dropout: float = 0.0,
                  act: Any = None, eval_idx: int = -1, nd: int = 100, label_noise_ratio: float = 0.5,
                  box_noise_scale: float = 1.0, learnt_init_query: bool = False) -> LayerResult:  # fmt: skip
    for label, v in (("nc", nc), ("hd", hd), ("nq", nq), ("ndp", ndp), ("nh", nh), ("ndl", ndl), ("d_ffn", d_ffn)):
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise BuildError(f"RTDETRDecoder's {label} must be a positive integer, not {v!r}")
    if hd % nh:
        raise BuildError(f"RTDETRDecoder's hidden width hd ({hd}) must be divisible by its heads nh ({nh})")
    nl = len(ch)
    # the eval forward pass: the levels' A = Σ H·W positions as tokens, the k = min(nq, A) best as queries
    anchors: int | None = 0
    for x in xs:
        n = shapes.numel(x)
        anchors = None if n is None or anchors is None else anchors + n // x[0]  # type: ignore[operator]
    k = None if anchors is None else min(nq, anchors)
    t, a_t = (k, hd), (anchors, hd)
    parts: list[LayerResult] = []
    for i, (c, x) in enumerate(zip(ch, xs, strict=False)):
        y = (c, *x[1:])
        conv = net.conv2d("0", y, hd, 1, bias=False)
        parts.append(net.group("Sequential", f"input_proj.{i}", [conv, net.bn("1", conv.output_shape)], y, None))
    layers = []
    for j in range(ndl):
        attn = net.leaf("MultiheadAttention", "self_attn", t, embed_dim=hd, num_heads=nh, batch_first=False)
        cross = net.group("MSDeformAttn", "cross_attn", [
            net.leaf("Linear", "sampling_offsets", t, in_features=hd, out_features=nh * nl * ndp * 2),
            net.leaf("Linear", "attention_weights", t, in_features=hd, out_features=nh * nl * ndp),
            net.leaf("Linear", "value_proj", a_t, in_features=hd, out_features=hd),  # over every position
            net.leaf("Linear", "output_proj", t, in_features=hd, out_features=hd),
        ], t, t)  # fmt: skip  (its sampling is grid_sample and a weighted sum: no dense product)
        wide = (k, d_ffn)
        layer = [
            attn, net.leaf("Dropout", "dropout1", t, p=0.0), net.layernorm("norm1", t), cross,
            net.leaf("Dropout", "dropout2", t, p=0.0), net.layernorm("norm2", t),
            net.leaf("Linear", "linear1", t, in_features=hd, out_features=d_ffn), net.leaf("ReLU", "act", wide),
            net.leaf("Dropout", "dropout3", wide, p=0.0),
            net.leaf("Linear", "linear2", wide, in_features=d_ffn, out_features=hd),
            net.leaf("Dropout", "dropout4", t, p=0.0), net.layernorm("norm3", t),
        ]  # fmt: skip
        layers.append(net.group("DeformableTransformerDecoderLayer", f"layers.{j}", layer, t, t))
    parts.append(net.group("DeformableTransformerDecoder", "decoder", layers, t, t))
    unused = "its weight is read, the module is not called: no MACs or outputs"
    parts.append(runs(net.leaf("Embedding", "denoising_class_embed", None, num_embeddings=nc, embedding_dim=hd), 0,
                      unused))  # fmt: skip
    if learnt_init_query:
        parts.append(runs(net.leaf("Embedding", "tgt_embed", None, num_embeddings=nq, embedding_dim=hd), 0, unused))
    # one module, called by every decoder layer
    parts.append(runs(_mlp(net, "query_pos_head", 4, 2 * hd, hd, 2, k), ndl, f"called by each of the {ndl} layers"))
    enc = [net.leaf("Linear", "0", a_t, in_features=hd, out_features=hd), net.layernorm("1", a_t)]
    parts.append(net.group("Sequential", "enc_output", enc, a_t, a_t))
    parts.append(net.leaf("Linear", "enc_score_head", a_t, in_features=hd, out_features=nc))
    parts.append(_mlp(net, "enc_bbox_head", hd, hd, 4, 3, k))
    for j in range(ndl):  # in eval only the last layer's scores are computed
        score = net.leaf("Linear", f"dec_score_head.{j}", t, in_features=hd, out_features=nc)
        parts.append(score if j == ndl - 1 else training_only(score))
    parts += [_mlp(net, f"dec_bbox_head.{j}", hd, hd, 4, 3, k) for j in range(ndl)]
    return net.group("RTDETRDecoder", name, parts, None, None)
