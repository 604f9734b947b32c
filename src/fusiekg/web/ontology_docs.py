"""`/def`: human documentation of the ontology, generated from the ontology graph in the store, and the ontology in RDF.

- `GET /def` → HTML: the ontology's header, its classes (super- and subclasses, restrictions), properties (domain,
  range, super-properties, inverses), the concept schemes with their concepts, and the alignment axioms on other
  vocabularies; labels and definitions in the page's language; one anchor per term (`/def#Werkorganisatie`). By `Accept` or
  extension (`/def.ttl`, `.jsonld`, `.rdf`, `.nt`) the ontology itself: the graph `fkgg:ontology`.
- `GET /def/{Term}` → 303 to `/def#Term` for browsers; the term's description in RDF by `Accept` or extension
  (`/def/Werkorganisatie.ttl`). Other IRIs under `/def/` that the store describes (the SHACL graph shapes
  `/def/shape/graph/...`) get a generic resource page, as `/doc/...` does.

Our own small generator rather than pyLODE: pyLODE documents one ontology file and pulls in httpx, dominate,
markdown and more; ours reads the built store (so the page always matches the served data, including the concept
schemes that live in the article graph), writes the page in the page's language (`i18n`; another language only where
a term has no text in it), and needs no new package.
"""

from __future__ import annotations

import re
from collections import defaultdict

from flask import Blueprint, Response, redirect, render_template
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..namespaces import FKG, G_ONTOLOGY, ID, ONTOLOGY_IRI
from . import i18n
from .caching import cacheable
from .limits import HttpError
from .linked_data import (
    HTML,
    alternates,
    annotate,
    choose_format,
    curie,
    describe_page,
    describe_rdf,
    exists,
    link_header,
    not_found,
    query_page_link,
    rdf_response,
    run,
    select,
    site,
    split_extension,
    term_view,
)

bp = Blueprint("ontology_docs", __name__)

_TERM_PATH = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$")
KINDS = {  # rdf:type → (section, name nl, name en), in the order shown
    str(OWL.Class): ("classes", "klasse", "class"),
    str(OWL.ObjectProperty): ("properties", "objecteigenschap", "object property"),
    str(OWL.DatatypeProperty): ("properties", "gegevenseigenschap", "datatype property"),
    str(OWL.AnnotationProperty): ("properties", "annotatie-eigenschap", "annotation property"),
}
# What each term fact is called on the page; facts not listed here are shown under "other".
_FACTS = {
    str(RDFS.subClassOf): "super", str(OWL.equivalentClass): "equivalent", str(OWL.disjointWith): "disjoint",
    str(RDFS.domain): "domain", str(RDFS.range): "range", str(RDFS.subPropertyOf): "superproperty",
    str(OWL.inverseOf): "inverse",
}
_TEXTS = {str(RDFS.label): "label", str(SKOS.prefLabel): "label", str(SKOS.definition): "definition",
          str(RDFS.comment): "comment", str(SKOS.scopeNote): "comment"}
_ONT = f"<{G_ONTOLOGY}>"


def _texts(rows_for: list[dict]) -> dict[str, tuple[str | None, str | None]]:
    """Label, definition and comment of a term, each (text, its language when not the page's)."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows_for:
        kind = _TEXTS.get(r["p"]["value"])
        if kind and r["o"]["type"] == "literal":
            lang = r["o"].get("xml:lang", "")
            out[kind].setdefault(lang, r["o"]["value"])
    return {kind: i18n.pick(by_lang) for kind, by_lang in out.items()}


def _restriction(facts: list[dict], notes) -> list[dict]:
    """A class expression (blank node) as (property label, value) pairs, e.g. on property / has value."""
    out = []
    for f in facts:
        if f["p"]["value"] == str(RDF.type):
            continue
        label, label_lang = notes.predicate(f["p"]["value"])
        out.append({"label": label, "label_lang": label_lang, "value": term_view(f["o"], notes)})
    return out


def ontology_model() -> dict:
    """Everything the documentation page shows, read from the store."""
    header = select(f"SELECT ?p ?o WHERE {{ GRAPH {_ONT} {{ <{ONTOLOGY_IRI}> ?p ?o }} }}")
    facts = select(f"""SELECT ?t ?p ?o ?np ?no WHERE {{ GRAPH {_ONT} {{
  ?t ?p ?o FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{FKG}"))
  OPTIONAL {{ FILTER(isBlank(?o)) ?o ?np ?no }} }} }}""")
    alignments = select(f"""SELECT ?s ?p ?o WHERE {{ GRAPH {_ONT} {{ ?s ?p ?o
  FILTER(isIRI(?s) && !STRSTARTS(STR(?s), "{FKG}") && !STRSTARTS(STR(?s), "{ID}") && ?s != <{ONTOLOGY_IRI}>) }} }}
