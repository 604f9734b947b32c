"""`fusiekg serve` on a store that is already built starts without rebuilding and without the build's heavy
machinery (reasoner, SHACL), on either HTTP server, and never on a port another server listens on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from conftest import start_server, stop_server
from fusiekg.store import read_manifest

JSON = "application/sparql-results+json"


def test_serve_reuses_a_current_store(store_dir):
    before = read_manifest(store_dir)
    proc, url = start_server(["--store", str(store_dir), "--workers", "1"])
    try:
        health = requests.get(url + "/health", timeout=10).json()
    finally:
        out = stop_server(proc)
    assert health["build_id"] == before["build_id"]
    assert read_manifest(store_dir)["build_id"] == before["build_id"]
    assert "rebuilding" not in out and "reason" not in out


def test_serve_does_not_load_the_reasoner_or_shacl_when_the_store_is_current(store_dir):
    """What `serve` runs before its HTTP server takes over, and what each worker loads, in a fresh interpreter."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fusiekg.build import ensure_built\n"
        "from fusiekg.config import Settings\n"
        "from fusiekg.web import create_app\n"
        "import fusiekg.web.server\n"
        f"settings = Settings(store_dir=Path({str(store_dir)!r}))\n"
        "ensure_built(settings)\n"
        "create_app(settings)\n"
        "print(sorted(m for m in ('owlrl', 'pyshacl', 'reasonable',"
        " 'fusiekg.importers.register') if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_both_http_servers_serve_the_endpoint(store_dir, server):
    proc, url = start_server(["--store", str(store_dir), "--workers", "1", "--server", server])
    try:
        resp = requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON},
                            timeout=120)
        assert resp.status_code == 200 and resp.json()["boolean"] is True
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        out = stop_server(proc)
    assert f"{server}, 1 worker(s)" in out
    assert "GET /sparql 200" in out  # the access log works on both


def test_an_unknown_server_is_refused_with_the_choices(store_dir):
    res = subprocess.run([sys.executable, "-m", "fusiekg", "serve", "--store", str(store_dir), "--server", "nginx"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "granian" in res.stderr and "gunicorn" in res.stderr


def test_open_keep_alive_connections_do_not_hold_up_a_new_one(server):
    """A browser keeps up to six connections open to one host. Granian's backpressure counts open connections, so
    with it at the thread count a new connection waited until an idle one timed out (about 30 s): a page with a few
    scripts and styles hung. Here more connections stay open than the workers have threads, and each new one is
    still answered (the socket timeout only guards against that hang)."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(server)
    held = []
    try:
        for _ in range(16):  # the session server has 2 workers x 4 threads
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=20)
            conn.request("GET", "/health")
            resp = conn.getresponse()
            assert resp.status == 200
            resp.read()
            held.append(conn)  # kept open and idle, as a browser does
    finally:
        for conn in held:
            conn.close()
    assert len(held) == 16


@pytest.fixture(scope="module")
def other_build(store_dir, tmp_path_factory) -> Path:
    """A copy of the store under another build id, so that an answer shows which server gave it."""
    copy = tmp_path_factory.mktemp("other") / "store"
    shutil.copytree(store_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["build_id"] = "another-build"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return copy


def _serve_on(port: int, store: Path, server: str) -> tuple[int, str]:
    """`fusiekg serve` on a given port: (exit code, output). A server that starts and serves never exits: it is
    stopped with all its processes and fails the test."""
    proc = subprocess.Popen([sys.executable, "-m", "fusiekg", "serve", "--store", str(store), "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1", "--server", server],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # granian's workers outlive a killed main process
        out, _ = proc.communicate()
        pytest.fail(f"a second {server} on the busy port {port} kept running:\n{out}")
    return proc.returncode, out


@pytest.mark.parametrize("first", ["granian", "gunicorn"])
def test_a_second_server_on_a_busy_port_is_refused_and_the_first_keeps_answering(store_dir, other_build, first):
    proc, url = start_server(["--store", str(store_dir), "--workers", "1", "--server", first])
    port = urlsplit(url).port
    try:
        build = requests.get(url + "/health", timeout=120).json()["build_id"]
        for second in ("granian", "gunicorn"):
            code, out = _serve_on(port, other_build, second)
            assert code == 1, (second, out)
            assert f"cannot serve on 127.0.0.1:{port}: the address is already in use" in out
            assert "--port" in out and "Listening" not in out
        # Every new connection reaches the first server, with its own build.
        builds = {requests.get(url + "/health", timeout=120).json()["build_id"] for _ in range(20)}
        assert builds == {build} and build != "another-build"
    finally:
        stop_server(proc)


def test_any_other_listener_on_the_port_is_refused(other_build):
    with socket.socket() as other:  # as granian binds: SO_REUSEPORT, which a second granian would share
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        for server in ("granian", "gunicorn"):
            code, out = _serve_on(port, other_build, server)
            assert code == 1 and f"127.0.0.1:{port}" in out and "already in use" in out, out
