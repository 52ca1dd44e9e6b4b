"""The Ultralytics front-end: model files read as Ultralytics 8.4.190 builds them. Exact counts, printed
arguments and shapes (the numbers are Ultralytics' own, measured with 8.4.190; tests/ultralytics proves
them against Ultralytics itself), and each diagnostic with its exact range and message."""

from __future__ import annotations

from pathlib import Path

import pytest

from paramlens.engine import Severity, Span, analyse
from paramlens.render.json import to_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ultralytics"
V8 = (EXAMPLES / "yolov8.yaml").read_text(encoding="utf-8")
V11 = (EXAMPLES / "yolo11.yaml").read_text(encoding="utf-8")
P2 = (EXAMPLES / "yolo11n-p2-3cls.yaml").read_text(encoding="utf-8")


def at(text: str, needle: str, start: int = 0) -> Span:
    """The span of the first ``needle`` at or after offset ``start`` of ``text`` (on one line)."""
    index = text.index(needle, start)
    line = text.count("\n", 0, index)
    col = index - (text.rfind("\n", 0, index) + 1)
    return Span(line, col, line, col + len(needle))


def codes(analysis) -> list[str]:
    return [d.code for d in analysis.diagnostics]


# --- counts, as Ultralytics reports them -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "scale", "total"),
    [
        (V8, "yolov8.yaml", None, 3_157_200),  # no letter in the name: the first scale, n
        (V8, "yolov8.yaml", "s", 11_166_560),
        (V8, "models/yolov8s.yaml", None, 11_166_560),  # the letter in the file name
        (V11, "yolo11.yaml", None, 2_624_080),
        (V11, "yolo11.yaml", "s", 9_458_752),
        (P2, "yolo11n-p2-3cls.yaml", None, 2_667_084),
    ],
)
def test_totals_equal_ultralytics(text: str, key: str, scale: str | None, total: int) -> None:
    analysis = analyse(text, key=key, scale=scale)
    assert analysis.dialect == "ultralytics"
    assert analysis.diagnostics == []
    assert analysis.totals.params == total
    assert sum(layer.param_count for layer in analysis.layers) == total


def test_every_scale_total_as_the_scales_lens_shows_them() -> None:
    analysis = analyse(V8, key="yolov8.yaml")
    assert analysis.scale == "n"
    assert analysis.scales == {"n": 3_157_200, "s": 11_166_560, "m": 25_902_640, "l": 43_691_520, "x": 68_229_648}
    assert analyse(V11, key="yolo11.yaml").scales == {
        "n": 2_624_080, "s": 9_458_752, "m": 20_114_688, "l": 25_372_160, "x": 56_966_176,
    }  # fmt: skip


def test_rows_of_yolov8n_as_ultralytics_prints_them() -> None:
    analysis = analyse(V8, key="yolov8.yaml")
    rows = analysis.layers
    assert len(rows) == 23
    first = rows[0]
    assert (first.row.index, first.param_count, first.row.arguments_text) == (0, 464, "[3, 16, 3, 2]")
    assert first.row.module == "ultralytics.nn.modules.conv.Conv"
    assert first.output_shape == (16, 320, 320)
    c2f = rows[2]
    assert (c2f.param_count, c2f.row.arguments_text, c2f.row.repeats) == (7_360, "[32, 32, 1, True]", 1)
    assert [(c.name, c.type, c.param_count) for c in c2f.children] == [
        ("cv1", "Conv", 1_088), ("cv2", "Conv", 1_600), ("m.0", "Bottleneck", 4_672),
    ]  # fmt: skip
    assert [(c.name, c.type) for c in c2f.children[0].children] == [("conv", "Conv2d"), ("bn", "BatchNorm2d"),
                                                                    ("act", "SiLU")]  # fmt: skip
    up = rows[10]
    assert (up.row.module, up.row.arguments_text) == ("torch.nn.modules.upsampling.Upsample", "[None, 2, 'nearest']")
    assert up.output_shape == (256, 40, 40)
    concat = rows[11]
    assert (concat.row.from_, concat.row.sources, concat.output_shape) == ([-1, 6], (10, 6), (384, 40, 40))
    head = rows[22]
    assert head.row.arguments_text == "[80, 16, None, [64, 128, 256]]"
    assert head.param_count == 897_664  # box 381,888 + classes 515,760 + DFL 16 (frozen)
    assert head.trainable_count == 897_648
    assert head.output_shape is None  # a tuple, not one tensor


