"""Editing help: quick fixes as workspace edits, and completion of types, arguments and values."""

from __future__ import annotations

import pytest
from lsp_harness import open_doc
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _range(a: tuple[int, int], b: tuple[int, int]) -> types.Range:
    return types.Range(start=types.Position(*a), end=types.Position(*b))


async def _actions(client, doc, line: int) -> list[tuple[str, list[tuple[types.Range, str]]]]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc.ident,
            range=_range((line, 0), (line, 0)),
            context=types.CodeActionContext(diagnostics=list(client.diagnostics[doc.uri])),
        )
    )
    out = []
    for action in result or []:
        assert action.kind == types.CodeActionKind.QuickFix
        if action.edit.document_changes is not None:  # VS Code: versioned edits
            [change] = action.edit.document_changes
            assert change.text_document.version == doc.version
            edits = change.edits
        else:
            edits = action.edit.changes[doc.uri]
        out.append((action.title, [(e.range, e.new_text) for e in edits]))
    return out


async def test_channel_mismatch_fix_applies_cleanly(client) -> None:
    doc = await open_doc(
        client,
        "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n"
        "  - Conv2d: {in_channels: 8, out_channels: 4, kernel_size: 3}\n",
    )
    actions = await _actions(client, doc, 3)
    assert actions == [("Set in_channels to 16", [(_range((3, 26), (3, 27)), "16")])]
    [(rng, text)] = actions[0][1]
    doc.edit((rng.start.line, rng.start.character), (rng.end.line, rng.end.character), text)
    assert list((await doc.published()).diagnostics) == []


async def test_unknown_layer_and_argument_suggestions(client) -> None:
    doc = await open_doc(client, "input: [3, 32, 32]\nlayers:\n  - Conv2: {out_channels: 8, kernel_sise: 3}\n")
    assert await _actions(client, doc, 2) == [
        ("Replace with Conv2d", [(_range((2, 4), (2, 9)), "Conv2d")]),
        ("Replace with Conv3d", [(_range((2, 4), (2, 9)), "Conv3d")]),
        ("Replace with Conv1d", [(_range((2, 4), (2, 9)), "Conv1d")]),
    ]
    doc.edit((2, 4), (2, 9), "Conv2d")
    await doc.published()
    assert await _actions(client, doc, 2) == [("Replace with kernel_size", [(_range((2, 30), (2, 41)), "kernel_size")])]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("layers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n", (_range((1, 13), (1, 13)), "in_channels: 3, ")),
        (
            "layers:\n  - Conv2d:\n      out_channels: 16\n      kernel_size: 3\n",
            (_range((2, 0), (2, 0)), "      in_channels: 3\n"),
        ),
        ("layers:\n  - BatchNorm2d\n", (_range((1, 4), (1, 15)), "BatchNorm2d: {num_features: 3}")),
    ],
)
async def test_missing_channels_fixes(client, text: str, first: tuple[types.Range, str]) -> None:
    doc = await open_doc(client, text)
    [(_title, edits), (input_title, input_edits)] = await _actions(client, doc, 1)
    assert edits == [first]
    assert input_title == "Add input: [3, null, null] (the model's input shape; edit it)"
    assert input_edits == [(_range((0, 0), (0, 0)), "input: [3, null, null]\n")]
    rng, new = first
    doc.edit((rng.start.line, rng.start.character), (rng.end.line, rng.end.character), new)
    assert [d.code for d in (await doc.published()).diagnostics] == []


async def test_projection_shortcut_fix(client) -> None:
    doc = await open_doc(
        client,
        "input: [3, 8, 8]\nlayers:\n  - Residual:\n      layers:\n"
        "        - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n",
    )
    [(title, edits)] = await _actions(client, doc, 2)
    assert title == "Add a projection shortcut (1×1 convolution + batch norm)"
    assert edits == [
        (
            _range((5, 0), (5, 0)),
            "      shortcut:\n        - Conv2d: {out_channels: 8, kernel_size: 1, stride: 1, bias: false}\n"
            "        - BatchNorm2d\n",
        )
    ]


async def _complete(client, doc, line: int, char: int) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc.ident, position=types.Position(line, char))
    )
    return [] if result is None else list(result.items)


COMPLETE = (
    "input: [3, 8, 8]\n"
    "blocks:\n"
    "  Gate:\n"
    "    args: {width: 4}\n"
    "    layers:\n"
    "      - Conv2d: {out_channels: $w, kernel_size: 1}\n"
    "layers:\n"
    "  - Conv2d: {out_channels: 4, kernel_size: 3, padding: }\n"
    "  - Conv2d:\n"
    "      out_channels: 4\n"
    "      \n"
    "  - Con\n"
    "  - Gate: {}\n"
)


