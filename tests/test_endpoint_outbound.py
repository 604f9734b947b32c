"""No outbound traffic: nothing a user sends makes the server open a connection or read a local file.

A local TCP listener stands in for "the internet": SERVICE (refused), LOAD (refused as an update), FROM / FROM NAMED
and default-graph-uri / named-graph-uri naming it (just empty graphs) must never reach it.
"""

from __future__ import annotations

import requests

JSON = "application/sparql-results+json"


def test_nothing_reaches_a_local_listener(server, listener):
    sparql = server + "/sparql"
    target = listener.url
    refused = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{target}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{target}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"LOAD <{target}data.ttl>",
        f"LOAD SILENT <{target}data.ttl> INTO GRAPH <https://example.org/g>",
    ]
    for q in refused:
        resp = requests.post(sparql, data={"query": q})
        assert resp.status_code == 400, (q, resp.text)
    assert requests.post(sparql, data={"update": f"LOAD <{target}>"}).status_code == 400

    empty = [
        ({"query": f"SELECT (COUNT(*) AS ?n) FROM <{target}> WHERE {{ ?s ?p ?o }}"}),
        ({"query": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}),
        ({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri": target}),
        ({"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": target}),
        ({"query": "SELECT (COUNT(*) AS ?n) FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}),
        ({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri": "file:///etc/hostname"}),
    ]
    for params in empty:
        resp = requests.get(sparql, params=params, headers={"Accept": JSON})
        assert resp.status_code == 200, (params, resp.text)
        assert resp.json()["results"]["bindings"][0]["n"]["value"] == "0", params
    # A DESCRIBE of the listener's IRI only looks in the store.
    resp = requests.get(sparql, params={"query": f"DESCRIBE <{target}>"}, headers={"Accept": "application/n-triples"})
    assert resp.status_code == 200 and resp.text.strip() == ""

    assert listener.contacted == 0, "the server opened a connection to the listener"
