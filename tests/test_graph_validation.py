"""The build's SHACL check (SPARQL on pyoxigraph) gives pyshacl's verdict and results, on the real graph and on
broken copies of it, and names the focus node and the message when the graph does not conform."""

from __future__ import annotations

from datetime import UTC, datetime

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, SKOS, XSD

from fusiekg import resources
from fusiekg.build import SHIPPED_SHAPES, _parse_files, _ttl_files, check_shapes, load_sources
from fusiekg.graph_validation import pyshacl_findings, validate_store
from fusiekg.importers import regelingen, register, roo, tooi
from fusiekg.metadata import describe_dataset
from fusiekg.namespaces import (
    DCTERMS,
    FKG,
    G_INFERRED,
    G_METADATA,
    G_REGELINGEN,
    G_REGISTER,
    G_SHAPES,
    ID,
    ORG,
)
from fusiekg.rdfterms import from_ox, graphs_quads, ox_graph_to_rdflib
from fusiekg.reasoning import reasonable_closure

BAR = ID["samenwerking/bar"]


# A sample of the regelingen graph: every regeling the register links to, plus some that bring the rest of the model
# in (a centrumgemeenteregeling, a gemeenschappelijk orgaan, foreign participants, a body without its own record).
# The whole graph (115k triples) would make every pyshacl comparison below take a minute.
SAMPLE_FILES = ("centrumgemeenteregeling-samenwerking-dantumadiel-en-leeuwarden.yaml", "natuurgrenspark-de-groote-heide.yaml",
                "gemeenschappelijke-regeling-samenwerking-werk-en-inkomen-baarn-bunschoten-en-soest.yaml",
                "samenwerkingsverband-aalsmeer-uithoorn.yaml")


def sample_of_regelingen(data) -> Graph:
    records = roo.read(data / "register" / roo.FOLDER)
    register_graph = register.load(data, records=records)
    linked = {str(o).rsplit("roo-", 1)[-1] for o in register_graph.objects(None, FKG.regeling)}
    seeds = {r for key in linked for r in records.versions[key]} | {records.files[f] for f in SAMPLE_FILES}
    return regelingen.convert(records.subset(records.cluster(seeds)), tooi.index(data))[0]


@pytest.fixture(scope="module")
def shipped():
    """The graphs the build validates (asserted, inferred, metadata) and the shipped shapes, made as the build
    makes them (with a sample of the regelingen graph)."""
    graphs = load_sources().graphs
    graphs[str(G_REGELINGEN)] = sample_of_regelingen(resources.path("data"))
    knowledge = [g for name, g in graphs.items() if name != str(G_SHAPES)]
    graphs[str(G_INFERRED)] = reasonable_closure(knowledge)
    manifest = {"build_id": "test", "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "fusiekg_version": "test", "fingerprint": "0" * 64, "reasoner": "reasonable",
                "entailment_regime": "http://www.w3.org/ns/entailment/OWL-RL", "includes": [], "timings_s": {}}
    graphs[str(G_METADATA)] = describe_dataset(graphs, manifest)
    shapes = _parse_files([p for p in _ttl_files(resources.path("shapes")) if p.name in SHIPPED_SHAPES])
    return {n: g for n, g in graphs.items() if n != str(G_SHAPES)}, shapes


def _key(f):
    return f.severity, f.focus, f.component, f.path, f.value, f.messages


def both(graphs: dict[str, Graph], shapes: Graph):
    """(our outcome, pyshacl's verdict, pyshacl's findings) on the same graphs as the store holds them: what the
    endpoint and the dumps publish."""
    store = ox.Store()
    store.bulk_extend(graphs_quads(graphs))
    ours = validate_store(store, list(graphs), shapes)
    union = Graph()
    for name in graphs:
        union += ox_graph_to_rdflib(store, name)
    ref_conforms, ref = pyshacl_findings(union, shapes)
    return ours, ref_conforms, ref


def changed(graphs: dict[str, Graph], name, remove=(), add=()) -> dict[str, Graph]:
    """A copy of `graphs` with triples removed from and added to graph `name` (the originals are untouched)."""
    g = Graph()
    for t in graphs[str(name)]:
        g.add(t)
    for pattern in remove:
        g.remove(pattern)
    for t in add:
        g.add(t)
    return {**graphs, str(name): g}


