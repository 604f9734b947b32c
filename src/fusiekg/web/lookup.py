"""`/zoek?q=...`: find a municipality (by name or CBS code), a cooperation (by name or TOOI organisation code), or
one of the article's concepts and stakeholders (by name).

`q` may be a name or part of one (`Barendrecht`, `barend`; accents and case do not matter), a CBS code (`GM0489`,
`gm0489`, `0489`, `489`), a TOOI `so` code (`so0756`) or an IRI. A browser gets a result list, or a 303 straight to
the page when exactly one thing matches; `Accept: application/json` (or `format=json`) always gets the list as JSON.

The names are read once per build from the store (through the query processes, like every page) and matched here in
Python, so no user text is ever put into a SPARQL query.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request
from rdflib.namespace import ORG, RDFS, SKOS

from ..namespaces import FKG, ID, TOOIONT
from ..store import StoreMissing
from .caching import cacheable
from .limits import HttpError
from .linked_data import Annotations, annotate, href, select, site
from .negotiation import HTML, page_or_json
from .state import state

bp = Blueprint("lookup", __name__)

CACHE = "fusiekg.lookup"
MAX_QUERY = 200
MAX_RESULTS = 100
_CBS = re.compile(r"^(?:gm)?\s*0*(\d{1,4})$")
_SO = re.compile(r"^so\d+$")
_KIND_ORDER = {"gemeente": 0, "samenwerking": 1}
_lock = threading.Lock()


@dataclass
class Entry:
    iri: str
    kind: str  # "gemeente", "samenwerking", or the type segment of a concept or stakeholder ("faalfactor", ...)
    label: str = ""
    names: list[str] = field(default_factory=list)
    code: str | None = None
    begin: str | None = None
    end: str | None = None
    detail: list[str] = field(default_factory=list)  # provinces of a municipality, form of a cooperation
    detail_iris: list[str] = field(default_factory=list)  # the same, as IRIs (for their labels in the page's language)

    def view(self) -> dict:
        d = asdict(self)
        del d["names"], d["detail_iris"]
        d["page"] = href(self.iri)
        d["tooi"] = self.iri if self.kind == "gemeente" else None
        return d

    def page_view(self, notes: Annotations) -> dict:
        """`view()` for the HTML list: name, kind and detail in the page's language where the graph has it (the
        index keeps the Dutch ones, which JSON gives), marked with their language where they are not."""
        d = self.view()
        d["label"], d["label_lang"] = notes.label(self.iri) or self.label, notes.label_lang(self.iri)
        kind = kind_class(self.kind)
        d["kind_label"], d["kind_lang"] = (notes.label(kind), notes.label_lang(kind)) if notes.label(kind) else (None, None)
        d["detail"] = [(notes.label(i), notes.label_lang(i)) for i in self.detail_iris if notes.label(i)] or \
            [(text, None) for text in self.detail]
        return d


def kind_class(kind: str) -> str:
    """Our class of a concept or stakeholder kind (`faalfactor` → fkg:Faalfactor), whose label names the kind."""
    return str(FKG[kind[:1].upper() + kind[1:]])


def norm(text: str) -> str:
    """Case-, accent- and punctuation-blind form for matching: `Súdwest-Fryslân` → `sudwest fryslan`."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def build_index() -> list[Entry]:
    names = select(f"""PREFIX tooiont: <{TOOIONT}> PREFIX fkg: <{FKG}> PREFIX skos: <{SKOS}> PREFIX rdfs: <{RDFS}>
SELECT ?x ?kind ?name WHERE {{
  {{ ?x a tooiont:Gemeente BIND("gemeente" AS ?kind) }} UNION {{ ?x a fkg:AmbtelijkeSamenwerking BIND("samenwerking" AS ?kind) }}
  UNION {{ VALUES ?cls {{ skos:Concept fkg:Belanghebbende }} ?x a ?cls . FILTER(STRSTARTS(STR(?x), "{ID}"))
          BIND(STRBEFORE(STRAFTER(STR(?x), "{ID}"), "/") AS ?kind) }}
  ?x skos:prefLabel|rdfs:label|skos:altLabel|tooiont:officieleNaamExclSoort ?name .
  FILTER(isLiteral(?name))
}}""")
    facts = select(f"""PREFIX tooiont: <{TOOIONT}> PREFIX fkg: <{FKG}> PREFIX skos: <{SKOS}> PREFIX org: <{ORG}>
SELECT ?x ?code ?begin ?end ?d ?detail WHERE {{
  {{ ?x a tooiont:Gemeente . OPTIONAL {{ ?x fkg:cbsCode ?code }} OPTIONAL {{ ?x tooiont:begindatum ?begin }}
     OPTIONAL {{ ?x tooiont:einddatum ?end }} OPTIONAL {{ ?x tooiont:ligtInProvincie ?d . ?d skos:prefLabel ?detail }} }}
  UNION
  {{ ?x a fkg:AmbtelijkeSamenwerking . OPTIONAL {{ ?x org:identifier ?code }} OPTIONAL {{ ?x fkg:startdatum ?begin }}
     OPTIONAL {{ ?x fkg:einddatum ?end }}
     OPTIONAL {{ ?x org:classification ?d . ?d skos:prefLabel ?detail FILTER(LANGMATCHES(LANG(?detail), "nl")) }} }}
}}""")
    entries: dict[str, Entry] = {}
    pref = str(SKOS.prefLabel)
    for r in names:
        if not r.get("kind", {}).get("value"):
            continue
        e = entries.setdefault(r["x"]["value"], Entry(r["x"]["value"], r["kind"]["value"]))
        name = r["name"]["value"]
        if name not in e.names:
            e.names.append(name)
    # The label shown: the preferred name (nl or untagged), else the first name found.
    labels = select(f"SELECT ?x ?l WHERE {{ ?x <{pref}> ?l FILTER(LANG(?l) = '' || LANGMATCHES(LANG(?l), 'nl')) }}")
    shown = {r["x"]["value"]: r["l"]["value"] for r in labels}
    for e in entries.values():
        e.label = shown.get(e.iri) or e.names[0]
    for r in facts:
        e = entries.get(r["x"]["value"])
        if e is None:
            continue
        for key in ("code", "begin", "end"):
            if key in r and getattr(e, key) is None:
                setattr(e, key, r[key]["value"])
        if "detail" in r and r["detail"]["value"] not in e.detail:
            e.detail.append(r["detail"]["value"])
        if "d" in r and r["d"]["value"] not in e.detail_iris:
            e.detail_iris.append(r["d"]["value"])
    return sorted(entries.values(), key=lambda e: (_KIND_ORDER.get(e.kind, 2), norm(e.label)))


