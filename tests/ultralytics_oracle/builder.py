"""Ultralytics as the oracle for its model files: build a model YAML and report what Ultralytics reports.

Everything here runs Ultralytics itself (``ultralytics==8.4.190``, tests/ultralytics_oracle/requirements.txt): the
per-row ``params`` column (``m.np``), the printed ``n``, module and ``arguments`` columns (read from the build
table that ``parse_model`` logs), the total (``sum(p.numel() for p in model.parameters())``) and each row's output
shape (forward hooks on ``model.model[i]``). Results are plain data, so that a process pool can compute them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "8.4.190"
INSTALL = "Install it: scripts/test does (tests/ultralytics_oracle/requirements.txt, installed with --no-deps)."

# Set before Ultralytics is imported: no network, no settings file in the home directory.
os.environ["YOLO_OFFLINE"] = "1"
os.environ.setdefault("YOLO_CONFIG_DIR", str(Path(tempfile.gettempdir()) / "paramlens-ultralytics"))
os.environ["YOLO_VERBOSE"] = "True"


def import_torchvision() -> None:
    """Import PyPI's torchvision (a CUDA build) with the CPU torch.

    Its compiled ops cannot load, and ``torchvision/_meta_registrations.py`` then calls
    ``torch.library.register_fake("torchvision::nms")`` for an operator that does not exist. While it is
    imported, such a registration becomes a no-op; ``torchvision.models`` (what the ``TorchVision`` row
    builds) needs none of those ops.
    """
    import torch.library

    real = torch.library.register_fake

    def tolerant(op: Any, *args: Any, **kwargs: Any) -> Any:
        register = real(op, *args, **kwargs)

        def apply(fn: Any) -> Any:
            try:
                return register(fn)
            except RuntimeError as error:  # "operator torchvision::nms does not exist"
                if "does not exist" not in str(error):
                    raise
                return fn

        return apply

    torch.library.register_fake = tolerant
    try:
        import torchvision.models  # noqa: F401
    finally:
        torch.library.register_fake = real


@dataclass(frozen=True)
class Row:
    """One row of Ultralytics' build table, and the row's output shape without the batch (None: not one tensor)."""

    index: int
    source: int | list[int]
    repeats: int
    params: int
    module: str
    arguments_text: str
    output_shape: list[int] | None
    shape_known: bool  # the forward pass reached the row (on the meta device a head may stop it)
    submodules: dict[str, int]  # every named sub-module (``cv1``, ``m.0.cv2``) and parameter of the row, and its count
    flops: int | None = None  # FlopCounterMode's count for the row in the eval forward pass (None: not reached)
    activations: int | None = None  # elements of the outputs of every leaf module the row ran (None: not reached)
    submodule_flops: dict[str, int] | None = None  # FlopCounterMode's count for each named sub-module (0: none)


@dataclass(frozen=True)
class Built:
    """What Ultralytics builds from one file at one scale, or the error it raises (``"KeyError: 'CBAM'"``)."""

    rows: tuple[Row, ...] = ()
    total: int | None = None
    flops: int | None = None  # the whole forward pass (None: it stopped before the last row)
    activations: int | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()  # what Ultralytics logged as warnings while building


class _Table(logging.Handler):
    """Collects the messages ``parse_model`` logs while a model is built."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if record.levelno >= logging.WARNING:
            self.warnings.append(record.getMessage())


@contextlib.contextmanager
def _captured_log() -> Iterator[_Table]:
    from ultralytics.utils import LOGGER

    table = _Table()
    saved = LOGGER.handlers[:], LOGGER.level, LOGGER.propagate
    LOGGER.handlers[:] = [table]
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    try:
        yield table
    finally:
        LOGGER.handlers[:], LOGGER.level, LOGGER.propagate = saved[0], saved[1], saved[2]


