"""Shared fixtures: one real build per test session, and a real server over it for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from fusiekg.config import Settings
from fusiekg.store import LocalStore

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory) -> Path:
    """A store built from the shipped sources (or $FUSIEKG_TEST_STORE, to reuse one while developing)."""
    reuse = os.environ.get("FUSIEKG_TEST_STORE")
    if reuse:
        return Path(reuse)
    from fusiekg.build import build

    path = tmp_path_factory.mktemp("kg") / "store"
    build(Settings(store_dir=path))
    return path


@pytest.fixture(scope="session")
def kg(store_dir) -> LocalStore:
    return LocalStore(store_dir)


@pytest.fixture(scope="module")
def client(store_dir):
    """A Flask test client of the app over the built store (its query processes are closed afterwards)."""
    from fusiekg.web import create_app

    app = create_app(Settings(store_dir=store_dir))
    yield app.test_client()
    app.extensions["fusiekg"].close()


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts: a stand-in for "the internet", to prove
    that nothing a user sends makes us open a connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._baseline = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    @property
    def contacted(self) -> int:
        """Connections made since the fixture's own check."""
        return self.connections - self._baseline

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    """A Listener that has been shown to count: its own test connection is counted before the test starts."""
    lst = Listener()
    socket.create_connection(("127.0.0.1", lst.port), timeout=2).close()
    deadline = time.time() + 5
    while lst.connections == 0 and time.time() < deadline:
        time.sleep(0.02)
    assert lst.connections == 1, "the listener does not count connections"
    lst._baseline = 1
    yield lst
    lst.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drain(proc: subprocess.Popen) -> None:
    """Read the server's output as it comes (one access-log line per request would otherwise fill the pipe and
    block the server); `server_output(proc)` returns what was read so far."""
    lines: list[str] = []
    proc._fusiekg_output = lines  # type: ignore[attr-defined]

    def pump() -> None:
        for line in proc.stdout:
            lines.append(line)

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    proc._fusiekg_reader = t  # type: ignore[attr-defined]


def server_output(proc: subprocess.Popen) -> str:
    return "".join(getattr(proc, "_fusiekg_output", []))


def start_server(args: list[str], env: dict | None = None, wait_s: float = 60) -> tuple[subprocess.Popen, str]:
    """Start `fusiekg serve` in a subprocess on a free loopback port; return it once /health answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fusiekg", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    _drain(proc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + wait_s
    while time.time() < deadline:
        if proc.poll() is not None:
            proc._fusiekg_reader.join(timeout=5)
            raise RuntimeError(f"server exited early:\n{server_output(proc)}")
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"server did not answer on {url} within {wait_s} s:\n{server_output(proc)}")


def stop_server(proc: subprocess.Popen) -> str:
    """Stop the server; return everything it printed."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc._fusiekg_reader.join(timeout=5)
    return server_output(proc)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium driven by Playwright (never `playwright install`: no browser downloads here);
    the browser tests skip, saying why, when either is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                                                                 "(pip install -e '.[test]')")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(store_dir):
    """Base URL of a real `fusiekg serve` over the session's store, with a short time limit for tests (no row cap,
    as by default: the tests about the cap start their own server)."""
    proc, url = start_server(["--store", str(store_dir), "--workers", "2", "--query-timeout", "3"])
    yield url
    stop_server(proc)
