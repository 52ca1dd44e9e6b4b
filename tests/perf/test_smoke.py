"""Performance smoke test for CI: keystrokes on a 1,000-layer file through the real server.

The bound (1.5 s per round trip, on a machine where it takes about 50 ms) catches order-of-magnitude
regressions (an analysis that became quadratic, a handler that blocks on the event loop, a lost
publication) without being flaky on a busy CI runner. The full measurements are ``python -m benchmarks.run``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from benchmarks import edits
from benchmarks.generate import generate
from benchmarks.lsp_client import CLIENT_CAPABILITIES, Client

BOUND = 1.5  # seconds per keystroke → diagnostics round trip
SERVER = [sys.executable, "-m", "paramlens", "serve"]


@pytest.mark.timeout(30)
async def test_keystrokes_on_1000_layers_publish_their_version_quickly(tmp_path: Path) -> None:
    text = generate("cnn", 1_000)
    path = tmp_path / "model.arch.yaml"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client = Client({"paramlens": {}})
    await client.start(SERVER, cwd=str(tmp_path))
    started = time.perf_counter()
    try:
        await client.request(
            "initialize",
            {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": CLIENT_CAPABILITIES},
            timeout=15,
        )
        await client.notify("initialized", {})
        since = time.perf_counter()
        doc = {"uri": uri, "languageId": "yaml", "version": 1, "text": text}
        await client.notify("textDocument/didOpen", {"textDocument": doc})
        _, diagnostics = await client.diagnostics_for(uri, since, 1, timeout=10)
        assert diagnostics == []

        site = edits.sites(text, 1)[0]
        slow = []
        for version, edit in enumerate(edits.round_at(site), start=2):
            since = time.perf_counter()
            change = {"textDocument": {"uri": uri, "version": version}, "contentChanges": [edit.change()]}
            await client.notify("textDocument/didChange", change)
            arrived, diagnostics = await client.diagnostics_for(uri, since, version, timeout=10)
            codes = [d.get("code") for d in diagnostics]
            if edit.kind == "break the YAML":
                assert codes == ["yaml-syntax"], edit.kind
            elif edit.kind != "type a digit":  # 64 → 640 channels is valid in a flat CNN
                assert codes == [], edit.kind
            if arrived - since > BOUND:
                slow.append(f"{edit.kind}: {arrived - since:.2f} s")
        assert slow == [], f"round trips above {BOUND} s on 1,000 layers"
    finally:
        await client.stop()
    assert time.perf_counter() - started < 15
