"""IRIs and prefixes shared by every module, so that no module spells a namespace itself (see docs/model.md)."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VOID, XSD

BASE = "https://w3id.org/fusiekg/"
FKG = Namespace(BASE + "def/")
ONTOLOGY_IRI = BASE + "def"
DSH = Namespace(BASE + "def/shape/description/")  # the rules a submitted description is checked against
ID = Namespace(BASE + "id/")
DOC = Namespace(BASE + "doc/")
GRAPH = Namespace(BASE + "graph/")
TOOIONT = Namespace("https://identifier.overheid.nl/tooi/def/ont/")
GM = Namespace("https://identifier.overheid.nl/tooi/id/gemeente/")
PV = Namespace("https://identifier.overheid.nl/tooi/id/provincie/")
SO = Namespace("https://identifier.overheid.nl/tooi/id/so/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SCHEMA = Namespace("https://schema.org/")
W3C_FORMATS = Namespace("http://www.w3.org/ns/formats/")  # IRIs of RDF and result formats (service description)

# Named graphs, one per source (docs/model.md).
G_ONTOLOGY = GRAPH.ontology
G_SHAPES = GRAPH.shapes
G_ARTICLE = GRAPH.article
G_REGISTER = GRAPH.register
G_REGELINGEN = GRAPH.regelingen
G_MUNICIPALITIES = GRAPH.municipalities
G_METADATA = GRAPH.metadata
G_INFERRED = GRAPH.inferred

PREFIXES: dict[str, str] = {
    "fkg": str(FKG),
    "fkgid": str(ID),
    "fkgg": str(GRAPH),
    "tooiont": str(TOOIONT),
    "gm": str(GM),
    "pv": str(PV),
    "so": str(SO),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "time": str(TIME),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "foaf": str(FOAF),
    "dcat": str(DCAT),
    "void": str(VOID),
    "sd": str(SD),
    "schema": str(SCHEMA),
}


def sparql_prologue() -> str:
    """PREFIX lines for every known prefix, for query pages and tests."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def bind_all(graph) -> None:
    """Bind our prefixes on an rdflib graph or dataset so serialisations read well."""
    for p, iri in PREFIXES.items():
        graph.bind(p, iri, override=True)
