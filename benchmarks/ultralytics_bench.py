"""Keystroke → diagnostics on an Ultralytics model file (issue 15: within 1.5 × the floor), beside a native
file of about the same size, through the real server and the do-nothing server in one run.

``.venv/bin/python -m benchmarks.ultralytics_bench [--rounds N]`` prints, per file, the keystroke p50/p95
of paramlens and of the do-nothing server, the C-loader compose median, the floor (their sum) and the
ratios. The keystrokes: type a digit into a width and delete it, insert a row and delete it (the insertion
shifts every absolute index below it: the index-shift check runs), break the YAML and repair it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from . import edits
from .engine_bench import compose_floor
from .generate import generate
from .lsp_bench import Server, _initialize, _keystroke, percentile
from .lsp_client import Client
from .run import null_server, paramlens_server

ROOT = Path(__file__).resolve().parents[1]
YOLO11 = ROOT / "tests" / "lsp" / "files" / "yolo11.yaml"


def yolo_edits(text: str) -> list[edits.Edit]:
    """One round on the Conv row of 512 channels (the middle of the backbone)."""
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if "Conv, [512, 3, 2]" in line)
    end = lines[i].index("512") + 3
    dash = lines[i].index("-") + 2
    r = edits._range
    return [
        edits.Edit("type a digit", r(i, end, i, end), "0"),
        edits.Edit("delete a digit", r(i, end, i, end + 1), ""),
        edits.Edit("insert a row", r(i, 0, i, 0), "  - [-1, 1, Conv, [512, 1, 1]]\n"),
        edits.Edit("delete a row", r(i, 0, i + 1, 0), ""),
        edits.Edit("break the YAML", r(i, dash, i, dash), "["),
        edits.Edit("repair the YAML", r(i, dash, i, dash + 1), ""),
    ]


async def keystrokes(server: Server, path: Path, rounds: int, round_of: Any) -> list[float]:
    text = path.read_text(encoding="utf-8")
    uri = path.resolve().as_uri()
    client = Client(server.settings)
    await client.start(server.command, cwd=str(path.parent))
    times: list[float] = []
    try:
        await _initialize(client, server, path.parent)
        version = 1
        start = time.perf_counter()
        await client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}},
        )
        await client.diagnostics_for(uri, start, version, timeout=60)
        for _ in range(rounds):
            for edit in round_of(text):
                version += 1
                times.append(await _keystroke(client, uri, version, edit))
    finally:
        await client.stop()
    return times


def native_edits(text: str) -> list[edits.Edit]:
    [site] = edits.sites(text, 1)
    return edits.round_at(site)


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        yolo = Path(tmp) / "yolo11.yaml"
        yolo.write_text(YOLO11.read_text(encoding="utf-8"), encoding="utf-8")
        native = Path(tmp) / "cnn.arch.yaml"
        size = len(yolo.read_text(encoding="utf-8"))
        layers = 10
        while len(generate("cnn", layers + 5)) <= size:
            layers += 5
        native.write_text(generate("cnn", layers), encoding="utf-8")
        for path, round_of in ((yolo, yolo_edits), (native, native_edits)):
            text = path.read_text(encoding="utf-8")
            ours = await keystrokes(paramlens_server(), path, rounds, round_of)
            null = await keystrokes(null_server(None), path, rounds, round_of)
            compose = compose_floor(text)
            floor = statistics.median(null) + compose
            p50, p95 = statistics.median(ours), percentile(ours, 95)
            print(
                f"{path.name} ({len(text):,} chars): paramlens p50 {p50 * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms; "  # type: ignore[operator]
                f"do-nothing server p50 {statistics.median(null) * 1e3:.2f} ms; compose {compose * 1e3:.3f} ms; "
                f"floor {floor * 1e3:.2f} ms; p50/floor {p50 / floor:.2f}, p95/floor {p95 / floor:.2f} "  # type: ignore[operator]
                f"({len(ours)} keystrokes)"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(main(parser.parse_args().rounds))
