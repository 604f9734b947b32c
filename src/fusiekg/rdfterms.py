"""Conversion between rdflib terms (the toolkit: parsing, owlrl, pyshacl) and pyoxigraph terms (the store)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID


def to_ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} in the RDF store")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def from_ox(term):
    """The rdflib term; `"x"^^xsd:string` becomes the plain `"x"` (the same RDF 1.1 literal), which rdflib would
    otherwise hold as a second, different term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value, datatype=None if dt == _XSD_STRING else URIRef(dt))
    raise TypeError(f"RDF-star triple terms are not supported here: {term!r}")


def graph_quads(graph: Graph, name: str | None) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph as quads in graph `name` (None: the default graph)."""
    g = ox.NamedNode(name) if name else ox.DefaultGraph()
    for s, p, o in graph:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)


def graphs_quads(graphs: dict[str, Graph]) -> Iterable[ox.Quad]:
    for name, graph in graphs.items():
        yield from graph_quads(graph, None if name == str(DATASET_DEFAULT_GRAPH_ID) else name)


def ox_graph_to_rdflib(store: ox.Store, name: str) -> Graph:
    g = Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
        g.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return g
