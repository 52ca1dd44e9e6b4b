"""Building a row's module from its rewritten arguments: Ultralytics' modules by their builders, torch layers
by their kinds, ``n`` copies for a non-repeat module, and the cache of modules already built."""

from __future__ import annotations

from typing import Any

from .. import registry, shapes
from ..analysis import LayerResult, Severity
from ..context import LayerContext, RuleError
from ..registry import Module
from ..source import node_span
from .common import HEADS, NOT_A_MAP, make_divisible, number, printed, said
from .net import BuildError, leaf_macs
from .rows import Row

# torch.nn classes paramlens counts with its own kinds, and the module file torch defines them in
_TORCH_FILES = {
    "Conv1d": "conv", "Conv2d": "conv", "Conv3d": "conv", "ConvTranspose1d": "conv", "ConvTranspose2d": "conv",
    "ConvTranspose3d": "conv", "Linear": "linear", "Identity": "linear", "Bilinear": "linear",
    "BatchNorm1d": "batchnorm", "BatchNorm2d": "batchnorm", "BatchNorm3d": "batchnorm",
    "InstanceNorm1d": "instancenorm", "InstanceNorm2d": "instancenorm", "InstanceNorm3d": "instancenorm",
    "LayerNorm": "normalization", "GroupNorm": "normalization", "LocalResponseNorm": "normalization",
    "RMSNorm": "normalization", "Upsample": "upsampling", "Flatten": "flatten", "Unflatten": "flatten",
    "PixelShuffle": "pixelshuffle", "PixelUnshuffle": "pixelshuffle", "Embedding": "sparse",
    "MultiheadAttention": "activation", "RNN": "rnn", "LSTM": "rnn", "GRU": "rnn",
    "TransformerEncoderLayer": "transformer", "ZeroPad2d": "padding",
}  # fmt: skip
for _pool in ("MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool"):
    for _d in ("1d", "2d", "3d"):
        _TORCH_FILES[_pool + _d] = "pooling"
for _drop in ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"):
    _TORCH_FILES[_drop] = "dropout"
for _act in ("ReLU", "ReLU6", "SiLU", "GELU", "Sigmoid", "Tanh", "LeakyReLU", "Hardswish", "Hardsigmoid", "PReLU",
             "ELU", "SELU", "CELU", "Mish", "Softmax", "LogSoftmax", "Softplus", "Hardtanh", "Hardshrink",
             "Softshrink", "Tanhshrink", "Threshold", "GLU", "LogSigmoid", "Softsign", "Softmin", "Softmax2d",
             "RReLU"):  # fmt: skip
    _TORCH_FILES[_act] = "activation"


_BUILT: dict[tuple[Any, ...], LayerResult] = {}  # modules built, by what they depend on (see _Walk.cached)
_BUILT_MAX = 4096


def torch_path(name: str) -> str | None:
    """The class path Ultralytics prints for ``nn.<name>`` (``torch.nn.modules.conv.Conv2d``); None for a layer
    whose file in torch.nn.modules paramlens does not know (no guess)."""
    file = _TORCH_FILES.get(name)
    return f"torch.nn.modules.{file}.{name}" if file else None


