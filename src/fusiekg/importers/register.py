"""Register of civil-service cooperations (CSV + ROO records) → the graph fkgg:register.

The CSV row is the register's claim about a cooperation, sourced by its own `bronnen`. ROO records (matched by
the row's ROO ids, TOOI organisatiecode or the record files it cites) add what ROO states, each fact on its own
carrier with the ROO record as source: the link to the regeling (described once, in fkgg:regelingen), membership
join dates, and ROO's dates for the organisation as separate claims. Where the two disagree both stay, each with
its source. Nothing is added that neither source says; links to TOOI are checked against the TOOI register copy.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, TIME, XSD

from ..namespaces import FKG, G_REGISTER, GM, ID, SCHEMA, SO, bind_all
from . import SourceDataError, carry, note, roo, time_instant, tooi

SUBDIR = "register"
CSV_FILE = "ambtelijke_fusies.csv"
COLUMNS = ("id", "naam", "deelnemers_cbs", "vorm", "juridische_vorm", "start", "eind", "eind_toelichting",
           "tooi_so", "roo_id", "scope", "bronnen", "confidence")
REQUIRED = ("id", "naam", "deelnemers_cbs", "vorm", "bronnen", "confidence")

CONFIDENCE = {"high": "hoog", "medium": "midden", "low": "laag"}
ROO_CONFIDENCE = "hoog"  # a register is a primary source (see the fkgid:betrouwbaarheid scheme)

VORM, ROL = (Namespace(f"{ID}{kind}/") for kind in ("vorm", "rol"))

_MONTHS = {m: i for i, m in enumerate(("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                                       "september", "oktober", "november", "december"), start=1)}
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PARTICIPANT = re.compile(r"^(GM\d{4})\s+(.+?)(\s+\(centrum\))?$")


# --- small value types -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class When:
    """A start or end as the register gives it: a day, only a year, or nothing usable, plus the source text."""

    value: date | int | None
    text: str
    qualified: bool  # the text says more than the value (a qualifier, another date, uncertainty)

    def literal(self) -> Literal | None:
        if isinstance(self.value, date):
            return Literal(self.value.isoformat(), datatype=XSD.date)
        if isinstance(self.value, int):
            return Literal(f"{self.value:04d}", datatype=XSD.gYear)
        return None

    def first_day(self) -> date | None:
        return self.value if isinstance(self.value, date) else date(self.value, 1, 1) if self.value else None


@dataclass(frozen=True)
class Participant:
    code: str  # "gm0489"
    name: str
    host: bool

    @property
    def iri(self) -> URIRef:
        return GM[self.code]


# --- reading ------------------------------------------------------------------------------------------------------

def _slugify(text: str, limit: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rstrip("-") + "-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return slug


def parse_when(text: str, path: Path, where: str) -> When | None:
    """'2014-01-01', '2014', '2009 (1 juli; …)', '(2024: ontvlechting)', '2018/2019', 'onbekend (…)' → When."""
    text = text.strip()
    if not text:
        return None
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:\s*\((.+)\))?", text):
        return When(_iso(m.group(1), path, where), text, m.group(2) is not None)
    if m := re.fullmatch(r"(\d{4})\s*\((\d{1,2}) ([a-z]+)\b[^)]*\)", text):
        if m.group(3) in _MONTHS:
            try:
                return When(date(int(m.group(1)), _MONTHS[m.group(3)], int(m.group(2))), text, True)
            except ValueError as exc:
                raise SourceDataError(path, where, f"not a valid day: {text!r}") from exc
    if m := re.fullmatch(r"(\d{4})", text):
        return When(int(m.group(1)), text, False)
    if m := re.fullmatch(r"\((\d{4}):\s*[^)]+\)", text):
        return When(int(m.group(1)), text, True)
    if m := re.fullmatch(r"(\d{4})/(\d{4})", text):
        first, second = int(m.group(1)), int(m.group(2))
        if second == first + 1:  # "at the turn of the year": read as the later year, i.e. its first day
            return When(second, text, True)
    if text.lower().startswith("onbekend"):
        return When(None, text, True)
    raise SourceDataError(path, where, f"cannot read a date from {text!r} (expected YYYY-MM-DD, YYYY, "
                          "'YYYY (D maand; …)', '(YYYY: …)', 'YYYY/YYYY+1' or 'onbekend …')")


def _iso(text: str, path: Path, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise SourceDataError(path, where, f"not a valid date: {text!r}") from exc


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise SourceDataError(path, None, "register CSV not found (expected data/register/ambtelijke_fusies.csv)")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise SourceDataError(path, "header", f"missing column(s): {', '.join(missing)}")
            rows = []
            for line_no, row in enumerate(reader, start=2):
                if None in row or any(v is None for v in row.values()):
                    raise SourceDataError(path, f"line {line_no}", "wrong number of fields")
                rows.append({k: (v or "").strip() for k, v in row.items()} | {"_line": str(line_no)})
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceDataError(path, None, f"cannot read CSV: {exc}") from exc
    seen: set[str] = set()
    for row in rows:
        where = f"line {row['_line']}"
        for col in REQUIRED:
            if not row[col]:
                raise SourceDataError(path, where, f"column {col!r} is empty")
        if not _SLUG.match(row["id"]):
            raise SourceDataError(path, where, f"id {row['id']!r} must be a lower-case slug (a-z, 0-9, -)")
        if row["id"] in seen:
            raise SourceDataError(path, where, f"duplicate id {row['id']!r}")
        seen.add(row["id"])
        if row["confidence"] not in CONFIDENCE:
            raise SourceDataError(path, where, f"confidence {row['confidence']!r} is not one of {sorted(CONFIDENCE)}")
    return rows


def _participants(row: dict, path: Path, index: tooi.TooiIndex) -> list[Participant]:
    where = f"line {row['_line']}, deelnemers_cbs"
    out: list[Participant] = []
    for part in filter(None, (p.strip() for p in row["deelnemers_cbs"].split(";"))):
        m = _PARTICIPANT.match(part)
        if not m:
            raise SourceDataError(path, where, f"{part!r} is not 'GMnnnn Name' or 'GMnnnn Name (centrum)'")
        code, name = m.group(1).lower(), m.group(2)
        muni = index.municipalities.get(code)
        if muni is None:
            raise SourceDataError(path, where, f"{m.group(1)} is not a municipality in the TOOI register")
        if name not in muni.names:
            raise SourceDataError(path, where, f"{m.group(1)} is {' / '.join(sorted(muni.names))} in TOOI, "
                                  f"not {name!r}")
        if any(p.code == code for p in out):
            raise SourceDataError(path, where, f"{m.group(1)} is named twice")
        out.append(Participant(code, name, m.group(3) is not None))
    if len(out) < 2:
        raise SourceDataError(path, where, "a cooperation needs at least two municipalities")
    if sum(p.host for p in out) > 1:
        raise SourceDataError(path, where, "more than one '(centrum)' municipality")
    return out


# Forms: the register's text → our concept (None: no full-fusion form we can state). FULL_FUSION_FORM_UNKNOWN: a
# source calls it a full ambtelijke fusie without saying whether it was a werkorganisatie or a centrumconstructie.
FULL_FUSION_FORM_UNKNOWN = "volledige ambtelijke fusie"


def classify_form(text: str, path: Path, where: str) -> str | None:
    head, _, qualifier = text.partition("(")
    head, qualifier = head.strip(), qualifier.rstrip(")").strip()
    if head == FULL_FUSION_FORM_UNKNOWN:
        return FULL_FUSION_FORM_UNKNOWN
    if head == "werkorganisatie":
        return "werkorganisatie"
    if head == "bedrijfsvoeringssamenwerking":
        return "bedrijfsvoeringssamenwerking"
    if head == "centrumconstructie":
        # fkg:Centrumconstructie means a *full* fusion; a partial one or one of unknown scope is not stated as such.
        return "centrumconstructie" if not qualifier else None
    if head in ("onbekend", "shared service center"):
        return None
    raise SourceDataError(path, where, f"unknown form {text!r} (expected werkorganisatie, centrumconstructie, "
                          "bedrijfsvoeringssamenwerking, volledige ambtelijke fusie, onbekend or shared service "
                          "center, optionally with a qualifier in parentheses)")


# --- building -----------------------------------------------------------------------------------------------------

# Sources the article graph already describes: the register cites them by the same IRI instead of minting a second.
DESCRIBED_ELSEWHERE = {
    "https://www.nrc.nl/nieuws/2015/10/23/gemeenten-voegen-organisaties-samen-1551344-a84402":
        ID["bron/nrc-2015-10-23"],
}


@dataclass
class _Builder:
    g: Graph
    csv_path: Path
    roo: roo.RooFolder
    index: tooi.TooiIndex
    _bron_urls: dict[str, str] = field(default_factory=dict)

    # sources -------------------------------------------------------------------------------------------------
    def bron_url(self, url: str, where: str) -> URIRef:
        if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", url):
            raise SourceDataError(self.csv_path, where, f"not a usable URL: {url!r}")
        if url in DESCRIBED_ELSEWHERE:
            return DESCRIBED_ELSEWHERE[url]
        slug = _slugify(re.sub(r"^https?://(www\.)?", "", url))
        if self._bron_urls.setdefault(slug, url) != url:
            slug = f"{slug}-{hashlib.sha1(url.encode()).hexdigest()[:8]}"
            self._bron_urls[slug] = url
        node = ID[f"bron/{slug}"]
        if (node, RDF.type, DCTERMS.BibliographicResource) not in self.g:
            self._source_node(node)
            self.g.add((node, RDFS.label, Literal(f"Webpagina {url}", lang="nl")))
            self.g.add((node, RDFS.label, Literal(f"Web page {url}", lang="en")))
            self.g.add((node, SCHEMA.url, URIRef(url)))
            self.g.add((node, FOAF.page, URIRef(url)))
        return node

    def bron_named(self, text: str) -> URIRef:
        """A source the register names without a URL, e.g. a magazine article by title."""
        node = ID[f"bron/{_slugify(text)}"]
        if (node, RDF.type, DCTERMS.BibliographicResource) not in self.g:
            self._source_node(node)
            self.g.add((node, DCTERMS.bibliographicCitation, Literal(text)))
            self.g.add((node, RDFS.label, Literal(text, lang="nl")))
            self.g.add((node, RDFS.label, Literal(f"{text} (no web address known)", lang="en")))
            if m := re.search(r"'([^']+)'", text):
                self.g.add((node, DCTERMS.title, Literal(m.group(1), lang="nl")))
        return node

    def bron_polder(self) -> URIRef:
        """The ROO mirror; described in fkgg:regelingen, not twice (a triple in two graphs is returned twice)."""
        return roo.MIRROR

    def bron_csv(self) -> URIRef:
        node = ID["bron/register-ambtelijke-fusies"]
        if (node, RDF.type, DCTERMS.BibliographicResource) not in self.g:
            self._source_node(node)
            self.g.add((node, RDFS.label, Literal("Register ambtelijke samenwerkingen (data/register/"
                                                  f"{CSV_FILE}), samengesteld uit openbare bronnen", lang="nl")))
            self.g.add((node, RDFS.label, Literal(f"Register of civil-service cooperations (data/register/{CSV_FILE}), "
                                                  "compiled from public sources", lang="en")))
        return node

    def bron_roo(self, rid: str) -> URIRef:
        """A ROO record as a source; fkgg:regelingen describes every record it reads (see bron_polder)."""
        return roo.source_iri(rid)

    def _source_node(self, node: URIRef) -> None:
        self.g.add((node, RDF.type, DCTERMS.BibliographicResource))
        self.g.add((node, RDF.type, PROV.Entity))

    def sources_of(self, row: dict, seeds: set[str]) -> list[URIRef]:
        where = f"line {row['_line']}, bronnen"
        out: list[URIRef] = []
        for item in filter(None, (s.strip() for s in row["bronnen"].split(";"))):
            if item.startswith(("http://", "https://")):
                out.append(self.bron_url(item, where))
            elif files := re.findall(r"[A-Za-z0-9_.-]+\.yaml", item):
                for name in files:
                    name = name.rsplit("/", 1)[-1]
                    if name not in self.roo.files:
                        why = next((f" (skipped: {x.reason})" for x in self.roo.skipped if x.file == name), "")
                        raise SourceDataError(self.csv_path, where,
                                              f"cites {name}, which is not in data/register/{roo.FOLDER}/{why}")
                    out.append(self.bron_roo(self.roo.files[name]))
            elif item.split()[0].lower() == "polder":
                out.extend([self.bron_roo(r) for r in sorted(seeds)] or [self.bron_polder()])
            elif item.startswith("TOOI "):
                if Path(tooi.MUNICIPALITIES_FILE).stem not in item:
                    raise SourceDataError(self.csv_path, where, f"{item!r}: only the TOOI register "
                                          f"{Path(tooi.MUNICIPALITIES_FILE).stem} is known")
                out.append(URIRef(self.index.register_iri))
            else:
                out.append(self.bron_named(item))
        return list(dict.fromkeys(out))

    # facts ---------------------------------------------------------------------------------------------------
    def carrier(self, node, sources, confidence: str) -> None:
        carry(self.g, node, sources, confidence)

    def note(self, node, nl: str, en: str) -> None:
        note(self.g, node, nl, en)

    def instant(self, ref: str, when: When) -> URIRef:
        return time_instant(self.g, ref, when.value)

    def event_time(self, event: URIRef, when: When | None) -> None:
        if when is None or when.value is None:
            return
        if isinstance(when.value, date):
            self.g.add((event, PROV.startedAtTime, Literal(f"{when.value.isoformat()}T00:00:00", datatype=XSD.dateTime)))
        else:
            self.g.add((event, FKG.jaar, when.literal()))


def load(data_dir: Path, records: roo.RooFolder | None = None, index: tooi.TooiIndex | None = None) -> Graph:
    """The graph fkgg:register from data/register/ (CSV + ROO records), checked against data/tooi/.

    `records` and `index` let the build read the ROO folder and TOOI once for all importers."""
    folder = Path(data_dir) / SUBDIR
    csv_path = folder / CSV_FILE
    rows = read_rows(csv_path)
    records = records if records is not None else roo.read(folder / roo.FOLDER)
    index = index if index is not None else tooi.index(Path(data_dir))
    g = Graph()
    bind_all(g)
    b = _Builder(g, csv_path, records, index)
    for row in rows:
        _add_row(b, row)
    for src in (b.bron_csv(), b.bron_polder()):
        g.add((G_REGISTER, PROV.wasDerivedFrom, src))
        g.add((G_REGISTER, DCTERMS.source, src))
    g.add((G_REGISTER, RDFS.comment, Literal(
        "Ambtelijke samenwerkingen van gemeenten uit het register van fusiekg (CSV met bronnen per rij), aangevuld "
        "met wat ROO-records zeggen (de regeling, toetredingsdata, ROO's eigen data), elk met zijn bron.",
        lang="nl")))
    g.add((G_REGISTER, RDFS.comment, Literal(
        "Civil-service cooperations of municipalities from the fusiekg register (a CSV with sources per row), "
        "enriched with what ROO records state (the regeling, join dates, ROO's own dates), each with its source.",
        lang="en")))
    return g


def _seeds(b: _Builder, row: dict) -> tuple[set[str], list[str], str | None, str | None]:
    """ROO records the row names itself: ROO ids, TOOI organisatiecode, cited record files."""
    roo_ids = [m.group(1) for part in row["roo_id"].split("/") if (m := re.match(r"\s*(\d+)", part))]
    if row["roo_id"] and not roo_ids:
        raise SourceDataError(b.csv_path, f"line {row['_line']}, roo_id", f"no ROO id in {row['roo_id']!r}")
    code = m.group(1) if (m := re.search(r"\b(so\d{4})\b", row["tooi_so"])) else None
    if row["tooi_so"] and not code:
        raise SourceDataError(b.csv_path, f"line {row['_line']}, tooi_so", f"no organisatiecode in {row['tooi_so']!r}")
    uri = row["tooi_so"] if row["tooi_so"].startswith(str(SO)) else None
    if uri and uri != str(SO[code]):
        raise SourceDataError(b.csv_path, f"line {row['_line']}, tooi_so", f"{uri} is not the TOOI IRI of {code}")
    seeds = {r for r in roo_ids if r in b.roo.records}
    if code:
        seeds |= {rid for rid, rec in b.roo.records.items() if (rec.get("identifiers") or {}).get("organisatiecode") == code}
    for name in re.findall(r"[A-Za-z0-9_.-]+\.yaml", row["bronnen"]):
        if name.rsplit("/", 1)[-1] in b.roo.files:
            seeds.add(b.roo.files[name.rsplit("/", 1)[-1]])
    return seeds, roo_ids, code, uri


def _add_row(b: _Builder, row: dict) -> None:
    g, path, line = b.g, b.csv_path, row["_line"]
    sid = row["id"]
    org = ID[f"samenwerking/{sid}"]
    name = row["naam"]
    confidence = CONFIDENCE[row["confidence"]]
    people = _participants(row, path, b.index)
    host = next((p for p in people if p.host), None)
    form = classify_form(row["vorm"], path, f"line {line}, vorm")
    if form == "centrumconstructie" and host is None:
        raise SourceDataError(path, f"line {line}", "a centrumconstructie needs one '(centrum)' municipality")
    start = parse_when(row["start"], path, f"line {line}, start")
    end = parse_when(row["eind"], path, f"line {line}, eind")
    seeds, roo_ids, code, uri = _seeds(b, row)
    cluster = b.roo.cluster(seeds)
    sources = b.sources_of(row, seeds)
    org_sources = list(dict.fromkeys([*sources, *(b.bron_roo(r) for r in sorted(seeds))]))

    g.add((org, RDF.type, FKG.AmbtelijkeSamenwerking))
    g.add((org, SKOS.prefLabel, Literal(name, lang="nl")))
    b.carrier(org, org_sources, confidence)

    # form
    if form == FULL_FUSION_FORM_UNKNOWN:
        g.add((org, RDF.type, FKG.AmbtelijkeFusieorganisatie))
        b.note(org, f"Volledige ambtelijke fusie volgens de bron; of het een werkorganisatie of een centrumconstructie "
               f"was, is niet vastgesteld. Het register zegt: '{row['vorm']}'.",
               f"A full ambtelijke fusie according to the source; whether it was a joint work organisation or a "
               f"host-municipality construction is not established. The register says: '{row['vorm']}'.")
    elif form:
        g.add((org, ORG.classification, VORM[form]))
        if form != row["vorm"]:
            b.note(org, f"Vorm volgens het register: {row['vorm']}.", f"Form according to the register: {row['vorm']}.")
    else:
        b.note(org, f"Vorm onbekend of niet als volledige ambtelijke fusie vast te stellen; het register zegt: "
               f"'{row['vorm']}'.",
               f"Form unknown, or not established as a full ambtelijke fusie; the register says: '{row['vorm']}'.")

    # legal form, scope, status
    legal = row["juridische_vorm"]
    if legal and not legal.lower().startswith("niet geverifieerd"):
        g.add((org, FKG.juridischeVorm, Literal(legal, lang="nl")))
    else:
        said = legal if legal.lower() != "niet geverifieerd" else ""
        b.note(org, f"Juridische vorm niet geverifieerd{'; het register zegt: ' + repr(said) if said else ''}.",
               f"Legal form not verified{'; the register says: ' + repr(said) if said else ''}.")
    if row["scope"]:
        g.add((org, FKG.reikwijdte, Literal(row["scope"], lang="nl")))

    # dates
    for when, prop, text_prop in ((start, FKG.startdatum, FKG.startdatumBron), (end, FKG.einddatum, FKG.einddatumBron)):
        if when is None:
            continue
        if when.literal() is not None:
            g.add((org, prop, when.literal()))
        if when.qualified:
            g.add((org, text_prop, Literal(when.text, lang="nl")))
    if start is not None and start.value is None:
        b.note(org, f"Startdatum onbekend; het register zegt: '{start.text}'.",
               f"Start date unknown; the register says: '{start.text}'.")
    if end is not None:
        if row["eind_toelichting"]:
            g.add((org, FKG.eindreden, Literal(row["eind_toelichting"], lang="nl")))
    elif row["eind_toelichting"] and row["eind_toelichting"] != "actief":
        b.note(org, f"Status volgens het register: {row['eind_toelichting']}",
               f"Status according to the register (in Dutch): {row['eind_toelichting']}")

    # identifiers
    for rid in roo_ids:
        g.add((org, FKG.rooId, Literal(rid)))
    codes = {code} if code else set()
    uris = {uri} if uri else set()
    for rid in sorted(cluster):
        rec = b.roo.records[rid]
        if rec.get("gr_meta"):
            continue
        ids = rec.get("identifiers") or {}
        g.add((org, FKG.rooId, Literal(rid)))
        if ids.get("organisatiecode"):
            codes.add(str(ids["organisatiecode"]))
        if ids.get("tooi"):
            uris.add(str(ids["tooi"]))
        if roo.name_of(rec) != name:
            g.add((org, SKOS.altLabel, Literal(roo.name_of(rec), lang="nl")))
    if len(codes) > 1 or len(uris) > 1:
        raise SourceDataError(path, f"line {line}", f"the row and its ROO records disagree on the TOOI "
                              f"organisation: {sorted(codes | uris)}")
    for c in codes:
        g.add((org, ORG.identifier, Literal(c)))
    for u in uris:
        g.add((org, FKG.tooiOrganisatie, URIRef(u)))

    # members, host, services
    for p in people:
        g.add((org, ORG.hasMember, p.iri))
        if form:
            g.add((org, FKG.levertAmbtelijkeDienstenAan, p.iri))
    if host is not None:
        g.add((org, FKG.centrumgemeente, host.iri))
        if form == "centrumconstructie":
            g.add((org, ORG.unitOf, host.iri))
        for p in people:
            if p is not host:
                g.add((host.iri, FKG.levertAmbtelijkeDienstenAan, p.iri))

    joins = _join_dates(b, cluster, people, org, name)
    for p in people:
        _membership(b, row, org, name, p, start, end, joins.get(p.code), sources, confidence)

    # ROO: the regeling(s) it rests on (described in fkgg:regelingen) and ROO's own statements about it
    for rid in sorted(cluster):
        if b.roo.is_regeling(rid):
            g.add((org, FKG.regeling, b.roo.regeling_iri(rid)))
        else:
            _roo_claims(b, sid, org, rid)
    if end is not None and end.value is not None and re.search(r"\bafgeleid\b", end.text, re.I):
        _inferred_end(b, sid, org, end, sources)

    _events(b, row, sid, org, name, people, start, end, sources, confidence)


def _join_dates(b: _Builder, cluster: set[str], people: list[Participant], org: URIRef,
                name: str) -> dict[str, tuple[date, list[str]]]:
    """Each participant's ROO toetredings_datum (earliest over the regeling versions) and the records saying so."""
    found: dict[str, dict[date, list[str]]] = {}
    for rid in sorted(cluster):
        rec, rpath = b.roo.records[rid], b.roo.paths[rid]
        entries = ((rec.get("gr_meta") or {}).get("deelnemende_organisaties")) or []
        unmatched: list[tuple[str, date]] = []
        matched_codes: set[str] = set()
        for i, e in enumerate(entries):
            joined = roo.to_date(e.get("toetredings_datum"), rpath, f"gr_meta.deelnemende_organisaties[{i}]")
            if joined is None:
                continue
            code = str(e.get("tooi") or "").rsplit("/", 1)[-1] if e.get("tooi") else None
            if code is None:
                label = re.sub(r"^gemeente\s+", "", str(e.get("naam", "")), flags=re.I)
                code = next((p.code for p in people if p.name.lower() == label.lower()), None)
            if code is None:
                unmatched.append((str(e.get("naam", "?")), joined))
                continue
            matched_codes.add(code)
            found.setdefault(code, {}).setdefault(joined, []).append(rid)
        rest = [p for p in people if p.code not in matched_codes]
        if len(unmatched) == 1 and len(rest) == 1:  # the one ROO participant left is the one member left
            found.setdefault(rest[0].code, {}).setdefault(unmatched[0][1], []).append(rid)
        else:
            for label, joined in unmatched:
                b.note(org, f"ROO-record {rid} noemt ook deelnemer '{label}' (toetreding {joined}); die staat niet "
                       f"in het register bij {name}.",
                       f"ROO record {rid} also names participant '{label}' (joined {joined}); the register does not "
                       f"list it for {name}.")
    out = {}
    for code, by_date in found.items():
        first = min(by_date)
        out[code] = (first, sorted({r for rids in by_date.values() for r in rids}))
    return out


