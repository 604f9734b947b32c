"""The dataset's description of itself (graph fkgg:metadata), computed from the build so it never goes stale.

DCAT-AP-NL 3.0: a catalogue with one dataset, its distributions (the dumps and the SPARQL endpoint) and the SPARQL
service as a dcat:DataService. VoID: statistics, one subset per named graph with its provenance, and linksets that
count our links to TOOI identifiers. shapes/dcat-ap-nl.ttl checks what this module writes.

The dumps are written after this graph (they contain it), so distributions are described by their persistent
download URL, not by byte size or checksum; /dumps/ lists those.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD

from .dumps import graph_slug as dump_slug
from .namespaces import (
    BASE,
    DOC,
    FKG,
    G_ARTICLE,
    G_INFERRED,
    G_METADATA,
    G_MUNICIPALITIES,
    G_ONTOLOGY,
    G_REGELINGEN,
    G_REGISTER,
    G_SHAPES,
    GM,
    ID,
    ONTOLOGY_IRI,
    PREFIXES,
    PV,
    SD,
    SO,
    TOOIONT,
    W3C_FORMATS,
)
from .sparql import GRAPH_FORMATS, RESULTS_FORMATS

# --- our persistent addresses ----------------------------------------------------------------------------------

CATALOG = ID["catalogus/fusiekg"]
DATASET = ID["dataset/fusiekg"]
SERVICE = ID["dienst/sparql"]
PUBLISHER = ID["organisatie/fusiekg"]
TOOI_DATASET = ID["dataset/tooi"]
SPARQL_ENDPOINT = URIRef(BASE + "sparql")
DUMPS_BASE = BASE + "dumps/"
# TOOI identifiers of things (gemeente/, so/, provincie/, ...) share TOOI_ID; TOOI_ROOT also holds its ontology
# (def/) and its versioned value lists (set/), whose own statements are TOOI's, not links of ours.
TOOI_ID = os.path.commonprefix([str(GM), str(SO), str(PV)])
TOOI_ROOT = os.path.commonprefix([TOOI_ID, str(TOOIONT)])

# --- value lists DCAT-AP-NL 3.0 prescribes (151-Waardelijsten) and other external vocabularies --------------------

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
_EU = "http://publications.europa.eu/resource/authority/"
EU_THEME = Namespace(_EU + "data-theme/")
EU_FILE_TYPE = Namespace(_EU + "file-type/")
EU_LANGUAGE = Namespace(_EU + "language/")
EU_COUNTRY = Namespace(_EU + "country/")
EU_ACCESS_RIGHT = Namespace(_EU + "access-right/")
EU_LICENCE = Namespace(_EU + "licence/")
IANA_MEDIA = Namespace("https://www.iana.org/assignments/media-types/")
OWMS = Namespace("http://standaarden.overheid.nl/owms/terms/")
DONL_THEMES = URIRef("https://dcat.overheid.nl/application-profile/donl/taxonomy/themes")
# DCAT-AP-NL requires a Creative Commons licence; its own examples use this IRI for CC0 1.0.
CC0 = URIRef("http://creativecommons.org/publicdomain/zero/1.0/deed.nl")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
SPARQL_QUERY = URIRef("https://www.w3.org/TR/sparql11-query/")
TOOI_HOME = URIRef("https://standaarden.overheid.nl/tooi")

# Labels of the external concepts we use, as their lists give them (EU: publications.europa.eu authority tables).
_THEMES = {
    EU_THEME.GOVE: ("Overheid en publieke sector", "Government and public sector", _EU + "data-theme"),
    EU_THEME.REGI: ("Regio's en steden", "Regions and cities", _EU + "data-theme"),
    # data.overheid.nl theme list (OWMS TaxonomieBeleidsagenda); labels are the OWMS term names.
    OWMS.Bestuur: ("Bestuur", None, str(DONL_THEMES)),
    OWMS.Gemeenten: ("Gemeenten", None, str(DONL_THEMES)),
}
_LANGUAGES = {EU_LANGUAGE.NLD: ("Nederlands", "Dutch"), EU_LANGUAGE.ENG: ("Engels", "English")}
_NETHERLANDS = EU_COUNTRY.NLD
_GZIP = IANA_MEDIA["application/gzip"]
_W3C_FORMAT = {
    "application/sparql-results+json": "SPARQL_Results_JSON", "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV", "text/turtle": "Turtle",
    "application/n-triples": "N-Triples", "application/ld+json": "JSON-LD", "application/rdf+xml": "RDF_XML",
    "application/trig": "TriG", "application/n-quads": "N-Quads",
}

# --- what the named graphs are -----------------------------------------------------------------------------------

_GRAPH_INFO = {  # graph → (title nl, title en, description nl, description en, source folder)
    str(G_ONTOLOGY): ("Ontologie van ambtelijke fusies", "Ontology of ambtelijke fusies",
                      "De begrippen van fusiekg (OWL) met de aansluiting op ORG, PROV en TOOI.",
                      "The terms of fusiekg (OWL) and how they align with ORG, PROV and TOOI.", "ontology/"),
    str(G_SHAPES): ("SHACL-shapes", "SHACL shapes",
                    "De regels (SHACL) waaraan beschrijvingen van fusies en deze metadata moeten voldoen.",
                    "The rules (SHACL) that descriptions of fusions and this metadata must meet.", "shapes/"),
    str(G_ARTICLE): ("Feiten uit het artikel van Binnenlands Bestuur (2015)",
                     "Facts from the Binnenlands Bestuur article (2015)",
                     "Wat het artikel 'Ambtenaar wordt te slim' vaststelt, in eigen woorden, elk feit met bron.",
                     "What the article 'Ambtenaar wordt te slim' states, in our own words, each fact with its source.",
                     "data/article/"),
    str(G_REGISTER): ("Register van ambtelijke samenwerkingen", "Register of civil-service cooperations",
                      "Samenwerkingen van gemeentelijke ambtelijke organisaties met deelnemers, data en bronnen.",
                      "Cooperations of municipal civil services with their participants, dates and sources.",
                      "data/register/"),
    str(G_REGELINGEN): ("Gemeenschappelijke regelingen (ROO)", "Joint arrangements (ROO)",
                        "Alle gemeenschappelijke regelingen uit ROO: versies, vorm, doel, beleidsterreinen, orgaan en "
                        "deelnemers met toetredingsdatum, elk met het ROO-record als bron.",
                        "Every joint arrangement in ROO: versions, form, purpose, policy areas, body and participants "
                        "with their join dates, each with the ROO record as source.", "data/register/roo-gr/"),
    str(G_MUNICIPALITIES): ("Gemeenten en herindelingen (TOOI)", "Municipalities and mergers (TOOI)",
                            "Alle gemeenten, provincies en herindelingen uit de TOOI-registers.",
                            "All municipalities, provinces and municipal mergers from the TOOI registers.",
                            "data/tooi/"),
    str(G_INFERRED): ("Afgeleid met OWL 2 RL", "Inferred under OWL 2 RL",
                      "Wat uit de andere grafen volgt onder OWL 2 RL: alleen nieuwe triples, zonder ruis.",
                      "What follows from the other graphs under OWL 2 RL: only new triples, noise removed.", None),
    str(G_METADATA): ("Metadata van de dataset", "Dataset metadata",
                      "Deze beschrijving: DCAT-AP-NL 3.0 en VoID, berekend bij het bouwen.",
                      "This description: DCAT-AP-NL 3.0 and VoID, computed at build time.", None),
}
_SOURCE_GRAPHS = (G_ONTOLOGY, G_ARTICLE, G_REGISTER, G_REGELINGEN, G_MUNICIPALITIES)


class MetadataError(ValueError):
    """The build handed over something this module cannot describe; the message says what and where."""


def describe_dataset(graphs: dict[str, Graph], manifest: dict) -> Graph:
    """DCAT-AP-NL and VoID for the dataset made of `graphs` (every named graph but this one) and the build `manifest`."""
    _check_input(graphs, manifest)
    graphs = {name: g for name, g in graphs.items() if name != str(G_METADATA)}
    built = Literal(manifest["built_at"], datatype=XSD.dateTime)
    g = Graph()
    g.bind("vcard", VCARD)
    includes = [n for n in graphs if n not in _GRAPH_INFO]
    scans = {name: _scan(graph) for name, graph in graphs.items()}
    contact, rights = _shared_nodes(g, includes)
    _agent(g)
    _value_lists(g)
    _catalog(g, built, contact)
    _dataset(g, graphs, manifest, built, contact)
    _service(g, graphs, manifest, built, contact, rights)
    _distributions(g, list(graphs) + [str(G_METADATA)], built, rights)
    _subsets(g, graphs, manifest, scans)
    _linksets(g, graphs, scans)
    _vocabularies(g, scans)
    _finish_counts(g, graphs)
    return g


# --- input -------------------------------------------------------------------------------------------------------

def _check_input(graphs, manifest) -> None:
    if not isinstance(manifest, dict):
        raise MetadataError(f"describe_dataset: the manifest must be a dict, got {type(manifest).__name__}")
    for key in ("built_at", "reasoner"):
        if not manifest.get(key):
            raise MetadataError(f"describe_dataset: the build manifest has no {key!r}")
    try:
        datetime.fromisoformat(str(manifest["built_at"]))
    except ValueError as exc:
        raise MetadataError(f"describe_dataset: manifest 'built_at' is not an ISO date-time: "
                            f"{manifest['built_at']!r}") from exc
    if not isinstance(graphs, dict):
        raise MetadataError(f"describe_dataset: graphs must be a dict of graph IRI → Graph, got {type(graphs).__name__}")
    for name, graph in graphs.items():
        if not isinstance(graph, Graph):
            raise MetadataError(f"describe_dataset: graph <{name}> is a {type(graph).__name__}, not an rdflib Graph")
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", str(name)):
            raise MetadataError(f"describe_dataset: graph name {name!r} is not an absolute IRI")


# --- helpers -----------------------------------------------------------------------------------------------------

def _both(g: Graph, s, p, nl: str, en: str | None) -> None:
    g.add((s, p, Literal(nl, lang="nl")))
    if en is not None:
        g.add((s, p, Literal(en, lang="en")))


def _ref(text: str) -> str:
    """A `{ref}` slug (a-z0-9-) for our IRIs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _graph_ref(name: str) -> str:
    return _ref(dump_slug(name))


