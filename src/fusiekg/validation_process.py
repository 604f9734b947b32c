"""Large descriptions are validated in a process of their own, which ends when the report is sent.

Why: rdflib and pyshacl build many small Python objects for a large description. Freed, most of that memory stays
with the process (Python's and the C library's heaps fragment), so a web worker that had validated a few large
descriptions kept hundreds of MB for good (measured: 105 MB → 348 MB after sixteen posts of 1 MB, growing with each
round). A process that ends gives all of it back.

How: each web worker starts, at its first large description, a *template* process that loads the validation engine
(shapes and reference data, about a second) and then waits. For every large description it forks a child that
validates it, sends the report and exits; the template itself never validates, so it keeps its size. Forking the
single-threaded template is safe and takes milliseconds (unlike forking a web worker, whose threads may hold locks).
A child that runs past the time limit is killed with its template, which stops the work at once; the next large
description starts a new template. Descriptions up to `isolate_bytes` stay in the web worker: a typical one is
checked in tens of milliseconds, and their memory is small.

Large descriptions are checked one at a time per web worker (the engine in a worker does the same for small ones);
waiting for the one before counts against the time limit, loading the engine does not.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from . import resources, validation
from .validation import ValidationReport, ValidationTimeout

# The template has this long to load the engine; not part of a validation's time limit (as `validation.engine()`).
TEMPLATE_START_S = 120.0
# A child kills itself this long after its time limit, should its web worker be gone and not do it.
_SELF_KILL_MARGIN_S = 30


class ValidationFailed(Exception):
    """The process validating a description ended without a report (it crashed or ran out of memory)."""

    def __init__(self, detail: str):
        self.message_nl = f"De validatie is mislukt: het proces dat de beschrijving controleerde stopte ({detail})."
        self.message_en = f"Validation failed: the process checking the description stopped ({detail})."
        super().__init__(self.message_en)

    def localized(self, lang: str = "nl") -> str:
        return self.message_en if lang == "en" else self.message_nl


@dataclass
class _Job:
    data: bytes
    kwargs: dict  # validation.validate's keyword arguments, without timeout_s
    timeout_s: float | None


def _template_main(conn) -> None:
    """The template process: load the engine once, then fork one child per job and wait for it to end."""
    _warm_up()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job: _Job = conn.recv()
        except (EOFError, OSError):  # the web worker is gone
            return
        pid = os.fork()
        if pid == 0:
            _child_main(conn, job)  # never returns
        _, status = os.waitpid(pid, 0)
        conn.send(("ended", os.waitstatus_to_exitcode(status)))


def _warm_up() -> None:
    """Load the engine, and validate the shipped valid examples once, so that what a validation imports or builds
    on first use (parsers, pyshacl's and oxigraph's modules) is done once here, not again in every child. Nothing
    of it starts a thread, so forking stays safe."""
    validation.engine()
    for path in sorted(resources.path("examples", "valid").iterdir()):
        validation.validate(path.read_bytes(), filename=path.name, timeout_s=None)


def _child_main(conn, job: _Job) -> None:
    """A forked child: tell its pid, validate, send the outcome, exit. Only this process writes to the pipe until it
    has ended (the template waits for it), so the messages arrive whole and in order."""
    code = 0
    try:
        if job.timeout_s is not None:
            signal.alarm(int(job.timeout_s) + _SELF_KILL_MARGIN_S)  # default action: the process ends
        conn.send(("started", os.getpid()))
        try:
            outcome = ("report", validation.validate(job.data, timeout_s=None, **job.kwargs).detached())
        except validation.InputError as exc:
            outcome = ("input-error", exc)
        except Exception as exc:  # noqa: BLE001 - reported to the web worker, which answers with a clear error
            outcome = ("failed", f"{type(exc).__name__}: {exc}")
        conn.send(outcome)
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the template's loop
        code = 1
    finally:
        os._exit(code)


class _Template:
    def __init__(self) -> None:
        # A fresh interpreter (`python -m fusiekg.validation_process`): nothing of the web worker (threads, sockets,
        # its main module) comes along. In a process group of its own, so that killing the group stops the template
        # and the child it is waiting for.
        ours, theirs = socket.socketpair()
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", __name__, str(theirs.fileno())],
                                         pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, process_group=0)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(TEMPLATE_START_S):
            raise ValidationFailed(f"it did not start within {TEMPLATE_START_S:g} s")
        kind, _pid = self._recv()
        if kind != "ready":
            raise ValidationFailed(f"it started with {kind!r}")
        self.ready = True

    def _recv(self):
        try:
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            raise ValidationFailed(f"exit code {self.proc.poll()}") from exc

    def recv_until(self, deadline: float | None):
        """The next message, or None when the deadline passes first."""
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not self.conn.poll(wait):
            return None
        return self._recv()

    def kill(self) -> None:
        """Stop the template and the child it is waiting for."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            self.proc.kill()
        self.proc.wait()
        self.conn.close()


