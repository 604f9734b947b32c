"""Dereferenceable URIs (NL URI strategy): `/id/...` answers 303 to `/doc/...`, which describes the thing.

- `GET /id/{type}/{ref}` (and `/id/{type}` for a concept scheme) → 303 See Other to `/doc/{type}/{ref}` when the
  dataset knows the thing, else 404 at once (never a 303 to a 404). An extension is kept (`/id/x/y.ttl` → `/doc/x/y.ttl`); without one, the `Accept` header picks the target: a client asking for
  Turtle gets `Location: /doc/x/y.ttl`, a browser `/doc/x/y` (the answer varies by Accept).
- `GET /doc/{type}/{ref}` describes the thing: HTML for browsers, or RDF by `Accept` or by extension (`.ttl`,
  `.jsonld`, `.rdf`, `.nt`; `.html` forces the page). The RDF is the resource's concise bounded description: its
  outbound triples in all graphs (asserted and inferred) plus the triples of the blank nodes and dependent IRIs
  they lead to (a membership's period `fkgid:periode/…` and its instants `fkgid:tijdstip/…`, which have IRIs so that
  they can be linked to but only exist as part of what holds them), nested up to `BNODE_DEPTH`; inbound links are not
  in it (the HTML page lists them).
- Municipalities keep their TOOI identity: `/doc/gemeente/gm0489` describes
  `https://identifier.overheid.nl/tooi/id/gemeente/gm0489` (also TOOI merger events `gemeente/wzg_...` and
  provinces `/doc/provincie/pvNN`). `/id/gemeente/...` is not ours and answers 404 pointing there.
- `GET /graph/{name}` describes a named graph (what the dataset metadata says about it) the same way, without 303:
  a named graph is itself a document.

Pages are in one language (`i18n`): labels from the graph in the page's language, another one (marked with `lang`)
only when it has none. Pages and their RDF twins carry validators (`caching`). Links on these pages for IRIs under
the persistent base point at this server (root-relative) unless
`settings.public_base` is set; the IRIs shown and served in RDF never change. The helpers here (running internal
queries, labels, links, the description view) are shared by the other page blueprints.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, redirect, render_template, request
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, TIME, VANN, VOID

from .. import sparql
from ..executor import ExecutorBusy, Job, QueryTimeout
from ..namespaces import FKG, G_INFERRED, GM, GRAPH, ID, PREFIXES, PV, SCHEMA, TOOIONT
from ..store import StoreMissing
from . import i18n
from .caching import cacheable
from .limits import HttpError
from .negotiation import HTML, aliases_for, describe, negotiate, wants_html
from .state import state

bp = Blueprint("linked_data", __name__)

# --- formats -------------------------------------------------------------------------------------------------

RDF_EXTENSIONS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
                  "nt": "application/n-triples"}
EXTENSION_OF = {media: ext for ext, media in RDF_EXTENSIONS.items()}
FORMAT_NAMES = {"text/turtle": "Turtle", "application/ld+json": "JSON-LD", "application/rdf+xml": "RDF/XML",
                "application/n-triples": "N-Triples"}
OFFERED = [HTML, *RDF_EXTENSIONS.values()]

# Limits of the internal queries (our own, bounded queries; the public row limit is for users' queries).
INTERNAL_MAX_ROWS = 200_000
BNODE_DEPTH = 10
INBOUND_SHOWN = 200
# IRIs that exist only as part of what points at them: described with it, like blank nodes (see the docstring).
DEPENDENT_PREFIXES = (str(ID["periode/"]), str(ID["tijdstip/"]))

_TYPE = re.compile(r"^[a-z][a-z0-9-]*$")
_REF = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_GRAPH_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")
# Our pages for TOOI identifiers: /doc/{segment}/{ref} <-> TOOI namespace.
TOOI_PAGES = {"gemeente": str(GM), "provincie": str(PV)}
_TOOI_HOME = str(GM).rsplit("/id/", 1)[0] + "/"  # https://identifier.overheid.nl/tooi/


# --- running our own queries ---------------------------------------------------------------------------------

def run(query: str, media_type: str, max_rows: int = INTERNAL_MAX_ROWS) -> sparql.Result:
    """Run one of our queries in the query processes; failures become clear 503/500 answers, never a crash."""
    try:
        return state().run(Job(query, media_type, max_rows, prefixes=PREFIXES))
    except QueryTimeout as exc:
        raise HttpError(503, f"the page could not be made in time: {exc}") from exc
    except ExecutorBusy as exc:
        raise HttpError(503, str(exc), headers={"Retry-After": "2"}) from exc
    except StoreMissing as exc:
        raise HttpError(503, str(exc)) from exc
    except (sparql.QuerySyntaxError, sparql.QueryRefused) as exc:
        raise HttpError(500, f"an internal query of this page failed: {exc}") from exc
    except RuntimeError as exc:  # the query process died
        raise HttpError(503, f"the page could not be made: {exc}") from exc


def select(query: str, max_rows: int = INTERNAL_MAX_ROWS) -> list[dict[str, dict]]:
    """SELECT rows as dicts of variable → SPARQL JSON term (`{"type", "value", "xml:lang"?, "datatype"?}`)."""
    body = run(query, "application/sparql-results+json", max_rows).body
    return json.loads(body)["results"]["bindings"]


def values(rows: list[dict], name: str) -> list[str]:
    return [r[name]["value"] for r in rows if name in r]


def iri_ref(iri: str) -> str:
    """`<iri>` for a query; refuses characters an IRI may not hold (our IRIs come from validated paths anyway)."""
    if re.search(r'[<>"{}|^`\\\s]', iri):
        raise HttpError(400, f"not a valid IRI: {iri!r}")
    return f"<{iri}>"


# --- where our pages link an IRI -------------------------------------------------------------------------------

def site(path: str) -> str:
    """A link to one of our pages: root-relative (this server), or under `settings.public_base` when set."""
    public = state().settings.public_base
    return public.rstrip("/") + path if public else path


def base_iri() -> str:
    return state().settings.base_iri


def href(iri: str) -> str | None:
    """Where a link for `iri` goes: our page for our IRIs and for TOOI municipalities/provinces, else the IRI."""
    base = base_iri()
    if iri.startswith(base):
        rest = iri[len(base):]
        if rest.startswith("id/"):
            rest = "doc/" + rest[3:]
        return site("/" + rest)
    page = tooi_page(iri)
    if page:
        return page
    return iri if iri.startswith(("http://", "https://")) else None


def tooi_page(iri: str) -> str | None:
    for segment, ns in TOOI_PAGES.items():
        if iri.startswith(ns) and _REF.match(iri[len(ns):]):
            return site(f"/doc/{segment}/{iri[len(ns):]}")
    return None


def is_tooi(iri: str) -> bool:
    return iri.startswith(_TOOI_HOME)


def curie(iri: str) -> str:
    best = ""
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = p
    if best:
        local = iri[len(PREFIXES[best]):]
        if re.match(r"^[A-Za-z0-9_.-]*$", local):
            return f"{best}:{local}"
    return iri


def query_page_link(query: str) -> str:
    return site("/?" + urlencode({"query": query}))


# --- labels --------------------------------------------------------------------------------------------------

LABEL_PREDICATES = [SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name]
PAGE_PREDICATES = [FOAF.page, SCHEMA.url]

# Readable names (nl, en) of the external terms our data uses most; our own terms have labels in the store.
BUILTIN_LABELS: dict[str, tuple[str, str]] = {str(k): v for k, v in {
    RDF.type: ("type", "type"), RDFS.label: ("label", "label"), RDFS.comment: ("toelichting", "comment"),
    RDFS.seeAlso: ("zie ook", "see also"), RDFS.subClassOf: ("subklasse van", "subclass of"),
    RDFS.subPropertyOf: ("subeigenschap van", "subproperty of"), RDFS.domain: ("domein", "domain"),
    RDFS.range: ("bereik", "range"), RDF.subject: ("onderwerp", "subject"), RDF.predicate: ("eigenschap", "predicate"),
    RDF.object: ("waarde", "object"), RDF.first: ("eerste", "first"), RDF.rest: ("rest", "rest"),
    OWL.equivalentClass: ("equivalente klasse", "equivalent class"), OWL.disjointWith: ("disjunct met", "disjoint with"),
    OWL.inverseOf: ("inverse van", "inverse of"), OWL.onProperty: ("op eigenschap", "on property"),
    OWL.hasValue: ("heeft waarde", "has value"), OWL.versionInfo: ("versie", "version"),
    SKOS.prefLabel: ("voorkeursnaam", "preferred label"), SKOS.altLabel: ("alternatieve naam", "alternative label"),
    SKOS.definition: ("definitie", "definition"), SKOS.note: ("opmerking", "note"),
    SKOS.scopeNote: ("toepassingsnotitie", "scope note"), SKOS.inScheme: ("in schema", "in scheme"),
    SKOS.topConceptOf: ("topbegrip van", "top concept of"), SKOS.hasTopConcept: ("heeft topbegrip", "has top concept"),
    SKOS.notation: ("notatie", "notation"), SKOS.related: ("gerelateerd", "related"),
    SKOS.broader: ("breder", "broader"), SKOS.narrower: ("smaller", "narrower"),
    SKOS.exactMatch: ("exact gelijk aan", "exact match"),
    ORG.hasMember: ("heeft lid", "has member"), ORG.memberOf: ("lid van", "member of"), ORG.member: ("lid", "member"),
    ORG.organization: ("organisatie", "organization"), ORG.role: ("rol", "role"),
    ORG.memberDuring: ("lid gedurende", "member during"), ORG.linkedTo: ("verbonden met", "linked to"),
    ORG.classification: ("vorm", "classification"), ORG.identifier: ("identificatie", "identifier"),
    ORG.unitOf: ("onderdeel van", "unit of"), ORG.hasUnit: ("heeft onderdeel", "has unit"),
    ORG.resultedFrom: ("ontstaan uit", "resulted from"),
    ORG.resultingOrganization: ("resulterende organisatie", "resulting organization"),
    ORG.originalOrganization: ("oorspronkelijke organisatie", "original organization"),
    ORG.changedBy: ("gewijzigd door", "changed by"),
    PROV.wasDerivedFrom: ("afgeleid van", "derived from"), PROV.wasGeneratedBy: ("voortgebracht door", "generated by"),
    PROV.generated: ("bracht voort", "generated"), PROV.invalidated: ("maakte ongeldig", "invalidated"),
    PROV.used: ("gebruikte", "used"), PROV.wasAttributedTo: ("toegeschreven aan", "attributed to"),
    PROV.wasAssociatedWith: ("uitgevoerd door", "associated with"), PROV.startedAtTime: ("begonnen op", "started at"),
    PROV.endedAtTime: ("geëindigd op", "ended at"), PROV.generatedAtTime: ("ontstaan op", "generated at"),
    PROV.invalidatedAtTime: ("ongeldig sinds", "invalidated at"), PROV.wasInformedBy: ("in gang gezet door", "informed by"),
    DCTERMS.source: ("bron", "source"), DCTERMS.title: ("titel", "title"), DCTERMS.description: ("beschrijving", "description"),
    DCTERMS.issued: ("uitgegeven", "issued"), DCTERMS.modified: ("gewijzigd", "modified"),
    DCTERMS.publisher: ("uitgever", "publisher"), DCTERMS.creator: ("maker", "creator"),
    DCTERMS.license: ("licentie", "license"), DCTERMS.identifier: ("identificatie", "identifier"),
    DCTERMS.replaces: ("vervangt", "replaces"), DCTERMS.isPartOf: ("deel van", "is part of"),
    DCTERMS.references: ("verwijst naar", "references"), DCTERMS.language: ("taal", "language"),
    TIME.hasBeginning: ("begin", "beginning"), TIME.hasEnd: ("einde", "end"), TIME.inXSDDate: ("datum", "date"),
    TIME.inXSDgYear: ("jaar", "year"), FOAF.page: ("webpagina", "web page"), FOAF.name: ("naam", "name"),
    SCHEMA.url: ("URL", "URL"), VOID.triples: ("aantal triples", "triples"), VOID.subset: ("deelverzameling", "subset"),
    VOID.dataDump: ("dump", "data dump"), DCAT.distribution: ("distributie", "distribution"),
    DCAT.downloadURL: ("downloadadres", "download URL"), DCAT.accessURL: ("toegangsadres", "access URL"),
    DCAT.keyword: ("trefwoord", "keyword"), DCAT.theme: ("thema", "theme"),
    SH.message: ("melding", "message"), SH.path: ("pad", "path"), SH.property: ("eigenschap", "property"),
    TOOIONT.ligtInProvincie: ("ligt in provincie", "lies in province"),
    TOOIONT.gemeentecode: ("gemeentecode", "municipality code"), TOOIONT.begindatum: ("begindatum", "start date"),
    TOOIONT.einddatum: ("einddatum (laatste dag)", "end date (last day)"),
    TOOIONT.tijdstipWijziging: ("tijdstip wijziging", "time of change"),
    TOOIONT.organisatiecode: ("organisatiecode", "organisation code"), TOOIONT.owmsId: ("OWMS-id", "OWMS id"),
    TOOIONT.officieleNaamExclSoort: ("officiële naam", "official name"),
    TOOIONT.officieleNaamInclSoort: ("officiële naam met soort", "official name with kind"),
    TOOIONT.officieleNaamSorteer: ("officiële naam (sorteren)", "official name (sorting)"),
    TOOIONT.voorkeursnaamExclSoort: ("voorkeursnaam zonder soort", "preferred name"),
    TOOIONT.voorkeursnaamInclSoort: ("voorkeursnaam met soort", "preferred name with kind"),
    TOOIONT.voorkeursnaamSorteer: ("voorkeursnaam (sorteren)", "preferred name (sorting)"),
    TOOIONT.provinciecode: ("provinciecode", "province code"), TOOIONT.organisatiesoort: ("soort", "kind"),
    TOOIONT.afkorting: ("afkorting", "abbreviation"), TOOIONT.titel: ("titel", "title"),
    TOOIONT.Samenvoeging: ("samenvoeging", "amalgamation"), TOOIONT.Uitbreiding: ("uitbreiding", "extension"),
    TOOIONT.Herschikking: ("herschikking", "boundary change"),
    VANN.preferredNamespacePrefix: ("voorkeursprefix", "preferred namespace prefix"),
    VANN.preferredNamespaceUri: ("voorkeursnamespace", "preferred namespace IRI"),
}.items()}


def humanise(iri: str) -> str:
    """A readable name from the IRI's last segment: `officieleNaamExclSoort` → `officiele naam excl soort`."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").lower() if local != local.upper() else local