def _dump_url(file: str) -> URIRef:
    return URIRef(DUMPS_BASE + file)


def _graph_titles(name: str) -> tuple[str, str, str, str, str | None]:
    if name in _GRAPH_INFO:
        return _GRAPH_INFO[name]
    slug = dump_slug(name)
    return (f"Toegevoegd bestand ({slug})", f"Included file ({slug})",
            f"Gegevens die bij het bouwen met --include zijn toegevoegd (graaf <{name}>).",
            f"Data added with --include at build time (graph <{name}>).", None)


def _shared_nodes(g: Graph, includes: list[str]) -> tuple[BNode, BNode]:
    """The contact point and the rights statement, one node each, used by catalogue, dataset, service, dumps."""
    contact = BNode()
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    _both(g, contact, VCARD.fn, "fusiekg-project", "fusiekg project")
    _both(g, contact, VCARD["organization-name"], "fusiekg-project", "fusiekg project")
    _both(g, contact, VCARD.note,
          "Het project heeft nog geen e-mailadres, contactformulier of openbare meldingslijst gepubliceerd.",
          "The project has not yet published an e-mail address, contact form or public issue tracker.")
    rights = BNode()
    g.add((rights, RDF.type, DCTERMS.RightsStatement))
    nl = ("Wat dit project zelf vastlegt, valt onder CC0 1.0. De gegevens over gemeenten, provincies en "
          "herindelingen zijn overgenomen uit de TOOI-registers (KOOP); de licentie daarvan is niet bij KOOP "
          "nagegaan: alleen secundaire bronnen noemen CC0. De ROO-gegevens komen uit de kopie in "
          "github.com/anneschuth/polder, die CC0 1.0 draagt. Feiten uit artikelen staan in eigen woorden, met bron.")
    en = ("What this project states itself is under CC0 1.0. The data on municipalities, provinces and mergers are "
          "copied from the TOOI registers (KOOP); their licence was not verified with KOOP: only secondary sources "
          "say CC0. The ROO data come from the copy in github.com/anneschuth/polder, which carries CC0 1.0. Facts "
          "from articles are stated in our own words, with their source.")
    if includes:
        nl += " Bestanden die bij het bouwen met --include zijn toegevoegd, houden hun eigen voorwaarden."
        en += " Files added with --include at build time keep their own terms."
    _both(g, rights, RDFS.label, nl, en)
    return contact, rights


