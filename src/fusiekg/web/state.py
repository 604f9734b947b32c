"""Per-process state of the web app: settings, the store's manifest, the query executor (child processes over
the local store, or `remote.RemoteSparql` when serving over an external SPARQL server) and a cache of answers.

The executor (child processes holding the store) is made lazily in the process that uses it: the server forks its
workers after `create_app`-time imports, and a child pool must never be shared across a fork.

The local store is read-only while it is served, so a complete answer to the same request (query text, dataset,
format, row limit) stays right until the store is rebuilt: each worker keeps the most recent answers in an LRU,
bounded in entries (`settings.cache_entries`, 0 turns it off) and bytes, and drops them all, and restarts its query
processes on the new files, as soon as the manifest shows another build_id. Only answers held in memory are kept
(a large one is in a temporary file, streamed once and deleted). Answers from an external store are never cached
(its data can change behind our back).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

from flask import current_app

from ..config import Settings
from ..executor import Job, QueryExecutor
from ..namespaces import PREFIXES as _STANDARD_PREFIXES
from ..store import StoreLayout, StoreMissing, read_manifest
from .answer_cache import AnswerCache

EXTENSION = "fusiekg"
_PRESTART_DELAY_S = 1.0
_PRELOAD = ["fusiekg.executor", "fusiekg.store", "fusiekg.sparql", "pyoxigraph"]


def cache_key(job: Job) -> tuple:
    """Everything that shapes an answer: query text, dataset, format, limits, base IRI, allowed services,
    prefixes."""
    prefixes = job.prefixes
    if prefixes is not None and prefixes is not _STANDARD_PREFIXES:
        prefixes = tuple(sorted(prefixes.items()))
    elif prefixes is not None:
        prefixes = "standard"
    return (job.query, job.media_type, job.max_rows,
            None if job.default_graphs is None else tuple(job.default_graphs),
            None if job.named_graphs is None else tuple(job.named_graphs), job.service_allow, prefixes,
            job.max_bytes, job.base_iri, job.note_url)


class AppState:
    def __init__(self, settings: Settings, query_slots: int):
        self.settings = settings
        self.query_slots = query_slots
        self._executor = None  # QueryExecutor, or remote.RemoteSparql over an external store
        self._pid: int | None = None
        self._executor_build: str | None = None  # the build_id the query processes opened
        self._lock = threading.Lock()
        self._manifest: tuple[int, dict] | None = None
        self.cache = AnswerCache(0 if settings.sparql_url else settings.cache_entries)
        self._layout = StoreLayout(Path(settings.store_dir))

    @property
    def store_dir(self) -> Path:
        return Path(self.settings.store_dir)

    def manifest(self) -> dict:
        """The store's manifest (re-read when the file changes); StoreMissing when there is no built store.

        Served over an external SPARQL server without a local build, the graph sizes are counted there, once.
        """
        layout = self._layout
        try:  # one stat per call: this runs on every request
            mtime = layout.manifest.stat().st_mtime_ns
        except OSError:
            mtime = None
        cached = self._manifest
        if mtime is not None and cached is not None and cached[0] == mtime:
            return cached[1]
        if mtime is None or not layout.exists():
            if self.settings.sparql_url:
                return self._remote_manifest()
            raise StoreMissing(self.store_dir)
        cached = (mtime, read_manifest(self.store_dir))
        self._manifest = cached
        return cached[1]

    def build_id(self) -> str | None:
        """The build being served (None over an external store); StoreMissing when there is none."""
        return self.manifest().get("build_id")

    def _remote_manifest(self) -> dict:
        if self._manifest is None:
            job = Job("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                      "application/sparql-results+json", max_rows=0)
            rows = json.loads(self.run(job).body)["results"]["bindings"]
            graphs = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
            self._manifest = (-1, {"graphs": graphs, "triples": sum(graphs.values()), "built_at": None,
                                    "build_id": None, "store": self.settings.sparql_url})
        return self._manifest[1]

    @property
    def executor(self):
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                if self.settings.sparql_url:
                    from ..remote import RemoteSparql  # noqa: PLC0415 - only a server over an external store needs it

                    self._executor = RemoteSparql(self.settings.sparql_url)
                    self._pid = os.getpid()
                    return self._executor
                if not StoreLayout(self.store_dir).exists():
                    raise StoreMissing(self.store_dir)
                # Children forked from a server that already imported the store code start in milliseconds.
                multiprocessing.set_forkserver_preload(_PRELOAD)
                self._executor = QueryExecutor(self.store_dir, size=self.query_slots,
                                               memory_triples=self.settings.memory_triples,
                                               inline_ms=self.settings.inline_query_ms)
                self._pid = os.getpid()
            return self._executor

    def _current_build(self) -> str | None:
        """The build_id now on disk; a new one retires the query processes (they hold the old files) and the cache."""
        build = self.build_id()
        if build != self._executor_build:
            with self._lock:
                if build != self._executor_build:
                    if self._executor is not None and self._pid == os.getpid():
                        self._executor.close()
                    self._executor = None
                    self.cache.clear()
                    self._executor_build = build
        return build

    def run(self, job: Job):
        """Answer a Job from the cache, or run it under the time limit and keep the answer."""
        if self.settings.sparql_url:
            return self.executor.run(job, self.settings.query_timeout_s)
        build = self._current_build()
        volatile = job.info is not None and job.info.volatile
        key = (build, *cache_key(job)) if self.cache.entries > 0 and not volatile else None
        if key is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        result = self.executor.run(job, self.settings.query_timeout_s)
        if key is not None and result.file is None:
            self.cache.put(key, result)
        return result

    def warm(self) -> None:
        """Start the query processes now, and open the store for quick queries in the background, so the first
        users do not wait for either."""
        self.run(Job("ASK {}", None, 1))
        executor = self.executor
        if getattr(executor, "inline_s", 0) > 0:
            threading.Thread(target=executor.open_local, name="fusiekg-open-store", daemon=True).start()
        if hasattr(executor, "prestart"):
            time.sleep(_PRESTART_DELAY_S)  # the first query process and the first users go first
            executor.prestart()

    def close(self) -> None:
        with self._lock:
            if self._executor is not None and self._pid == os.getpid():
                self._executor.close()
            self._executor = None


def state() -> AppState:
    return current_app.extensions[EXTENSION]
