"""TOOI register copies (municipalities, provinces, herindelingen) → the graph fkgg:municipalities.

TOOI's own IRIs and properties are kept as published; we only add what our model needs and TOOI lacks
(skos:prefLabel, fkg:cbsCode) and where the graph comes from. The files are expanded JSON-LD: we refuse any
@context, so parsing can never fetch anything, and we drop owl:imports so no loader or reasoner will.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from ..namespaces import FKG, G_MUNICIPALITIES, TOOIONT, bind_all
from . import SourceDataError

SUBDIR = "tooi"
MUNICIPALITIES_FILE = "rwc_gemeenten_compleet_4.json"
PROVINCES_FILE = "rwc_provincies_compleet_1.json"
FILES = (MUNICIPALITIES_FILE, PROVINCES_FILE)

_P_PROV = str(PROV)
_MERGER_KINDS = ("Samenvoeging", "Uitbreiding", "Herschikking")
_FORBIDDEN_KEYS = ("@context", "@import")


@dataclass(frozen=True)
class Municipality:
    iri: str
    code: str  # TOOI organisatiecode, e.g. "gm0489"
    names: frozenset[str]  # official and preferred names without "gemeente"
    begin: date | None  # tooiont:begindatum, first day
    end: date | None  # tooiont:einddatum, last day (not the first day without it)
    owms: str | None = None  # tooiont:owmsId, the OWMS term other registers (ROO) name it by

    def active_on(self, day: date) -> bool:
        return (self.begin is None or self.begin <= day) and (self.end is None or self.end >= day)


@dataclass(frozen=True)
class MergerEvent:
    iri: str
    ref: str  # local name, e.g. "wzg_2066"
    kind: str  # Samenvoeging, Uitbreiding or Herschikking
    at: datetime | None  # tooiont:tijdstipWijziging
    generated: tuple[str, ...]
    invalidated: tuple[str, ...]
    used: tuple[str, ...]

    def involves(self, iri: str) -> bool:
        return iri in self.generated or iri in self.invalidated or iri in self.used


@dataclass(frozen=True)
class TooiIndex:
    """What other importers need to check their links against TOOI, without building the graph."""

    municipalities: dict[str, Municipality]  # by organisatiecode
    events: dict[str, MergerEvent]  # by local name
    register_iri: str  # the TOOI set (versioned value list) of the municipalities file

    def by_name(self, name: str) -> list[Municipality]:
        return [m for m in self.municipalities.values() if name in m.names]

    def by_name_ignoring_case(self, name: str) -> list[Municipality]:
        folded = name.casefold()
        return [m for m in self.municipalities.values() if folded in {n.casefold() for n in m.names}]

    def by_owms(self, owms: str) -> list[Municipality]:
        return [m for m in self.municipalities.values() if m.owms == owms]

    def events_resulting_in(self, iri: str) -> list[MergerEvent]:
        """Herindelingen that created `iri` (Samenvoeging, Herschikking) or extended it (Uitbreiding)."""
        return [e for e in self.events.values() if iri in e.generated or iri in e.used]


def source_path(data_dir: Path, name: str) -> Path:
    path = Path(data_dir) / SUBDIR / name
    if not path.is_file():
        raise SourceDataError(path, None, "TOOI register file not found (expected under data/tooi/)")
    return path


def read_nodes(path: Path) -> list[dict]:
    """The top-level node objects of an expanded JSON-LD file, refusing anything that could make a parser fetch."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceDataError(path, None, f"not readable as JSON: {exc}") from exc
    if isinstance(doc, dict) and set(doc) == {"@graph"}:
        doc = doc["@graph"]
    if not isinstance(doc, list):
        raise SourceDataError(path, None, "expected expanded JSON-LD: a list of node objects")
    for i, node in enumerate(doc):
        where = f"node {i}"
        if not isinstance(node, dict) or not isinstance(node.get("@id"), str) or not node.get("@type"):
            raise SourceDataError(path, where, "every node needs an @id and an @type")
        bad = _find_forbidden(node)
        if bad:
            raise SourceDataError(path, f"{where} <{node['@id']}>", f"{bad} is not allowed: the file must be "
                                  "expanded JSON-LD without contexts, so that nothing is ever fetched")
    return doc


def _find_forbidden(value) -> str | None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in _FORBIDDEN_KEYS:
                return key
            found = _find_forbidden(inner)
            if found:
                return found
    elif isinstance(value, list):
        for inner in value:
            found = _find_forbidden(inner)
            if found:
                return found
    return None


def _values(node: dict, prop: str) -> list[str]:
    return [v.get("@id", v.get("@value")) for v in node.get(prop, []) if isinstance(v, dict)]


def _one(node: dict, prop: str) -> str | None:
    vals = _values(node, prop)
    return vals[0] if vals else None


def _types(node: dict) -> list[str]:
    t = node["@type"]
    return t if isinstance(t, list) else [t]


def _parse_date(path: Path, node: dict, prop: str) -> date | None:
    raw = _one(node, prop)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise SourceDataError(path, f"<{node['@id']}> {prop}", f"not a date: {raw!r}") from exc


def _header(path: Path, nodes: list[dict]) -> dict:
    heads = [n for n in nodes if str(OWL.Ontology) in _types(n)]
    if len(heads) != 1:
        raise SourceDataError(path, None, f"expected one register header (owl:Ontology), found {len(heads)}")
    return heads[0]


