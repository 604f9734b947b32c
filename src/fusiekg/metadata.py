"""The dataset's description of itself (graph fkgg:metadata): VoID subsets per graph with their provenance."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, VOID, XSD

from .namespaces import G_ARTICLE, G_INFERRED, G_MUNICIPALITIES, G_ONTOLOGY, G_REGISTER, G_SHAPES, ID

DATASET = ID["dataset/fusiekg"]

_GRAPH_INFO = {
    str(G_ONTOLOGY): ("Ontologie van ambtelijke fusies", "Ontology of ambtelijke fusies", "ontology/"),
    str(G_SHAPES): ("SHACL-shapes", "SHACL shapes", "shapes/"),
    str(G_ARTICLE): ("Feiten uit het artikel van Binnenlands Bestuur (2015)",
                     "Facts from the Binnenlands Bestuur article (2015)", "data/article/"),
    str(G_REGISTER): ("Register van ambtelijke samenwerkingen", "Register of civil-service cooperations",
                      "data/register/"),
    str(G_MUNICIPALITIES): ("Gemeenten en herindelingen (TOOI)", "Municipalities and mergers (TOOI)", "data/tooi/"),
    str(G_INFERRED): ("Afgeleid met OWL 2 RL", "Inferred under OWL 2 RL", None),
}


def describe_dataset(graphs: dict[str, Graph], manifest: dict) -> Graph:
    """VoID for the whole dataset and one subset per named graph, with triple counts and sources."""
    g = Graph()
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, DCTERMS.title, Literal("fusiekg: ambtelijke fusies in Nederland", lang="nl")))
    g.add((DATASET, DCTERMS.title, Literal("fusiekg: shared civil services of Dutch municipalities", lang="en")))
    g.add((DATASET, DCTERMS.modified, Literal(manifest["built_at"], datatype=XSD.dateTime)))
    for name, graph in graphs.items():
        sub = URIRef(name)
        g.add((DATASET, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
        nl, en, folder = _GRAPH_INFO.get(name, ("Toegevoegde gegevens", "Included data", None))
        g.add((sub, RDFS.label, Literal(nl, lang="nl")))
        g.add((sub, RDFS.label, Literal(en, lang="en")))
        if folder:
            g.add((sub, DCTERMS.source, Literal(folder)))
        if name == str(G_INFERRED):
            g.add((sub, PROV.wasDerivedFrom, URIRef(str(G_ONTOLOGY))))
            g.add((sub, DCTERMS.description, Literal(
                f"OWL 2 RL closure computed with {manifest['reasoner']}; only new triples, noise removed.", lang="en")))
    return g