def _membership(b: _Builder, row: dict, org: URIRef, org_name: str, p: Participant, start: When | None,
                end: When | None, join: tuple[date, list[str]] | None, sources: list[URIRef],
                confidence: str) -> None:
    g = b.g
    node = ID[f"lidmaatschap/{row['id']}-{p.code}"]
    g.add((node, RDF.type, ORG.Membership))
    g.add((node, ORG.member, p.iri))
    g.add((node, ORG.organization, org))
    g.add((node, ORG.role, ROL["centrumgemeente" if p.host else "deelnemer"]))
    g.add((node, RDFS.label, Literal(f"{p.name} in {org_name}", lang="nl")))
    g.add((node, RDFS.label, Literal(f"{p.name} in {org_name}", lang="en")))
    member_sources = list(sources)
    begin = start if start is not None and start.value is not None else None
    if join is not None:
        joined, rids = join
        member_sources += [b.bron_roo(r) for r in rids]
        if begin is None or begin.first_day() != joined or isinstance(begin.value, int):
            told = begin.text if begin is not None else (start.text if start else "geen")
            b.note(node, f"Toetredingsdatum volgens ROO: {joined.isoformat()}; het register noemt als start van de "
                   f"samenwerking: '{told}'.",
                   f"Join date according to ROO: {joined.isoformat()}; the register gives as start of the "
                   f"cooperation: '{told}'.")
        begin = When(joined, joined.isoformat(), False)
    interval = ID[f"periode/{row['id']}-{p.code}"]
    g.add((node, ORG.memberDuring, interval))
    g.add((interval, RDF.type, TIME.Interval))
    if begin is not None:
        g.add((interval, TIME.hasBeginning, b.instant(f"{row['id']}-{p.code}-begin", begin)))
    if end is not None and end.value is not None:
        g.add((interval, TIME.hasEnd, b.instant(f"{row['id']}-{p.code}-einde", end)))
        muni = b.index.municipalities[p.code]
        if muni.end is not None and end.first_day() is not None and (end.first_day() - muni.end).days > 1:
            b.note(node, f"{p.name} bestond volgens TOOI tot en met {muni.end.isoformat()}; het register noemt geen "
                   "eerder einde van dit lidmaatschap.",
                   f"{p.name} existed until {muni.end.isoformat()} according to TOOI; the register gives no earlier "
                   "end of this membership.")
    b.carrier(node, list(dict.fromkeys(member_sources)), confidence)