def _row_line(messages: list[str], index: int, source: Any, module: str) -> tuple[int, str]:
    """(n, arguments text) from the table line ``f"{i:>3}{f!s:>20}{n_:>3}{m_.np:10.0f}  {t:<45}{args!s:<30}"``."""
    head = f"{index:>3}{source!s:>20}"
    for message in messages:
        line = message.rstrip()
        cut = line.find(f"  {module}", len(head))
        if line.startswith(head) and cut > 0:
            numbers = line[len(head) : cut]  # f"{n_:>3}{np:10.0f}"
            return int(numbers[:-10]), line[cut + 2 + len(module) :].strip()
    raise AssertionError(f"row {index} ({module}) is not in Ultralytics' build table")


_INITS = ("uniform_", "normal_", "trunc_normal_", "constant_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_")


@contextlib.contextmanager
def _zero_init() -> Iterator[None]:
    """Initialise new parameters with zeros instead of random numbers: counts and shapes do not depend on the
    values, and drawing random numbers for 60 M parameters is a third of the time of a build."""
    import torch
    import torch.nn.init as init

    def zero(tensor: Any, *_args: Any, **_kwargs: Any) -> Any:
        with torch.no_grad():
            return tensor.zero_()

    saved = {name: getattr(init, name) for name in _INITS}
    for name in _INITS:
        setattr(init, name, zero)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(init, name, fn)


@contextlib.contextmanager
def _no_downloads() -> Iterator[None]:
    """A ``TorchVision`` row builds its torchvision model without the pretrained values its ``weights`` argument
    names (``DEFAULT`` would download them): the same modules and parameters, and no network."""
    import torchvision.models

    real = torchvision.models.get_model
    torchvision.models.get_model = lambda name, **config: real(name, **{**config, "weights": None})
    try:
        yield
    finally:
        torchvision.models.get_model = real


def model_class(cfg: dict[str, Any]) -> Any:
    """The model class Ultralytics builds for a model file: the one of its head (the last row's module)."""
    from ultralytics.nn import tasks

    rows = cfg.get("head") or [[]]
    head = rows[-1][2] if isinstance(rows[-1], list) and len(rows[-1]) == 4 else "Detect"

    table = {
        "Classify": tasks.ClassificationModel,
        "RTDETRDecoder": tasks.RTDETRDetectionModel,
        "WorldDetect": tasks.WorldModel,
        "YOLOEDetect": tasks.YOLOEModel,
        "YOLOESegment": tasks.YOLOESegModel,
        "YOLOESegment26": tasks.YOLOESegModel,
        "Segment": tasks.SegmentationModel,
        "Segment26": tasks.SegmentationModel,
        "Pose": tasks.PoseModel,
        "Pose26": tasks.PoseModel,
        "OBB": tasks.OBBModel,
        "OBB26": tasks.OBBModel,
        "SemanticSegment": tasks.SemanticSegmentationModel,
        "Depth": tasks.DepthModel,
    }
    return table.get(str(head), tasks.DetectionModel)


def _shape(output: Any) -> list[int] | None:
    import torch

    return list(output.shape[1:]) if isinstance(output, torch.Tensor) else None