def test_c3k2_takes_c3k_true_at_m_l_x_and_the_head_its_depthwise_classes() -> None:
    m = analyse(V11, key="yolo11.yaml", scale="m")
    assert m.layers[2].row.arguments_text == "[128, 256, 1, True, 0.25]"
    assert m.layers[2].children[2].type == "C3k"
    n = analyse(V11, key="yolo11.yaml")
    assert n.layers[2].row.arguments_text == "[32, 64, 1, False, 0.25]"
    cls = n.layers[23].children[3]  # cv3.0: DWConv + Conv, DWConv + Conv, Conv2d
    assert cls.name == "cv3.0"
    assert [c.children[0].type for c in cls.children[:2]] == ["DWConv", "DWConv"]


def test_custom_nc_activation_and_old_style_multiples() -> None:
    three = V8.replace("nc: 80", "nc: 3")
    assert analyse(three, key="yolov8.yaml").totals.params == 3_011_433
    relu = V8.replace("nc: 80", "nc: 80\nactivation: nn.ReLU()")
    assert analyse(relu, key="yolov8.yaml").totals.params == 3_157_200
    prelu = analyse(V8.replace("nc: 80", "nc: 80\nactivation: nn.PReLU()"), key="yolov8.yaml")
    # one PReLU shared by every Conv: in each row's count, once in the total
    assert sum(r.param_count for r in prelu.layers) == 3_157_217
    assert prelu.totals.params == 3_157_201
    multiples = "depth_multiple: 0.33\nwidth_multiple: 0.25\n"
    old = V8.split("scales:")[0] + multiples + "backbone:" + V8.split("backbone:")[1]
    flat = analyse(old, key="custom.yaml")
    assert (flat.totals.params, flat.scale, flat.scales) == (3_157_200, None, None)


def test_a_width_below_eight_rounds_up_to_eight() -> None:
    text = "nc: 80\nbackbone:\n  - [-1, 1, Conv, [3, 3, 1]]\nhead:\n  - [-1, 1, Classify, [nc]]\n"
    analysis = analyse(text, key="tiny.yaml")
    assert analysis.layers[0].row.arguments_text == "[3, 8, 3, 1]"
    assert analysis.layers[0].output_shape == (8, 640, 640)


def test_native_files_stay_native() -> None:
    native = analyse("input: [3, 32, 32]\nlayers:\n  - C2f: {out_channels: 8}\n")
    assert native.dialect == "paramlens"
    assert codes(native) == ["unknown-layer"]
    assert to_json(native)["dialect"] == "paramlens"
    assert not analyse("backbone: 3\nother: 1\n").is_architecture  # backbone alone, not rows


def test_json_fields_of_a_row() -> None:
    data = to_json(analyse(V8, key="yolov8.yaml"))
    assert (data["dialect"], data["scale"], data["imgsz"], data["total_params"]) == ("ultralytics", "n", 640, 3_157_200)
    assert data["scales"]["x"] == 68_229_648
    row = data["layers"][22]
    assert row["row"] == 22 and row["from"] == [15, 18, 21] and row["repeats"] == 1
    assert row["module"] == "ultralytics.nn.modules.head.Detect"
    assert row["arguments"] == [80, 16, None, [64, 128, 256]]
    assert row["arguments_text"] == "[80, 16, None, [64, 128, 256]]"
    assert row["line"] == V8.split("\n").index("  - [[15, 18, 21], 1, Detect, [nc]]") + 1
    assert sum(c["params"] for c in row["children"]) == row["params"]
    assert data["layers"][0]["output_shape"] == [16, 320, 320]


def test_imgsz_changes_the_shapes_not_the_counts() -> None:
    analysis = analyse(V8, key="yolov8.yaml", imgsz=320)
    assert analysis.layers[0].output_shape == (16, 160, 160)
    assert analysis.imgsz == 320
    assert analysis.totals.params == 3_157_200


# --- diagnostics ---------------------------------------------------------------------------------------


def one(text: str, code: str, key: str = "yolov8.yaml", **options):
    analysis = analyse(text, key=key, **options)
    assert codes(analysis) == [code], [d.message for d in analysis.diagnostics]
    return analysis.diagnostics[0], analysis


