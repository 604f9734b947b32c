"""`fusiekg serve`: the app under a production WSGI server, one worker process per core by default.

Two servers, the same app and the same behaviour (time limits, CORS, size limits and the access log all live in the
app, see `limits`):

- `granian` (the default): a Rust HTTP server; it parses HTTP and moves bytes outside the GIL, so a cached answer
  costs a few Python function calls. Each worker runs the app on `threads` blocking threads.
- `gunicorn`: `gthread` workers with `threads` threads each.

Either way each worker keeps as many query processes as threads (see `executor`), so a slow query holds one thread
and one query process while the others keep answering, and the time limit kills the query process.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

from ..config import Settings
from ..spool import MEMORY_BYTES

THREADS_PER_WORKER = 4
CONNECTIONS_PER_WORKER = 256  # open connections a granian worker accepts (see _run_granian)
SERVERS = ("granian", "gunicorn")
DEFAULT_SERVER = "granian"
# Settings travel to granian's worker processes in the environment (they may be spawned, not forked).
_SETTINGS_ENV = "FUSIEKG_SERVE_SETTINGS"
_THREADS_ENV = "FUSIEKG_SERVE_THREADS"


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


class AddressUnavailable(Exception):
    """The server cannot listen where it was asked to (another server is there, or the address is not ours)."""


def check_address(host: str, port: int) -> None:
    """Refuse an address that another server already listens on, before starting ours.

    granian binds each worker's socket with SO_REUSEPORT, so a second granian on a busy port would not fail: it
    would share the port with the first, and the kernel would spread requests over two services (two builds). A
    probe bound here without SO_REUSEPORT fails as soon as anything listens on the address. (Two servers started at
    the very same moment can still both pass the probe.)
    """
    shown = _url(host, port).removeprefix("http://").rstrip("/")
    try:
        family, kind, proto, _name, addr = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                               flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise AddressUnavailable(f"cannot serve on {shown}: the host {host!r} is not known ({exc.strerror}); "
                                 f"use an address of this machine with --host") from exc
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            probe.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AddressUnavailable(
                    f"cannot serve on {shown}: the address is already in use (another server, perhaps another "
                    f"`fusiekg serve`, listens on port {port}). Stop that server, or choose another port with "
                    f"--port.") from exc
            if exc.errno == errno.EACCES:
                raise AddressUnavailable(f"cannot serve on {shown}: permission denied (ports below 1024 need "
                                         f"privileges); choose another port with --port") from exc
            if exc.errno == errno.EADDRNOTAVAIL:
                raise AddressUnavailable(f"cannot serve on {shown}: {host} is not an address of this machine; "
                                         f"use --host 127.0.0.1, 0.0.0.0 or one of its own addresses") from exc
            raise AddressUnavailable(f"cannot serve on {shown}: {exc.strerror}") from exc


# Answers up to this size are finished (body joined, access log written) before the server sends them; larger ones
# (a query answer past this size is in a temporary file) stream, so no worker holds one in memory.
_FINISH_FIRST_BYTES = MEMORY_BYTES


class _FinishFirst:
    """WSGI middleware: run a response to its end, close it (which writes the access-log line) and hand the server
    the complete bytes. Without it the log line is written only after the server has sent the body, and a server
    that stops right after a request (tests, restarts) may lose it. Large or unsized bodies (dump files) stream."""

    def __init__(self, app):
        from .limits import drain  # noqa: PLC0415 - Flask loads in the workers, not in the process that starts them

        self.app, self.drain = app, drain

    def __call__(self, environ, start_response):
        sized: list[int | None] = [None]

        def recording(status, headers, exc_info=None):
            length = next((v for k, v in headers if k.lower() == "content-length"), None)
            sized[0] = int(length) if length is not None and length.isdigit() else None
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording)
        if sized[0] is None or sized[0] > _FINISH_FIRST_BYTES:
            return body
        data = self.drain(body)
        return [data]


def _prepare(app) -> None:
    """What a served app adds to `create_app`: the repeated-request cache, complete answers before sending, and a
    query process started early."""
    from .answer_cache import install  # noqa: PLC0415

    install(app)
    app.wsgi_app = _FinishFirst(app.wsgi_app)
    _warm_in_background(app)


_VALIDATION_WARM_DELAY_S = 2.0


def _warm_in_background(app) -> None:
    """Start a query process without delaying the worker's first answer (/health needs none; a query that comes
    first simply waits for it); a little later, load the validation engine (shapes and reference data, about a
    second of work) so that the first description a user sends is checked as fast as the next."""
    state = app.extensions.get("fusiekg")
    if state is None:
        return

    def warm() -> None:
        try:
            state.warm()
        except Exception as exc:  # noqa: BLE001 - a warm-up failure shows again, clearly, on the first query
            print(f"fusiekg: query process warm-up failed: {exc}", file=sys.stderr, flush=True)
        if "validate" in app.blueprints:
            time.sleep(_VALIDATION_WARM_DELAY_S)  # after the worker's first answers, not in their way
            try:
                from .. import validation  # noqa: PLC0415 - rdflib and pyshacl load here, off the start path

                validation.engine()
            except Exception as exc:  # noqa: BLE001 - the first validation reports it
                print(f"fusiekg: validation warm-up failed: {exc}", file=sys.stderr, flush=True)

    threading.Thread(target=warm, name="fusiekg-warm", daemon=True).start()


def _ready_message(settings: Settings, url: str, workers: int, threads: int, server: str) -> str:
    where = settings.sparql_url or settings.store_dir
    return (f"fusiekg: serving {where} at {url} (SPARQL endpoint {url}sparql, {server}, {workers} worker(s) x "
            f"{threads} threads; Ctrl+C stops)")


# --- granian -----------------------------------------------------------------------------------------------------

def _settings_to_env(settings: Settings) -> str:
    return json.dumps({f.name: (str(v) if isinstance(v := getattr(settings, f.name), Path) else v)
                       for f in dataclasses.fields(settings)})


def _settings_from_env() -> Settings:
    raw = json.loads(os.environ[_SETTINGS_ENV])
    raw["store_dir"] = Path(raw["store_dir"])
    raw["service_allow"] = tuple(raw["service_allow"])
    return Settings(**raw)


def granian_app():
    """The app in one granian worker (called there, after the worker started)."""
    from . import create_app  # noqa: PLC0415 - imported in each worker

    app = create_app(_settings_from_env(), query_slots=int(os.environ.get(_THREADS_ENV, THREADS_PER_WORKER)))
    _prepare(app)
    return app


def _run_granian(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    from granian import Granian  # noqa: PLC0415 - only this server needs it
    from granian.constants import Interfaces  # noqa: PLC0415
    from granian.http import HTTP1Settings  # noqa: PLC0415

    os.environ[_SETTINGS_ENV] = _settings_to_env(settings)
    os.environ[_THREADS_ENV] = str(threads)
    url = _url(host, port)
    server = Granian(
        "fusiekg.web.server:granian_app",
        address=host, port=port, interface=Interfaces.WSGI, workers=workers,
        blocking_threads=threads,
        # Granian's backpressure bounds the *connections* a worker holds open, not the requests in flight: an idle
        # keep-alive connection keeps its place. Bounded by the thread count, a browser's fifth parallel connection
        # (a page with a few scripts and styles) waited for an idle one to time out, about 30 s. Requests beyond the
        # threads wait in granian's queue for a thread.
        backpressure=max(CONNECTIONS_PER_WORKER, threads),
        # Request headers up to our own request limit. A URL over 65 534 bytes is refused by hyper itself (a bare
        # 414 that never reaches the app; see docs/endpoint.md), so a long GET query works only up to that.
        http1_settings=HTTP1Settings(max_buffer_size=max(settings.max_request_bytes + 65536, 8192 + 4096 * 100)),
        log_access=False,  # the app writes its own access log line per request
        respawn_failed_workers=True,
        workers_kill_timeout=10,
    )
    server.on_startup(lambda: print(_ready_message(settings, url, workers, threads, "granian"), flush=True))
    sys.stdout.flush()
    server.serve(target_loader=granian_app, wrap_loader=False)


# --- gunicorn ----------------------------------------------------------------------------------------------------

def _run_gunicorn(settings: Settings, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415 - only this server needs it

    class FusiekgServer(BaseApplication):
        """gunicorn's programmatic API: options from our settings, the app from `create_app` in each worker."""

        def __init__(self, options: dict):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25: one shared socket path per user
                self.cfg.set("control_socket_disable", True)

        def load(self):
            from . import create_app  # noqa: PLC0415 - imported in each worker, after the fork

            app = create_app(settings, query_slots=threads)
            _prepare(app)
            return app

    url = _url(host, port)

    def when_ready(server) -> None:
        print(_ready_message(settings, url, workers, threads, "gunicorn"), flush=True)

    def worker_exit(server, worker) -> None:
        state = getattr(worker, "wsgi", None) and worker.wsgi.extensions.get("fusiekg")
        if state is not None:
            state.close()

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # gthread workers report to the arbiter from their main loop, so this only catches a hung worker.
        "timeout": max(60, int(settings.query_timeout_s) + 30),
        "graceful_timeout": 10,
        "keepalive": 5,
        # Long GET queries are allowed up to our own request limit (checked by the app, answered with 414).
        "limit_request_line": 0,
        "accesslog": None,  # the app writes its own access log line per request
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "fusiekg",
        "when_ready": when_ready,
        "worker_exit": worker_exit,
    }
    sys.stdout.flush()
    FusiekgServer(options).run()


def run_server(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
               threads: int = THREADS_PER_WORKER, server: str = DEFAULT_SERVER) -> None:
    """Serve until interrupted; prints the URL once the socket is bound. `AddressUnavailable` when the address is
    taken (checked first: granian would share a busy port instead of failing)."""
    if server not in SERVERS:
        raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")
    check_address(host, port)
    workers = workers or os.cpu_count() or 1
    if server == "granian":
        try:
            import granian  # noqa: F401, PLC0415
        except ImportError:
            print("fusiekg: granian is not installed (pip install granian); serving with gunicorn", file=sys.stderr)
            server = "gunicorn"
    (_run_granian if server == "granian" else _run_gunicorn)(settings, host, port, workers, threads)