def index(data_dir: Path) -> TooiIndex:
    """Municipalities and herindelingen of the TOOI register, for checking links from other sources."""
    path = source_path(data_dir, MUNICIPALITIES_FILE)
    nodes = read_nodes(path)
    municipalities: dict[str, Municipality] = {}
    events: dict[str, MergerEvent] = {}
    for n in nodes:
        types = _types(n)
        if str(TOOIONT.Gemeente) in types:
            code = _one(n, str(TOOIONT.organisatiecode))
            if not code:
                raise SourceDataError(path, f"<{n['@id']}>", "municipality without tooiont:organisatiecode")
            names = {v for p in ("officieleNaamExclSoort", "voorkeursnaamExclSoort") for v in _values(n, str(TOOIONT[p]))}
            municipalities[code] = Municipality(n["@id"], code, frozenset(names), _parse_date(path, n, str(TOOIONT.begindatum)),
                                                _parse_date(path, n, str(TOOIONT.einddatum)), _one(n, str(TOOIONT.owmsId)))
        kinds = [k for k in _MERGER_KINDS if str(TOOIONT[k]) in types]
        if kinds:
            at = _one(n, str(TOOIONT.tijdstipWijziging))
            ref = n["@id"].rsplit("/", 1)[-1]
            events[ref] = MergerEvent(
                n["@id"], ref, kinds[0], datetime.fromisoformat(at) if at else None,
                tuple(_values(n, _P_PROV + "generated")), tuple(_values(n, _P_PROV + "invalidated")),
                tuple(_values(n, _P_PROV + "used")))
    return TooiIndex(municipalities, events, _header(path, nodes)["@id"])


def _parse(path: Path) -> tuple[Graph, URIRef]:
    nodes = read_nodes(path)
    header = URIRef(_header(path, nodes)["@id"])
    g = Graph()
    try:
        with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            g.parse(data=json.dumps(nodes), format="json-ld")
    except Exception as exc:  # rdflib's JSON-LD parser raises several types
        raise SourceDataError(path, None, f"cannot parse as JSON-LD: {exc}") from exc
    g.remove((None, OWL.imports, None))
    return g, header


def load(data_dir: Path) -> Graph:
    """The graph fkgg:municipalities: TOOI municipalities, provinces and herindelingen, plus our labels and codes."""
    g = Graph()
    bind_all(g)
    headers = []
    for name in FILES:
        path = source_path(data_dir, name)
        part, header = _parse(path)
        g += part
        headers.append(header)
        _describe_register(g, path, header)

    for m in g.subjects(RDF.type, TOOIONT.Gemeente):
        _add_label(g, m)
        code = g.value(m, TOOIONT.gemeentecode)
        if code is None or not str(code).isdigit() or len(str(code)) != 4:
            raise SourceDataError(data_dir / SUBDIR / MUNICIPALITIES_FILE, f"<{m}>",
                                  f"tooiont:gemeentecode must be four digits, got {code!r}")
        g.add((m, FKG.cbsCode, Literal(f"GM{code}")))
    for p in g.subjects(RDF.type, TOOIONT.Provincie):
        _add_label(g, p)

    for header in headers:
        g.add((G_MUNICIPALITIES, PROV.wasDerivedFrom, header))
        g.add((G_MUNICIPALITIES, DCTERMS.source, header))
    g.add((G_MUNICIPALITIES, RDFS.comment, Literal(
        "Gemeenten, provincies en herindelingen zoals TOOI ze publiceert, met TOOI's eigen IRI's en eigenschappen. "
        "Door fusiekg toegevoegd: skos:prefLabel (uit de voorkeursnaam), fkg:cbsCode (GMnnnn) en deze herkomst; "
        "owl:imports van de registers is weggelaten.", lang="nl")))
    g.add((G_MUNICIPALITIES, RDFS.comment, Literal(
        "Municipalities, provinces and herindelingen (municipal mergers) as TOOI publishes them, with TOOI's own IRIs "
        "and properties. Added by fusiekg: skos:prefLabel (from the preferred name), fkg:cbsCode (GMnnnn) and this "
        "provenance; the registers' owl:imports are left out.", lang="en")))
    return g


def _add_label(g: Graph, s) -> None:
    name = g.value(s, TOOIONT.voorkeursnaamExclSoort) or g.value(s, TOOIONT.officieleNaamExclSoort)
    if name is not None:
        g.add((s, SKOS.prefLabel, Literal(str(name), lang="nl")))


def _describe_register(g: Graph, path: Path, header: URIRef) -> None:
    """The register's own header stays (minus owl:imports); we add that it is a source, with its title and date."""
    g.add((header, RDF.type, DCTERMS.BibliographicResource))
    g.add((header, RDF.type, PROV.Entity))
    title = g.value(header, TOOIONT.titel)
    version = next((o for p, o in g.predicate_objects(header) if str(p).endswith("/volgnummer")), None)
    if title is not None:
        g.add((header, DCTERMS.title, Literal(str(title), lang="nl")))
        suffix = f", versie {version}" if version is not None else ""
        g.add((header, RDFS.label, Literal(f"TOOI-waardelijst {title}{suffix}", lang="nl")))
        suffix = f", version {version}" if version is not None else ""
        g.add((header, RDFS.label, Literal(f"TOOI value list {title} (Dutch government register){suffix}", lang="en")))
    issued = g.value(header, TOOIONT.publicatiedatum)
    if issued is not None:
        try:
            day = date.fromisoformat(str(issued))
        except ValueError as exc:
            raise SourceDataError(path, "register header tooiont:publicatiedatum", f"not a date: {issued!r}") from exc
        g.add((header, DCTERMS.issued, Literal(day.isoformat(), datatype=XSD.date)))