def test_concat_of_two_strides_names_both_rows_and_sizes() -> None:
    text = V8.replace("[[-1, 4], 1, Concat, [1]]", "[[-1, 6], 1, Concat, [1]]")
    d, _ = one(text, "concat-mismatch")
    assert d.span == at(text, "6", text.index("[[-1, 6]", text.index("[[-1, 6]") + 1))
    assert d.message == (
        "Concat joins row 13 (128×80×80) and row 6 (128×40×40): their spatial sizes differ (80×80 vs 40×40 at "
        "imgsz 640). Ultralytics: RuntimeError: Sizes of tensors must match except in dimension 1. Point `from` "
        "at rows of the same stride (after an inserted or deleted row, the absolute indices shift)."
    )


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ("30", "`from` 30 points at row 30, after row 11: a row can only take rows above it (negative indices "
               "count back, -1 is row 10). Ultralytics: IndexError: list index out of range."),
        ("11", "`from` 11 points at its own row: a row can only take rows above it (negative indices count back, "
               "-1 is row 10). Ultralytics: IndexError: list index out of range."),
        ("-20", "`from` -20 points before row 0: row 11 can reach back at most -11 (row 0). Ultralytics: "
                "IndexError: list index out of range."),
    ],
)  # fmt: skip
def test_from_at_or_after_its_row_or_before_row_0(index: str, message: str) -> None:
    text = V8.replace("[[-1, 6], 1, Concat, [1]]", f"[[-1, {index}], 1, Concat, [1]]")
    d, analysis = one(text, "invalid-from")
    assert d.span == at(text, index, text.index(f"[[-1, {index}]") + 5)
    assert d.message == message
    assert analysis.layers[11].param_count is None and analysis.totals.params is None
    assert analysis.layers[12].param_count is None  # its width came from the broken row
    assert analysis.layers[0].param_count == 464  # what is known stays known


def test_unknown_module_with_a_suggestion() -> None:
    text = V8.replace("[-1, 1, SPPF, [1024, 5]]", "[-1, 1, SPPFF, [1024, 5]]")
    d, analysis = one(text, "unknown-module")
    assert d.span == at(text, "SPPFF")
    assert d.message == (
        "Unknown module 'SPPFF': Ultralytics 8.4.190 fails with KeyError: 'SPPFF' (a row names a class of "
        "ultralytics/nn/tasks.py, or nn.<Name> for torch.nn). Did you mean SPPF or SPP?"
    )
    assert [f.text for f in d.fixes] == ["SPPF", "SPP"]
    assert analysis.layers[10].param_count == 0 and analysis.layers[12].param_count is not None


def test_cbam_is_a_key_error_in_8_4_190() -> None:
    text = V8.replace("  - [-1, 1, SPPF, [1024, 5]]", "  - [-1, 1, SPPF, [1024, 5]]\n  - [-1, 1, CBAM, [1024]]")
    analysis = analyse(text, key="yolov8.yaml")
    d = analysis.diagnostics[0]
    assert (d.code, d.span) == ("unknown-module", at(text, "CBAM"))
    assert d.message.startswith("Ultralytics 8.4.190 fails here with KeyError: 'CBAM': CBAM is defined in "
                                "ultralytics.nn.modules, but ultralytics/nn/tasks.py does not import it")  # fmt: skip


def test_wrong_number_and_type_of_arguments() -> None:
    text = V8.replace("[-1, 1, SPPF, [1024, 5]]", "[-1, 1, SPPF, [1024, 5, 3, True, 7]]")
    d, _ = one(text, "invalid-arguments")
    assert d.span == at(text, "[1024, 5, 3, True, 7]")
    assert d.message == (
        "SPPF takes at most 4 arguments (c2, k, n, shortcut), but this row writes 5: Ultralytics fails with "
        "TypeError: __init__() takes … positional arguments. Remove the extra ones."
    )
    text = V8.replace("[-1, 1, Conv, [64, 3, 2]]", "[-1, 1, Conv, [big, 3, 2]]")
    d, _ = one(text, "invalid-arguments")
    assert d.span == at(text, "[big, 3, 2]")
    assert d.message == "Conv's first argument is its output width, a number, not 'big'."


