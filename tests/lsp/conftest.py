"""Fixtures of the end-to-end tests: one server per test module and client flavour."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsp_harness import CLIENTS, CONFIG, start
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities


@pytest_lsp.fixture(config=CONFIG, scope="module", params=CLIENTS)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp(f"ws-{request.param}")
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.flavour = request.param  # type: ignore[attr-defined]
    await start(lsp_client, client_capabilities(request.param), root)
    yield
    await lsp_client.shutdown_session()


MINIMAL = types.ClientCapabilities(
    text_document=types.TextDocumentClientCapabilities(
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.PlainText]),
        completion=types.CompletionClientCapabilities(
            completion_item=types.ClientCompletionItemOptions(snippet_support=False)
        ),
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(),
    ),
)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def plain(lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory):
    """A minimal client: plain-text hovers, no snippets, no inlay hints, flat symbols, UTF-16."""
    root = tmp_path_factory.mktemp("ws-plain")
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.flavour = "plain"  # type: ignore[attr-defined]
    await start(lsp_client, MINIMAL, root)
    yield
    await lsp_client.shutdown_session()
