"""Sequence layers over [L, H_in]: RNN, LSTM, GRU, MultiheadAttention (as self-attention) and
TransformerEncoderLayer."""

from __future__ import annotations

from ..context import LayerContext
from ..registry import Arg, Kind, register
from ..shapes import Shape, rank
from .common import BIAS, divisor_hint

_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _sequence_shape(c: LayerContext, features: int) -> Shape | None:
    inp = c.inp
    if inp is None or rank(inp) is None:
        return (..., features)
    return (*inp[:-1], features)


def _recurrent_rule(name: str):
    gates = _GATES[name]
    gate_text = {1: "", 3: "3 × ", 4: "4 × "}[gates]

    def rule(c: LayerContext) -> None:
        I, H, layers, bias = c["input_size"], c["hidden_size"], c["num_layers"], c["bias"]  # noqa: E741
        D = 2 if c["bidirectional"] else 1
        P = c["proj_size"] if name == "LSTM" else 0
        if P and P >= H:
            c.fail(f"proj_size ({P}) must be smaller than hidden_size ({H}).", "proj_size")
        if c["dropout"] and layers == 1:
            c.note("dropout acts between stacked layers; with num_layers 1 it has no effect (PyTorch warns).")
        H_r = P or H
        G = gates * H
        for layer in range(layers):
            width = I if layer == 0 else D * H_r
            for suffix in ("", "_reverse")[:D]:
                c.param(f"weight_ih_l{layer}{suffix}", G, width)
                c.param(f"weight_hh_l{layer}{suffix}", G, H_r)
                if bias:
                    c.param(f"bias_ih_l{layer}{suffix}", G)
                    c.param(f"bias_hh_l{layer}{suffix}", G)
                if P:
                    c.param(f"weight_hr_l{layer}{suffix}", P, H)
        first = f"{gate_text}H × (I + {'P' if P else 'H'}{' + 2' if bias else ''})"
        first_num = f"{gate_text}{H} × ({I} + {H_r}{' + 2' if bias else ''})"
        sym, num = first, first_num
        if P:
            sym, num = f"{sym} + P × H", f"{num} + {P} × {H}"
        if layers > 1:
            h = "P" if P else "H"
            later = f"{gate_text}H × ({'D·' if D > 1 else ''}{h} + {h}{' + 2' if bias else ''})"
            later_num = f"{gate_text}{H} × ({D * H_r} + {H_r}{' + 2' if bias else ''})"
            if P:
                later, later_num = f"{later} + P × H", f"{later_num} + {P} × {H}"
            sym = f"{sym} + (num_layers − 1) × ({later})"
            num = f"{num} + {layers - 1} × ({later_num})"
        if D == 2:
            sym, num = f"2 × ({sym})", f"2 × ({num})"
        c.count(sym, num)
        if name != "GRU" and bias:  # Keras' GRU (reset_after, its default) keeps two bias vectors, as PyTorch
            keras = "SimpleRNN" if name == "RNN" else name
            c.note(
                f"Keras' {keras} keeps one bias vector per gate set instead of PyTorch's two, "
                f"so Keras reports {layers * D * G:,} fewer parameters for the same layer."
            )
        steps = c.inp[0] if c.inp is not None and rank(c.inp) == 2 else None
        if steps is not None:
            widths = [I if layer == 0 else D * H_r for layer in range(layers)]
            per_step = [G * (w + H_r) + P * H for w in widths]
            terms = [f"{G} × ({w} + {H_r})" + (f" + {P} × {H}" if P else "") for w in widths]
            c.macs(
                "D × T × Σ_layers (G·H × (I_l + H_r)" + (" + P × H)" if P else ")"),
                f"{D} × {steps} × ({' + '.join(terms)})" if layers > 1 or P else f"{D} × {steps} × {terms[0]}",
                D * steps * sum(per_step),  # type: ignore[operator]
            )
        out = D * H_r
        if c["return_sequences"]:
            c.output(_sequence_shape(c, out))
        else:
            c.output((out,))

    return rule


