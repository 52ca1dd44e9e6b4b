"""Hover: formulas in symbols and numbers, tensors, buffers, shapes and where each input size came
from; the model summary on `layers:`/`name:`; a block use's table; plain text for plain clients."""

from __future__ import annotations

import pytest
from lsp_harness import EXAMPLES, FILES, open_doc
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

SEED = (EXAMPLES / "seed-cnn-2d.arch.yaml").read_text()
TINY = (FILES / "tiny-resnet.arch.yaml").read_text()

# compute by hand: 28·28·32·16·3·3 = 3,612,672 MACs, FLOPs twice that; 32·28·28 floats = 100,352 bytes;
# receptive field after two 3×3 convolutions 1 + 2 + 2 = 5, centred on pixel 2 for output 0
CONV_4 = (
    """**Conv2d** · layer 4, line 10 · **4,640 params**

**Parameters** `(k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 16 + 1) × 32 = 4,640`
- `weight` 32×16×3×3 = 4,608
- `bias` 32 = 32

**Output** `32×28×28` from input `16×30×30`
- `H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(30 + 0 − 2 − 1) / 1⌋ + 1 = 28`
- `W_out = ⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(30 + 0 − 2 − 1) / 1⌋ + 1 = 28`

"""
    + (
        "**MACs** `H_out × W_out × C_out × (C_in / groups) × k_h × k_w = 28 × 28 × 32 × 16 × 3 × 3 = 3,612,672 MACs` "
        "· **FLOPs** 7,225,344  \n"
        "**Output memory** 100,352 bytes (100.4 KB, float32)  \n"
        "**Receptive field** 5×5 px, jump 1×1, centre of output 0 at (2, 2)  \n"
        "_MACs: multiply-accumulates of the dense products, one sample; FLOPs = 2 × MACs._\n\n"
    )
    + """**Input sizes**
- `in_channels` = 16: inferred from layer 1 (Conv2d, line 7)

**Arguments** out_channels 32 (written) · kernel_size 3×3 (written) · stride 1×1 (default) · padding 0×0 (default) \
· dilation 1×1 (default) · groups 1 (default) · bias true (default) · padding_mode zeros (default)"""
)


def _range(a: tuple[int, int], b: tuple[int, int]) -> types.Range:
    return types.Range(start=types.Position(*a), end=types.Position(*b))


async def test_layer_hover_on_type_and_argument(client) -> None:
    doc = await open_doc(client, SEED)
    on_type = await doc.hover(9, 6)
    assert on_type.contents == types.MarkupContent(kind=types.MarkupKind.Markdown, value=CONV_4)
    assert on_type.range == _range((9, 4), (9, 10))
    on_argument = await doc.hover(9, 40)  # `kernel_size: 3`
    assert on_argument.contents.value == CONV_4
    assert on_argument.range is None


async def test_buffers_and_keras_note(client) -> None:
    doc = await open_doc(client, SEED)
    text = (await doc.hover(7, 6)).contents.value
    assert text.split("\n\n")[:4] == [
        "**BatchNorm2d** · layer 2, line 8 · **32 params**",
        "**Parameters** `2 × C (γ and β) = 2 × 16 = 32`\n- `weight` 16 = 16\n- `bias` 16 = 16",
        "**Buffers** (state, not parameters): running_mean 16, running_var 16, num_batches_tracked 1 = 33",
        "_Keras counts the running mean and variance (32 values) as non-trainable params; PyTorch keeps them as "
        "buffers, outside the parameter count._",
    ]


async def test_model_summary_on_layers_and_name(client) -> None:
    doc = await open_doc(client, SEED)
    summary = await doc.hover(5, 2)
    assert summary.range == _range((5, 0), (5, 6))
    assert summary.contents.value == (
        "**Seed CNN 2D** · input `3×32×32` → output `64`\n\n"
        "**Total params** 13,440  \nBuffers (not parameters) 98  \nSize 0.05 MB (float32, 4 bytes per parameter)\n\n"
        # 388,800 + 3,612,672 + 8,192 MACs; outputs 3 × 57,600 + 3 × 100,352 + 512 + 512 + 256 bytes;
        # saved for backward 329,088 bytes, as measured with saved_tensors_hooks (shared notes, compute §7.2)
        "**MACs** 4,009,664 (4.01 M) · **FLOPs** 8,019,328 (8.019 M), one sample  \n"
        "**Activations**, all outputs: 475,136 bytes (475.1 KB) · **saved for backward**, training estimate: "
        "329,088 bytes (329.1 KB)\n\n"
        "**Biggest layers**\n\n"
        "| # | Layer | Line | Params | Share |\n| --- | --- | ---: | ---: | ---: |\n"
        "| 9 | Linear | 15 | 8,256 | 61.4% |\n| 4 | Conv2d | 10 | 4,640 | 34.5% |\n"
        "| 1 | Conv2d | 7 | 448 | 3.3% |\n| 5 | BatchNorm2d | 11 | 64 | 0.5% |\n| 2 | BatchNorm2d | 8 | 32 | 0.2% |"
    )
    assert (await doc.hover(3, 1)).contents.value == summary.contents.value


