"""Stress against the real server (issue 8): rapid incremental edits interleaved with hover, inlay-hint and
completion requests; every hover, hint and diagnostics answer must be exactly what `analyse` in the test
process gives for a version the server had; afterwards the diagnostics, summary and hints served must equal a
fresh analysis of the final text, and the server's memory must not grow across repeated runs.

CI: one run of 1,000 edits, then six runs of 250 for the memory (a leak of 1 kB per edit fails it);
``PARAMLENS_FUZZ_LARGE=1``: ten runs of 1,000 edits each for the memory.
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import re
from typing import Any

import pytest
from benchmarks.lsp_client import utf16_units
from hostile_lsp import (
    Doc,
    Here,
    analysed_here,
    assert_serves_what_analyse_gives,
    comparable,
    completion_of,
    hint_texts,
    hover_of,
    record_of,
    rss_kb,
    server_pid,
)
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
    """``edits`` edits as fast as the client can send them, a request after about every third; then every
    hover and hint answer must be exactly what ``analyse`` (in this process) gives for a version the server
    had when it answered (from the last one published before the request to the one just sent), and every
    diagnostics publication exactly what it gives for the version it names. Completions likewise."""
    rng = random.Random(seed)
    texts = {doc.version: doc.text}

    async def ask(what: str, where: tuple[int, int]) -> tuple[str, tuple[int, int], int, int, Any]:
        """The answer, with the versions it may be of: from the last one published when the request goes
        out (when this starts running) to the last one sent when the answer is in (the server answers with
        the newest analysis it has once it has waited for one)."""
        oldest = max((p.version for p in record_of(client).published.get(doc.uri, [])), default=1)
        if what == "hover":
            answer = hover_of(await doc.hover(*where))
        elif what == "complete":
            answer = completion_of(await doc.complete(*where))
        else:
            where = (0, doc.text.count("\n") + 1)  # what doc.hints() asks for
            answer = hint_texts(await doc.hints())
        return what, where, oldest, doc.version, answer

    requests = []
    for i in range(edits):
        if i % 100 == 50:  # an editor now and then falls back to the base text (undo all)
            doc.change((0, 0), position_of(doc.text, len(doc.text)), BASE)
        else:
            random_edit(rng, doc)
        texts[doc.version] = doc.text
        roll = rng.random()
        line = rng.randrange(doc.text.count("\n") + 1)
        if roll < 0.12:
            requests.append(asyncio.ensure_future(ask("hover", (line, rng.randrange(40)))))
        elif roll < 0.24:
            requests.append(asyncio.ensure_future(ask("hints", (0, 0))))
        elif roll < 0.33:
            requests.append(asyncio.ensure_future(ask("complete", (line, rng.randrange(40)))))
        if i % 25 == 0:
            await asyncio.sleep(0)  # let answers in, as a real client's loop would
    results = await asyncio.wait_for(asyncio.gather(*requests, return_exceptions=True), 60)
    assert [r for r in results if isinstance(r, BaseException)] == []
    here = functools.cache(lambda version: Here(texts[version]))
    answers = [r for r in results if isinstance(r, tuple)]
    for what, where, oldest, newest, got in answers:
        assert any(getattr(here(v), what)(*where) == got for v in range(newest, oldest - 1, -1)), (
            f"{what} at {where} is no version's from {oldest} to {newest}: {got}"
        )
    await doc.published()
    for published in record_of(client).published[doc.uri]:
        assert comparable(published) == analysed_here(texts[published.version])[0], published.version
    assert len(answers) > edits // 5  # about a third of the edits are followed by a hover, hints or completion


async def settled(client: LanguageClient, doc: Doc) -> tuple[list, list]:
    published = await doc.published()
    versions = [p.version for p in record_of(client).published[doc.uri]]
    assert versions == sorted(versions), "diagnostics went back to an older version"
    return comparable(published), hint_texts(await doc.hints())


async def test_rapid_edits_end_in_a_fresh_analysis(client: LanguageClient) -> None:
    doc = Doc(client, (client.root / "stress.arch.yaml").as_uri(), BASE).open()  # type: ignore[attr-defined]
    await doc.published()
    await burst(client, doc, 1000, seed=8)
    _, hints = await settled(client, doc)
    await assert_serves_what_analyse_gives(doc)  # the final version, analysed here, not in the server
    here = Here(doc.text)
    assert hints == here.hints(0, doc.text.count("\n") + 1)
    # completions after each line's dash (layer types) and brace (argument keys): in the burst an empty
    # answer was nearly always some version's, here there is one version
    lines = doc.text.split("\n")
    ends = [(i, line, len(line) - len(line.lstrip()) + 2) for i, line in enumerate(lines)]
    ends += [(i, line, line.index("{") + 1) for i, line in enumerate(lines) if "{" in line]
    sites = [(i, utf16_units(line[:end])) for i, line, end in ends]
    want = [here.complete(*site) for site in sites]
    assert [completion_of(await doc.complete(*site)) for site in sites] == want
    assert sum(1 for w in want if w) > len(sites) // 4, "too few places with completions to compare"
    doc.close()


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
