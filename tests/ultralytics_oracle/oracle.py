"""The Ultralytics oracle on the paramlens side: the guard, the shared pool of builds, and the comparison.

Ultralytics builds run in a pool of worker processes (one per core), all submitted when the first test asks for
one, so that building 246 models overlaps with the paramlens side of the tests. paramlens is asked through its
real CLI, in-process: ``paramlens summary FILE --json [--scale X] [--imgsz N]``.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import io
import json
import os
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

from paramlens.cli import main

from .builder import INSTALL, VERSION, Built, Row, build, start_worker


def require_ultralytics() -> None:
    """Skip the calling test module without Ultralytics, except under CI or scripts/test, where that fails it."""
    try:
        found = importlib.metadata.version("ultralytics")
    except importlib.metadata.PackageNotFoundError:
        found = None
    if found == VERSION:
        return
    problem = f"Ultralytics {VERSION} is needed, found {found or 'none'}. {INSTALL}"
    if os.environ.get("CI") or os.environ.get("PARAMLENS_REQUIRE_ORACLES"):
        pytest.fail(f"the Ultralytics oracle tests cannot run: {problem}", pytrace=False)
    pytest.skip(f"The Ultralytics oracle tests are skipped: {problem}", allow_module_level=True)


def models_folder() -> Path:
    """``ultralytics/cfg/models`` of the installed package: the shipped model files."""
    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0]) / "cfg" / "models"


def scales_of(path: Path) -> list[str | None]:
    """The scale letters a model file defines, in order ([None] for a file without ``scales``)."""
    import yaml

    scales = (yaml.safe_load(path.read_text()) or {}).get("scales")
    return list(scales) if scales else [None]


@dataclass(frozen=True)
class Model:
    """A model for Ultralytics to build: a file, the scale (None: the one Ultralytics picks), the image size of
    the forward pass (None: none) and its device. Test parameters of this type are built by the session's pool."""

    path: Path
    scale: str | None = None
    imgsz: int | None = 640
    device: str = "meta"

    @property
    def name(self) -> str:
        return f"{self.path.stem}:{self.scale}" if self.scale else self.path.stem


def shipped() -> list[Model]:
    """Every model file Ultralytics ships, at every scale it defines: 246 models from 66 files in 8.4.190."""
    return [Model(path, scale) for path in sorted(models_folder().rglob("*.yaml")) for scale in scales_of(path)]


# --- Ultralytics: a pool of builds ------------------------------------------------------------------------------


class Pool:
    """Ultralytics builds, each done once per session in a worker process and kept."""

    def __init__(self) -> None:
        workers = max(1, min(4, os.cpu_count() or 1))
        self._executor = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=start_worker)
        self._futures: dict[tuple[str, str | None, int | None, str], Future[Built]] = {}

    def submit(self, model: Model) -> None:
        key = (str(model.path), model.scale, model.imgsz, model.device)
        if key not in self._futures:
            self._futures[key] = self._executor.submit(build, *key)

    def get(self, model: Model) -> Built:
        self.submit(model)
        return self._futures[(str(model.path), model.scale, model.imgsz, model.device)].result()

    def close(self) -> None:
        self._executor.shutdown(cancel_futures=True)


# --- paramlens --------------------------------------------------------------------------------------------------


def summary(path: Path | str, scale: str | None = None, imgsz: int | None = None) -> dict[str, Any]:
    """``paramlens summary PATH --json`` (with ``--scale``/``--imgsz`` when given), run in-process."""
    argv = ["summary", str(path), "--json"]
    argv += ["--scale", scale] if scale else []
    argv += ["--imgsz", str(imgsz)] if imgsz else []
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
        except SystemExit as exit_:  # argparse refusing an option
            raise AssertionError(f"paramlens {' '.join(argv)} exited {exit_.code}: {err.getvalue()}") from None
    if not out.getvalue():
        raise AssertionError(f"paramlens {' '.join(argv)} printed no JSON: {err.getvalue().strip()}")
    return json.loads(out.getvalue())


def errors(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in result["diagnostics"] if d["severity"] == "error"]


# --- the comparison ---------------------------------------------------------------------------------------------

# Ultralytics' printed module names, for the heads: their rows' outputs are not one tensor in a build's forward
# pass (or are, as Classify's in eval mode, only by accident of the mode), so their shapes are not compared.
HEADS = frozenset(
    "ultralytics.nn.modules.head." + name
    for name in [
        "Detect",
        "WorldDetect",
        "YOLOEDetect",
        "Segment",
        "Segment26",
        "YOLOESegment",
        "YOLOESegment26",
        "Pose",
        "Pose26",
        "OBB",
        "OBB26",
        "v10Detect",
        "Classify",
        "SemanticSegment",
        "Depth",
    ]
) | {"ultralytics.nn.modules.head.RTDETRDecoder"}

FIELDS = ("repeats", "params", "module", "arguments_text")

