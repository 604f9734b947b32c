"""Relative IRIs in a query resolve against the request URL, as Oxigraph's server does (the W3C protocol test
`query_content_type_construct` sends `CONSTRUCT { <s> <p> 1 } WHERE {}`); a BASE in the query wins; FROM <relative>
resolves the same way; SERVICE <relative> is still refused and contacts nothing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import requests

from fusiekg import sparql
from fusiekg.store import LocalStore, write_store

CONSTRUCT = "CONSTRUCT { <s> <p> 1 } WHERE {}"
NT = "application/n-triples"


def _triple(body: bytes) -> ox.Triple:
    (triple,) = list(ox.parse(body, ox.RdfFormat.N_TRIPLES))
    return triple


@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
def test_relative_iris_resolve_against_the_request_url(server, how):
    url = server + "/sparql"
    if how == "GET":
        resp = requests.get(url, params={"query": CONSTRUCT}, headers={"Accept": NT})
    elif how == "POST form":
        resp = requests.post(url, data={"query": CONSTRUCT}, headers={"Accept": NT})
    else:
        resp = requests.post(url, data=CONSTRUCT, headers={"Content-Type": "application/sparql-query", "Accept": NT})
    assert resp.status_code == 200, resp.text
    triple = _triple(resp.content)
    assert triple.subject == ox.NamedNode(server + "/s") and triple.predicate == ox.NamedNode(server + "/p")


def test_base_in_the_query_wins_and_expressions_resolve_too(server):
    resp = requests.get(server + "/sparql", params={"query": "BASE <http://example.org/a/> " + CONSTRUCT},
                        headers={"Accept": NT})
    assert _triple(resp.content).subject == ox.NamedNode("http://example.org/a/s")
    resp = requests.get(server + "/sparql", params={"query": "SELECT (STR(<x?y#z>) AS ?iri) {}", "format": "json"})
    assert resp.json()["results"]["bindings"][0]["iri"]["value"] == server + "/x?y#z"


def test_service_with_a_relative_iri_is_refused(server, listener):
    resp = requests.get(server + "/sparql", params={"query": "SELECT * { SERVICE <sparql> { ?s ?p ?o } }"})
    assert resp.status_code == 400 and "SERVICE <sparql> is not allowed" in resp.text
    resp = requests.get(server + "/sparql", params={
        "query": f"BASE <{listener.url}/> SELECT * {{ SERVICE <x> {{ ?s ?p ?o }} }}"})
    assert resp.status_code == 400
    assert listener.contacted == 0


def test_from_with_a_relative_iri_resolves_the_same_way(tmp_path):
    g = ox.NamedNode("http://example.org/base/g")
    quad = ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"), g)
    write_store(tmp_path / "store", [quad], {"build_id": "x", "graphs": {g.value: 1}, "triples": 1})
    store = LocalStore(tmp_path / "store")
    query = "SELECT ?o FROM <g> WHERE { ?s ?p ?o }"
    res = sparql.run(store, query, "text/csv", base_iri="http://example.org/base/sparql")
    assert res.body.decode().split() == ["o", "o"]
    elsewhere = sparql.run(store, query, "text/csv", base_iri="http://example.org/other/sparql")
    assert elsewhere.body.decode().split() == ["o"]  # no such graph there: header only
