"""The cyclic garbage collector paused while the engine builds: an analysis is a large heap of acyclic
records that reference counting frees, and collections in the middle of building it (one every 700
allocations) can double or triple its time, the more so in a fresh process whose heap is all young."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
