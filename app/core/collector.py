"""Python's cyclic garbage collector: set for a long-running server at start-up, and paused while a bulk import
runs.

A worker's start-up leaves some 190,000 objects that live as long as it does (the app, its routes and models,
SQLAlchemy's and pydantic's schemas). Python's full collections walked all of them again every few hundred
requests, 150 ms of CPU each under load; with the young generation's threshold at its default of 700 net new
containers, a cold page of 50 set off about one collection of it per request. Measured on one worker on SQLite
with 10,000 interventions, 32 connections on cold pages (gc.callbacks timing every collection): 1.35 ms of the
collector's CPU per page by default, 0.44 ms with the start-up objects frozen, and under 0.01 ms with the
threshold raised as well. `settle_after_startup` does both, once per process: the frozen objects are never
collected (they would never be garbage anyway), and everything made later is collected as before, only less
often (reference counting still frees at once whatever is not part of a cycle).

The import's pause:

An import holds its whole file as Python objects (records, rows, models, its answer): hundreds of thousands of
containers that stay alive until it ends. The collector's full passes walk all of them again each time the
import has made enough new ones, so that they took about half of a 10,000-record import's time (bench/imports.py).
While any import runs the collector is off; reference counting still frees everything that is not part of a
cycle, and the cycles made meanwhile (by the import or by other requests) are collected once the last import has
ended. An import is bounded (MAX_IMPORT_BYTES), and so is what waits for the collector, unless imports follow
one another without a gap (each starting before the last has ended), which a registry's imports do not."""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Net new containers between two collections of the youngest generation (Python's default: 700).
YOUNG_THRESHOLD = 10_000

_settled = False


def settle_after_startup() -> None:
    """Freeze what start-up made (gc.freeze: moved out of every later collection) and raise the young
    generation's threshold; once per process (a test suite starts many apps in one process)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


_LOCK = threading.Lock()
_paused_by = 0  # imports running now
_was_enabled = False  # the collector's state before the first of them


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the collector for a `with` block, or for every call of a function it decorates."""
    global _paused_by, _was_enabled
    with _LOCK:
        if _paused_by == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused_by += 1
    try:
        yield
    finally:
        with _LOCK:
            _paused_by -= 1
            if _paused_by == 0 and _was_enabled:
                gc.enable()
