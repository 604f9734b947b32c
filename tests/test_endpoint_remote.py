"""`fusiekg serve --sparql-url`: the same endpoint over an external SPARQL server (here Oxigraph's own server on a
copy of the build's dump): same answers, same limits, same service description."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef

from conftest import free_port, start_server, stop_server, wait_for_http
from fusiekg.namespaces import G_ONTOLOGY, SD
from fusiekg.store import read_manifest

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

pytestmark = pytest.mark.skipif(not Path(OXIGRAPH).exists(), reason="the oxigraph server (pip install oxigraph) "
                                                                    "is not installed")


@pytest.fixture(scope="module")
def oxigraph(store_dir, tmp_path_factory):
    """Oxigraph's server over a copy of the build's dump; yields (its query URL, a scratch folder)."""
    tmp = tmp_path_factory.mktemp("oxigraph")
    nq = tmp / "all.nq"
    with gzip.open(Path(store_dir) / "dumps" / "all.nq.gz", "rb") as src, nq.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    subprocess.run([OXIGRAPH, "load", "--location", str(tmp / "db"), "--file", str(nq)], check=True,
                   capture_output=True)
    port = free_port()
    ox = subprocess.Popen([OXIGRAPH, "serve-read-only", "--location", str(tmp / "db"), "--bind",
                           f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ox_url = f"http://127.0.0.1:{port}/query"
    wait_for_http(ox_url + "?query=ASK%7B%7D", ox, "oxigraph serve-read-only")
    yield ox_url, tmp
    ox.terminate()
    ox.wait(10)


@pytest.fixture(scope="module")
def over_oxigraph(oxigraph):
    ox_url, tmp = oxigraph
    proc, url = start_server(["--store", str(tmp / "no-local-store"), "--sparql-url", ox_url, "--workers", "1",
                              "--max-rows", "100"])
    yield url
    stop_server(proc)


def test_complete_answers_and_the_byte_limit_over_a_remote_store(oxigraph, kg):
    """No row cap: the whole answer, streamed in and out; past the byte limit a 422, never a cut 200."""
    ox_url, tmp = oxigraph
    proc, url = start_server(["--store", str(tmp / "no-local-store"), "--sparql-url", ox_url, "--workers", "1",
                              "--max-result-bytes", "8000000"])
    try:
        # one graph (about 2.5 MB as JSON) whole, then four copies of it (about 10 MB) past the 8 MB limit
        graph = "GRAPH <https://w3id.org/fusiekg/graph/municipalities> { ?s ?p ?o }"
        total = int(kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {graph} }}")[0]["n"])
        whole = requests.get(url + "/sparql", params={"query": f"SELECT * WHERE {{ {graph} }}"}, headers={"Accept": JSON})
        assert whole.status_code == 200 and "Fusiekg-Truncated" not in whole.headers
        assert len(whole.json()["results"]["bindings"]) == total
        doubled = f"SELECT * WHERE {{ {graph} VALUES ?copy {{ 1 2 3 4 }} }}"
        over = requests.get(url + "/sparql", params={"query": doubled}, headers={"Accept": JSON})
        assert over.status_code == 422 and "larger than 8000000 bytes" in over.text
        relative = requests.post(url + "/sparql", data="CONSTRUCT { <s> <p> 1 } WHERE {}",
                                 headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
        assert relative.status_code == 200 and relative.text.startswith(f"<{url}/s> <{url}/p> ")
    finally:
        stop_server(proc)


def test_same_answers_as_the_local_store(over_oxigraph, kg):
    resp = requests.get(over_oxigraph + "/sparql", params={"query": COUNT}, headers={"Accept": JSON})
    assert resp.status_code == 200
    assert resp.json()["results"]["bindings"][0]["n"]["value"] == kg.select(COUNT)[0]["n"]
    narrowed = requests.get(over_oxigraph + "/sparql", params={"query": COUNT, "default-graph-uri": str(G_ONTOLOGY)},
                            headers={"Accept": JSON})
    local = kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G_ONTOLOGY}> {{ ?s ?p ?o }} }}")[0]["n"]
    assert narrowed.json()["results"]["bindings"][0]["n"]["value"] == local


def test_limits_and_refusals_hold_over_a_remote_store(over_oxigraph):
    cut = requests.get(over_oxigraph + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert cut.status_code == 200 and cut.headers["Fusiekg-Truncated"] == "100"
    update = requests.post(over_oxigraph + "/sparql", data={"query": "CLEAR ALL"})
    assert update.status_code == 400 and "read-only" in update.text
    bad = requests.get(over_oxigraph + "/sparql", params={"query": "SELECT {"})
    assert bad.status_code == 400


def test_description_and_health_count_the_remote_graphs(over_oxigraph, store_dir):
    manifest = read_manifest(store_dir)
    health = requests.get(over_oxigraph + "/health").json()
    assert health["status"] == "ok" and health["graphs"] == manifest["graphs"]
    g = Graph().parse(data=requests.get(over_oxigraph + "/sparql", headers={"Accept": "text/turtle"}).text,
                      format="turtle")
    names = {str(n) for n in g.objects(None, SD.name)}
    assert names == set(manifest["graphs"])
    assert (None, SD.endpoint, URIRef(over_oxigraph + "/sparql")) in g
