"""`paramlens summary --json`: the compute and memory fields (docs/json-output.md, docs/compute.md), exact."""

from __future__ import annotations

import json

from paramlens.engine import analyse
from paramlens.render.json import to_json

from .common import EXAMPLES, SEED_2D

# the seed CNN on 3×32×32, by hand: output (C, H, W) and the MACs of its dense products
CONV1 = 30 * 30 * 16 * 3 * 3 * 3  # 388,800
CONV2 = 28 * 28 * 32 * 16 * 3 * 3  # 3,612,672
LINEAR = 128 * 64
OUTPUTS = [16 * 30 * 30] * 3 + [32 * 28 * 28] * 3 + [32 * 2 * 2, 128, 64]
MACS = [CONV1, 0, 0, CONV2, 0, 0, 0, 0, LINEAR]
# r += (k − 1)·j, j *= s: 3 after conv1, 5 after conv2, 5 + 13 = 18 after the 14-wide pool (28 → 2)
FIELDS = [[3, 1]] * 3 + [[5, 1]] * 3 + [[18, 14]] * 2


def test_seed_cnn_compute_per_layer_and_in_total(cli) -> None:
    code, out, _err = cli("summary", str(SEED_2D), "--json")
    data = json.loads(out)
    assert code == 0
    layers = data["layers"]
    assert [x["macs"] for x in layers] == MACS
    assert [x["flops"] for x in layers] == [2 * m for m in MACS]
    assert [x["output_bytes"] for x in layers] == [4 * n for n in OUTPUTS]
    fields = [{"size": [r, r], "stride": [j, j]} for r, j in FIELDS]
    assert [x["receptive_field"] for x in layers] == [*fields, "global"]
    assert [x["mac_formula"] for x in layers][8] == "in_features × out_features = 128 × 64 = 8,192"
    assert [x["mac_formula"] for x in layers][1:3] == [None, None]
    assert (data["batch"], data["macs"], data["flops"]) == (1, sum(MACS), 2 * sum(MACS))
    assert data["macs"] == 4_009_664
    assert data["activation_bytes"] == 4 * sum(OUTPUTS) == 475_136
    # measured with saved_tensors_hooks (shared/notes/compute.md §7.2): 329,088 B
    assert data["saved_bytes_estimate"] == 329_088


def test_batch_scales_compute_and_memory(cli) -> None:
    _code, out, _err = cli("summary", str(SEED_2D), "--json", "--batch", "8")
    data = json.loads(out)
    assert (data["batch"], data["macs"], data["flops"]) == (8, 8 * sum(MACS), 16 * sum(MACS))
    assert data["activation_bytes"] == 8 * 4 * sum(OUTPUTS)
    # per sample 329,088 − the BN statistics (2 × 4 × (16 + 32) = 384 B), which do not grow with the batch
    assert data["saved_bytes_estimate"] == 8 * (329_088 - 384) + 384
    assert data["layers"][0]["macs"] == 8 * CONV1
    assert data["layers"][0]["output_bytes"] == 8 * 4 * 16 * 30 * 30
    assert data["layers"][0]["receptive_field"] == {"size": [3, 3], "stride": [1, 1]}


def test_dtype_override_rescales_memory_as_a_written_dtype(cli, tmp_path) -> None:
    """``--dtype float16``: every tensor's bytes halve, the BN statistics (float32) do not: the
    saved-for-backward estimate is what the file says with ``dtype: float16`` written."""
    _code, out, _err = cli("summary", str(SEED_2D), "--json", "--dtype", "float16", "--batch", "8")
    data = json.loads(out)
    assert data["activation_bytes"] == 8 * 2 * sum(OUTPUTS)
    assert [x["output_bytes"] for x in data["layers"]] == [8 * 2 * n for n in OUTPUTS]
    assert data["saved_bytes_estimate"] == 8 * (329_088 - 384) // 2 + 384
    written = tmp_path / "seed-16.arch.yaml"
    written.write_text(SEED_2D.read_text() + "dtype: float16\n")
    _code, out16, _err = cli("summary", str(written), "--json", "--batch", "8")
    assert {**json.loads(out16), "file": None} == {**data, "file": None}


def test_batch_must_be_positive(cli) -> None:
    code, out, err = cli("summary", str(SEED_2D), "--json", "--batch", "0")
    assert (code, out) == (2, "")
    assert "--batch: must be a positive number of samples, e.g. 8, not '0'" in err


def test_composites_sum_and_repeat_multiplies() -> None:
    text = (
        "input: [4, 8]\nlayers:\n  - Repeat:\n      times: 1000000000000\n      layers:\n"
        "        - Conv1d: {out_channels: 4, kernel_size: 3, padding: 1}\n"
    )
    data = to_json(analyse(text))
    repeat = data["layers"][0]
    once = 8 * 4 * 4 * 3  # L_out × C_out × C_in × k
    assert repeat["macs"] == 10**12 * once
    assert repeat["children"][0]["macs"] == once
    assert repeat["mac_formula"] is None
    assert data["macs"] == 10**12 * once
    # r += (k − 1)·j, 10¹² times, not cut to the input (as published fields are not)
    assert repeat["receptive_field"] == {"size": [2 * 10**12 + 1], "stride": [1]}
    assert repeat["children"][0]["receptive_field"] == {"size": [3], "stride": [1]}


def test_unknown_is_null() -> None:
    data = to_json(analyse("layers:\n  - Conv2d: {out_channels: 8, kernel_size: 3}\n"))
    first = data["layers"][0]
    assert (first["macs"], first["flops"], first["output_bytes"], first["receptive_field"]) == (None,) * 4
    assert (data["macs"], data["flops"], data["activation_bytes"]) == (None, None, None)


def test_ultralytics_rows_count_the_eval_forward_pass(cli) -> None:
    """yolov8n at 640: 4.37 G MACs, 8.74 GFLOPs (what Ultralytics prints as 8.7 GFLOPs); the training estimate is
    not made for this dialect (null); receptive fields are not traced through its rows (null)."""
    _code, out, _err = cli("summary", str(EXAMPLES / "ultralytics" / "yolov8.yaml"), "--json")
    data = json.loads(out)
    assert (data["macs"], data["flops"], data["activation_bytes"]) == (4_371_993_600, 8_743_987_200, 186_374_400)
    assert data["saved_bytes_estimate"] is None
    row = data["layers"][0]  # Conv 3 → 16, 3×3, stride 2, to 320×320
    assert (row["macs"], row["flops"], row["output_bytes"], row["receptive_field"]) == (
        44_236_800, 88_473_600, 6_553_600, None
    )
    conv = row["children"][0]
    assert conv["mac_formula"] == (
        "H_out × W_out × C_out × (C_in / groups) × k_h × k_w = 320 × 320 × 16 × 3 × 3 × 3 = 44,236,800"
    )
    assert data["layers"][-1]["macs"] == 1_811_174_400  # Detect, with DFL's 1×1 conv over the 8,400 anchors
