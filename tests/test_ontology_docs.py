"""/def: documentation of the ontology generated from the store, term IRIs that resolve, the ontology in RDF."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib import namespace as rns

from fusiekg.namespaces import FKG, G_ONTOLOGY, ID, ONTOLOGY_IRI, TOOIONT

FORMATS = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
           "rdf": ("application/rdf+xml", "xml"), "nt": ("application/n-triples", "nt")}
BROWSER = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


class _Page(HTMLParser):
    """Ids of sections and the hrefs inside each `<section id=...>`."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.section_links: dict[str, list[str]] = {}
        self.alternates: dict[str, str] = {}
        self._current: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "section":
            self._current.append(a.get("id", ""))
            self.section_links.setdefault(a.get("id", ""), [])
        if tag == "a" and a.get("href") and self._current:
            self.section_links[self._current[-1]].append(a["href"])
        if tag == "link" and a.get("rel") == "alternate" and "type" in a:  # not the other-language page
            self.alternates[a["type"]] = a["href"]

    def handle_endtag(self, tag):
        if tag == "section" and self._current:
            self._current.pop()


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def local(iri: str) -> str:
    return iri[len(str(FKG)):]


@pytest.fixture(scope="module")
def page(client):
    r = client.get("/def", headers=BROWSER)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    return r.get_data(as_text=True)


@pytest.fixture(scope="module")
def page_en(client):
    r = client.get("/def", headers={**BROWSER, "Accept-Language": "en"})
    assert r.status_code == 200 and '<html lang="en">' in r.text
    return r.get_data(as_text=True)


def ontology_terms(kg, kind) -> list[str]:
    rows = kg.select(f"SELECT ?t WHERE {{ GRAPH <{G_ONTOLOGY}> {{ ?t a <{kind}> }} "
                     f"FILTER(STRSTARTS(STR(?t), '{FKG}')) }}")
    return sorted(r["t"] for r in rows)


def test_every_class_and_property_has_an_anchor_and_its_label_in_the_pages_language(page, page_en, kg):
    ids = parse(page).ids
    terms = ontology_terms(kg, rns.OWL.Class) + ontology_terms(kg, rns.OWL.ObjectProperty) + \
        ontology_terms(kg, rns.OWL.DatatypeProperty) + ontology_terms(kg, rns.OWL.AnnotationProperty)
    assert len(terms) > 30
    for t in terms:
        assert local(t) in ids, f"no anchor for {t}"
        for lang, html in (("nl", page), ("en", page_en)):
            for row in kg.select(f"SELECT ?l WHERE {{ GRAPH <{G_ONTOLOGY}> {{ <{t}> <{rns.RDFS.label}> ?l "
                                 f"FILTER(LANG(?l) = '{lang}') }} }}"):
                assert row["l"].replace("'", "&#39;") in html, f"{lang} label {row['l']!r} of {t} missing"


def test_class_shows_super_and_subclasses_and_restriction(page, kg):
    links = parse(page).section_links
    fusion = links["AmbtelijkeFusieorganisatie"]
    assert "#AmbtelijkeSamenwerking" in fusion  # superclass
    subs = kg.select(f"SELECT ?c WHERE {{ GRAPH <{G_ONTOLOGY}> {{ ?c <{rns.RDFS.subClassOf}> <{FKG.AmbtelijkeFusieorganisatie}> }} }}")
    assert subs and all("#" + local(s["c"]) in fusion for s in subs)  # subclasses
    werk = links["Werkorganisatie"]
    assert "/doc/vorm/werkorganisatie" in werk  # owl:hasValue of its equivalent-class restriction
    assert str(rns.ORG.classification) in werk  # owl:onProperty, an external term: linked as is
    assert "#AmbtelijkeFusieorganisatie" in links["Bedrijfsvoeringssamenwerking"]  # disjointWith


def test_property_shows_domain_and_range(page, kg):
    rows = kg.select(f"""SELECT ?d ?r WHERE {{ GRAPH <{G_ONTOLOGY}> {{ <{FKG.centrumgemeente}> <{rns.RDFS.domain}> ?d ;
        <{rns.RDFS.range}> ?r }} }}""")
    assert rows
    section = parse(page).section_links["centrumgemeente"]
    assert "#" + local(rows[0]["d"]) in section
    assert rows[0]["r"] == str(TOOIONT.Gemeente) and str(TOOIONT.Gemeente) in section