@dataclass
class Annotations:
    """Labels (by language) and web pages of IRIs, fetched in one query. A label is chosen in the page's language;
    else the best-ranked other one (skos:prefLabel before rdfs:label ...), whose language `label_lang` then gives so
    the page can mark it."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    pages: dict[str, list[str]] = field(default_factory=dict)
    ranks: dict[str, dict[str, int]] = field(default_factory=dict)  # iri → language → rank of its predicate

    def _choice(self, iri: str) -> tuple[str | None, str | None]:
        by_lang = self.labels.get(iri, {})
        lang = i18n.current()
        if by_lang.get(lang):
            return by_lang[lang], None
        ranks = self.ranks.get(iri, {})
        for other in sorted(by_lang, key=lambda g: (ranks.get(g, len(LABEL_PREDICATES)), g != "", g)):
            if by_lang[other]:
                return by_lang[other], other or None
        return None, None

    def label(self, iri: str) -> str | None:
        return self._choice(iri)[0]

    def label_lang(self, iri: str) -> str | None:
        """The language of `label(iri)` when it is not the page's (None for an untagged label)."""
        return self._choice(iri)[1]

    def predicate(self, iri: str) -> tuple[str, str | None]:
        """(name, its language when not the page's) of a property: its label, our built-in name, or its IRI's."""
        text, lang = self._choice(iri)
        if text:
            return text, lang
        if iri in BUILTIN_LABELS:
            return i18n.t(*BUILTIN_LABELS[iri]), None
        return humanise(iri), None


