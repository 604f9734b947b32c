"""Dereferenceable URIs: /id → 303 → /doc, HTML pages and RDF twins, TOOI municipalities, the lookup, links."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rns

from fusiekg.config import Settings
from fusiekg.namespaces import BASE, FKG, GM, ID, TOOIONT
from fusiekg.web import create_app

BAR = ID["samenwerking/bar"]
BAR_GM0489 = ID["lidmaatschap/bar-gm0489"]
BARENDRECHT = GM.gm0489
FORMATS = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
           "rdf": ("application/rdf+xml", "xml"), "nt": ("application/n-triples", "nt")}


class _Links(HTMLParser):
    """Collects hrefs, <link rel=alternate> twins, element ids and form actions of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.alternates: dict[str, str] = {}
        self.forms: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "link" and a.get("rel") == "alternate" and "type" in a:  # not the other-language page
            self.alternates[a["type"]] = a["href"]
        if tag == "form":
            self.forms.append(a.get("action", ""))


def links(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    return p


def media(resp) -> str:
    return resp.headers["Content-Type"].split(";")[0].strip()


@pytest.fixture(scope="module")
def public_client(store_dir):
    app = create_app(Settings(store_dir=store_dir, public_base="https://fusiekg.example.org/"))
    yield app.test_client()
    app.extensions["fusiekg"].close()


def html_page(client, path: str) -> str:
    r = client.get(path, headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert media(r) == "text/html"
    return r.get_data(as_text=True)


def outbound(kg, iri: str) -> set[tuple[str, str]]:
    """(predicate, object) pairs of a resource in the store, blank-node objects left out."""
    rows = kg.select(f"SELECT DISTINCT ?p ?o WHERE {{ <{iri}> ?p ?o FILTER(!isBlank(?o)) }}")
    return {(r["p"], r["o"]) for r in rows}


# --- /id → 303 → /doc ---------------------------------------------------------------------------------------------

def test_id_answers_303_to_its_document(client):
    r = client.get("/id/samenwerking/bar")
    assert r.status_code == 303
    assert r.headers["Location"] == "/doc/samenwerking/bar"
    assert "Accept" in r.headers["Vary"]


@pytest.mark.parametrize("accept, target", [
    ("text/turtle", "/doc/samenwerking/bar.ttl"),
    ("application/ld+json", "/doc/samenwerking/bar.jsonld"),
    ("application/rdf+xml;q=0.9, text/html;q=0.5", "/doc/samenwerking/bar.rdf"),
    ("application/n-triples", "/doc/samenwerking/bar.nt"),
    ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "/doc/samenwerking/bar"),
])
def test_id_keeps_the_asked_format_in_the_303(client, accept, target):
    r = client.get("/id/samenwerking/bar", headers={"Accept": accept})
    assert (r.status_code, r.headers["Location"]) == (303, target)


def test_id_with_extension_keeps_it(client):
    r = client.get("/id/lidmaatschap/bar-gm0489.jsonld")
    assert (r.status_code, r.headers["Location"]) == (303, "/doc/lidmaatschap/bar-gm0489.jsonld")


def test_concept_scheme_iri_without_ref_dereferences(client, kg):
    r = client.get("/id/vorm")
    assert (r.status_code, r.headers["Location"]) == (303, "/doc/vorm")
    g = Graph().parse(data=client.get("/doc/vorm.ttl").get_data(), format="turtle")
    concepts = {r["c"] for r in kg.select(f"SELECT ?c WHERE {{ <{ID.vorm}> <http://www.w3.org/2004/02/skos/core#hasTopConcept> ?c }}")}
    assert concepts and {str(o) for o in g.objects(URIRef(ID.vorm), None)} >= concepts


@pytest.mark.parametrize("accept, kind", [("text/html", "text/html"), ("application/json", "application/json"),
                                           ("text/turtle", "text/plain"), (None, "text/plain")])
def test_an_unknown_id_is_404_at_once_not_a_303_to_a_404(client, accept, kind):
    for path in ("/id/samenwerking/bestaat-niet", "/id/samenwerking/bestaat-niet.ttl", "/id/geen-soort"):
        r = client.get(path, headers={"Accept": accept} if accept else {})
        assert r.status_code == 404 and "Location" not in r.headers, path
        assert media(r) == kind and "ETag" not in r.headers
        assert "samenwerking/bestaat-niet" in r.text or "geen-soort" in r.text


def test_a_version_iri_published_before_the_regelingen_graph_moved_permanently(client):
    """`regeling/roo-{id}` once named every version of a regeling; a later version is now `regelingversie/roo-{id}`
    (BUCH: the regeling is roo-24329097, one of its versions roo-28620808). Old links lead there, new ones stay."""
    for kind in ("id", "doc"):
        r = client.get(f"/{kind}/regeling/roo-28620808.ttl")
        assert (r.status_code, r.headers["Location"]) == (301, f"/{kind}/regelingversie/roo-28620808.ttl")
    assert client.get("/id/regeling/roo-24329097").status_code == 303  # the regeling itself
    assert client.get("/id/regelingversie/roo-28620808").status_code == 303
    assert client.get("/id/regeling/roo-1").status_code == 404  # never published: no redirect


def test_bare_id_and_doc_lead_to_the_search_page(client):
    for path in ("/id/", "/doc/"):
        r = client.get(path)
        assert (r.status_code, r.headers["Location"]) == (303, "/zoek")


def test_upper_case_path_redirects_to_the_lower_case_iri(client):
    r = client.get("/doc/gemeente/GM0489")
    assert (r.status_code, r.headers["Location"]) == (301, "/doc/gemeente/gm0489")


# --- RDF by extension and by Accept -------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", list(FORMATS))
def test_rdf_twin_by_extension_is_the_resources_description(client, kg, ext):
    mime, parser = FORMATS[ext]
    r = client.get(f"/doc/samenwerking/bar.{ext}")
    assert r.status_code == 200 and media(r) == mime
    g = Graph().parse(data=r.get_data(), format=parser)
    served = {(str(p), str(o)) for p, o in g.predicate_objects(URIRef(BAR))}
    assert served == outbound(kg, BAR)  # all outbound facts of the resource, nothing else about it
    assert "Link" in r.headers and ".jsonld" in r.headers["Link"]


@pytest.mark.parametrize("accept, mime", [
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),  # the usual alias
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-triples;q=1, text/html;q=0.1", "application/n-triples"),
])
def test_rdf_by_accept_header(client, accept, mime):
    r = client.get("/doc/samenwerking/bar", headers={"Accept": accept})
    assert r.status_code == 200 and media(r) == mime
    assert "Accept" in r.headers["Vary"]
    assert r.headers["Content-Location"].startswith("/doc/samenwerking/bar.")


