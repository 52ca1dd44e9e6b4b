"""The comparisons of tests/oracle/test_native.py (and the random architectures of test_properties.py):
an analysis against the independent model of the same text (tests/oracle/native.py), layer by layer, and
the exported module against it."""

from __future__ import annotations

from paramlens.engine import Analysis, analyse
from paramlens.engine.analysis import LayerResult
from paramlens.export.torch import module_map

from . import native
from .oracle import build, example_input, numel, torch


def same(node: native.Node, layer: LayerResult, where: str = "") -> int:
    """Asserts one layer and its subtree equal; returns how many layers were compared."""
    where = f"{where}/{layer.type}"
    assert node.type == layer.type, where
    got = (node.params, node.trainable, node.buffers, node.output_shape)
    assert got == (layer.param_count, layer.trainable_count, layer.buffer_count, layer.output_shape), where
    if node.repetitions or layer.repeat is not None:
        assert len(node.repetitions) == layer.repeat, where
        walked = layer.repetitions  # the engine walks until a repetition's input repeats; later ones are as the last
        return 1 + sum(
            same_list(rep, walked[min(i, len(walked) - 1)], f"{where}#{i + 1}")
            for i, rep in enumerate(node.repetitions)
        )
    return 1 + same_list(node.children, layer.children or [], where)


def same_list(nodes: list[native.Node], layers: list[LayerResult], where: str) -> int:
    assert [n.type for n in nodes] == [layer.type for layer in layers], where
    return sum(same(n, layer, where) for n, layer in zip(nodes, layers, strict=True))


def analysed(text: str, files: dict[str, str] | None = None) -> Analysis:
    resolve = (lambda _key, path: (path, files[path])) if files else None
    analysis = analyse(text, key="main.arch.yaml", resolve=resolve)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    return analysis


def check(text: str, files: dict[str, str] | None = None) -> int:
    """The independent model agrees with the analysis at every layer; returns the layers compared."""
    analysis = analysed(text, files)
    nodes, model = native.read(text, files)
    totals = analysis.totals
    assert (numel(model.parameters()), numel(model.buffers())) == (totals.params, totals.buffers)
    assert numel(p for p in model.parameters() if p.requires_grad) == totals.trainable
    assert nodes[-1].output_shape == analysis.output_shape
    return same_list(nodes, analysis.layers, "")


def check_export(text: str, files: dict[str, str] | None = None, values: bool = True) -> None:
    """The exported module has the independent model's parameters and buffers, in the same order and
    shapes, per top-level layer; with ``values``, given the same tensors it computes the same output."""
    analysis = analysed(text, files)
    exported = build(analysis)
    nodes, model = native.read(text, files)
    names = {layer.path: name for name, layer in module_map(analysis)}
    for i, node in enumerate(nodes, 1):
        part = exported.get_submodule(names[(i,)])
        assert (numel(part.parameters()), numel(part.buffers())) == (node.params, node.buffers), f"layer {i}"
    ours = [*model.parameters(), *model.buffers()]
    theirs = [*exported.parameters(), *exported.buffers()]
    assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
    if not values:
        return
    model.to_empty(device="cpu")
    with torch.no_grad():
        for mine, other in zip([*model.parameters(), *model.buffers()], theirs, strict=True):
            mine.copy_(other)
        x = example_input(analysis)
        assert torch.allclose(model(x), exported(x), rtol=1e-4, atol=1e-5)