class Building:
    """The module building of :class:`walk._Walk` (a mixin)."""

    def build(self, row: Row, result: LayerResult, info: dict[str, Any], module: Module, f: Any, n: int,
              args: list[Any], sources: tuple[int, ...]) -> Any:  # fmt: skip
        """Build the row's module (n copies of it for n > 1); returns its real output."""
        i = row.index
        m = module.name
        xs = self.inputs(sources, i)
        if m == "Concat":
            return self.concat(row, result, args, xs, sources)
        if m == "CBFuse":
            result.param_count = result.trainable_count = result.buffer_count = result.macs = 0
            out = xs[-1] if xs[-1] is not NOT_A_MAP else None
            result.input_shape = result.output_shape = out
            result.activations = shapes.numel(out)  # resized maps added up: no dense product
            return out
        if m == "ImagePoolingAttn":
            self.report(
                "unknown-shape",
                "ImagePoolingAttn returns the text embeddings, one per class name given at run time (not in this "
                "file): its output shape is not shown.",
                node_span(row.module_node), Severity.INFORMATION,
            )  # fmt: skip
        if m == "Index":
            self.report(
                "unknown-shape",
                "Index picks one tensor of the list its input row returns (a TorchVision row with split=True); "
                "paramlens does not know that list's shapes, so this row's output shape is not shown. It has no "
                "parameters; the rows after it are counted with the width written as its first argument.",
                node_span(row.module_node), Severity.INFORMATION,
            )  # fmt: skip
        if module.build is None:
            self.report(
                "unsupported-module",
                f"paramlens does not count {m} yet: this row's parameters and output are unknown (?). The rows "
                "after it are counted with the width Ultralytics records for it.",
                node_span(row.module_node), Severity.WARNING,
            )  # fmt: skip
            result.param_count = result.trainable_count = result.buffer_count = None
            return None
        head = module.branch in ("detect", "append_ch", "insert_ch", "depth")
        for x, span, s in zip(xs, row.from_spans(), sources, strict=False):
            if x is NOT_A_MAP or (isinstance(x, tuple) and len(x) != 3):
                what = "a head" if self.rows[s].module in HEADS else "not a single feature map"
                if isinstance(x, tuple):
                    what = f"a tensor of shape {'×'.join(map(str, x))}, not a C×H×W feature map"
                self.report(
                    "invalid-from",
                    f"{m} needs feature maps, but row {s} ({self.rows[s].module}) outputs {what}. "
                    f"Point `from` at a backbone or neck row.",
                    span,
                )
                result.param_count = result.trainable_count = result.buffer_count = None
                return None
        builder = getattr(module.build, "__wrapped__", module.build)  # a `counted` builder: its own signature
        code = builder.__code__
        most = code.co_argcount - 3
        least = most - len(builder.__defaults__ or ())
        if m in ("Detect", "Segment", "Pose", "OBB") and "type" in code.co_varnames[: code.co_argcount]:
            most -= 1
        if len(args) > most or len(args) < least:
            self.report("invalid-arguments", _arity(module, row, args, least, most), info["args_span"])
            result.param_count = result.trainable_count = result.buffer_count = None
            return None
        if head:
            widths = [self.ch[x] for x in f]
            shapes_in = [x if isinstance(x, tuple) else (w, None, None) for x, w in zip(xs, widths, strict=True)]
            self.check_widths(row, m, xs, widths, sources)
            try:
                built = self.cached(module, m, shapes_in, args)
            except BuildError as exc:
                return self.failed(row, result, info, m, exc)
            except (TypeError, ValueError, IndexError, ZeroDivisionError, AttributeError, KeyError) as exc:
                return self.failed(row, result, info, m, BuildError(f"these arguments do not build: {exc}"))
            self.adopt(result, built, built.children)
            return NOT_A_MAP
        x = xs[0]
        c1 = args[0] if module.branch != "torchvision" else (x[0] if isinstance(x, tuple) else None)
        if x is not None and c1 is not None and isinstance(x, tuple) and x[0] != c1:
            self.channel_mismatch(row, m, c1, x, sources[0])
        spatial = tuple(x[1:]) if isinstance(x, tuple) else (None, None)
        copies = []
        y: Any = (c1, *spatial)
        self.net.sppf_legacy = len(args) <= 3
        try:
            for k in range(n):
                if module.branch == "torchvision":  # its own input: no width is injected
                    part = self.cached(module, m, x if isinstance(x, tuple) else (None, None, None), args)
                    y = part.output_shape
                    copies.append(part)
                    continue
                part = self.cached(module, str(k) if n > 1 else m, (c1, *y[1:]), args)
                copies.append(part)
                y = part.output_shape
                if k == 0 and n > 1 and y is not None and y[0] != c1:
                    self.report(
                        "channel-mismatch",
                        f"n = {n} makes {n} copies of {m} with the same arguments {printed(args)}, but one copy "
                        f"turns {c1} channels into {y[0]}: the second copy gets {y[0]} where it expects {c1} "
                        f"(Ultralytics: RuntimeError: Given groups=1, weight of size … expected input … to have "
                        f"{c1} channels, but got {y[0]}). Use n: 1, or a module that repeats inside itself "
                        "(C2f, C3k2, C3 ...).",
                        info["n_span"],
                    )
        except BuildError as exc:
            return self.failed(row, result, info, m, exc)
        except (TypeError, ValueError, IndexError, ZeroDivisionError, AttributeError, KeyError) as exc:
            return self.failed(row, result, info, m, BuildError(f"these arguments do not build: {exc}"))
        if n > 1:
            seq = self.net.group("Sequential", m, copies, copies[0].input_shape, y)
            self.adopt(result, seq, copies)
        else:
            self.adopt(result, copies[0], copies[0].children)
        return NOT_A_MAP if m in ("CBLinear", "Classify") else y

    def cached(self, module: Module, label: str, x: Any, args: list[Any]) -> LayerResult:
        """The module built, or the same module built before (this analysis, an earlier version, another
        scale): what it depends on is its arguments, its input, the defaults of the build and, unless
        only the count is wanted, where the row is (its sub-modules carry the row's spans)."""
        net = self.net
        place = None if self.quiet else (net.span, net.type_span, net.path)
        key = (module.name, label, repr(x), repr(args), repr(net.act), net.legacy, net.sppf_legacy, place)
        found = _BUILT.get(key)
        if found is None:
            found = module.build(net, label, x, *args)  # type: ignore[misc]
            if len(_BUILT) >= _BUILT_MAX:
                _BUILT.clear()
            _BUILT[key] = found
        return found

    def failed(self, row: Row, result: LayerResult, info: dict[str, Any], m: str, exc: BuildError) -> None:
        self.report(exc.code, said(m, exc.message), info["args_span"])
        result.param_count = result.trainable_count = result.buffer_count = None
        return None

    def adopt(self, result: LayerResult, built: LayerResult, children: list[LayerResult]) -> None:
        """The row's counts and sub-modules are those of the module it built (a single torch layer's
        tensors and formula are the row's own)."""
        result.children = children
        if not built.children:
            result.params, result.buffers, result.formula = built.params, built.buffers, built.formula
            result.shape_steps, result.mac_formula = built.shape_steps, built.mac_formula
        result.input_shape = built.input_shape
        result.output_shape = built.output_shape
        result.param_count, result.trainable_count = built.param_count, built.trainable_count
        result.buffer_count = built.buffer_count
        result.macs, result.activations = built.macs, built.activations

    def torch_row(self, row: Row, result: LayerResult, info: dict[str, Any], kind: Any, special: Any, f: Any,
                  n: int, args: list[Any], sources: tuple[int, ...]) -> LayerResult:  # fmt: skip
        """An `nn.*` row: BatchNorm2d gets [c1]; every other one takes its arguments verbatim and is
        recorded as keeping its input's width."""
        i = row.index
        name = row.module[3:]
        if isinstance(f, list):
            self.report("invalid-from", f"{row.module} takes one input, so `from` must be one index, not a list "
                        "(Ultralytics: TypeError: list indices must be integers or slices, not list).",
                        info["from_span"])  # fmt: skip
            return self.unknown(result)
        if name == "BatchNorm2d":
            args = [self.ch[f]]
            c2 = self.c2
        elif name == "ConvTranspose2d":  # a base module: c1 injected, c2 width-scaled
            if not args or not number(args[0]):
                self.report("invalid-arguments", "nn.ConvTranspose2d needs its output width first.", info["args_span"])
                return self.unknown(result)
            c2 = make_divisible(min(args[0], self.header.max_channels) * self.header.width, 8)
            args = [self.ch[f], c2, *args[1:]]
        else:
            c2 = self.ch[f]
        self.c2 = c2
        if self.ch[f] is None and name in ("BatchNorm2d", "ConvTranspose2d"):
            return self.unknown(result, c2)  # its input width is unknown: the row upstream says why
        info["arguments"], info["arguments_text"] = args, printed(args)
        info["c1_row"], info["c1"] = sources[0], self.ch[f]
        x = self.inputs(sources, i)[0]
        if x is NOT_A_MAP:
            self.report("invalid-from", f"{row.module} needs a feature map, but row {sources[0]} outputs none.",
                        info["from_span"])  # fmt: skip
            result.param_count = result.trainable_count = result.buffer_count = None
            self.record(i, c2, None)
            return result
        result.type = row.module
        result.category = "layer"
        out = None
        try:
            copies = []
            y = x
            for k in range(n):
                part = self.torch_cached(name, kind, special, str(k) if n > 1 else row.module, y, args, row)
                copies.append(part)
                y = part.output_shape
            out = y
            if n > 1:
                self.adopt(result, self.net.group("Sequential", row.module, copies, x, y), copies)
            else:
                self.adopt(result, copies[0], [])
        except BuildError as exc:
            self.report(exc.code, f"{row.module}: {exc.message}.", info["args_span"])
            result.param_count = result.trainable_count = result.buffer_count = None
        self.record(i, c2, out)
        return result

    def torch_cached(self, name: str, kind: Any, special: Any, label: str, x: Any, args: list[Any],
                     row: Row) -> LayerResult:  # fmt: skip
        net = self.net
        key = ("nn." + name, label, repr(x), repr(args), None if self.quiet else (net.span, net.type_span, net.path))
        found = _BUILT.get(key)
        if found is None:
            found = self.torch_layer(name, kind, special, label, x, args, row)
            if len(_BUILT) >= _BUILT_MAX:
                _BUILT.clear()
            _BUILT[key] = found
        return found

    def torch_layer(self, name: str, kind: Any, special: Any, label: str, x: Any, args: list[Any],
                    row: Row) -> LayerResult:  # fmt: skip
        if special == "ZeroPad2d":
            pad = args[0] if args else 0
            pads = [pad] * 4 if isinstance(pad, int) else list(pad)
            if len(pads) != 4 or not all(isinstance(p, int) for p in pads):
                raise BuildError("nn.ZeroPad2d takes one padding or [left, right, top, bottom]")
            out = None
            if isinstance(x, tuple) and len(x) == 3:
                hh = None if x[1] is None else x[1] + pads[2] + pads[3]
                ww = None if x[2] is None else x[2] + pads[0] + pads[1]
                out = (x[0], hh, ww)
            return self.net.tensors(label, "ZeroPad2d", x, out)
        if len(args) > len(kind.args):
            raise BuildError(f"takes at most {len(kind.args)} arguments ({', '.join(a.name for a in kind.args)}), "
                             f"not {len(args)}")  # fmt: skip
        values = {a.name: a.value for a in registry.defaults(kind).values()}
        for arg, raw in zip(kind.args, args, strict=False):
            if raw is None and arg.default is None:
                values[arg.name] = None
                continue
            value, error = registry.coerce(arg, raw, kind.spatial)
            if error is not None:
                raise BuildError(error)
            values[arg.name] = value
        missing = [a.name for a in kind.args[len(args):] if a.default is registry.REQUIRED]
        if missing:
            raise BuildError(f"needs {', '.join(missing)} (torch: TypeError: missing required argument)")
        for arg in kind.args:
            if arg.infer == "channels" and values.get(arg.name) is None:
                values[arg.name] = x[0] if isinstance(x, tuple) else None
        inp = x if isinstance(x, tuple) else None
        for arg in kind.args:
            if arg.infer == "channels" and inp is not None and values[arg.name] != inp[0]:
                raise BuildError(
                    f"its {arg.name} is {values[arg.name]}, but its input has {inp[0]} channels (torch: RuntimeError: "
                    f"Given groups=1, weight … expected input … to have {values[arg.name]} channels)",
                    "channel-mismatch",
                )
        ctx = LayerContext(kind, inp, values, frozenset(a.name for a in kind.args[: len(args)]))
        try:
            kind.rule(ctx)
        except RuleError as exc:
            raise BuildError(exc.message, exc.code) from None
        count = sum(t.numel for t in ctx.params)
        net = self.net
        macs, mac_formula = leaf_macs(kind, ctx)
        return LayerResult(
            kind.name, "layer", net.span, net.type_span, net.path, name=label, params=tuple(ctx.params),
            buffers=tuple(ctx.buffers), formula=ctx.formula, shape_steps=tuple(ctx.steps), input_shape=inp,
            output_shape=ctx.out, param_count=count, trainable_count=count,
            buffer_count=sum(t.numel for t in ctx.buffers), macs=macs, mac_formula=mac_formula,
            activations=shapes.numel(ctx.out),
        )  # fmt: skip


def _arity(module: Module, row: Row, args: list[Any], least: int, most: int) -> str:
    written = len(row.args)
    names = ", ".join(a.name for a in module.args)
    extra = len(args) - written
    if len(args) > most:
        allowed = most - extra
        return (f"{module.name} takes at most {allowed} argument{'s' * (allowed != 1)} ({names}), but this row "
                f"writes {written}: Ultralytics fails with TypeError: __init__() takes … positional arguments. "
                "Remove the extra ones.")  # fmt: skip
    need = least - extra
    return (f"{module.name} needs at least {need} argument{'s' * (need != 1)} ({names}), but this row writes "
            f"{written} (Ultralytics: TypeError: missing required positional argument).")  # fmt: skip