ORDER BY ?s ?p ?o""")
    schemes = select(f"""PREFIX skos: <{SKOS}> PREFIX fkg: <{FKG}> PREFIX rdf: <{RDF}>
SELECT ?scheme ?g ?c ?p ?o WHERE {{
  GRAPH ?g {{ ?scheme a skos:ConceptScheme }}
  {{ ?scheme ?p ?o BIND(?scheme AS ?c) }} UNION {{ ?c skos:inScheme ?scheme . ?c ?p ?o }}
  FILTER(?p IN (skos:prefLabel, skos:definition, skos:notation, rdf:type, fkg:rang))
}}""")
    counts = select(f"""SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a ?c FILTER(STRSTARTS(STR(?c), "{FKG}")) }}
GROUP BY ?c""")

    by_term: dict[str, list[dict]] = defaultdict(list)
    nested: dict[str, list[dict]] = defaultdict(list)
    for r in facts:
        by_term[r["t"]["value"]].append(r)
        if "np" in r:
            nested[r["o"]["value"]].append({"p": r["np"], "o": r["no"]})
    wanted = {ONTOLOGY_IRI} | set(by_term) | {r[k]["value"] for r in facts + alignments + schemes + header
                                               for k in ("p", "o", "np", "no", "s", "c", "scheme", "g")
                                               if k in r and r[k]["type"] == "uri"}
    notes = annotate(wanted)
    n_instances = {r["c"]["value"]: int(r["n"]["value"]) for r in counts}

    terms: dict[str, dict] = {}
    for iri, rows in by_term.items():
        types = [r["o"]["value"] for r in rows if r["p"]["value"] == str(RDF.type)]
        kind = next((KINDS[t] for t in types if t in KINDS), None)
        if kind is None:
            continue
        local = iri[len(str(FKG)):]
        seen_facts: set[tuple] = set()
        term = {"iri": iri, "local": local, "section": kind[0], "kind": i18n.t(kind[1], kind[2]),
                "texts": _texts(rows), "facts": defaultdict(list), "other": [], "sub": [],
                "instances": n_instances.get(iri), "curie": curie(iri)}
        for r in rows:
            p, o = r["p"]["value"], r["o"]
            key = (p, o["value"])
            if key in seen_facts or p == str(RDF.type) and o["value"] in KINDS or p in _TEXTS:
                continue
            seen_facts.add(key)
            if o["type"] == "bnode":
                view = {"kind": "expression", "parts": _restriction(nested.get(o["value"], []), notes)}
            else:
                view = term_view(o, notes)
            name = _FACTS.get(p)
            if name:
                term["facts"][name].append(view)
            else:
                label, label_lang = notes.predicate(p)
                term["other"].append({"label": label, "label_lang": label_lang, "value": view})
        if term["instances"] is not None:
            term["instances_query"] = query_page_link(
                f"PREFIX fkg: <{FKG}>\nSELECT ?x ?label WHERE {{\n  ?x a fkg:{local} .\n"
                f"  OPTIONAL {{ ?x <{RDFS.label}> ?label }}\n}}\nORDER BY ?x")
        terms[iri] = term
    for iri, term in terms.items():
        for sup in term["facts"].get("super", []):
            if sup.get("iri") in terms:
                terms[sup["iri"]]["sub"].append(term_view({"type": "uri", "value": iri}, notes))
    _local_links(terms)

    scheme_model: dict[str, dict] = {}
    for r in schemes:
        s = r["scheme"]["value"]
        sm = scheme_model.setdefault(s, {"iri": s, "view": term_view(r["scheme"], notes), "graph": r["g"]["value"],
                                         "anchor": "schema-" + s.rstrip("/").rsplit("/", 1)[-1], "rows": [],
                                         "concepts": defaultdict(list)})
        if r["c"]["value"] == s:
            sm["rows"].append(r)
        else:
            sm["concepts"][r["c"]["value"]].append(r)
    scheme_list = []
    for _iri, sm in sorted(scheme_model.items()):
        concepts = []
        for c, rows in sm["concepts"].items():
            extra = {r["p"]["value"]: r["o"]["value"] for r in rows if r["p"]["value"] in (str(FKG.rang), str(SKOS.notation))}
            ctypes = [term_view(r["o"], notes) for r in rows if r["p"]["value"] == str(RDF.type)
                      and r["o"]["value"].startswith(str(FKG))]
            concepts.append({"view": term_view({"type": "uri", "value": c}, notes), "texts": _texts(rows),
                             "rang": extra.get(str(FKG.rang)), "notation": extra.get(str(SKOS.notation)),
                             "types": ctypes})
        concepts.sort(key=lambda c: (int(c["rang"]) if c["rang"] and c["rang"].isdigit() else 1_000_000,
                                     (c["view"]["label"] or c["view"]["iri"]).lower()))
        scheme_list.append({"view": sm["view"], "anchor": sm["anchor"], "texts": _texts(sm["rows"]),
                            "graph": sm["graph"], "concepts": concepts})

    alignment_rows = [{"s": term_view(r["s"], notes), "p": notes.predicate(r["p"]["value"]), "p_curie": curie(r["p"]["value"]),
                       "o": term_view(r["o"], notes) if r["o"]["type"] != "bnode" else {"kind": "bnode", "id": ""}}
                      for r in alignments]
    head_texts: dict[str, dict[str, str]] = defaultdict(dict)
    head_other = []
    for r in header:
        p = r["p"]["value"]
        if p in (str(DCTERMS.title), str(DCTERMS.description)) and r["o"]["type"] == "literal":
            head_texts[p.rsplit("/", 1)[-1]].setdefault(r["o"].get("xml:lang", ""), r["o"]["value"])
        elif p != str(RDF.type):
            label, label_lang = notes.predicate(p)
            head_other.append({"label": label, "label_lang": label_lang, "value": term_view(r["o"], notes)})
    ordered = sorted(terms.values(), key=lambda t: (t["local"].lower()))
    return {
        "iri": ONTOLOGY_IRI, "namespace": str(FKG), "head": head_other,
        "title": i18n.pick(head_texts.get("title")), "description": i18n.pick(head_texts.get("description")),
        "classes": [t for t in ordered if t["section"] == "classes"],
        "properties": [t for t in ordered if t["section"] == "properties"],
        "schemes": scheme_list, "alignments": alignment_rows,
    }


def _local_links(terms: dict[str, dict]) -> None:
    """On the documentation page, links to documented terms jump to their anchor."""
    def fix(view):
        if isinstance(view, dict):
            if view.get("kind") == "iri" and view.get("iri") in terms:
                view["href"] = "#" + terms[view["iri"]]["local"]
            for part in view.get("parts", []):
                fix(part["value"])
    for term in terms.values():
        for views in term["facts"].values():
            for v in views:
                fix(v)
        for v in term["sub"]:
            fix(v)
        for o in term["other"]:
            fix(o["value"])


def ontology_rdf(media: str) -> bytes:
    return run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_ONT} {{ ?s ?p ?o }} }}", media).body


def _ontology_answer(ext: str | None):
    media = choose_format(ext)
    if media != HTML:
        return rdf_response(ontology_rdf(media), media, "/def", ext is None)
    html = render_template("def_ontology.html", **ontology_model(), alternates=alternates("/def"),
                           graph=str(G_ONTOLOGY))
    resp = Response(html, mimetype="text/html")
    if ext is None:
        resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = link_header("/def")
    return resp


def is_documented(iri: str) -> bool:
    kinds = " ".join(f"<{k}>" for k in KINDS)
    body = run(f"ASK {{ GRAPH {_ONT} {{ <{iri}> a ?k . VALUES ?k {{ {kinds} }} }} }}",
               "application/sparql-results+json").body
    return b"true" in body


@bp.route("/def")
@cacheable
def ontology():
    return _ontology_answer(None)


@bp.route("/def.<ext>")
@cacheable
def ontology_as(ext: str):
    return _ontology_answer(ext)


@bp.route("/def/")
def ontology_slash():
    return redirect(site("/def"), code=301)


@bp.route("/def/<path:term>")
@cacheable
def term(term: str):
    head, _, last = term.rpartition("/")
    last, ext = split_extension(last)
    name = f"{head}/{last}" if head else last
    if not _TERM_PATH.match(name):
        raise HttpError(404, f"/def/{term} is not a term of this ontology (names are letters, digits, - and _)",
                        nl=f"/def/{term} is geen term van deze ontologie (namen zijn letters, cijfers, - en _)")
    iri = str(FKG) + name
    media = choose_format(ext)
    documented = "/" not in name and is_documented(iri)
    if media == HTML and documented:
        resp = redirect(site("/def#" + name), code=303)
        resp.headers["Vary"] = "Accept"
        return resp
    if media != HTML and documented:
        return rdf_response(describe_rdf(iri, media), media, f"/def/{name}", ext is None)
    if not exists(iri):
        return not_found(f"{curie(iri)} is not a term of this ontology; the terms are listed at /def",
                         f"{curie(iri)} is geen term van deze ontologie; de termen staan op /def", query=last, suggestion={"href": site("/def"), "label": "/def"})
    return describe_page(iri, f"/def/{name}", ext, heading_kind="term")
