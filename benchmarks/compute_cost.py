"""What compute (MACs, activations, saved-for-backward, receptive field) costs the analysis (issue 16: at
most 10 % more analysis time on the benchmark's files).

There is no switch that turns compute off, so "before" is another source tree of the engine, e.g. a
``git worktree`` of the commit before compute landed (385a2b6), and "after" this one:

    git worktree add /tmp/before 385a2b6
    .venv/bin/python -m benchmarks.compute_cost --before /tmp/before/server --rounds 20

Both engines are imported into this process (each its own ``paramlens`` package, swapped in
``sys.modules``), every file is analysed by each once to warm up, then each round analyses every file with
before and after back to back, the order swapped every round, so that a burst of load on the shared machine
hits both alike. Times are CPU time (``time.process_time``); the table gives the medians over the rounds
and the load average at the start and the end.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFTER = HERE.parent / "server"
FILES = [(family, size) for family in ("cnn", "resnet", "seq") for size in (1000, 10000)]


def load(root: Path) -> Callable[[str], object]:
    """``paramlens.engine.analyse`` of the source tree ``root``, imported apart from any other."""
    for name in [m for m in sys.modules if m == "paramlens" or m.startswith("paramlens.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        engine = importlib.import_module("paramlens.engine")
    finally:
        sys.path.remove(str(root))
    assert Path(engine.__file__).resolve().is_relative_to(root.resolve()), engine.__file__
    return engine.analyse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--before", type=Path, required=True, help="the server/ directory of the engine without compute"
    )
    parser.add_argument("--after", type=Path, default=AFTER)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    from .generate import generate

    engines = {"before": load(args.before), "after": load(args.after)}
    texts = {f"{f}-{n}": generate(f, n) for f, n in FILES}
    for analyse in engines.values():
        for text in texts.values():
            analyse(text)
    load_start = os.getloadavg()
    times: dict[str, dict[str, list[float]]] = {which: {name: [] for name in texts} for which in engines}
    for i in range(args.rounds):
        for name, text in texts.items():
            for which in ("before", "after") if i % 2 == 0 else ("after", "before"):
                start = time.process_time()
                engines[which](text)
                times[which][name].append(time.process_time() - start)
    load_end = os.getloadavg()
    print(f"load average {load_start[0]:.1f} at the start, {load_end[0]:.1f} at the end; {args.rounds} rounds")
    print("| file | before | after | ratio |\n|---|---|---|---|")
    for name in texts:
        b, a = statistics.median(times["before"][name]), statistics.median(times["after"][name])
        print(f"| {name} | {b * 1000:.1f} ms | {a * 1000:.1f} ms | {a / b:.2f} |")


if __name__ == "__main__":
    main()