def _rnn_args(name: str) -> tuple[Arg, ...]:
    args = [
        Arg(
            "input_size",
            "count",
            None,
            "Features per time step; inferred from the input's last dimension.",
            infer="last",
        ),
        Arg("hidden_size", "count", doc="Features of the hidden state.", aliases=("units",)),
        Arg("num_layers", "count", 1, "Stacked recurrent layers."),
        BIAS,
        Arg("batch_first", "bool", True, "Layout of batched tensors (exported as batch-first; no effect on counts)."),
        Arg("dropout", "prob", 0.0, "Dropout between stacked layers."),
        Arg("bidirectional", "bool", False, "Run forwards and backwards; doubles the output features."),
        Arg("return_sequences", "bool", True, "Keras: output every step [L, D·H] (true) or only the last [D·H]."),
    ]
    if name == "LSTM":
        args.append(Arg("proj_size", "nonneg", 0, "Project the hidden state to this size (LSTM with projections)."))
    if name == "RNN":
        args.append(Arg("nonlinearity", "choice", "tanh", "The activation.", choices=("tanh", "relu")))
    return tuple(args)


def _mha_rule(c: LayerContext) -> None:
    E, heads, bias = c["embed_dim"], c["num_heads"], c["bias"]
    kdim = c["kdim"] if c["kdim"] is not None else E
    vdim = c["vdim"] if c["vdim"] is not None else E
    if E % heads:
        c.fail(
            f"embed_dim ({E}) must be divisible by num_heads ({heads}). {divisor_hint('num_heads', heads, E)}",
            "num_heads",
        )
    same = kdim == E and vdim == E  # PyTorch packs the three projections into one tensor only then
    if same:
        c.param("in_proj_weight", 3 * E, E)
    else:
        c.param("q_proj_weight", E, E)
        c.param("k_proj_weight", E, kdim)
        c.param("v_proj_weight", E, vdim)
    if bias:
        c.param("in_proj_bias", 3 * E)
    c.param("out_proj.weight", E, E)
    if bias:
        c.param("out_proj.bias", E)
    if c["add_bias_kv"]:
        c.param("bias_k", 1, 1, E)
        c.param("bias_v", 1, 1, E)
    kv = " + 2E (bias_k, bias_v)" if c["add_bias_kv"] else ""
    kv_num = f" + 2 × {E}" if c["add_bias_kv"] else ""
    if same:
        sym, num = ("4E² + 4E" if bias else "4E²"), (f"4 × {E}² + 4 × {E}" if bias else f"4 × {E}²")
    else:
        sym = "2E² + E·kdim + E·vdim" + (" + 4E" if bias else "")
        num = f"2 × {E}² + {E} × {kdim} + {E} × {vdim}" + (f" + 4 × {E}" if bias else "")
    c.count(sym + kv, num + kv_num)
    # checked after the count, which follows from the arguments alone (issue 13)
    for arg, value in (("kdim", kdim), ("vdim", vdim)):
        if value != E:
            c.fail(
                f"{arg} ({value}) differs from embed_dim ({E}), but used as self-attention in a chain the keys "
                f"and values are the input itself, of {E} features. Remove {arg} or make it {E}.",
                arg,
                "channel-mismatch",
            )
    c.output(c.inp if c.inp is not None else (..., E))
    L = c.inp[0] if c.inp is not None and rank(c.inp) == 2 else None
    if L is not None:
        keys = L + bool(c["add_bias_kv"]) + bool(c["add_zero_attn"])
        c.macs(
            "4 × L × E² + 2 × L × L_k × E (projections, QKᵀ and A·V; L_k counts bias_kv and zero_attn)",
            f"4 × {L} × {E}² + 2 × {L} × {keys} × {E}",
            4 * L * E * E + 2 * L * keys * E,
        )


