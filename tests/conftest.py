"""Shared fixtures: one real build per test session, and a real server over it for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: list[str], env: dict | None = None, wait_s: float = 60) -> tuple[subprocess.Popen, str]:
    """Start `fusiekg serve` in a subprocess on a free loopback port; return it once /health answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fusiekg", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + wait_s
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{proc.stdout.read()}")
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not answer on {url} within {wait_s} s:\n{proc.stdout.read()}")


def stop_server(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


@pytest.fixture(scope="session")
def server(store_dir):
    """Base URL of a real `fusiekg serve` (gunicorn) over the session's store, with short limits for tests."""
    proc, url = start_server(["--store", str(store_dir), "--workers", "2", "--query-timeout", "3",
                              "--max-rows", "1000"])
    yield url
    stop_server(proc)
