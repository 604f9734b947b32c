"""Content negotiation on /sparql: Accept with q-values and wildcards, aliases, `format`, 406, charset."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests
from rdflib import Dataset, Graph

from fusiekg.web.negotiation import from_format, negotiate, wants_html

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
RESULTS = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values"]
GRAPHS = ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml", "application/trig",
          "application/n-quads"]


@pytest.fixture(scope="module")
def sparql(server):
    return server + "/sparql"


def media(resp: requests.Response) -> str:
    return resp.headers["Content-Type"].split(";")[0].strip()


# --- the negotiation itself (pure functions) --------------------------------------------------------------------

@pytest.mark.parametrize("accept, expected", [
    (None, RESULTS[0]),
    ("*/*", RESULTS[0]),
    ("text/*", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
    ("application/sparql-results+xml, */*;q=0.1", RESULTS[1]),
    ("text/csv;q=0.5, */*", RESULTS[0]),  # the wildcard gives JSON q=1, more than csv's 0.5
    ("application/json", RESULTS[0]),
    ("text/xml", RESULTS[1]),
    ("application/*;q=0.2, text/csv;q=0.1", RESULTS[0]),
    ("image/png", None),
    ("text/csv;q=0", None),
    ("garbage, text/csv", "text/csv"),  # a malformed range is ignored, not fatal
])
def test_negotiate_results(accept, expected):
    assert negotiate(RESULTS, accept) == expected


@pytest.mark.parametrize("accept, expected", [
    ("*/*", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/x-turtle", "text/turtle"),
    ("application/rdf+xml;q=0.9, text/turtle;q=0.8", "application/rdf+xml"),
    ("application/n-quads", "application/n-quads"),
    ("application/sparql-results+json", None),
    ("TEXT/TURTLE", "text/turtle"),  # media types are case-insensitive (RFC 9110, 8.3.1)
    ("Application/LD+JSON;Q=0.9, text/turtle;q=0.5", "application/ld+json"),
])
def test_negotiate_graphs(accept, expected):
    assert negotiate(GRAPHS, accept) == expected


def test_browser_detection_needs_explicit_html():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    assert wants_html(browser, RESULTS)
    assert not wants_html("*/*", RESULTS)
    assert not wants_html("application/sparql-results+json, text/html;q=0.5", RESULTS)
    assert wants_html("Text/HTML, */*;q=0.8", RESULTS)


def test_format_names_depend_on_the_kind_of_answer():
    assert from_format("json", RESULTS) == RESULTS[0]
    assert from_format("json", GRAPHS) == "application/ld+json"
    assert from_format("xml", GRAPHS) == "application/rdf+xml"
    assert from_format("text/csv", RESULTS) == "text/csv"
    assert from_format("n3", GRAPHS) == "text/turtle"

def test_a_media_type_whose_plus_was_not_percent_encoded_is_understood():
    # `?format=application/sparql-results+json` typed into a URL: the form decoding makes the `+` a space.
    assert from_format("application/sparql-results json", RESULTS) == "application/sparql-results+json"
    assert from_format("application/ld json", GRAPHS) == "application/ld+json"


# --- over HTTP ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept", RESULTS)
def test_every_results_format_by_accept(sparql, accept):
    resp = requests.get(sparql, params={"query": SELECT}, headers={"Accept": accept})
    assert resp.status_code == 200
    assert media(resp) == accept
    assert "charset=utf-8" in resp.headers["Content-Type"]
    assert "Accept" in resp.headers["Vary"]
    text = resp.text
    if accept.endswith("+json"):
        assert len(json.loads(text)["results"]["bindings"]) == 3
    elif accept.endswith("+xml"):
        assert text.count("<result>") == 3
    elif accept == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["s", "p", "o"] and len(rows) == 4
    else:
        lines = text.strip("\n").split("\n")
        assert lines[0] == "?s\t?p\t?o" and len(lines) == 4


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own parsers, about its own API
@pytest.mark.parametrize("accept", GRAPHS)
def test_every_graph_format_by_accept_parses(sparql, accept):
    resp = requests.get(sparql, params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert resp.status_code == 200
    assert media(resp) == accept
    assert "charset=utf-8" in resp.headers["Content-Type"]
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
           "application/rdf+xml": "xml", "application/trig": "trig", "application/n-quads": "nquads"}[accept]
    g = Dataset() if fmt in ("trig", "nquads") else Graph()
    g.parse(data=resp.text, format=fmt)
    assert len(g) == 3 or len(list(g.quads())) == 3


def test_ask_in_every_results_format(sparql):
    for accept in RESULTS:
        resp = requests.get(sparql, params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": accept})
        assert resp.status_code == 200 and media(resp) == accept
        assert "true" in resp.text


def test_q_values_and_wildcards_over_http(sparql):
    h = {"Accept": "text/csv;q=0.4, text/tab-separated-values;q=0.8, application/*;q=0.1"}
    assert media(requests.get(sparql, params={"query": SELECT}, headers=h)) == "text/tab-separated-values"
    assert media(requests.get(sparql, params={"query": SELECT}, headers={"Accept": "*/*"})) == RESULTS[0]
    assert media(requests.get(sparql, params={"query": CONSTRUCT}, headers={"Accept": "*/*"})) == "text/turtle"
    no_accept = requests.get(sparql, params={"query": SELECT}, headers={"Accept": None})
    assert media(no_accept) == RESULTS[0]


def test_nothing_acceptable_is_406_listing_the_offer(sparql):
    resp = requests.get(sparql, params={"query": SELECT}, headers={"Accept": "text/turtle"})
    assert resp.status_code == 406
    for m in RESULTS:
        assert m in resp.text
    js = requests.get(sparql, params={"query": CONSTRUCT}, headers={"Accept": "text/csv, application/json;q=0"})
    assert js.status_code == 406
    js = requests.get(sparql, params={"query": CONSTRUCT}, headers={"Accept": "application/json;q=0, text/csv"})
    assert js.status_code == 406


def test_format_parameter_overrides_accept(sparql):
    for short, expected in [("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("xml", RESULTS[1]),
                            ("json", RESULTS[0]), ("text/csv", "text/csv")]:
        resp = requests.get(sparql, params={"query": SELECT, "format": short}, headers={"Accept": RESULTS[0]})
        assert resp.status_code == 200 and media(resp) == expected, short
    for short, expected in [("ttl", "text/turtle"), ("nt", "application/n-triples"), ("jsonld", "application/ld+json"),
                            ("rdf", "application/rdf+xml"), ("trig", "application/trig"), ("nq", "application/n-quads"),
                            ("json", "application/ld+json")]:
        resp = requests.get(sparql, params={"query": CONSTRUCT, "format": short}, headers={"Accept": "text/turtle"})
        assert resp.status_code == 200 and media(resp) == expected, short


def test_format_parameter_errors(sparql):
    wrong_kind = requests.get(sparql, params={"query": SELECT, "format": "ttl"})
    assert wrong_kind.status_code == 406 and "text/csv" in wrong_kind.text
    unknown = requests.get(sparql, params={"query": SELECT, "format": "pdf"})
    assert unknown.status_code == 400 and "unknown format" in unknown.text
    conflicting = requests.get(sparql, params={"query": SELECT, "format": ["csv", "tsv"]})
    assert conflicting.status_code == 400 and "different formats" in conflicting.text
    agreeing = requests.get(sparql, params={"query": SELECT, "format": ["csv", "text/csv", ""]})
    assert agreeing.status_code == 200 and media(agreeing) == "text/csv"
    listed = requests.get(sparql, params={"query": CONSTRUCT, "format": "application/ld+json,application/x-json+ld"})
    assert media(listed) == "application/ld+json"


def test_browser_following_a_query_link_lands_on_the_query_page(sparql, server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    resp = requests.get(sparql, params={"query": SELECT}, headers={"Accept": browser}, allow_redirects=False)
    assert resp.status_code == 303
    page = requests.get(server + resp.headers["Location"], headers={"Accept": browser})
    assert page.status_code == 200 and "LIMIT 3" in page.text
    # With an explicit format the browser gets that format.
    csv_resp = requests.get(sparql, params={"query": SELECT, "format": "csv"}, headers={"Accept": browser})
    assert media(csv_resp) == "text/csv"


def test_every_text_response_has_charset(server):
    for path in ["/", "/health", "/sparql", "/sparql?format=ttl", "/sparql?format=jsonld", "/sparql?format=rdf",
                 "/.well-known/void", "/static/query.js", "/static/fusiekg.css", "/nothing-here"]:
        resp = requests.get(server + path)
        assert "charset=utf-8" in resp.headers["Content-Type"].lower(), (path, resp.headers["Content-Type"])
