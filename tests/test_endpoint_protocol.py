"""The SPARQL 1.1 Protocol query operation of /sparql, over HTTP against a real running server (gunicorn).

Covers: GET, POST form, POST direct; default-graph-uri / named-graph-uri replacing FROM / FROM NAMED; unknown graphs;
and every error case with its status and a readable body with charset (never a 500).
"""

from __future__ import annotations

import pytest
import requests

from fusiekg.namespaces import G_ARTICLE, G_INFERRED, G_ONTOLOGY, G_REGISTER, sparql_prologue

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def count(resp: requests.Response) -> int:
    assert resp.status_code == 200, resp.text
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


def graph_size(kg, graph) -> int:
    return int(kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"])


def assert_error(resp: requests.Response, status: int, *words: str) -> None:
    """An error answer: the status, a text or JSON body with charset that says what is wrong."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    ctype = resp.headers["Content-Type"].lower()
    assert "charset=utf-8" in ctype
    assert ctype.startswith(("text/plain", "application/json")), ctype
    body = resp.text.lower()
    for w in words:
        assert w.lower() in body, (w, resp.text[:500])


@pytest.fixture(scope="module")
def sparql(server):
    return server + "/sparql"


# --- the three ways to send a query ---------------------------------------------------------------------------

def test_get_post_form_and_post_direct_give_the_same_answer(sparql, kg):
    expected = int(kg.select(COUNT)[0]["n"])
    assert expected > 0
    h = {"Accept": JSON}
    assert count(requests.get(sparql, params={"query": COUNT}, headers=h)) == expected
    assert count(requests.post(sparql, data={"query": COUNT}, headers=h)) == expected
    assert count(requests.post(sparql, data=COUNT.encode(), headers={**h, "Content-Type": DIRECT})) == expected
    assert count(requests.post(sparql, data=COUNT.encode(),
                               headers={**h, "Content-Type": f"{DIRECT}; charset=UTF-8"})) == expected


def test_non_ascii_query_round_trips_in_utf8(sparql):
    q = 'SELECT ?x WHERE { BIND("één café – ß" AS ?x) }'
    for resp in (requests.get(sparql, params={"query": q}, headers={"Accept": JSON}),
                 requests.post(sparql, data=q.encode("utf-8"), headers={"Content-Type": DIRECT, "Accept": JSON})):
        assert resp.status_code == 200
        assert resp.json()["results"]["bindings"][0]["x"]["value"] == "één café – ß"


def test_head_answers_like_get_without_body(sparql):
    resp = requests.head(sparql, params={"query": "ASK {}"}, headers={"Accept": JSON})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith(JSON)
    assert resp.content == b""


# --- the dataset: default-graph-uri / named-graph-uri ----------------------------------------------------------

def test_default_graph_uri_narrows_the_default_graph(sparql, kg):
    n = count(requests.get(sparql, params={"query": COUNT, "default-graph-uri": str(G_ONTOLOGY)}))
    assert n == graph_size(kg, G_ONTOLOGY) > 0
    both = count(requests.get(sparql, params={"query": COUNT,
                                               "default-graph-uri": [str(G_ONTOLOGY), str(G_ARTICLE)]}))
    assert both >= n and both <= graph_size(kg, G_ONTOLOGY) + graph_size(kg, G_ARTICLE)


def test_protocol_dataset_replaces_the_querys_from(sparql, kg):
    q = f"SELECT (COUNT(*) AS ?n) FROM <{G_ARTICLE}> WHERE {{ ?s ?p ?o }}"
    assert count(requests.get(sparql, params={"query": q})) == graph_size(kg, G_ARTICLE)
    replaced = requests.get(sparql, params={"query": q, "default-graph-uri": str(G_ONTOLOGY)})
    assert count(replaced) == graph_size(kg, G_ONTOLOGY)


def test_named_graph_uri_limits_graph_and_empties_default(sparql):
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    resp = requests.get(sparql, params={"query": q, "named-graph-uri": str(G_REGISTER)}, headers={"Accept": JSON})
    assert [b["g"]["value"] for b in resp.json()["results"]["bindings"]] == [str(G_REGISTER)]
    # Only named graphs given: the default graph of that dataset is empty.
    assert count(requests.get(sparql, params={"query": COUNT, "named-graph-uri": str(G_REGISTER)})) == 0


def test_dataset_in_post_form_body_and_in_url_of_direct_post(sparql, kg):
    expected = graph_size(kg, G_ONTOLOGY)
    assert count(requests.post(sparql, data={"query": COUNT, "default-graph-uri": str(G_ONTOLOGY)})) == expected
    direct = requests.post(sparql, params={"default-graph-uri": str(G_ONTOLOGY)}, data=COUNT.encode(),
                           headers={"Content-Type": DIRECT})
    assert count(direct) == expected


def test_unknown_graph_is_an_empty_graph(sparql):
    nowhere = "https://example.org/no-such-graph"
    assert count(requests.get(sparql, params={"query": COUNT, "default-graph-uri": nowhere})) == 0
    q = f"SELECT (COUNT(*) AS ?n) FROM <{nowhere}> WHERE {{ ?s ?p ?o }}"
    assert count(requests.get(sparql, params={"query": q})) == 0
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{nowhere}> {{ ?s ?p ?o }} }}"
    assert count(requests.get(sparql, params={"query": q})) == 0


def test_invalid_graph_iri_is_a_400(sparql):
    resp = requests.get(sparql, params={"query": COUNT, "default-graph-uri": "not an iri"})
    assert_error(resp, 400, "default-graph-uri", "not an iri")


def test_default_graph_is_the_union_and_graph_narrows_it(sparql):
    """A plain query sees inferred triples; GRAPH <asserted graph> does not (docs: union default graph)."""
    find = (f"SELECT ?s ?p ?o WHERE {{ GRAPH <{G_INFERRED}> {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{G_INFERRED}>) }} "
            f"FILTER(isIRI(?s) && isIRI(?o)) }} LIMIT 1")
    rows = requests.get(sparql, params={"query": find}, headers={"Accept": JSON}).json()["results"]["bindings"]
    assert rows, "the inferred graph holds triples no asserted graph has"
    s, p, o = (rows[0][v]["value"] for v in ("s", "p", "o"))
    ask = f"ASK {{ <{s}> <{p}> <{o}> }}"
    assert requests.get(sparql, params={"query": ask}, headers={"Accept": JSON}).json()["boolean"] is True
    narrowed = f"ASK {{ GRAPH <{G_ARTICLE}> {{ <{s}> <{p}> <{o}> }} }}"
    assert requests.get(sparql, params={"query": narrowed}, headers={"Accept": JSON}).json()["boolean"] is False
    inferred = f"ASK {{ GRAPH <{G_INFERRED}> {{ <{s}> <{p}> <{o}> }} }}"
    assert requests.get(sparql, params={"query": inferred}, headers={"Accept": JSON}).json()["boolean"] is True


# --- errors -----------------------------------------------------------------------------------------------------

def test_malformed_query_is_400_with_message_and_position(sparql):
    q = "SELECT ?s\nWHERE { ?s ?p ?o \n  FILTER( }"
    text = requests.get(sparql, params={"query": q})
    assert_error(text, 400, "syntax error", "line 3")
    js = requests.get(sparql, params={"query": q}, headers={"Accept": "application/json"})
    assert_error(js, 400)
    body = js.json()
    assert body["status"] == 400 and body["line"] == 3 and isinstance(body["column"], int)
    assert "syntax error" in body["message"]


def test_not_a_query_is_400(sparql):
    assert_error(requests.get(sparql, params={"query": "hello world"}), 400, "not a sparql query")
    assert_error(requests.get(sparql, params={"query": "   "}), 400, "empty")


def test_more_than_one_query_is_400(sparql):
    assert_error(requests.get(sparql, params={"query": ["ASK {}", "ASK {}"]}), 400, "2 times")
    assert_error(requests.post(sparql, data={"query": ["ASK {}", "ASK {}"]}), 400, "2 times")
    url_and_body = requests.post(sparql, params={"query": "ASK {}"}, data={"query": "ASK {}"})
    assert_error(url_and_body, 400, "2 times", "in the URL and request body")
    both = requests.post(sparql, params={"query": "ASK {}"}, data=b"ASK {}", headers={"Content-Type": DIRECT})
    assert_error(both, 400, "twice")


def test_missing_query_on_post_is_400(sparql):
    assert_error(requests.post(sparql, data={"default-graph-uri": str(G_ONTOLOGY)}), 400, "no query")
    assert_error(requests.get(sparql, params={"default-graph-uri": str(G_ONTOLOGY)}), 400, "no query")


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(sparql, method):
    resp = requests.request(method, sparql, data="ASK {}")
    assert_error(resp, 405, method)
    allow = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allow


@pytest.mark.parametrize("ctype", ["text/plain", "application/json", "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_415(sparql, ctype):
    resp = requests.post(sparql, data=b"query=ASK%20%7B%7D", headers={"Content-Type": ctype})
    assert_error(resp, 415, FORM, DIRECT)


def test_missing_content_type_is_415(sparql):
    resp = requests.post(sparql, data=b"ASK {}")
    assert "Content-Type" not in resp.request.headers
    assert_error(resp, 415, "no content-type")


@pytest.mark.parametrize("ctype", [f"{DIRECT}; charset=iso-8859-1", f"{FORM}; charset=latin1",
                                   f"{DIRECT}; charset=utf-16"])
def test_charset_other_than_utf8_is_400(sparql, ctype):
    body = b"ASK {}" if ctype.startswith(DIRECT) else b"query=ASK+%7B%7D"
    assert_error(requests.post(sparql, data=body, headers={"Content-Type": ctype}), 400, "utf-8")


def test_invalid_utf8_is_400(sparql):
    raw = 'SELECT ?x WHERE { BIND("caf\xe9" AS ?x) }'.encode("latin-1")
    assert_error(requests.post(sparql, data=raw, headers={"Content-Type": DIRECT}), 400, "utf-8")
    assert_error(requests.post(sparql, data=b"query=ASK%FF", headers={"Content-Type": FORM}), 400, "utf-8")
    assert_error(requests.get(sparql + "?query=ASK%FF%7B%7D"), 400, "utf-8")


UPDATES = [
    'INSERT DATA { <https://example.org/a> <https://example.org/b> "c" }',
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <https://example.org/data.ttl>",
    "CLEAR ALL",
    "CREATE GRAPH <https://example.org/g>",
    "DROP DEFAULT",
    "COPY DEFAULT TO <https://example.org/g>",
    "MOVE <https://example.org/a> TO <https://example.org/b>",
    "ADD <https://example.org/a> TO <https://example.org/b>",
    "WITH <https://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    sparql_prologue() + "insert data { fkgid:x rdfs:label \"x\" }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_as_read_only(sparql, update):
    assert_error(requests.get(sparql, params={"query": update}), 400, "read-only")
    assert_error(requests.post(sparql, data={"query": update}), 400, "read-only")


def test_update_operation_is_refused(sparql):
    assert_error(requests.post(sparql, data={"update": UPDATES[0]}), 400, "read-only")
    assert_error(requests.post(sparql, data=UPDATES[0].encode(), headers={"Content-Type": "application/sparql-update"}),
                 400, "read-only")


def test_a_refused_update_changed_nothing(sparql):
    for update in UPDATES[:3]:
        requests.post(sparql, data={"update": update})
        requests.post(sparql, data={"query": update})
    ask = 'ASK { <https://example.org/a> ?p ?o }'
    assert requests.get(sparql, params={"query": ask}, headers={"Accept": JSON}).json()["boolean"] is False
    assert count(requests.get(sparql, params={"query": COUNT})) > 0


def test_evaluation_error_is_400_not_500(sparql):
    q = 'SELECT ?x WHERE { BIND("a" AS ?x) FILTER(REGEX(?x, "(")) }'
    resp = requests.get(sparql, params={"query": q})
    assert resp.status_code in (200, 400), resp.text
    assert "charset=utf-8" in resp.headers["Content-Type"]


def test_errors_as_html_for_browsers(sparql):
    resp = requests.put(sparql, data="ASK {}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 405
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>405" in resp.text and "PUT" in resp.text