def annotate(iris) -> Annotations:
    iris = sorted({i for i in iris if _ABSOLUTE.match(i) and not re.search(r'[<>"{}|^`\\\s]', i)})
    notes = Annotations()
    if not iris:
        return notes
    preds = LABEL_PREDICATES + PAGE_PREDICATES
    rows = []
    for start in range(0, len(iris), 500):
        chunk = " ".join(f"<{i}>" for i in iris[start:start + 500])
        rows += select(f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {chunk} }} "
                       f"VALUES ?p {{ {' '.join(f'<{p}>' for p in preds)} }} ?x ?p ?l }}")
    rank = {str(p): i for i, p in enumerate(LABEL_PREDICATES)}
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for r in rows:
        x, p, val = r["x"]["value"], r["p"]["value"], r["l"]
        if p in rank and val["type"] == "literal":
            key = (x, val.get("xml:lang", "").lower().split("-")[0])
            cand = (rank[p], val["value"])
            if key not in best or cand < best[key]:
                best[key] = cand
        elif p not in rank and val["type"] in ("uri", "literal"):
            notes.pages.setdefault(x, [])
            if val["value"] not in notes.pages[x]:
                notes.pages[x].append(val["value"])
    for (x, lang), (rank_of, text) in best.items():
        notes.labels.setdefault(x, {})[lang] = text
        notes.ranks.setdefault(x, {})[lang] = rank_of
    return notes


