"""Text to a positioned YAML tree.

PyYAML's ``compose`` (C loader when available) builds nodes that keep their start and end marks
without constructing any Python object, so tags such as ``!!python/object`` are never run and
aliases stay shared nodes. After a syntax error the text before the error is composed again, so
that the layers written above it keep their counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .analysis import Diagnostic, Severity, Span

try:  # the C loader is an order of magnitude faster; the pure-Python one is the fallback
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}
_RESOLVED_MAX = 65_536


class Loader(_Base):  # type: ignore[misc,valid-type]
    """The safe loader, minus work paramlens never needs: even the C composer asks Python to resolve
    each scalar's implicit type through a list of regular expressions, and to track paths for path
    resolvers (none are registered). Architecture files repeat few distinct scalars, so remembering
    each one's type cuts the parse by about a fifth."""

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = _RESOLVED.get(key)  # type: ignore[arg-type]
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < _RESOLVED_MAX:
                _RESOLVED[key] = tag  # type: ignore[index]
        return tag


__all__ = ["MappingNode", "Node", "Parsed", "ScalarNode", "SequenceNode", "node_span", "parse"]

RECOVERY_ATTEMPTS = 3
_STANDARD = "tag:yaml.org,2002:"
# YAML's own types: harmless on keys and containers (values reject the exotic ones when read)
_YAML_TYPES = {"str", "int", "float", "bool", "null", "map", "seq", "merge", "timestamp", "binary", "set", "omap"}
# Editors break lines at \n, \r\n and \r only; YAML also at NEL, LS and PS. One code point for one keeps
# every column, and makes YAML's line numbers the editor's. Lone surrogates (UTF-8 cannot encode them,
# so the C loader would raise) become U+FFFD.
_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]|[\ud800-\udfff]")
_BREAK_FOR = {"\r": "\n", "\x85": " ", "\u2028": " ", "\u2029": " "}


class Parsed(NamedTuple):
    root: Node | None
    diagnostics: list[Diagnostic]  # a list of its own: tags found later are added
    partial: bool = False  # the root covers only the text before a syntax error


