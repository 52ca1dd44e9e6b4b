"""`paramlens summary --json`: the documented fields (docs/json-output.md) with exact values."""

from __future__ import annotations

import json
import re
from pathlib import Path

from paramlens.engine import analyse
from paramlens.render.json import to_json

from .common import MISMATCH, ROOT, SEED_2D, SEED_3D, run

SEED_2D_LAYERS = [
    # type, line, params, output shape, formula
    ("Conv2d", 7, 448, [16, 30, 30], "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 + 1) × 16 = 448"),
    ("BatchNorm2d", 8, 32, [16, 30, 30], "2 × C (γ and β) = 2 × 16 = 32"),
    ("ReLU", 9, 0, [16, 30, 30], "0"),
    ("Conv2d", 10, 4640, [32, 28, 28], "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 16 + 1) × 32 = 4,640"),
    ("BatchNorm2d", 11, 64, [32, 28, 28], "2 × C (γ and β) = 2 × 32 = 64"),
    ("ReLU", 12, 0, [32, 28, 28], "0"),
    ("AdaptiveAvgPool2d", 13, 0, [32, 2, 2], "0 (pooling has no parameters) = 0"),
    ("Flatten", 14, 0, [128], "0"),
    ("Linear", 15, 8256, [64], "in_features × out_features + out_features = 128 × 64 + 64 = 8,256"),
]


def test_seed_2d_json_through_a_subprocess() -> None:
    proc = run("summary", str(SEED_2D), "--json")
    assert (proc.returncode, proc.stderr) == (0, "")
    data = json.loads(proc.stdout)
    assert data["name"] == "Seed CNN 2D"
    assert data["total_params"] == 13440
    assert data["trainable_params"] == 13440
    assert data["non_trainable_params"] == 0
    assert data["buffers"] == 98
    assert (data["dtype"], data["size_bytes"]) == ("float32", 53760)
    assert data["input_shape"] == [3, 32, 32]
    assert data["output_shape"] == [64]
    assert data["diagnostics"] == []
    assert data["errors"] == 0
    got = [(x["type"], x["line"], x["params"], x["output_shape"], x["formula"]) for x in data["layers"]]
    assert got == SEED_2D_LAYERS
    assert all(x["name"] is None and x["children"] == [] for x in data["layers"])


