"""`fusiekg serve`: the app under gunicorn (a production WSGI server), one worker process per core by default.

Workers use the `gthread` class: a few threads each, and each worker keeps as many query processes as threads
(see `executor`), so a slow query holds one thread and one query process while the others keep answering.
"""

from __future__ import annotations

import os
import sys

from gunicorn.app.base import BaseApplication

from ..config import Settings

THREADS_PER_WORKER = 4


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


class FusiekgServer(BaseApplication):
    """gunicorn's programmatic API: options from our settings, the app from `create_app` in each worker."""

    def __init__(self, settings: Settings, options: dict, threads: int):
        self.settings, self.options, self.threads = settings, options, threads
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25: one shared socket path per user
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from . import create_app  # noqa: PLC0415 - imported in each worker, after the fork

        return create_app(self.settings, query_slots=self.threads)


def _post_worker_init(worker) -> None:
    """Start a query process before the worker takes requests, so the first query is as fast as the rest."""
    state = worker.wsgi.extensions.get("fusiekg")
    if state is not None:
        try:
            state.warm()
        except Exception as exc:  # noqa: BLE001 - a warm-up failure shows again, clearly, on the first query
            worker.log.warning("query process warm-up failed: %s", exc)


def _worker_exit(server, worker) -> None:
    state = getattr(worker, "wsgi", None) and worker.wsgi.extensions.get("fusiekg")
    if state is not None:
        state.close()


def run_server(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
               threads: int = THREADS_PER_WORKER) -> None:
    """Serve until interrupted; prints the URL once the socket is bound."""
    workers = workers or os.cpu_count() or 1
    url = _url(host, port)

    def when_ready(server) -> None:
        print(f"fusiekg: serving {settings.store_dir} at {url} (SPARQL endpoint {url}sparql, "
              f"{workers} worker(s) x {threads} threads; Ctrl+C stops)", flush=True)

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
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
    }
    sys.stdout.flush()
    FusiekgServer(settings, options, threads).run()
