"""The analysis engine: pure functions from text to an ``Analysis`` (no LSP, no I/O)."""

from .analysis import Analysis, Diagnostic, LayerResult, Severity, Span, Totals
from .infer import Resolver, analyse
from .registry import KINDS, lookup

__all__ = [
    "KINDS",
    "Analysis",
    "Diagnostic",
    "LayerResult",
    "Resolver",
    "Severity",
    "Span",
    "Totals",
    "analyse",
    "lookup",
]
