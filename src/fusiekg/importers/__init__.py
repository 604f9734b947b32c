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


def time_instant(g: Graph, value: date | int) -> URIRef:
    """`fkgid:tijdstip/YYYY-MM-DD` (or `/YYYY` when only the year is known): one shared time:Instant per day or
    year, so that dated memberships need no blank nodes and every graph names the same instant alike."""
    if isinstance(value, date):
        node = ID[f"tijdstip/{value.isoformat()}"]
        g.add((node, RDF.type, TIME.Instant))
        g.add((node, TIME.inXSDDate, Literal(value.isoformat(), datatype=XSD.date)))
    else:
        node = ID[f"tijdstip/{value:04d}"]
        g.add((node, RDF.type, TIME.Instant))
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
