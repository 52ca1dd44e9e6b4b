"""`paramlens summary --columns …`: MACs, output bytes and receptive fields in the table (exact text),
the totals row, the totals at --batch N, the definitions footnote, and the SI units."""

from __future__ import annotations

import pytest

from paramlens.render.compute import si

from .common import SEED_2D

# hand-computed: conv1 30·30·16·3·3·3 = 388,800 MACs, conv2 28·28·32·16·3·3 = 3,612,672, linear 128·64 = 8,192;
# outputs 16·30·30·4 = 57,600 B, 32·28·28·4 = 100,352 B; fields 3, 5, 5 + 13·1 = 18 (jump 14), then global
SEED_COMPUTE_TABLE = """\
Seed CNN 2D · input 3×32×32
 #   Layer (type)        Output shape   Params      MACs   Output bytes   RF       Formula
─────────────────────────────────────────────────────────────────────────────────────────────────────────
 1   Conv2d              16×30×30          448   388.8 K        57.6 KB   3×3      (3 × 3 × 3 + 1) × 16
 2   BatchNorm2d         16×30×30           32         0        57.6 KB   3×3      2 × 16
 3   ReLU                16×30×30            0         0        57.6 KB   3×3
 4   Conv2d              32×28×28        4,640   3.613 M       100.4 KB   5×5      (3 × 3 × 16 + 1) × 32
 5   BatchNorm2d         32×28×28           64         0       100.4 KB   5×5      2 × 32
 6   ReLU                32×28×28            0         0       100.4 KB   5×5
 7   AdaptiveAvgPool2d   32×2×2              0         0          512 B   18×18
 8   Flatten             128                 0         0          512 B   18×18
 9   Linear              64              8,256   8.192 K          256 B   global   128 × 64 + 64

     Total                              13,440    4.01 M       475.1 KB

  Total params            13,440
  Trainable params        13,440
  Non-trainable params         0
  Buffers                     98  running statistics and other state; not parameters
  Params size            0.05 MB  53,760 bytes; float32, 4 bytes per parameter
  MACs                    4.01 M  4,009,664; multiply-accumulates, batch 1
  FLOPs                  8.019 M  8,019,328; 2 × MACs
  Activations           475.1 KB  475,136 bytes; all outputs, batch 1
  Saved for backward    329.1 KB  329,088 bytes; training, estimate, batch 1
  Input shape            3×32×32
  Output shape                64

  MACs: multiply-accumulates of the dense products (conv, linear, matmul, RNN gates, attention)
  of one forward pass; not bias, norms, activations, pooling. FLOPs = 2 × MACs (FlopCounterMode, meta).
"""


def test_all_columns_exact(cli) -> None:
    code, out, err = cli("summary", str(SEED_2D), "--columns", "params,macs,memory,rf")
    assert (code, out, err) == (0, SEED_COMPUTE_TABLE, "")


def test_batch_scales_the_columns_and_totals(cli) -> None:
    code, out, _err = cli("summary", str(SEED_2D), "--columns", "macs", "--batch", "4")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "Seed CNN 2D · input 3×32×32 · batch 4"
    assert lines[1].split() == ["#", "Layer", "(type)", "Output", "shape", "MACs"]
    assert lines[3].split() == ["1", "Conv2d", "16×30×30", "1.555", "M"]  # 4 × 388,800 = 1,555,200
    assert "  MACs                   16.04 M  16,038,656; multiply-accumulates, batch 4" in lines
    assert "  FLOPs                  32.08 M  32,077,312; 2 × MACs" in lines
    assert "Params" not in lines[1] and "Formula" not in out
    assert "FLOPS" not in out


def test_memory_without_macs_has_no_footnote(cli) -> None:
    _code, out, _err = cli("summary", str(SEED_2D), "--columns", "memory")
    assert "Output bytes" in out and "MACs:" not in out
    assert "  Activations           475.1 KB  475,136 bytes; all outputs, batch 1" in out.splitlines()


def test_columns_are_checked(cli) -> None:
    code, out, err = cli("summary", str(SEED_2D), "--columns", "params,flops")
    assert (code, out) == (2, "")
    assert "--columns: must be a comma-separated list of params, macs, memory, rf, not 'params,flops'" in err


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (None, "?"),
        (0, "0"),
        (999, "999"),
        (1_000, "1 K"),
        (8_192, "8.192 K"),
        (388_800, "388.8 K"),
        (4_009_664, "4.01 M"),
        (1_820_000_000, "1.82 G"),
        (14_512_586_752, "14.51 G"),
        (2 * 10**15, "2000 T"),
    ],
)
def test_si_units(n: int | None, text: str) -> None:
    assert si(n) == text
