"""Queries run in worker processes so that a time limit can really stop them.

pyoxigraph cannot interrupt a running query, and a thread cannot be killed. Each web worker therefore keeps a few
child processes, each with the store opened read-only; a query is sent to an idle child, and when it is not answered
within the limit the child is killed (the query stops at once) and replaced. Other requests use other children, so
one slow query does not stall the rest.

The trip to a child costs about as much as a small query itself (two context switches and a pickle each way), so a
query text that a child answered quickly (under `inline_ms` of CPU time) is from then on run in the calling process,
on its own read-only copy of the store. That is safe because the store is read-only: the same query text on the same
data does the same work, so its cost is known before it runs. A query that runs slower inline than expected goes
back to the children. Unknown and slow queries always run in a child, under the time limit.

A child writes the answer into a `spool.Spool` under the byte limit and answers only when it is complete. A large
answer is in a nameless temporary file: the child hands the open file itself to the web worker over the pipe
(`multiprocessing.reduction.send_handle`) and closes its own copy, so the answer never crosses the pipe as bytes
and the file disappears with the last process holding it, also when the child is killed at the time limit.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from multiprocessing import reduction
from pathlib import Path

from . import sparql, spool
from .namespaces import PREFIXES


class QueryTimeout(Exception):
    """The query ran longer than the limit and was stopped."""


class ExecutorBusy(Exception):
    """Every query slot stayed busy for longer than the caller may wait."""


@dataclass
class Job:
    query: str
    media_type: str | None
    max_rows: int
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    service_allow: tuple[str, ...] = ()
    prefixes: dict[str, str] | None = None
    info: sparql.QueryInfo | None = None  # the query's analysis with its services checked, when the caller has it
    max_bytes: int = 0  # the serialised answer may be this long (0: no limit); longer is AnswerTooLarge
    base_iri: str | None = None  # relative IRIs in the query resolve against this (the request URL)
    note_url: str | None = None  # where a cut answer's head points for an explanation of the row cap

    def __getstate__(self) -> dict:
        """Sent to a query process on every request: the standard prefix map travels as a marker, not a dict."""
        state = dict(self.__dict__)
        if state["prefixes"] is PREFIXES:
            state["prefixes"] = _STANDARD
        return state

    def __setstate__(self, state: dict) -> None:
        if state["prefixes"] == _STANDARD:
            state["prefixes"] = PREFIXES
        self.__dict__.update(state)


_STANDARD = "standard-prefixes"


def _answer(store, job: Job) -> tuple[str, object]:
    """Run a Job on a LocalStore; the outcome as (kind, payload), which pickles and crosses a pipe."""
    try:
        return "ok", sparql.run(store, job.query, job.media_type, max_rows=job.max_rows,
                                default_graphs=job.default_graphs, named_graphs=job.named_graphs,
                                service_allow=job.service_allow, prefixes=job.prefixes, info=job.info,
                                max_bytes=job.max_bytes, base_iri=job.base_iri, note_url=job.note_url)
    except spool.AnswerTooLarge as exc:
        return "too_large", exc.limit
    except sparql.QuerySyntaxError as exc:
        return "syntax", (str(exc), exc.line, exc.column)
    except sparql.QueryRefused as exc:
        return "refused", str(exc)
    except Exception as exc:  # an evaluation error (e.g. a bad regex): the client's query, not our crash
        return "error", f"{type(exc).__name__}: {exc}"


def _unwrap(kind: str, payload) -> sparql.Result:
    if kind == "ok":
        return payload
    if kind == "syntax":
        msg, line, col = payload
        raise sparql.QuerySyntaxError(msg, line, col)
    if kind == "refused":
        raise sparql.QueryRefused(payload)
    if kind == "too_large":
        raise spool.AnswerTooLarge(payload)
    raise sparql.QueryRefused(f"the query failed during evaluation: {payload}")


def _child(store_dir: str, memory_triples: int, conn) -> None:
    """Child process main loop: answer Jobs until the pipe closes."""
    from .store import LocalStore  # noqa: PLC0415 - imported in the child only

    store = LocalStore(Path(store_dir), memory_triples=memory_triples)
    while True:
        try:
            job: Job = conn.recv()
        except EOFError:
            return
        t0 = time.thread_time()
        kind, payload = _answer(store, job)
        cpu_s = time.thread_time() - t0
        if kind == "ok" and payload.file is not None:  # a large answer: the open file follows the message
            with payload.file as f:
                conn.send((kind, replace(payload, file=None), cpu_s, True))
                reduction.send_handle(conn, f.fileno(), 0)  # the pid is only used on Windows
        else:
            conn.send((kind, payload, cpu_s, False))


class _Slot:
    def __init__(self, ctx, store_dir: str, memory_triples: int):
        self.conn, child_conn = ctx.Pipe()
        self.proc = ctx.Process(target=_child, args=(store_dir, memory_triples, child_conn), daemon=True)
        self.proc.start()
        child_conn.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


class QueryExecutor:
    """A small pool of query processes over one store directory, and a lane for queries known to be quick."""

    KNOWN_QUICK = 4096  # query texts remembered as quick, per web worker
    DEMOTE_FACTOR = 4  # an inline run using this many times `inline_ms` of CPU sends the text back to the children

    def __init__(self, store_dir: Path | str, size: int = 4, start_method: str = "forkserver",
                 memory_triples: int = 0, inline_ms: float = 0.0):
        self.store_dir = str(store_dir)
        self.ctx = mp.get_context(start_method)
        self.size = size
        self.memory_triples = memory_triples
        self.inline_s = inline_ms / 1000
        self._quick: OrderedDict[tuple, None] = OrderedDict()
        self._local = None  # this process's own LocalStore, opened on the first inline query
        self._local_lock = threading.Lock()  # held while a copy in memory loads: no inline query answers meanwhile
        self.inline_runs = 0  # queries answered in this process (for tests)
        self._idle: queue.LifoQueue[_Slot] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._created = 0
        self._closed = False

    def _acquire(self, wait_s: float) -> _Slot:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self.size:
                self._created += 1
                try:
                    return _Slot(self.ctx, self.store_dir, self.memory_triples)
                except BaseException:
                    self._created -= 1
                    raise
        try:
            return self._idle.get(timeout=wait_s)
        except queue.Empty as exc:
            raise ExecutorBusy("all query slots are busy; try again shortly") from exc

    def prestart(self) -> None:
        """Start every query process now: one started under load (loading its copy of the store) would make the
        requests that wait for it the slowest of the run."""
        while True:
            with self._lock:
                if self._closed or self._created >= self.size:
                    return
                self._created += 1
            try:
                slot = _Slot(self.ctx, self.store_dir, self.memory_triples)
            except BaseException:
                with self._lock:
                    self._created -= 1
                raise
            self._idle.put(slot)

    def _discard(self, slot: _Slot) -> None:
        slot.kill()
        with self._lock:
            self._created -= 1

    @staticmethod
    def _quick_key(job: Job) -> tuple:
        return (job.query, job.media_type, job.max_rows, None if job.default_graphs is None else tuple(job.default_graphs),
                None if job.named_graphs is None else tuple(job.named_graphs), job.service_allow, job.max_bytes,
                job.base_iri)

    def open_local(self):
        """This process's own LocalStore for inline queries (a copy in memory when the store is small enough)."""
        with self._local_lock:
            if self._local is None:
                from .store import LocalStore  # noqa: PLC0415 - only once a query has shown to be quick

                self._local = LocalStore(Path(self.store_dir), memory_triples=self.memory_triples)
            return self._local

    def run(self, job: Job, timeout_s: float) -> sparql.Result:
        if self.inline_s <= 0:
            return _unwrap(*self._run_in_child(job, timeout_s)[:2])
        key = self._quick_key(job)
        if key in self._quick:
            t0 = time.thread_time()  # CPU of this thread: waiting for the GIL under load is not the query's cost
            outcome = _answer(self.open_local(), job)
            self.inline_runs += 1
            if time.thread_time() - t0 > self.inline_s * self.DEMOTE_FACTOR:
                self._quick.pop(key, None)
            return _unwrap(*outcome)
        kind, payload, cpu_s = self._run_in_child(job, timeout_s)
        if kind == "ok" and cpu_s < self.inline_s:
            with self._lock:
                self._quick[key] = None
                if len(self._quick) > self.KNOWN_QUICK:
                    self._quick.popitem(last=False)
        return _unwrap(kind, payload)

    def _run_in_child(self, job: Job, timeout_s: float) -> tuple[str, object, float]:
        """(kind, payload, CPU seconds the query took in the child)."""
        slot = self._acquire(wait_s=timeout_s)
        try:
            slot.conn.send(job)
            if not slot.conn.poll(timeout_s):
                self._discard(slot)
                slot = None
                raise QueryTimeout(f"the query ran longer than the limit of {timeout_s:g} s and was stopped")
            kind, payload, cpu_s, has_file = slot.conn.recv()
            if has_file:
                payload.file = os.fdopen(reduction.recv_handle(slot.conn), "rb")
                payload.file.seek(0)
            return kind, payload, cpu_s
        except (EOFError, BrokenPipeError, OSError) as exc:
            if slot is not None:
                self._discard(slot)
                slot = None
            raise RuntimeError(f"query process failed: {exc}") from exc
        finally:
            if slot is not None:
                if self._closed:  # closed while this query ran (e.g. the store was rebuilt): no reuse
                    slot.kill()
                else:
                    self._idle.put(slot)

    def close(self) -> None:
        self._closed = True
        self._local = None
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
