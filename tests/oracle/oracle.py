"""The oracle: build an exported architecture with real PyTorch and compare it with paramlens.

Parameter and buffer counts are compared per module and in total; output shapes are recorded with
forward hooks on every module that computes a layer (``module_map``), on the CPU.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from paramlens.engine import Analysis, analyse
from paramlens.export.torch import module_map, to_torch_source

ENABLE = "Install PyTorch to run them: pip install -e '.[oracle]' (torch==2.13.0, the CPU build)."


def load_torch() -> Any:
    """torch, or skip the calling module. Fail where the oracle must run: under ``scripts/test`` (it sets
    PARAMLENS_REQUIRE_ORACLES=1, having installed the oracle extra) and under CI."""
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    try:
        import torch
    except ImportError:
        if os.environ.get("CI") or os.environ.get("PARAMLENS_REQUIRE_ORACLES"):
            pytest.fail(f"PyTorch is missing, so the oracle tests cannot run. {ENABLE}", pytrace=False)
        pytest.skip(
            f"The PyTorch oracle tests are skipped: PyTorch is not installed. {ENABLE}", allow_module_level=True
        )
    torch.manual_seed(0)
    return torch


torch = load_torch()
from torch import nn  # noqa: E402


def build(analysis: Analysis) -> nn.Module:
    """Execute the exported source and instantiate its model class."""
    source = to_torch_source(analysis)
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(source, "<exported>", "exec"), namespace)
    model_name = re.findall(r"^class (\w+)\(nn\.Module\):", source, re.M)[-1]
    return namespace[model_name]().eval()


def example_input(analysis: Analysis) -> Any:
    shape = (2, *analysis.input_shape)  # type: ignore[misc]
    first = next((layer for layer in analysis.walk() if layer.category == "layer"), None)
    if first is not None and first.type == "Embedding":
        return torch.randint(0, first.arguments["num_embeddings"].value, shape)
    return torch.randn(shape)


def numel(tensors) -> int:
    return sum(t.numel() for t in tensors)


def check(analysis: Analysis) -> None:
    """Every invariant the oracle promises, for one analysed architecture without errors."""
    model = build(analysis)
    totals = analysis.totals
    assert numel(model.parameters()) == totals.params
    assert numel(p for p in model.parameters() if p.requires_grad) == totals.trainable
    assert numel(model.buffers()) == totals.buffers
    seen: dict[str, tuple[int, ...]] = {}
    mapped = module_map(analysis)
    hooks = []
    for name, layer in mapped:
        module = model.get_submodule(name)
        where = f"{name or 'the model'} ({layer.label})"
        assert numel(module.parameters()) == layer.param_count, where
        assert numel(p for p in module.parameters() if p.requires_grad) == layer.trainable_count, where
        assert numel(module.buffers()) == layer.buffer_count, where

        def record(_module, _inputs, output, name=name) -> None:
            seen[name] = tuple(output.shape)

        hooks.append(module.register_forward_hook(record))
    with torch.no_grad():
        out = model(example_input(analysis))
    for hook in hooks:
        hook.remove()
    assert tuple(out.shape) == (2, *analysis.output_shape)  # type: ignore[misc]
    for name, layer in mapped:
        assert seen.get(name) == (2, *layer.output_shape), f"{name}: {layer.label}"  # type: ignore[misc]


def check_text(text: str) -> Analysis:
    analysis = analyse(text)
    assert not analysis.has_errors, [d.message for d in analysis.diagnostics]
    check(analysis)
    return analysis


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.arch.yaml"))


def model_and_modules(analysis: Analysis) -> tuple[nn.Module, list[tuple[str, Any]]]:
    """The torch model of an analysis and, for each layer, the qualified name of the module computing
    it: what the compute oracle (test_compute.py) checks paramlens' MACs, bytes and fields against."""
    return build(analysis), module_map(analysis)
