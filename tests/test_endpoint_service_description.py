"""GET /sparql without a query: the SPARQL 1.1 Service Description (Turtle, RDF/XML, JSON-LD, HTML) and VoID."""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, VOID

from fusiekg.config import Settings
from fusiekg.namespaces import G_INFERRED, SD
from fusiekg.store import read_manifest
from fusiekg.web import create_app

FORMATS = "http://www.w3.org/ns/formats/"
OWL_RL = URIRef("http://www.w3.org/ns/entailment/OWL-RL")


def description(server: str, accept: str, fmt: str) -> tuple[requests.Response, Graph]:
    resp = requests.get(server + "/sparql", headers={"Accept": accept})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == f"{accept}; charset=utf-8"
    return resp, Graph().parse(data=resp.text, format=fmt)


@pytest.fixture(scope="module")
def sd_graph(server) -> Graph:
    return description(server, "text/turtle", "turtle")[1]


def service_node(g: Graph):
    services = list(g.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    return services[0]


def test_endpoint_is_the_url_requested(server, sd_graph):
    assert set(sd_graph.objects(service_node(sd_graph), SD.endpoint)) == {URIRef(server + "/sparql")}
    # Asked under another host name, the description names that one.
    other = server.replace("127.0.0.1", "localhost")
    resp = requests.get(other + "/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=resp.text, format="turtle")
    assert set(g.objects(service_node(g), SD.endpoint)) == {URIRef(other + "/sparql")}


def test_language_formats_and_features(sd_graph):
    svc = service_node(sd_graph)
    assert set(sd_graph.objects(svc, SD.supportedLanguage)) == {SD.SPARQL11Query}
    formats = {str(f) for f in sd_graph.objects(svc, SD.resultFormat)}
    expected = {FORMATS + n for n in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                                      "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG",
                                      "N-Quads")}
    assert formats == expected
    features = set(sd_graph.objects(svc, SD.feature))
    assert SD.UnionDefaultGraph in features
    assert SD.BasicFederatedQuery not in features  # SERVICE is off by default


def test_default_dataset_lists_every_named_graph_with_its_size(sd_graph, store_dir):
    manifest = read_manifest(store_dir)
    svc = service_node(sd_graph)
    dataset = sd_graph.value(svc, SD.defaultDataset)
    assert dataset is not None and (dataset, RDF.type, SD.Dataset) in sd_graph
    assert sd_graph.value(dataset, SD.defaultGraph) is not None
    named = {}
    for ng in sd_graph.objects(dataset, SD.namedGraph):
        name = sd_graph.value(ng, SD.name)
        graph = sd_graph.value(ng, SD.graph)
        named[str(name)] = (ng, int(sd_graph.value(graph, VOID.triples)))
    assert {k: v[1] for k, v in named.items()} == manifest["graphs"]
    # The inferred graph says under which entailment regime it was made; the asserted graphs say none.
    regimes = {k for k, (ng, _) in named.items() if (ng, SD.entailmentRegime, OWL_RL) in sd_graph}
    assert regimes == {str(G_INFERRED)}


def test_union_default_graph_is_documented(sd_graph):
    svc = service_node(sd_graph)
    dataset = sd_graph.value(svc, SD.defaultDataset)
    default = sd_graph.value(dataset, SD.defaultGraph)
    notes = {str(c) for c in sd_graph.objects(default, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))}
    assert any("union" in n and "GRAPH" in n for n in notes)
    assert any("vereniging" in n for n in notes)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser, about its own API
@pytest.mark.parametrize("accept, fmt", [("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt")])
def test_same_description_in_other_rdf_formats(server, sd_graph, accept, fmt):
    _, g = description(server, accept, fmt)
    assert len(g) == len(sd_graph)
    assert set(g.objects(service_node(g), SD.endpoint)) == set(sd_graph.objects(service_node(sd_graph), SD.endpoint))


def test_format_parameter_and_406(server):
    resp = requests.get(server + "/sparql", params={"format": "jsonld"}, headers={"Accept": "text/turtle"})
    assert resp.headers["Content-Type"].startswith("application/ld+json")
    bad = requests.get(server + "/sparql", headers={"Accept": "text/csv"})
    assert bad.status_code == 406 and "text/turtle" in bad.text


def test_html_for_browsers(server, store_dir):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    resp = requests.get(server + "/sparql", headers={"Accept": browser})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    page = resp.text
    assert server + "/sparql" in page
    for name, n in read_manifest(store_dir)["graphs"].items():
        assert name in page and str(n) in page
    assert "union" in page


def test_void_description(server, store_dir):
    resp = requests.get(server + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    g = Graph().parse(data=resp.text, format="turtle")
    manifest = read_manifest(store_dir)
    datasets = [d for d in g.subjects(VOID.sparqlEndpoint, URIRef(server + "/sparql"))]
    assert len(datasets) == 1
    assert int(g.value(datasets[0], VOID.triples)) == manifest["triples"]
    subsets = {str(s): int(g.value(s, VOID.triples)) for s in g.objects(datasets[0], VOID.subset)}
    assert subsets == manifest["graphs"]


def test_federation_feature_only_when_allowed(store_dir):
    for allow, expected in [((), False), (("https://query.wikidata.org/sparql",), True)]:
        app = create_app(Settings(store_dir=store_dir, service_allow=allow))
        resp = app.test_client().get("/sparql", headers={"Accept": "text/turtle"})
        g = Graph().parse(data=resp.get_data(as_text=True), format="turtle")
        assert ((service_node(g), SD.feature, SD.BasicFederatedQuery) in g) is expected


def test_a_browser_following_the_void_link_gets_the_datasets_page(client):
    """The VoID link in every page's footer handed a browser a download of RDF/XML (a browser's Accept puts
    application/xml above */*); it now goes to the dataset's own page. Clients of RDF get the description as before."""
    chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    r = client.get("/.well-known/void", headers={"Accept": chrome})
    assert r.status_code == 303 and r.headers["Location"] == "/doc/dataset/fusiekg"
    assert "accept" in r.headers["Vary"].lower()
    page = client.get(r.headers["Location"], headers={"Accept": chrome})
    assert page.status_code == 200 and page.mimetype == "text/html"
    for accept in ("application/rdf+xml", "text/turtle", "*/*", "application/xml"):
        assert client.get("/.well-known/void", headers={"Accept": accept}).status_code == 200, accept
    assert client.get("/.well-known/void?format=ttl", headers={"Accept": chrome}).mimetype == "text/turtle"
