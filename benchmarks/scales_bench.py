"""All five scales' totals of an Ultralytics file (issue 15: under 10 ms), as the `scales:` lens and hover
ask for them: ``analysis.scales`` after the file's analysis, timed alone.

``.venv/bin/python -m benchmarks.scales_bench [--runs N]`` starts N fresh processes per file order (each one
imports the engine as the server does, then analyses yolov8.yaml and yolo11.yaml in turn) and prints the
medians of: the first file in a fresh process, the second file in that (warm) process, and the same file
after a keystroke (a width typed into a row). Then the same through the real server: the round trip of the
`scales:` code lens request sent as the document's diagnostics arrive (the lenses carry the five totals),
beside the do-nothing server's answer to the same request (the transport). Compare within one run: the
machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .lsp_bench import Server, _initialize, _keystroke
from .lsp_client import Client
from .run import null_server, paramlens_server
from .ultralytics_bench import yolo_edits

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "lsp" / "files"

# one fresh process: analyse each file, time `scales` alone (the analysis before it is not counted)
_CHILD = r"""
import json, sys, time
from paramlens.engine import analyse
out = []
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    for label, t in (("fresh", text), ("edited", text.replace("[512, 3, 2]", "[5120, 3, 2]", 1))):
        analysis = analyse(t, key=path)
        start, cpu = time.perf_counter(), time.thread_time()
        totals = analysis.scales
        seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
        out.append((path.rsplit("/", 1)[-1], label, seconds, totals, cpu))
print(json.dumps(out))
"""


def one_process(paths: list[Path]) -> list[tuple[str, str, float, dict[str, int | None], float]]:
    """Per file, fresh then after a keystroke: its name, the label, the wall and CPU (this thread's) seconds
    of the five totals, and the totals."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, paths)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [tuple(row) for row in json.loads(done.stdout)]  # type: ignore[misc]


async def lens_times(server: Server, paths: list[Path]) -> list[tuple[str, str, float]]:
    """One server process: open each file, and type into it; the code lens round trip after each."""
    client = Client(server.settings)
    await client.start(server.command, cwd=str(paths[0].parent))
    out = []
    try:
        await _initialize(client, server, paths[0].parent)
        for k, path in enumerate(paths):
            text = path.read_text(encoding="utf-8")
            uri = path.resolve().as_uri()
            start = time.perf_counter()
            doc = {"uri": uri, "languageId": "yaml", "version": 1, "text": text}
            await client.notify("textDocument/didOpen", {"textDocument": doc})
            await client.diagnostics_for(uri, start, 1, timeout=60)
            what = "first file, fresh process" if k == 0 else "second file, warm process"
            out.append((path.name, what, await _lens(client, uri, server)))
            [edit] = yolo_edits(text)[:1]
            await _keystroke(client, uri, 2, edit)
            out.append((path.name, "after a keystroke", await _lens(client, uri, server)))
    finally:
        await client.stop()
    return out


async def _lens(client: Client, uri: str, server: Server) -> float:
    start = time.perf_counter()
    lenses = await client.request("textDocument/codeLens", {"textDocument": {"uri": uri}}, timeout=60)
    seconds = time.perf_counter() - start
    if server.name == "paramlens":
        assert len(lenses) == 5 and all(" M" in lens["command"]["title"] for lens in lenses), lenses
    return seconds


def report(samples: dict[tuple[str, str], list[float]]) -> None:
    for (name, what), times in sorted(samples.items()):
        print(f"  {name:12} {what:27} median {statistics.median(times) * 1e3:6.2f} ms, "
              f"max {max(times) * 1e3:6.2f} ms ({len(times)} samples)")  # fmt: skip


def main(runs: int) -> None:
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("analysis.scales alone, in process:")
    names = ("yolov8.yaml", "yolo11.yaml")
    samples: dict[tuple[str, str], list[float]] = {}
    cpus: dict[tuple[str, str], list[float]] = {}
    for order in (names, names[::-1]):
        for _ in range(runs):
            for k, (name, label, seconds, totals, cpu) in enumerate(one_process([FILES / n for n in order])):
                first = "first file, fresh process" if k < 2 else "second file, warm process"
                what = first if label == "fresh" else "after a keystroke"
                samples.setdefault((name, what), []).append(seconds)
                cpus.setdefault((name, what), []).append(cpu)
                assert all(v is not None for v in totals.values()), totals
    report(samples)
    print("the same, CPU time of the thread (what a busy machine's other processes do not add):")
    report(cpus)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name in names:
            paths.append(Path(tmp) / name)
            paths[-1].write_text((FILES / name).read_text(encoding="utf-8"), encoding="utf-8")
        for server in (paramlens_server(), null_server(5)):
            samples = {}
            for order in (paths, paths[::-1]):
                for _ in range(runs):
                    for name, what, seconds in asyncio.run(lens_times(server, order)):
                        samples.setdefault((name, what), []).append(seconds)
            print(f"code lens round trip after the diagnostics, {server.name} server:")
            report(samples)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
