"""Per-process state of the web app: settings, the store's manifest, and the query executor (child processes over
the local store, or `remote.RemoteSparql` when serving over an external SPARQL server).

The executor (child processes holding the store) is made lazily in the process that uses it: gunicorn forks its
workers after `create_app`-time imports, and a child pool must never be shared across a fork.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from pathlib import Path

from flask import current_app

from ..config import Settings
from ..executor import Job, QueryExecutor
from ..remote import RemoteSparql
from ..store import StoreLayout, StoreMissing, read_manifest

EXTENSION = "fusiekg"
_PRELOAD = ["fusiekg.executor", "fusiekg.store", "fusiekg.sparql", "pyoxigraph"]


class AppState:
    def __init__(self, settings: Settings, query_slots: int):
        self.settings = settings
        self.query_slots = query_slots
        self._executor: QueryExecutor | RemoteSparql | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._manifest: tuple[float, dict] | None = None

    @property
    def store_dir(self) -> Path:
        return Path(self.settings.store_dir)

    def manifest(self) -> dict:
        """The store's manifest (re-read when the file changes); StoreMissing when there is no built store.

        Served over an external SPARQL server without a local build, the graph sizes are counted there, once.
        """
        layout = StoreLayout(self.store_dir)
        if not layout.exists():
            if self.settings.sparql_url:
                return self._remote_manifest()
            raise StoreMissing(self.store_dir)
        mtime = layout.manifest.stat().st_mtime
        cached = self._manifest
        if cached is None or cached[0] != mtime:
            cached = (mtime, read_manifest(self.store_dir))
            self._manifest = cached
        return cached[1]

    def _remote_manifest(self) -> dict:
        if self._manifest is None:
            job = Job("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
                      "application/sparql-results+json", max_rows=100_000)
            rows = json.loads(self.run(job).body)["results"]["bindings"]
            graphs = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
            self._manifest = (0.0, {"graphs": graphs, "triples": sum(graphs.values()), "built_at": None,
                                    "build_id": None, "store": self.settings.sparql_url})
        return self._manifest[1]

    @property
    def executor(self) -> QueryExecutor | RemoteSparql:
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                if self.settings.sparql_url:
                    self._executor = RemoteSparql(self.settings.sparql_url)
                    self._pid = os.getpid()
                    return self._executor
                if not StoreLayout(self.store_dir).exists():
                    raise StoreMissing(self.store_dir)
                # Children forked from a server that already imported the store code start in milliseconds.
                multiprocessing.set_forkserver_preload(_PRELOAD)
                self._executor = QueryExecutor(self.store_dir, size=self.query_slots)
                self._pid = os.getpid()
            return self._executor

    def run(self, job: Job):
        return self.executor.run(job, self.settings.query_timeout_s)

    def warm(self) -> None:
        """Start one query process now, so the first user does not wait for it."""
        self.run(Job("ASK {}", None, 1))

    def close(self) -> None:
        with self._lock:
            if self._executor is not None and self._pid == os.getpid():
                self._executor.close()
            self._executor = None


def state() -> AppState:
    return current_app.extensions[EXTENSION]
