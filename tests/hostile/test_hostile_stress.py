"""Stress against the real server (issue 8): rapid incremental edits interleaved with hover, inlay-hint and
completion requests; afterwards the last published diagnostics and the hints served must equal those of a
fresh analysis of the final text, and the server's memory must not grow across repeated runs.

CI: one run of 1,000 edits, then six runs of 250 for the memory (a leak of 1 kB per edit fails it);
``PARAMLENS_FUZZ_LARGE=1``: ten runs of 1,000 edits each for the memory.
"""

from __future__ import annotations

import asyncio
import os
import random
import re

import pytest
from hostile_lsp import Doc, comparable, hint_texts, record_of, rss_kb, server_pid
from pytest_lsp import LanguageClient

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.timeout(0 if os.environ.get("PARAMLENS_FUZZ_LARGE") == "1" else 120),
]

LARGE = os.environ.get("PARAMLENS_FUZZ_LARGE") == "1"
BASE = (
    "name: stress  # é😀\n"
    "input: [3, 64, 64]\n"
    "layers:\n"
    "  - Conv2d: {out_channels: 16, kernel_size: 3, padding: 1}\n"
    "  - BatchNorm2d\n"
    "  - ReLU\n"
    "  - Residual:\n"
    "      layers:\n"
    "        - Conv2d: {out_channels: 16, kernel_size: 3, padding: 1}\n"
    "        - ReLU\n"
    "  - MaxPool2d: {kernel_size: 2}\n"
    "  - Repeat:\n"
    "      times: 3\n"
    "      layers:\n"
    "        - Conv2d: {out_channels: 32, kernel_size: 3, padding: 1}\n"
    "  - Flatten\n"
    "  - Linear: {out_features: 10}\n"
)
SNIPPETS = ["1", "2", "8", "0", "-", ":", " ", "[", "{", "\t", "é", "😀", "Re", "LU", "\n", "\n  - ReLU", "$x", "#"]
_BREAK = re.compile("\r\n|\r|\n")


def position_of(text: str, index: int) -> tuple[int, int]:
    """The LSP position (UTF-16 units) of ``text[index]``."""
    starts = [0] + [m.end() for m in _BREAK.finditer(text)]
    line = max(i for i, s in enumerate(starts) if s <= index)
    before = text[starts[line] : index]
    return line, len(before.encode("utf-16-le", "surrogatepass")) // 2


def random_edit(rng: random.Random, doc: Doc) -> None:
    text = doc.text
    at = rng.randrange(len(text) + 1)
    kind = rng.random()
    if kind < 0.45 and text:  # type over a few characters
        end = min(len(text), at + rng.randint(0, 3))
        doc.change(position_of(text, at), position_of(text, end), rng.choice(SNIPPETS))
    elif kind < 0.75:  # insert
        doc.change(position_of(text, at), position_of(text, at), rng.choice(SNIPPETS))
    elif text:  # delete
        end = min(len(text), at + rng.randint(1, 12))
        doc.change(position_of(text, at), position_of(text, end), "")


async def burst(client: LanguageClient, doc: Doc, edits: int, seed: int) -> None:
    """``edits`` edits as fast as the client can send them, a request after about every third."""
    rng = random.Random(seed)
    requests = []
    for i in range(edits):
        if i % 100 == 50:  # an editor now and then falls back to the base text (undo all)
            doc.change((0, 0), position_of(doc.text, len(doc.text)), BASE)
        else:
            random_edit(rng, doc)
        roll = rng.random()
        line = rng.randrange(doc.text.count("\n") + 1)
        if roll < 0.12:
            requests.append(asyncio.ensure_future(doc.hover(line, rng.randrange(40))))
        elif roll < 0.24:
            requests.append(asyncio.ensure_future(doc.hints()))
        elif roll < 0.33:
            requests.append(asyncio.ensure_future(doc.complete(line, rng.randrange(40))))
        if i % 25 == 0:
            await asyncio.sleep(0)  # let answers in, as a real client's loop would
    results = await asyncio.wait_for(asyncio.gather(*requests, return_exceptions=True), 60)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []


async def settled(client: LanguageClient, doc: Doc) -> tuple[list, list]:
    published = await doc.published()
    versions = [p.version for p in record_of(client).published[doc.uri]]
    assert versions == sorted(versions), "diagnostics went back to an older version"
    return comparable(published), hint_texts(await doc.hints())


async def test_rapid_edits_end_in_a_fresh_analysis(client: LanguageClient) -> None:
    doc = Doc(client, (client.root / "stress.arch.yaml").as_uri(), BASE).open()  # type: ignore[attr-defined]
    await doc.published()
    await burst(client, doc, 1000, seed=8)
    edited = await settled(client, doc)
    fresh = Doc(client, (client.root / "stress-fresh.arch.yaml").as_uri(), doc.text).open()  # type: ignore[attr-defined]
    assert edited == await settled(client, fresh)
    doc.close()
    fresh.close()


async def test_memory_does_not_grow_across_runs(client: LanguageClient) -> None:
    runs, edits = (10, 1000) if LARGE else (6, 250)
    pid = server_pid(client)
    sizes = []
    for run in range(runs):
        doc = Doc(client, (client.root / f"memory-{run}.arch.yaml").as_uri(), BASE).open()  # type: ignore[attr-defined]
        await doc.published()
        await burst(client, doc, edits, seed=run)
        await doc.published()
        doc.close()
        await asyncio.sleep(0.2)
        sizes.append(rss_kb(pid))
    growth = sizes[-1] - sizes[0]  # the first run warms caches up; after it the size must stay put
    assert growth < 1024, f"server memory grew by {growth} kB over {runs - 1} runs: {sizes}"
