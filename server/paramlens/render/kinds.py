"""The ``kinds`` view: the registry of layer kinds, or one kind's arguments and docs."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..engine.kinds.common import RANK_SHAPES
from ..engine.registry import KINDS, REQUIRED, Arg, Kind


def kinds_table() -> Table:
    """Every kind: canonical name, Keras aliases, family and parameter formula."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, title=f"{len(KINDS)} layer kinds", title_justify="left")
    table.add_column("Type", style="bold", no_wrap=True)
    table.add_column("Keras aliases", overflow="fold")
    table.add_column("Family", no_wrap=True)
    table.add_column("Parameters", overflow="fold")
    for kind in sorted(KINDS.values(), key=lambda k: (k.family, k.name)):
        table.add_row(kind.name, ", ".join(kind.aliases), kind.family, kind.formula or "0")
    return table


def kind_detail(kind: Kind) -> RenderableType:
    """One kind: its doc, aliases, accepted inputs, formula and arguments."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    if kind.aliases:
        facts.add_row("Keras", ", ".join(kind.aliases))
    facts.add_row("Family", kind.family)
    if kind.ranks:
        facts.add_row(
            "Input rank", " or ".join(f"{r} ({RANK_SHAPES[r]})" if r in RANK_SHAPES else str(r) for r in kind.ranks)
        )
    facts.add_row("Parameters", kind.formula or "0")
    if kind.torch and kind.torch != kind.name:
        facts.add_row("PyTorch", f"torch.nn.{kind.torch}")
    elif kind.keras:
        facts.add_row("PyTorch", "no module of its own: exported as its PyTorch equivalent")
    parts: list[RenderableType] = [Text(kind.name, style="bold"), Text(kind.doc), Text(), facts]
    if kind.args:
        args = Table(box=box.SIMPLE_HEAD, show_edge=False)
        args.add_column("Argument", style="bold", no_wrap=True)
        args.add_column("Keras", no_wrap=True)
        args.add_column("Type", no_wrap=True)
        args.add_column("Default", overflow="fold")
        args.add_column("Description", overflow="fold", ratio=1)
        for arg in kind.args:
            doc = arg.doc
            if arg.choices:
                doc += " One of: " + ", ".join(_text(c) for c in arg.choices) + "."
            args.add_row(arg.name, ", ".join(arg.aliases), arg.type, _default(arg), doc)
        parts += [Text(), args]
    return Group(*parts)


def _default(arg: Arg) -> str:
    if arg.infer is not None:
        return "inferred"
    if arg.default is REQUIRED:
        return "(optional)" if arg.optional else "required"
    return _text(arg.default)


def _text(value: object) -> str:
    """A value as YAML writes it."""
    if value is None:
        return "null"
    return str(value).lower() if isinstance(value, bool) else str(value)
