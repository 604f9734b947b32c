"""ROO records (the gemeenschappelijke-regelingen folder of the ROO mirror): read once, checked, grouped.

Both the register importer and the regelingen importer read the same folder, so the reading, the checks, the
grouping of versions into one regeling and the IRIs they get live here: one source of truth per ROO record.
A record that cannot be used (unreadable YAML, no ROO id, a regeling version without participants or with a date
that is not a date) is kept out with its file name and the reason, never dropped silently; the build prints them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD

from ..namespaces import ID, SCHEMA
from . import SourceDataError

FOLDER = "roo-gr"  # under data/register/
PLACEHOLDER_START = date(1900, 1, 1)  # ROO's "valid since" when it does not know
POLDER_URL = "https://github.com/anneschuth/polder"

try:  # libyaml reads the 1,639 records ten times faster than the pure-Python parser
    _LOADER = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _LOADER = yaml.SafeLoader


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


@dataclass
class RooFolder:
    """The usable ROO records by id, the ones skipped and why, and the regelingen their versions make up."""

    folder: Path
    records: dict[str, dict] = field(default_factory=dict)  # ROO id → record
    paths: dict[str, Path] = field(default_factory=dict)  # ROO id → file
    files: dict[str, str] = field(default_factory=dict)  # file name → ROO id
    skipped: list[Skipped] = field(default_factory=list)
    read: int = 0
    versions: dict[str, list[str]] = field(default_factory=dict)  # regeling key (first version's id) → versions
    regeling_of: dict[str, str] = field(default_factory=dict)  # version id → regeling key

    @property
    def used(self) -> int:
        return len(self.records)

    def is_regeling(self, rid: str) -> bool:
        return bool(self.records[rid].get("gr_meta"))

    def regeling_iri(self, rid: str) -> URIRef:
        """The regeling (all its versions) a version record belongs to."""
        return ID[f"regeling/roo-{self.regeling_of[rid]}"]

    def summary(self) -> str:
        return (f"ROO records in {self.folder.name}/: {self.read} read, {self.used} used, {len(self.skipped)} skipped; "
                f"{len(self.versions)} regelingen in {len(self.regeling_of)} versions")

    def subset(self, rids: set[str]) -> RooFolder:
        """The same folder with only these records (a sample for tests and benchmarks), versions regrouped."""
        out = RooFolder(self.folder, skipped=list(self.skipped), read=self.read)
        for rid in sorted(rids & set(self.records), key=int):
            out.records[rid], out.paths[rid] = self.records[rid], self.paths[rid]
            out.files[self.paths[rid].name] = rid
        _group_versions(out)
        return out

    def cluster(self, seeds: set[str]) -> set[str]:
        """The seed records plus every record they are linked to (organisation ↔ regeling, version chain)."""
        reverse: dict[str, set[str]] = defaultdict(set)
        for rid in self.records:
            for other in self.links(rid):
                reverse[other].add(rid)
        found = {s for s in seeds if s in self.records}
        todo = list(found)
        while todo:
            rid = todo.pop()
            for other in self.links(rid) | reverse.get(rid, set()):
                if other not in found:
                    found.add(other)
                    todo.append(other)
        return found

    def links(self, rid: str) -> set[str]:
        rec = self.records[rid]
        out = set()
        belongs = rec.get("hoort_bij_gemeenschappelijke_regeling") or {}
        if isinstance(belongs, dict) and belongs.get("roo_id"):
            out.add(str(belongs["roo_id"]))
        meta = rec.get("gr_meta") or {}
        for key in ("regionaal_samenwerkingsorgaan", "previous_version", "next_version"):
            if isinstance(meta.get(key), dict) and meta[key].get("roo_id"):
                out.add(str(meta[key]["roo_id"]))
        return {o for o in out if o in self.records and o != rid}


# --- values -------------------------------------------------------------------------------------------------------

def to_date(value, path: Path, key: str) -> date | None:
    """A ROO date (YAML date or 'YYYY-MM-DD' text); None when empty. Raises SourceDataError when it is not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise SourceDataError(path, key, f"not a date: {value!r}") from exc


def name_of(rec: dict) -> str:
    """The record's current name: the first one without an end, else the last one."""
    names = [n for n in rec.get("names") or [] if isinstance(n, dict) and n.get("value")]
    if not names:
        return str(rec.get("id", "?"))
    current = [n for n in names if not n.get("valid_until")]
    return str((current[0] if current else names[-1])["value"]).strip()


def version_dates(rec: dict, path: Path) -> tuple[date | None, date | None]:
    """When a regeling version came into force and went out of force (None: unknown or still in force)."""
    meta = rec.get("gr_meta") or {}
    begin = to_date(meta.get("datum_inwerkingtreding"), path, "gr_meta.datum_inwerkingtreding") or \
        to_date(rec.get("valid_from"), path, "valid_from")
    until = to_date(meta.get("datum_uitwerkingtreding"), path, "gr_meta.datum_uitwerkingtreding") or \
        to_date(rec.get("valid_until"), path, "valid_until")
    return (None if begin == PLACEHOLDER_START else begin), until


def participants(rec: dict) -> list[dict]:
    return list((rec.get("gr_meta") or {}).get("deelnemende_organisaties") or [])


def roo_url(rec: dict) -> str | None:
    for src in rec.get("sources") or []:
        if isinstance(src, dict) and src.get("id") == "roo" and src.get("url"):
            return str(src["url"])
    return None


# --- reading ------------------------------------------------------------------------------------------------------

