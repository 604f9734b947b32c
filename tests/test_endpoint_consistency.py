"""The same query gets the same answer, byte for byte, whichever worker and whichever lane (a query process or the
web worker itself) answers it, and the endpoint's blank nodes are the dumps' blank nodes. Through a real server with
two workers and the answer cache off, so that every answer is computed anew; with the store on disk (the default)
and with the opt-in copy in memory."""

from __future__ import annotations

import gzip
import re
import time
from collections import Counter

import pyoxigraph as ox
import pytest
import requests

from conftest import server_output, start_server, stop_server

QUERIES = {
    "the issue's query": ("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s ?p ?o LIMIT 5", "json"),
    "an unordered page": ("SELECT * { ?s ?p ?o } LIMIT 50 OFFSET 1000", "json"),
    "blank nodes": ("PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#> "
                    "SELECT ?m ?i ?b WHERE { ?m org:memberDuring ?i . ?i time:hasBeginning ?b } LIMIT 40", "csv"),
    "a construct": ("PREFIX org: <http://www.w3.org/ns/org#> "
                    "CONSTRUCT { ?m org:memberDuring ?i . ?i ?p ?o } WHERE { ?m org:memberDuring ?i . ?i ?p ?o } "
                    "LIMIT 100", "ttl"),
    "a group_concat": ("PREFIX org: <http://www.w3.org/ns/org#> SELECT ?org (GROUP_CONCAT(STR(?m); separator=' ') "
                       "AS ?members) WHERE { ?x org:organization ?org ; org:member ?m } GROUP BY ?org", "xml"),
}
ROUNDS = 40  # at most; each query is sent until both workers have answered it at least twice
_PID = re.compile(r"\[access\] \[(\d+)\] GET /sparql 200 ")


@pytest.fixture(scope="module", params=["on disk", "copied into memory"])
def two_workers(request, store_dir):
    """A server with two workers, no answer cache, and every query that a query process answered once run inline
    from then on (a threshold no query reaches), so a worker's first answer to a text comes from a query process and
    every later one from the worker itself; answering from the store's files (the default) or, opt-in, from a copy
    in memory in every process."""
    env = {"FUSIEKG_CACHE_ENTRIES": "0", "FUSIEKG_INLINE_QUERY_MS": "600000",
           "FUSIEKG_MEMORY_TRIPLES": "0" if request.param == "on disk" else "100000000"}
    proc, url = start_server(["--store", str(store_dir), "--workers", "2"], env=env)
    yield proc, url
    stop_server(proc)


def _sparql_lines(proc) -> list[str]:
    return [m.group(1) for m in map(_PID.search, server_output(proc).splitlines()) if m]


def _wait_for_log(proc, count: int) -> list[str]:
    """The worker pids of the /sparql log lines, once all `count` requests sent so far are logged (the line of an
    answer may be written just after the client has it)."""
    deadline = time.monotonic() + 30  # a guard against a hang, not a measure of speed
    while len(pids := _sparql_lines(proc)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return pids


def test_every_worker_and_lane_gives_byte_identical_answers(two_workers):
    proc, url = two_workers
    sent = len(_wait_for_log(proc, 0))
    for name, (query, fmt) in QUERIES.items():
        start, bodies, answered_by = sent, Counter(), Counter()
        for _ in range(ROUNDS):
            # a new connection each time, so that either worker may take it
            resp = requests.get(url + "/sparql", params={"query": query, "format": fmt}, timeout=60,
                                headers={"Connection": "close"})
            assert resp.status_code == 200, (name, resp.text[:300])
            bodies[resp.content] += 1
            sent += 1
            answered_by = Counter(_wait_for_log(proc, sent)[start:sent])
            if len(answered_by) == 2 and min(answered_by.values()) >= 2:
                break
        assert len(bodies) == 1, f"{name}: {len(bodies)} different answers over {sum(bodies.values())} requests"
        # both workers answered, each first from a query process and then from the worker itself
        assert len(answered_by) == 2 and min(answered_by.values()) >= 2, (name, answered_by)


def test_the_endpoint_shows_the_blank_nodes_of_the_dumps(two_workers, store_dir):
    _, url = two_workers
    query = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }"
    resp = requests.get(url + "/sparql", params={"query": query, "format": "json"}, timeout=60)
    assert resp.status_code == 200

    def term(b: dict) -> str:
        if b["type"] == "bnode":
            return f"_:{b['value']}"
        if b["type"] == "uri":
            return f"<{b['value']}>"
        return str(ox.Literal(b["value"], language=b.get("xml:lang"),
                              datatype=ox.NamedNode(b["datatype"]) if "datatype" in b else None))

    served = {" ".join(term(row[v]) for v in ("s", "p", "o", "g")) for row in resp.json()["results"]["bindings"]}
    dump = {str(q) for q in ox.parse(gzip.decompress((store_dir / "dumps" / "all.nq.gz").read_bytes()),
                                     ox.RdfFormat.N_QUADS)
            if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)}
    assert len(served) > 1500 and served == dump  # periods and instants of memberships have IRIs, not blank nodes