def test_description_includes_the_membership_period_and_its_instants(client, kg):
    """The period and its instants have IRIs (fkgid:periode/..., fkgid:tijdstip/...) but are part of the
    membership: its description carries them, as it carried the blank nodes they once were."""
    g = Graph().parse(data=client.get("/doc/lidmaatschap/bar-gm0489.ttl").get_data(), format="turtle")
    start = kg.select(f"""SELECT ?d WHERE {{ <{BAR_GM0489}> <{rns.ORG.memberDuring}>/<{rns.TIME.hasBeginning}>/<{rns.TIME.inXSDDate}> ?d }}""")
    assert start, "the store has a start date for this membership"
    interval = g.value(URIRef(BAR_GM0489), rns.ORG.memberDuring)
    begin = g.value(interval, rns.TIME.hasBeginning)
    assert g.value(begin, rns.TIME.inXSDDate) == Literal(start[0]["d"], datatype=g.value(begin, rns.TIME.inXSDDate).datatype)
    assert (begin, rns.RDF.type, rns.TIME.Instant) in g


def test_inbound_links_are_not_in_the_rdf(client):
    g = Graph().parse(data=client.get("/doc/gemeente/gm0489.ttl").get_data(), format="turtle")
    assert (URIRef(BAR), rns.ORG.hasMember, URIRef(BARENDRECHT)) not in g
    assert set(g.subjects()) - {s for s in g.subjects() if not isinstance(s, URIRef)} == {URIRef(BARENDRECHT)}