def build(path: str | Path, scale: str | None = None, imgsz: int | None = 640, device: str = "meta") -> Built:
    """Build ``path`` as ``YOLO(path)`` does (its scale from the file name, else the first of ``scales``), at
    ``scale`` when given, on the CPU; then run it on one image of ``imgsz`` (None: no forward pass) on ``device``:
    the meta device propagates shapes only, which makes a pass at 640 cost nothing (checked against the CPU)."""
    from ultralytics.nn.tasks import yaml_model_load

    try:
        cfg = yaml_model_load(path)
        if scale:
            cfg["scale"] = scale
        with _captured_log() as table, _zero_init(), _no_downloads():
            model = model_class(cfg)(cfg, verbose=True)
    except Exception as error:  # what Ultralytics raises is the result
        return Built(error=f"{type(error).__name__}: {error}")
    rows = []
    total = sum(p.numel() for p in model.parameters())
    shapes: dict[int, list[int] | None] = {}
    flops: dict[str, int] = {}
    activations: dict[int, int] = {}
    if imgsz:
        flops, activations = _forward(model, imgsz, device, shapes)
    root = f"{type(model).__name__}.model."
    for layer in model.model:
        reached = layer.i in shapes
        repeats, arguments = _row_line(table.messages, layer.i, layer.f, layer.type)
        submodules = {
            name: sum(p.numel() for p in sub.parameters())
            for name, sub in layer.named_modules(remove_duplicate=False)
            if name
        }
        # a parameter of a module itself (A2C2f's `gamma`, a bias of C2fAttn's `attn`) is a part of its own
        submodules.update({name: p.numel() for name, p in layer.named_parameters() if name not in submodules})
        rows.append(
            Row(
                layer.i,
                layer.f,
                repeats,
                layer.np,
                layer.type,
                arguments,
                shapes.get(layer.i),
                layer.i in shapes,
                submodules,
                flops.get(f"{root}{layer.i}", 0) if reached else None,
                activations.get(layer.i, 0) if reached else None,
                {name: flops.get(f"{root}{layer.i}.{name}", 0) for name in submodules} if reached else None,
            )
        )
    done = bool(rows) and all(row.shape_known for row in rows)
    return Built(
        tuple(rows),
        total,
        flops.get("Global", 0) if done else None,
        sum(activations.values()) if done else None,
        warnings=tuple(table.warnings),
    )


def _forward(model: Any, imgsz: int, device: str, shapes: dict[int, Any]) -> tuple[dict[str, int], dict[int, int]]:
    """One eval forward pass of one image: each row's output shape (into ``shapes``), the FLOPs of every module
    as ``FlopCounterMode`` counts them (by its name: ``DetectionModel.model.3.conv``; ``Global``: the whole pass)
    and, per row, the elements of every output of a leaf module
    it ran (a module without sub-modules, or a MultiheadAttention, whose `out_proj` is not called as a module; as
    many times as it runs: the shared default activation each time)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    current = [-1]
    activations: dict[int, int] = {}

    def leaf(module: Any, _inputs: Any, out: Any) -> None:
        if isinstance(module, torch.nn.MultiheadAttention):
            out = out[0]  # its output, not the attention weights it also returns (as paramlens' kind counts it)
        if next(module.children(), None) is None or isinstance(module, torch.nn.MultiheadAttention):
            outs = out if isinstance(out, list | tuple) else [out]
            n = sum(t.numel() for t in outs if isinstance(t, torch.Tensor))
            activations[current[0]] = activations.get(current[0], 0) + n

    hooks = [torch.nn.modules.module.register_module_forward_hook(leaf)]
    for i, layer in enumerate(model.model):
        hooks.append(layer.register_forward_pre_hook(lambda _m, _i, i=i: current.__setitem__(0, i)))
        hooks.append(layer.register_forward_hook(lambda _m, _i, out, i=i: shapes.__setitem__(i, _shape(out))))
    # a head's strides are values its decoding reads (Tensor.item()): kept on the CPU, the rest on ``device``
    strides = {m: m.stride for m in model.modules() if isinstance(getattr(m, "stride", None), torch.Tensor)}
    model.to(device).eval()
    for m, stride in strides.items():
        m.stride = stride
    counter = FlopCounterMode(display=False)
    with contextlib.suppress(Exception), torch.no_grad(), counter:  # a head may need real values: rows before count
        model(torch.zeros(1, 3, imgsz, imgsz, device=device))
    for hook in hooks:
        hook.remove()
    return {name: sum(ops.values()) for name, ops in counter.get_flop_counts().items()}, activations


def start_worker() -> None:
    """A worker process of the pool: one thread (the pool has a worker per core), torchvision importable."""
    import torch

    torch.set_num_threads(1)
    import_torchvision()
