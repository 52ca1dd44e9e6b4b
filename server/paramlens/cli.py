"""The command line: ``paramlens summary|check|show|kinds|export|serve``.

A thin face over the engine: it reads files, calls ``analyse`` and prints one of the views in
``render/``. It never imports the language-server stack, and imports rich only for the views that
draw tables, so that ``paramlens check`` in CI starts about as fast as Python and PyYAML do.

Exit codes: 0 no error, 1 errors in an architecture file, 2 unusable arguments or unreadable files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from rich.console import Console

    from .engine.analysis import Analysis

OK, ERRORS, USAGE = 0, 1, 2
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024  # the server's maxFileSize default


class Unusable(Exception):
    """An argument or file the command cannot work with; the message says why, for a person."""


# --- files -----------------------------------------------------------------------------------------


def max_file_size() -> int:
    """Bytes above which a file is refused, as the server's ``maxFileSize``: analysis costs about 100
    bytes of memory per byte of YAML, so a 50 MB file would take gigabytes and minutes."""
    try:
        return int(os.environ.get("PARAMLENS_MAX_FILE_SIZE", DEFAULT_MAX_FILE_SIZE))
    except ValueError:
        raise Unusable("PARAMLENS_MAX_FILE_SIZE must be a number of bytes") from None


def read_source(path: str) -> str:
    """A file's text (``-`` is standard input), read as ``files.read_text`` reads every file: UTF-8, a
    leading BOM dropped as editors do, only regular files up to the size limit."""
    from . import files

    limit = max_file_size()
    try:
        if path == "-":
            data = sys.stdin.buffer.read(limit + 1)
            if len(data) > limit:
                raise files.too_large(path, limit)
            return files.decode(data, path)
        return files.read_text(path, limit)
    except files.Refused as exc:
        raise Unusable(_refused(exc, limit)) from None


def _refused(exc: Exception, limit: int) -> str:
    """The CLI's words for a file it does not read."""
    from . import files

    assert isinstance(exc, files.Refused)
    if exc.kind == "directory":
        return f"{exc.path} is a directory; give an architecture file (*.arch.yaml)"
    if exc.kind == "too-large":
        return f"{exc}, more than any architecture file needs; set PARAMLENS_MAX_FILE_SIZE (bytes) to analyse it anyway"
    if exc.kind == "not-utf8" and exc.position is not None:
        line, column, byte = exc.position
        return f"{exc.path}:{line}:{column}: not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
    return str(exc)


def resolve_import(importing: str | None, relpath: str) -> tuple[str, str] | str:
    """The engine's ``resolve``: an import path read relative to the importing file (or the current
    directory for standard input), as the server reads it. The engine has already refused URLs and
    absolute paths; ``../../dev/zero`` and the like are refused with the reason."""
    from . import files

    target = files.import_path(importing, relpath)
    try:
        return target, files.read_text(target, max_file_size())
    except files.Refused as exc:
        return exc.reason


def load(
    path: str, dtype: str | None = None, scale: str | None = None, imgsz: int | None = None
) -> tuple[str, Analysis]:
    """Read and analyse one file, with imports resolved from disk; ``dtype`` overrides the file's;
    ``scale`` and ``imgsz`` apply to Ultralytics model files."""
    from .engine import analyse

    text = read_source(path)
    key = None if path == "-" else os.path.realpath(path)
    return text, analyse(text, key=key, resolve=resolve_import, scale=scale, imgsz=imgsz, dtype=dtype)


def not_architecture(path: str) -> str:
    return (
        f"{path} is not an architecture file: its top level is not a mapping with `layers` or `blocks` "
        "(the format: docs/format.md), nor an Ultralytics model with `backbone` and `head` rows"
    )


def load_architecture(
    path: str, dtype: str | None = None, scale: str | None = None, imgsz: int | None = None
) -> tuple[str, Analysis]:
    text, analysis = load(path, dtype, scale, imgsz)
    if not analysis.is_architecture:
        raise Unusable(not_architecture(path))
    return text, analysis


def expand(paths: Sequence[str]) -> list[str]:
    """Files as given; a directory stands for the ``*.arch.yaml``/``*.arch.yml`` files below it."""
    files = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            from pathlib import Path

            found = sorted(str(p) for p in Path(path).rglob("*.arch.y*ml") if p.suffix in (".yaml", ".yml"))
            if not found:
                raise Unusable(f"{path} holds no *.arch.yaml or *.arch.yml files")
            files += found
        else:
            files.append(path)
    return files


# --- commands --------------------------------------------------------------------------------------


