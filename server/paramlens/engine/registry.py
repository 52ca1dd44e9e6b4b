"""The registry of layer kinds: the single source of truth.

Each kind lists its arguments (names, Keras aliases, types, defaults, docs, which one is inferred
from the input), the ranks of input it accepts and a rule that computes its parameter tensors,
buffers, formulas and output shape. The engine, hovers, completion, the JSON Schema and the
exporter all read this table; adding a layer kind means adding one ``Kind`` in ``kinds/``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from .analysis import Argument, Origin

if TYPE_CHECKING:
    from .context import LayerContext


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
MAX_SIZE = 2**48  # sizes beyond this are mistakes (or hostile input), never architectures

ArgType = Literal[
    "count",  # a positive integer
    "int",  # any integer (dims)
    "nonneg",  # an integer >= 0
    "size",  # a positive integer or one per spatial dimension
    "nonneg_list",  # an integer >= 0 or one per spatial dimension
    "padding",  # an integer >= 0, one per spatial dimension, 'same' or 'valid'
    "bool",
    "float",
    "prob",  # a float in [0, 1]
    "shape",  # a positive integer or a list of them
    "ints",  # a list of integers
    "out_size",  # adaptive pooling: an integer or a list with null entries
    "scale",  # a positive number or one per spatial dimension
    "choice",  # one of `choices`
]

Infer = Literal["channels", "last"]


class Arg(NamedTuple):
    name: str
    type: ArgType
    default: Any = REQUIRED
    doc: str = ""
    aliases: tuple[str, ...] = ()  # Keras spellings: filters, units, strides, use_bias ...
    choices: tuple[Any, ...] = ()
    infer: Infer | None = None  # an input size taken from the previous layer's output
    optional: bool = False  # may stay unset (None) without being required

    @property
    def required(self) -> bool:
        return self.default is REQUIRED and self.infer is None and not self.optional


Rule = Callable[["LayerContext"], None]


class Kind(NamedTuple):
    name: str  # the canonical (PyTorch) name
    family: str  # conv, linear, norm, pool, activation, shape, dropout, recurrent, attention ...
    doc: str
    rule: Rule
    args: tuple[Arg, ...] = ()
    aliases: tuple[str, ...] = ()  # Keras type names
    ranks: tuple[int, ...] | None = None  # accepted ranks of one sample's input; None: any
    spatial: int = 0  # number of spatial dimensions for `size` arguments
    formula: str = ""  # the parameter count in symbols, for docs and hovers
    keras: bool = False  # a Keras-only kind, exported as its PyTorch equivalent
    torch: str | None = None  # the torch.nn class it becomes, when it has one of its own
    # compute and memory (engine/compute.py, docs/compute.md)
    macs: str = "0 (no dense product)"  # the MACs in symbols; rules record the value with `c.macs`
    saves: str = "input"  # what backward keeps: input, output, stats, norm, indices, mask, nothing, view
    field: str = "keep"  # receptive field: keep, window, adaptive, global, flat, mix, sequence, norm, none
    arg_by_name: dict[str, Arg] | None = None  # by name and alias: set by `register`

    def __eq__(self, other: object) -> bool:  # one of each in the registry: the same kind is the same object
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return id(self)

    def arg(self, name: str) -> Arg | None:
        if self.arg_by_name is not None:
            return self.arg_by_name.get(name)
        return next((a for a in self.args if name == a.name or name in a.aliases), None)


KINDS: dict[str, Kind] = {}
_LOOKUP: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        if kind.name in KINDS:
            raise ValueError(f"layer kind {kind.name} registered twice")
        indexed = kind._replace(arg_by_name={n: arg for arg in kind.args for n in (arg.name, *arg.aliases)})
        KINDS[kind.name] = indexed
        for name in (kind.name, *kind.aliases):
            _LOOKUP[name] = indexed
            _LOOKUP.setdefault(name.lower(), indexed)


def lookup(name: str) -> Kind | None:
    """The kind for a type name as written: canonical, a Keras alias, or another case."""
    return _LOOKUP.get(name) or _LOOKUP.get(name.lower())


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Did-you-mean candidates, case-insensitively."""
    lowered: dict[str, str] = {}
    for c in candidates:
        lowered.setdefault(c.lower(), c)  # the first spelling wins: canonical names come before aliases
    from difflib import get_close_matches  # only for a mistake: not part of every start-up

    hits = get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[h] for h in hits]


def type_names() -> list[str]:
    """Every accepted type name: canonical names first, then aliases."""
    names = list(KINDS)
    names += [a for k in KINDS.values() for a in k.aliases]
    return names


# --- Ultralytics modules ------------------------------------------------------------------------
# A second table, apart from the kinds: the modules an Ultralytics model file names in its rows
# (`Conv`, `C2f`, `Detect` ...). They are not native layer types (a native file writing `C2f` stays
# `unknown-layer`); their builders compose existing kinds, so their counts and shapes come from the
# same PyTorch-proven rules.

class Module(NamedTuple):
    """One module of Ultralytics' ``tasks.py`` namespace: the YAML arguments a row writes (docs,
    completion, arity), the ``parse_model`` branch it belongs to, and the builder that expands a row
    into its sub-modules (``None``: known, but paramlens does not count it yet)."""

    name: str
    doc: str
    branch: str  # base, repeat (base modules with n as their argument), detect, concat, verbatim ...
    args: tuple[Arg, ...]  # as the YAML row writes them (not the constructor's: c1 and n are injected)
    build: Callable[..., Any] | None
    path: str  # the dotted class path Ultralytics prints in its `module` column
    formula: str = ""
    family: str = "ultralytics"


