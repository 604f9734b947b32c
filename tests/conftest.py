"""Shared fixtures: one real build per test session, and a real server over it for end-to-end tests."""

from __future__ import annotations

import os
import signal
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


WAIT_S = 120  # how long a test waits for something that must happen (a server answering, a connection counted):
# generous, because the verdict must not depend on how busy the machine is; what is on time returns at once


def wait_until(condition, what: str, wait_s: float = WAIT_S, interval: float = 0.02):
    """Wait until `condition()` returns something true, and return it; fail the test after `wait_s`."""
    deadline = time.monotonic() + wait_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {wait_s} s")
        time.sleep(interval)


def processes() -> dict[int, dict]:
    """Every process now, from /proc: pid → {"ppid", "pgid", "state", "cpu_s" (user + system), "cmdline"}."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found[int(entry)] = {"state": fields[0], "ppid": int(fields[1]), "pgid": int(fields[2]), "cmdline": cmdline,
                             "cpu_s": (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")}
    return found


def descendants(root: int, table: dict[int, dict]) -> list[int]:
    """The processes under `root` in a `processes()` table."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        kids = [p for p, info in table.items() if info["ppid"] == pid]
        out.extend(kids)
        todo.extend(kids)
    return out


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
        self._own = 0  # connections the fixture made itself
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

    def settle(self) -> None:
        """Make sure every connection made so far is counted: connect once more and wait until that one is, since
        connections are accepted in the order they came (a connection waiting in the backlog would otherwise be
        missed by a check made right after the request that caused it)."""
        expected = self.connections + 1
        socket.create_connection(("127.0.0.1", self.port), timeout=WAIT_S).close()
        self._own += 1
        wait_until(lambda: self.connections >= expected, "the listener did not count a connection")

    @property
    def contacted(self) -> int:
        """Connections made by others so far (settled first, so none still waiting in the backlog is missed)."""
        self.settle()
        return self.connections - self._own

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    """A Listener that has been shown to count: its own test connection is counted before the test starts."""
    lst = Listener()
    lst.settle()
    assert lst.connections == 1, "the listener does not count connections"
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


def http_ok(url: str, proc: subprocess.Popen | None = None, what: str = "the server") -> bool:
    """True when a GET of `url` answers 200; fails the test when `proc` (the server) has exited."""
    if proc is not None and proc.poll() is not None:
        reader = getattr(proc, "_fusiekg_reader", None)
        if reader is not None:
            reader.join(timeout=5)
        pytest.fail(f"{what} exited early (code {proc.returncode}):\n{server_output(proc)}")
    try:
        return requests.get(url, timeout=10).status_code == 200
    except requests.RequestException:
        return False


def wait_for_http(url: str, proc: subprocess.Popen, what: str, wait_s: float = WAIT_S) -> None:
    """Wait until `url` answers 200 (a server that exits or never answers fails the test, saying why)."""
    try:
        wait_until(lambda: http_ok(url, proc, what), f"{what} did not answer on {url}", wait_s, interval=0.2)
    except BaseException:
        kill(proc)
        raise


def kill(proc: subprocess.Popen) -> None:
    """Kill a process at once, with its whole session when it has one of its own (a server's workers)."""
    if proc.poll() is None:
        try:
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.kill()
    proc.wait()


def start_server(args: list[str], env: dict | None = None, wait_s: float = WAIT_S) -> tuple[subprocess.Popen, str]:
    """Start `fusiekg serve` in a subprocess on a free loopback port; return it once /health answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fusiekg", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # so that a server that will not stop can be killed with all its workers
    )
    _drain(proc)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/health", proc, "fusiekg serve", wait_s)
    return proc, url


def stop_server(proc: subprocess.Popen) -> str:
    """Stop the server (gracefully; killed with its workers if it does not stop); return everything it printed."""
    proc.terminate()
    try:
        proc.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        kill(proc)
    proc._fusiekg_reader.join(timeout=WAIT_S)  # until every process that shares its output has ended
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
    """Base URL of a real `fusiekg serve` (granian, the default) over the session's store, as by default: no row cap
    (the tests about the cap start their own server). Its time limits (queries, validation) are far above what any
    request of the tests needs, also on a busy machine: a test that needs work stopped makes a server or app of its
    own (test_endpoint_limits, test_validation_process)."""
    proc, url = start_server(["--store", str(store_dir), "--workers", "2", "--query-timeout", "120"],
                             env={"FUSIEKG_VALIDATE_TIMEOUT": "120"})
    yield url
    stop_server(proc)