def _problem(rec, path: Path) -> str | None:
    """Why a record cannot be used, or None. Dates are checked here so that importers can trust them."""
    if not isinstance(rec, dict):
        return "not a YAML mapping (record)"
    rid = str((rec.get("identifiers") or {}).get("roo_id") or "") if isinstance(rec.get("identifiers"), dict) else ""
    if not rid.isdigit():
        return "no numeric identifiers.roo_id"
    if not any(isinstance(n, dict) and n.get("value") for n in rec.get("names") or []):
        return "no name (names[].value)"
    meta = rec.get("gr_meta")
    try:
        to_date(rec.get("valid_from"), path, "valid_from")
        to_date(rec.get("valid_until"), path, "valid_until")
        to_date(rec.get("roo_start_datum"), path, "roo_start_datum")
        if meta is None:
            return None
        if not isinstance(meta, dict):
            return "gr_meta is not a mapping"
        version_dates(rec, path)
        entries = participants(rec)
        if not entries:
            return "a regeling version without participants (gr_meta.deelnemende_organisaties is empty): partial record"
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or not e.get("naam") or not e.get("roo_id"):
                return f"participant {i} has no naam or roo_id"
            to_date(e.get("toetredings_datum"), path, f"gr_meta.deelnemende_organisaties[{i}].toetredings_datum")
    except SourceDataError as exc:
        return f"{exc.where}: {exc.message}"
    return None


def read(folder: Path) -> RooFolder:
    """Read every *.yaml record of the folder; unusable ones are listed in `skipped` with the reason."""
    if not folder.is_dir():
        raise SourceDataError(folder, None, f"ROO record folder not found (expected data/register/{FOLDER}/)")
    out = RooFolder(folder)
    for path in sorted(folder.glob("*.yaml")):
        out.read += 1
        try:
            rec = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            out.skipped.append(Skipped(path.name, f"cannot read YAML: {' '.join(str(exc).split())}"))
            continue
        problem = _problem(rec, path)
        if problem:
            out.skipped.append(Skipped(path.name, problem))
            continue
        rid = str(rec["identifiers"]["roo_id"])
        if rid in out.records:
            out.skipped.append(Skipped(path.name, f"ROO id {rid} is also in {out.paths[rid].name}"))
            continue
        out.records[rid], out.paths[rid], out.files[path.name] = rec, path, rid
    _group_versions(out)
    return out


def _group_versions(roo: RooFolder) -> None:
    """Versions linked by previous_version / next_version are one regeling, keyed by its earliest version."""
    regelingen = [rid for rid in roo.records if roo.is_regeling(rid)]
    neighbours: dict[str, set[str]] = defaultdict(set)
    for rid in regelingen:
        meta = roo.records[rid]["gr_meta"]
        for key in ("previous_version", "next_version"):
            other = str((meta.get(key) or {}).get("roo_id") or "") if isinstance(meta.get(key), dict) else ""
            if other in roo.records and roo.is_regeling(other) and other != rid:
                neighbours[rid].add(other)
                neighbours[other].add(rid)
    seen: set[str] = set()
    for rid in sorted(regelingen, key=int):
        if rid in seen:
            continue
        group, todo = set(), [rid]
        while todo:
            x = todo.pop()
            if x not in group:
                group.add(x)
                todo.extend(neighbours[x] - group)
        seen |= group
        ordered = sorted(group, key=lambda v: (version_dates(roo.records[v], roo.paths[v])[0] or date.min, int(v)))
        roo.versions[ordered[0]] = ordered
        for v in ordered:
            roo.regeling_of[v] = ordered[0]


# --- sources ------------------------------------------------------------------------------------------------------

MIRROR = ID["bron/polder"]


def source_iri(rid: str) -> URIRef:
    return ID[f"bron/roo-{rid}"]


def describe_source(g: Graph, roo: RooFolder, rid: str) -> URIRef:
    """`fkgid:bron/roo-{id}`: the ROO record as a source, with its ROO page (in fkgg:regelingen only)."""
    node = source_iri(rid)
    if (node, RDF.type, DCTERMS.BibliographicResource) in g:
        return node
    rec, path = roo.records[rid], roo.paths[rid]
    name = name_of(rec)
    _source_node(g, node)
    g.add((node, RDFS.label, Literal(f"ROO-record {rid}: {name}", lang="nl")))
    g.add((node, RDFS.label, Literal(f"ROO record {rid}: {name}", lang="en")))
    g.add((node, DCTERMS.identifier, Literal(rid)))
    g.add((node, DCTERMS.isPartOf, describe_mirror(g)))
    url = roo_url(rec)
    if url:
        g.add((node, SCHEMA.url, URIRef(url)))
        g.add((node, FOAF.page, URIRef(url)))
    modified = to_date(rec.get("last_mutation"), path, "last_mutation")
    if modified:
        g.add((node, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.date)))
    return node


def describe_mirror(g: Graph) -> URIRef:
    node = MIRROR
    if (node, RDF.type, DCTERMS.BibliographicResource) not in g:
        _source_node(g, node)
        g.add((node, RDFS.label, Literal("anneschuth/polder: kopie van het Register van Overheidsorganisaties (ROO)",
                                         lang="nl")))
        g.add((node, RDFS.label, Literal("anneschuth/polder: a copy of the Dutch register of government "
                                         "organisations (ROO)", lang="en")))
        g.add((node, SCHEMA.url, URIRef(POLDER_URL)))
        g.add((node, FOAF.page, URIRef(POLDER_URL)))
    return node


def _source_node(g: Graph, node: URIRef) -> None:
    g.add((node, RDF.type, DCTERMS.BibliographicResource))
    g.add((node, RDF.type, PROV.Entity))