def test_seed_3d_json(cli) -> None:
    code, out, _err = cli("summary", str(SEED_3D), "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["total_params"], data["trainable_params"], data["non_trainable_params"]) == (23520, 23520, 0)
    assert data["input_shape"] == [3, 16, 32, 32]
    assert data["output_shape"] == [64]
    assert [x["params"] for x in data["layers"]] == [1312, 32, 0, 13856, 64, 0, 0, 0, 8256]
    assert [x["output_shape"] for x in data["layers"]][:2] == [[16, 14, 30, 30], [16, 14, 30, 30]]


def test_one_layer_in_full(cli) -> None:
    _code, out, _err = cli("summary", str(SEED_2D), "--json")
    conv = json.loads(out)["layers"][0]
    assert conv == {
        "index": "1",
        "type": "Conv2d",
        "written_type": "Conv2d",
        "category": "layer",
        "name": None,
        "line": 7,
        "column": 5,
        "end_line": 8,
        "end_column": 3,
        "params": 448,
        "trainable_params": 448,
        "non_trainable_params": 0,
        "buffers": 0,
        "input_shape": [3, 32, 32],
        "output_shape": [16, 30, 30],
        "formula": "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 3 + 1) × 16 = 448",
        "macs": 30 * 30 * 16 * 3 * 3 * 3,
        "flops": 2 * 30 * 30 * 16 * 3 * 3 * 3,
        "mac_formula": "H_out × W_out × C_out × (C_in / groups) × k_h × k_w = 30 × 30 × 16 × 3 × 3 × 3 = 388,800",
        "output_bytes": 16 * 30 * 30 * 4,
        "receptive_field": {"size": [3, 3], "stride": [1, 1]},
        "tensors": [
            {"name": "weight", "shape": [16, 3, 3, 3], "numel": 432, "trainable": True},
            {"name": "bias", "shape": [16], "numel": 16, "trainable": True},
        ],
        "buffer_tensors": [],
        "arguments": {
            "out_channels": {"value": 16, "origin": "written", "from": None},
            "kernel_size": {"value": [3, 3], "origin": "written", "from": None},
            "in_channels": {"value": 3, "origin": "inferred", "from": "the model input"},
            "stride": {"value": [1, 1], "origin": "default", "from": None},
            "padding": {"value": [0, 0], "origin": "default", "from": None},
            "dilation": {"value": [1, 1], "origin": "default", "from": None},
            "groups": {"value": 1, "origin": "default", "from": None},
            "bias": {"value": True, "origin": "default", "from": None},
            "padding_mode": {"value": "zeros", "origin": "default", "from": None},
        },
        "repeat": None,
        "instance": None,
        "foreign": False,
        "children": [],
    }
    norm = json.loads(out)["layers"][1]
    assert norm["arguments"]["num_features"] == {
        "value": 16,
        "origin": "inferred",
        "from": "layer 1 (Conv2d, line 7)",
    }
    assert norm["buffer_tensors"] == [
        {"name": "running_mean", "shape": [16], "numel": 16},
        {"name": "running_var", "shape": [16], "numel": 16},
        {"name": "num_batches_tracked", "shape": [], "numel": 1},
    ]


def test_diagnostics_with_1_based_positions(cli, mismatch: Path) -> None:
    code, out, _err = cli("summary", "mismatch.arch.yaml", "--json")
    data = json.loads(out)
    assert code == 1
    assert data["errors"] == 1
    assert data["diagnostics"] == [
        {
            "severity": "error",
            "code": "channel-mismatch",
            "message": "in_channels is 16, but layer 1 (Conv2d, line 4) outputs 32 channels. "
            "Set in_channels: 32, or remove it to infer it.",
            "line": 5,
            "column": 27,
            "end_line": 5,
            "end_column": 29,
            "related": [{"message": "outputs 32 channels", "line": 4, "column": 5, "end_line": 4, "end_column": 11}],
            "fixes": [
                {
                    "title": "Set in_channels to 32",
                    "action": "replace",
                    "text": "32",
                    "line": 5,
                    "column": 27,
                    "end_line": 5,
                    "end_column": 29,
                },
            ],
        }
    ]


def test_composites_nest_and_depth_folds(tmp_path: Path) -> None:
    text = "input: [4]\nlayers:\n  - Repeat:\n      times: 2\n      layers:\n        - Linear: {out_features: 4}\n"
    data = to_json(analyse(text))
    repeat = data["layers"][0]
    assert (repeat["type"], repeat["category"], repeat["repeat"], repeat["params"], repeat["line"]) == (
        "Repeat",
        "repeat",
        2,
        40,
        3,
    )
    assert [(c["index"], c["type"], c["params"], c["line"]) for c in repeat["children"]] == [("1.1", "Linear", 20, 6)]
    assert to_json(analyse(text), depth=1)["layers"][0]["children"] == []
    assert to_json(analyse(text), depth=1)["total_params"] == 40


def test_unknown_counts_are_null() -> None:
    data = to_json(analyse(MISMATCH.replace("input: [3, 32, 32]\n", "").replace("in_channels: 16, ", "")))
    assert data["total_params"] is None
    assert data["input_shape"] is None
    first = data["layers"][0]
    assert (first["params"], first["output_shape"], first["formula"]) == (None, [32, None, None], None)
    assert [d["code"] for d in data["diagnostics"]] == ["missing-channels"]


def _documented_fields() -> dict[str, set[str]]:
    """The field names in the first column of each table of docs/json-output.md, by section."""
    sections: dict[str, set[str]] = {}
    current = ""
    for line in (ROOT / "docs" / "json-output.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:]
        elif line.startswith("| `"):
            sections.setdefault(current, set()).update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return sections


def test_the_documentation_lists_every_field(mismatch: Path) -> None:
    documented = _documented_fields()
    data = to_json(analyse(mismatch.read_text()))
    assert set(data) == documented["The model"]
    assert set(data["layers"][0]) == documented["A layer"]
    assert set(data["diagnostics"][0]) == documented["A diagnostic"]