# --- the view of terms, triples and nested blank nodes ------------------------------------------------------

def term_view(t: dict, notes: Annotations) -> dict:
    """A term as the templates show it: IRIs with label, link and TOOI identity; literals with language/datatype."""
    if t["type"] == "uri":
        iri = t["value"]
        local = iri.startswith(base_iri()) or tooi_page(iri) is not None
        return {"kind": "iri", "iri": iri, "label": notes.label(iri), "label_lang": notes.label_lang(iri),
                "href": href(iri), "local": local, "curie": curie(iri),
                "tooi": iri if is_tooi(iri) else None}
    if t["type"] == "bnode":
        return {"kind": "bnode", "id": t["value"]}
    dt = t.get("datatype")
    return {"kind": "literal", "value": t["value"], "lang": t.get("xml:lang"),
            "datatype": curie(dt) if dt else None}


@dataclass
class Value:
    term: dict
    graphs: list[dict]
    nested: list | None = None  # property groups of a blank node
    items: list | None = None  # members of an RDF list


@dataclass
class Group:
    predicate: dict
    values: list[Value]


def graph_view(g: str, notes: Annotations) -> dict:
    slug = g[len(str(GRAPH)):] if g.startswith(str(GRAPH)) else g
    return {"iri": g, "slug": slug, "label": notes.label(g) or slug, "href": href(g),
            "inferred": g == str(G_INFERRED)}


def in_page_language(vals: list[Value]) -> list[Value]:
    """The values of one property as a page shows them: when some are texts in the page's language, texts in other
    languages are left out (the RDF twin has them all); untagged texts and other terms always stay."""
    lang = i18n.current()
    tagged = {v.term.get("lang") for v in vals if v.term.get("lang")}
    if lang in tagged:
        vals = [v for v in vals if v.term.get("lang") in (None, lang)]
    vals.sort(key=lambda v: (v.term.get("lang") not in (None, lang), v.term.get("lang") or "",
                             (v.term.get("label") or v.term.get("value") or v.term.get("iri") or "").lower()))
    return vals


_ORDER = {str(RDF.type): 0, str(SKOS.prefLabel): 1, str(RDFS.label): 2, str(SKOS.altLabel): 3,
          str(SKOS.definition): 4, str(RDFS.comment): 5}


class Description:
    """The outbound triples of a resource (with the graph of each), nested blank nodes resolved."""

    def __init__(self, iri: str, rows: list[dict]):
        self.iri = iri
        self.by_subject: dict[str, dict[tuple, dict]] = defaultdict(dict)
        for r in rows:
            s = r["s"]
            key = s["value"] if s["type"] == "uri" else "_:" + s["value"]
            pair = (r["p"]["value"], json.dumps(r["o"], sort_keys=True))
            entry = self.by_subject[key].setdefault(pair, {"p": r["p"]["value"], "o": r["o"], "graphs": set()})
            if "g" in r:
                entry["graphs"].add(r["g"]["value"])

    @property
    def empty(self) -> bool:
        return not self.by_subject.get(self.iri)

    def iris(self) -> set[str]:
        out = set()
        for entries in self.by_subject.values():
            for e in entries.values():
                out.add(e["p"])
                out |= e["graphs"]
                if e["o"]["type"] == "uri":
                    out.add(e["o"]["value"])
                if e["o"].get("datatype"):
                    out.add(e["o"]["datatype"])
        return out

    def objects(self, predicate: str, key: str | None = None) -> list[dict]:
        return [e["o"] for e in self.by_subject.get(key or self.iri, {}).values() if e["p"] == predicate]

    def graphs(self) -> set[str]:
        return {g for entries in self.by_subject.values() for e in entries.values() for g in e["graphs"]}

    def groups(self, notes: Annotations, key: str | None = None, inferred: bool | None = None,
               _seen: frozenset = frozenset()) -> list[Group]:
        """Property groups of `key` (the resource by default). `inferred` True/False keeps only the facts that are
        only inferred / also asserted; None keeps all (used for nested blank nodes)."""
        key = key or self.iri
        seen = _seen | {key}
        grouped: dict[str, list[Value]] = defaultdict(list)
        for e in self.by_subject.get(key, {}).values():
            only_inferred = bool(e["graphs"]) and e["graphs"] <= {str(G_INFERRED)}
            if inferred is not None and only_inferred != inferred:
                continue
            v = Value(term_view(e["o"], notes), [graph_view(g, notes) for g in sorted(e["graphs"])])
            o = e["o"]
            if o["type"] == "bnode" and "_:" + o["value"] not in seen:
                items = self.list_items("_:" + o["value"], seen)
                if items is not None:
                    v.items = [self._item(i, notes, seen) for i in items]
                else:
                    v.nested = self.groups(notes, "_:" + o["value"], None, seen)
            elif dependent(o) and o["value"] not in seen and o["value"] in self.by_subject:
                v.nested = self.groups(notes, o["value"], None, seen)
            grouped[e["p"]].append(v)
        out = []
        for p, vals in grouped.items():
            label, label_lang = notes.predicate(p)
            pview = {"iri": p, "label": label, "label_lang": label_lang, "curie": curie(p), "href": href(p)}
            out.append(Group(pview, in_page_language(vals)))
        out.sort(key=lambda g: (_ORDER.get(g.predicate["iri"], 9), g.predicate["label"].lower()))
        return out

    def list_items(self, key: str, seen: frozenset) -> list[dict] | None:
        """The members of an RDF list starting at blank node `key`, or None when it is not a well-formed list."""
        items, node, visited = [], key, set()
        while node != str(RDF.nil):
            entries = self.by_subject.get(node)
            if entries is None or node in visited or node in seen:
                return None
            visited.add(node)
            firsts = [e["o"] for e in entries.values() if e["p"] == str(RDF.first)]
            rests = [e["o"] for e in entries.values() if e["p"] == str(RDF.rest)]
            if len(firsts) != 1 or len(rests) != 1 or len({e["p"] for e in entries.values()} - {
                    str(RDF.first), str(RDF.rest), str(RDF.type)}):
                return None
            items.append(firsts[0])
            rest = rests[0]
            node = rest["value"] if rest["type"] == "uri" else "_:" + rest["value"]
        return items

    def _item(self, o: dict, notes: Annotations, seen: frozenset) -> Value:
        v = Value(term_view(o, notes), [])
        if o["type"] == "bnode" and "_:" + o["value"] in self.by_subject:
            v.nested = self.groups(notes, "_:" + o["value"], None, seen)
        return v


