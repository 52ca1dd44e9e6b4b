"""What compute (MACs, activations, saved-for-backward, receptive field) costs the analysis (issue 16: at
most 10 % more analysis time on the benchmark's files).

There is no switch that turns compute off, so "before" is another source tree of the engine, e.g. a
``git worktree`` of the commit before compute landed (385a2b6), and "after" this one:

    git worktree add /tmp/before 385a2b6
    .venv/bin/python -m benchmarks.compute_cost --before /tmp/before/server --rounds 10

Each round runs before and after in separate processes (the order swapped every round, so that a burst of
load on the shared machine hits both alike); each process analyses every file once to warm up, then takes
the least of ``--repeats`` runs of CPU time (``time.process_time``). The table gives the medians over the
rounds and the load average at the start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AFTER = HERE.parent / "server"
FILES = [(family, size) for family in ("cnn", "resnet", "seq") for size in (1000, 10000)]


def _measure(root: str, repeats: int) -> None:
    """In the child: import the engine from ``root`` and print {file: seconds} as JSON."""
    sys.path.insert(0, root)
    sys.path.insert(1, str(HERE.parent))
    import paramlens.engine  # the engine of root, imported after the path is set
    from benchmarks.generate import generate

    analyse = paramlens.engine.analyse
    assert Path(paramlens.engine.__file__).resolve().is_relative_to(Path(root).resolve()), paramlens.engine.__file__

    texts = {f"{f}-{n}": generate(f, n) for f, n in FILES}
    for text in texts.values():
        analyse(text)
    out = {}
    for name, text in texts.items():
        runs = []
        for _ in range(repeats):
            start = time.process_time()
            analyse(text)
            runs.append(time.process_time() - start)
        out[name] = min(runs)
    print(json.dumps(out))


def _child(root: Path, repeats: int) -> dict[str, float]:
    cmd = [sys.executable, "-m", "benchmarks.compute_cost", "--child", str(root), "--repeats", str(repeats)]
    env = os.environ | {"PYTHONPATH": ""}
    done = subprocess.run(cmd, cwd=HERE.parent, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="the server/ directory of the engine without compute")
    parser.add_argument("--after", type=Path, default=AFTER)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _measure(args.child, args.repeats)
        return
    if args.before is None:
        parser.error("--before is required")
    load = os.getloadavg()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for i in range(args.rounds):
        order = [("before", args.before), ("after", args.after)]
        for which, root in order if i % 2 == 0 else order[::-1]:
            runs[which].append(_child(root, args.repeats))
    end = os.getloadavg()
    print(f"load average {load[0]:.1f} at the start, {end[0]:.1f} at the end; {args.rounds} rounds")
    print("| file | before | after | ratio |\n|---|---|---|---|")
    for name in runs["before"][0]:
        b = statistics.median(r[name] for r in runs["before"])
        a = statistics.median(r[name] for r in runs["after"])
        print(f"| {name} | {b * 1000:.1f} ms | {a * 1000:.1f} ms | {a / b:.2f} |")


if __name__ == "__main__":
    main()
