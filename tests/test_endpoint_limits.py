"""Limits and operations over HTTP against real servers: the time limit (a real stop, never a cut 200), one slow
query not stalling others, an operator's row cap and its markers, request size, CORS, /health and the access log."""

from __future__ import annotations

import csv
import io
import re
import threading
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
import requests

from conftest import start_server, stop_server
from fusiekg.store import read_manifest

JSON = "application/sparql-results+json"
SRX = "http://www.w3.org/2005/sparql-results#"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FAST = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?t }"


@pytest.fixture(scope="module")
def limited(store_dir):
    """One web worker (so that concurrency comes from its threads and query processes), a 4 s time limit, a
    small request limit; yields (url, output-after-stop holder)."""
    proc, url = start_server(["--store", str(store_dir), "--workers", "1", "--query-timeout", "4", "--max-rows", "50"],
                             env={"FUSIEKG_MAX_REQUEST_BYTES": "20000"})
    holder: dict[str, str] = {}
    yield url, holder
    holder["output"] = stop_server(proc)


def test_slow_query_is_stopped_with_503_while_fast_ones_are_answered(limited):
    url, _ = limited
    slow_result: dict = {}

    def run_slow():
        slow_result["resp"] = requests.post(url + "/sparql", data={"query": SLOW}, headers={"Accept": JSON},
                                            timeout=60)

    slow = threading.Thread(target=run_slow)
    slow.start()
    slow.join(0.5)  # give the slow query time to reach its query process
    answered = 0
    for _ in range(5):
        resp = requests.get(url + "/sparql", params={"query": FAST}, headers={"Accept": JSON}, timeout=60)
        assert resp.status_code == 200
        answered += 1
    # The fast queries were all answered while the slow one still ran on the same (single) worker.
    assert slow.is_alive() and answered == 5
    slow.join(60)
    resp = slow_result["resp"]
    assert resp.status_code == 503
    assert "limit of 4 s" in resp.text
    assert not resp.headers["Content-Type"].startswith(JSON)  # an error body, not a (cut) result
    # The stopped query process was replaced: the endpoint keeps answering.
    again = requests.get(url + "/sparql", params={"query": FAST}, headers={"Accept": JSON}, timeout=60)
    assert again.status_code == 200


def test_time_limit_is_a_setting(store_dir):
    proc, url = start_server(["--store", str(store_dir), "--workers", "1", "--query-timeout", "1"])
    try:
        resp = requests.get(url + "/sparql", params={"query": SLOW}, headers={"Accept": "application/json"},
                            timeout=60)
        assert resp.status_code == 503
        body = resp.json()
        assert body["status"] == 503 and "limit of 1 s" in body["message"]
        health = requests.get(url + "/health").json()
        assert health["limits"]["query_timeout_s"] == 1
    finally:
        stop_server(proc)


