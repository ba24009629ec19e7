"""Answers of frequent reads, kept in each worker's memory while the data they were built from stands.

Every committed write gives the data a new version (app/db.py); a request reads the version once, with its
token check, and a cached answer is used only when it was built at that same version. Nothing is shared
between workers: each holds its own copy, and the version in the database tells all of them when their
copies are out of date. A page built while a write commits may hold data newer than its version, never older
(it is built after the version was read), so a hit is never staler than the data the request could see.

The cache is bounded in bytes (READ_CACHE_MB, 0 turns it off) and drops the least recently used answers."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import text
from sqlmodel import Session

from app.config import get_settings
from app.core.context import current

# The sum of the slots (app/models/data_version.py); CAST, as PostgreSQL's SUM of BIGINT is a NUMERIC.
_VERSION = text("SELECT CAST(SUM(version) AS BIGINT) FROM data_version")


def data_version(session: Session) -> int | None:
    """The data's current version; None (nothing is cached) if the table is empty."""
    return session.execute(_VERSION).scalar_one_or_none()


class ReadCache:
    """A byte-bounded LRU of answers, each stored with the version it was built at. Thread-safe: answers are
    built in the thread pool and looked up in the event loop."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[int, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, version: int | None) -> bytes | None:
        if version is None or not self.max_bytes:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: Hashable, version: int | None, body: bytes) -> None:
        if version is None or len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._entries[key] = (version, body)
            self._size += len(body)
            while self._size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


_cache: ReadCache | None = None


def cache() -> ReadCache:
    global _cache
    if _cache is None:
        _cache = ReadCache(get_settings().read_cache_mb * 1024 * 1024)
    return _cache


def reset() -> None:
    """Forget every answer and re-read the size setting (tests change it)."""
    global _cache
    _cache = None


def cached_json(key: Hashable, build: Callable[[], bytes], *, fresh: bool = False) -> bytes:
    """The JSON answer for `key` at the request's data version: from memory when this worker built it at that
    version, else `build()`, kept for the next request. `fresh` (the client sent Cache-Control: no-cache)
    builds it anew all the same.

    Only for answers that depend on nothing but the key and the data (not on who asks)."""
    version = current().data_version
    body = None if fresh else cache().get(key, version)
    if body is None:
        body = build()
        cache().put(key, version, body)
    return body


def wants_fresh(cache_control: str | None) -> bool:
    """Cache-Control: no-cache (or no-store) on a request asks for an answer computed now."""
    return bool(cache_control) and any(
        part.strip().lower() in ("no-cache", "no-store") for part in cache_control.split(",")
    )