def dependent(term: dict) -> bool:
    return term["type"] == "uri" and term["value"].startswith(DEPENDENT_PREFIXES)


def _nested(var: str) -> str:
    prefixes = " || ".join(f'STRSTARTS(STR({var}), "{p}")' for p in DEPENDENT_PREFIXES)
    return f"FILTER(isBlank({var}) || {prefixes})"


def _cbd_branches(iri: str, with_graph: bool) -> str:
    """UNION of patterns binding ?s ?p ?o (and ?g) for the resource and the blank nodes (and dependent IRIs)
    reachable from it."""
    target = iri_ref(iri)
    g_open, g_close = ("GRAPH ?g { ", " }") if with_graph else ("", "")
    branches = [f"{{ VALUES ?s {{ {target} }} {g_open}?s ?p ?o{g_close} }}"]
    for depth in range(1, BNODE_DEPTH + 1):
        hops = [f"{target} ?h0 ?b1 . {_nested('?b1')}"]
        hops += [f"?b{i} ?h{i} ?b{i + 1} . {_nested(f'?b{i + 1}')}" for i in range(1, depth)]
        branches.append("{ " + " ".join(hops) + f" {g_open}?b{depth} ?p ?o{g_close} BIND(?b{depth} AS ?s) }}")
    return "\n  UNION ".join(branches)


def describe_rows(iri: str) -> list[dict]:
    return select(f"SELECT DISTINCT ?s ?p ?o ?g WHERE {{\n  {_cbd_branches(iri, True)}\n}}")


def describe_rdf(iri: str, media_type: str) -> bytes:
    return run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{\n  {_cbd_branches(iri, False)}\n}}", media_type).body


def inbound_rows(iri: str, limit: int = INBOUND_SHOWN + 1) -> list[dict]:
    """Triples pointing at the resource; a blank-node subject is shown through the IRI that holds it."""
    t = iri_ref(iri)
    return select(f"""SELECT ?s ?p ?g (SAMPLE(?o) AS ?owner) WHERE {{
  GRAPH ?g {{ ?s ?p {t} }}
  OPTIONAL {{ FILTER(isBlank(?s)) ?o ?x ?s . FILTER(isIRI(?o)) }}
}} GROUP BY ?s ?p ?g ORDER BY ?p ?s LIMIT {limit}""")


def exists(iri: str) -> bool:
    t = iri_ref(iri)
    body = run(f"ASK {{ {{ {t} ?p ?o }} UNION {{ ?s ?p {t} }} }}", "application/sparql-results+json").body
    return bool(json.loads(body)["boolean"])


# --- sections shown for some kinds of resources --------------------------------------------------------------

def memberships(iri: str) -> list[dict]:
    """Dated memberships where the resource is the organisation or the member (cooperations, municipalities)."""
    t = iri_ref(iri)
    return select(f"""PREFIX org: <{ORG}> PREFIX time: <{TIME}> PREFIX fkg: <{FKG}>
SELECT ?lid ?org ?member ?role ?begin ?end ?vorm WHERE {{
  {{ ?lid org:organization {t} ; org:member ?member . BIND({t} AS ?org) }}
  UNION {{ ?lid org:member {t} ; org:organization ?org . BIND({t} AS ?member) }}
  ?lid a org:Membership .
  OPTIONAL {{ ?lid org:role ?role }}
  OPTIONAL {{ ?lid org:memberDuring/time:hasBeginning ?b . OPTIONAL {{ ?b time:inXSDDate ?bd }}
             OPTIONAL {{ ?b time:inXSDgYear ?by }} BIND(COALESCE(?bd, ?by) AS ?begin) }}
  OPTIONAL {{ ?lid org:memberDuring/time:hasEnd ?e . OPTIONAL {{ ?e time:inXSDDate ?ed }}
             OPTIONAL {{ ?e time:inXSDgYear ?ey }} BIND(COALESCE(?ed, ?ey) AS ?end) }}
  OPTIONAL {{ ?org org:classification ?vorm }}
}} ORDER BY ?begin ?org ?member""")


def versions(iri: str) -> list[dict]:
    """The dated versions of a regeling, with their form and the ROO record each comes from."""
    t = iri_ref(iri)
    return select(f"""PREFIX dcterms: <{DCTERMS}> PREFIX fkg: <{FKG}> PREFIX prov: <{PROV}> PREFIX schema: <{SCHEMA}>
PREFIX skos: <{SKOS}>
SELECT DISTINCT ?versie ?rooId ?naam ?van ?tot ?vorm ?url WHERE {{
  {t} dcterms:hasVersion ?versie . ?versie fkg:rooId ?rooId ; skos:prefLabel ?naam .
  OPTIONAL {{ ?versie prov:generatedAtTime ?van }} OPTIONAL {{ ?versie prov:invalidatedAtTime ?tot }}
  OPTIONAL {{ ?versie fkg:regelingvorm ?vorm }}
  OPTIONAL {{ ?versie dcterms:source ?bron OPTIONAL {{ ?bron schema:url ?url }} }}
}} ORDER BY ?van ?rooId""")


