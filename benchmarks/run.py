"""The benchmark of issue 7 in one command: ``.venv/bin/python -m benchmarks.run`` (``--quick`` for a subset).

For every generated file (family × size): engine stage timings against the compose floor, then LSP
sessions with paramlens, the do-nothing pygls server (the transport floor) and yaml-language-server
with our schema; start-up and the CLI against their floors. Writes ``benchmarks/RESULTS.md`` (the quick
run writes ``benchmarks/out/RESULTS-quick.md``) and the raw numbers to ``benchmarks/out/results*.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import engine_bench, generate, report, yls
from .lsp_bench import Server, Session, measure, startup

HERE = Path(__file__).parent
OUT = HERE / "out"
PYTHON = sys.executable


def paramlens_server() -> Server:
    return Server("paramlens", [PYTHON, "-m", "paramlens", "serve"], settings={"paramlens": {}})


def null_server(hints: int | None) -> Server:
    init = {"hints": hints} if hints is not None else None
    return Server("null", [PYTHON, str((HERE / "null_server.py").resolve())], init_options=init)


def plan(size: int, quick: bool) -> dict[str, Any]:
    """Rounds of keystrokes, request repeats, engine repeats and time budgets by file size."""
    if quick:
        return {"rounds": 2, "repeats": 3, "engine": 3, "budget": 15.0, "busy": 2}
    if size <= 1_000:
        return {"rounds": 8, "repeats": 10, "engine": 5, "budget": 60.0, "busy": 3}
    if size <= 10_000:
        return {"rounds": 5, "repeats": 10, "engine": 3, "budget": 60.0, "busy": 3}
    if size <= 20_000:
        return {"rounds": 2, "repeats": 5, "engine": 1, "budget": 60.0, "busy": 2}
    return {"rounds": 1, "repeats": 3, "engine": 1, "budget": 45.0, "busy": 1}


def _wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cli_floor(path: Path, runs: int) -> dict[str, float]:
    """``paramlens check`` on a 100-layer file against ``python -c "import yaml"``, alternated."""
    script = Path(PYTHON).with_name("paramlens")
    check = [str(script), "check", str(path)] if script.exists() else [PYTHON, "-m", "paramlens", "check", str(path)]
    import_yaml = [PYTHON, "-c", "import yaml"]
    pairs = [(_wall(check, 1), _wall(import_yaml, 1)) for _ in range(runs)]
    return {"check": statistics.median(p[0] for p in pairs), "import_yaml": statistics.median(p[1] for p in pairs)}


async def startups(root: Path, runs: int) -> dict[str, list[float]]:
    """Spawn → initialize of paramlens and the do-nothing server, alternated so that both see the same load."""
    result: dict[str, list[float]] = {"paramlens": [], "null": []}
    for _ in range(runs):
        result["paramlens"] += await startup(paramlens_server(), root, 1)
        result["null"] += await startup(null_server(None), root, 1)
    return result


async def bench_file(path: Path, size: int, args: argparse.Namespace, peer: Server | None) -> dict[str, Any]:
    p = plan(size, args.quick)
    text = path.read_text(encoding="utf-8")
    print(f"  engine stages ({p['engine']} runs)", flush=True)
    row: dict[str, Any] = {"file": path.name, "lines": text.count("\n"), "bytes": len(text.encode())}
    row["engine"] = engine_bench.stages(text, p["engine"], gc_paused=size <= 20_000)
    common = {"rounds": p["rounds"], "budget": p["budget"], "repeats": p["repeats"], "busy": p["busy"]}
    log = OUT / "logs" / f"{path.stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print("  paramlens", flush=True)
    ours = await measure(paramlens_server(), path, log=log, **common)
    print("  do-nothing pygls server", flush=True)
    null = await measure(null_server(ours.hints_all_count or None), path, **common)
    row["paramlens"], row["null"] = asdict(ours), asdict(null)
    if peer is not None and size <= args.peer_max:
        print("  yaml-language-server", flush=True)
        theirs = await measure(peer, path, settle=3.0, **{**common, "busy": 0})
        row["yls"] = asdict(theirs)
    for name in ("paramlens", "null", "yls"):
        if name in row:
            row[name]["unsupported"] = sorted(row[name]["unsupported"])
    return row


def _summary(session: Session | dict[str, Any]) -> str:
    s = session if isinstance(session, dict) else asdict(session)
    keys = s["keystrokes"]
    p50 = f"{statistics.median(keys) * 1000:.1f} ms" if keys else "-"
    return f"keystroke p50 {p50}, rss {s['rss_mb'] or 0:.0f} MB, errors {s['errors'] or 'none'}"


def machine() -> dict[str, Any]:
    import platform

    import yaml

    def version(package: str) -> str:
        from importlib.metadata import version as v

        return v(package)

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "free": subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip(),
        "python": platform.python_version(),
        "pygls": version("pygls"),
        "lsprotocol": version("lsprotocol"),
        "pyyaml": f"{yaml.__version__} (C loader: {yaml.__with_libyaml__})",
        "node": node or "absent",
        "yls": yls.version() or "absent",
        "load_start": os.getloadavg(),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    OUT.mkdir(parents=True, exist_ok=True)
    # measure the tool as installed: with PYTHONDONTWRITEBYTECODE set, a module edited since the last
    # `scripts/env.sh` would otherwise be compiled again by every process the benchmark starts
    compileall.compile_dir(HERE.parent / "server", quiet=1)
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "files": {}}
    peer = None
    if not args.no_peer:
        missing = yls.install()
        if missing:
            results["peer_missing"] = missing
        else:
            schema_path, real = yls.schema(OUT)
            results["schema"] = str(schema_path.relative_to(HERE.parent)) if real else "minimal stand-in (absent)"
            peer = yls.server(schema_path)
    runs = 3 if args.quick else 7
    workspace = OUT / "ws"
    print("start-up", flush=True)
    results["startup"] = await startups(workspace, runs)
    for family in args.families:
        for size in args.sizes:
            folder = workspace / f"{family}-{size}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{family}-{size}.arch.yaml"
            path.write_text(generate.generate(family, size), encoding="utf-8")
            if family == args.families[0] and size == min(args.sizes):
                print("cli", flush=True)
                results["cli"] = cli_floor(_cli_file(workspace), runs)
            print(f"{family}-{size}", flush=True)
            row = await bench_file(path, size, args, peer)
            results["files"][f"{family}-{size}"] = {"family": family, "size": size, **row}
            print(f"  paramlens: {_summary(row['paramlens'])}", flush=True)
    results["machine"]["load_end"] = os.getloadavg()
    return results


def _cli_file(workspace: Path) -> Path:
    path = workspace / "cli" / "cnn-100.arch.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(generate.generate("cnn", 100), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 layers, flat CNN only, 2 rounds")
    parser.add_argument("--sizes", nargs="+", type=int, help="layer counts (default 100 1000 10000 20000 50000)")
    parser.add_argument("--families", nargs="+", choices=generate.FAMILIES, help="default: all three")
    parser.add_argument("--no-peer", action="store_true", help="skip yaml-language-server")
    parser.add_argument("--peer-max", type=int, default=50_000, help="largest file given to yaml-language-server")
    parser.add_argument("--out", type=Path, help="the Markdown report (default benchmarks/RESULTS.md)")
    args = parser.parse_args(argv)
    default_sizes = [100, 1_000] if args.quick else [*generate.SIZES, generate.HUGE]
    args.sizes = sorted(args.sizes or default_sizes)
    args.families = args.families or (["cnn"] if args.quick else list(generate.FAMILIES))
    results = asyncio.run(main_async(args))
    suffix = "-quick" if args.quick else ""
    (OUT / f"results{suffix}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    target = args.out or (OUT / "RESULTS-quick.md" if args.quick else HERE / "RESULTS.md")
    target.write_text(report.markdown(results), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
