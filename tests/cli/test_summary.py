"""`paramlens summary`: the table (exact text), --depth, --dtype, errors, and the exit codes."""

from __future__ import annotations

from pathlib import Path

from .common import MISMATCH_LINE, SEED_2D, run

SEED_TABLE = """\
Seed CNN 2D · input 3×32×32
 #   Layer (type)        Output shape   Params   Formula
───────────────────────────────────────────────────────────────────────
 1   Conv2d              16×30×30          448   (3 × 3 × 3 + 1) × 16
 2   BatchNorm2d         16×30×30           32   2 × 16
 3   ReLU                16×30×30            0
 4   Conv2d              32×28×28        4,640   (3 × 3 × 16 + 1) × 32
 5   BatchNorm2d         32×28×28           64   2 × 32
 6   ReLU                32×28×28            0
 7   AdaptiveAvgPool2d   32×2×2              0
 8   Flatten             128                 0
 9   Linear              64              8,256   128 × 64 + 64

  Total params           13,440
  Trainable params       13,440
  Non-trainable params        0
  Buffers                    98  running statistics and other state; not parameters
  Params size           0.05 MB  53,760 bytes; float32, 4 bytes per parameter
  Input shape           3×32×32
  Output shape               64
"""

COMPOSITE = """\
name: Composite
input: [3, 8, 8]
blocks:
  ConvBN:
    args: {width: 4}
    layers:
      - Conv2d: {out_channels: $width, kernel_size: 3, padding: 1, bias: false}
      - BatchNorm2d
layers:
  - Sequential:
      name: stem
      layers:
        - ConvBN: {width: 8}
        - ReLU
  - Repeat:
      times: 3
      layers:
        - Residual:
            layers:
              - ConvBN: {width: 8}
  - Flatten
  - Linear: {out_features: 10, trainable: false}
"""


def test_seed_table_exact(cli) -> None:
    code, out, err = cli("summary", str(SEED_2D))
    assert (code, out, err) == (0, SEED_TABLE, "")


def test_seed_table_through_a_pipe() -> None:
    """What `scripts/run` prints: no colour codes, no trailing spaces, the same table."""
    proc = run("summary", str(SEED_2D))
    assert proc.returncode == 0
    assert proc.stdout == SEED_TABLE
    assert "\x1b[" not in proc.stdout


def test_tree_of_composites(cli, tmp_path: Path) -> None:
    path = tmp_path / "composite.arch.yaml"
    path.write_text(COMPOSITE)
    code, out, _err = cli("summary", str(path))
    assert code == 0
    table = out.split("\n\n")[0].splitlines()
    assert table[0] == "Composite · input 3×8×8"
    rows = [line.rstrip() for line in table[3:]]
    assert rows == [
        "         1   Sequential                stem   8×8×8             232",
        "       1.1   ├─ ConvBN                        8×8×8             232",
        "     1.1.1   │  ├─ Conv2d                     8×8×8             216   3 × 3 × 3 × 8",
        "     1.1.2   │  └─ BatchNorm2d                8×8×8              16   2 × 8",
        "       1.2   └─ ReLU                          8×8×8               0",
        "         2   Repeat ×3                        8×8×8           1,776   3 × 592",
        "       2.1   └─ Residual                      8×8×8             592",
        "     2.1.1      └─ layers                     8×8×8             592",
        "   2.1.1.1         └─ ConvBN                  8×8×8             592",
        " 2.1.1.1.1            ├─ Conv2d               8×8×8             576   3 × 3 × 8 × 8",
        " 2.1.1.1.2            └─ BatchNorm2d          8×8×8              16   2 × 8",
        "         3   Flatten                          512                 0",
        "         4   Linear (frozen)                  10              5,130   512 × 10 + 10",
    ]
    # 216 + 16 (stem), 3 × (576 + 16) (the repeat), 512 × 10 + 10 (the frozen Linear)
    assert "  Total params            7,138\n  Trainable params        2,008\n" in out
    assert "  Non-trainable params    5,130  frozen layers\n" in out


def test_depth_folds_deeper_levels(cli, tmp_path: Path) -> None:
    path = tmp_path / "composite.arch.yaml"
    path.write_text(COMPOSITE)
    _code, out, _err = cli("summary", str(path), "--depth", "1")
    rows = [line.split()[:2] for line in out.split("\n\n")[0].splitlines()[3:]]
    assert rows == [["1", "Sequential"], ["2", "Repeat"], ["3", "Flatten"], ["4", "Linear"]]
    _code, out, _err = cli("summary", str(path), "--depth", "2")
    rows = [line.split()[0] for line in out.split("\n\n")[0].splitlines()[3:]]
    assert rows == ["1", "1.1", "1.2", "2", "2.1", "3", "4"]
    assert "Total params            7,138" in out  # folding never changes a total


def test_dtype_sets_the_size(cli) -> None:
    _code, out, _err = cli("summary", str(SEED_2D), "--dtype", "float16")
    assert "  Params size           0.03 MB  26,880 bytes; float16, 2 bytes per parameter\n" in out


def test_errors_still_print_the_table_then_the_diagnostics(cli, mismatch: Path) -> None:
    code, out, err = cli("summary", "mismatch.arch.yaml")
    assert code == 1
    assert err == ""
    assert " 2   Conv2d         8×28×28         1,160   (3 × 3 × 16 + 1) × 8" in out
    assert out.endswith(f"\n1 error:\n{MISMATCH_LINE}\n")


def test_narrow_output_drops_optional_columns_but_never_cuts_a_cell(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "44")
    _code, out, _err = cli("summary", str(SEED_2D))
    lines = out.splitlines()
    assert lines[1] == " Layer (type)        Output shape   Params"
    assert lines[3] == " Conv2d              16×30×30          448"
    assert "…" not in out


def test_bad_arguments_exit_2(cli) -> None:
    code, _out, err = cli("summary", str(SEED_2D), "--depth", "0")
    assert code == 2
    assert "--depth: must be a positive integer (1 shows the top-level layers only), not '0'" in err
    code, _out, err = cli("summary", str(SEED_2D), "--dtype", "float13")
    assert code == 2
    assert "invalid choice: 'float13'" in err


def test_not_an_architecture_exits_2(cli, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("steps: 10\nlr: 0.1\n")
    code, out, err = cli("summary", str(path))
    assert (code, out) == (2, "")
    assert err == (
        f"paramlens: {path} is not an architecture file: its top level is not a mapping with `layers` or `blocks` "
        "(the format: docs/format.md), nor an Ultralytics model with `backbone` and `head` rows\n"
    )


def test_blocks_only_file(cli, tmp_path: Path) -> None:
    path = tmp_path / "lib.arch.yaml"
    path.write_text("blocks:\n  Act:\n    layers: [ReLU]\n")
    code, out, _err = cli("summary", str(path))
    assert code == 0
    assert out.splitlines()[3].strip() == "no layers"
    assert "  Total params                0\n" in out
