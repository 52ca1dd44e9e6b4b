"""Compute in the editor: the optional MACs inlay hint (`inlayHints.macs`, off by default) with exact labels
and tooltips, and the outline's MACs beside the parameters. Numbers computed by hand in the comments."""

from __future__ import annotations

import asyncio

import pytest
from lsp_harness import EXAMPLES, flat, labels, open_doc
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEED = (EXAMPLES / "seed-cnn-2d.arch.yaml").read_text()
CONV1 = 30 * 30 * 16 * 3 * 3 * 3  # 388,800
CONV2 = 28 * 28 * 32 * 16 * 3 * 3  # 3,612,672
LINEAR = 128 * 64  # 8,192


async def _configure(client, settings: dict, doc, line: int, expected: str) -> list:
    client.set_configuration(settings, section="paramlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    for _ in range(100):
        hints = await doc.hints(line, line)
        if hints and flat(hints)[0][2] == expected:
            break
        await asyncio.sleep(0.02)
    return hints


async def test_macs_hints_are_off_by_default(client) -> None:
    doc = await open_doc(client, SEED)
    assert flat(await doc.hints(6, 6)) == [(6, 46, "448 params → 16×30×30")]
    assert "MACs" not in str(flat(await doc.hints()))


async def test_macs_hints_when_turned_on(client) -> None:
    doc = await open_doc(client, SEED)
    end_12 = 73 if client.flavour == "neovim" else 71
    try:
        await _configure(client, {"inlayHints": {"macs": True}}, doc, 6, "448 params → 16×30×30 · 388.8 K MACs")
        assert flat(await doc.hints()) == [
            (5, 7, "total 13,440 params · 4.01 M MACs"),  # 388,800 + 3,612,672 + 8,192 = 4,009,664
            (6, 46, "448 params → 16×30×30 · 388.8 K MACs"),
            (7, 15, "32 params → 16×30×30 · 0 MACs"),
            (8, 8, "0 params → 16×30×30 · 0 MACs"),
            (9, 46, "4,640 params → 32×28×28 · 3.613 M MACs"),
            (10, 15, "64 params → 32×28×28 · 0 MACs"),
            (11, 8, "0 params → 32×28×28 · 0 MACs"),
            (12, end_12, "0 params → 32×2×2 · 0 MACs"),
            (13, 11, "0 params → 128 · 0 MACs"),
            (14, 48, "8,256 params → 64 · 8.192 K MACs"),
        ]
        conv = (await doc.hints(6, 6))[0]
        assert labels(conv) == ["448 params", " → 16×30×30", " · 388.8 K MACs"]
        assert not isinstance(conv.label, str)
        assert (
            conv.label[2].tooltip
            == f"30 × 30 × 16 × 3 × 3 × 3 = 388,800 MACs\n{2 * CONV1:,} FLOPs (2 × MACs), one sample"
        )
        total = (await doc.hints(5, 5))[0]
        assert not isinstance(total.label, str)
        total_macs = CONV1 + CONV2 + LINEAR
        assert total.label[0].tooltip.splitlines()[-1] == (
            f"{total_macs:,} MACs, {2 * total_macs:,} FLOPs (2 × MACs), one sample"
        )
        # with the shapes off, the MACs follow the count directly
        hints = await _configure(
            client, {"inlayHints": {"macs": True, "shapes": False}}, doc, 9, "4,640 params · 3.613 M MACs"
        )
        assert flat(hints) == [(9, 46, "4,640 params · 3.613 M MACs")]
    finally:
        await _configure(client, {}, doc, 6, "448 params → 16×30×30")


CHAIN = """\
input: [4, 8, 8]
layers:
  - Repeat:
      times: 3
      layers:
        - Conv2d: {out_channels: 4, kernel_size: 3, padding: 1}
  - ConvTranspose2d: {out_channels: 2, kernel_size: 2, stride: 2}
  - Linear: {out_features: 5}
"""


async def test_plain_hovers_of_repeat_transpose_and_linear(plain) -> None:
    doc = await open_doc(plain, CHAIN)
    repeat = (await doc.hover(2, 5)).contents.value.split("\n\n")
    # once: 8·8·4·4·3·3 = 9,216; three repetitions multiply; three 3×3 convolutions: 1 + 3 × 2 = 7 pixels
    assert repeat[3] == (
        "MACs 3 × 9,216 = 27,648 MACs · FLOPs 55,296\n"
        "Output memory 1,024 bytes (1.024 KB, float32)\n"
        "Receptive field 7×7 px, jump 1×1, centre of output 0 at (0, 0)\n"
        "MACs: multiply-accumulates of the dense products, one sample; FLOPs = 2 × MACs."
    )
    assert repeat[4].splitlines()[:2] == [
        "#    Layer   Params   MACs  Output  Formula",
        "1.1  Conv2d     148  9,216  4×8×8   (k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 4 + 1) × 4 = 148",
    ]
    transpose = (await doc.hover(6, 5)).contents.value.split("\n\n")
    # the input's positions × C_in × C_out × k_h × k_w = 8·8·4·2·2·2; its field depends on the output's phase
    assert transpose[3].splitlines()[:3] == [
        "MACs H × W × C_in × (C_out / groups) × k_h × k_w = 8 × 8 × 4 × 2 × 2 × 2 = 2,048 MACs · FLOPs 4,096",
        "Output memory 2,048 bytes (2.048 KB, float32)",
        "Receptive field not a fixed window (it depends on the position, or an input size is unknown)",
    ]
    linear = (await doc.hover(7, 5)).contents.value.split("\n\n")
    # a Linear on 2×16×16 mixes the last dimension only: 2·16 rows of 16 → 5
    assert linear[3].splitlines()[:2] == [
        "MACs d0 × d1 × in_features × out_features = 2 × 16 × 16 × 5 = 2,560 MACs · FLOPs 5,120",
        "Output memory 640 bytes (float32)",
    ]


async def test_unknown_compute_in_the_hover(plain) -> None:
    doc = await open_doc(plain, "layers:\n  - Conv2d: {out_channels: 8, kernel_size: 3}\n")
    parts = (await doc.hover(1, 5)).contents.value.split("\n\n")
    compute = next(p for p in parts if p.startswith("MACs"))
    assert compute.splitlines()[:3] == [
        "MACs ? MACs · FLOPs ?",
        "Output memory ?",
        "Receptive field not a fixed window (it depends on the position, or an input size is unknown)",
    ]


async def test_lenses_carry_the_macs_for_clients_without_hints(plain) -> None:
    doc = await open_doc(plain, SEED)

    async def titles() -> list[tuple[int, str]]:
        lenses = await plain.text_document_code_lens_async(types.CodeLensParams(text_document=doc.ident))
        return [(lens.range.start.line, lens.command.title) for lens in lenses if lens.command]

    assert (await titles())[:2] == [(5, "total 13,440 params · 0.05 MB"), (6, "448 params → 16×30×30")]
    # a minimal client cannot be asked for settings: they come inside the notification
    on = {"paramlens": {"inlayHints": {"macs": True}}}
    plain.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=on))
    try:
        for _ in range(100):
            shown = await titles()
            if "MACs" in shown[0][1]:
                break
            await asyncio.sleep(0.02)
        assert shown[:3] == [
            (5, "total 13,440 params · 0.05 MB · 4.01 M MACs"),
            (6, "448 params → 16×30×30 · 388.8 K MACs"),
            (7, "32 params → 16×30×30 · 0 MACs"),
        ]
        assert shown[9] == (14, "8,256 params → 64 · 8.192 K MACs")
    finally:
        plain.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"paramlens": {}}))
