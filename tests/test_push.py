"""`fusiekg push` into an external store, then `fusiekg serve --sparql-url` over it: an operator who moves the data
to an existing triple store (here Oxigraph's own server, read-write, empty, on loopback) keeps the same service with
the same answers as the embedded store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from conftest import free_port, start_server, stop_server, wait_for_http
from fusiekg import resources
from fusiekg.store import read_manifest

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
JSON = "application/sparql-results+json"
# The competency queries and the temporal ones, all SELECTs over the default graph (the union of the graphs).
QUERY_NUMBERS = [*range(1, 13), 20, 21, 22, 23, 30]

pytestmark = pytest.mark.skipif(not Path(OXIGRAPH).exists(), reason="the oxigraph server (pip install oxigraph, in "
                                                                    "the test extra) is not installed")


@pytest.fixture(scope="module")
def external(tmp_path_factory):
    """An empty, read-write `oxigraph serve` on a free loopback port: (GSP URL, query URL)."""
    port = free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(tmp_path_factory.mktemp("external") / "db"),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/query?query=ASK%7B%7D", proc, "oxigraph serve")
    yield base + "/store", base + "/query"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def pushed(external, store_dir):
    gsp, query = external
    res = subprocess.run([sys.executable, "-m", "fusiekg", "push", "--store", str(store_dir), "--to", gsp,
                          "--sparql-url", query], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return res


def remote_counts(query_url: str) -> dict[str, int]:
    resp = requests.get(query_url, params={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                                    "GROUP BY ?g"}, headers={"Accept": JSON}, timeout=60)
    assert resp.status_code == 200, resp.text
    return {b["g"]["value"]: int(b["n"]["value"]) for b in resp.json()["results"]["bindings"]}


def test_push_loads_every_graph_with_the_same_triple_count(pushed, external, store_dir):
    manifest = read_manifest(store_dir)
    assert remote_counts(external[1]) == manifest["graphs"]
    out = pushed.stdout + pushed.stderr
    assert f"pushed {manifest['triples']} triples in {len(manifest['graphs'])} graphs" in out
    assert "verified" in out  # the counts were checked on the server, not only sent


def test_push_again_replaces_instead_of_doubling(pushed, external, store_dir):
    gsp, query = external
    res = subprocess.run([sys.executable, "-m", "fusiekg", "push", "--store", str(store_dir), "--to", gsp,
                          "--sparql-url", query], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert remote_counts(query) == read_manifest(store_dir)["graphs"]


def test_push_to_a_server_that_is_not_there_says_so(store_dir):
    res = subprocess.run([sys.executable, "-m", "fusiekg", "push", "--store", str(store_dir), "--to",
                          f"http://127.0.0.1:{free_port()}/store"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    assert "cannot reach the Graph Store endpoint" in res.stderr


@pytest.fixture(scope="module")
def served_over_external(pushed, external, tmp_path_factory):
    """`fusiekg serve --sparql-url` over the pushed data, with no local store at all."""
    proc, url = start_server(["--store", str(tmp_path_factory.mktemp("none") / "no-local-store"),
                              "--sparql-url", external[1], "--workers", "1"])
    yield url
    stop_server(proc)


def _canonical(bindings: list[dict]) -> list[str]:
    """A result's rows as a sorted list of canonical strings (the row order of ties may differ between servers)."""
    return sorted(json.dumps(b, sort_keys=True) for b in bindings)


def _query_text(number: int) -> str:
    files = sorted(resources.path("queries").glob(f"{number:02d}-*.rq"))
    assert len(files) == 1, files
    return files[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("number", QUERY_NUMBERS)
def test_competency_and_temporal_queries_answer_the_same_over_the_external_store(served_over_external, kg, number):
    from fusiekg import sparql

    query = _query_text(number)
    embedded = json.loads(sparql.run(kg, query, JSON, max_rows=100_000).body)["results"]["bindings"]
    resp = requests.post(served_over_external + "/sparql", data={"query": query}, headers={"Accept": JSON},
                         timeout=120)
    assert resp.status_code == 200, resp.text[:500]
    external = resp.json()["results"]["bindings"]
    assert embedded, f"query {number} has no answer on the embedded store: the comparison would prove nothing"
    assert _canonical(external) == _canonical(embedded)


def test_health_over_the_external_store_counts_its_graphs(served_over_external, store_dir):
    body = requests.get(served_over_external + "/health", timeout=60).json()
    assert body["status"] == "ok" and body["graphs"] == read_manifest(store_dir)["graphs"]
