"""No outbound traffic: nothing a user sends makes the server open a connection or read a local file.

A local TCP listener stands in for "the internet": SERVICE (refused), LOAD (refused as an update), FROM / FROM NAMED
and default-graph-uri / named-graph-uri naming it (just empty graphs) must never reach it.
"""

from __future__ import annotations

import socket
import threading

import pytest
import requests

JSON = "application/sparql-results+json"


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    # The listener works: a connection is counted (so a count of 1 below means the server never connected).
    socket.create_connection(("127.0.0.1", lst.port), timeout=2).close()
    for _ in range(50):
        if lst.connections:
            break
        threading.Event().wait(0.05)
    assert lst.connections == 1
    yield lst
    lst.close()


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

    threading.Event().wait(0.5)  # any connection attempt would have arrived by now
    assert listener.connections == 1, "the server opened a connection to the listener"