def cmd_summary(args: argparse.Namespace) -> int:
    _text, analysis = load_architecture(args.file, args.dtype, args.scale, args.imgsz)
    if args.json:
        import json

        from .render.json import to_json

        print(
            json.dumps(
                to_json(analysis, depth=args.depth, batch=args.batch), indent=2, ensure_ascii=not _utf8(sys.stdout)
            )
        )
    else:
        from .render.table import View, print_summary

        view = View(args.columns, args.batch)
        _draw(lambda console: print_summary(console, analysis, depth=args.depth, path=args.file, view=view))
    return ERRORS if analysis.has_errors else OK


def cmd_check(args: argparse.Namespace) -> int:
    from .engine import Severity
    from .render.text import diagnostic_line, plural, tally

    files, unreadable, skipped, found = expand(args.files), 0, 0, []
    for path in files:
        try:
            _text, analysis = load(path, None, args.scale, args.imgsz)
        except Unusable as exc:
            print(f"paramlens: {exc}", file=sys.stderr)
            unreadable += 1
            continue
        if not analysis.is_architecture:
            print(f"{path}:1:1: warning: {not_architecture('this file')}; skipped [not-architecture]")
            skipped += 1
            continue
        for d in analysis.diagnostics:
            print(diagnostic_line(d, path))
        found += analysis.diagnostics
    parts = [f"{plural(len(files) - unreadable, 'file')} checked", tally(found) or "no problems"]
    if skipped:
        parts.append(f"{skipped:,} skipped (not architecture files)")
    if unreadable:
        parts.append(f"{unreadable:,} unreadable")
    print(", ".join(parts), file=sys.stderr)
    if unreadable:
        return USAGE
    return ERRORS if any(d.severity == Severity.ERROR for d in found) else OK


def cmd_show(args: argparse.Namespace) -> int:
    text, analysis = load_architecture(args.file, None, args.scale, args.imgsz)
    if sys.stdout.isatty():
        from .render.inline import print_show

        print_show(_console(), text, analysis)
    else:
        from .render.inline import show_text

        sys.stdout.write(show_text(text, analysis))
    return ERRORS if analysis.has_errors else OK


def cmd_kinds(args: argparse.Namespace) -> int:
    from .engine.registry import lookup, suggest, type_names
    from .render.kinds import kind_detail, kinds_table

    if args.name is None:
        _draw(lambda console: console.print(kinds_table()))
        return OK
    kind = lookup(args.name)
    if kind is None:
        hits = suggest(args.name, type_names())
        hint = f" Did you mean {' or '.join(hits)}?" if hits else " Run `paramlens kinds` for the list."
        raise Unusable(f"no layer kind named {args.name!r}.{hint}")
    _draw(lambda console: console.print(kind_detail(kind)))
    return OK


def cmd_export(args: argparse.Namespace) -> int:
    from .render.text import diagnostic_line

    _text, analysis = load_architecture(args.file)
    for d in analysis.diagnostics:
        print(diagnostic_line(d, args.file), file=sys.stderr)
    if analysis.has_errors:
        print(f"paramlens: {args.file} has errors; fix them to export it", file=sys.stderr)
        return ERRORS
    try:
        from .export.torch import to_torch_source
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("paramlens"):
            raise
        raise Unusable("the PyTorch exporter is not part of this installation") from None
    source = to_torch_source(analysis, name=analysis.name)
    if args.output is None:
        sys.stdout.write(source)
        return OK
    try:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(source)
    except OSError as exc:
        raise Unusable(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}", file=sys.stderr)
    return OK


def cmd_serve(argv: list[str]) -> int:
    """The language server; its arguments (``--tcp HOST:PORT``, ``--stdio``, ...) are its own."""
    try:
        from .lsp.server import main as serve
    except ModuleNotFoundError as exc:
        raise Unusable(f"the language server cannot start: {exc}") from None
    return serve(argv)


# --- arguments -------------------------------------------------------------------------------------


def _depth(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            f"must be a positive integer (1 shows the top-level layers only), not {text!r}"
        )
    return int(text)


