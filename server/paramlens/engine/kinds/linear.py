"""Linear (Keras' Dense) and Embedding."""

from __future__ import annotations

from ..context import LayerContext
from ..registry import Arg, Kind, register
from ..shapes import rank, with_last
from .common import BIAS, record_macs


def _linear_rule(c: LayerContext) -> None:
    fin, fout, bias = c["in_features"], c["out_features"], c["bias"]
    c.param("weight", fout, fin)
    if bias:
        c.param("bias", fout)
    c.count(
        "in_features × out_features + out_features" if bias else "in_features × out_features",
        f"{fin} × {fout} + {fout}" if bias else f"{fin} × {fout}",
    )
    c.output(with_last(c.inp if c.inp is not None else None, fout))
    r = rank(c.inp)
    if r is not None:
        rows = list(c.inp[:-1])  # type: ignore[index]
        symbols = [f"d{i}" for i in range(len(rows))]
        record_macs(c, [*symbols, "in_features", "out_features"], [*rows, fin, fout])


def _embedding_rule(c: LayerContext) -> None:
    v, d = c["num_embeddings"], c["embedding_dim"]
    if c["padding_idx"] is not None and not -v <= c["padding_idx"] < v:
        c.fail(f"padding_idx must be within num_embeddings ({v}): between {-v} and {v - 1}.", "padding_idx")
    c.param("weight", v, d)
    c.count("num_embeddings × embedding_dim", f"{v} × {d}")
    inp = c.inp
    c.output((*inp, d) if inp is not None else (..., d))


register(
    Kind(
        "Linear",
        "linear",
        "Fully connected layer y = xWᵀ + b, applied to the last dimension of its input.",
        _linear_rule,
        (
            Arg("in_features", "count", None, "Size of the input's last dimension; inferred.", infer="last"),
            Arg("out_features", "count", doc="Size of each output sample.", aliases=("units",)),
            BIAS,
        ),
        aliases=("Dense",),
        formula="in_features × out_features + out_features",
        torch="Linear",
        macs="Π(leading dims) × in_features × out_features",
        field="mix",
    ),
    Kind(
        "Embedding",
        "linear",
        "A lookup table of num_embeddings vectors of size embedding_dim; input [L] of token indices "
        "gives [L, embedding_dim].",
        _embedding_rule,
        (
            Arg("num_embeddings", "count", doc="Size of the vocabulary.", aliases=("input_dim",)),
            Arg("embedding_dim", "count", doc="Size of each embedding vector.", aliases=("output_dim",)),
            Arg("padding_idx", "int", None, "An index whose vector is not updated (no effect on counts)."),
            Arg("max_norm", "float", None, "Renormalise vectors longer than this."),
            Arg("norm_type", "float", 2.0, "The p of the p-norm for max_norm."),
            Arg("scale_grad_by_freq", "bool", False, "Scale gradients by inverse word frequency."),
            Arg("sparse", "bool", False, "Sparse gradients."),
        ),
        formula="num_embeddings × embedding_dim",
        torch="Embedding",
        macs="0 (a lookup: no dense product)",
        saves="token-indices",
    ),
)