MODULES: dict[str, Module] = {}


def register_module(*modules: Module) -> None:
    for module in modules:
        if module.name in MODULES:
            raise ValueError(f"Ultralytics module {module.name} registered twice")
        MODULES[module.name] = module


# --- argument values -------------------------------------------------------------------------

Coerced = tuple[Any, str | None]  # the value, or an error message saying what is wrong


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (isinstance(v, int | float)) and not isinstance(v, bool) and math.isfinite(v)


def _describe(v: Any) -> str:
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, str):
        return f"the text {v!r}"
    if v is None:
        return "null"
    if isinstance(v, float):
        return f"the number {v:g}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return repr(v)


def coerce(arg: Arg, value: Any, spatial: int) -> Coerced:
    """Check a written value against the argument's type; return it normalised or an error."""
    t = arg.type
    if value is None and (arg.optional or arg.default is None):
        return None, None
    if any(_is_int(v) and abs(v) > MAX_SIZE for v in (value if isinstance(value, list) else [value])):
        return None, f"{arg.name} is larger than any layer can use (over 2^48)"
    if t == "count":
        if _is_int(value) and value > 0:
            return value, None
        return None, f"{arg.name} must be a positive integer, not {_describe(value)}"
    if t == "int":
        return (value, None) if _is_int(value) else (None, f"{arg.name} must be an integer, not {_describe(value)}")
    if t == "nonneg":
        if _is_int(value) and value >= 0:
            return value, None
        return None, f"{arg.name} must be an integer ≥ 0, not {_describe(value)}"
    if t in ("size", "padding", "nonneg_list"):
        return _coerce_tuple(arg, value, spatial)
    if t == "bool":
        return (
            (value, None)
            if isinstance(value, bool)
            else (None, f"{arg.name} must be true or false, not {_describe(value)}")
        )
    if t == "float":
        return (value, None) if _is_number(value) else (None, f"{arg.name} must be a number, not {_describe(value)}")
    if t == "prob":
        if _is_number(value) and 0 <= value <= 1:
            return value, None
        return None, f"{arg.name} must be a probability between 0 and 1, not {_describe(value)}"
    if t == "shape":
        items = [value] if _is_int(value) else value
        if isinstance(items, list) and items and all(_is_int(i) and i > 0 for i in items):
            return tuple(items), None
        return None, f"{arg.name} must be a positive integer or a list of them, not {_describe(value)}"
    if t == "ints":
        if isinstance(value, list) and all(_is_int(i) for i in value):
            return tuple(value), None
        return None, f"{arg.name} must be a list of integers, not {_describe(value)}"
    if t == "out_size":
        items = [value] * spatial if _is_int(value) or value is None else value
        ok = isinstance(items, list) and len(items) == spatial
        if ok and all(i is None or (_is_int(i) and i > 0) for i in items):
            return tuple(items), None
        return None, (
            f"{arg.name} must be a positive integer or a list of {spatial} (null keeps a size), not {_describe(value)}"
        )
    if t == "scale":
        items = [value] * spatial if _is_number(value) else value
        ok = isinstance(items, list) and len(items) == spatial
        if ok and all(_is_number(i) and i > 0 for i in items):
            return tuple(items), None
        return None, f"{arg.name} must be a positive number or a list of {spatial}, not {_describe(value)}"
    if t == "choice":
        if value in arg.choices:
            return value, None
        options = ", ".join(repr(c) if not isinstance(c, bool) else str(c).lower() for c in arg.choices)
        return None, f"{arg.name} must be one of {options}, not {_describe(value)}"
    raise AssertionError(t)  # pragma: no cover


def _coerce_tuple(arg: Arg, value: Any, spatial: int) -> Coerced:
    least = 1 if arg.type == "size" else 0
    if arg.type == "padding" and value in ("same", "valid"):
        return value, None
    items = [value] * spatial if _is_int(value) else value
    if isinstance(items, list) and len(items) == spatial and all(_is_int(i) and i >= least for i in items):
        return tuple(items), None
    what = "a positive integer" if least else "an integer ≥ 0"
    extra = ", 'same' or 'valid'" if arg.type == "padding" else ""
    per_dim = f" or a list of {spatial}" if spatial > 1 else ""
    return None, f"{arg.name} must be {what}{per_dim}{extra}, not {_describe(value)}"


def default_of(arg: Arg, spatial: int) -> Any:
    """The default value in the normalised form ``coerce`` returns."""
    value = arg.default
    if value is REQUIRED or value is None:
        return None
    coerced, error = coerce(arg, value, spatial)
    assert error is None, (arg.name, value, error)
    return coerced


@cache  # a kind hashes as itself
def defaults(kind: Kind) -> dict[str, Argument]:
    """Each argument's default, resolved once per kind (shared, immutable)."""
    return {arg.name: Argument(arg.name, default_of(arg, kind.spatial), Origin("default")) for arg in kind.args}


def _load_kinds() -> None:
    from . import kinds  # noqa: F401  (registers every family)


_load_kinds()
