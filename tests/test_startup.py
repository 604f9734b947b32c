"""`fusiekg serve` on a store that is already built starts without rebuilding and without the build's heavy
machinery (reasoner, SHACL), on either HTTP server."""

from __future__ import annotations

import subprocess
import sys

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
                            timeout=30)
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