def _agent(g: Graph) -> None:
    """We are not a government organisation: no TOOI, ROR or KvK identifier exists, so we mint our own IRI."""
    g.add((PUBLISHER, RDF.type, FOAF.Agent))
    _both(g, PUBLISHER, FOAF.name, "fusiekg-project", "fusiekg project")
    _both(g, PUBLISHER, RDFS.comment,
          "Het project dat deze kennisgraaf samenstelt en publiceert; geen overheidsorganisatie, en zonder "
          "identificatie in TOOI, ROR of het Handelsregister.",
          "The project that compiles and publishes this knowledge graph; not a government organisation, and "
          "without an identifier in TOOI, ROR or the Dutch business register.")


def _value_lists(g: Graph) -> None:
    """Label the code-list values we use and type them, so DCAT-AP class checks pass without the whole lists."""
    # Themes are not typed skos:Concept here: shapes/graph.ttl holds every skos:Concept to the rules for our own
    # schemes. DCAT-AP-NL, too, checks the class of code-list values only in a separate, optional shapes file.
    for concept, (nl, en, scheme) in _THEMES.items():
        _both(g, concept, SKOS.prefLabel, nl, en)
        g.add((concept, SKOS.inScheme, URIRef(scheme)))
    for lang, (nl, en) in _LANGUAGES.items():
        g.add((lang, RDF.type, DCTERMS.LinguisticSystem))
        _both(g, lang, SKOS.prefLabel, nl, en)
    g.add((_NETHERLANDS, RDF.type, DCTERMS.Location))
    _both(g, _NETHERLANDS, SKOS.prefLabel, "Nederland", "Netherlands")
    g.add((EU_ACCESS_RIGHT.PUBLIC, RDF.type, DCTERMS.RightsStatement))
    g.add((CC0, RDF.type, DCTERMS.LicenseDocument))
    _both(g, CC0, DCTERMS.title, "Creative Commons CC0 1.0 Universeel", "Creative Commons CC0 1.0 Universal")
    g.add((CC0, SKOS.exactMatch, EU_LICENCE.CC0))
    for std, nl, en in ((SPARQL_PROTOCOL, "SPARQL 1.1-protocol", "SPARQL 1.1 Protocol"),
                        (SPARQL_QUERY, "SPARQL 1.1-querytaal", "SPARQL 1.1 Query Language")):
        g.add((std, RDF.type, DCTERMS.Standard))
        _both(g, std, DCTERMS.title, nl, en)
    g.add((URIRef(ONTOLOGY_IRI), RDF.type, DCTERMS.Standard))
    _both(g, URIRef(ONTOLOGY_IRI), DCTERMS.title, "Ontologie van fusiekg", "fusiekg ontology")


