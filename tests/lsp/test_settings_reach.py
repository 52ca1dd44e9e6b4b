"""A settings change reaches every open document: each is analysed again and published without an edit.
In a server of its own (this module's), so that the first document the server opened is among them."""

from __future__ import annotations

import asyncio
import time

import pytest
from lsp_harness import TIMEOUT, Doc, open_doc, restore_settings
from lsprotocol import types
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = "input: [3, 32, 32]\nlayers:\n  - Conv2d: {out_channels: 16, kernel_size: 3}\n"  # 74 bytes


async def published_codes(client: LanguageClient, docs: list[Doc], codes: list[str]) -> None:
    """Wait until the last publication of every document has these diagnostic codes."""
    deadline = time.monotonic() + TIMEOUT
    while (now := [[d.code for d in client.diagnostics[doc.uri]] for doc in docs]) != [codes] * len(docs):
        assert time.monotonic() < deadline, f"not every open document was analysed again: {now}"
        await asyncio.sleep(0.02)


async def test_a_settings_change_reaches_every_open_document(client: LanguageClient) -> None:
    docs = [await open_doc(client, TEXT) for _ in range(3)]
    await published_codes(client, docs, [])
    client.set_configuration({"maxFileSize": 64}, section="paramlens")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    try:
        await published_codes(client, docs, ["file-too-large"])
    finally:
        await restore_settings(client)
    await published_codes(client, docs, [])
