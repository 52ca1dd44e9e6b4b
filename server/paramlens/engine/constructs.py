"""The walk's composites: block uses, Sequential, Repeat, Residual and the joins of branches (Add,
Multiply, Concat), and how their children add up. A mixin of the walker (infer._Walker), which walks the
single layers and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yaml.nodes import Node, ScalarNode, SequenceNode

from . import compute, registry, shapes
from .analysis import (
    Argument,
    Fix,
    LayerResult,
    Origin,
    Span,
    UseSite,
)
from .definitions import Block
from .flow import Flow, Scope
from .layout import COMMON_KEYS, CONSTRUCT_KEYS, Item
from .registry import MAX_SIZE
from .reuse import Instance, Reinstated
from .shapes import Shape
from .source import node_span
from .values import ValueError_, read

if TYPE_CHECKING:
    from .infer import _Walker


class Constructs:
    """The composite half of ``infer._Walker`` (its methods call the walker's ``walk_list``, ``report``,
    ``unknown`` ...)."""

    __slots__ = ()

    # --- block uses ------------------------------------------------------------------------

    def walk_block(
        self, block: Block, item: Item, base: LayerResult, flow: Flow, scope: Scope
    ) -> tuple[LayerResult, Flow]:
        base.category = "block"
        self.used.add(block.name)
        if block.name in scope.stack:
            cycle = scope.stack[scope.stack.index(block.name) :]
            chain = " → ".join((*cycle, block.name))
            self.report(
                "block-cycle",
                f"Block {block.name} uses itself ({chain}): a block cannot contain itself. "
                "Remove this use or use another block.",
                item.type_span,
                scope,
                once=("block-cycle", frozenset(cycle)),  # one report per cycle, wherever it closes
            )
            return self.unknown(base, flow)
        if block.problem is not None:
            return self.unknown(base, flow)
        env: dict[str, Any] = {}
        bad = False
        for key, (knode, vnode) in item.args.items():
            if key in COMMON_KEYS:
                continue
            if key not in block.args:
                self.unknown_argument(f"Block {block.name}", key, list(block.args), list(block.args), knode, scope)
                bad = True
                continue
            try:
                env[key] = read(vnode, scope.env)
            except ValueError_ as exc:
                self.report(exc.code, exc.message, node_span(vnode), scope)
                bad = True
        for key, (default, _node) in block.args.items():
            if key not in env:
                if default is None:
                    self.report(
                        "missing-argument", f"Block {block.name} needs {key}: add `{key}: …`.", item.type_span, scope
                    )
                    bad = True
                env[key] = default
        if bad:
            return self.unknown(base, flow)
        env["in_channels"] = shapes.channels(flow.shape)
        for key, value in env.items():
            if key == "in_channels":
                base.arguments[key] = Argument(key, value, self.origin(flow))
                continue
            expr = _expr(item.args[key][1]) if key in item.args else None
            base.arguments[key] = Argument(key, value, Origin("written" if key in item.args else "default"), expr=expr)
        inner = Scope(
            env=env,
            stack=(*scope.stack, block.name),
            frozen=scope.frozen,
            source=block.source or scope.source,
            use=scope.use if scope.source else (base.type_span if block.source else None),
            site=scope.site or UseSite(base.type, base.line),
            depth=scope.depth + 1,
        )
        key = self.instance_key(block, env, flow, scope)
        found = self.instances.get(key) or (self.reusable.get(key) if self.reusable is not None else None)
        if found is not None:
            self.evaluations += found.evaluations
            self.used |= found.blocks
            self.compose(base, found.children, flow, Flow(found.out_shape, None, found.out_broken))
            use = Reinstated.of(base, found, inner.site, flow.producer)  # its layers are copied when read
            return use, Flow(found.out_shape, use, found.out_broken)
        first, evaluations, outer = len(self.attempts), self.evaluations, self.used
        self.used = set()
        children, out = self.walk_list(block.layers, Flow(flow.shape, flow.producer, flow.broken), inner, base.path)
        inside, self.used = self.used, outer | self.used
        if len(self.attempts) == first:  # messages name places: only instances without any are shared
            refs = (base, inner.site, flow.producer)
            evaluations = self.evaluations - evaluations
            self.instances[key] = Instance(
                children, base.path, refs, out.shape, out.broken, evaluations, frozenset(inside)
            )
        return self.compose(base, children, flow, out)

    def instance_key(self, block: Block, env: dict[str, Any], flow: Flow, scope: Scope) -> tuple[Any, ...]:
        """What a use's layers depend on: the block, its arguments, its input, where it is walked. Not
        the layer the input came from: its layers refer to it, and ``reinstate`` points them at the new one."""
        return (
            block.name, repr(sorted(env.items())), flow.shape, flow.broken, flow.producer is None,
            scope.frozen, scope.stack, scope.source, scope.use, scope.depth, scope.site is None,
        )  # fmt: skip

    def compose(
        self,
        base: LayerResult,
        children: list[LayerResult],
        flow: Flow,
        out: Flow,
        times: int = 1,
        fold: bool = True,
    ) -> tuple[LayerResult, Flow]:
        """A composite of ``children`` run one after another (``fold=False``: branches, whose join sets
        what backward keeps and the field)."""
        base.children = children
        base.output_shape = out.shape
        (
            base.param_count,
            base.trainable_count,
            base.buffer_count,
            base.macs,
            base.activations,
            base.saved,
            base.rf,
        ) = compute.run(children, self.dtype_bytes, fold)
        if times != 1:
            base.param_count = _mul(base.param_count, times)
            base.trainable_count = _mul(base.trainable_count, times)
            base.buffer_count = _mul(base.buffer_count, times)
        return base, Flow(out.shape, base, out.broken)

    # --- constructs --------------------------------------------------------------------------

    def walk_construct(
        self, kind: str, item: Item, base: LayerResult, flow: Flow, scope: Scope
    ) -> tuple[LayerResult, Flow]:
        allowed = CONSTRUCT_KEYS[kind]
        for key, (knode, _v) in item.args.items():
            if key not in allowed and key not in COMMON_KEYS:
                hits = registry.suggest(key, allowed)
                span = node_span(knode)
                self.report(
                    "unknown-argument",
                    f"{kind} has no argument {key!r}."
                    + (f" Did you mean {' or '.join(hits)}?" if hits else "")
                    + f" It takes {', '.join(allowed)}.",
                    span,
                    scope,
                    fixes=tuple(Fix(f"Replace with {h}", "replace", span, h) for h in hits),
                )
                return self.unknown(base, flow)
        needed = "branches" if "branches" in allowed else "layers"
        if needed not in item.args:
            self.report(
                "missing-argument",
                f"{kind} needs `{needed}:` (a list of {'layer lists' if needed == 'branches' else 'layers'}).",
                item.type_span,
                scope,
            )
            return self.unknown(base, flow)
        inner = scope._replace(depth=scope.depth + 1)
        if kind == "Sequential":
            children, out = self.walk_list(item.args["layers"][1], flow, inner, base.path)
            return self.compose(base, children, flow, out)
        if kind == "Repeat":
            return self.walk_repeat(item, base, flow, inner)
        if kind == "Residual":
            return self.walk_residual(item, base, flow, inner)
        return self.walk_branches(kind, item, base, flow, inner)

    def walk_repeat(self, item: Item, base: LayerResult, flow: Flow, scope: Scope) -> tuple[LayerResult, Flow]:
        if "times" not in item.args:
            self.report(
                "missing-argument", "Repeat needs `times:` (how many times to apply its layers).", item.type_span, scope
            )
            return self.unknown(base, flow)
        tnode = item.args["times"][1]
        try:
            times = read(tnode, scope.env)
        except ValueError_ as exc:
            self.report(exc.code, exc.message, node_span(tnode), scope)
            return self.unknown(base, flow)
        if not isinstance(times, int) or isinstance(times, bool) or times < 0:
            message = f"times must be an integer ≥ 0 (0 repeats nothing), not {times!r}."
            self.report("invalid-value", message, node_span(tnode), scope)
            return self.unknown(base, flow)
        base.repeat = times
        base.arguments["times"] = Argument("times", times, Origin("written"), node_span(tnode), _expr(tnode))
        body = item.args["layers"][1]
        first: list[LayerResult] | None = None
        current = flow
        seen_inputs: list[Shape | None] = []
        done = 0
        base.repetitions = []
        while done < times:
            if seen_inputs and seen_inputs[-1] == current.shape and done >= 1:
                break  # steady state: every further repetition is the same as the last one
            seen_inputs.append(current.shape)
            children, current = self.walk_list(body, current, scope, base.path)
            base.repetitions.append(children)
            if first is None:
                first = children
            done += 1
        remaining = times - done
        base.children = first or []
        base.output_shape = current.shape
        outs = [*seen_inputs[1:], current.shape]
        base.saved, base.rf, runs = compute.repeat(base.repetitions, outs, remaining, self.dtype_bytes)
        totals = [r[:5] for r in runs] if times else [(0, 0, 0, 0, 0)]
        for i, attr in enumerate(("param_count", "trainable_count", "buffer_count", "macs", "activations")):
            total = compute.total(t[i] for t in totals)
            if remaining:
                total = compute.total([total, _mul(totals[-1][i], remaining)])
            setattr(base, attr, total)
        return base, Flow(current.shape, base, current.broken)

    def branch_nodes(self, node: Node, kind: str, scope: Scope) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.report("invalid-value", f"{kind}'s branches must be a list of layer lists.", node_span(node), scope)
            return None
        return list(node.value)

    def walk_residual(self, item: Item, base: LayerResult, flow: Flow, scope: Scope) -> tuple[LayerResult, Flow]:
        main_node = item.args["layers"][1]
        main, main_out = self.walk_list(main_node, flow, scope, (*base.path, 1))
        short_entry = item.args.get("shortcut")
        if short_entry is not None:
            short, short_out = self.walk_list(short_entry[1], flow, scope, (*base.path, 2))
        else:
            short, short_out = [], flow
        branch = LayerResult(
            "layers",
            "branch",
            node_span(main_node),
            node_span(item.args["layers"][0]),
            (*base.path, 1),
            input_shape=flow.shape,
            foreign=base.foreign,
            use=base.use,
        )
        self.compose(branch, main, flow, main_out)
        children = [branch]
        if short_entry is not None:
            sc = LayerResult(
                "shortcut",
                "branch",
                node_span(short_entry[1]),
                node_span(short_entry[0]),
                (*base.path, 2),
                input_shape=flow.shape,
                foreign=base.foreign,
                use=base.use,
            )
            self.compose(sc, short, flow, short_out)
            children.append(sc)
        out = main_out
        if not (main_out.broken or short_out.broken) and not shapes.compatible(main_out.shape, short_out.shape):
            fixes = self.projection_fix(item, flow.shape, main_out.shape) if short_entry is None else ()
            what = "the shortcut" if short_entry is not None else "the identity shortcut (the block's input)"
            advice = (
                " Add a projection shortcut (a 1×1 convolution with the stride that matches)."
                if short_entry is None
                else " Make the shortcut produce the branch's shape."
            )
            self.report(
                "branch-mismatch",
                f"Residual: the branch outputs [{shapes.fmt(main_out.shape, ', ')}] but {what} gives "
                f"[{shapes.fmt(short_out.shape, ', ')}]; they must be equal to be added.{advice}",
                item.type_span,
                scope,
                fixes=fixes,
            )
            out = Flow(None, None, True)
        elif short_entry is not None and not (main_out.broken or short_out.broken):
            out = main_out._replace(shape=shapes.merge(main_out.shape, short_out.shape))
        identity = [] if short_entry is not None else [compute.VIEW]
        return self.joined(base, children, flow, out, identity, keeps_inputs=False)

    def joined(
        self, base: LayerResult, branches: list[LayerResult], flow: Flow, out: Flow, extra: list, keeps_inputs: bool
    ) -> tuple[LayerResult, Flow]:
        """Branches from one input joined into a new tensor (Residual's add, Add, Multiply, Concat); ``extra``:
        the identity shortcut of a Residual without one."""
        result = self.compose(base, branches, flow, out, fold=False)
        joined = shapes.numel(out.shape)
        base.activations = compute.total([base.activations, joined])
        parts = [(b.saved, self.out_bytes(b)) for b in branches] + [(e, None) for e in extra]
        base.saved = compute.join(parts, keeps_inputs)
        base.rf = compute.union([b.rf for b in branches] + [compute.KEEP] * len(extra))
        return result

    def projection_fix(self, item: Item, inp: Shape | None, out: Shape | None) -> tuple[Fix, ...]:
        """Insert a `shortcut:` of a 1×1 convolution and a batch norm, for block-style Residuals."""
        mapping = item.args_node
        if mapping is None or mapping.flow_style or inp is None or out is None or shapes.rank(out) not in (2, 3, 4):
            return ()
        if shapes.rank(inp) != shapes.rank(out) or out[0] is None:
            return ()
        strides = []
        for a, b in zip(inp[1:], out[1:], strict=True):
            if a is None or b is None or b == 0 or a % b:
                return ()
            strides.append(a // b)
        n = len(out) - 1
        stride = strides[0] if len(set(strides)) == 1 else strides
        first_key = mapping.value[0][0]
        indent = " " * first_key.start_mark.column
        end = mapping.end_mark
        # a block mapping ends where the next token starts: at a shallower indentation, or at the end
        line = end.line if end.column <= first_key.start_mark.column else end.line + 1
        text = (
            f"{indent}shortcut:\n"
            f"{indent}  - Conv{n}d: {{out_channels: {out[0]}, kernel_size: 1, stride: {stride}, bias: false}}\n"
            f"{indent}  - BatchNorm{n}d\n"
        )
        return (
            Fix("Add a projection shortcut (1×1 convolution + batch norm)", "insert", Span(line, 0, line, 0), text),
        )

    def walk_branches(
        self, kind: str, item: Item, base: LayerResult, flow: Flow, scope: Scope
    ) -> tuple[LayerResult, Flow]:
        nodes = self.branch_nodes(item.args["branches"][1], kind, scope)
        if nodes is None or not nodes:
            if nodes is not None:
                self.report(
                    "invalid-value", f"{kind} needs at least one branch.", node_span(item.args["branches"][1]), scope
                )
            return self.unknown(base, flow)
        children, outs = [], []
        for i, node in enumerate(nodes, 1):
            results, out = self.walk_list(node, flow, scope, (*base.path, i))
            branch = LayerResult(
                f"branch {i}",
                "branch",
                node_span(node),
                node_span(node),
                (*base.path, i),
                input_shape=flow.shape,
                foreign=base.foreign,
                use=base.use,
            )
            self.compose(branch, results, flow, out)
            children.append(branch)
            outs.append(out)
        if any(o.broken for o in outs):
            return self.compose(base, children, flow, Flow(None, None, True))
        shape_list = [o.shape for o in outs]
        joined, problem = (
            _concat(shape_list, item, scope, self, base.arguments)
            if kind == "Concat"
            else _broadcast(shape_list)
            if kind == "Multiply"
            else _add(shape_list)
        )
        if problem is None and joined is not None and any(isinstance(d, int) and d > MAX_SIZE for d in joined):
            problem = "the joined output is larger than any tensor can be (over 2^48 along a dimension)."
        if problem is not None:
            listed = ", ".join(f"[{shapes.fmt(s, ', ')}]" for s in shape_list)
            self.report("branch-mismatch", f"{kind}: the branches output {listed}; {problem}", item.type_span, scope)
            return self.compose(base, children, flow, Flow(None, None, True))
        return self.joined(base, children, flow, Flow(joined, None, False), [], keeps_inputs=kind == "Multiply")


def _add(shape_list: list[Shape | None]) -> tuple[Shape | None, str | None]:
    out = shape_list[0]
    for s in shape_list[1:]:
        if not shapes.compatible(out, s):
            return None, "they must all be equal to be added."
        out = shapes.merge(out, s)
    return out, None


def _broadcast(shape_list: list[Shape | None]) -> tuple[Shape | None, str | None]:
    """PyTorch's broadcasting over the batched shapes (the batch dimension always agrees)."""
    if any(s is None or shapes.rank(s) is None for s in shape_list):
        return None, None
    width = max(len(s) for s in shape_list)  # type: ignore[arg-type]
    out: list[int | None] = []
    for i in range(width):
        dims = {s[i - width + len(s)] for s in shape_list if i - width + len(s) >= 0}  # type: ignore[arg-type]
        dims.discard(1)
        if None in dims:
            dims.discard(None)
            out.append(dims.pop() if len(dims) == 1 else None)
            continue
        if len(dims) > 1:
            return None, "they do not broadcast: each dimension must be equal or 1."
        out.append(dims.pop() if dims else 1)
    return tuple(out), None


def _concat(
    shape_list: list[Shape | None],
    item: Item,
    scope: Scope,
    walker: _Walker,
    arguments: dict[str, Argument] | None = None,
) -> tuple[Shape | None, str | None]:
    """The joined shape, or why the branches cannot be joined; ``arguments`` receives dim and crop."""
    dim, crop = 0, False
    for key in ("dim", "crop"):
        if key in item.args:
            node = item.args[key][1]
            try:
                value = read(node, scope.env)
            except ValueError_ as exc:
                walker.report(exc.code, exc.message, node_span(node), scope)
                return None, None
            if key == "dim":
                if not isinstance(value, int) or isinstance(value, bool):
                    return None, "dim must be an integer."
                dim = value
            else:
                crop = bool(value)
    if arguments is not None:
        arguments["dim"] = Argument("dim", dim, Origin("written" if "dim" in item.args else "default"))
        arguments["crop"] = Argument("crop", crop, Origin("written" if "crop" in item.args else "default"))
    if any(s is None or shapes.rank(s) is None for s in shape_list):
        return None, None
    ranks = {len(s) for s in shape_list}  # type: ignore[arg-type]
    if len(ranks) != 1:
        return None, "they must have the same number of dimensions."
    r = ranks.pop()
    if not -r <= dim < r:
        return None, f"dim {dim} is out of range for {r} dimensions."
    dim %= r
    out: list[int | None] = []
    for i in range(r):
        dims = [s[i] for s in shape_list]  # type: ignore[index]
        if i == dim:
            out.append(None if any(d is None for d in dims) else sum(dims))  # type: ignore[arg-type]
            continue
        known = {d for d in dims if d is not None}
        if len(known) > 1 and not crop:
            return None, (
                f"all dimensions but {dim} must be equal to concatenate (or write `crop: true` "
                "to centre-crop the larger branches)."
            )
        out.append(min(known) if known and (crop or len(known) == 1) and None not in dims else None)
    return tuple(out), None


def _expr(node: Node) -> str | None:
    """The `$name` / `${…}` text of a value node, if it is one."""
    if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value.startswith("$"):
        return node.value
    return None


def _mul(value: int | None, times: int) -> int | None:
    return None if value is None else value * times