def _common(g: Graph, s, contact, themes=(EU_THEME.GOVE, EU_THEME.REGI, OWMS.Bestuur, OWMS.Gemeenten)) -> None:
    """What catalogue, dataset and service share: publisher, contact, themes, languages."""
    g.add((s, DCTERMS.publisher, PUBLISHER))
    g.add((s, DCTERMS.creator, PUBLISHER))
    g.add((s, DCAT.contactPoint, contact))
    for t in themes:
        g.add((s, DCAT.theme, t))
    for lang in _LANGUAGES:
        g.add((s, DCTERMS.language, lang))


def _document(g: Graph, iri: URIRef) -> URIRef:
    g.add((iri, RDF.type, FOAF.Document))
    return iri


# --- DCAT --------------------------------------------------------------------------------------------------------

def _catalog(g: Graph, built: Literal, contact) -> None:
    g.add((CATALOG, RDF.type, DCAT.Catalog))
    _both(g, CATALOG, DCTERMS.title, "Catalogus van fusiekg", "fusiekg catalogue")
    _both(g, CATALOG, DCTERMS.description,
          "De datasets en dataservices die het fusiekg-project publiceert.",
          "The datasets and data services the fusiekg project publishes.")
    _common(g, CATALOG, contact, themes=())
    g.add((CATALOG, DCAT.dataset, DATASET))
    g.add((CATALOG, DCAT.service, SERVICE))
    g.add((CATALOG, DCTERMS.license, CC0))
    g.add((CATALOG, DCTERMS.modified, built))