# Modules whose MACs paramlens leaves unknown (null): their products run over the text or visual prompt
# embeddings given at run time (YOLO-World, YOLOE), or are not counted (torchvision backbones)
COMPUTE_UNKNOWN = frozenset(
    {"C2fAttn", "ImagePoolingAttn", "WorldDetect", "YOLOEDetect", "YOLOESegment", "YOLOESegment26", "TorchVision"}
)


@dataclass
class Comparison:
    """How paramlens' rows compare with Ultralytics': every value exact, or null with a diagnostic that explains it."""

    rows: int = 0
    exact: int = 0
    null: int = 0
    mismatches: list[str] = field(default_factory=list)
    nulls: list[str] = field(default_factory=list)
    flops_rows: int = 0  # rows whose FLOPs (and those of their sub-modules) equal FlopCounterMode's
    flops_nulls: list[str] = field(default_factory=list)  # rows of COMPUTE_UNKNOWN modules, FLOPs null

    def add(self, other: Comparison) -> None:
        self.rows += other.rows
        self.exact += other.exact
        self.null += other.null
        self.mismatches += other.mismatches
        self.nulls += other.nulls
        self.flops_rows += other.flops_rows
        self.flops_nulls += other.flops_nulls


def _diagnosed_lines(result: dict[str, Any]) -> set[int]:
    return {d["line"] for d in result["diagnostics"] if d.get("line") is not None}


def compare(built: Built, result: dict[str, Any], where: str) -> Comparison:
    """Compare paramlens' JSON for a file with what Ultralytics built from it, row by row.

    Each row's ``repeats``, ``params``, ``module``, ``arguments_text``, ``output_shape`` (not for heads; each
    dimension) and its children's params must equal Ultralytics' or be null; a null needs a diagnostic on its
    row or on an earlier row that is itself null (a value downstream of an unknown one is unknown too). ``row``
    and ``from`` are read from the text and must always be exact. The total is exact or null.
    """
    out = Comparison()
    layers = result.get("layers") or []
    if result.get("dialect") != "ultralytics":
        out.mismatches.append(f"{where}: read as dialect {result.get('dialect')!r}, not 'ultralytics'")
        return out
    if len(layers) != len(built.rows):
        out.mismatches.append(f"{where}: {len(layers)} layers for {len(built.rows)} rows")
        return out
    diagnosed = _diagnosed_lines(result)
    explained = False  # an earlier row was null with a diagnostic
    for row, layer in zip(built.rows, layers, strict=True):
        at = f"{where} row {row.index} ({row.module.rsplit('.', 1)[-1]})"
        out.rows += 1
        wrong, unknown = _compare_row(row, layer, at)
        wrong += _compare_flops(row, layer, at, out, bool(unknown) or explained)
        out.mismatches += wrong
        if unknown:
            lines = range(layer.get("line") or 0, (layer.get("end_line") or layer.get("line") or 0) + 1)
            own = any(line in diagnosed for line in lines)
            if not (own or explained):
                out.mismatches.append(f"{at}: {', '.join(unknown)} null without a diagnostic on this or an earlier row")
            explained = explained or own
            out.null += 1
            out.nulls.append(f"{at}: {', '.join(unknown)}")
        elif not wrong:
            out.exact += 1
    total = result.get("total_params")
    if total is None:
        if not out.null:
            out.mismatches.append(f"{where}: total_params is null though every row is known")
    elif total != built.total:
        out.mismatches.append(f"{where}: total_params {total:,} != Ultralytics' {built.total:,}")
    out.mismatches += _compare_totals(built, result, where, out)
    TALLY["models with the whole pass compared"] += built.flops is not None and result.get("flops") is not None
    return out


def _compare_flops(row: Row, layer: dict[str, Any], at: str, out: Comparison, after_null: bool) -> list[str]:
    """The row's FLOPs (= 2 × MACs) against FlopCounterMode's in the eval forward pass, and each sub-module's;
    null only for a COMPUTE_UNKNOWN module, a row with a null value or a row after one (``after_null``: a size
    it depends on may be unknown)."""
    if row.flops is None:  # the forward pass did not reach the row
        return []
    macs, flops = layer.get("macs"), layer.get("flops")
    if flops is None:
        module = row.module.rsplit(".", 1)[-1]
        if after_null or module in COMPUTE_UNKNOWN:
            out.flops_nulls.append(at)
            return []
        return [f"{at}: flops null, FlopCounterMode counts {row.flops:,}"]
    wrong = [] if flops == 2 * macs else [f"{at}: flops {flops:,} != 2 × macs {macs:,}"]
    if flops != row.flops:
        wrong.append(f"{at}: flops {flops:,} != FlopCounterMode's {row.flops:,}")
    wrong += _compare_child_flops(row, layer.get("children") or [], "", at)
    out.flops_rows += not wrong
    return wrong


# FlopCounterMode counts a module called inside another module's forward in both: RT-DETR's decoder calls its
# head's query_pos_head, dec_bbox_head and dec_score_head, which paramlens (as PyTorch's module tree) puts beside it
CALLED_INSIDE = {"decoder": ("query_pos_head", "dec_bbox_head.", "dec_score_head.")}


