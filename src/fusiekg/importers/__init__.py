"""Source data → RDF: one module per source (TOOI register, register of fusions), one error type for bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS, TIME, XSD

from ..namespaces import FKG, ID

BETROUWBAARHEID = Namespace(f"{ID}betrouwbaarheid/")


class SourceDataError(ValueError):
    """A source file is missing or says something the importer cannot turn into facts; names the file and place."""

    def __init__(self, path: Path | str, where: str | None, message: str):
        self.path, self.where, self.message = Path(path), where, message
        super().__init__(f"{path}{f' ({where})' if where else ''}: {message}")


def time_instant(g: Graph, ref: str, value: date | int) -> URIRef:
    """`fkgid:tijdstip/{ref}`: the begin or end of one period (`ref` = the period's ref + `-begin` / `-einde`), a
    time:Instant with its day (or only its year). An IRI rather than a blank node so that it can be linked to; one
    per period rather than one per day, because a triple stated in two named graphs is returned twice by a query
    over their union (pyoxigraph keeps the union a bag), and the register and the regelingen share days."""
    node = ID[f"tijdstip/{ref}"]
    g.add((node, RDF.type, TIME.Instant))
    if isinstance(value, date):
        g.add((node, TIME.inXSDDate, Literal(value.isoformat(), datatype=XSD.date)))
    else:
        g.add((node, TIME.inXSDgYear, Literal(f"{value:04d}", datatype=XSD.gYear)))
    return node


def carry(g: Graph, node, sources, confidence: str) -> None:
    """Every fact carrier says where its facts come from (dcterms:source, prov:wasDerivedFrom) and how sure we are."""
    for src in sources:
        g.add((node, DCTERMS.source, src))
        g.add((node, PROV.wasDerivedFrom, src))
    g.add((node, FKG.betrouwbaarheid, BETROUWBAARHEID[confidence]))


def note(g: Graph, node, nl: str, en: str) -> None:
    """A note in Dutch and English (skos:note)."""
    g.add((node, SKOS.note, Literal(nl, lang="nl")))
    g.add((node, SKOS.note, Literal(en, lang="en")))