def node_span(node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return Span(s.line, s.column, e.line, e.column)


def _line_col(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def _point(text: str, line: int, col: int) -> Span:
    """A one-character span at (line, col), clipped to the line."""
    line = min(line, text.count("\n"))
    length = len(_line(text, line).rstrip("\r"))
    col = min(col, length)
    return Span(line, col, line, min(col + 1, length) if length else col)


def _line(text: str, line: int) -> str:
    """Line ``line`` of the text ('' past its end), splitting no further than it."""
    lines = text.split("\n", line + 1)
    return lines[line] if line < len(lines) else ""


def _syntax_diagnostic(text: str, error: yaml.YAMLError) -> tuple[Diagnostic, int]:
    """The diagnostic for a parser error, and the line where it was found."""
    if isinstance(error, yaml.reader.ReaderError):
        position = error.position
        if _Base.__name__.startswith("C"):  # libyaml counts UTF-8 bytes
            position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
        line, col = _line_col(text, position)
        what = (
            f"character {error.character!r} is not allowed in YAML"
            if isinstance(error.character, str)
            else f"byte {error.character!r} is not allowed in YAML ({error.reason})"
        )
        message = f"YAML syntax error: {what}. Remove it or quote the value that holds it."
    else:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line, col = (mark.line, mark.column) if mark else (0, 0)
        problem = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        cmark = getattr(error, "context_mark", None)
        where = ""
        if context and cmark is not None:
            where = f" ({context} at line {cmark.line + 1}, column {cmark.column + 1})"
        at_tab = _line(text, line)[col : col + 1] == "\t"
        hint = " Tabs cannot indent YAML: use spaces." if at_tab or "\t" in problem or "tab" in problem else ""
        message = f"YAML syntax error: {problem}{where}.{hint} Layers below this point are not analysed."
    span = _point(text, line, col)
    return Diagnostic("yaml-syntax", Severity.ERROR, message, span), line


def compose(text: str) -> list[Node]:
    loader = Loader(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
        return nodes
    finally:
        loader.dispose()


def normalise(text: str) -> str:
    """The text with every line break an editor does not count replaced (see _BREAKS). Scanning for the
    few characters concerned is many times faster than the regular expression, which is rarely needed."""
    if text.isascii():
        if "\r" not in text:
            return text
    else:
        try:
            text.encode("utf-8")  # fails on a lone surrogate
        except UnicodeEncodeError:
            pass
        else:
            if "\r" not in text and "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
                return text
    return _BREAKS.sub(lambda m: _BREAK_FOR.get(m.group(), "\ufffd"), text)


def parse(text: str) -> Parsed:
    """Compose the first YAML document of ``text``, recovering what precedes a syntax error."""
    text = normalise(text)
    try:
        documents = compose(text)
    except yaml.YAMLError as error:
        return _tagged(recover(text, error), text)
    except RecursionError:
        return Parsed(None, [_too_deep(text)])
    clamp_end(documents[0] if documents else None, text)  # before any span is taken from the nodes
    parsed = _tagged(Parsed(documents[0] if documents else None, []), text)
    if len(documents) > 1:
        extra = documents[1]
        span = Span(extra.start_mark.line, 0, extra.start_mark.line, 0)
        lines = text.split("\n")
        for line in range(documents[0].end_mark.line, min(extra.start_mark.line, len(lines) - 1) + 1):
            if lines[line].startswith("---"):  # the marker that starts the second document
                span = Span(line, 0, line, 3)
                break
        parsed.diagnostics.append(
            Diagnostic(
                "multiple-documents",
                Severity.WARNING,
                f"This file holds {len(documents)} YAML documents; only the first is analysed. "
                "Put each architecture in a file of its own.",
                span,
            )
        )
    return parsed


def clamp_end(root: Node | None, text: str) -> None:
    """Without a final line break libyaml ends the last collections on a line after the text; the
    nodes that end with the document (the root and its last descendants) end at its last character."""
    last_line = text.count("\n")
    end = yaml.Mark("<text>", len(text), last_line, len(text) - (text.rfind("\n") + 1), None, None)
    node, seen = root, set()
    while node is not None and id(node) not in seen and node.end_mark.line > last_line:
        seen.add(id(node))
        node.end_mark = end
        value = node.value if isinstance(node, MappingNode | SequenceNode) else None
        node = (value[-1][1] if isinstance(node, MappingNode) else value[-1]) if value else None


def descendants(roots: Iterable[Node]) -> Iterator[Node]:
    """Every node under the roots (themselves included), once each: aliases share nodes, and may even
    be recursive."""
    stack, seen = list(roots), set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _tagged(parsed: Parsed, text: str) -> Parsed:
    """Report every node with a tag that is not one of YAML's own types (``!!python/object``, ``!custom``):
    nothing is ever constructed from them, and saying so beats ignoring them."""
    for node in descendants([parsed.root] if parsed.root is not None and "!" in text else []):
        tag = node.tag
        if not (tag.startswith(_STANDARD) and tag[len(_STANDARD) :] in _YAML_TYPES):
            shown = tag.replace(_STANDARD, "!!")
            message = f"The tag {shown} is not supported: paramlens reads plain YAML values only. Remove the tag."
            parsed.diagnostics.append(Diagnostic("unsupported-tag", Severity.ERROR, message, node_span(node)))
    return parsed


def _too_deep(text: str) -> Diagnostic:
    return Diagnostic(
        "yaml-syntax",
        Severity.ERROR,
        "The YAML is nested too deeply to analyse. Flatten the structure.",
        _point(text, 0, 0),
    )


def recover(text: str, error: yaml.YAMLError, before: Callable[[int], list[Node]] | None = None) -> Parsed:
    """The diagnostic for a syntax error and the tree of the text above its line. ``before(line)``
    composes the text above a line (by default the text itself; splice.py passes a shortcut)."""
    diagnostic, line = _syntax_diagnostic(text, error)
    lines = text.split("\n") if before is None else []
    for _ in range(RECOVERY_ATTEMPTS):
        if line <= 0:
            break
        try:
            documents = before(line) if before is not None else compose("\n".join(lines[:line]) + "\n")
        except yaml.YAMLError as again:
            mark = getattr(again, "problem_mark", None)
            next_line = mark.line if mark is not None else line - 1
            line = min(next_line, line - 1)
            continue
        except RecursionError:
            break
        return Parsed(documents[0] if documents else None, [diagnostic], partial=True)
    return Parsed(None, [diagnostic], partial=True)
