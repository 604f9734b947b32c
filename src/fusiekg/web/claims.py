"""`/telling`: the count claims of the sources (fkg:Telling) next to what the register counts for the same date.

The numbers come from running `queries/23-telling-vs-register.rq` itself through the query processes, so the page
shows exactly what the endpoint answers for that query; the page links to it on the query page and at /sparql. A
second query only adds what the claims' own descriptions say (labels, comments, sources, confidence) and the IRIs of
the organisations the register counted. HTML for browsers; JSON by `Accept: application/json` or `/telling.json`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS

from .. import resources
from ..namespaces import FKG
from . import i18n
from .caching import cacheable
from .limits import HttpError
from .linked_data import annotate, href, iri_ref, query_page_link, select, site, term_view
from .negotiation import page_or_json

bp = Blueprint("claims", __name__)

QUERY_FILE = "23-telling-vs-register.rq"
_DETAILS = [RDFS.label, RDFS.comment, SKOS.scopeNote, FKG.betrouwbaarheid, DCTERMS.source, PROV.wasAttributedTo]


def query_text() -> str:
    path = resources.path("queries", QUERY_FILE)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HttpError(503, f"the query behind this page is missing: {path} ({exc.strerror})") from exc


def _int(row: dict, name: str) -> int | None:
    try:
        return int(row[name]["value"]) if name in row else None
    except ValueError:
        return None


def comparison() -> dict:
    """The rows of query 23, with the claims' own descriptions and links to what the register counted."""
    query = query_text()
    rows = select(query)
    claims = [r["telling"]["value"] for r in rows if r.get("telling", {}).get("type") == "uri"]
    details = []
    if claims:
        details = select(f"SELECT ?t ?p ?o WHERE {{ VALUES ?t {{ {' '.join(iri_ref(c) for c in claims)} }} "
                         f"VALUES ?p {{ {' '.join(f'<{p}>' for p in _DETAILS)} }} ?t ?p ?o }}")
    names = select(f"SELECT ?s ?n WHERE {{ ?s a <{FKG.AmbtelijkeSamenwerking}> ; <{SKOS.prefLabel}> ?n }}")
    by_name: dict[str, str] = {}
    for r in names:
        by_name.setdefault(r["n"]["value"], r["s"]["value"])
    by_claim: dict[str, dict[str, list[dict]]] = {c: {} for c in claims}
    for r in details:
        by_claim[r["t"]["value"]].setdefault(r["p"]["value"], []).append(r["o"])
    wanted = set(claims) | {o["value"] for d in by_claim.values() for objs in d.values() for o in objs
                            if o["type"] == "uri"}
    for r in rows:
        for key in ("bronnen", "toegeschrevenAanWie"):
            wanted |= set(r.get(key, {}).get("value", "").split())
    notes = annotate(wanted)

    def texts(objs: list[dict]) -> dict[str, str]:
        return {o.get("xml:lang", ""): o["value"] for o in objs if o["type"] == "literal"}

    def refs(iris: list[str]) -> list[dict]:
        return [{**term_view({"type": "uri", "value": i}, notes), "pages": notes.pages.get(i, [])} for i in iris]

    out = []
    for r in rows:
        iri = r["telling"]["value"]
        d = by_claim.get(iri, {})
        listed = sorted(n.strip() for n in r.get("registerLijst", {}).get("value", "").split(";") if n.strip())
        claim = {"organisations": _int(r, "claimOrganisaties"), "municipalities": _int(r, "claimGemeenten")}
        register = {"organisations": _int(r, "registerOrganisaties"), "municipalities": _int(r, "registerGemeenten")}
        out.append({
            "claim_iri": iri, "page": href(iri), "label": texts(d.get(str(RDFS.label), [])),
            "comment": texts(d.get(str(RDFS.comment), [])), "scope_note": texts(d.get(str(SKOS.scopeNote), [])),
            "reference_date": r.get("peildatum", {}).get("value"),
            "claim": claim, "register": register,
            "difference": {k: (claim[k] - register[k]) if claim[k] is not None and register[k] is not None else None
                           for k in claim},
            "register_organisations": [{"name": n, "iri": by_name.get(n), "page": href(by_name[n]) if n in by_name
                                        else None} for n in listed],
            "sources": refs(r.get("bronnen", {}).get("value", "").split()),
            "attributed_to": refs(r.get("toegeschrevenAanWie", {}).get("value", "").split()),
            "confidence": [term_view(o, notes) for o in d.get(str(FKG.betrouwbaarheid), [])],
        })
    return {
        "query_file": f"queries/{QUERY_FILE}", "query": query,
        "query_page": query_page_link(query), "sparql": site("/sparql?" + urlencode({"query": query})),
        "claims": out,
    }


def _answer(media: str, negotiated: bool) -> Response:
    data = comparison()
    if media == "application/json":
        resp = jsonify({k: v for k, v in data.items() if k != "query"} | {"sparql_query": data["query"]})
    else:
        for c in data["claims"]:  # the page shows each text once, in the page's language if the graph has it
            c["shown"] = {k: i18n.pick(c[k]) for k in ("label", "comment", "scope_note")}
        resp = Response(render_template("claims_page.html", **data,
                                        json_href=site("/telling.json")), mimetype="text/html")
    if negotiated:
        resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/telling")
@cacheable
def telling():
    return _answer(page_or_json(request.headers.get("Accept"), "/telling"), True)


@bp.route("/telling.json")
@cacheable
def telling_json():
    return _answer("application/json", False)
