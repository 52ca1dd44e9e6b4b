"""Inlay hints: exact labels, positions and tooltips on the seed example and a composition file."""

from __future__ import annotations

import asyncio

import pytest
from lsp_harness import EXAMPLES, FILES, flat, labels, open_doc, restore_settings
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEED = (EXAMPLES / "seed-cnn-2d.arch.yaml").read_text()
TINY = (FILES / "tiny-resnet.arch.yaml").read_text()


async def test_seed_hints(client) -> None:
    doc = await open_doc(client, SEED)
    # line 12 ends with a comment holding "×" twice: 2 UTF-8 bytes each (Neovim), 1 UTF-16 unit (VS Code)
    end_12 = 73 if client.flavour == "neovim" else 71
    assert flat(await doc.hints()) == [
        (5, 7, "total 13,440 params"),
        (6, 46, "448 params → 16×30×30"),
        (7, 15, "32 params → 16×30×30"),
        (8, 8, "0 params → 16×30×30"),
        (9, 46, "4,640 params → 32×28×28"),
        (10, 15, "64 params → 32×28×28"),
        (11, 8, "0 params → 32×28×28"),
        (12, end_12, "0 params → 32×2×2"),
        (13, 11, "0 params → 128"),
        (14, 48, "8,256 params → 64"),
    ]


async def test_label_parts_and_tooltips(client) -> None:
    doc = await open_doc(client, SEED)
    conv = (await doc.hints(9, 9))[0]
    assert labels(conv) == ["4,640 params", " → 32×28×28"]
    assert conv.padding_left is True
    assert not isinstance(conv.label, str)
    assert conv.label[0].tooltip == (
        "(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 16 + 1) × 32 = 4,640\n"
        "weight 32×16×3×3 = 4,608\nbias 32 = 32"
    )
    assert conv.label[1].tooltip == (
        "H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(30 + 0 − 2 − 1) / 1⌋ + 1 = 28\n"
        "W_out = ⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(30 + 0 − 2 − 1) / 1⌋ + 1 = 28\n"
        "input 16×30×30 → output 32×28×28"
    )


async def test_requested_range_only(client) -> None:
    doc = await open_doc(client, SEED)
    assert [h.position.line for h in await doc.hints(9, 10)] == [9, 10]
    assert await doc.hints(0, 4) == []
    assert await doc.hints(500, 600) == []


async def test_composition_hints(client) -> None:
    """Block uses, Repeat, Concat and Sequential show totals; inside the block definition, the
    first use's counts; branches (`layers:`, `shortcut:`) their own."""
    doc = await open_doc(client, TINY)
    assert flat(await doc.hints()) == [
        (3, 8, "5,184 params → 32×4×4"),  # `Basic:` definition: its first use
        (6, 17, "5,184 params → 32×4×4"),  # Residual in the definition
        (7, 17, "4,672 params → 32×4×4"),  # its `layers:` branch
        (8, 102, "4,608 params → 32×4×4"),
        (9, 25, "64 params → 32×4×4"),
        (10, 19, "512 params → 32×4×4"),  # `shortcut:`
        (11, 90, "512 params → 32×4×4"),
        (12, 12, "0 params → 32×4×4"),
        (13, 7, "total 26,466 params"),
        (14, 33, "5,184 params → 32×4×4"),  # the block use
        (15, 11, "20,608 params → 32×4×4"),  # Repeat ×2
        (18, 28, "10,304 params → 32×4×4"),
        (19, 11, "264 params → 40×4×4"),  # Concat
        (21, 53, "264 params → 8×4×4"),
        (22, 12, "0 params → 32×4×4"),  # the identity branch
        (23, 15, "410 params → 10"),  # Sequential 'head'
        (26, 45, "0 params → 40×1×1"),
        (27, 17, "0 params → 40"),
        (28, 36, "410 params → 10"),
    ]


async def test_unknown_counts_and_frozen_totals(client) -> None:
    doc = await open_doc(
        client,
        "layers:\n  - Linear: {out_features: 4}\n  - Linear: {in_features: 4, out_features: 2, trainable: false}\n",
    )
    assert flat(await doc.hints()) == [
        (0, 7, "total ? params"),
        (1, 29, "? params → …×4"),
        (2, 63, "10 params → …×2"),
    ]
    doc = await open_doc(
        client,
        "input: [3]\nlayers:\n  - Linear: {out_features: 4}\n  - Linear: {out_features: 2, trainable: false}\n",
    )
    assert flat(await doc.hints(1, 1)) == [(1, 7, "total 26 params (16 trainable, 10 non-trainable)")]


async def test_block_definition_with_unknown_counts_shows_nothing(client) -> None:
    doc = await open_doc(
        client,
        "blocks:\n  Head:\n    layers:\n      - Linear: {out_features: 3}\nlayers:\n  - Head\n",
    )
    assert flat(await doc.hints()) == [(4, 7, "total ? params"), (5, 8, "? params → …×3")]
    assert [h.position.line for h in await doc.hints()] == [4, 5]


async def test_other_yaml_gets_nothing(client) -> None:
    doc = await open_doc(client, "version: 2\nservices:\n  web: {image: nginx}\n")
    assert await doc.hints() == []
    assert list(client.diagnostics[doc.uri]) == []
    assert await doc.hover(1, 2) is None


async def test_settings_change_refreshes(client) -> None:
    """Compact numbers, shapes and totals off: the client is asked to refresh (when it can be)."""
    doc = await open_doc(client, SEED)
    before = client.record.refreshes
    client.set_configuration(
        {"numbers": "compact", "inlayHints": {"shapes": False, "totals": False}}, section="paramlens"
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    try:
        for _ in range(100):
            hints = flat(await doc.hints(9, 14))
            if hints[0][2] == "4.6K params":
                break
            await asyncio.sleep(0.02)
        assert hints == [
            (9, 46, "4.6K params"),
            (10, 15, "64 params"),
            (11, 8, "0 params"),
            (12, hints[3][1], "0 params"),
            (13, 11, "0 params"),
            (14, 48, "8.3K params"),
        ]
        assert await doc.hints(5, 5) == []
        if client.flavour == "neovim":  # VS Code 1.65's capabilities have no inlay-hint refresh
            assert client.record.refreshes > before
    finally:
        await restore_settings(client)
    assert flat(await doc.hints(9, 9)) == [(9, 46, "4,640 params → 32×28×28")]