def test_unsupported_accept_is_406_listing_the_offer(client):
    r = client.get("/doc/samenwerking/bar", headers={"Accept": "image/png"})
    assert r.status_code == 406
    body = r.get_data(as_text=True)
    assert "text/turtle" in body and "application/ld+json" in body and ".ttl" in body


def test_unknown_extension_is_404_naming_the_known_ones(client):
    r = client.get("/doc/samenwerking/bar.xyz")
    assert r.status_code == 404
    assert ".xyz" in r.get_data(as_text=True) and ".jsonld" in r.get_data(as_text=True)


# --- the HTML page --------------------------------------------------------------------------------------------------

def test_page_shows_labels_properties_links_and_twins(client, kg):
    html = html_page(client, "/doc/samenwerking/bar")
    page = links(html)
    assert "<h1>BAR-organisatie</h1>" in html
    assert "heeft lid" in html and "has member" not in html  # readable predicate labels, in the page's language
    english = client.get("/doc/samenwerking/bar", headers={"Accept": "text/html", "Accept-Language": "en"}).text
    assert '<html lang="en">' in english and "has member" in english and "heeft lid" not in english
    assert "levert ambtelijke diensten aan" in html  # our own term's label from the ontology
    assert re.search(r'GR openbaar lichaam</span> <span class="lang"[^>]*>@nl</span>', html)  # language tag shown
    assert '<span class="datatype" title="datatype">xsd:date</span>' in html
    for gm in ("gm0489", "gm0597", "gm0613"):
        assert f"/doc/gemeente/{gm}" in page.hrefs  # members go to our page for them ...
        assert str(GM[gm]) in page.hrefs  # ... and to TOOI
    assert "/doc/vorm/werkorganisatie" in page.hrefs
    assert page.alternates == {mime: f"/doc/samenwerking/bar.{ext}" for ext, (mime, _) in FORMATS.items()}
    assert "/doc/lidmaatschap/bar-gm0489" in page.hrefs  # inbound: the memberships point here


def test_page_gives_the_sources_of_its_facts(client, kg):
    html = html_page(client, "/doc/samenwerking/bar")
    hrefs = links(html).hrefs
    pages = kg.select(f"""SELECT ?page WHERE {{ <{BAR}> <http://www.w3.org/ns/prov#wasDerivedFrom> ?s .
        ?s <http://xmlns.com/foaf/0.1/page> ?page }}""")
    assert pages and all(p["page"] in hrefs for p in pages)  # each cited source, with its web page
    assert "/graph/register" in hrefs and "/graph/inferred" in hrefs  # the named graphs the facts come from
    graph_sources = kg.select("""SELECT ?s WHERE { <https://w3id.org/fusiekg/graph/register>
        <http://www.w3.org/ns/prov#wasDerivedFrom> ?s }""")
    assert graph_sources and all(s["s"].replace(BASE + "id/", "/doc/") in hrefs for s in graph_sources)
    assert "/doc/betrouwbaarheid/hoog" in hrefs


def test_page_shows_claims_of_single_sources_about_the_resource(client, kg):
    rows = kg.select("""SELECT ?org ?st WHERE { ?st a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> ;
        <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?org } LIMIT 1""")
    assert rows
    path = rows[0]["org"].replace(BASE + "id/", "/doc/")
    assert rows[0]["st"].replace(BASE + "id/", "/doc/") in links(html_page(client, path)).hrefs