def test_concept_schemes_list_all_their_concepts(page, kg):
    schemes = kg.select(f"SELECT ?s WHERE {{ ?s a <{rns.SKOS.ConceptScheme}> }}")
    assert len(schemes) >= 9  # the ontology's own and the article's
    links = parse(page).section_links
    for s in schemes:
        anchor = "schema-" + s["s"].rsplit("/", 1)[1]
        concepts = kg.select(f"SELECT ?c WHERE {{ ?c <{rns.SKOS.inScheme}> <{s['s']}> }}")
        assert concepts
        for c in concepts:
            assert c["c"].replace(str(ID), "/doc/") in links[anchor], f"{c['c']} missing under {anchor}"


def test_definitions_in_the_pages_language_only(page, page_en, kg):
    def definition(lang):
        return kg.select(f"""SELECT ?d WHERE {{ GRAPH <{G_ONTOLOGY}> {{ <{FKG.Werkorganisatie}> <{rns.SKOS.definition}> ?d
            FILTER(LANG(?d) = "{lang}") }} }}""")[0]["d"]

    nl, en = definition("nl"), definition("en")
    assert f'<p class="definition">{nl}</p>' in page and en not in page
    assert f'<p class="definition">{en}</p>' in page_en and nl not in page_en


def test_page_has_machine_readable_twins(page):
    assert parse(page).alternates == {mime: f"/def.{ext}" for ext, (mime, _) in FORMATS.items()}


@pytest.mark.parametrize("ext", list(FORMATS))
def test_ontology_in_rdf_by_extension_is_the_ontology_graph(client, kg, ext):
    mime, parser = FORMATS[ext]
    r = client.get(f"/def.{ext}")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(mime)
    g = Graph().parse(data=r.get_data(), format=parser)
    assert len(g) == kg.manifest["graphs"][str(G_ONTOLOGY)]
    assert (URIRef(ONTOLOGY_IRI), rns.RDF.type, rns.OWL.Ontology) in g


def test_ontology_by_accept_header(client):
    r = client.get("/def", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    assert "Accept" in r.headers["Vary"]
    assert client.get("/def", headers={"Accept": "image/png"}).status_code == 406


def test_term_iri_redirects_browsers_to_its_anchor(client):
    r = client.get("/def/Werkorganisatie", headers=BROWSER)
    assert (r.status_code, r.headers["Location"]) == (303, "/def#Werkorganisatie")


def test_term_in_rdf_by_accept_and_extension(client):
    for r in (client.get("/def/Werkorganisatie", headers={"Accept": "text/turtle"}),
              client.get("/def/Werkorganisatie.ttl")):
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
        g = Graph().parse(data=r.get_data(), format="turtle")
        term = URIRef(FKG.Werkorganisatie)
        assert (term, rns.RDFS.subClassOf, URIRef(FKG.AmbtelijkeFusieorganisatie)) in g
        restriction = g.value(term, rns.OWL.equivalentClass)
        assert g.value(restriction, rns.OWL.hasValue) == URIRef(ID["vorm/werkorganisatie"])  # nested blank node


def test_other_iris_under_def_get_a_resource_page(client, kg):
    shape = kg.select("SELECT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://w3id.org/fusiekg/def/shape/')) } LIMIT 1")
    assert shape
    path = "/def/" + shape[0]["s"][len(str(FKG)):]
    r = client.get(path, headers=BROWSER)
    assert r.status_code == 200 and shape[0]["s"] in r.get_data(as_text=True)
    assert client.get(path + ".ttl").status_code == 200


def test_unknown_term_is_404(client):
    r = client.get("/def/GeenTerm", headers=BROWSER)
    assert r.status_code == 404 and "fkg:GeenTerm" in r.get_data(as_text=True)
    assert client.get("/def/GeenTerm.ttl").status_code == 404
    assert client.get("/def/bad%20name").status_code == 404


def test_e2e_term_resolves_on_the_real_server(server):
    r = requests.get(server + "/def/Centrumconstructie", headers=BROWSER)
    assert r.status_code == 200 and r.url.endswith("/def#Centrumconstructie")
    assert 'id="Centrumconstructie"' in r.text
    ttl = requests.get(server + "/def.ttl")
    assert ttl.status_code == 200
    assert (URIRef(FKG.Centrumconstructie), rns.RDF.type, rns.OWL.Class) in Graph().parse(data=ttl.text, format="turtle")
