"""`paramlens show`: the file with counts and shapes where the editor shows them, errors underlined."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from rich.console import Console

from paramlens.engine import analyse
from paramlens.render.inline import hints, print_show, show_text

from .common import SEED_2D, run

SEED_SHOWN = """\
# The worked example of "How to calculate the number of parameters in CNN?":
# two 3×3 convolutions with batch norm, then a fully connected layer 128 → 64.
# 448 + 32 + 4,640 + 64 + 8,256 = 13,440 parameters.
name: Seed CNN 2D
input: [3, 32, 32]
layers:                                                                  ◂ total 13,440 params
  - Conv2d: {out_channels: 16, kernel_size: 3}                           ◂ 448 params → 16×30×30
  - BatchNorm2d                                                          ◂ 32 params → 16×30×30
  - ReLU                                                                 ◂ 0 params → 16×30×30
  - Conv2d: {out_channels: 32, kernel_size: 3}                           ◂ 4,640 params → 32×28×28
  - BatchNorm2d                                                          ◂ 64 params → 32×28×28
  - ReLU                                                                 ◂ 0 params → 32×28×28
  - AdaptiveAvgPool2d: {output_size: 2}     # 32 × 2 × 2 = 128 features  ◂ 0 params → 32×2×2
  - Flatten                                                              ◂ 0 params → 128
  - Linear: {in_features: 128, out_features: 64}                         ◂ 8,256 params → 64
"""

MISMATCH_SHOWN = """\
name: Mismatch
input: [3, 32, 32]
layers:                                                         ◂ total 2,056 params
  - Conv2d: {out_channels: 32, kernel_size: 3}                  ◂ 896 params → 32×30×30
  - Conv2d: {in_channels: 16, out_channels: 8, kernel_size: 3}  ◂ 1,160 params → 8×28×28
                          ^^ error: in_channels is 16, but layer 1 (Conv2d, line 4) outputs 32 channels. \
Set in_channels: 32, or remove it to infer it. [channel-mismatch]
  - ReLU                                                        ◂ 0 params → 8×28×28
"""


def test_seed_through_a_subprocess() -> None:
    proc = run("show", str(SEED_2D))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, SEED_SHOWN, "")


def test_errors_are_underlined_under_their_line(cli, mismatch: Path) -> None:
    code, out, err = cli("show", "mismatch.arch.yaml")
    assert (code, out, err) == (1, MISMATCH_SHOWN, "")


def test_block_definitions_show_their_first_use_and_constructs_their_totals() -> None:
    """Pair's definition shows its first use (2 → 3 channels: 2 × 3 + 3 = 9); the Repeat is 3 → 2 (8)
    then 2 → 2 (6), so 14, and it shows the first repetition under it."""
    text = """\
input: [2, 4, 4]
blocks:
  Pair:
    args: {c: 2}
    layers:
      - Conv2d: {out_channels: $c, kernel_size: 1}
      - ReLU
layers:
  - Pair: {c: 3}
  - Repeat:
      times: 2
      layers:
        - Pair
  - Residual:
      layers: [Identity]
"""
    assert show_text(text, analyse(text)) == (
        "input: [2, 4, 4]\n"
        "blocks:\n"
        "  Pair:                                             ◂ 9 params → 3×4×4\n"
        "    args: {c: 2}\n"
        "    layers:\n"
        "      - Conv2d: {out_channels: $c, kernel_size: 1}  ◂ 9 params → 3×4×4\n"
        "      - ReLU                                        ◂ 0 params → 3×4×4\n"
        "layers:                                             ◂ total 23 params\n"
        "  - Pair: {c: 3}                                    ◂ 9 params → 3×4×4\n"
        "  - Repeat:                                         ◂ 14 params → 2×4×4\n"
        "      times: 2\n"
        "      layers:\n"
        "        - Pair                                      ◂ 8 params → 2×4×4\n"
        "  - Residual:                                       ◂ 0 params → 2×4×4\n"
        "      layers: [Identity]                            ◂ 0 params → 2×4×4\n"
    )


def test_unknown_counts_and_frozen_totals() -> None:
    text = "layers:\n  - Conv2d: {out_channels: 4, kernel_size: 3}\n"
    assert hints(analyse(text)) == {0: "total ? params", 1: "? params → 4×?×?"}
    frozen = "input: [4]\nlayers:\n  - Linear: {out_features: 2, trainable: false}\n  - Linear: {out_features: 1}\n"
    assert hints(analyse(frozen))[1] == "total 13 params (3 trainable, 10 non-trainable)"


def test_crlf_and_tabs_keep_their_lines() -> None:
    text = "input: [3]\r\nlayers:\r\n  - Linear: {in_features: 4,\tout_features: 2}\r\n"
    shown = show_text(text, analyse(text)).splitlines()
    assert shown[2].startswith("  - Linear: {in_features: 4,\tout_features: 2}  ◂ 10 params → 2")
    assert shown[3].startswith("                          ^ error: in_features is 4")
    assert len(shown) == 4


def test_terminal_rendering_has_the_same_text() -> None:
    text = SEED_2D.read_text()
    out = StringIO()
    print_show(Console(file=out, width=40, force_terminal=False), text, analyse(text))
    assert out.getvalue() == SEED_SHOWN


def test_unreadable_file_exits_2(cli, tmp_path: Path) -> None:
    code, out, err = cli("show", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"paramlens: {tmp_path} is a directory; give an architecture file (*.arch.yaml)\n"


def test_control_characters_cannot_drive_the_terminal() -> None:
    text = "layers:\n  - ReLU\x00\n  - Identity  # \x1b[2J\n"
    shown = show_text(text, analyse(text))
    assert "\x1b" not in shown
    assert "\x00" not in shown
    (error,) = analyse(text).diagnostics
    assert shown.splitlines()[1:4] == [
        "  - ReLU␀",
        f"        ^ error: {error.message} [yaml-syntax]",
        "  - Identity  # ␛[2J",
    ]


def test_branches_show_on_their_own_lines_and_definitions_hide_unknowns() -> None:
    text = """\
input: [4, 2, 2]
blocks:
  Gate:
    layers:
      - Residual:
          layers: [ReLU]
          shortcut:
            - Conv2d: {out_channels: $in_channels, kernel_size: 1}
layers:
  - Gate
"""
    assert hints(analyse(text)) == {
        2: "20 params → 4×2×2",  # the block's name: its first use (4 × 4 + 4)
        4: "20 params → 4×2×2",  # the Residual
        5: "0 params → 4×2×2",  # the ReLU, written on the line of the `layers` branch
        6: "20 params → 4×2×2",  # the `shortcut` branch, alone on its line
        7: "20 params → 4×2×2",
        8: "total 20 params",
        9: "20 params → 4×2×2",
    }
    unknown = "blocks:\n  G:\n    layers:\n      - Conv2d: {out_channels: 2, kernel_size: 1}\nlayers:\n  - G\n"
    assert hints(analyse(unknown)) == {4: "total ? params", 5: "? params → 2×?×?"}
