"""No document can starve another (issue 13): while one document's analysis runs for seconds, another
document opened meanwhile gets its diagnostics within 1 s, the real server driven by pytest-lsp.

Two ways an analysis runs long: a big document (it goes to the long lane at once), and a small document
whose import is big (its first analysis starts on the quick lane and overruns: another thread takes
the lane's queue). On main both waited behind the one analysis thread."""

from __future__ import annotations

import asyncio
import time

import pytest
from hostile_lsp import SMALL, Doc, big_text
from pytest_lsp import LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

OTHER = 1.0  # seconds for the unrelated document's diagnostics


async def served_meanwhile(client: LanguageClient, slow: Doc, name: str) -> None:
    slow.open()
    await asyncio.sleep(0.05)  # the slow analysis is under way
    other = Doc(client, (client.root / name).as_uri(), SMALL.replace("Flatten", "Flaten")).open()  # type: ignore[attr-defined]
    start = time.perf_counter()
    published = await other.published()
    seconds = time.perf_counter() - start
    assert [d.code for d in published.diagnostics] == ["unknown-layer"]
    assert seconds < OTHER, f"served after {seconds:.2f} s"
    assert not any(p.uri == slow.uri for p in _all(client)), "served only after the slow one (or it was quick)"
    await slow.published()  # and the slow one gets its own in the end


def _all(client: LanguageClient):
    record = client.record  # type: ignore[attr-defined]
    return [p for ps in record.published.values() for p in ps]


async def test_a_big_document_does_not_hold_up_a_small_one(client: LanguageClient) -> None:
    slow = Doc(client, (client.root / "big.arch.yaml").as_uri(), big_text(30_000))  # type: ignore[attr-defined]
    await served_meanwhile(client, slow, "small-after-big.arch.yaml")


async def test_a_small_document_with_a_big_import_does_not_hold_up_another(client: LanguageClient) -> None:
    root = client.root  # type: ignore[attr-defined]
    layers = "".join(f"      - Linear: {{out_features: 16, name: l{i}}}\n" for i in range(20_000))
    (root / "tower.arch.yaml").write_text("blocks:\n  Tower:\n    layers:\n" + layers)
    slow = Doc(
        client, (root / "uses-tower.arch.yaml").as_uri(), "input: [16]\nimports: [tower.arch.yaml]\nlayers: [Tower]\n"
    )
    await served_meanwhile(client, slow, "small-after-import.arch.yaml")
