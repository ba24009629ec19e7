"""Python's cyclic garbage collector, paused while a bulk import runs.

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
