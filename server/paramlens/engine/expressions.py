"""`${…}` integer expressions over block arguments, evaluated by a whitelist walk over Python's ``ast``,
never ``eval``. A module of its own: ``ast`` is imported only for a file that has expressions."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from yaml.nodes import Node

from .values import ValueError_, undefined_message

MAX_EXPRESSION = 200  # characters
MAX_MAGNITUDE = 10**18

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Div, ast.Mod)


def evaluate(expression: str, env: Mapping[str, Any], node: Node | None = None) -> int:
    """Integer arithmetic over arguments: + - * // / % and parentheses; `/` must divide exactly."""
    if len(expression) > MAX_EXPRESSION:
        raise ValueError_(f"The expression is longer than {MAX_EXPRESSION} characters.", "invalid-expression", node)
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ValueError_(
            f"${{{expression}}} is not an arithmetic expression: use numbers, argument names, "
            "+ - * // / % and parentheses.",
            "invalid-expression",
            node,
        ) from None
    return _evaluate(tree, env, expression, node)


def _evaluate(n: ast.AST, env: Mapping[str, Any], expression: str, node: Node | None) -> int:
    """One node of an expression's tree (module level: a nested recursive function is a reference cycle)."""
    if isinstance(n, ast.Expression):
        return _evaluate(n.body, env, expression, node)
    if isinstance(n, ast.Constant) and isinstance(n.value, int) and not isinstance(n.value, bool):
        return n.value
    if isinstance(n, ast.Name):
        if n.id not in env:
            raise ValueError_(undefined_message(n.id, env), "undefined-argument", node)
        value = env[n.id]
        if value is None:  # $in_channels of a block whose input is unknown
            raise ValueError_(
                f"{n.id} is not known here (nothing before gives the input's channels), so ${{{expression}}} "
                "cannot be computed. Add an `input:` shape at the top of the file.",
                "missing-channels",
                node,
            )
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError_(f"{n.id} is {value!r}, not an integer, in ${{{expression}}}.", "invalid-expression", node)
        return value
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub | ast.UAdd):
        value = _evaluate(n.operand, env, expression, node)
        return -value if isinstance(n.op, ast.USub) else value
    if isinstance(n, ast.BinOp) and isinstance(n.op, _BINOPS):
        a, b = _evaluate(n.left, env, expression, node), _evaluate(n.right, env, expression, node)
        if isinstance(n.op, ast.Add):
            result = a + b
        elif isinstance(n.op, ast.Sub):
            result = a - b
        elif isinstance(n.op, ast.Mult):
            result = a * b
        else:
            if b == 0:
                raise ValueError_(f"Division by zero in ${{{expression}}}.", "invalid-expression", node)
            if isinstance(n.op, ast.Div) and a % b:
                raise ValueError_(
                    f"{a} / {b} is not a whole number in ${{{expression}}}: use // to round down.",
                    "invalid-expression",
                    node,
                )
            result = a % b if isinstance(n.op, ast.Mod) else a // b
        if abs(result) > MAX_MAGNITUDE:
            raise ValueError_(f"${{{expression}}} grows beyond {MAX_MAGNITUDE:.0e}.", "invalid-expression", node)
        return result
    raise ValueError_(
        f"${{{expression}}} uses something other than integer arithmetic "
        "(numbers, argument names, + - * // / % and parentheses).",
        "invalid-expression",
        node,
    )
