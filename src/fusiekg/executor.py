"""Queries run in worker processes so that a time limit can really stop them.

pyoxigraph cannot interrupt a running query, and a thread cannot be killed. Each web worker therefore keeps a few
child processes, each with the store opened read-only; a query is sent to an idle child, and when it is not answered
within the limit the child is killed (the query stops at once) and replaced. Other requests use other children, so
one slow query does not stall the rest.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from . import sparql


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


def _child(store_dir: str, conn) -> None:
    """Child process main loop: answer Jobs until the pipe closes."""
    from .store import LocalStore  # noqa: PLC0415 - imported in the child only

    store = LocalStore(Path(store_dir))
    while True:
        try:
            job: Job = conn.recv()
        except EOFError:
            return
        try:
            res = sparql.run(store, job.query, job.media_type, max_rows=job.max_rows,
                             default_graphs=job.default_graphs, named_graphs=job.named_graphs,
                             service_allow=job.service_allow, prefixes=job.prefixes)
            conn.send(("ok", res))
        except sparql.QuerySyntaxError as exc:
            conn.send(("syntax", (str(exc), exc.line, exc.column)))
        except sparql.QueryRefused as exc:
            conn.send(("refused", str(exc)))
        except Exception as exc:  # an evaluation error (e.g. a bad regex): the client's query, not our crash
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Slot:
    def __init__(self, ctx, store_dir: str):
        self.conn, child_conn = ctx.Pipe()
        self.proc = ctx.Process(target=_child, args=(store_dir, child_conn), daemon=True)
        self.proc.start()
        child_conn.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


class QueryExecutor:
    """A small pool of query processes over one store directory."""

    def __init__(self, store_dir: Path | str, size: int = 4, start_method: str = "forkserver"):
        self.store_dir = str(store_dir)
        self.ctx = mp.get_context(start_method)
        self.size = size
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
                    return _Slot(self.ctx, self.store_dir)
                except BaseException:
                    self._created -= 1
                    raise
        try:
            return self._idle.get(timeout=wait_s)
        except queue.Empty as exc:
            raise ExecutorBusy("all query slots are busy; try again shortly") from exc

    def _discard(self, slot: _Slot) -> None:
        slot.kill()
        with self._lock:
            self._created -= 1

    def run(self, job: Job, timeout_s: float) -> sparql.Result:
        slot = self._acquire(wait_s=timeout_s)
        try:
            slot.conn.send(job)
            if not slot.conn.poll(timeout_s):
                self._discard(slot)
                slot = None
                raise QueryTimeout(f"the query ran longer than the limit of {timeout_s:g} s and was stopped")
            kind, payload = slot.conn.recv()
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
        if kind == "ok":
            return payload
        if kind == "syntax":
            msg, line, col = payload
            raise sparql.QuerySyntaxError(msg, line, col)
        if kind == "refused":
            raise sparql.QueryRefused(payload)
        raise sparql.QueryRefused(f"the query failed during evaluation: {payload}")

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
