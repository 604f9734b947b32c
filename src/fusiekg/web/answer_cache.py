"""Caches of complete answers of the read-only store, per worker process.

The store does not change while it is served, so the same request gets the same answer until the store is rebuilt.
Two levels, both bounded LRUs that are emptied when the manifest shows another build_id:

- `AnswerCache`, used by `state.AppState.run`: serialised query results keyed by what shapes them (query text,
  dataset, format, row limit, ...); every blueprint that runs queries benefits.
- `RepeatedRequests`, WSGI middleware installed by `server` under the access log: a `GET /sparql` whose query
  string, `Accept`, `Accept-Encoding` and `Host` equal an earlier one that was answered 200 (with a body small enough to keep in
  memory) gets that earlier response (status,
  headers with CORS and row-limit markers, body) without going through Flask again. Per-request work of a Python
  web stack, not the query engine, is what a small query costs; this is the lever that makes repeated queries as
  cheap as the HTTP server allows.

Answers from an external store (`--sparql-url`) are never cached: its data can change behind our back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..spool import MEMORY_BYTES
from .limits import drain

# Bytes of cached answers per worker and per cache, and the largest answer worth keeping (a few big answers must not
# evict hundreds of small ones): the largest answer held in memory at all, larger ones are streamed from a file.
CACHE_MAX_BYTES = 64 * 1024 * 1024
CACHE_MAX_ENTRY_BYTES = MEMORY_BYTES


class AnswerCache:
    """A thread-safe LRU of values with a `.body` (bytes), bounded in entries and in bytes; 0 entries: off."""

    def __init__(self, entries: int, max_bytes: int = CACHE_MAX_BYTES, max_entry_bytes: int = CACHE_MAX_ENTRY_BYTES):
        self.entries, self.max_bytes, self.max_entry_bytes = entries, max_bytes, max_entry_bytes
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value) -> None:
        size = len(value.body)
        if self.entries <= 0 or size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._items[key] = value
            self._bytes += size
            while len(self._items) > self.entries or self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class _Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: str, headers: list, body: bytes):
        self.status, self.headers, self.body = status, headers, body


def _no_store(headers) -> bool:
    """The app said this answer must not be kept (a query with NOW(), RAND(), ...)."""
    return any(k.lower() == "cache-control" and "no-store" in v.lower() for k, v in headers)


class RepeatedRequests:
    """WSGI middleware: answer a repeated `GET /sparql?…` from the previous complete 200 response."""

    def __init__(self, app, state):
        self.app, self.state = app, state
        entries = 0 if state.settings.sparql_url else state.settings.cache_entries
        self.cache = AnswerCache(entries)
        self._build: str | None = None

    def _key(self, environ):
        qs = environ.get("QUERY_STRING", "")
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != "/sparql"
                or not (qs.startswith("query=") or "&query=" in qs)):
            return None  # only query answers: the service description depends on more than the request line
        try:
            build = self.state.build_id()
        except Exception:  # noqa: BLE001 - no store: let the app answer with its own error
            return None
        if build != self._build:
            self.cache.clear()
            self._build = build
        # Accept-Encoding too: the recorded body is the compressed one (compression runs inside Flask), and a
        # client that asked for no or another coding must not be sent gzip or zstd it cannot read.
        return qs, environ.get("HTTP_ACCEPT"), environ.get("HTTP_ACCEPT_ENCODING"), environ.get("HTTP_HOST")

    def _small(self, headers) -> bool:
        length = next((v for k, v in headers if k.lower() == "content-length"), None)
        return length is not None and length.isdigit() and int(length) <= self.cache.max_entry_bytes

    def __call__(self, environ, start_response):
        key = self._key(environ) if self.cache.entries > 0 else None
        if key is None:
            return self.app(environ, start_response)
        hit = self.cache.get(key)
        if hit is not None:
            start_response(hit.status, list(hit.headers))
            return [hit.body]
        seen: dict = {}

        def recording(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording)
        if (not seen.get("status", "").startswith("200 ") or not self._small(seen["headers"])
                or _no_store(seen["headers"])):
            return body  # a large answer streams from its file, never held here; a no-store one is never kept
        data = drain(body)
        if self._build == self.state.build_id():  # not rebuilt while this request ran
            self.cache.put(key, _Response(seen["status"], list(seen["headers"]), data))
        return [data]


def install(app) -> None:
    """Put `RepeatedRequests` between the access log (so hits are logged too) and Flask."""
    from .limits import AccessLog  # noqa: PLC0415

    state = app.extensions["fusiekg"]
    outer = app.wsgi_app
    if isinstance(outer, AccessLog):
        outer.app = RepeatedRequests(outer.app, state)
    else:
        app.wsgi_app = RepeatedRequests(outer, state)
