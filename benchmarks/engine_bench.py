"""Engine-only timings, in this process, against the compose floor.

- compose: PyYAML's C-loader ``compose`` of the text, with the cyclic garbage collector frozen and
  disabled around it (the floor of issue 7: what any YAML-position-aware Python server must pay);
- parse: ``paramlens.engine.source.parse`` (compose plus the engine's syntax-error recovery), with the
  collector paused as ``analyse`` does around it;
- analyse: ``paramlens.engine.analyse`` in total; infer = analyse - parse (build and inference are one
  walk in the engine, so they are not timed apart);
- analyse, gc paused: the same with the collector frozen and disabled, to show what the collector costs;
- render: what the server builds from an analysis for the editor: its per-version ``Entry`` (line
  offsets), the whole document's inlay hints, a 60-line window's hints and one hover text. When the
  server's modules are missing, the JSON summary (``paramlens.render.json.to_json``) stands in.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import yaml

from paramlens.engine import analyse
from paramlens.engine.source import parse

from . import edits


def _median_time(fn: Callable[[], Any], repeats: int, pause_gc: bool = False) -> float:
    times = []
    for _ in range(repeats):
        if pause_gc:
            gc.collect()
            gc.freeze()
            gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            if pause_gc:
                gc.enable()
                gc.unfreeze()
    return statistics.median(times)


def compose_floor(text: str, seconds: float = 2.0, most: int = 31) -> float:
    """The median C-loader compose time of ``text``, garbage collector paused: as many runs as fit in
    ``seconds`` (3 to ``most``), since the floor is what every ratio divides by."""
    once = _median_time(lambda: yaml.compose(text, Loader=yaml.CSafeLoader), 1, pause_gc=True)
    runs = max(3, min(most, int(seconds / max(once, 1e-6))))
    return _median_time(lambda: yaml.compose(text, Loader=yaml.CSafeLoader), runs, pause_gc=True)


def _renderer(text: str) -> tuple[str, Callable[[], Any]]:
    """What the server renders from an analysis, as a callable (and its name); the JSON summary when
    the server's modules are missing or their interface has moved."""
    analysis = analyse(text)
    try:
        from paramlens.lsp.config import Settings
        from paramlens.lsp.documents import Entry
        from paramlens.lsp.hints import encoded_hints
        from paramlens.lsp.positions import Lines
        from paramlens.render.hover import layer_hover

        settings = Settings()
        site = edits.sites(text, 1)[0]
        last = text.count("\n") + 1
        window = edits.window(site)

        def render() -> None:
            entry = Entry("file:///bench.arch.yaml", 1, text, analysis, Lines(text, "utf-16"))
            encoded_hints(entry, settings, 0, last)
            encoded_hints(entry, settings, window["start"]["line"], window["end"]["line"])
            layer = entry.layer_at(site.item_line, site.item_indent + 3)
            if layer is not None:
                layer_hover(layer, markdown=True)

        render()
        return "entry + hints (whole, window) + hover", render
    except Exception:  # the server's internals are not a stable interface
        import json

        from paramlens.render.json import to_json

        return "json summary", lambda: json.dumps(to_json(analysis))


def stages(text: str, repeats: int, gc_paused: bool = True) -> dict[str, Any]:
    """Median seconds of each stage of one file (``gc_paused``: also time analyse with the collector
    paused)."""
    result: dict[str, Any] = {"compose": compose_floor(text)}
    result["parse"] = _median_time(lambda: parse(text), repeats, pause_gc=True)  # as analyse runs it
    result["analyse"] = _median_time(lambda: analyse(text), repeats)
    result["infer"] = max(0.0, result["analyse"] - result["parse"])
    result["analyse_gc_paused"] = _median_time(lambda: analyse(text), repeats, pause_gc=True) if gc_paused else None
    name, render = _renderer(text)
    result["render_what"] = name
    result["render"] = _median_time(render, repeats)
    return result
