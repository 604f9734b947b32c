"""Standard clients work unmodified against a real running server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from fusiekg.namespaces import FKG, G_ONTOLOGY

CLASSES = f"SELECT ?c WHERE {{ ?c a <http://www.w3.org/2002/07/owl#Class> . FILTER(STRSTARTS(STR(?c), '{FKG}')) }}"
CONSTRUCT = (f"CONSTRUCT {{ ?c a <http://www.w3.org/2002/07/owl#Class> }} "
             f"WHERE {{ ?c a <http://www.w3.org/2002/07/owl#Class> . FILTER(STRSTARTS(STR(?c), '{FKG}')) }}")


def fkg_classes(kg) -> set[str]:
    return {r["c"] for r in kg.select(CLASSES)}


@pytest.fixture
def wrapper(server):
    return SPARQLWrapper(server + "/sparql")


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(wrapper, kg, method):
    wrapper.setQuery(CLASSES)
    wrapper.setReturnFormat(JSON)
    wrapper.setMethod(method)
    res = wrapper.query()
    assert res.info()["content-type"].startswith("application/sparql-results+json")
    rows = res.convert()["results"]["bindings"]
    assert {r["c"]["value"] for r in rows} == fkg_classes(kg) != set()


def test_sparqlwrapper_select_xml_csv_tsv(wrapper, kg):
    expected = fkg_classes(kg)
    wrapper.setQuery(CLASSES)
    wrapper.setReturnFormat(XML)
    doc = wrapper.query().convert()
    assert {u.firstChild.data for u in doc.getElementsByTagName("uri")} == expected
    wrapper.setReturnFormat(CSV)
    lines = wrapper.query().convert().decode().strip().split("\r\n")
    assert lines[0] == "c" and set(lines[1:]) == expected
    wrapper.setReturnFormat(TSV)
    lines = wrapper.query().convert().decode().strip().split("\n")
    assert lines[0] == "?c" and {x.strip("<>") for x in lines[1:]} == expected


def test_sparqlwrapper_ask(wrapper):
    wrapper.setQuery(f"ASK {{ <{FKG.Werkorganisatie}> ?p ?o }}")
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["boolean"] is True


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser, about its own API
@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD, N3, XML])
def test_sparqlwrapper_construct_in_every_format(wrapper, kg, fmt):
    wrapper.setQuery(CONSTRUCT)
    wrapper.setReturnFormat(fmt)
    result = wrapper.query().convert()
    g = result if isinstance(result, Graph) else Graph().parse(
        data=result, format={TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld"}.get(fmt, "xml"))
    assert {str(s) for s in g.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class"))} == fkg_classes(kg)


def test_sparqlwrapper_reports_a_bad_query(wrapper):
    wrapper.setQuery("SELECT ?x WHERE { ?x ")
    wrapper.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed) as err:
        wrapper.query()
    assert "syntax error" in str(err.value)


def test_sparqlwrapper_update_is_refused(wrapper):
    wrapper.setQuery('INSERT DATA { <https://example.org/a> <https://example.org/b> "c" }')
    wrapper.setMethod(POST)
    with pytest.raises(QueryBadFormed) as err:
        wrapper.query()
    assert "read-only" in str(err.value)


@pytest.mark.parametrize("return_format", ["xml", "json", "csv"])
def test_rdflib_sparqlstore_select_and_ask(server, kg, return_format):
    g = Graph(store=SPARQLStore(server + "/sparql", returnFormat=return_format))
    assert {str(r.c) for r in g.query(CLASSES)} == fkg_classes(kg)
    if return_format != "csv":  # rdflib reads no ASK answer from CSV
        assert g.query(f"ASK {{ <{FKG.Werkorganisatie}> ?p ?o }}").askAnswer is True


def test_rdflib_sparqlstore_construct(server, kg):
    """rdflib's default (xml) asks for RDF/XML or SPARQL XML; a CONSTRUCT gets RDF/XML."""
    g = Graph(store=SPARQLStore(server + "/sparql"))
    constructed = g.query(CONSTRUCT).graph
    assert {str(s) for s in constructed.subjects()} == fkg_classes(kg)


def test_rdflib_sparqlstore_triples_and_len(server, kg):
    g = Graph(store=SPARQLStore(server + "/sparql"))
    labels = set(g.objects(FKG.Werkorganisatie, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert Literal("Werkorganisatie", lang="nl") in labels or labels
    assert len(g) == int(kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])


def test_rdflib_sparqlstore_graph_uses_default_graph_uri(server, kg):
    """A Graph over SPARQLStore with an identifier queries with default-graph-uri = that graph."""
    g = Graph(store=SPARQLStore(server + "/sparql"), identifier=URIRef(str(G_ONTOLOGY)))
    expected = int(kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G_ONTOLOGY}> {{ ?s ?p ?o }} }}")[0]["n"])
    assert len(g) == expected > 0


def test_rdflib_sparqlstore_post(server, kg):
    store = SPARQLStore(server + "/sparql", method="POST")
    assert {str(r.c) for r in Graph(store=store).query(CLASSES)} == fkg_classes(kg)
    store = SPARQLStore(server + "/sparql", method="POST_FORM")
    assert {str(r.c) for r in Graph(store=store).query(CLASSES)} == fkg_classes(kg)