def mergers(iri: str) -> list[dict]:
    """TOOI municipal-merger events the municipality took part in, with everyone they created, continued or ended."""
    t = iri_ref(iri)
    return select(f"""PREFIX prov: <{PROV}> PREFIX tooiont: <{TOOIONT}>
SELECT ?event ?type ?when ?rel ?who WHERE {{
  {{ ?event prov:generated {t} }} UNION {{ ?event prov:invalidated {t} }} UNION {{ ?event prov:used {t} }}
  ?event a ?type . FILTER(STRSTARTS(STR(?type), STR(tooiont:)))
  OPTIONAL {{ ?event tooiont:tijdstipWijziging ?when }}
  {{ ?event prov:generated ?who BIND("generated" AS ?rel) }} UNION {{ ?event prov:invalidated ?who BIND("invalidated" AS ?rel) }}
  UNION {{ ?event prov:used ?who BIND("used" AS ?rel) }}
}} ORDER BY ?when ?event ?rel ?who""")


def statements_about(iri: str) -> list[dict]:
    """Claims of single sources about the resource kept as rdf:Statement (where sources differ or repeat)."""
    t = iri_ref(iri)
    return select(f"""PREFIX rdf: <{RDF}> PREFIX rdfs: <{RDFS}> PREFIX dcterms: <{DCTERMS}> PREFIX fkg: <{FKG}>
SELECT ?st ?p ?o (SAMPLE(?src) AS ?source) (SAMPLE(?b) AS ?betrouwbaarheid) (SAMPLE(?cnl) AS ?comment_nl)
       (SAMPLE(?cen) AS ?comment_en) (SAMPLE(?c0) AS ?comment) WHERE {{
  ?st rdf:subject {t} ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL {{ ?st dcterms:source ?src }} OPTIONAL {{ ?st fkg:betrouwbaarheid ?b }}
  OPTIONAL {{ ?st rdfs:comment ?cnl FILTER(LANGMATCHES(LANG(?cnl), "nl")) }}
  OPTIONAL {{ ?st rdfs:comment ?cen FILTER(LANGMATCHES(LANG(?cen), "en")) }}
  OPTIONAL {{ ?st rdfs:comment ?c0 FILTER(LANG(?c0) = "") }}
}} GROUP BY ?st ?p ?o ORDER BY ?p ?st""")


def graph_provenance(graphs: set[str]) -> list[dict]:
    if not graphs:
        return []
    vals = " ".join(iri_ref(g) for g in sorted(graphs))
    return select(f"""PREFIX prov: <{PROV}> PREFIX dcterms: <{DCTERMS}> PREFIX fkg: <{FKG}>
SELECT DISTINCT ?g ?p ?o WHERE {{ VALUES ?g {{ {vals} }} VALUES ?p {{ prov:wasDerivedFrom dcterms:source fkg:betrouwbaarheid }}
  ?g ?p ?o }} ORDER BY ?g ?p ?o""")


# --- format choice and the response ---------------------------------------------------------------------------

def split_extension(last: str) -> tuple[str, str | None]:
    """`bar.ttl` → (`bar`, `ttl`); a name without a dot has no extension."""
    name, dot, ext = last.rpartition(".")
    return (name, ext) if dot else (last, None)


def check_extension(ext: str | None) -> None:
    if ext is not None and ext not in RDF_EXTENSIONS and ext != "html":
        known = ", ".join(f".{e}" for e in [*RDF_EXTENSIONS, "html"])
        raise HttpError(404, f"unknown format extension .{ext}: use one of {known}, or none and an Accept header",
                        nl=f"onbekende formaatextensie .{ext}: gebruik {known}, of geen en een Accept-header")


def choose_format(ext: str | None) -> str:
    """The media type for a response: the extension when given, else the Accept header (406 when nothing fits)."""
    if ext is not None:
        check_extension(ext)
        return HTML if ext == "html" else RDF_EXTENSIONS[ext]
    accept = request.headers.get("Accept")
    chosen = negotiate(OFFERED, accept, aliases_for(OFFERED[1:]))
    if chosen is None:
        raise HttpError(406, f"no format in the Accept header ({accept}) is offered for this resource; offered: "
                             f"{describe(OFFERED)}. An extension also chooses one: "
                             f"{', '.join('.' + e for e in RDF_EXTENSIONS)}.", offered=OFFERED)
    return chosen


def alternates(path: str) -> list[dict]:
    """The machine-readable twins of a page at `path` (no extension): one per RDF format."""
    return [{"type": media, "ext": ext, "name": FORMAT_NAMES[media], "href": site(f"{path}.{ext}")}
            for ext, media in RDF_EXTENSIONS.items()]


def link_header(path: str) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates(path))


def rdf_response(body: bytes, media: str, path: str, negotiated: bool) -> Response:
    resp = Response(body, content_type=media)
    if negotiated:
        resp.headers["Vary"] = "Accept"
        resp.headers["Content-Location"] = site(f"{path}.{EXTENSION_OF[media]}")
    resp.headers["Link"] = link_header(path)
    return resp


def not_found(message: str, nl: str, query: str = "", suggestion: dict | None = None):
    """404: a page with a search box for browsers (message in the page's language), the usual error body for other
    clients."""
    if wants_html(request.headers.get("Accept"), OFFERED[1:] + ["application/json", "text/plain"]):
        html = render_template("ld_not_found.html", message=i18n.t(nl, message), query=query, suggestion=suggestion,
                               search=site("/zoek"))
        return Response(html, status=404, mimetype="text/html")
    details = {"see": suggestion["href"]} if suggestion else {}
    raise HttpError(404, message, nl=nl, **details)


def unknown(iri: str, query: str = ""):
    return not_found(f"nothing is known about <{iri}> in this dataset", f"deze dataset weet niets over <{iri}>",
                     query=query)