def test_row_cap_cuts_and_says_so_in_headers_and_body(limited):
    """This server is started with --max-rows 50 (an operator's cap; there is none by default)."""
    url, _ = limited
    everything = "SELECT * WHERE { ?s ?p ?o }"
    resp = requests.get(url + "/sparql", params={"query": everything}, headers={"Accept": JSON})
    assert resp.status_code == 200
    body = resp.json()
    assert len(body["results"]["bindings"]) == 50
    assert resp.headers["Fusiekg-Truncated"] == "50"
    assert "50 rows" in resp.headers["Warning"] and resp.headers["Warning"].startswith("199 ")
    # The body says so too, for clients that never read headers: a link in the head of JSON and XML results ...
    assert body["head"]["link"] == [url + "/sparql#limits"]
    xml = requests.get(url + "/sparql", params={"query": everything, "format": "xml"})
    head = ElementTree.fromstring(xml.content).find(f"{{{SRX}}}head")
    assert [link.get("href") for link in head.iter(f"{{{SRX}}}link")] == [url + "/sparql#limits"]
    assert len(ElementTree.fromstring(xml.content).findall(f".//{{{SRX}}}result")) == 50
    # ... which points at the section of the service page that explains the cap.
    page = requests.get(url + "/sparql", params={"lang": "en"}, headers={"Accept": "text/html"})
    assert 'id="limits"' in page.text and "cuts answers at 50 rows" in page.text
    page = requests.get(url + "/sparql", params={"lang": "nl"}, headers={"Accept": "text/html"})
    assert 'id="limits"' in page.text and "na 50 rijen" in page.text
    # ... a comment on the first line of Turtle, TriG, N-Triples and N-Quads, an XML comment in RDF/XML.
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    for fmt, rdf_format in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                            ("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)):
        graph = requests.get(url + "/sparql", params={"query": construct, "format": fmt})
        assert graph.headers.get("Fusiekg-Truncated") == "50", (fmt, graph.status_code, graph.text[:300])
        first = graph.text.split("\n", 1)[0]
        assert first.startswith("# ") and "cut at 50 rows" in first and url + "/sparql#limits" in first
        assert len(list(ox.parse(graph.content, rdf_format))) == 50  # still a valid document
    rdfxml = requests.get(url + "/sparql", params={"query": construct, "format": "rdf"})
    assert "<!-- fusiekg: this answer was cut at 50 rows" in rdfxml.text.split("<rdf:RDF", 1)[0]
    assert len(list(ox.parse(rdfxml.content, ox.RdfFormat.RDF_XML))) == 50
    # CSV has no place for it: the header says it, and the rows are exactly the cap.
    csv_resp = requests.get(url + "/sparql", params={"query": everything, "format": "csv"})
    assert csv_resp.headers["Fusiekg-Truncated"] == "50"
    assert len(list(csv.reader(io.StringIO(csv_resp.text)))) == 51


def test_no_marker_when_nothing_was_cut(limited):
    url, _ = limited
    for q in ["SELECT * WHERE { ?s ?p ?o } LIMIT 50", "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "ASK { ?s ?p ?o }"]:
        resp = requests.get(url + "/sparql", params={"query": q}, headers={"Accept": JSON})
        assert resp.status_code == 200
        assert "Fusiekg-Truncated" not in resp.headers and "Warning" not in resp.headers
        assert "link" not in resp.json()["head"]
    graph = requests.get(url + "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5", "format": "ttl"})
    assert "Fusiekg-Truncated" not in graph.headers and not graph.text.startswith("#")


def test_request_body_over_the_limit_is_413(limited):
    url, _ = limited
    big = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 25_000
    for kwargs in ({"data": {"query": big}},
                   {"data": big.encode(), "headers": {"Content-Type": "application/sparql-query"}},
                   {"data": iter([big.encode()]), "headers": {"Content-Type": "application/sparql-query"}}):
        resp = requests.post(url + "/sparql", **kwargs)
        assert resp.status_code == 413, resp.text[:300]
        assert "limit" in resp.text and "charset=utf-8" in resp.headers["Content-Type"]
    # Just under the limit is fine.
    ok = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # " + "x" * 15_000
    assert requests.post(url + "/sparql", data={"query": ok}).status_code == 200


def test_long_url_is_414_and_long_get_under_the_limit_works(limited):
    url, _ = limited
    resp = requests.get(url + "/sparql", params={"query": "ASK {} # " + "x" * 25_000})
    assert resp.status_code == 414 and "POST" in resp.text
    # Longer than gunicorn's default request-line limit (4094 bytes), shorter than ours.
    resp = requests.get(url + "/sparql", params={"query": "ASK {} # " + "x" * 9_000}, headers={"Accept": JSON})
    assert resp.status_code == 200 and resp.json()["boolean"] is True


def test_cors_simple_requests_and_errors(server):
    origin = {"Origin": "https://example.org"}
    for resp in (requests.get(server + "/sparql", params={"query": "ASK {}"}, headers=origin),
                 requests.post(server + "/sparql", data={"query": "ASK {}"}, headers=origin),
                 requests.get(server + "/sparql", params={"query": "SELECT {"}, headers=origin),
                 requests.get(server + "/sparql", headers=origin)):
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in resp.headers
        assert "Fusiekg-Truncated" in resp.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_for_post_with_content_type(server):
    resp = requests.options(server + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, accept"})
    assert resp.status_code in (200, 204)
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    assert "content-type" in resp.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in resp.headers
    assert int(resp.headers["Access-Control-Max-Age"]) > 0


def test_health_reports_store_size_and_build(server, store_dir):
    resp = requests.get(server + "/health")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json; charset=utf-8"
    body = resp.json()
    manifest = read_manifest(store_dir)
    assert body["status"] == "ok"
    assert body["triples"] == manifest["triples"] > 0
    assert body["built_at"] == manifest["built_at"]
    assert body["build_id"] == manifest["build_id"]
    assert body["graphs"] == manifest["graphs"]


def test_access_log_has_one_line_per_request(store_dir):
    proc, url = start_server(["--store", str(store_dir), "--workers", "1"])
    try:
        requests.get(url + "/sparql", params={"query": "ASK {}"})
        requests.post(url + "/sparql", data={"query": "SELECT {"})
        requests.put(url + "/sparql")
        requests.get(url + "/no-such-page")
    finally:
        out = stop_server(proc)
    lines = [line for line in out.splitlines() if "[access]" in line]
    patterns = [r"GET /sparql 200 \d+\.\d ms", r"POST /sparql 400 \d+\.\d ms", r"PUT /sparql 405 \d+\.\d ms",
                r"GET /no-such-page 404 \d+\.\d ms"]
    for pattern in patterns:
        assert len([line for line in lines if re.search(pattern, line)]) == 1, (pattern, lines)
    assert "fusiekg: serving" in out and url in out  # serve prints the URL
