"""The compute oracle: paramlens' MACs, activation bytes, saved-for-backward estimate and receptive
fields against what PyTorch itself measures (docs/compute.md says why each measure is the right one).

- FLOPs: ``FlopCounterMode`` on the ``meta`` device (on the CPU it silently counts 0 for some kernels),
  per module (its counts are inclusive, keyed by the root class name and the module's name);
- output bytes: the forward output's ``numel × element_size``; all activations: the sum over the
  modules computing a layer or a join, every call;
- saved for backward: the tensors ``saved_tensors_hooks`` sees in training, once per storage,
  parameters and buffers apart;
- receptive field: the support of the input gradient of an output unit whose field lies inside the
  input, with positive weights and max pooling replaced by a window of the same geometry that sends
  the gradient to every element.

The model and its module per layer come from ``oracle.model_and_modules``.
"""

from __future__ import annotations

from typing import Any

from paramlens.engine import Analysis, shapes
from paramlens.engine.compute import GLOBAL, Field

from .oracle import model_and_modules, torch

nn = torch.nn
BATCH = 2
LEAVES = ("layer", "residual", "add", "multiply", "concat")  # results that make a tensor of their own


def _input(analysis: Analysis, device: str = "cpu", dtype: Any = None) -> Any:
    shape = (BATCH, *analysis.input_shape)  # type: ignore[misc]
    first = next((layer for layer in analysis.walk() if layer.category == "layer"), None)
    if first is not None and first.type == "Embedding":
        return torch.randint(0, first.arguments["num_embeddings"].value, shape, device=device)
    return torch.randn(shape, device=device, dtype=dtype)


def check_flops(analysis: Analysis) -> int:
    """FLOPs = 2 × MACs per module and in total; returns the number of layers compared."""
    from torch.utils.flop_counter import FlopCounterMode

    model, mapped = model_and_modules(analysis)
    model = model.to("meta")
    root = type(model).__name__
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(_input(analysis, "meta"))
    counts = counter.get_flop_counts()
    total = sum(counts.get("Global", {}).values())
    assert analysis.totals.macs is not None
    assert total == 2 * BATCH * analysis.totals.macs, (total, analysis.totals.macs)
    for name, layer in mapped:
        key = f"{root}.{name}" if name else root
        measured = sum(counts.get(key, {}).values())
        assert layer.macs is not None, layer.label
        assert measured == 2 * BATCH * layer.macs, f"{name} ({layer.label}): {measured} FLOPs, macs {layer.macs}"
    return len(mapped)