def describe_page(iri: str, path: str, ext: str | None, *, heading_kind: str | None = None):
    """The answer for a document about `iri` served at `path`: HTML page or RDF, by extension or Accept."""
    media = choose_format(ext)
    negotiated = ext is None
    if media != HTML:
        if not exists(iri):
            return unknown(iri)
        return rdf_response(describe_rdf(iri, media), media, path, negotiated)
    rows = describe_rows(iri)
    inbound = inbound_rows(iri)
    desc = Description(iri, rows)
    if desc.empty and not inbound:
        return unknown(iri, query=iri.rsplit("/", 1)[-1])
    html = render_template("ld_resource.html", **page_context(iri, path, desc, inbound, heading_kind))
    resp = Response(html, mimetype="text/html")
    if negotiated:
        resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = link_header(path)
    return resp


_COMMENT_VARS = (("nl", "comment_nl"), ("en", "comment_en"), ("", "comment"))


def page_context(iri: str, path: str, desc: Description, inbound: list[dict], heading_kind: str | None) -> dict:
    iri_types = {o["value"] for o in desc.objects(str(RDF.type)) if o["type"] == "uri"}
    org_like = bool(iri_types & {str(FKG.AmbtelijkeSamenwerking), str(ORG.Organization), str(TOOIONT.Gemeente)})
    members = memberships(iri) if org_like else []
    merge_rows = mergers(iri) if str(TOOIONT.Gemeente) in iri_types else []
    version_rows = versions(iri) if str(FKG.Regeling) in iri_types else []
    net = None
    if str(TOOIONT.Gemeente) in iri_types:
        from .network import section  # noqa: PLC0415 - network builds on this module

        net = section(iri)
    claims = statements_about(iri)
    graphs = desc.graphs() | {r["g"]["value"] for r in inbound}
    prov_rows = graph_provenance(graphs)

    wanted = desc.iris() | {iri} | graphs
    for r in inbound:
        wanted |= {r[k]["value"] for k in ("s", "p", "owner") if k in r and r[k]["type"] == "uri"}
    for rows in (members, merge_rows, claims, prov_rows, version_rows):
        for r in rows:
            wanted |= {t["value"] for t in r.values() if t["type"] == "uri"}
    sources = [o["value"] for p in (PROV.wasDerivedFrom, DCTERMS.source) for o in desc.objects(str(p))
               if o["type"] == "uri"]
    notes = annotate(wanted)

    def view(t):
        return term_view(t, notes)

    inbound_view = []
    for r in inbound[:INBOUND_SHOWN]:
        label, label_lang = notes.predicate(r["p"]["value"])
        subject = view(r["s"]) if r["s"]["type"] == "uri" else (
            {**view(r["owner"]), "via_bnode": True} if "owner" in r else view(r["s"]))
        inbound_view.append({"subject": subject, "predicate": {"label": label, "label_lang": label_lang,
                                                               "curie": curie(r["p"]["value"])},
                             "graph": graph_view(r["g"]["value"], notes)})
    t = iri_ref(iri)
    inbound_query = f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {t} }} }} ORDER BY ?p ?s"

    graph_sources: dict[str, list[dict]] = defaultdict(list)
    for r in prov_rows:
        label, _ = notes.predicate(r["p"]["value"])
        graph_sources[r["g"]["value"]].append({"predicate": label, "value": view(r["o"])})
    betrouwbaarheid = [view(o) for o in desc.objects(str(FKG.betrouwbaarheid))]

    events: dict[str, dict] = {}
    for r in merge_rows:
        ev = events.setdefault(r["event"]["value"], {"event": view(r["event"]), "type": view(r["type"]),
                                                     "when": r.get("when", {}).get("value", "")[:10],
                                                     "generated": [], "invalidated": [], "used": []})
        ev[r["rel"]["value"]].append(view(r["who"]))
    for ev in events.values():
        if not ev["type"]["label"]:  # TOOI's event classes have no labels in the graph: our names for them
            ev["type"]["label"], ev["type"]["label_lang"] = notes.predicate(ev["type"]["iri"])

    tooi_identity = iri if is_tooi(iri) else None
    title = notes.label(iri) or _untitled(iri, desc, notes)
    return {
        "iri": iri, "title": title, "title_lang": notes.label_lang(iri) if notes.label(iri) else None,
        "kind": heading_kind,
        "types": [view({"type": "uri", "value": x}) for x in sorted(iri_types)],
        "tooi": tooi_identity,
        "groups": desc.groups(notes, inferred=False),
        "inferred_groups": desc.groups(notes, inferred=True),
        "inbound": inbound_view, "inbound_more": len(inbound) > INBOUND_SHOWN,
        "inbound_query": query_page_link(inbound_query),
        "memberships": [{"lid": view(r["lid"]), "org": view(r["org"]), "member": view(r["member"]),
                         "role": view(r["role"]) if "role" in r else None,
                         "vorm": view(r["vorm"]) if "vorm" in r else None,
                         "begin": r.get("begin", {}).get("value", ""), "end": r.get("end", {}).get("value", ""),
                         } for r in members],
        "mergers": list(events.values()),
        "versions": [{"versie": view(r["versie"]), "rooId": r["rooId"]["value"], "naam": r["naam"]["value"],
                      "van": r.get("van", {}).get("value", "")[:10], "tot": r.get("tot", {}).get("value", "")[:10],
                      "vorm": view(r["vorm"]) if "vorm" in r else None,
                      "url": r.get("url", {}).get("value")} for r in version_rows],
        "network": net,
        "claims": [{"statement": view(r["st"]), "predicate": notes.predicate(r["p"]["value"])[0],
                    "object": view(r["o"]), "source": view(r["source"]) if "source" in r else None,
                    "betrouwbaarheid": view(r["betrouwbaarheid"]) if "betrouwbaarheid" in r else None,
                    "comment": i18n.pick({lang: r[var]["value"] for lang, var in _COMMENT_VARS if var in r}),
                    } for r in claims],
        "sources": [{**view({"type": "uri", "value": s}), "pages": notes.pages.get(s, [])}
                    for s in dict.fromkeys(sources)],
        "betrouwbaarheid": betrouwbaarheid,
        "graphs": [{**graph_view(g, notes), "sources": graph_sources.get(g, [])} for g in sorted(graphs)],
        "alternates": alternates(path),
        "describe_query": query_page_link(f"DESCRIBE {t}"),
        "search": site("/zoek"),
    }


