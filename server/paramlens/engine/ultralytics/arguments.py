"""parse_model's branches: how a row's written arguments become the constructor's (the width rule, ``n`` moved
into repeat modules, ``c1`` injected, the head's lists appended), and the text arguments it resolves."""

from __future__ import annotations

import re
from typing import Any

from ..analysis import LayerResult
from ..registry import Module
from .common import make_divisible, number, printed, said
from .net import BuildError
from .rows import Row

_LOCALS = ("nc", "kpt_shape", "reg_max", "end2end", "depth", "width", "max_channels", "scale", "act")
_CONSTANTS = {"None": None, "True": True, "False": False}
_IDENT = re.compile(r"^[A-Za-z_]\w*$")


class Arguments:
    """The argument rewriting of :class:`walk._Walk` (a mixin: it uses the walk's state and reports)."""

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
                if not number(c2):
                    raise BuildError(f"{m}'s first argument is its output width, a number, not {c2!r}")
                if m != "Classify":
                    c2 = make_divisible(min(c2, h.max_channels) * h.width, 8)
                if m == "C2fAttn":
                    if len(args) < 3 or not number(args[2]):
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
                    if len(args) < 6 or not number(args[2]):
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
            self.report(exc.code, said(m, exc.message), info["args_span"])
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
