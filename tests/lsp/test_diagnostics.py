"""Diagnostics: every code with its exact range, message, severity, source, version and related
information, as the client receives them."""

from __future__ import annotations

import asyncio

import pytest
from lsp_harness import flat, open_doc, restore_settings
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

ERROR = types.DiagnosticSeverity.Error
CASES = {
    "channel-mismatch": (
        "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n"
        "  - Conv2d: {in_channels: 8, out_channels: 4, kernel_size: 3}\n",
        ((3, 26), (3, 27)),
        "in_channels is 8, but layer 1 (Conv2d, line 3) outputs 16 channels. "
        "Set in_channels: 16, or remove it to infer it.",
    ),
    "missing-channels": (
        "layers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n",
        ((1, 4), (1, 10)),
        "Conv2d needs in_channels, and it cannot be inferred: nothing before it gives the first dimension of "
        "`input`. Add `in_channels: …` to this layer, or an `input:` shape at the top of the file.",
    ),
    "invalid-value": (
        "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: -4, kernel_size: 3}\n",
        ((2, 27), (2, 29)),
        "out_channels must be a positive integer, not -4.",
    ),
    "shape-error": (
        "input: [3, 4, 4]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: 7}\n",
        ((2, 43), (2, 44)),
        "Conv2d: the kernel spans 7 but the padded input is only 4 wide along H: the output would be empty "
        '(PyTorch: "Kernel size can\'t be greater than actual input size"). Use a smaller kernel_size or '
        "dilation, or add padding.",
    ),
    "unknown-layer": (
        "input: [3, 32, 32]\nlayers:\n  - Conv2: {out_channels: 8, kernel_size: 3}\n",
        ((2, 4), (2, 9)),
        "Unknown layer type 'Conv2'. Did you mean Conv2d or Conv3d or Conv1d?",
    ),
    "unknown-argument": (
        "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_sise: 3}\n",
        ((2, 30), (2, 41)),
        "Conv2d has no argument 'kernel_sise'. Did you mean kernel_size? Its arguments: in_channels, "
        "out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode.",
    ),
    "missing-argument": (
        "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 8}\n",
        ((2, 4), (2, 10)),
        "Conv2d needs kernel_size: add `kernel_size: …` to its arguments.",
    ),
    "yaml-syntax": (
        "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: 3}\n  - ReLU: {inplace: true\n",
        ((4, 0), (4, 0)),
        "YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 4, column 11). "
        "Layers below this point are not analysed.",
    ),
    "branch-mismatch": (
        "input: [3, 8, 8]\nlayers:\n  - Residual:\n      layers:\n"
        "        - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n",
        ((2, 4), (2, 12)),
        "Residual: the branch outputs [8, 8, 8] but the identity shortcut (the block's input) gives [3, 8, 8]; "
        "they must be equal to be added. Add a projection shortcut (a 1×1 convolution with the stride that matches).",
    ),
}


def _range(r: tuple[tuple[int, int], tuple[int, int]]) -> types.Range:
    return types.Range(start=types.Position(*r[0]), end=types.Position(*r[1]))


@pytest.mark.parametrize("code", list(CASES))
async def test_each_code(client, code: str) -> None:
    text, where, message = CASES[code]
    doc = await open_doc(client, text)
    published = await doc.published()
    assert published.version == 1
    [d] = published.diagnostics
    assert (d.code, d.source, d.severity, d.message) == (code, "paramlens", ERROR, message)
    assert d.range == _range(where)
    if code == "channel-mismatch":
        assert d.related_information == (
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=doc.uri, range=_range(((2, 4), (2, 10)))), message="outputs 16 channels"
            ),
        )
    else:
        assert d.related_information is None


async def test_positions_in_client_units(client) -> None:
    """A name with "é" before the faulty argument: 2 UTF-8 bytes (Neovim), 1 UTF-16 unit (VS Code)."""
    doc = await open_doc(
        client, 'input: [3, 32, 32]\nlayers:\n  - Conv2d: {name: "é", out_channels: 8, kernel_sise: 3}\n'
    )
    [d] = (await doc.published()).diagnostics
    shift = 1 if client.flavour == "neovim" else 0
    assert d.range == _range(((2, 41 + shift), (2, 52 + shift)))


async def test_versions_move_forward_and_fixing_clears(client) -> None:
    text, _where, _message = CASES["unknown-layer"]
    doc = await open_doc(client, text)
    doc.edit((2, 4), (2, 9), "Conv2")  # same text again: version 2
    doc.edit((2, 4), (2, 9), "Conv2d")  # fixed: version 3
    final = await doc.published()
    assert final.version == 3 and list(final.diagnostics) == []
    versions = [p.version for p in client.record.published[doc.uri]]
    assert versions == sorted(versions) and versions[-1] == 3


async def test_close_clears(client) -> None:
    doc = await open_doc(client, CASES["missing-argument"][0])
    assert len(client.diagnostics[doc.uri]) == 1
    count = len(client.record.published[doc.uri])
    doc.close()
    await doc.published(version=None)
    assert len(client.record.published[doc.uri]) == count + 1
    assert list(client.diagnostics[doc.uri]) == []


async def test_too_large_for_live_analysis(client) -> None:
    client.set_configuration({"maxFileSize": 64}, section="paramlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    try:
        text = "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n"
        for _ in range(100):  # until the server has pulled the new settings
            doc = await open_doc(client, text)
            if client.diagnostics[doc.uri]:
                break
            await asyncio.sleep(0.02)
        [d] = client.diagnostics[doc.uri]
        assert (d.code, d.severity, d.range) == (
            "file-too-large",
            types.DiagnosticSeverity.Warning,
            _range(((0, 0), (0, 0))),
        )
        assert d.message == (
            "This file is 74 bytes, above paramlens.maxFileSize (64 bytes), so it is not analysed live. "
            "Run `paramlens check` on it, or raise the setting."
        )
        assert await doc.hints() == []
    finally:
        await restore_settings(client)
    again = await open_doc(client, text)  # analysed under the restored limit
    assert flat(await again.hints()) == [(1, 7, "total 448 params"), (2, 46, "448 params → 16×30×30")]