def _inferred_end(b: _Builder, sid: str, org: URIRef, end: When, sources: list[URIRef]) -> None:
    """An end date the register infers rather than reads (its text says 'afgeleid'): kept as a claim of low
    confidence beside the organisation's own end date, so that the inference stays visible."""
    node = ID[f"bevinding/{sid}-einddatum-afgeleid"]
    b.g.add((node, RDF.type, RDF.Statement))
    b.g.add((node, RDF.type, PROV.Entity))
    b.g.add((node, RDF.subject, org))
    b.g.add((node, RDF.predicate, FKG.einddatum))
    b.g.add((node, RDF.object, end.literal()))
    b.g.add((node, RDFS.comment, Literal(f"Einddatum afgeleid, niet door een bron genoemd: '{end.text}'.", lang="nl")))
    b.g.add((node, RDFS.comment, Literal(f"End date inferred, not stated by a source (register text, in Dutch): "
                                         f"'{end.text}'.", lang="en")))
    b.carrier(node, sources, "laag")


def _roo_claims(b: _Builder, sid: str, org: URIRef, rid: str) -> None:
    """ROO's own dates and legal form for the organisation, kept as claims beside the register's (rdf:Statement)."""
    rec, rpath = b.roo.records[rid], b.roo.paths[rid]
    claims = []
    started = roo.to_date(rec.get("roo_start_datum"), rpath, "roo_start_datum")
    if started:
        claims.append(("startdatum", FKG.startdatum, Literal(started.isoformat(), datatype=XSD.date),
                       f"startdatum {started.isoformat()}", f"start date {started.isoformat()}"))
    until = roo.to_date(rec.get("valid_until"), rpath, "valid_until")
    if until:
        claims.append(("einddatum", FKG.einddatum, Literal(until.isoformat(), datatype=XSD.date),
                       f"geldig tot {until.isoformat()}", f"valid until {until.isoformat()}"))
    if rec.get("legal_form"):
        text = str(rec["legal_form"])
        claims.append(("juridische-vorm", FKG.juridischeVorm, Literal(text, lang="nl"),
                       f"rechtsvorm '{text}'", f"legal form '{text}'"))
    for slug, prop, value, nl, en in claims:
        node = ID[f"bevinding/{sid}-roo-{rid}-{slug}"]
        b.g.add((node, RDF.type, RDF.Statement))
        b.g.add((node, RDF.type, PROV.Entity))
        b.g.add((node, RDF.subject, org))
        b.g.add((node, RDF.predicate, prop))
        b.g.add((node, RDF.object, value))
        b.g.add((node, RDFS.comment, Literal(f"Volgens ROO-record {rid}: {nl}.", lang="nl")))
        b.g.add((node, RDFS.comment, Literal(f"According to ROO record {rid}: {en}.", lang="en")))
        b.carrier(node, [b.bron_roo(rid)], ROO_CONFIDENCE)