def _formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter, sized without importing shutil (a few ms of every start-up)."""
    try:
        width = os.get_terminal_size(sys.stderr.fileno()).columns - 2
    except (OSError, ValueError):
        width = 100
    return argparse.HelpFormatter(prog, width=max(width, 40))


def _imgsz(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65536:
        raise argparse.ArgumentTypeError(f"must be a positive number of pixels, e.g. 640, not {text!r}")
    return int(text)


def _batch(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number of samples, e.g. 8, not {text!r}")
    return int(text)


def _columns(text: str) -> tuple[str, ...]:
    from .render.table import COLUMN_GROUPS

    picked = tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    wrong = [c for c in picked if c not in COLUMN_GROUPS]
    if wrong or not picked:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of {', '.join(COLUMN_GROUPS)}, not {text!r}")
    return picked


def _scale(text: str) -> str:
    if not text or len(text) > 16 or not text.isalnum():
        raise argparse.ArgumentTypeError(f"must be a letter of the file's `scales:` (n, s, m, l, x), not {text!r}")
    return text


def _ultralytics_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scale", type=_scale, metavar="X", help="Ultralytics files: the scale to build (default: the file name's, "
        "else the first of `scales:`)",
    )  # fmt: skip
    p.add_argument("--imgsz", type=_imgsz, metavar="N", help="Ultralytics files: image size of the shapes (640)")


def _summary_args(p: argparse.ArgumentParser) -> None:
    from .engine.definitions import DTYPE_BYTES

    p.add_argument("file", metavar="FILE", help="an architecture file (*.arch.yaml), or - for standard input")
    p.add_argument("--json", action="store_true", help="print JSON (schema in docs/json-output.md)")
    p.add_argument("--depth", type=_depth, metavar="N", help="fold composites below nesting level N (1: top level)")
    p.add_argument(
        "--dtype", choices=list(DTYPE_BYTES), help="parameter type for the size in bytes (default: the file's, float32)"
    )
    p.add_argument(
        "--columns", type=_columns, default=("params",), metavar="LIST",
        help="what the table shows, comma-separated: params (with its formula), macs, memory (output bytes), "
        "rf (receptive field); default params",
    )  # fmt: skip
    p.add_argument("--batch", type=_batch, default=1, metavar="N", help="batch size of MACs, FLOPs and memory (1)")
    _ultralytics_args(p)
    p.set_defaults(run=cmd_summary)


def _check_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="architecture files or directories (their *.arch.yaml)")
    _ultralytics_args(p)
    p.set_defaults(run=cmd_check)


def _show_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="an architecture file, or - for standard input")
    _ultralytics_args(p)
    p.set_defaults(run=cmd_show)


def _kinds_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", metavar="NAME", help="a layer type (PyTorch or Keras name)")
    p.set_defaults(run=cmd_kinds)


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="an architecture file without errors")
    p.add_argument("--torch", action="store_true", required=True, help="export PyTorch source (the only target)")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of standard output")
    p.set_defaults(run=cmd_export)


# each command: its line in --help, and its arguments (`serve ARGS...` goes to the server's own parser)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None] | None]] = {
    "summary": ("the layer table and totals of an architecture file", _summary_args),
    "check": ("print diagnostics as path:line:col: severity: message [code]", _check_args),
    "show": ("the file with counts and shapes inline, errors underlined", _show_args),
    "kinds": ("the layer kinds, or one kind's arguments and docs", _kinds_args),
    "export": ("write the architecture as a PyTorch module", _export_args),
    "serve": ("run the language server (stdio by default; --tcp HOST:PORT; serve --help)", None),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``command``, that command's own, as the full parser would make it
    (running a command builds only its parser: argparse looks up its translations for every parser and
    argument it makes, which cost a few milliseconds of each start-up)."""
    configure = COMMANDS[command][1] if command is not None else None
    if configure is not None:
        parser = argparse.ArgumentParser(prog=f"paramlens {command}", formatter_class=_formatter)
        configure(parser)
        return parser
    parser = argparse.ArgumentParser(
        prog="paramlens",
        formatter_class=_formatter,
        description="Exact parameter counts and output shapes of neural-network architectures written in YAML.",
        epilog="Exit codes: 0 no error, 1 errors found, 2 unusable arguments or unreadable files.",
    )
    parser.add_argument("--version", action="version", version=f"paramlens {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (summary, configure) in COMMANDS.items():
        p = commands.add_parser(name, formatter_class=_formatter, help=summary)
        if configure is not None:
            configure(p)
    return parser


# --- output ----------------------------------------------------------------------------------------


def _utf8(stream: object) -> bool:
    return (getattr(stream, "encoding", None) or "").lower().replace("-", "") == "utf8"


def _width() -> int:
    """Columns for output that is not a terminal (a file, a pipe, a CI log): ``COLUMNS`` or 120."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= 40 else 120


def _draw(draw: Callable[[Console], None]) -> None:
    """Output drawn with rich: styled on a terminal; otherwise plain text, ``_width()`` columns wide,
    without the trailing spaces rich pads lines with."""
    if sys.stdout.isatty():
        draw(_console())
        return
    from .render.table import plain

    sys.stdout.write(plain(draw, _width()))


def _console() -> Console:
    """A rich console for a terminal on stdout: its width, colours."""
    from rich.console import Console

    return Console(highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``paramlens`` entry point; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not _utf8(sys.stdout) and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # a terminal that cannot show ×, →: replaced, not a crash
    try:
        if argv[:1] == ["serve"]:
            return cmd_serve(argv[1:])
        if argv and argv[0] in COMMANDS:
            args = build_parser(argv[0]).parse_args(argv[1:])
        else:  # no command, an unknown one, or --help / --version: the full parser says what there is
            args = build_parser().parse_args(argv)
        return args.run(args)
    except Unusable as exc:
        print(f"paramlens: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `paramlens kinds | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