def first_membership(graphs) -> URIRef:
    reg = graphs[str(G_REGISTER)]
    return sorted(s for s in reg.subjects(ORG.organization, BAR))[0]


def test_real_graph_conforms_and_both_checkers_agree(shipped):
    graphs, shapes = shipped
    ours, ref_conforms, ref = both(graphs, shapes)
    assert ours.conforms and ref_conforms
    assert ours.fallback_shapes == []  # every shipped shape runs as SPARQL
    assert sorted(map(_key, ours.findings)) == sorted(map(_key, ref))  # the same warnings, if any


BREAKAGES = {
    # a cooperation without its name (sh:minCount on skos:prefLabel)
    "cooperation without a label": (
        lambda gs: changed(gs, G_REGISTER, remove=[(BAR, SKOS.prefLabel, None)]),
        str(BAR), "De naam (skos:prefLabel) ontbreekt."),
    # a membership without its member (sh:minCount on org:member)
    "membership without a member": (
        lambda gs: changed(gs, G_REGISTER, remove=[(first_membership(gs), ORG.member, None)]),
        None, "Een lidmaatschap heeft precies één lid (org:member, een IRI)"),
    # a start date that is no date at all (ill-typed xsd:date) and a start date given as plain text
    "ill-typed date": (
        lambda gs: changed(gs, G_REGISTER, remove=[(BAR, FKG.startdatum, None)],
                           add=[(BAR, FKG.startdatum, Literal("geen datum", datatype=XSD.date))]),
        str(BAR), "Er is hoogstens één startdatum (fkg:startdatum), een xsd:date of xsd:gYear."),
    "date as text": (
        lambda gs: changed(gs, G_REGISTER, remove=[(BAR, FKG.startdatum, None)],
                           add=[(BAR, FKG.startdatum, Literal("2008-01-01"))]),
        str(BAR), "Er is hoogstens één startdatum (fkg:startdatum), een xsd:date of xsd:gYear."),
    # a rank of 0 (sh:minInclusive 1), and a rank given as a decimal (sh:datatype xsd:integer)
    "rank below one": (
        lambda gs: changed(gs, "https://w3id.org/fusiekg/graph/article",
                           remove=[(ID["faalfactor/te-weinig-persoonlijke-klik"], FKG.rang, None)],
                           add=[(ID["faalfactor/te-weinig-persoonlijke-klik"], FKG.rang,
                                 Literal("0", datatype=XSD.integer))]),
        str(ID["faalfactor/te-weinig-persoonlijke-klik"]), "Een faalfactor of voordeel heeft precies één rang"),
    "rank as a decimal": (
        lambda gs: changed(gs, "https://w3id.org/fusiekg/graph/article",
                           remove=[(ID["faalfactor/te-weinig-persoonlijke-klik"], FKG.rang, None)],
                           add=[(ID["faalfactor/te-weinig-persoonlijke-klik"], FKG.rang,
                                 Literal("1.5", datatype=XSD.decimal))]),
        str(ID["faalfactor/te-weinig-persoonlijke-klik"]), "Een faalfactor of voordeel heeft precies één rang"),
    # a SHACL-SPARQL rule: the host municipality must be a participant
    "host municipality not a participant": (
        lambda gs: changed(gs, G_REGISTER, add=[
            (BAR, FKG.centrumgemeente, URIRef("https://identifier.overheid.nl/tooi/id/gemeente/gm0363"))]),
        str(FKG.AmbtelijkeSamenwerking), "staat niet bij de deelnemers"),
    # sh:class on a property's values: a membership of something that is no organisation (an IRI without a type,
    # and a literal)
    "membership of a non-organisation": (
        lambda gs: changed(gs, G_REGISTER, remove=[(first_membership(gs), ORG.organization, None)],
                           add=[(first_membership(gs), ORG.organization, ID["samenwerking/bestaat-niet"]),
                                (first_membership(gs), ORG.organization, Literal("Bar"))]),
        None, None),
    # sh:class on the focus node itself: a confidence level that is no skos:Concept
    "confidence level that is no concept": (
        lambda gs: changed(gs, G_REGISTER, remove=[(BAR, FKG.betrouwbaarheid, None)],
                           add=[(BAR, FKG.betrouwbaarheid, ID["betrouwbaarheid/onbekend"])]),
        str(ID["betrouwbaarheid/onbekend"]), None),
    # the dataset description (DCAT-AP-NL shapes) without its title
    "dataset without a title": (
        lambda gs: changed(gs, G_METADATA, remove=[(None, DCTERMS.title, None)]),
        None, None),
}


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_broken_graph_fails_with_the_same_results_as_pyshacl(shipped, name):
    graphs, shapes = shipped
    breakage, focus, message = BREAKAGES[name]
    broken = breakage(graphs)
    ours, ref_conforms, ref = both(broken, shapes)
    assert not ours.conforms and not ref_conforms
    assert sorted(map(_key, ours.findings)) == sorted(map(_key, ref))
    text = ours.text()
    if focus is not None:
        assert f"Focus Node: <{focus}>" in text
    if message is not None:
        assert message in text