def _every_call(model: nn.Module, mapped: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The mapped modules, with the later repetitions of a Repeat the map does not name itself."""
    names = dict(model.named_modules())
    out = list(mapped)
    have = {n for n, _layer in mapped}
    for name, layer in mapped:
        if layer.category != "repeat" or layer.repeat is None:
            continue
        first = f"{name}.0" if name else "0"
        inside = [(n, lay) for n, lay in out if n == first or n.startswith(first + ".")]
        for i in range(1, layer.repeat):
            again = f"{name}.{i}" if name else str(i)
            out += [
                (again + n[len(first) :], lay)
                for n, lay in inside
                if again + n[len(first) :] in names and again + n[len(first) :] not in have
            ]
    return out


def check_bytes(analysis: Analysis) -> int:
    """Each layer's output bytes and the model's "all activations"; returns the layers compared."""
    model, mapped = model_and_modules(analysis)
    size = analysis.totals.bytes_per_param
    seen: dict[str, list[int]] = {}
    hooks = []
    calls = _every_call(model, mapped)
    for name, _layer in calls:

        def record(_m, _i, output, name=name) -> None:
            seen.setdefault(name, []).append(output.numel() * output.element_size())

        hooks.append(model.get_submodule(name).register_forward_hook(record))
    with torch.no_grad():
        model(_input(analysis))
    for hook in hooks:
        hook.remove()
    for name, layer in mapped:
        n = shapes.numel(layer.output_shape)
        assert n is not None
        assert seen[name][0] == BATCH * n * size, f"{name} ({layer.label})"
    total = sum(seen[name][0] for name, layer in calls if layer.category in LEAVES)
    assert total == BATCH * analysis.totals.activations * size  # type: ignore[operator]
    return len(mapped)


def measured_saved(analysis: Analysis) -> int:
    """The bytes autograd keeps for backward in training, once per storage, parameters and buffers apart."""
    model, _mapped = model_and_modules(analysis)
    model.train()
    state = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    kept: dict[int, int] = {}

    def pack(t: Any) -> Any:
        storage = t.untyped_storage()
        if storage.data_ptr() not in state:
            kept[storage.data_ptr()] = storage.nbytes()
        return t

    x = _input(analysis)
    if x.is_floating_point():
        x.requires_grad_(True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x.clone() if x.requires_grad else x)  # a copy: the first layer may work in place
    return sum(kept.values())


def expected_saved(analysis: Analysis) -> int | None:
    totals = analysis.totals
    return None if totals.saved is None else BATCH * totals.saved + totals.saved_fixed


# --- receptive fields --------------------------------------------------------------------------------


def _gradient_model(model: nn.Module) -> nn.Module | None:
    """The model with positive weights (no cancellation, every ReLU open), no clamp from above (ReLU6), and
    every max pooling as a window that passes the gradient to all its elements; None when one cannot be
    replaced."""
    for name, module in list(model.named_modules()):
        replacement = None
        if isinstance(module, nn.MaxPool1d | nn.MaxPool2d | nn.MaxPool3d):
            n = {nn.MaxPool1d: 1, nn.MaxPool2d: 2, nn.MaxPool3d: 3}[type(module)]
            dilation = module.dilation if isinstance(module.dilation, tuple) else (module.dilation,) * n
            if all(d == 1 for d in dilation):
                avg = getattr(nn, f"AvgPool{n}d")
                replacement = avg(module.kernel_size, module.stride, module.padding, module.ceil_mode)
            elif not module.ceil_mode:
                replacement = _DilatedWindow(n, module.kernel_size, module.stride, module.padding, module.dilation)
            else:
                return None
        elif isinstance(module, nn.Hardtanh):  # ReLU6 too: clamped at the top, it would stop the gradient
            replacement = nn.ReLU()
        elif isinstance(module, nn.AdaptiveMaxPool1d | nn.AdaptiveMaxPool2d | nn.AdaptiveMaxPool3d):
            n = {nn.AdaptiveMaxPool1d: 1, nn.AdaptiveMaxPool2d: 2, nn.AdaptiveMaxPool3d: 3}[type(module)]
            replacement = getattr(nn, f"AdaptiveAvgPool{n}d")(module.output_size)
        if replacement is not None:
            parent, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent), attr, replacement)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in model.modules():
            for _pname, p in module.named_parameters(recurse=False):
                # positive and unequal: no cancellation, and no symmetry for a normalisation to remove
                scale = 1.0 / max(1, p[0].numel()) if p.dim() > 1 else 1.0
                p.copy_((0.5 + torch.rand(p.shape, generator=generator)) * scale)
            for bname, b in module.named_buffers(recurse=False):
                if bname == "running_mean":
                    b.zero_()
                elif bname == "running_var":
                    b.fill_(1.0)
    return model.double().eval()


class _DilatedWindow(nn.Module):
    """A dilated max pooling's geometry as a sum over its window (every element gets the gradient)."""

    def __init__(self, n: int, kernel: Any, stride: Any, padding: Any, dilation: Any) -> None:
        super().__init__()
        self.n, self.args = n, (kernel, stride, padding, dilation)

    def forward(self, x: Any) -> Any:
        kernel, stride, padding, dilation = self.args
        conv = getattr(torch.nn.functional, f"conv{self.n}d")
        k = kernel if isinstance(kernel, tuple) else (kernel,) * self.n
        weight = torch.ones((x.shape[1], 1, *k), dtype=x.dtype)
        return conv(x, weight, None, stride, padding, dilation, x.shape[1])


def check_fields(analysis: Analysis, most: int = 40) -> tuple[int, int]:
    """Every layer with a field (up to ``most``, evenly spread): the input gradient of its middle output
    unit is non-zero exactly over the field paramlens gives (when that lies inside the input), or over
    the whole input when the field is global. Returns (fields compared, global fields compared)."""
    model, mapped = model_and_modules(analysis)
    model = _gradient_model(model)
    if model is None:
        return 0, 0
    if _input(analysis).is_floating_point() is False:
        return 0, 0  # token indices: no gradient to take
    fields = analysis.fields
    firsts: dict[tuple[int, ...], str] = {}  # a layer in a Repeat shows the field of its first repetition
    for name, layer in mapped:
        firsts.setdefault(layer.path, name)
    candidates = [(name, layer, fields.of(layer)) for name, layer in mapped if firsts[layer.path] == name]
    candidates = [(n, lay, f) for n, lay, f in candidates if f is not None]
    if len(candidates) > most:
        step = len(candidates) / most
        candidates = [candidates[int(i * step)] for i in range(most)]
    if not candidates:
        return 0, 0
    generator = torch.Generator().manual_seed(1)
    spatial = analysis.input_shape[1:]  # type: ignore[index]
    outputs: dict[str, Any] = {}
    hooks = [
        model.get_submodule(name).register_forward_hook(lambda _m, _i, o, name=name: outputs.setdefault(name, o))
        for name, _layer, _f in candidates
    ]
    x = (0.5 + torch.rand((1, *analysis.input_shape), generator=generator, dtype=torch.float64)).requires_grad_()
    model(x.clone())  # a copy: the first layer may work in place
    for hook in hooks:
        hook.remove()
    compared = global_ = 0
    for name, layer, field in candidates:
        out = outputs[name]
        if field == GLOBAL:
            unit = (0, slice(None), *(0,) * (out.dim() - 2))
            expect = [(0, size - 1) for size in spatial]
        else:
            assert isinstance(field, Field)
            if out.dim() != len(spatial) + 2 or not field.layout:
                continue
            middle = [size // 2 for size in out.shape[2:]]
            expect = []
            for o, r, j, c2 in zip(middle, field.size, field.jump, field.centre2, strict=True):
                centre2 = c2 + 2 * o * j
                expect.append(((centre2 - (r - 1)) // 2, (centre2 + (r - 1)) // 2))
            if any(lo < 0 or hi >= size for (lo, hi), size in zip(expect, spatial, strict=True)):
                continue  # the field reaches over the border: its support is cut there
            unit = (0, slice(None), *middle)  # the position, all its channels
        picked = out[unit]  # weighted unequally: a softmax over the channels sums to a constant
        weights = 0.5 + torch.rand(picked.shape, generator=generator, dtype=picked.dtype)
        (grad,) = torch.autograd.grad((picked * weights).sum(), x, retain_graph=True)
        support = grad[0].abs().sum(dim=0).nonzero()
        assert len(support), f"{name} ({layer.label}): no gradient"
        found = [(int(support[:, d].min()), int(support[:, d].max())) for d in range(len(spatial))]
        assert found == expect, f"{name} ({layer.label}): support {found}, paramlens {expect} ({field})"
        compared += 1
        global_ += field == GLOBAL
    return compared, global_