def _encoder_rule(c: LayerContext) -> None:
    E, heads, ff, bias = c["d_model"], c["nhead"], c["dim_feedforward"], c["bias"]
    if E % heads:
        c.fail(f"d_model ({E}) must be divisible by nhead ({heads}). {divisor_hint('nhead', heads, E)}", "nhead")
    c.param("self_attn.in_proj_weight", 3 * E, E)
    if bias:
        c.param("self_attn.in_proj_bias", 3 * E)
    c.param("self_attn.out_proj.weight", E, E)
    if bias:
        c.param("self_attn.out_proj.bias", E)
    c.param("linear1.weight", ff, E)
    if bias:
        c.param("linear1.bias", ff)
    c.param("linear2.weight", E, ff)
    if bias:
        c.param("linear2.bias", E)
    for norm in ("norm1", "norm2"):
        c.param(f"{norm}.weight", E)
        if bias:
            c.param(f"{norm}.bias", E)
    if bias:
        c.count("(4E² + 4E) + (2E·ff + ff + E) + 4E", f"(4 × {E}² + 4 × {E}) + (2 × {E} × {ff} + {ff} + {E}) + 4 × {E}")
    else:
        c.count("4E² + 2E·ff + 2E", f"4 × {E}² + 2 × {E} × {ff} + 2 × {E}")
    c.output(c.inp if c.inp is not None else (..., E))
    T = c.inp[0] if c.inp is not None and rank(c.inp) == 2 else None
    if T is not None:
        c.macs(
            "4 × T × E² + 2 × T² × E + 2 × T × E × ff (attention, then the feed-forward)",
            f"4 × {T} × {E}² + 2 × {T}² × {E} + 2 × {T} × {E} × {ff}",
            4 * T * E * E + 2 * T * T * E + 2 * T * E * ff,
        )


register(
    *(
        Kind(
            name,
            "recurrent",
            {
                "RNN": "Elman recurrent layer (tanh or ReLU) over a sequence [L, H_in].",
                "LSTM": "Long short-term memory over a sequence [L, H_in]: four gates, optional projections.",
                "GRU": "Gated recurrent unit over a sequence [L, H_in]: three gates.",
            }[name],
            _recurrent_rule(name),
            _rnn_args(name),
            aliases=("SimpleRNN",) if name == "RNN" else (),
            ranks=(2,),
            formula=f"D × Σ_layers {_GATES[name]}H(I_l + H + 2)",
            torch=name,
            macs=f"D × T × Σ_layers {_GATES[name]}H × (I_l + H)"
            + (" (+ P × H with proj_size)" if name == "LSTM" else ""),
            saves="unknown",
            field="sequence",
        )
        for name in ("RNN", "LSTM", "GRU")
    ),
    Kind(
        "MultiheadAttention",
        "attention",
        "Multi-head self-attention over a sequence [L, E]: query, key and value are the input.",
        _mha_rule,
        (
            Arg("embed_dim", "count", None, "Model width E; inferred from the input's last dimension.", infer="last"),
            Arg("num_heads", "count", doc="Parallel heads; must divide embed_dim."),
            Arg("dropout", "prob", 0.0, "Dropout on attention weights."),
            BIAS,
            Arg("add_bias_kv", "bool", False, "Learn a bias appended to keys and values."),
            Arg("add_zero_attn", "bool", False, "Append a zero batch to keys and values."),
            Arg("kdim", "count", None, "Key features (must equal embed_dim in self-attention)."),
            Arg("vdim", "count", None, "Value features (must equal embed_dim in self-attention)."),
            Arg("batch_first", "bool", True, "Layout of batched tensors (exported as batch-first)."),
        ),
        ranks=(2,),
        formula="4E² + 4E",
        torch="MultiheadAttention",
        macs="4 × L × E² + 2 × L × L_k × E",
        saves="unknown",
        field="sequence",
    ),
    Kind(
        "TransformerEncoderLayer",
        "attention",
        "A Transformer encoder block over [L, d_model]: self-attention and a feed-forward network, "
        "each with a residual connection and LayerNorm.",
        _encoder_rule,
        (
            Arg("d_model", "count", None, "Model width; inferred from the input's last dimension.", infer="last"),
            Arg("nhead", "count", doc="Attention heads; must divide d_model.", aliases=("num_heads",)),
            Arg("dim_feedforward", "count", 2048, "Width of the feed-forward network."),
            Arg("dropout", "prob", 0.1, "Dropout."),
            Arg("activation", "choice", "relu", "Feed-forward activation.", choices=("relu", "gelu")),
            Arg("layer_norm_eps", "float", 1e-5, "LayerNorm's eps."),
            Arg("batch_first", "bool", True, "Layout of batched tensors (exported as batch-first)."),
            Arg("norm_first", "bool", False, "LayerNorm before attention and feed-forward (pre-LN)."),
            BIAS,
        ),
        ranks=(2,),
        formula="4E² + 4E + 2E·ff + ff + E + 4E",
        torch="TransformerEncoderLayer",
        macs="4 × T × E² + 2 × T² × E + 2 × T × E × ff",
        saves="unknown",
        field="sequence",
    ),
)
