"""The dataset's description of itself (graph fkgg:metadata): DCAT-AP-NL 3.0 and VoID, checked with SHACL.

Small graphs test what the description says and that shapes/dcat-ap-nl.ttl catches broken descriptions; the real
build (fixtures `store_dir`, `kg`) tests that the served description matches the store and its dumps.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, PROV, RDF, SH, SKOS, TIME, VOID, XSD

from fusiekg.dumps import graph_slug as dump_slug
from fusiekg.metadata import (
    CATALOG,
    CC0,
    DATASET,
    DUMPS_BASE,
    EU_THEME,
    SERVICE,
    SPARQL_ENDPOINT,
    SPARQL_PROTOCOL,
    TOOI_DATASET,
    TOOI_ID,
    TOOI_ROOT,
    MetadataError,
    describe_dataset,
)
from fusiekg.namespaces import (
    FKG,
    G_ARTICLE,
    G_INFERRED,
    G_METADATA,
    G_MUNICIPALITIES,
    G_ONTOLOGY,
    G_REGISTER,
    GM,
    GRAPH,
    ID,
    SO,
    TOOIONT,
)
from fusiekg.rdfterms import ox_graph_to_rdflib

REPO = Path(__file__).resolve().parents[1]
SHAPES = REPO / "shapes" / "dcat-ap-nl.ttl"
TOOI_SET = URIRef("https://identifier.overheid.nl/tooi/set/rwc_gemeenten_compleet/4")
MANIFEST = {"built_at": "2025-03-01T12:00:00+00:00", "reasoner": "owlrl", "fusiekg_version": "0.1.0",
            "entailment_regime": "http://www.w3.org/ns/entailment/OWL-RL", "build_id": "test"}


# --- helpers -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def check(data: Graph, shapes: Graph) -> list[dict]:
    """All validation results as dicts (severity, shape, focus, messages by language)."""
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append({
            "severity": report.value(r, SH.resultSeverity),
            "shape": report.value(r, SH.sourceShape),
            "focus": report.value(r, SH.focusNode),
            "messages": {m.language: str(m) for m in report.objects(r, SH.resultMessage)},
        })
    return out


def violations(results: list[dict]) -> list[dict]:
    return [r for r in results if r["severity"] == SH.Violation]


def interval(g: Graph, membership, link, value: Literal) -> None:
    iv, instant = BNode(), BNode()
    g.add((membership, ORG.memberDuring, iv))
    g.add((iv, link, instant))
    g.add((instant, TIME.inXSDDate if value.datatype == XSD.date else TIME.inXSDgYear, value))


def small_graphs() -> dict[str, Graph]:
    """A few facts in the shape the importers produce: enough for every part of the description."""
    onto = Graph()
    onto.add((FKG.Werkorganisatie, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")))

    reg = Graph()
    bel, gron = ID["samenwerking/bel"], ID["samenwerking/gron-tenboer"]
    for org in (bel, gron):
        reg.add((org, RDF.type, FKG.Werkorganisatie))
    reg.add((bel, FKG.startdatum, Literal("2008-01-01", datatype=XSD.date)))
    reg.add((gron, FKG.startdatum, Literal("2007", datatype=XSD.gYear)))
    reg.add((gron, FKG.einddatum, Literal("2019-01-01", datatype=XSD.date)))
    reg.add((gron, FKG.einddatum, Literal("2023", datatype=XSD.gYear)))  # same day as 2023-01-01 below: less precise
    reg.add((bel, FKG.einddatum, Literal("2018/2019", datatype=XSD.gYear)))  # ill-typed: must be skipped
    for gm in (GM.gm0376, GM.gm0317, GM.gm0417):
        reg.add((bel, ORG.hasMember, gm))
    reg.add((bel, FKG.tooiOrganisatie, SO.so0756))
    m = ID["lidmaatschap/wodv-gm0626"]
    reg.add((m, ORG.member, GM.gm0626))
    interval(reg, m, TIME.hasBeginning, Literal("2013-01-01", datatype=XSD.date))
    interval(reg, m, TIME.hasEnd, Literal("2023-01-01", datatype=XSD.date))
    reg.add((GM.gm0376, ORG.memberOf, bel))  # TOOI subject: not a link *from* our data
    csv = ID["bron/register-ambtelijke-fusies"]
    reg.add((csv, RDF.type, DCTERMS.BibliographicResource))
    reg.add((G_REGISTER, PROV.wasDerivedFrom, csv))

    mun = Graph()
    mun.add((GM.gm0376, RDF.type, TOOIONT.Gemeente))
    mun.add((G_MUNICIPALITIES, PROV.wasDerivedFrom, TOOI_SET))
    mun.add((TOOI_SET, URIRef("http://purl.org/pav/derivedFrom"), URIRef(TOOI_ID + "gemeente")))  # TOOI's own

    art = Graph()
    bb = ID["bron/binnenlands-bestuur-ambtenaar-wordt-te-slim"]
    art.add((bb, RDF.type, DCTERMS.BibliographicResource))
    art.add((ID["bevinding/x"], PROV.wasDerivedFrom, bb))
    art.add((ID["bevinding/x"], PROV.wasDerivedFrom, URIRef("https://example.org/not-a-source")))

    inferred = Graph()
    inferred.add((GM.gm0376, ORG.memberOf, bel))
    return {str(G_ONTOLOGY): onto, str(G_ARTICLE): art, str(G_REGISTER): reg,
            str(G_MUNICIPALITIES): mun, str(G_INFERRED): inferred}


@pytest.fixture()
def graphs() -> dict[str, Graph]:
    return small_graphs()


@pytest.fixture()
def meta(graphs) -> Graph:
    return describe_dataset(graphs, dict(MANIFEST))


def distributions_by_url(g: Graph) -> dict[str, URIRef]:
    return {str(url): d for d in g.objects(DATASET, DCAT.distribution) for url in g.objects(d, DCAT.downloadURL)}


# --- what the description says ---------------------------------------------------------------------------------

def test_small_description_conforms_and_only_the_missing_contact_channel_is_flagged(meta, shapes):
    results = check(meta, shapes)
    assert violations(results) == []
    # The one gap DCAT-AP-NL recommends we fill: no e-mail address or contact form exists yet.
    assert {r["shape"] for r in results} == {FKG.DcatContactReachShape}
    assert all(set(r["messages"]) == {"nl", "en"} for r in results)


def test_catalogue_lists_dataset_and_sparql_service(meta):
    assert (CATALOG, RDF.type, DCAT.Catalog) in meta
    assert (CATALOG, DCAT.dataset, DATASET) in meta
    assert (CATALOG, DCAT.service, SERVICE) in meta
    assert (SERVICE, RDF.type, DCAT.DataService) in meta
    assert (SERVICE, DCAT.endpointURL, URIRef("https://w3id.org/fusiekg/sparql")) in meta
    assert (SERVICE, DCAT.servesDataset, DATASET) in meta
    assert (SERVICE, DCTERMS.conformsTo, SPARQL_PROTOCOL) in meta
    assert (DATASET, VOID.sparqlEndpoint, SPARQL_ENDPOINT) in meta


def test_titles_descriptions_and_themes(meta):
    for node in (CATALOG, DATASET, SERVICE):
        for prop in (DCTERMS.title, DCTERMS.description):
            assert {lit.language for lit in meta.objects(node, prop)} >= {"nl", "en"}, (node, prop)
    themes = set(meta.objects(DATASET, DCAT.theme))
    assert EU_THEME.GOVE in themes
    assert URIRef("http://standaarden.overheid.nl/owms/terms/Bestuur") in themes  # data.overheid.nl list
    assert all(meta.value(t, SKOS.prefLabel) is not None for t in themes)


def test_publisher_is_the_project_with_a_name_and_no_borrowed_identifier(meta):
    publisher = meta.value(DATASET, DCTERMS.publisher)
    assert publisher == ID["organisatie/fusiekg"]
    assert {n.language for n in meta.objects(publisher, FOAF.name)} == {"nl", "en"}
    assert not str(publisher).startswith(TOOI_ID)


def test_temporal_coverage_is_earliest_start_and_latest_end_in_the_register(meta):
    period = meta.value(DATASET, DCTERMS.temporal)
    assert meta.value(period, DCAT.startDate) == Literal("2007", datatype=XSD.gYear)
    assert meta.value(period, DCAT.endDate) == Literal("2023-01-01", datatype=XSD.date)


def test_no_register_means_no_temporal_coverage_but_still_valid(graphs, shapes):
    del graphs[str(G_REGISTER)]
    meta = describe_dataset(graphs, dict(MANIFEST))
    assert meta.value(DATASET, DCTERMS.temporal) is None
    assert violations(check(meta, shapes)) == []


def test_every_dump_file_has_a_licensed_distribution(meta, graphs):
    by_url = distributions_by_url(meta)
    expected = {DUMPS_BASE + "all.nq.gz", DUMPS_BASE + "all.trig.gz"} | {
        f"{DUMPS_BASE}{dump_slug(name)}.ttl.gz" for name in [*graphs, str(G_METADATA)]}
    assert set(by_url) == expected
    for dist in by_url.values():
        assert meta.value(dist, DCTERMS.license) == CC0
        assert str(meta.value(dist, DCTERMS.format)).startswith(
            "http://publications.europa.eu/resource/authority/file-type/")
        assert meta.value(dist, DCAT.mediaType) is not None
    assert meta.value(by_url[DUMPS_BASE + "all.trig.gz"], DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/trig")


def test_triple_counts_per_graph_and_in_total(meta, graphs):
    for name, graph in graphs.items():
        assert meta.value(URIRef(name), VOID.triples).toPython() == len(graph), name
    assert meta.value(G_METADATA, VOID.triples).toPython() == len(meta)
    assert meta.value(DATASET, VOID.triples).toPython() == sum(map(len, graphs.values())) + len(meta)


def test_each_graph_says_where_it_comes_from(meta):
    assert (G_REGISTER, PROV.wasDerivedFrom, ID["bron/register-ambtelijke-fusies"]) in meta
    assert (G_MUNICIPALITIES, PROV.wasDerivedFrom, TOOI_SET) in meta
    # The article graph names no source for itself: its facts' cited sources stand in, untyped IRIs do not.
    assert set(meta.objects(G_ARTICLE, PROV.wasDerivedFrom)) == {
        ID["bron/binnenlands-bestuur-ambtenaar-wordt-te-slim"]}
    assert (G_INFERRED, PROV.wasDerivedFrom, G_REGISTER) in meta


def test_linksets_count_our_links_to_tooi_per_predicate(meta):
    linksets = {meta.value(ls, VOID.linkPredicate): ls
                for ls in meta.subjects(RDF.type, VOID.Linkset) if meta.value(ls, VOID.subjectsTarget) == G_REGISTER}
    assert linksets[ORG.hasMember] and meta.value(linksets[ORG.hasMember], VOID.triples).toPython() == 3
    assert meta.value(linksets[FKG.tooiOrganisatie], VOID.triples).toPython() == 1
    assert meta.value(linksets[ORG.member], VOID.triples).toPython() == 1
    assert ORG.memberOf not in linksets  # gm:… org:memberOf … starts at TOOI, not at our data
    for ls in linksets.values():
        assert meta.value(ls, VOID.objectsTarget) == TOOI_DATASET
    # What TOOI's value lists say about themselves is theirs, not a link of ours.
    assert not any(meta.value(ls, VOID.subjectsTarget) == G_MUNICIPALITIES
                   for ls in meta.subjects(RDF.type, VOID.Linkset))
    assert str(meta.value(TOOI_DATASET, VOID.uriSpace)) == "https://identifier.overheid.nl/tooi/id/"


def test_class_and_property_partitions(meta):
    parts = {meta.value(p, VOID["class"]): meta.value(p, VOID.entities).toPython()
             for p in meta.objects(G_REGISTER, VOID.classPartition)}
    assert parts[FKG.Werkorganisatie] == 2
    props = {meta.value(p, VOID.property): meta.value(p, VOID.triples).toPython()
             for p in meta.objects(G_REGISTER, VOID.propertyPartition)}
    assert props[ORG.hasMember] == 3


def test_included_file_is_described_and_its_terms_are_not_claimed(graphs, shapes):
    inc = Graph()
    inc.add((ID["samenwerking/x"], ORG.hasMember, GM.gm0489))
    name = f"{GRAPH}include/mijn-fusie-ttl"
    graphs[name] = inc
    meta = describe_dataset(graphs, dict(MANIFEST))
    assert f"{DUMPS_BASE}include-mijn-fusie-ttl.ttl.gz" in distributions_by_url(meta)
    rights = {str(label) for d in meta.objects(DATASET, DCAT.distribution)
              for r in meta.objects(d, DCTERMS.rights) for label in meta.objects(r, None) if isinstance(label, Literal)}
    assert any("--include" in text for text in rights)
    assert violations(check(meta, shapes)) == []


# --- broken descriptions fail --------------------------------------------------------------------------------

def _first_dump(g: Graph) -> URIRef:
    return distributions_by_url(g)[DUMPS_BASE + "all.nq.gz"]


def _drop_licence(g):
    g.remove((_first_dump(g), DCTERMS.license, None))
    return _first_dump(g), FKG.DcatLicenceShape


def _non_cc_licence(g):
    d, lic = _first_dump(g), URIRef("https://example.org/onze-voorwaarden")
    g.set((d, DCTERMS.license, lic))
    g.add((lic, RDF.type, DCTERMS.LicenseDocument))
    return d, FKG.DcatLicenceCcShape


def _only_dutch_themes(g):
    for t in (EU_THEME.GOVE, EU_THEME.REGI):
        g.remove((DATASET, DCAT.theme, t))
    return DATASET, FKG.DcatThemeEuShape


def _no_publisher(g):
    g.remove((DATASET, DCTERMS.publisher, None))
    return DATASET, FKG.DcatPublisherShape


def _unknown_access_rights(g):
    g.set((DATASET, DCTERMS.accessRights, URIRef("https://example.org/open")))
    return DATASET, FKG.DcatAccessRightsShape


def _two_contact_points(g):
    extra = BNode()
    g.add((extra, RDF.type, URIRef("http://www.w3.org/2006/vcard/ns#Kind")))
    g.add((SERVICE, DCAT.contactPoint, extra))
    return SERVICE, FKG.DcatContactPointMaxShape


def _no_english_title(g):
    for t in list(g.objects(DATASET, DCTERMS.title)):
        if t.language == "en":
            g.remove((DATASET, DCTERMS.title, t))
    return DATASET, FKG.DcatTitleEnShape


def _format_not_from_eu_list(g):
    d, fmt = _first_dump(g), URIRef("https://example.org/formats/nquads")
    g.set((d, DCTERMS.format, fmt))
    g.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
    return d, FKG.DcatFormatListShape


def _no_endpoint(g):
    g.remove((SERVICE, DCAT.endpointURL, None))
    return SERVICE, FKG.DcatEndpointUrlShape


def _linkset_without_predicate(g):
    ls = next(g.subjects(RDF.type, VOID.Linkset))
    g.remove((ls, VOID.linkPredicate, None))
    return ls, FKG.VoidLinkPredicateShape


def _language_as_text(g):
    g.add((DATASET, DCTERMS.language, Literal("nl")))
    return DATASET, FKG.DcatLanguageClassShape


@pytest.mark.parametrize("breakage", [
    _drop_licence, _non_cc_licence, _only_dutch_themes, _no_publisher, _unknown_access_rights, _two_contact_points,
    _no_english_title, _format_not_from_eu_list, _no_endpoint, _linkset_without_predicate, _language_as_text,
], ids=lambda f: f.__name__.strip("_"))
def test_broken_description_is_a_violation_with_a_message_in_both_languages(meta, shapes, breakage):
    focus, shape = breakage(meta)
    found = [r for r in violations(check(meta, shapes)) if r["shape"] == shape]
    assert found, f"no violation of {shape}"
    assert found[0]["focus"] == focus
    assert set(found[0]["messages"]) == {"nl", "en"}


def test_shapes_leave_the_knowledge_graphs_alone(shapes):
    """The build validates the knowledge graphs with every shape: DCAT rules must not touch their agents/concepts."""
    g = Graph()
    g.add((ID["doel/x"], RDF.type, SKOS.Concept))  # no label
    g.add((ID["organisatie/x"], RDF.type, FOAF.Agent))  # no name
    g.add((ID["bron/x"], DCTERMS.publisher, ID["organisatie/x"]))
    g.add((ID["bron/x"], DCTERMS.language, Literal("nl")))
    assert check(g, shapes) == []


# --- bad input -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("manifest, fragment", [
    ({"reasoner": "owlrl"}, "built_at"),
    ({**MANIFEST, "built_at": "gisteren"}, "built_at"),
    ({**MANIFEST, "reasoner": ""}, "reasoner"),
])
def test_bad_manifest_gets_a_clear_error(graphs, manifest, fragment):
    with pytest.raises(MetadataError, match=fragment):
        describe_dataset(graphs, manifest)


def test_a_graph_that_is_not_a_graph_is_named_in_the_error(graphs):
    graphs[str(G_REGISTER)] = "not a graph"
    with pytest.raises(MetadataError, match="graph/register"):
        describe_dataset(graphs, dict(MANIFEST))


# --- the real build ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built_meta(kg) -> Graph:
    return ox_graph_to_rdflib(kg.ox, str(G_METADATA))


def test_built_description_conforms_to_dcat_ap_nl(built_meta, shapes):
    assert len(built_meta) > 0
    assert violations(check(built_meta, shapes)) == []


def test_built_description_passes_every_shape_of_the_project(built_meta):
    """shapes/*.ttl (also the other developers' shapes) must find no fault with a node the metadata describes.

    Rules about the data as a whole (e.g. "the input describes a cooperation") are left out: they are about the
    other graphs, which this test does not load.
    """
    every = Graph()
    for f in sorted((REPO / "shapes").glob("*.ttl")):
        every.parse(f, format="turtle")
    described = set(built_meta.subjects())
    assert [r for r in violations(check(built_meta, every)) if r["focus"] in described] == []


def test_dcat_shapes_find_nothing_in_the_built_knowledge_graphs(kg, shapes):
    """The build checks its knowledge graphs with every shape; these DCAT/VoID rules must stay out of that."""
    data = Graph()
    for name in kg.graph_names():
        if name not in (str(G_METADATA), str(GRAPH.shapes)):
            for t in ox_graph_to_rdflib(kg.ox, name):
                data.add(t)
    assert len(data) > 0
    assert check(data, shapes) == []


def test_built_description_names_every_dump_file(built_meta, store_dir):
    manifest = json.loads((Path(store_dir) / "manifest.json").read_text(encoding="utf-8"))
    files = {entry["file"] for entry in manifest["dumps"]}
    urls = set(distributions_by_url(built_meta))
    assert urls == {DUMPS_BASE + f for f in files}


def test_built_counts_match_the_store(built_meta, kg):
    manifest = kg.manifest
    for name, n in manifest["graphs"].items():
        assert built_meta.value(URIRef(name), VOID.triples).toPython() == n, name
    assert built_meta.value(DATASET, VOID.triples).toPython() == manifest["triples"]
    rows = kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(rows[0]["n"]) == manifest["triples"]


def test_built_linksets_match_a_sparql_count(built_meta, kg):
    linksets = list(built_meta.subjects(RDF.type, VOID.Linkset))
    assert any(built_meta.value(ls, VOID.linkPredicate) == ORG.hasMember
               and built_meta.value(ls, VOID.subjectsTarget) == G_REGISTER for ls in linksets)
    for ls in linksets:
        graph, pred = built_meta.value(ls, VOID.subjectsTarget), built_meta.value(ls, VOID.linkPredicate)
        rows = kg.select(f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s <{pred}> ?o
            FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{TOOI_ID}") && !STRSTARTS(STR(?s), "{TOOI_ROOT}")) }} }}""")
        assert int(rows[0]["n"]) == built_meta.value(ls, VOID.triples).toPython(), (graph, pred)


def test_built_temporal_coverage_spans_the_register(built_meta, kg):
    period = built_meta.value(DATASET, DCTERMS.temporal)
    start, end = built_meta.value(period, DCAT.startDate), built_meta.value(period, DCAT.endDate)
    assert start is not None and end is not None
    rows = kg.select(f"""PREFIX fkg: <{FKG}> PREFIX time: <{TIME}>
        SELECT ?v WHERE {{ GRAPH <{G_REGISTER}> {{
          {{ ?x fkg:startdatum ?v }} UNION {{ ?x time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?v }} }} }}""")
    years = [int(r["v"][:4]) for r in rows if r["v"][:4].isdigit()]
    assert years and min(years) == int(str(start)[:4])
    assert str(start) in {r["v"] for r in rows}


def test_description_is_served_as_void(server, shapes):
    resp = requests.get(server + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=30)
    assert resp.status_code == 200
    served = Graph().parse(data=resp.text, format="turtle")
    assert (CATALOG, DCAT.dataset, DATASET) in served
    assert violations(check(served, shapes)) == []