def _own_flops(row: Row, name: str) -> int | None:
    """FlopCounterMode's count for the sub-module ``name``, without the siblings it calls (CALLED_INSIDE)."""
    counts = row.submodule_flops or {}
    counted = counts.get(name)
    if counted is not None and row.module.endswith(".RTDETRDecoder") and name in CALLED_INSIDE:
        siblings = [n for n in counts if "." not in n.removeprefix("dec_bbox_head.").removeprefix("dec_score_head.")]
        counted -= sum(counts[n] for n in siblings if n.startswith(CALLED_INSIDE[name]))
    return counted


def _compare_child_flops(row: Row, children: Iterable[dict[str, Any]], prefix: str, at: str) -> list[str]:
    wrong = []
    for child in children:
        name = f"{prefix}{child.get('name')}"
        counted = _own_flops(row, name)
        if counted is not None and child.get("flops") is not None and child["flops"] != counted:
            wrong.append(f"{at}: child {name} flops {child['flops']:,} != FlopCounterMode's {counted:,}")
        wrong += _compare_child_flops(row, child.get("children") or [], f"{name}.", at)
    return wrong


def _compare_totals(built: Built, result: dict[str, Any], where: str, out: Comparison) -> list[str]:
    """The model's FLOPs and all-activations bytes (float32: 4 × the elements of every leaf module's output)
    against the whole eval forward pass; null only when a row's FLOPs are."""
    if built.flops is None:  # the pass stopped before the last row
        return []
    wrong = []
    for name, got, expected in (
        ("flops", result.get("flops"), built.flops),
        ("activation_bytes", result.get("activation_bytes"), 4 * (built.activations or 0)),
    ):
        if got is None and not out.flops_nulls and not out.null:
            wrong.append(f"{where}: {name} null though every row's FLOPs are known")
        elif got is not None and got != expected:
            wrong.append(f"{where}: {name} {got:,} != the forward pass' {expected:,}")
    return wrong


def _compare_row(row: Row, layer: dict[str, Any], at: str) -> tuple[list[str], list[str]]:
    """(mismatches, names of the fields that are null) for one row."""
    wrong: list[str] = []
    unknown: list[str] = []
    if layer.get("row") != row.index:
        wrong.append(f"{at}: row {layer.get('row')!r}")
    if layer.get("from") != row.source:
        wrong.append(f"{at}: from {layer.get('from')!r} != {row.source!r}")
    expected = {name: getattr(row, name) for name in FIELDS}
    if row.module not in HEADS and row.shape_known:
        expected["output_shape"] = row.output_shape
    for name, value in expected.items():
        got = layer.get(name)
        if got is None and value is not None:
            unknown.append(name)
        elif isinstance(got, list) and None in got and isinstance(value, list) and len(got) == len(value):
            # a shape known in part (the channels, not the size after an unknown row): the known part exact
            if any(g is not None and g != v for g, v in zip(got, value, strict=True)):
                wrong.append(f"{at}: {name} {got!r} != Ultralytics' {value!r}")
            unknown.append(name)
        elif got != value:
            wrong.append(f"{at}: {name} {got!r} != Ultralytics' {value!r}")
    wrong += _compare_children(row, layer.get("children") or [], "", at, unknown)
    return wrong, unknown


def _compare_children(
    row: Row, children: Iterable[dict[str, Any]], prefix: str, at: str, unknown: list[str]
) -> list[str]:
    """Each child's params against the parameters of the sub-module of the same dotted name."""
    wrong = []
    children = list(children)
    for child in children:
        name = f"{prefix}{child.get('name')}"
        if name not in row.submodules and child.get("params") == 0 and not child.get("children"):
            continue  # a row's own buffers shown as a part (Depth's cal_a, cal_b): no parameters to compare
        if name not in row.submodules:
            wrong.append(
                f"{at}: child {name!r} is not a sub-module of the row ({', '.join(list(row.submodules)[:8])}...)"
            )
            continue
        if child.get("params") is None:
            unknown.append(f"child {name} params")
        elif child["params"] != row.submodules[name]:
            wrong.append(f"{at}: child {name} params {child['params']:,} != Ultralytics' {row.submodules[name]:,}")
        wrong += _compare_children(row, child.get("children") or [], f"{name}.", at, unknown)
    return wrong


# --- a tally for the terminal summary ---------------------------------------------------------------------------

TALLY: Counter[str] = Counter()


def tally(comparison: Comparison, strict: bool) -> None:
    TALLY["models"] += 1
    TALLY["models strict"] += strict
    TALLY["models fully known"] += not comparison.null and not comparison.mismatches
    TALLY["rows checked"] += comparison.rows
    TALLY["rows exact"] += comparison.exact
    TALLY["rows with a null"] += comparison.null
    TALLY["mismatches"] += len(comparison.mismatches)
    TALLY["rows with FLOPs exact"] += comparison.flops_rows
    TALLY["rows with FLOPs null"] += len(comparison.flops_nulls)