async def test_completion_of_types(client) -> None:
    doc = await open_doc(client, COMPLETE)
    items = {i.label: i for i in await _complete(client, doc, 11, 7)}
    conv = items["Conv2d"]
    assert conv.kind == types.CompletionItemKind.Class
    assert conv.insert_text_format == types.InsertTextFormat.Snippet
    assert conv.text_edit.new_text == "Conv2d: {out_channels: $1, kernel_size: $2}"
    assert conv.text_edit.range == _range((11, 4), (11, 7))
    assert conv.detail == "conv · (k_h × k_w × C_in / groups + 1) × C_out"
    assert conv.documentation.value.startswith("2-D convolution over an input [C, H, W]")
    assert "- `out_channels` (Keras: filters), required: Number of filters (output channels)." in (
        conv.documentation.value
    )
    assert items["ReLU"].text_edit.new_text == "ReLU"
    assert items["Conv2D"].detail == "Keras name of Conv2d"
    assert items["Residual"].text_edit.new_text == "Residual: {layers: [$0]}"
    assert items["Gate"].kind == types.CompletionItemKind.Module
    assert items["Gate"].text_edit.new_text == "Gate: {width: ${1}}"


async def test_completion_of_arguments(client) -> None:
    doc = await open_doc(client, COMPLETE)
    block_style = [i.label for i in await _complete(client, doc, 10, 6)]
    assert block_style == [
        "in_channels",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "groups",
        "bias",
        "padding_mode",
        "name",
        "trainable",
    ]
    line = COMPLETE.split("\n")[12]
    block_use = await _complete(client, doc, 12, line.index("{") + 1)
    assert [i.label for i in block_use] == ["width", "name", "trainable"]
    assert block_use[0].text_edit.new_text == "width: $0"


async def test_completion_of_values(client) -> None:
    doc = await open_doc(client, COMPLETE)
    line = COMPLETE.split("\n")[7]
    values = await _complete(client, doc, 7, line.index("padding: ") + len("padding: "))
    assert [(i.label, i.kind) for i in values] == [
        ("same", types.CompletionItemKind.Value),
        ("valid", types.CompletionItemKind.Value),
    ]
    line = COMPLETE.split("\n")[5]
    inside_block = await _complete(client, doc, 5, line.index("$w") + 2)
    assert [i.label for i in inside_block] == ["$width", "$in_channels"]
    assert inside_block[0].text_edit.range == _range((5, line.index("$w")), (5, line.index("$w") + 2))


async def test_plain_client_gets_no_snippets(plain) -> None:
    doc = await open_doc(plain, COMPLETE)
    items = {i.label: i for i in await _complete(plain, doc, 11, 7)}
    assert items["Conv2d"].insert_text_format == types.InsertTextFormat.PlainText
    assert items["Conv2d"].text_edit.new_text == "Conv2d"


async def test_edits_after_non_ascii_text_land_where_the_client_put_them(client) -> None:
    """Positions count code units of the negotiated encoding (UTF-16 unless chosen otherwise): after 输入
    (one unit each in UTF-16, three bytes in UTF-8) and 😀 (two units, four bytes) the harness and the
    server must agree on where an edit lands, which a count of code points gets wrong."""
    layers = "input: [4]\nlayers:\n  - Linear: {out_features: 2}  # 输入 😀"
    doc = await open_doc(client, f"name: 输入 😀 net # 输入 😀\n{layers}\n")
    units = {"utf-8": 18, "utf-16": 12, "utf-32": 11}[client.encoding]  # where "net" starts
    doc.edit((0, units), (0, units + 3), "model")
    tail = {"utf-8": 44, "utf-16": 38, "utf-32": 37}[client.encoding]  # the end of line 3, after 😀
    doc.edit((3, tail), (3, tail), "\n  - Linear: {out_features: 3}")
    await doc.published()
    assert doc.text == f"name: 输入 😀 model # 输入 😀\n{layers}\n  - Linear: {{out_features: 3}}\n"  # the harness's
    summary = await client.protocol.send_request_async("paramlens/summary", {"uri": doc.uri})
    assert summary.json.name == "输入 😀 model"  # the server's copy
    assert summary.text.splitlines()[0] == "输入 😀 model · input 4"
    assert summary.json.total_params == 4 * 2 + 2 + 2 * 3 + 3
    assert list(client.diagnostics[doc.uri]) == []