def test_c2psa_on_another_width_is_the_bare_assertion() -> None:
    text = V11.replace("[-1, 2, C2PSA, [1024]]", "[-1, 2, C2PSA, [512]]")
    d, analysis = one(text, "channel-mismatch", key="yolo11.yaml")
    assert d.span == at(text, "[512]", text.index("C2PSA"))
    assert d.message == (
        "C2PSA keeps its width, but its input has 256 channels and its c2 scales to 128 (Ultralytics: a bare "
        "AssertionError, `assert c1 == c2`). Give it the width of the row it takes, written before scaling (the "
        "same number as that row's c2)."
    )
    assert analysis.layers[11].param_count == 0  # the recorded width goes on


def test_a_non_repeat_module_repeated_across_a_width_change() -> None:
    text = V8.replace("  - [-1, 1, Conv, [128, 3, 2]]", "  - [-1, 2, Conv, [128, 3, 2]]")
    assert analyse(text, key="yolov8.yaml").diagnostics == []  # at n, depth 0.33 makes n = 1
    d, _ = one(text, "channel-mismatch", scale="l")
    assert d.span == at(text, "2", text.index("[-1, 2, Conv"))
    assert d.message.startswith("n = 2 makes 2 copies of Conv with the same arguments [64, 128, 3, 2], but one copy "
                                "turns 64 channels into 128")  # fmt: skip


def test_adown_on_odd_channels_and_a2c2f_widths() -> None:
    text = V8.replace("  - [-1, 1, Conv, [64, 3, 2]]", "  - [-1, 1, ADown, [64]]")
    d, _ = one(text, "channel-mismatch")
    assert d.message == ("ADown splits its input in two halves (chunk(2)), so it needs an even number of input "
                         "channels, not 3.")  # fmt: skip
    text = V8.replace("  - [-1, 6, C2f, [512, True]]", "  - [-1, 6, A2C2f, [96]]")
    d, _ = one(text, "invalid-arguments")
    assert d.span == at(text, "[96]")
    assert "c2 × e = 24 × 0.5 = 12 must be a multiple of 32" in d.message


def test_rows_that_are_not_rows_and_missing_sections() -> None:
    text = V8.replace("  - [-1, 1, Conv, [128, 3, 2]]", "  - [-1, 1, Conv]")
    d, _ = one(text, "invalid-row")
    assert d.span == at(text, "[-1, 1, Conv]")
    assert d.message == (
        "This row has 3 items, but a row is a list of 4 items, `[from, repeats, module, args]`, e.g. "
        "`- [-1, 1, Conv, [64, 3, 2]]` (Ultralytics: ValueError: not enough values to unpack)."
    )
    text = V8.split("head:")[0]
    d, analysis = one(text, "missing-section")
    assert d.span == at(text, "backbone")
    assert analysis.totals.params is None


def test_a_head_that_takes_a_head() -> None:
    text = V8 + "  - [[22], 1, Detect, [nc]]\n"
    d, _ = one(text, "invalid-from")
    assert d.span == at(text, "22", text.index("[[22]"))
    assert d.message == ("Detect needs feature maps, but row 22 (Detect) outputs a head. Point `from` at a backbone "
                         "or neck row.")  # fmt: skip


def test_an_unsupported_module_is_unknown_not_guessed() -> None:
    text = V8.replace("[[15, 18, 21], 1, Detect, [nc]]", "[[15, 18, 21], 1, WorldDetect, [nc, 512, False]]")
    assert analyse(text, key="yolov8.yaml").totals.params == 3_262_182  # Ultralytics 8.4.190 builds the same
    text = text.replace("nc: 80", "nc: 80\nend2end: True")  # its one-to-one copy depends on process state
    analysis = analyse(text, key="yolov8.yaml")
    assert codes(analysis) == ["unsupported-module"]
    assert analysis.diagnostics[0].message == (
        "WorldDetect: paramlens does not count an end2end WorldDetect: its one-to-one copy of the class branch "
        "takes Detect's form (the v8 one or the depth-wise one) from Ultralytics' process-wide Detect.legacy, set "
        "by the models built before it in the same process, so this row's parameters are unknown (?). Without "
        "end2end it is counted."
    )
    assert analysis.diagnostics[0].severity == Severity.WARNING
    assert analysis.layers[22].param_count is None and analysis.totals.params is None
    assert analysis.layers[21].param_count is not None


