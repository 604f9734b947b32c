"""The SPARQL 1.1 Service Description (GET /sparql without a query) and the VoID description (/.well-known/void).

The description says what a client needs to know before it queries: the endpoint (the URL that was requested), the
query language, every result format (W3C format IRIs), the features, and the default dataset: the default graph is
the union of all named graphs (asserted and inferred), and each named graph is listed with `sd:name` and its
`void:triples` from the build manifest; the inferred graph carries `sd:entailmentRegime` (OWL 2 RL). Browsers get
the same as an HTML page.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from ..executor import Job, QueryTimeout
from ..metadata import DATASET
from ..namespaces import G_INFERRED, G_METADATA, GRAPH, SD, W3C_FORMATS, bind_all
from ..remote import RemoteError
from ..sparql import GRAPH_FORMATS, RESULTS_FORMATS, QueryRefused, QuerySyntaxError
from ..store import StoreMissing
from .caching import cacheable
from .limits import HttpError
from .linked_data import href
from .negotiation import (
    HTML,
    NotAcceptable,
    UnknownFormat,
    describe,
    from_format,
    negotiate,
    short_name,
    wants_html,
    with_charset,
)
from .state import state

bp = Blueprint("service_description", __name__)
_cache: dict[str, tuple] = {}  # the store's metadata graph, per build id

FORMAT_IRIS = {
    "application/sparql-results+json": W3C_FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": W3C_FORMATS.SPARQL_Results_XML,
    "text/csv": W3C_FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": W3C_FORMATS.SPARQL_Results_TSV,
    "text/turtle": W3C_FORMATS.Turtle,
    "application/n-triples": W3C_FORMATS["N-Triples"],
    "application/ld+json": W3C_FORMATS["JSON-LD"],
    "application/rdf+xml": W3C_FORMATS.RDF_XML,
    "application/trig": W3C_FORMATS.TriG,
    "application/n-quads": W3C_FORMATS["N-Quads"],
}
# What the description itself is offered as, in our order of preference (rdflib serialiser names).
DESCRIPTION_FORMATS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}

UNION_NOTE = {
    "en": "The default graph is the union of all named graphs, asserted and inferred, so a plain query sees the "
          "inferences; GRAPH <name> {...} narrows a pattern to one graph. default-graph-uri / named-graph-uri "
          "(or FROM / FROM NAMED) replace this dataset; an unknown graph is empty.",
    "nl": "De standaardgraaf is de vereniging van alle benoemde grafen, gegeven en afgeleid, zodat een gewone query "
          "de afleidingen ziet; GRAPH <naam> {...} beperkt een patroon tot één graaf. default-graph-uri / "
          "named-graph-uri (of FROM / FROM NAMED) vervangen deze dataset; een onbekende graaf is leeg.",
}


def limits_note(settings) -> dict[str, str]:
    mb = settings.max_result_bytes
    rows = settings.max_rows
    cap_en = (f"answers are cut at {rows} rows, marked by the response header Fusiekg-Truncated and, where the "
              f"format allows, in the answer itself" if rows else "answers are complete (no row cap)")
    cap_nl = (f"antwoorden worden afgekapt na {rows} rijen, gemeld in de antwoordheader Fusiekg-Truncated en, waar "
              f"het formaat het toelaat, in het antwoord zelf" if rows else "antwoorden zijn volledig (geen rijlimiet)")
    size_en = f"an answer over {mb} bytes is refused (422), never sent cut" if mb else "answers have no byte limit"
    size_nl = (f"een antwoord groter dan {mb} bytes wordt geweigerd (422), nooit afgekapt verstuurd" if mb
               else "antwoorden hebben geen bytelimiet")
    return {
        "en": f"Read-only. A query may run {settings.query_timeout_s:g} s (then 503); {cap_en}; {size_en}; "
              f"requests may be {settings.max_request_bytes} bytes.",
        "nl": f"Alleen lezen. Een query mag {settings.query_timeout_s:g} s duren (daarna 503); {cap_nl}; {size_nl}; "
              f"verzoeken mogen {settings.max_request_bytes} bytes groot zijn.",
    }


def describe_service(endpoint: str, manifest: dict, settings) -> Graph:
    """The Service Description and VoID of this endpoint as an RDF graph."""
    g = Graph()
    bind_all(g)
    g.bind("formats", W3C_FORMATS)
    endpoint_iri = URIRef(endpoint)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, endpoint_iri))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for iri in FORMAT_IRIS.values():
        g.add((service, SD.resultFormat, iri))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allow:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, RDFS.label, Literal("fusiekg SPARQL endpoint", lang="en")))
    g.add((service, RDFS.label, Literal("fusiekg SPARQL-endpoint", lang="nl")))
    for lang, text in limits_note(settings).items():
        g.add((service, RDFS.comment, Literal(text, lang=lang)))
    g.add((service, SD.defaultDataset, DATASET))

    g.add((DATASET, RDF.type, SD.Dataset))
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, VOID.sparqlEndpoint, endpoint_iri))
    g.add((DATASET, VOID.triples, Literal(manifest.get("triples", 0), datatype=XSD.integer)))
    if manifest.get("built_at"):
        g.add((DATASET, DCTERMS.modified, Literal(manifest["built_at"], datatype=XSD.dateTime)))
    default = BNode()
    g.add((DATASET, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    for lang, text in UNION_NOTE.items():
        g.add((default, RDFS.comment, Literal(text, lang=lang)))
    regime = manifest.get("entailment_regime")
    for name, triples in manifest.get("graphs", {}).items():
        graph = URIRef(name)
        named = BNode()
        g.add((DATASET, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, graph))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, VOID.triples, Literal(triples, datatype=XSD.integer)))
        g.add((DATASET, VOID.subset, graph))
        if name == str(G_INFERRED) and regime:
            g.add((named, SD.entailmentRegime, URIRef(regime)))
    return g


def _manifest() -> dict:
    try:
        return state().manifest()
    except (StoreMissing, RemoteError, QueryTimeout) as exc:
        raise HttpError(503, str(exc)) from exc


def _choose(formats: list[str], offered: list[str]) -> str:
    try:
        if formats:
            return from_format(formats[0], [m for m in offered if m != HTML]) if formats[0] != "html" else HTML
        chosen = negotiate(offered, request.headers.get("Accept"))
    except UnknownFormat as exc:
        raise HttpError(400, str(exc)) from exc
    except NotAcceptable as exc:
        raise HttpError(406, str(exc), offered=offered) from exc
    if chosen is None:
        raise HttpError(406, f"the description is offered as {describe(offered)}", offered=offered)
    return chosen


def _rdf_response(g: Graph, media: str) -> Response:
    body = g.serialize(format=DESCRIPTION_FORMATS[media], encoding="utf-8")
    resp = Response(body, content_type=with_charset(media))
    resp.headers["Vary"] = "Accept"
    return resp


def respond(formats: list[str] | None = None) -> Response:
    """GET /sparql without a query: the service description in the negotiated format (304 when unchanged)."""
    return cacheable(_respond)(formats)


def _respond(formats: list[str] | None) -> Response:
    settings = state().settings
    manifest = _manifest()
    endpoint = request.base_url
    offered = [*DESCRIPTION_FORMATS, HTML]
    media = _choose(formats or [], offered)
    g = describe_service(endpoint, manifest, settings)
    if media == HTML:
        resp = Response(render_template(
            "service.html", endpoint=endpoint, manifest=manifest, settings=settings, union_note=UNION_NOTE,
            results_formats=[(m, short_name(m), FORMAT_IRIS[m]) for m in RESULTS_FORMATS],
            graph_formats=[(m, short_name(m), FORMAT_IRIS[m]) for m in GRAPH_FORMATS],
            inferred=str(G_INFERRED), graph_ns=str(GRAPH), turtle=g.serialize(format="turtle")), mimetype=HTML)
        resp.headers["Vary"] = "Accept"
        return resp
    return _rdf_response(g, media)


def _metadata_graph(manifest: dict) -> Graph:
    """The store's own VoID graph (fkgg:metadata), fetched through the executor once per build."""
    cache = _cache.get("metadata")
    if cache and cache[0] == manifest.get("build_id"):
        return cache[1]
    job = Job(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G_METADATA}> {{ ?s ?p ?o }} }}", "application/n-triples",
              max_rows=0)
    try:
        body = state().run(job).body
    except (QueryTimeout, QueryRefused, QuerySyntaxError, StoreMissing, RemoteError, RuntimeError) as exc:
        raise HttpError(503, f"the dataset description could not be read from the store: {exc}") from exc
    g = Graph()
    g.parse(data=body.decode("utf-8"), format="nt")
    _cache["metadata"] = (manifest.get("build_id"), g)
    return g


@bp.route("/.well-known/void")
def void():
    """VoID (W3C note, section 7.2): the dataset, its subsets per graph with triple counts and provenance."""
    if not request.args.getlist("format") and wants_html(request.headers.get("Accept"), list(DESCRIPTION_FORMATS)):
        # a browser (the VoID link in every page's footer) is sent to the dataset's own page, which shows this
        # description, instead of being handed a download of RDF/XML (its Accept prefers application/xml to */*)
        resp = redirect(href(str(DATASET)), code=303)
        resp.headers["Vary"] = "Accept"
        return resp
    manifest = _manifest()
    media = _choose(request.args.getlist("format"), list(DESCRIPTION_FORMATS))
    endpoint = request.host_url.rstrip("/") + "/sparql"
    g = Graph()
    bind_all(g)
    for t in _metadata_graph(manifest):
        g.add(t)
    for t in describe_service(endpoint, manifest, state().settings).triples((None, None, None)):
        if t[1] in (VOID.sparqlEndpoint, VOID.triples, VOID.subset) or (t[1] == RDF.type and t[2] == VOID.Dataset):
            g.add(t)
    return _rdf_response(g, media)