def _herindelingen(b: _Builder, row: dict, people: list[Participant]) -> list[tooi.MergerEvent]:
    """TOOI merger events the register names as the end of the cooperation: by id, by new GM code, or by name."""
    where = f"line {row['_line']}, eind_toelichting"
    text = f"{row['eind']} {row['eind_toelichting']}"
    ids = re.findall(r"\b(wzg_[0-9A-Za-z]+)", text)
    codes = [c.lower() for c in re.findall(r"\b(GM\d{4})\b", text)]
    events: list[tooi.MergerEvent] = []
    if ids:
        for ref in ids:
            if ref not in b.index.events:
                raise SourceDataError(b.csv_path, where, f"TOOI event {ref} is not in the TOOI register")
            events.append(b.index.events[ref])
        for c in codes:
            if not any(str(GM[c]) in e.generated or str(GM[c]) in e.used for e in events):
                raise SourceDataError(b.csv_path, where, f"{c.upper()} is not the result of {', '.join(ids)} in TOOI")
    elif codes:
        for c in codes:
            found = b.index.events_resulting_in(str(GM[c]))
            if len(found) != 1:
                raise SourceDataError(b.csv_path, where, f"{c.upper()}: expected one TOOI herindeling resulting in it, "
                                      f"found {len(found)}")
            events.extend(found)
    elif m := re.search(r"herindeling\s+([^(;]+)", row["eind_toelichting"]):
        for label in (s.strip() for s in m.group(1).split("/")):
            munis = b.index.by_name(label)
            found = [e for mu in munis for e in b.index.events_resulting_in(mu.iri)]
            if len(munis) != 1 or len(found) != 1:
                raise SourceDataError(b.csv_path, where, f"herindeling {label!r}: expected one TOOI municipality and "
                                      f"one event creating it, found {len(munis)} and {len(found)}")
            events.extend(found)
    for e in events:
        if not any(e.involves(str(p.iri)) for p in people):
            raise SourceDataError(b.csv_path, where, f"TOOI event {e.ref} involves none of the participants")
    return list(dict.fromkeys(events))