def test_a_scale_the_file_does_not_have() -> None:
    d, _ = one(V8, "invalid-value", key="yolov8q.yaml", scale="q")
    assert d.message.startswith("The scale is 'q' (from --scale), but scales has only n, s, m, l, x")


# --- the index-shift fix -------------------------------------------------------------------------------


def apply(text: str, fix) -> str:
    lines = text.split("\n")
    s = fix.span
    before = "\n".join([*lines[: s.start_line], lines[s.start_line][: s.start_char]])
    after = "\n".join([lines[s.end_line][s.end_char :], *lines[s.end_line + 1 :]])
    return before + fix.text + after


def test_an_inserted_row_shifts_the_absolute_indices_and_one_fix_renumbers_them() -> None:
    first = analyse(V8, key="yolov8.yaml")
    row = "  - [-1, 6, C2f, [256, True]]\n"
    inserted = V8.replace(row, row + "  - [-1, 1, nn.Identity, []]\n")
    second = analyse(inserted, key="yolov8.yaml", memo=first.memo)
    assert codes(second) == ["stale-index"] * 6
    d = second.diagnostics[0]
    assert d.span == at(inserted, "6", inserted.index("[[-1, 6]"))
    assert d.message == (
        "`from` 6 still names the row it named before 1 row inserted at row 5: that row is now row 7, and 6 is now "
        "row 6 (Conv). Renumber it to 7 (the quick fix renumbers every absolute index after the change, so that "
        "the model is the one it was)."
    )
    fixes = {f for d in second.diagnostics for f in d.fixes}
    assert len(fixes) == 1  # one edit for all six
    fixed = apply(inserted, fixes.pop())
    assert "[[16, 19, 22], 1, Detect, [nc]]" in fixed and "[[-1, 7], 1, Concat, [1]]" in fixed
    third = analyse(fixed, key="yolov8.yaml", memo=second.memo)
    assert third.diagnostics == [] and third.totals.params == 3_157_200
    # the stale indices stay reported while the user types on elsewhere
    typed = inserted.replace("nc: 80", "nc: 81")
    assert codes(analyse(typed, key="yolov8.yaml", memo=second.memo)) == ["stale-index"] * 6


def test_a_deleted_row_is_renumbered_too() -> None:
    first = analyse(V8, key="yolov8.yaml")
    deleted = V8.replace("  - [-1, 1, SPPF, [1024, 5]]\n", "")
    second = analyse(deleted, key="yolov8.yaml", memo=first.memo)
    assert codes(second) == ["stale-index"] * 5
    lost = second.diagnostics[1]  # the SPPF row itself was deleted: no number names what it meant
    assert lost.span == at(deleted, "9", deleted.index("[[-1, 9]")) and lost.fixes == ()
    assert lost.message == ("`from` 9 named a row that was deleted (1 row deleted at row 9); 9 is now row 9 "
                            "(nn.Upsample). Point it at the row it should take.")  # fmt: skip
    fixed = apply(deleted, second.diagnostics[0].fixes[0])
    assert "[[14, 17, 20], 1, Detect, [nc]]" in fixed and "[[-1, 11], 1, Concat, [1]]" in fixed
    assert [d.span for d in analyse(fixed, key="yolov8.yaml", memo=second.memo).diagnostics] == [lost.span]


def test_an_nn_row_after_a_row_of_unknown_width_is_unknown_not_a_crash() -> None:
    """nn.BatchNorm2d and nn.ConvTranspose2d take the recorded width: after a broken first row it is
    unknown, so their rows are too (the broken row says why), and the rows before stay counted."""
    text = (Path(__file__).resolve().parents[1] / "ultralytics_oracle" / "customised" / "yolov8-nn.yaml").read_text()
    broken = text.replace("[-1, 1, Conv, [64, 3, 2]]", "[-2, 1, Conv, [64, 3, 2]]", 1)
    analysis = analyse(broken, key="yolov8-nn.yaml")
    assert codes(analysis)[0] == "invalid-from"
    assert analysis.diagnostics[0].span == at(broken, "-2")
    batchnorm = next(r for r in analysis.layers if r.written_type == "nn.BatchNorm2d")
    assert batchnorm.param_count is None and analysis.totals.params is None