async def test_block_use_table(client) -> None:
    doc = await open_doc(client, TINY)
    text = (await doc.hover(14, 5)).contents.value
    assert text.split("\n\n") == [
        "**Basic** block · layer 1, line 15 · **5,184 params**",
        "**Parameters** `5,184 + 0 = 5,184`",
        "**Buffers** (state, not parameters): 65",
        "**Output** `32×4×4` from input `16×8×8`",
        # 4·4·32·16·3·3 = 73,728 (3×3, stride 2) + 4·4·32·16 = 8,192 (the 1×1 shortcut); the widest path's
        # field: 3 pixels, 2 apart, output 0 centred on pixel 0 (padding 1)
        "**MACs** `81,920 + 0 = 81,920 MACs` · **FLOPs** 163,840  \n"
        "**Output memory** 2,048 bytes (2.048 KB, float32)  \n"
        "**Receptive field** 3×3 px, jump 2×2, centre of output 0 at (0, 0)  \n"
        "_MACs: multiply-accumulates of the dense products, one sample; FLOPs = 2 × MACs._",
        "**Arguments**\n- `width` = 32: written in the file\n- `stride` = 2: written in the file\n"
        "- `in_channels` = 16: the block input's channels",
        "| # | Layer | Params | MACs | Output | Formula |\n| --- | --- | ---: | ---: | --- | --- |\n"
        "| 1.1 | Residual | 5,184 | 81,920 | 32×4×4 |  |\n"
        "| 1.1.1 | · layers | 4,672 | 73,728 | 32×4×4 |  |\n"
        "| 1.1.1.1 | · · Conv2d | 4,608 | 73,728 | 32×4×4 "
        "| k_h × k_w × C_in / groups × C_out = 3 × 3 × 16 × 32 = 4,608 |\n"
        "| 1.1.1.2 | · · BatchNorm2d | 64 | 0 | 32×4×4 | 2 × C (γ and β) = 2 × 32 = 64 |\n"
        "| 1.1.2 | · shortcut | 512 | 8,192 | 32×4×4 |  |\n"
        "| 1.1.2.1 | · · Conv2d | 512 | 8,192 | 32×4×4 | k_h × k_w × C_in / groups × C_out = 1 × 1 × 16 × 32 = 512 |\n"
        "| 1.2 | ReLU | 0 | 0 | 32×4×4 | 0 |",
    ]
    # the block's name in `blocks:` shows the same (its first use)
    assert (await doc.hover(3, 3)).contents.value == text


async def test_layer_in_block_definition_says_which_use(client) -> None:
    doc = await open_doc(client, TINY)
    text = (await doc.hover(8, 16)).contents.value
    assert text.split("\n\n")[:2] == [
        "**Conv2d** · layer 1.1.1.1, line 9 · **4,608 params**",
        "_Counts of Basic used at line 15 (the first use in this file)._",
    ]
    assert "- `in_channels` = 16: inferred from the input" in text


async def test_repeat_hover(client) -> None:
    doc = await open_doc(client, TINY)
    text = (await doc.hover(15, 6)).contents.value
    assert text.split("\n\n")[:2] == [
        "**Repeat** repeat · layer 2, line 16 · **20,608 params**",
        "**Parameters** `2 × 10,304 = 20,608`",
    ]


async def test_hover_positions_in_client_units(client) -> None:
    """After "é" (2 UTF-8 bytes for Neovim, 1 UTF-16 unit for VS Code) the type is found at the right column."""
    doc = await open_doc(client, 'input: [4]\nlayers:\n  - {name: "é", type: Linear, out_features: 2}\n')
    start = 23 if client.flavour == "neovim" else 22  # where "Linear" starts
    hover = await doc.hover(2, start + 1)
    assert hover.contents.value.startswith("**Linear** · layer 1 'é', line 3 · **10 params**")
    assert hover.range == _range((2, start), (2, start + 6))


async def test_nothing_outside_layers(client) -> None:
    doc = await open_doc(client, SEED)
    assert await doc.hover(0, 3) is None  # a comment
    assert await doc.hover(4, 9) is None  # input's value
    assert await doc.hover(200, 0) is None


async def test_plain_text_hover(plain) -> None:
    doc = await open_doc(plain, SEED)
    hover = await doc.hover(9, 6)
    assert hover.contents.kind == types.MarkupKind.PlainText
    assert hover.contents.value.split("\n\n")[:3] == [
        "Conv2d · layer 4, line 10 · 4,640 params",
        "Parameters (k_h × k_w × C_in / groups + 1) × C_out = (3 × 3 × 16 + 1) × 32 = 4,640\n"
        "- weight 32×16×3×3 = 4,608\n- bias 32 = 32",
        "Output 32×28×28 from input 16×30×30\n"
        "- H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(30 + 0 − 2 − 1) / 1⌋ + 1 = 28\n"
        "- W_out = ⌊(W + 2p − d(k − 1) − 1) / s⌋ + 1 = ⌊(30 + 0 − 2 − 1) / 1⌋ + 1 = 28",
    ]