def _untitled(iri: str, desc: Description, notes: Annotations) -> str:
    """A heading for a resource without a label, e.g. a TOOI merger event: its type and date ("samenvoeging
    2011-01-01"), else its prefixed name."""
    types = [o["value"] for o in desc.objects(str(RDF.type)) if o["type"] == "uri"]
    when = [o["value"][:10] for o in desc.objects(str(TOOIONT.tijdstipWijziging))]
    if types and when:
        return f"{notes.predicate(types[0])[0]} {when[0]}"
    return curie(iri)



# --- routes --------------------------------------------------------------------------------------------------

def _check_segments(kind: str, type_: str, ref: str | None, ext: str | None):
    """Validate `{type}/{ref}`; redirect (301) an upper-case spelling to the lower-case IRI's path."""
    check_extension(ext)
    t_ok = _TYPE.match(type_.lower())
    r_ok = ref is None or _REF.match(ref.lower())
    if not (t_ok and r_ok):
        shown = type_ + (f"/{ref}" if ref is not None else "")
        raise HttpError(404, f"/{kind}/{shown} is not a valid resource path: a type segment (a-z, 0-9, -) and a "
                             f"reference (a-z, 0-9, -, _)",
                        nl=f"/{kind}/{shown} is geen geldig pad van een ding: een soort (a-z, 0-9, -) en een "
                           f"verwijzing (a-z, 0-9, -, _)")
    if type_ != type_.lower() or (ref is not None and ref != ref.lower()):
        path = f"/{kind}/{type_.lower()}" + (f"/{ref.lower()}" if ref is not None else "") + (f".{ext}" if ext else "")
        return redirect(site(path), code=301)
    return None


def subject_for(type_: str, ref: str | None) -> str:
    if type_ in TOOI_PAGES and ref is not None:
        return TOOI_PAGES[type_] + ref
    return base_iri() + "id/" + type_ + (f"/{ref}" if ref is not None else "")


# Things whose IRIs moved, so that a link published earlier still leads somewhere: before the regelingen graph every
# version of a regeling was `regeling/roo-{id}`; a version is now `regelingversie/roo-{id}` (and the IRI of a first
# version names the regeling as a whole, so it still resolves by itself).
MOVED_TYPES = {"regeling": "regelingversie"}


def _moved(kind: str, type_: str, ref: str | None, ext: str | None):
    """A 301 to where an unknown thing's IRI moved (see MOVED_TYPES), or None."""
    new_type = MOVED_TYPES.get(type_)
    if new_type is None or ref is None or not exists(subject_for(new_type, ref)):
        return None
    return redirect(site(f"/{kind}/{new_type}/{ref}" + (f".{ext}" if ext else "")), code=301)


def _see_other(type_: str, ref: str | None, ext: str | None):
    early = _check_segments("id", type_, ref, ext)
    if early is not None:
        return early
    doc = f"/doc/{type_}" + (f"/{ref}" if ref is not None else "")
    if type_ in TOOI_PAGES:
        identity = TOOI_PAGES[type_] + (ref or "")
        return not_found(f"{type_} resources are not identified under /id/: they keep their TOOI IRI <{identity}>; "
                         f"our page about it is {doc}",
                         f"een {type_} heeft geen IRI onder /id/: zij houdt haar TOOI-IRI <{identity}>; onze pagina "
                         f"erover is {doc}", suggestion={"href": site(doc), "label": doc, "iri": identity})
    iri = subject_for(type_, ref)
    if not exists(iri):  # no 303 to a page that would only say 404
        return _moved("id", type_, ref, ext) or unknown(iri, query=ref or type_)
    if ext is None:
        media = negotiate(OFFERED, request.headers.get("Accept"), aliases_for(OFFERED[1:]))
        if media is not None and media != HTML:
            ext = EXTENSION_OF[media]
    resp = redirect(site(doc + (f".{ext}" if ext else "")), code=303)
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/id/")
@bp.route("/doc/")
def no_type():
    """Bare /id/ or /doc/: nothing to describe; the search page finds things."""
    return redirect(site("/zoek"), code=303)


@bp.route("/id/<type_>")
def id_scheme(type_: str):
    type_, ext = split_extension(type_)
    return _see_other(type_, None, ext)


@bp.route("/id/<type_>/<ref>")
def id_thing(type_: str, ref: str):
    ref, ext = split_extension(ref)
    return _see_other(type_, ref, ext)


@bp.route("/doc/<type_>")
@cacheable
def doc_scheme(type_: str):
    type_, ext = split_extension(type_)
    early = _check_segments("doc", type_, None, ext)
    return early or describe_page(subject_for(type_, None), f"/doc/{type_}", ext)


def _shows_today(type_: str, ref: str) -> bool:
    """A municipality page without `?datum` lists the regelingen of today."""
    return type_ == "gemeente" and "datum" not in request.args


@bp.route("/doc/<type_>/<ref>")
@cacheable(today=_shows_today)
def doc_thing(type_: str, ref: str):
    ref, ext = split_extension(ref)
    early = _check_segments("doc", type_, ref, ext)
    if early is None and type_ in MOVED_TYPES and not exists(subject_for(type_, ref)):
        early = _moved("doc", type_, ref, ext)
    return early or describe_page(subject_for(type_, ref), f"/doc/{type_}/{ref}", ext)


@bp.route("/graph/<path:name>")
@cacheable
def graph_doc(name: str):
    name, ext = split_extension(name)
    if not _GRAPH_NAME.match(name):
        raise HttpError(404, f"/graph/{name} is not a valid graph name (a-z, 0-9, -, _ and / between parts)",
                        nl=f"/graph/{name} is geen geldige graafnaam (a-z, 0-9, -, _ en / tussen delen)")
    return describe_page(str(GRAPH) + name, f"/graph/{quote(name)}", ext, heading_kind="graph")