def _events(b: _Builder, row: dict, sid: str, org: URIRef, name: str, people: list[Participant],
            start: When | None, end: When | None, sources: list[URIRef], confidence: str) -> None:
    g = b.g
    founding = ID[f"gebeurtenis/{sid}-oprichting"]
    g.add((founding, RDF.type, FKG.Oprichting))
    g.add((founding, ORG.resultingOrganization, org))
    g.add((founding, RDFS.label, Literal(f"Oprichting van {name}", lang="nl")))
    g.add((founding, RDFS.label, Literal(f"Founding of {name}", lang="en")))
    b.event_time(founding, start)
    if start is None or start.value is None:
        b.note(founding, "Datum onbekend.", "Date unknown.")
    b.carrier(founding, sources, confidence)

    if end is None:
        return
    if "ontvlechting" in row["eind"].lower():
        b.note(org, "Het einde is een ontvlechting: de volledige ambtelijke fusie stopte, de organisatie bleef in "
               "afgeslankte vorm bestaan; daarom geen opheffing.",
               "The end is an unbundling: the full fusion stopped while the organisation continued in a reduced "
               "form; hence no dissolution event.")
        return
    ending = ID[f"gebeurtenis/{sid}-opheffing"]
    g.add((ending, RDF.type, FKG.Opheffing))
    g.add((ending, ORG.originalOrganization, org))
    g.add((ending, RDFS.label, Literal(f"Opheffing van {name}", lang="nl")))
    g.add((ending, RDFS.label, Literal(f"Dissolution of {name}", lang="en")))
    b.event_time(ending, end)
    event_sources = list(sources)
    for e in _herindelingen(b, row, people):
        g.add((ending, PROV.wasInformedBy, URIRef(e.iri)))
        event_sources.append(URIRef(b.index.register_iri))
    b.carrier(ending, list(dict.fromkeys(event_sources)), confidence)