_lock = threading.Lock()
_template: _Template | None = None
_owner: int | None = None  # the process the template belongs to (a forked web worker starts its own)
#: What ran where, for tests: descriptions validated in a child, the last child's pid, the template's pid.
stats: dict[str, int | None] = {"runs": 0, "last_pid": None, "template_pid": None}


def _current_template() -> _Template:
    global _template, _owner
    if _template is None or _owner != os.getpid():
        _template, _owner = _Template(), os.getpid()
        stats["template_pid"] = _template.proc.pid
    return _template


def _discard_template() -> None:
    global _template
    if _template is not None and _owner == os.getpid():
        _template.kill()
    _template = None


def validate(data: bytes, *, isolate_bytes: int, timeout_s: float | None = validation.DEFAULT_TIMEOUT_S,
             **kwargs) -> ValidationReport:
    """`validation.validate`, in a process of its own that ends afterwards when the description is larger than
    `isolate_bytes`. Raises what `validation.validate` raises, and `ValidationFailed`."""
    if len(data) <= isolate_bytes:
        return validation.validate(data, timeout_s=timeout_s, **kwargs)
    return _validate_isolated(data, timeout_s, kwargs)


def _validate_isolated(data: bytes, timeout_s: float | None, kwargs: dict) -> ValidationReport:
    started = time.monotonic()
    if not _lock.acquire(timeout=-1 if timeout_s is None else timeout_s):
        raise ValidationTimeout(timeout_s)
    try:
        waited = time.monotonic() - started
        template = _current_template()
        try:
            template.wait_ready()
        except ValidationFailed:
            _discard_template()
            raise
        t0 = time.monotonic()  # the limit starts now, less what was spent waiting for the one before
        deadline = None if timeout_s is None else t0 + timeout_s - waited
        template.conn.send(_Job(data, kwargs, timeout_s))
        outcome = None
        while True:
            message = template.recv_until(deadline)
            if message is None:  # past the limit: stop the work now
                _discard_template()
                raise ValidationTimeout(timeout_s)
            kind, payload = message
            if kind == "started":
                stats["runs"] += 1
                stats["last_pid"] = payload
            elif kind == "ended":
                break
            else:
                outcome = message
        if outcome is None:
            raise ValidationFailed(f"exit code {payload}")
        if deadline is not None and time.monotonic() > deadline:  # done, but after the limit: as in-process
            raise ValidationTimeout(timeout_s)
        kind, payload = outcome
        if kind == "report":
            report: ValidationReport = payload
            report.elapsed_s = time.monotonic() - t0
            return report
        if kind == "input-error":
            raise payload
        raise ValidationFailed(payload)
    except (ValidationFailed, OSError) as exc:
        _discard_template()
        if isinstance(exc, ValidationFailed):
            raise
        raise ValidationFailed(str(exc)) from exc
    finally:
        _lock.release()


if __name__ == "__main__":  # the template process (see _Template)
    _template_main(Connection(int(sys.argv[1])))