def index() -> list[Entry]:
    """The search index of the store being served, rebuilt when a new build appears."""
    try:
        build = state().manifest().get("build_id")
    except StoreMissing as exc:
        raise HttpError(503, str(exc)) from exc
    cached = current_app.extensions.get(CACHE)
    if cached and cached[0] == build:
        return cached[1]
    with _lock:
        cached = current_app.extensions.get(CACHE)
        if cached and cached[0] == build:
            return cached[1]
        entries = build_index()
        current_app.extensions[CACHE] = (build, entries)
        return entries


def search(q: str, entries: list[Entry]) -> list[Entry]:
    """Matches best first: codes and IRIs exactly; names equal, then starting with, then containing the text."""
    raw = q.strip()
    low = raw.lower()
    m = _CBS.match(low)
    if m:
        code = f"GM{int(m.group(1)):04d}"
        hits = [e for e in entries if e.kind == "gemeente" and (e.code or "").upper() == code]
        if hits or low.startswith("gm"):
            return hits
    if _SO.match(low):
        return [e for e in entries if (e.code or "").lower() == low]
    if raw.startswith(("http://", "https://")):
        return [e for e in entries if e.iri == raw]
    needle = norm(raw)
    if not needle:
        return []
    scored = []
    for e in entries:
        best = None
        for name in e.names:
            n = norm(name)
            if n == needle:
                score = 0
            elif n.startswith(needle):
                score = 1
            elif f" {needle}" in f" {n}":
                score = 2
            elif needle in n:
                score = 3
            else:
                continue
            best = score if best is None else min(best, score)
        if best is not None:
            scored.append((best, _KIND_ORDER.get(e.kind, 2), e.end is not None, norm(e.label), e))
    scored.sort(key=lambda t: t[:4])
    return [t[-1] for t in scored]


@bp.route("/zoek")
@cacheable
def zoek():
    q = request.args.get("q", "")
    if len(q) > MAX_QUERY:
        raise HttpError(400, f"the search text (`q`) has {len(q)} characters; the limit is {MAX_QUERY}",
                        nl=f"de zoektekst (`q`) heeft {len(q)} tekens; de grens is {MAX_QUERY}")
    fmt = request.args.get("format", "").strip().lower()
    if fmt in ("json", "application/json"):
        media = "application/json"
    elif fmt in ("html", "text/html"):
        media = HTML
    elif fmt:
        raise HttpError(400, f"unknown format {fmt!r} for /zoek: use json or html")
    else:
        media = page_or_json(request.headers.get("Accept"), "/zoek")
    hits = search(q, index()) if q.strip() else []
    shown = hits[:MAX_RESULTS]
    if media == "application/json":
        resp = jsonify({"query": q, "count": len(hits), "results": [e.view() for e in shown],
                        "truncated": len(hits) > len(shown)})
        resp.headers["Vary"] = "Accept"
        return resp
    if len(hits) == 1:
        resp = redirect(hits[0].view()["page"], code=303)
        resp.headers["Vary"] = "Accept"
        return resp
    notes = annotate({i for e in shown for i in (e.iri, kind_class(e.kind), *e.detail_iris)})
    html = render_template("ld_search.html", q=q, results=[e.page_view(notes) for e in shown], count=len(hits),
                           search=site("/zoek"),
                           json_href=site("/zoek?" + urlencode({"q": q, "format": "json"})))
    resp = Response(html, mimetype="text/html")
    resp.headers["Vary"] = "Accept"
    return resp