def _dataset(g: Graph, graphs: dict[str, Graph], manifest: dict, built: Literal, contact) -> None:
    d = DATASET
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, RDF.type, VOID.Dataset))
    _both(g, d, DCTERMS.title, "fusiekg: ambtelijke fusies in Nederland",
          "fusiekg: shared civil services of Dutch municipalities")
    _both(g, d, DCTERMS.description,
          "Kennisgraaf over ambtelijke fusies: gemeenten die hun eigen raad en college houden, maar hun ambtelijke "
          "organisatie samenvoegen in een werkorganisatie of onderbrengen bij een centrumgemeente. De graaf bevat "
          "een register van zulke samenwerkingen met deelnemers en data, alle gemeenten en herindelingen uit TOOI, "
          "en de bevindingen van een artikel van Binnenlands Bestuur uit 2015; elk feit heeft een bron en een "
          "betrouwbaarheid.",
          "Knowledge graph of shared civil services ('ambtelijke fusies'): municipalities that keep their own "
          "council and executive but merge their civil service into a joint organisation or into a host "
          "municipality. It holds a register of such cooperations with participants and dates, all municipalities "
          "and municipal mergers from TOOI, and the findings of a 2015 Binnenlands Bestuur article; every fact has "
          "a source and a confidence level.")
    g.add((d, DCTERMS.identifier, Literal(str(d))))
    _common(g, d, contact)
    g.add((d, DCTERMS.accessRights, EU_ACCESS_RIGHT.PUBLIC))
    g.add((d, DCTERMS.spatial, _NETHERLANDS))
    g.add((d, DCTERMS.issued, built))
    g.add((d, DCTERMS.modified, built))
    g.add((d, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    g.add((d, DCAT.landingPage, _document(g, DOC["dataset/fusiekg"])))
    g.add((d, FOAF.page, DOC["dataset/fusiekg"]))
    for nl, en in (("ambtelijke fusie", "shared civil service"), ("werkorganisatie", "joint civil service"),
                   ("centrumconstructie", "host municipality arrangement"), ("gemeenten", "municipalities"),
                   ("herindeling", "municipal merger"), ("intergemeentelijke samenwerking",
                                                         "inter-municipal cooperation")):
        _both(g, d, DCAT.keyword, nl, en)
    period = _temporal_coverage(graphs.get(str(G_REGISTER)))
    if period is not None:
        node = BNode()
        g.add((d, DCTERMS.temporal, node))
        g.add((node, RDF.type, DCTERMS.PeriodOfTime))
        start, end = period
        if start is not None:
            g.add((node, DCAT.startDate, start))
        if end is not None:
            g.add((node, DCAT.endDate, end))
    prov_stmt = BNode()
    g.add((d, DCTERMS.provenance, prov_stmt))
    g.add((prov_stmt, RDF.type, DCTERMS.ProvenanceStatement))
    _both(g, prov_stmt, RDFS.label,
          f"Gebouwd door fusiekg {manifest.get('fusiekg_version', '')}".rstrip() + " uit de bronbestanden in "
          "ontology/, shapes/ en data/ (zie de deelgrafen en hun herkomst), aangevuld met wat daaruit volgt onder "
          f"OWL 2 RL (berekend met {manifest['reasoner']}).",
          f"Built by fusiekg {manifest.get('fusiekg_version', '')}".rstrip() + " from the source files in "
          "ontology/, shapes/ and data/ (see the subsets and their provenance), plus what follows from them under "
          f"OWL 2 RL (computed with {manifest['reasoner']}).")
    build = _build_activity(g, manifest)
    g.add((d, PROV.wasGeneratedBy, build))
    # VoID
    g.add((d, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    for file in ("all.nq.gz", "all.trig.gz"):
        g.add((d, VOID.dataDump, _dump_url(file)))
    g.add((d, VOID.uriSpace, Literal(str(ID))))
    g.add((d, VOID.feature, W3C_FORMATS["N-Quads"]))
    g.add((d, VOID.feature, W3C_FORMATS.TriG))
    g.add((d, VOID.feature, W3C_FORMATS.Turtle))


def _build_activity(g: Graph, manifest: dict) -> BNode:
    act = BNode()
    g.add((act, RDF.type, PROV.Activity))
    _both(g, act, RDFS.label, "bouw van de fusiekg-dataset", "build of the fusiekg dataset")
    g.add((act, PROV.endedAtTime, Literal(manifest["built_at"], datatype=XSD.dateTime)))
    if manifest.get("build_id"):
        g.add((act, DCTERMS.identifier, Literal(str(manifest["build_id"]))))
    if manifest.get("fingerprint"):
        g.add((act, RDFS.comment, Literal(f"sha256 of the build inputs: {manifest['fingerprint']}", lang="en")))
    return act


def _service(g: Graph, graphs: dict[str, Graph], manifest: dict, built: Literal, contact, rights) -> None:
    s = SERVICE
    g.add((s, RDF.type, DCAT.DataService))
    g.add((s, RDF.type, SD.Service))
    _both(g, s, DCTERMS.title, "SPARQL-endpoint van fusiekg", "fusiekg SPARQL endpoint")
    _both(g, s, DCTERMS.description,
          "Vraag de hele kennisgraaf op met SPARQL 1.1. De standaardgraaf is de vereniging van alle benoemde "
          "grafen, de afgeleide graaf inbegrepen.",
          "Query the whole knowledge graph with SPARQL 1.1. The default graph is the union of all named graphs, "
          "the inferred graph included.")
    g.add((s, DCTERMS.identifier, Literal(str(s))))
    _common(g, s, contact, themes=(EU_THEME.GOVE, OWMS.Bestuur))
    g.add((s, DCAT.endpointURL, SPARQL_ENDPOINT))
    # GET on the endpoint without a query answers the SPARQL 1.1 Service Description (web/service_description.py);
    # the sd: triples below say the same for readers of the dumps.
    g.add((s, DCAT.endpointDescription, SPARQL_ENDPOINT))
    g.add((s, FOAF.page, _document(g, DOC["dienst/sparql"])))
    g.add((s, DCAT.servesDataset, DATASET))
    g.add((s, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((s, DCTERMS.conformsTo, SPARQL_QUERY))
    g.add((s, DCTERMS.accessRights, EU_ACCESS_RIGHT.PUBLIC))
    g.add((s, DCTERMS.license, CC0))
    g.add((s, DCTERMS.rights, rights))
    g.add((s, DCTERMS.modified, built))
    for nl, en in (("SPARQL", "SPARQL"), ("ambtelijke fusie", "shared civil service")):
        _both(g, s, DCAT.keyword, nl, en)
    # SPARQL 1.1 Service Description
    g.add((s, SD.endpoint, SPARQL_ENDPOINT))
    g.add((s, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((s, SD.feature, SD.UnionDefaultGraph))
    if manifest.get("entailment_regime"):
        g.add((s, SD.defaultEntailmentRegime, URIRef(manifest["entailment_regime"])))
    for media in [*RESULTS_FORMATS, *GRAPH_FORMATS]:
        if media in _W3C_FORMAT:
            g.add((s, SD.resultFormat, W3C_FORMATS[_W3C_FORMAT[media]]))
    # The default dataset is the dataset itself, as the endpoint's own service description says.
    g.add((s, SD.defaultDataset, DATASET))
    g.add((DATASET, RDF.type, SD.Dataset))
    default = BNode()
    g.add((DATASET, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    _both(g, default, RDFS.label, "vereniging van alle benoemde grafen", "union of all named graphs")
    for name in [*graphs, str(G_METADATA)]:
        ng = BNode()
        g.add((DATASET, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.graph, URIRef(name)))


def _distributions(g: Graph, names: list[str], built: Literal, rights) -> None:
    """One distribution per dump file (dumps.py writes them) and one for the SPARQL endpoint."""
    whole = (("all.nq.gz", "all-nq", "application/n-quads", "RDF_N_QUADS", "N-Quads"),
             ("all.trig.gz", "all-trig", "application/trig", "RDF_TRIG", "TriG"))
    for file, ref, media, ftype, fname in whole:
        dist = _dump_distribution(g, file, ref, media, ftype, built, rights)
        _both(g, dist, DCTERMS.title, f"Volledige dump ({fname}, gzip)", f"Full dump ({fname}, gzip)")
        _both(g, dist, DCTERMS.description,
              "Alle benoemde grafen in één bestand, elk triple met zijn graafnaam.",
              "All named graphs in one file, each triple with its graph name.")
    for name in sorted(names):
        file = f"{dump_slug(name)}.ttl.gz"
        dist = _dump_distribution(g, file, f"{_graph_ref(name)}-ttl", "text/turtle", "RDF_TURTLE", built, rights)
        nl, en, *_ = _graph_titles(name)
        _both(g, dist, DCTERMS.title, f"Alleen de graaf '{nl}' (Turtle, gzip)", f"Graph '{en}' only (Turtle, gzip)")
        _both(g, dist, DCTERMS.description, f"De triples van de benoemde graaf <{name}>, zonder graafnaam.",
              f"The triples of the named graph <{name}>, without the graph name.")
        g.add((URIRef(name), VOID.dataDump, _dump_url(file)))
    sparql = ID["distributie/sparql"]
    g.add((DATASET, DCAT.distribution, sparql))
    g.add((sparql, RDF.type, DCAT.Distribution))
    _both(g, sparql, DCTERMS.title, "Opvragen met SPARQL", "Query with SPARQL")
    _both(g, sparql, DCTERMS.description, "Toegang tot de hele dataset via het SPARQL-endpoint.",
          "Access to the whole dataset through the SPARQL endpoint.")
    g.add((sparql, DCAT.accessURL, SPARQL_ENDPOINT))
    g.add((sparql, DCAT.accessService, SERVICE))
    _format(g, sparql, EU_FILE_TYPE.SPARQLQ)
    _licence(g, sparql, rights)


def _dump_distribution(g: Graph, file: str, ref: str, media: str, ftype: str, built: Literal, rights) -> URIRef:
    dist = ID[f"distributie/{ref}"]
    url = _dump_url(file)
    g.add((DATASET, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.mediaType, IANA_MEDIA[media]))
    g.add((IANA_MEDIA[media], RDF.type, DCTERMS.MediaType))
    g.add((dist, DCAT.compressFormat, _GZIP))
    g.add((_GZIP, RDF.type, DCTERMS.MediaType))
    _format(g, dist, EU_FILE_TYPE[ftype])
    g.add((dist, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    g.add((dist, DCTERMS.issued, built))
    for lang in _LANGUAGES:
        g.add((dist, DCTERMS.language, lang))
    _licence(g, dist, rights)
    return dist


def _format(g: Graph, dist, ftype: URIRef) -> None:
    g.add((dist, DCTERMS.format, ftype))
    g.add((ftype, RDF.type, DCTERMS.MediaTypeOrExtent))


def _licence(g: Graph, dist, rights) -> None:
    g.add((dist, DCTERMS.license, CC0))
    g.add((dist, DCTERMS.rights, rights))


# --- temporal coverage -------------------------------------------------------------------------------------------

def _day(lit) -> date | None:
    """The day a date-like literal stands for (a year: its first day, as docs/model.md reads fkg dates), or None
    when it is not one; bad values are skipped here because the importers and shapes report them."""
    if not isinstance(lit, Literal):
        return None
    text = str(lit).strip()
    try:
        if lit.datatype == XSD.gYear:
            return date(int(re.match(r"^\d{4}", text).group(0)), 1, 1)
        if lit.datatype == XSD.date:
            return date.fromisoformat(text[:10])
        if lit.datatype in (XSD.dateTime, XSD.dateTimeStamp):
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except (ValueError, AttributeError):
        return None
    return None


def _time_values(g: Graph, link) -> list[Literal]:
    out = []
    for instant in g.objects(None, link):
        for p in (TIME.inXSDDate, TIME.inXSDgYear, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime):
            out.extend(g.objects(instant, p))
    return out


def _temporal_coverage(register: Graph | None) -> tuple[Literal | None, Literal | None] | None:
    """The earliest start and the latest end of any organisation or membership in the register graph."""
    if register is None:
        return None
    starts = [*register.objects(None, FKG.startdatum), *_time_values(register, TIME.hasBeginning)]
    ends = [*register.objects(None, FKG.einddatum), *_time_values(register, TIME.hasEnd)]
    # On a tie, the more precise value wins (a day over a year that is read as its first day).
    first = min(((d, lit.datatype == XSD.gYear, lit) for lit in starts if (d := _day(lit))), default=None,
                key=lambda x: x[:2])
    last = max(((d, lit.datatype != XSD.gYear, lit) for lit in ends if (d := _day(lit))), default=None,
               key=lambda x: x[:2])
    if first is None and last is None:
        return None
    return (first[2] if first else None), (last[2] if last else None)


# --- VoID --------------------------------------------------------------------------------------------------------

def _graph_sources(name: str, graph: Graph) -> list:
    """What a graph says it was derived from; else the sources its facts cite (dcterms:BibliographicResource)."""
    me = URIRef(name)
    own = sorted(set(graph.objects(me, PROV.wasDerivedFrom)) | set(graph.objects(me, DCTERMS.source)), key=str)
    if own:
        return own
    candidates = {o for p in (PROV.wasDerivedFrom, DCTERMS.source) for o in graph.objects(None, p)
                  if isinstance(o, URIRef)}  # each distinct source once: bulk data cites a few sources many times
    return sorted((o for o in candidates if (o, RDF.type, DCTERMS.BibliographicResource) in graph), key=str)


def _subsets(g: Graph, graphs: dict[str, Graph], manifest: dict, scans: dict[str, _Scan]) -> None:
    for name, graph in graphs.items():
        sub = URIRef(name)
        nl, en, dnl, den, folder = _graph_titles(name)
        g.add((DATASET, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, RDF.type, SD.Graph))
        _both(g, sub, RDFS.label, nl, en)
        _both(g, sub, DCTERMS.title, nl, en)
        comments = list(graph.objects(sub, RDFS.comment))
        if comments:
            for c in comments:
                g.add((sub, DCTERMS.description, c))
        else:
            _both(g, sub, DCTERMS.description, dnl, den)
        if folder:
            g.add((sub, DCTERMS.source, Literal(folder)))
        for src in _graph_sources(name, graph):
            g.add((sub, PROV.wasDerivedFrom, src))
            if isinstance(src, URIRef):
                g.add((sub, DCTERMS.source, src))
        g.add((sub, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
        _statistics(g, sub, scans[name])
    inferred = URIRef(str(G_INFERRED))
    if str(G_INFERRED) in graphs:
        for src in graphs:
            if src in {str(x) for x in _SOURCE_GRAPHS} or src not in _GRAPH_INFO:
                g.add((inferred, PROV.wasDerivedFrom, URIRef(src)))
        g.add((inferred, PROV.wasGeneratedBy, next(g.objects(DATASET, PROV.wasGeneratedBy))))
        _both(g, inferred, RDFS.comment, f"Berekend met {manifest['reasoner']}.", f"Computed with {manifest['reasoner']}.")
    meta = URIRef(str(G_METADATA))
    nl, en, dnl, den, _ = _GRAPH_INFO[str(G_METADATA)]
    g.add((DATASET, VOID.subset, meta))
    g.add((meta, RDF.type, VOID.Dataset))
    g.add((meta, RDF.type, SD.Graph))
    _both(g, meta, RDFS.label, nl, en)
    _both(g, meta, DCTERMS.title, nl, en)
    _both(g, meta, DCTERMS.description, dnl, den)
    for name in graphs:
        g.add((meta, PROV.wasDerivedFrom, URIRef(name)))


@dataclass
class _Scan:
    """What the metadata needs from one graph, gathered in a single pass over it (each pass over a million-triple
    rdflib graph costs seconds): VoID statistics, links to TOOI, and the namespaces of predicates and classes."""

    subjects: int = 0
    objects: int = 0
    props: Counter = field(default_factory=Counter)
    members: dict = field(default_factory=dict)  # class → number of distinct members
    links: Counter = field(default_factory=Counter)  # see tooi_links
    namespaces: set = field(default_factory=set)  # see _vocabularies


def _scan(graph: Graph) -> _Scan:
    subjects, objects = set(), set()
    props: Counter = Counter()
    members: dict = defaultdict(set)
    links: Counter = Counter()
    namespaces: dict = {}  # term → its namespace (or None), each distinct term looked at once
    a = RDF.type
    for s, p, o in graph:
        subjects.add(s)
        objects.add(o)
        props[p] += 1
        if p == a:
            members[o].add(s)
            if o not in namespaces:
                namespaces[o] = _namespace(o)
        if isinstance(o, URIRef) and o.startswith(TOOI_ID) and not s.startswith(TOOI_ROOT):
            links[p] += 1
    for p in props:
        namespaces[p] = _namespace(p)
    return _Scan(len(subjects), len(objects), props, {c: len(m) for c, m in members.items()}, links,
                 {ns for ns in namespaces.values() if ns is not None})


def _statistics(g: Graph, sub: URIRef, scan: _Scan) -> None:
    """Cheap VoID statistics: distinct subjects/objects, class and property partitions."""
    for p, value in ((VOID.distinctSubjects, scan.subjects), (VOID.distinctObjects, scan.objects),
                     (VOID.properties, len(scan.props)), (VOID.classes, len(scan.members))):
        g.add((sub, p, Literal(value, datatype=XSD.integer)))
    for cls, n in sorted(scan.members.items(), key=lambda kv: str(kv[0])):
        part = BNode()
        g.add((sub, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for prop, n in sorted(scan.props.items(), key=lambda kv: str(kv[0])):
        part = BNode()
        g.add((sub, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))


def tooi_links(graph: Graph) -> Counter:
    """Links from our things to TOOI: triples whose object is a TOOI identifier and whose subject is not TOOI's."""
    out: Counter = Counter()
    for s, p, o in graph:
        if isinstance(o, URIRef) and str(o).startswith(TOOI_ID) and not str(s).startswith(TOOI_ROOT):
            out[p] += 1
    return out


def _curie_ref(iri: URIRef) -> str:
    best = max((ns for ns in PREFIXES.values() if str(iri).startswith(ns)), key=len, default=None)
    if best is None:
        return _ref(re.split(r"[/#]", str(iri).rstrip("/#"))[-1])
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return _ref(f"{prefix}-{str(iri)[len(best):]}")


def _linksets(g: Graph, graphs: dict[str, Graph], scans: dict[str, _Scan]) -> None:
    """One void:Linkset per (named graph, link predicate) to TOOI; the shapes graph holds rules, not links."""
    target = TOOI_DATASET
    g.add((target, RDF.type, VOID.Dataset))
    _both(g, target, DCTERMS.title, "TOOI: Thesaurus en Ontologie Overheidsinformatie",
          "TOOI: Thesaurus and Ontology of Government Information (Dutch)")
    g.add((target, VOID.uriSpace, Literal(TOOI_ID)))
    g.add((target, FOAF.homepage, _document(g, TOOI_HOME)))
    for name in graphs:
        if name == str(G_SHAPES):
            continue
        for pred, n in sorted(scans[name].links.items(), key=lambda kv: str(kv[0])):
            ls = ID[f"linkset/{_graph_ref(name)}-{_curie_ref(pred)}"]
            nl, en, *_ = _graph_titles(name)
            g.add((ls, RDF.type, VOID.Linkset))
            g.add((ls, RDF.type, VOID.Dataset))
            g.add((URIRef(name), VOID.subset, ls))
            g.add((ls, VOID.subjectsTarget, URIRef(name)))
            g.add((ls, VOID.objectsTarget, target))
            g.add((ls, VOID.linkPredicate, pred))
            g.add((ls, VOID.triples, Literal(n, datatype=XSD.integer)))
            _both(g, ls, DCTERMS.title, f"Koppelingen naar TOOI via <{pred}> in '{nl}'",
                  f"Links to TOOI through <{pred}> in '{en}'")


def _namespace(iri) -> str | None:
    if not isinstance(iri, URIRef):
        return None
    m = re.match(r"^(.*[/#])[^/#]+$", str(iri))
    return m.group(1) if m else None


def _vocabularies(g: Graph, scans: dict[str, _Scan]) -> None:
    """void:vocabulary for every namespace whose terms are used as a predicate or class, this graph's included."""
    used: set[str] = set().union(*(scan.namespaces for scan in scans.values()), _scan(g).namespaces)
    used.add(str(VOID))
    for ns in sorted(used):
        g.add((DATASET, VOID.vocabulary, URIRef(ns)))


def _finish_counts(g: Graph, graphs: dict[str, Graph]) -> None:
    """Triple counts of this graph and of the whole dataset, made exact by counting the two triples added here."""
    meta = URIRef(str(G_METADATA))
    own = len(g) + 2
    g.add((meta, VOID.triples, Literal(own, datatype=XSD.integer)))
    total = sum(len(x) for x in graphs.values()) + own
    g.add((DATASET, VOID.triples, Literal(total, datatype=XSD.integer)))