def test_build_check_names_focus_node_and_message(shipped):
    graphs, shapes = shipped
    broken = changed(graphs, G_REGISTER, remove=[(BAR, SKOS.prefLabel, None)])
    conforms, text, violations = check_shapes(list(broken.values()), shapes)
    assert not conforms and violations >= 1
    assert f"Focus Node: <{BAR}>" in text
    assert "The name (skos:prefLabel) is missing." in text


def test_a_shape_the_sparql_engine_does_not_cover_is_checked_by_pyshacl():
    ex = "https://example.org/"
    shapes = Graph().parse(data=f"""
        @prefix sh: <{SH}> . @prefix ex: <{ex}> .
        ex:Closed a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ;
            sh:ignoredProperties ( <{RDF.type}> ) ; sh:property [ sh:path ex:name ] ;
            sh:message "only ex:name"@en .
        ex:Named a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "a name"@en ] .
    """, format="turtle")
    data = Graph().parse(data=f"""@prefix ex: <{ex}> .
        ex:a a ex:Thing ; ex:name "a" ; ex:other 1 .
        ex:b a ex:Thing . """, format="turtle")
    conforms, text, violations = check_shapes([data], shapes)
    assert not conforms and violations == 2
    assert f"Focus Node: <{ex}a>" in text and "only ex:name" in text  # from pyshacl (sh:closed)
    assert f"Focus Node: <{ex}b>" in text and "a name" in text  # from the SPARQL engine


def test_the_check_judges_literals_as_the_store_publishes_them():
    """A shape that asks for an integer subtype cannot be met by what is published (the store keeps
    "1"^^xsd:positiveInteger as "1"^^xsd:integer): the build's check fails, as pyshacl on the dumps would, even though
    pyshacl on the source as written says it conforms. So such a regression in shapes or sources stops the build."""
    ex = "https://example.org/"
    shapes = Graph().parse(data=f"""
        @prefix sh: <{SH}> . @prefix ex: <{ex}> . @prefix xsd: <{XSD}> .
        ex:Ranked a sh:NodeShape ; sh:targetClass ex:Thing ;
            sh:property [ sh:path ex:rank ; sh:datatype xsd:positiveInteger ; sh:message "a rank"@en ] .
    """, format="turtle")
    data = Graph().parse(data=f"""@prefix ex: <{ex}> . @prefix xsd: <{XSD}> .
        ex:a a ex:Thing ; ex:rank "1"^^xsd:positiveInteger . """, format="turtle")
    written, _ = pyshacl_findings(Graph() + data, shapes)
    assert written  # as written in the source, it conforms
    conforms, text, violations = check_shapes([data], shapes)
    assert not conforms and violations == 1
    assert f"Focus Node: <{ex}a>" in text and "a rank" in text


def test_the_published_dump_conforms_to_the_shipped_shapes(store_dir):
    """pyshacl, not our engine, on what users download: every graph of dumps/all.nq.gz as data, against the shapes
    the project ships. Warnings are allowed (the catalogue's contact point has no e-mail address or form: none is
    known), violations are not."""
    import gzip

    from pyshacl import validate

    data = Graph()
    for q in ox.parse(gzip.decompress((store_dir / "dumps" / "all.nq.gz").read_bytes()), ox.RdfFormat.N_QUADS):
        data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    shapes = _parse_files([p for p in _ttl_files(resources.path("shapes")) if p.name in SHIPPED_SHAPES])
    conforms, report, text = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    violations = list(report.subjects(SH.resultSeverity, SH.Violation))
    assert conforms and not violations, text