def test_municipality_page_describes_the_tooi_iri(client, kg):
    html = html_page(client, "/doc/gemeente/gm0489")
    hrefs = links(html).hrefs
    assert "<h1>Barendrecht</h1>" in html
    assert str(BARENDRECHT) in html and str(BARENDRECHT) in hrefs
    assert "/doc/samenwerking/bar" in hrefs  # its cooperation, from the memberships table
    assert "/doc/provincie/pv28" in hrefs  # TOOI province, on our page too
    g = Graph().parse(data=client.get("/doc/gemeente/gm0489.ttl").get_data(), format="turtle")
    assert (URIRef(BARENDRECHT), rns.RDF.type, TOOIONT.Gemeente) in g
    assert (URIRef(BARENDRECHT), FKG.cbsCode, Literal("GM0489")) in g


def test_municipality_page_lists_the_mergers_it_took_part_in(client, kg):
    row = kg.select(f"""SELECT ?m ?e WHERE {{ ?e a <{TOOIONT.Samenvoeging}> ; <http://www.w3.org/ns/prov#generated> ?m }}
        ORDER BY ?e LIMIT 1""")[0]
    ended = kg.select(f"SELECT ?x WHERE {{ <{row['e']}> <http://www.w3.org/ns/prov#invalidated> ?x }}")
    hrefs = links(html_page(client, "/doc/gemeente/" + row["m"].rsplit("/", 1)[1])).hrefs
    event_page = "/doc/gemeente/" + row["e"].rsplit("/", 1)[1]
    assert event_page in hrefs
    assert ended and all("/doc/gemeente/" + x["x"].rsplit("/", 1)[1] in hrefs for x in ended)
    event = client.get(event_page, headers={"Accept": "text/html"})  # the TOOI merger event has a page too
    when = kg.select(f"SELECT ?t WHERE {{ <{row['e']}> <{TOOIONT.tijdstipWijziging}> ?t }}")[0]["t"][:10]
    assert event.status_code == 200 and f"<h1>samenvoeging {when}</h1>" in event.get_data(as_text=True)


def test_id_gemeente_is_not_ours_and_points_to_the_tooi_page(client):
    r = client.get("/id/gemeente/gm0489")
    assert r.status_code == 404
    assert "/doc/gemeente/gm0489" in r.get_data(as_text=True)
    assert str(BARENDRECHT) in r.get_data(as_text=True)


def test_graph_page_describes_a_named_graph(client, kg):
    html = html_page(client, "/graph/register")
    triples = kg.manifest["graphs"][f"{BASE}graph/register"]
    assert f">{triples}</span>" in html  # void:triples of the graph, from the metadata
    assert "/dumps/register.ttl.gz" in links(html).hrefs


def test_unknown_resource_is_404_with_a_search_box(client):
    r = client.get("/doc/samenwerking/bestaat-niet", headers={"Accept": "text/html"})
    assert r.status_code == 404 and media(r) == "text/html"
    page = links(r.get_data(as_text=True))
    assert "/zoek" in page.forms
    plain = client.get("/doc/samenwerking/bestaat-niet")  # curl-like clients get the plain error body
    assert plain.status_code == 404 and media(plain) == "text/plain"
    assert "samenwerking/bestaat-niet" in plain.get_data(as_text=True)
    assert client.get("/doc/samenwerking/bestaat-niet.ttl").status_code == 404


def test_invalid_path_is_404_saying_why(client):
    r = client.get("/doc/samen werking/bar")
    assert r.status_code == 404 and "not a valid resource path" in r.get_data(as_text=True)


def test_links_stay_on_this_server_and_iris_do_not_change(client):
    html = html_page(client, "/doc/samenwerking/bar")
    hrefs = links(html).hrefs
    assert not [h for h in hrefs if h.startswith(BASE)]  # no link leaves for the persistent base
    assert str(BAR) in html  # the IRI itself is shown as it is


def test_public_base_is_used_for_links_only(public_client):
    html = html_page(public_client, "/doc/samenwerking/bar")
    page = links(html)
    assert "https://fusiekg.example.org/doc/gemeente/gm0489" in page.hrefs
    assert page.alternates["text/turtle"] == "https://fusiekg.example.org/doc/samenwerking/bar.ttl"
    assert str(BAR) in html
    r = public_client.get("/id/samenwerking/bar")
    assert r.headers["Location"] == "https://fusiekg.example.org/doc/samenwerking/bar"
    ttl = public_client.get("/doc/samenwerking/bar.ttl").get_data(as_text=True)
    assert "fusiekg.example.org" not in ttl  # the data keeps its persistent IRIs
    assert (URIRef(BAR), rns.ORG.hasMember, URIRef(BARENDRECHT)) in Graph().parse(data=ttl, format="turtle")


