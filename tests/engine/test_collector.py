"""The collector pause (engine/collector.py): leaving it must not itself run the collection it put off
over the analysis just built (a ``@contextmanager`` did: 110 ms of a 10,000-layer analysis)."""

from __future__ import annotations

import gc

from paramlens.engine import analyse, collector


def test_leaving_the_pause_runs_no_collection_over_what_was_built() -> None:
    def build() -> list[list[int]]:
        with collector.paused():
            return [[i] for i in range(100_000)]  # far past the 700 allocations that start a collection

    gc.collect()
    before = gc.get_stats()[0]["collections"]
    for _ in range(5):
        build()  # dropped at once: reference counting frees it, no collection needed
    assert gc.get_stats()[0]["collections"] == before
    assert gc.isenabled()


def test_the_pause_ends_on_an_error_too() -> None:
    try:
        with collector.paused():
            assert not gc.isenabled()
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.isenabled()


def test_an_analysis_leaves_the_collector_as_it_found_it() -> None:
    analyse("input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 3}\n")
    assert gc.isenabled()
    gc.disable()
    try:
        analyse("input: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 3}\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
