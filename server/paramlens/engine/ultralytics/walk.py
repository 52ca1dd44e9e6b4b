"""The walk over an Ultralytics model's rows, as ``parse_model`` (8.4.190) builds them.

Two widths are kept per row: the one Ultralytics *records* in its ``ch`` list (which its later rows are
built with, stale for heads, AIFI and BatchNorm2d, and assumed channel-preserving for ``nn.*`` and
custom modules) and the one the row really outputs. The first reproduces Ultralytics' arguments and
counts; comparing the two predicts the ``Given groups=1, weight of size …`` errors it raises when
the model first runs. Output shapes are one image's at ``imgsz``, channels first.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

from .. import registry, shapes
from ..analysis import Diagnostic, Fix, LayerResult, Related, RowInfo, Severity, Span
from ..context import LayerContext, RuleError
from ..registry import MODULES, Module
from ..shapes import Shape
from ..source import node_span
from .modules import NOT_EXPOSED
from .net import BuildError, Net
from .rows import Row

DETECT_HEADS = frozenset(("Detect", "Segment", "Segment26", "Pose", "Pose26", "OBB", "OBB26", "WorldDetect",
                          "YOLOEDetect", "YOLOESegment", "YOLOESegment26"))  # fmt: skip
HEADS = DETECT_HEADS | {"v10Detect", "RTDETRDecoder", "Classify", "SemanticSegment", "Depth"}
NOT_LEGACY = frozenset(("C3k2", "A2C2f", "C2fCIB"))
NOT_A_MAP = "not-a-map"  # the output of a row that is no single feature map (a head, CBLinear's tuple)
_LOCALS = ("nc", "kpt_shape", "reg_max", "end2end", "depth", "width", "max_channels", "scale", "act")
_CONSTANTS = {"None": None, "True": True, "False": False}
_IDENT = re.compile(r"^[A-Za-z_]\w*$")
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


class Header(NamedTuple):
    """The top-level values parse_model reads."""

    nc: Any
    depth: float
    width: float
    max_channels: float
    scale: str
    act: tuple[str, dict[str, Any]] | None  # None: an activation paramlens cannot count
    end2end: Any
    reg_max: Any
    kpt_shape: Any


class Built(NamedTuple):
    results: list[LayerResult]
    total: int | None
    output: Shape | None
    diagnostics: list[Diagnostic]


def make_divisible(x: float, divisor: int = 8) -> int:
    return math.ceil(x / divisor) * divisor


def torch_path(name: str) -> str | None:
    """The class path Ultralytics prints for ``nn.<name>`` (``torch.nn.modules.conv.Conv2d``); None for a layer
    whose file in torch.nn.modules paramlens does not know (no guess)."""
    file = _TORCH_FILES.get(name)
    return f"torch.nn.modules.{file}.{name}" if file else None


def printed(value: Any) -> str:
    """``str(args)`` as Python prints a list of constructor arguments."""
    return str(value)


class _Walk:
    """One build of the rows at one scale."""

    def __init__(self, rows: list[Row], header: Header, imgsz: int, channels: int, quiet: bool) -> None:
        self.rows, self.header, self.quiet = rows, header, quiet
        self.diagnostics: list[Diagnostic] = []
        self.net = Net(header.act or ("SiLU", {}))
        if header.act is not None:
            kind, values = header.act
            probe = self.net.leaf(kind, "act", (1,), **values)
            self.net.act_params = probe.param_count or 0
        self.input: Shape = (channels, imgsz, imgsz)
        self.ch: list[Any] = [channels]  # Ultralytics' recorded widths
        self.outs: list[Any] = []  # each row's real output: a shape, None (unknown) or NOT_A_MAP
        self.c2: Any = channels  # parse_model's running c2 (what stale branches record)

    def report(self, code: str, message: str, span: Span, severity: Severity = Severity.ERROR,
               related: tuple[Related, ...] = (), fixes: tuple[Fix, ...] = ()) -> None:  # fmt: skip
        if not self.quiet:
            if code == "unsupported-module":  # the file may be right: paramlens cannot count it
                severity = Severity.WARNING
            self.diagnostics.append(Diagnostic(code, severity, message, span, related, fixes))

    # --- the rows ------------------------------------------------------------------------------

    def run(self) -> Built:
        results = [self.row(row) for row in self.rows]
        counts = [r.param_count for r in results]
        total: int | None = None
        if None not in counts and self.header.act is not None:
            total = sum(counts)  # type: ignore[arg-type]
            if self.net.act_params:  # the shared default activation, in every row's count, is one parameter set
                holders = sum(1 for r in results if self.net.shared_acts([r]))
                total -= max(holders - 1, 0) * self.net.act_params
        last = self.outs[-1] if self.outs else None
        return Built(results, total, None if last is NOT_A_MAP else last, self.diagnostics)

    def source_shape(self, j: int, i: int) -> Any:
        """The real output of the row that index ``j`` names from row ``i`` (the input for row 0's -1)."""
        if i == 0:
            return self.input
        return self.outs[j]

    def row(self, row: Row) -> LayerResult:
        i = row.index
        net = self.net
        span, from_span, n_span, module_span, args_span, from_spans = row.spans()
        net.span, net.type_span, net.path = span, module_span, (i,)
        result = LayerResult(
            str(row.module) if isinstance(row.module, str) else "?", "block", span, module_span, (i,),
            written_type=row.module if isinstance(row.module, str) else None,
        )  # fmt: skip
        info = dict(
            index=i, from_=row.from_, sources=(), repeats=row.n, module="", arguments=None, arguments_text="",
            from_span=from_span, from_spans=tuple(from_spans), n_span=n_span, args_span=args_span, c1=None,
            c1_row=None,
        )  # fmt: skip
        try:
            return self._row(row, result, info)
        finally:
            if not self.quiet:
                result.row = RowInfo(**info)

    def unknown(self, result: LayerResult, c2: Any = None, out: Any = None) -> LayerResult:
        result.param_count = result.trainable_count = result.buffer_count = None
        self.ch.append(c2)
        self.outs.append(out)
        if result.path[0] == 0:
            self.ch[:] = [c2]
        return result

    def _row(self, row: Row, result: LayerResult, info: dict[str, Any]) -> LayerResult:
        i = row.index
        if row.problem is not None:
            self.report(row.problem.code, row.problem.message, row.problem.span)
            return self.unknown(result)
        f, n, m, args = row.from_, row.n, row.module, list(row.args)
        indices = f if isinstance(f, list) else [f]
        # where `from` points: before the row, and not before row 0
        limit = max(i, 1)
        for j, span in zip(indices, row.from_spans(), strict=False):
            if j >= i and not (i == 0 and j == 0):
                self.report("invalid-from", _forward(i, j), span)
                return self.unknown(result)
            if j < -limit:
                self.report(
                    "invalid-from",
                    f"`from` {j} points before row 0: row {i} can reach back at most {-limit} "
                    f"({'the input' if i == 0 else 'row 0'}). Ultralytics: IndexError: list index out of range.",
                    span,
                )
                return self.unknown(result)
        if i == 0 and indices != [-1]:
            self.report("invalid-from", "The first row takes the image: its `from` must be -1.", row.from_spans()[0])
            return self.unknown(result)
        sources = tuple(-1 if i == 0 else (j if j >= 0 else i + j) for j in indices)
        info["sources"] = sources
        # the module
        kind, module = None, None
        if m.startswith("nn."):
            kind = registry.KINDS.get(m[3:])
            if m[3:] == "ZeroPad2d":
                module = "ZeroPad2d"
            elif kind is None or kind.torch != m[3:]:
                kind = None
                self.report(
                    "unsupported-module",
                    f"paramlens does not count {m} yet: its parameters and output are unknown (?). "
                    "Rows that take their width from it are counted with the width Ultralytics records for it "
                    "(its input's).",
                    node_span(row.module_node), Severity.WARNING,
                )  # fmt: skip
                info["module"] = torch_path(m[3:])
                return self.unknown(result, self._ch(f), None)
            info["module"] = torch_path(m[3:])
        elif m.startswith("torchvision.ops."):
            self.report("unsupported-module", f"paramlens does not count {m} yet: its count is unknown (?).",
                        node_span(row.module_node), Severity.WARNING)  # fmt: skip
            return self.unknown(result, self._ch(f))
        else:
            module = MODULES.get(m)
            if module is None:
                self.unknown_module(row, m)
                return self.unknown(result, self._ch(f))
            info["module"] = module.path
        # string arguments, as parse_model resolves them
        for k, a in enumerate(args):
            if isinstance(a, str):
                try:
                    args[k] = self.resolve_text(a)
                except BuildError as exc:
                    self.report(exc.code, exc.message, _arg_span(row, k))
                    return self.unknown(result, self._ch(f))
        depth = self.header.depth
        n = n_ = max(round(n * depth), 1) if n > 1 else n
        info["repeats"] = n_
        if isinstance(module, Module):
            return self.module_row(row, result, info, module, f, n, args, sources)
        return self.torch_row(row, result, info, kind, module, f, n, args, sources)

    def _ch(self, f: Any) -> Any:
        """The width Ultralytics records for a row of the last branch: its input's."""
        if isinstance(f, int) and -len(self.ch) <= f < len(self.ch):
            return self.ch[f]
        return None

    def resolve_text(self, a: str) -> Any:
        h = self.header
        if a in _LOCALS:
            known = {"nc": h.nc, "kpt_shape": h.kpt_shape, "reg_max": h.reg_max, "end2end": h.end2end,
                     "depth": h.depth, "width": h.width, "max_channels": h.max_channels, "scale": h.scale}  # fmt: skip
            return known.get(a, a)
        if a in ("ch", "i", "n", "c1", "c2", "f", "m", "args", "layers", "save", "d"):
            raise BuildError(f"{a!r} names one of parse_model's own variables; paramlens does not evaluate it. "
                             "Write the value itself.", "unsupported-module")  # fmt: skip
        if a in _CONSTANTS:
            return _CONSTANTS[a]
        if _IDENT.match(a):
            return a  # ast.literal_eval raises ValueError: the text stays
        import ast

        try:
            return ast.literal_eval(a)
        except ValueError:
            return a
        except SyntaxError:
            raise BuildError(
                f"Ultralytics evaluates the text {a!r} with ast.literal_eval, which fails with a SyntaxError "
                "(not caught: the model does not build). Quote only Python literals.",
                "invalid-arguments",
            ) from None

    def unknown_module(self, row: Row, m: str) -> None:
        span = node_span(row.module_node)
        if m in NOT_EXPOSED:
            self.report(
                "unknown-module",
                f"Ultralytics 8.4.190 fails here with KeyError: '{m}': {m} is defined in ultralytics.nn.modules, "
                "but ultralytics/nn/tasks.py does not import it, so model files cannot name it. Import it in "
                f"tasks.py (and add it to a parse_model branch that gives it its input channels), or remove the row.",
                span,
            )
            return
        candidates = [*MODULES, *(f"nn.{k.torch}" for k in registry.KINDS.values() if k.torch)]
        hits = registry.suggest(m, candidates)
        hint = f" Did you mean {' or '.join(hits)}?" if hits else ""
        self.report(
            "unknown-module",
            f"Unknown module {m!r}: Ultralytics 8.4.190 fails with KeyError: '{m}' (a row names a class of "
            f"ultralytics/nn/tasks.py, or nn.<Name> for torch.nn).{hint}",
            span, fixes=tuple(Fix(f"Replace with {h}", "replace", span, h) for h in hits),
        )  # fmt: skip

    # --- branches ----------------------------------------------------------------------------------

    def module_row(self, row: Row, result: LayerResult, info: dict[str, Any], module: Module, f: Any, n: int,
                   args: list[Any], sources: tuple[int, ...]) -> LayerResult:  # fmt: skip
        h = self.header
        m = module.name
        branch = module.branch
        i = row.index
        c2: Any = self.c2
        single = branch in ("base", "repeat", "aifi", "hg", "bn", "cblinear", "torchvision", "verbatim", "resnet")
        if single and isinstance(f, list) and branch != "resnet":
            self.report(
                "invalid-from",
                f"{m} takes one input, so `from` must be one index, not a list (Ultralytics: TypeError: list "
                "indices must be integers or slices, not list). Concatenate the rows first with a Concat row.",
                info["from_span"],
            )
            return self.unknown(result)
        if not single and isinstance(f, int) and branch != "resnet":
            self.report(
                "invalid-from",
                f"{m} takes a list of rows: write `from` as a list, e.g. [{f}] (Ultralytics: TypeError: "
                "'int' object is not iterable).",
                info["from_span"],
            )
            return self.unknown(result)
        ch = self.ch
        try:
            if branch in ("base", "repeat"):
                if not args:
                    raise BuildError(f"{m} needs its output width as the first argument, e.g. [{m}, [64]]")
                c1 = ch[f]
                c2 = args[0]
                if c1 is None:
                    return self.unknown(result, None)
                if not _number(c2):
                    raise BuildError(f"{m}'s first argument is its output width, a number, not {c2!r}")
                if m != "Classify":
                    c2 = make_divisible(min(c2, h.max_channels) * h.width, 8)
                if m == "C2fAttn":
                    if len(args) < 3 or not _number(args[2]):
                        raise BuildError("C2fAttn needs [c2, ec, nh]")
                    args[2] = int(max(round(min(args[2], h.max_channels // 2 // 32)) * h.width, 1)
                                  if args[2] > 1 else args[2])  # fmt: skip
                    hidden = int(c2 * (args[6] if len(args) > 6 else 0.5))
                    if hidden % args[2]:
                        raise BuildError(f"C2fAttn hidden channels {hidden} (from c2={c2}) must be divisible by "
                                         f"nh={args[2]} (ValueError in Ultralytics)")  # fmt: skip
                    args[1] = hidden
                args = [c1, c2, *args[1:]]
                if branch == "repeat":
                    args.insert(2, n)
                    n = 1
                if m == "C3k2":
                    self.net.legacy = False
                    if h.scale in ("m", "l", "x"):
                        args[3:4] = [True]
                if m == "A2C2f":
                    self.net.legacy = False
                    if h.scale in ("l", "x"):
                        args.extend((True, 1.2))
                if m == "C2fCIB":
                    self.net.legacy = False
            elif branch == "aifi":
                if ch[f] is None:
                    return self.unknown(result, c2)
                args = [ch[f], *args]
            elif branch == "hg":
                if len(args) < 2:
                    raise BuildError(f"{m} needs [cm, c2, ...]")
                c1, cm, c2 = ch[f], args[0], args[1]
                if c1 is None:
                    return self.unknown(result, c2)
                args = [c1, cm, c2, *args[2:]]
                if m == "HGBlock":
                    args.insert(4, n)
                    n = 1
            elif branch == "resnet":
                if len(args) < 4:
                    raise BuildError("ResNetLayer needs [c1, c2, s, is_first, n] (Ultralytics: IndexError on args[3])")
                c2 = args[1] if args[3] else args[1] * 4
            elif branch == "concat":
                widths = [ch[x] for x in f]
                c2 = None if None in widths else sum(widths)
            elif branch == "detect":
                widths = [ch[x] for x in f]
                if None in widths:
                    return self.unknown(result, c2)  # a width upstream is unknown: that row says why
                args.extend([h.reg_max, h.end2end, widths])
                if m in ("Segment", "YOLOESegment", "Segment26", "YOLOESegment26"):
                    if len(args) < 6 or not _number(args[2]):
                        raise BuildError(f"{m} needs [nc, nm, npr]: its third argument, npr, is width-scaled")
                    args[2] = make_divisible(min(args[2], h.max_channels) * h.width, 8)
            elif branch in ("depth", "append_ch", "insert_ch"):
                widths = [ch[x] for x in f]
                if None in widths:
                    return self.unknown(result, c2)
                if branch == "depth":
                    args = [*args[:1], widths]
                elif branch == "append_ch":
                    args.append(widths)
                else:
                    args.insert(1, widths)
            elif branch == "cblinear":
                if not args:
                    raise BuildError("CBLinear needs [[c2s...]]")
                c2 = args[0]
                if ch[f] is None:
                    return self.unknown(result, c2)
                args = [ch[f], c2, *args[1:]]
            elif branch == "cbfuse":
                c2 = ch[f[-1]]
            elif branch == "torchvision":
                if not args:
                    raise BuildError(f"{m} needs its output width first (Ultralytics: IndexError at args[0])")
                c2 = args[0]
                args = args[1:]
            else:
                c2 = ch[f]
        except BuildError as exc:
            self.report(exc.code, _said(m, exc.message), info["args_span"])
            return self.unknown(result)
        self.c2 = c2
        info["arguments"] = args
        if not self.quiet:
            info["arguments_text"] = printed(args)
        # what the row takes in, really
        if isinstance(f, int):
            src = sources[0]
            info["c1_row"] = src
            info["c1"] = ch[f] if branch not in ("concat", "detect") else None
        result.type = m
        result.category = "layer" if m == "Concat" else "block"
        built = self.build(row, result, info, module, f, n, args, sources)
        self.record(i, c2, built)
        return result

    def record(self, i: int, c2: Any, out: Any) -> None:
        if i == 0:
            self.ch = []
        self.ch.append(c2)
        self.outs.append(out)

    def inputs(self, sources: tuple[int, ...], i: int) -> list[Any]:
        """The real outputs of the rows a row takes (the image for row 0)."""
        return [self.input] if i == 0 else [self.outs[s] for s in sources]

    def build(self, row: Row, result: LayerResult, info: dict[str, Any], module: Module, f: Any, n: int,
              args: list[Any], sources: tuple[int, ...]) -> Any:  # fmt: skip
        """Build the row's module (n copies of it for n > 1); returns its real output."""
        i = row.index
        m = module.name
        xs = self.inputs(sources, i)
        if m == "Concat":
            return self.concat(row, result, args, xs, sources)
        if m == "CBFuse":
            result.param_count = result.trainable_count = result.buffer_count = 0
            out = xs[-1] if xs[-1] is not NOT_A_MAP else None
            result.input_shape = result.output_shape = out
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
        code = module.build.__code__  # type: ignore[attr-defined]
        most = code.co_argcount - 3
        least = most - len(module.build.__defaults__ or ())  # type: ignore[attr-defined]
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
        self.report(exc.code, _said(m, exc.message), info["args_span"])
        result.param_count = result.trainable_count = result.buffer_count = None
        return None

    def adopt(self, result: LayerResult, built: LayerResult, children: list[LayerResult]) -> None:
        """The row's counts and sub-modules are those of the module it built (a single torch layer's
        tensors and formula are the row's own)."""
        result.children = children
        if not built.children:
            result.params, result.buffers, result.formula = built.params, built.buffers, built.formula
            result.shape_steps = built.shape_steps
        result.input_shape = built.input_shape
        result.output_shape = built.output_shape
        result.param_count, result.trainable_count = built.param_count, built.trainable_count
        result.buffer_count = built.buffer_count

    def check_widths(self, row: Row, m: str, xs: list[Any], widths: list[Any], sources: tuple[int, ...]) -> None:
        for x, w, s, span in zip(xs, widths, sources, row.from_spans(), strict=False):
            if isinstance(x, tuple) and w is not None and x[0] != w:
                self.report(
                    "channel-mismatch",
                    f"{m} is built for {w} channels from row {s} (the width Ultralytics records for it), but row "
                    f"{s} really outputs {x[0]}: the model fails when it first runs (Given groups=1, weight of "
                    f"size … expected input … to have {w} channels, but got {x[0]}).",
                    span,
                )

    def channel_mismatch(self, row: Row, m: str, c1: int, x: Shape, s: int) -> None:
        src = "the input" if s < 0 else f"row {s} ({self.rows[s].module})"
        self.report(
            "channel-mismatch",
            f"{m} is built for c1 = {c1} input channels (the width Ultralytics records for {src}), but {src} "
            f"really outputs {x[0]}: Ultralytics fails when the model first runs with RuntimeError: Given "
            f"groups=1, weight of size […, {c1}, …] … expected input[1, {x[0]}, …] to have {c1} channels, but "
            f"got {x[0]} channels instead. A row in the last branch of parse_model (nn.* or a custom module) "
            "is recorded as keeping its input's width: make its output width equal its input's.",
            node_span(row.module_node),
        )

    def concat(self, row: Row, result: LayerResult, args: list[Any], xs: list[Any], sources: tuple[int, ...]) -> Any:
        result.param_count = result.trainable_count = result.buffer_count = 0
        dim = args[0] if args else 1
        if None in xs or dim != 1:
            return None
        if NOT_A_MAP in xs:
            for x, s, span in zip(xs, sources, row.from_spans(), strict=False):
                if x is NOT_A_MAP:
                    self.report("invalid-from", f"Concat needs feature maps, but row {s} ({self.rows[s].module}) "
                                "outputs no single tensor.", span)  # fmt: skip
            return None
        first = xs[0]
        spans = row.from_spans()
        if any(not shapes.known(x) for x in xs):
            return None  # a size upstream is unknown (that row says why)
        for x, s, span in zip(xs[1:], sources[1:], spans[1:], strict=False):
            if len(x) != len(first) or tuple(x[1:]) != tuple(first[1:]):
                a = "the input" if sources[0] < 0 else f"row {sources[0]}"
                self.report(
                    "concat-mismatch",
                    f"Concat joins {a} ({shapes.fmt(first)}) and row {s} ({shapes.fmt(x)}): their spatial sizes "
                    f"differ ({shapes.fmt(first[1:])} vs {shapes.fmt(x[1:])} at imgsz {self.input[1]}). "
                    "Ultralytics: RuntimeError: Sizes of tensors must match except in dimension 1. "
                    + (
                        f"At imgsz {self.input[1]}, not a multiple of 32, an up-sampled map misses the size it "
                        "joins; Ultralytics' train and predict round imgsz up to a multiple of the model's largest "
                        f"stride (stride 32: {-(-self.input[1] // 32) * 32}): use such an imgsz."
                        if self.input[1] % 32
                        else "Point `from` at rows of the same stride (after an inserted or deleted row, the absolute "
                        "indices shift)."
                    ),
                    span,
                    related=(Related(node_span(self.rows[s].module_node), f"row {s}: {shapes.fmt(x)}"),)
                    if s >= 0 else (),
                )
                return None
        out = (sum(x[0] for x in xs), *first[1:])
        result.input_shape = first
        result.output_shape = out
        return out

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
            if not args or not _number(args[0]):
                self.report("invalid-arguments", "nn.ConvTranspose2d needs its output width first.", info["args_span"])
                return self.unknown(result)
            c2 = make_divisible(min(args[0], self.header.max_channels) * self.header.width, 8)
            args = [self.ch[f], c2, *args[1:]]
        else:
            c2 = self.ch[f]
        self.c2 = c2
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
        return LayerResult(
            kind.name, "layer", net.span, net.type_span, net.path, name=label, params=tuple(ctx.params),
            buffers=tuple(ctx.buffers), formula=ctx.formula, shape_steps=tuple(ctx.steps), input_shape=inp,
            output_shape=ctx.out, param_count=count, trainable_count=count,
            buffer_count=sum(t.numel for t in ctx.buffers),
        )  # fmt: skip


def _said(m: str, message: str) -> str:
    """``C2PSA: …`` unless the message names the module first already; one final full stop."""
    text = message if message.startswith(m) else f"{m}: {message}"
    return text if text.endswith(".") else text + "."


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _forward(i: int, j: int) -> str:
    what = "its own row" if j == i else f"row {j}, after row {i}"
    return (
        f"`from` {j} points at {what}: a row can only take rows above it (negative indices count back, "
        f"-1 is row {i - 1}). Ultralytics: IndexError: list index out of range."
    )


def _arg_span(row: Row, k: int) -> Span:
    node = row.args_node
    items = getattr(node, "value", None)
    if isinstance(items, list) and k < len(items):
        return node_span(items[k])
    return node_span(node)


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


def build(rows: list[Row], header: Header, imgsz: int, channels: int = 3, quiet: bool = False) -> Built:
    return _Walk(rows, header, imgsz, channels, quiet).run()