# --- lookup ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["Barendrecht", "barendrecht", "GM0489", "gm0489", "0489", "489"])
def test_lookup_goes_straight_to_the_one_match(client, q):
    r = client.get("/zoek", query_string={"q": q}, headers={"Accept": "text/html"})
    assert (r.status_code, r.headers["Location"]) == (303, "/doc/gemeente/gm0489")


def test_lookup_ignores_accents_and_case(client, kg):
    rows = kg.select(f"SELECT ?x WHERE {{ ?x <{FKG.cbsCode}> 'GM1900' }}")
    r = client.get("/zoek", query_string={"q": "sudwest FRYSLAN"}, headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["Location"] == "/doc/gemeente/" + rows[0]["x"].rsplit("/", 1)[1]


def test_lookup_lists_several_matches_and_answers_json(client):
    r = client.get("/zoek", query_string={"q": "groningen"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and "/doc/gemeente/gm0014" in links(r.get_data(as_text=True)).hrefs
    j = client.get("/zoek", query_string={"q": "groningen"}, headers={"Accept": "application/json"}).get_json()
    assert j["count"] == len(j["results"]) >= 2
    assert j["results"][0]["iri"] == str(GM.gm0014)  # the exact name first
    assert {"gemeente", "samenwerking"} <= {x["kind"] for x in j["results"]}
    one = client.get("/zoek", query_string={"q": "Barendrecht", "format": "json"}).get_json()
    assert one["count"] == 1 and one["results"][0]["tooi"] == str(BARENDRECHT)  # JSON gets the list, no 303


def test_lookup_finds_article_concepts_by_name(client, kg):
    row = kg.select(f"""SELECT ?c ?l WHERE {{ ?c a <{FKG.Faalfactor}> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?l
        FILTER(LANG(?l) = "nl") }} ORDER BY ?c LIMIT 1""")[0]
    j = client.get("/zoek", query_string={"q": row["l"]}, headers={"Accept": "application/json"}).get_json()
    assert row["c"] in [x["iri"] for x in j["results"]]


def test_lookup_without_match_or_query_and_bad_input(client):
    assert client.get("/zoek", query_string={"q": "GM9999", "format": "json"}).get_json()["count"] == 0
    r = client.get("/zoek", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "/zoek" in links(r.get_data(as_text=True)).forms
    long = client.get("/zoek", query_string={"q": "x" * 500})
    assert long.status_code == 400 and "limit" in long.get_data(as_text=True)
    assert client.get("/zoek", query_string={"q": "a", "format": "xml"}).status_code == 400
    assert client.get("/zoek", query_string={"q": "a"}, headers={"Accept": "image/png"}).status_code == 406


# --- end to end, against the real server ------------------------------------------------------------------------

def test_e2e_dereference_lookup_and_conneg(server):
    r = requests.get(server + "/id/samenwerking/bar", headers={"Accept": "text/turtle"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/doc/samenwerking/bar.ttl")
    r = requests.get(server + "/id/samenwerking/bar", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef(BAR), rns.ORG.hasMember, URIRef(BARENDRECHT)) in g
    page = requests.get(server + "/zoek", params={"q": "Barendrecht"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and unquote(page.url).endswith("/doc/gemeente/gm0489")
    assert "<h1>Barendrecht</h1>" in page.text
    twin = links(page.text).alternates["application/ld+json"]
    j = requests.get(server + twin)
    assert j.status_code == 200 and Graph().parse(data=j.text, format="json-ld").value(
        URIRef(BARENDRECHT), FKG.cbsCode) == Literal("GM0489")
