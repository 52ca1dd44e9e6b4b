"""The walk over an Ultralytics model's rows, as ``parse_model`` (8.4.190) builds them.

Two widths are kept per row: the one Ultralytics *records* in its ``ch`` list (which its later rows are
built with, stale for heads, AIFI and BatchNorm2d, and assumed channel-preserving for ``nn.*`` and
custom modules) and the one the row really outputs. The first reproduces Ultralytics' arguments and
counts; comparing the two predicts the ``Given groups=1, weight of size …`` errors it raises when
the model first runs. Output shapes are one image's at ``imgsz``, channels first.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

from .. import registry
from ..analysis import Diagnostic, Fix, LayerResult, Related, RowInfo, Severity, Span
from ..registry import MODULES, Module
from ..shapes import Shape
from ..source import node_span
from .arguments import Arguments
from .building import Building, torch_path
from .checks import Checks
from .common import NOT_A_MAP, arg_span
from .counting import CountNet
from .modules import NOT_EXPOSED
from .net import BuildError, Net
from .rows import Row


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


class _Walk(Arguments, Building, Checks):
    """One build of the rows at one scale: the rows read here, their arguments rewritten by :class:`Arguments`,
    their modules built by :class:`Building`, the run-time failures predicted by :class:`Checks`."""

    def __init__(self, rows: list[Row], header: Header, imgsz: int, channels: int, quiet: bool,
                 text: str | None = None) -> None:  # fmt: skip
        self.rows, self.header, self.quiet = rows, header, quiet
        self.text = text  # the document, for reusing rows (None: every row built)
        self.context = (repr(header), imgsz, channels)
        self.diagnostics: list[Diagnostic] = []
        self.net = (CountNet if quiet else Net)(header.act or ("SiLU", {}))  # quiet: the counts only
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
        """The row's result, reused from an earlier build when its text, place and everything it reads
        are the same (a keystroke elsewhere in the file), else built."""
        key = None if self.quiet or self.text is None else self._row_key(row)
        hit = _ROWS.get(key) if key is not None else None
        if hit is not None:
            result, diagnostics, c2_recorded, out, self.c2, self.net.legacy, self.net.sppf_legacy = hit
            self.diagnostics += diagnostics
            self.record(row.index, c2_recorded, out)
            return result
        before = len(self.diagnostics)
        result = self._build_row(row)
        if key is not None and len(self.outs) == row.index + 1:
            kept = (result, self.diagnostics[before:], self.ch[-1], self.outs[-1], self.c2, self.net.legacy,
                    self.net.sppf_legacy)  # fmt: skip
            with _ROWS_LOCK:  # the analysis lanes share it
                if len(_ROWS) >= _ROWS_MAX:
                    del _ROWS[next(iter(_ROWS))]
                _ROWS[key] = kept
        return result

    def _row_key(self, row: Row) -> Any:
        """What a row's build reads: its text and place, the build's context (header, input), the running
        c2 and Detect/SPPF flags, and, of each row its `from` names, the recorded width, the real output,
        the module name and where it is written (said in messages). None: not reusable."""
        i, f = row.index, row.from_
        deps: list[Any] = []
        if i > 0 and row.problem is None:
            for j in f if isinstance(f, list) else [f]:
                s = j if j >= 0 else i + j
                if not (isinstance(j, int) and 0 <= s < i):
                    return None  # an invalid `from`: rare, built every time
                source = self.rows[s]
                deps.append((self.ch[s], self.outs[s], source.module, node_span(source.module_node)))
        start, end = row.node.start_mark, row.node.end_mark
        written = self.text[start.index : end.index] if self.text is not None else None
        key = (self.context, written, start.line, start.column, i, self.c2,
               self.net.legacy, self.net.sppf_legacy, tuple(deps))  # fmt: skip
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def _build_row(self, row: Row) -> LayerResult:
        i = row.index
        net = self.net
        span, from_span, n_span, module_span, args_span, from_spans = row.spans()
        net.span, net.type_span, net.path = span, module_span, (i,)
        result = LayerResult(
            str(row.module) if isinstance(row.module, str) else "?", "block", span, module_span, (i,),
            written_type=row.module if isinstance(row.module, str) else None, macs=None, activations=None,
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
                    self.report(exc.code, exc.message, arg_span(row, k))
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

    def record(self, i: int, c2: Any, out: Any) -> None:
        if i == 0:
            self.ch = []
        self.ch.append(c2)
        self.outs.append(out)

    def inputs(self, sources: tuple[int, ...], i: int) -> list[Any]:
        """The real outputs of the rows a row takes (the image for row 0)."""
        return [self.input] if i == 0 else [self.outs[s] for s in sources]


def _forward(i: int, j: int) -> str:
    what = "its own row" if j == i else f"row {j}, after row {i}"
    return (
        f"`from` {j} points at {what}: a row can only take rows above it (negative indices count back, "
        f"-1 is row {i - 1}). Ultralytics: IndexError: list index out of range."
    )


# rows built before, by what their build reads (see _Walk._row_key); oldest dropped first
_ROWS: dict[Any, tuple[Any, ...]] = {}
_ROWS_MAX = 2048
_ROWS_LOCK = threading.Lock()


def build(rows: list[Row], header: Header, imgsz: int, channels: int = 3, quiet: bool = False,
          text: str | None = None) -> Built:  # fmt: skip
    """Build the rows at one scale; with the document's ``text``, rows unchanged since an earlier build
    are reused."""
    return _Walk(rows, header, imgsz, channels, quiet, text).run()
