"""Every gemeenschappelijke regeling in ROO, with its participants → the graph fkgg:regelingen.

One `fkg:Regeling` per chain of versions (roo.py groups them), each version a dated `fkg:Regelingversie`, the
body it sets up a `fkg:Samenwerkingsorgaan`, and each participant a dated `org:Membership`. Municipalities keep
their TOOI IRI; a participant ROO names without one (mostly municipalities dissolved before ROO linked TOOI) is
matched by name to the TOOI municipality that existed on its join date, and reported when there is none. Every
node carries the ROO record(s) it comes from and a confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, TIME, XSD

from ..namespaces import FKG, G_REGELINGEN, GM, ID, bind_all
from . import carry, note, time_instant, tooi
from . import roo as roo_records

REGELINGVORM, ROL = (Namespace(f"{ID}{kind}/") for kind in ("regelingvorm", "rol"))
FORMS = {  # ROO's samenwerkingsvorm → our concept (the Wgr forms)
    "openbaar lichaam": "openbaar-lichaam",
    "bedrijfsvoeringsorganisatie": "bedrijfsvoeringsorganisatie",
    "gemeenschappelijk orgaan": "gemeenschappelijk-orgaan",
    "regeling zonder meer": "regeling-zonder-meer",
}
CENTRUMGEMEENTE = "centrumgemeente"
_CENTRUM_TITLE = re.compile(r"centrum\s*(gemeente)?\s*-?\s*regeling", re.I)
_MUNICIPALITY_NAME = re.compile(r"^gemeente\s+(.+)$", re.I)
_TOOI_ID = re.compile(r"^https://identifier\.overheid\.nl/tooi/id/([a-z]+)/([a-z0-9_]+)$")
_THESAURUS = re.compile(r"^https://identifier\.overheid\.nl/tooi/def/thes/[a-z0-9_/]+$")


@dataclass(frozen=True)
class Party:
    """A participant as we link it: its IRI, a key for our IRIs, and how we know who it is."""

    iri: URIRef
    key: str  # "gm0059", "pv21", "ws0155", "roo-25178344"
    how: str  # "tooi" (ROO gives the TOOI IRI), "owms" / "naam" (matched by OWMS id / by name and date), "roo"


@dataclass
class Report:
    """What the build says about the participants: matched by name, and not matched at all."""

    matched: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (name, gmNNNN) → files
    by_name: set[tuple[str, str]] = field(default_factory=set)  # of those, matched by name and date (not OWMS)
    unmatched: dict[str, set[str]] = field(default_factory=dict)  # "Gemeente X" without a TOOI match → files
    others: set[str] = field(default_factory=set)  # other participants without a TOOI IRI (foreign, companies)

    def lines(self) -> list[str]:
        owms = len(self.matched) - len(self.by_name)
        out = [f"participants without a TOOI IRI: {sum(len(f) for f in self.matched.values())} mentions matched to "
               f"{len(self.matched)} TOOI municipalities ({owms} by OWMS term, {len(self.by_name)} by name and date); "
               f"{len(self.unmatched)} municipality names not matched; {len(self.others)} other organisations "
               "(no municipality) kept under their ROO id"]
        for name in sorted(self.unmatched):
            files = sorted(self.unmatched[name])
            out.append(f"  not matched to a TOOI municipality: {name!r} in {len(files)} record(s), e.g. {files[0]}")
        return out


def load(data_dir: Path) -> Graph:
    """The graph fkgg:regelingen from data/register/roo-gr/, checked against data/tooi/."""
    folder = Path(data_dir) / "register" / roo_records.FOLDER
    return convert(roo_records.read(folder), tooi.index(Path(data_dir)))[0]


def convert(roo: roo_records.RooFolder, index: tooi.TooiIndex) -> tuple[Graph, Report]:
    g = Graph()
    bind_all(g)
    b = _Builder(g, roo, index, Report())
    organs_by_tooi = {str(rec["identifiers"]["tooi"]): rid for rid, rec in roo.records.items()
                      if not roo.is_regeling(rid) and (rec.get("identifiers") or {}).get("tooi")}
    b.organs_by_tooi = organs_by_tooi
    for rid in sorted(roo.records, key=int):
        if not roo.is_regeling(rid):
            b.organ(rid)
    for key in sorted(roo.versions, key=int):
        b.regeling(key)
    mirror = roo_records.describe_mirror(g)
    g.add((G_REGELINGEN, PROV.wasDerivedFrom, mirror))
    g.add((G_REGELINGEN, DCTERMS.source, mirror))
    g.add((G_REGELINGEN, RDFS.comment, Literal(
        "Alle gemeenschappelijke regelingen uit het Register van Overheidsorganisaties (ROO, kopie anneschuth/polder): "
        "per regeling haar versies met data, vorm, doel en beleidsterreinen, het samenwerkingsorgaan en de "
        "deelnemers met hun toetredingsdatum, elk met het ROO-record als bron.", lang="nl")))
    g.add((G_REGELINGEN, RDFS.comment, Literal(
        "Every joint arrangement (gemeenschappelijke regeling) in the Dutch register of government organisations "
        "(ROO, mirror anneschuth/polder): per arrangement its versions with dates, form, purpose and policy areas, "
        "the body it sets up and the participants with their join dates, each with the ROO record as source.",
        lang="en")))
    return g, b.report


def _day(d: date) -> Literal:
    return Literal(d.isoformat(), datatype=XSD.date)


def _moment(d: date) -> Literal:
    return Literal(f"{d.isoformat()}T00:00:00", datatype=XSD.dateTime)


def roo_form(rec: dict) -> str | None:
    """The form of a version as ROO registers it (its samenwerkingsvorm), as our concept's local name."""
    form = (rec.get("gr_meta") or {}).get("samenwerkingsvorm") or {}
    return FORMS.get(str(form.get("value") or "").strip("'\" ").lower()) if isinstance(form, dict) else None


def form_of(rec: dict) -> str | None:
    """The form a regeling gets from its latest version: ROO's, or centrumgemeente when ROO says 'regeling zonder
    meer' and the title calls it a centrum(gemeente)regeling."""
    form = roo_form(rec)
    if form == "regeling-zonder-meer" and _CENTRUM_TITLE.search(roo_records.name_of(rec)):
        return CENTRUMGEMEENTE
    return form


@dataclass
class _Builder:
    g: Graph
    roo: roo_records.RooFolder
    index: tooi.TooiIndex
    report: Report
    organs_by_tooi: dict[str, str] = field(default_factory=dict)
    _labelled: set = field(default_factory=set)

    def source(self, rid: str) -> URIRef:
        return roo_records.describe_source(self.g, self.roo, rid)

    def carrier(self, node, rids, confidence: str = "hoog") -> None:
        """The ROO records as sources; a register is a primary source, so high confidence unless we inferred."""
        carry(self.g, node, [self.source(rid) for rid in rids], confidence)

    def note(self, node, nl: str, en: str) -> None:
        note(self.g, node, nl, en)

    def subjects(self, node, rec: dict) -> None:
        """Policy areas: the TOOI thesaurus IRIs the record gives, labelled with the name it gives them."""
        for area in rec.get("policy_areas") or []:
            iri = str((area or {}).get("tooi") or "") if isinstance(area, dict) else ""
            if not _THESAURUS.match(iri):
                continue
            self.g.add((node, DCTERMS.subject, URIRef(iri)))
            if area.get("naam") and URIRef(iri) not in self._labelled:
                self._labelled.add(URIRef(iri))
                self.g.add((URIRef(iri), RDFS.label, Literal(str(area["naam"]), lang="nl")))

    # organs ----------------------------------------------------------------------------------------------------
    def organ_iri(self, rid: str) -> URIRef:
        return ID[f"organisatie/roo-{rid}"]

    def organ(self, rid: str) -> URIRef:
        """A body a regeling sets up (openbaar lichaam, bedrijfsvoeringsorganisatie, ...), from its own ROO record."""
        g, rec, path = self.g, self.roo.records[rid], self.roo.paths[rid]
        node = self.organ_iri(rid)
        g.add((node, RDF.type, FKG.Samenwerkingsorgaan))
        g.add((node, SKOS.prefLabel, Literal(roo_records.name_of(rec), lang="nl")))
        for n in rec.get("names") or []:
            for key in ("value", "abbr"):
                if isinstance(n, dict) and n.get(key) and str(n[key]).strip() != roo_records.name_of(rec):
                    g.add((node, SKOS.altLabel, Literal(str(n[key]).strip(), lang="nl")))
        g.add((node, FKG.rooId, Literal(rid)))
        ids = rec.get("identifiers") or {}
        if _TOOI_ID.match(str(ids.get("tooi") or "")):
            g.add((node, FKG.tooiOrganisatie, URIRef(str(ids["tooi"]))))
        for key, prop in (("oin", FKG.oin), ("kvk", FKG.kvkNummer)):
            if isinstance(ids.get(key), str) and ids[key]:  # a number YAML read as int may have lost its zeros
                g.add((node, prop, Literal(ids[key])))
        start = roo_records.to_date(rec.get("roo_start_datum"), path, "roo_start_datum")
        if start and start != roo_records.PLACEHOLDER_START:
            g.add((node, FKG.startdatum, _day(start)))
        until = roo_records.to_date(rec.get("valid_until"), path, "valid_until")
        if until:
            g.add((node, FKG.einddatum, _day(until)))
        text = (rec.get("description") or {}).get("text") if isinstance(rec.get("description"), dict) else None
        if text:
            g.add((node, DCTERMS.description, Literal(" ".join(str(text).split()), lang="nl")))
        self.subjects(node, rec)
        self.carrier(node, [rid])
        return node

    def organ_of(self, version: str) -> URIRef | None:
        """The body a version names as its regionaal samenwerkingsorgaan; described from the version when ROO has
        no record of its own for it."""
        ref = (self.roo.records[version]["gr_meta"].get("regionaal_samenwerkingsorgaan") or {})
        if not isinstance(ref, dict) or not ref.get("roo_id"):
            return None
        rid = str(ref["roo_id"])
        if rid in self.roo.records and not self.roo.is_regeling(rid):
            return self.organ_iri(rid)
        if rid in self.roo.records:  # a regeling that names itself (or another regeling) as its body: no organ
            return None
        node = self.organ_iri(rid)
        if (node, RDF.type, FKG.Samenwerkingsorgaan) not in self.g:
            self.g.add((node, RDF.type, FKG.Samenwerkingsorgaan))
            self.g.add((node, SKOS.prefLabel, Literal(str(ref.get("naam") or f"ROO {rid}").strip(), lang="nl")))
            self.g.add((node, FKG.rooId, Literal(rid)))
            if _TOOI_ID.match(str(ref.get("tooi") or "")):
                self.g.add((node, FKG.tooiOrganisatie, URIRef(str(ref["tooi"]))))
            self.note(node, f"Geen eigen ROO-record; beschreven zoals regelingversie {version} het noemt.",
                      f"No ROO record of its own; described as regeling version {version} names it.")
            self.carrier(node, [version])
        return node

    # participants ----------------------------------------------------------------------------------------------
    def party(self, entry: dict, version: str, joined: date | None) -> Party:
        tooi_iri = str(entry.get("tooi") or "")
        name = " ".join(str(entry.get("naam") or "").split())
        file = self.roo.paths[version].name
        if m := _TOOI_ID.match(tooi_iri):
            kind, code = m.groups()
            if kind == "so" and tooi_iri in self.organs_by_tooi:
                return Party(self.organ_iri(self.organs_by_tooi[tooi_iri]), f"roo-{self.organs_by_tooi[tooi_iri]}",
                             "tooi")
            if kind not in ("gemeente", "provincie") and URIRef(tooi_iri) not in self._labelled:
                self._labelled.add(URIRef(tooi_iri))
                self.g.add((URIRef(tooi_iri), RDFS.label, Literal(name, lang="nl")))
            return Party(URIRef(tooi_iri), code, "tooi")
        if m := _MUNICIPALITY_NAME.match(name):
            by_owms = [mu for mu in self.index.by_owms(str(entry.get("owms") or "")) if entry.get("owms")]
            found = by_owms[0] if len(by_owms) == 1 else self.match_municipality(m.group(1), joined, version)
            if found is not None:
                self.report.matched.setdefault((name, found.code), set()).add(file)
                if len(by_owms) != 1:
                    self.report.by_name.add((name, found.code))
                return Party(GM[found.code], found.code, "owms" if len(by_owms) == 1 else "naam")
            self.report.unmatched.setdefault(name, set()).add(file)
        else:
            self.report.others.add(name)
        pid = str(entry["roo_id"])
        node = self.organ_iri(pid)
        if (node, RDF.type, FKG.Samenwerkingsorgaan) not in self.g and node not in self._labelled:
            self._labelled.add(node)
            self.g.add((node, RDF.type, ORG.Organization))
            self.g.add((node, RDFS.label, Literal(name, lang="nl")))
            self.g.add((node, FKG.rooId, Literal(pid)))
            self.g.add((node, DCTERMS.source, self.source(version)))
        return Party(node, f"roo-{pid}", "roo")

    def match_municipality(self, name: str, joined: date | None, version: str) -> tooi.Municipality | None:
        """The one TOOI municipality of that name that existed on the join date (or while the version was in
        force, when the join date is before the municipality's own start)."""
        named = self.index.by_name_ignoring_case(name)
        if joined is not None:
            on_day = [m for m in named if m.active_on(joined)]
            if len(on_day) == 1:
                return on_day[0]
        begin, until = roo_records.version_dates(self.roo.records[version], self.roo.paths[version])
        during = [m for m in named
                  if (m.begin is None or until is None or m.begin < until) and (m.end is None or begin is None
                                                                              or m.end >= begin)]
        return during[0] if len(during) == 1 else None

    # regelingen ------------------------------------------------------------------------------------------------
    def regeling(self, key: str) -> None:
        g, roo = self.g, self.roo
        versions = roo.versions[key]
        node = ID[f"regeling/roo-{key}"]
        latest = roo.records[versions[-1]]
        name = roo_records.name_of(latest)
        g.add((node, RDF.type, FKG.Regeling))
        g.add((node, SKOS.prefLabel, Literal(name, lang="nl")))
        for v in versions[:-1]:
            other = roo_records.name_of(roo.records[v])
            if other != name:
                g.add((node, SKOS.altLabel, Literal(other, lang="nl")))
        dates = [roo_records.version_dates(roo.records[v], roo.paths[v]) for v in versions]
        if dates[0][0]:
            g.add((node, FKG.startdatum, _day(dates[0][0])))
        if dates[-1][1]:
            g.add((node, FKG.einddatum, _day(dates[-1][1])))
        form = form_of(latest)
        if form:
            g.add((node, ORG.classification, REGELINGVORM[form]))
            if form == CENTRUMGEMEENTE:
                self.note(node, "Centrumgemeenteregeling volgens de titel; ROO registreert haar als regeling zonder "
                          "meer.", "A host-municipality arrangement according to its title; ROO registers it as a "
                          "regeling zonder meer (arrangement without a body).")
        for (_b, until), (begin, _u) in zip(dates, dates[1:], strict=False):
            if until and begin and until < begin:
                self.note(node, f"ROO heeft geen versie in werking van {until.isoformat()} tot {begin.isoformat()}; de "
                          "deelnames lopen door.", f"ROO has no version in force from {until.isoformat()} to "
                          f"{begin.isoformat()}; the memberships run on.")
        previous = None
        for v, (begin, until) in zip(versions, dates, strict=True):
            vnode = self.version(v, node, previous, begin, until)
            g.add((node, DCTERMS.hasVersion, vnode))
            organ = self.organ_of(v)
            if organ is not None:
                g.add((node, FKG.samenwerkingsorgaan, organ))
                g.add((vnode, FKG.samenwerkingsorgaan, organ))
            for area in g.objects(vnode, DCTERMS.subject):
                g.add((node, DCTERMS.subject, area))
            previous = vnode
        for rid, rec in roo.records.items():  # bodies whose own record says they belong to one of these versions
            belongs = rec.get("hoort_bij_gemeenschappelijke_regeling") or {}
            if not roo.is_regeling(rid) and isinstance(belongs, dict) and str(belongs.get("roo_id")) in versions:
                g.add((node, FKG.samenwerkingsorgaan, self.organ_iri(rid)))
        self.memberships(key, node, name, versions, dates)
        self.carrier(node, versions)

    def version(self, rid: str, regeling: URIRef, previous: URIRef | None, begin: date | None,
                until: date | None) -> URIRef:
        g, rec = self.g, self.roo.records[rid]
        meta = rec["gr_meta"]
        node = ID[f"regelingversie/roo-{rid}"]
        g.add((node, RDF.type, FKG.Regelingversie))
        g.add((node, SKOS.prefLabel, Literal(roo_records.name_of(rec), lang="nl")))
        g.add((node, FKG.rooId, Literal(rid)))
        g.add((node, DCTERMS.isVersionOf, regeling))
        if previous is not None:
            g.add((node, DCTERMS.replaces, previous))
        if begin:
            g.add((node, PROV.generatedAtTime, _moment(begin)))
        if until:
            g.add((node, PROV.invalidatedAtTime, _moment(until)))
        value = roo_form(rec)
        if value:
            g.add((node, FKG.regelingvorm, REGELINGVORM[value]))
        if meta.get("doel"):
            g.add((node, FKG.doelomschrijving, Literal(" ".join(str(meta["doel"]).split()), lang="nl")))
        for how in meta.get("bevoegdheidsverkrijgingen") or []:
            g.add((node, FKG.bevoegdheidsverkrijging, Literal(str(how), lang="nl")))
        self.subjects(node, rec)
        self.carrier(node, [rid])
        return node

    def memberships(self, key: str, regeling: URIRef, name: str, versions: list[str],
                    dates: list[tuple[date | None, date | None]]) -> None:
        """One dated membership per participant and unbroken run of versions that list it."""
        seen: dict[str, tuple[Party, list[int], list[date], str]] = {}
        for i, v in enumerate(versions):
            path = self.roo.paths[v]
            for j, entry in enumerate(roo_records.participants(self.roo.records[v])):
                joined = roo_records.to_date(entry.get("toetredings_datum"), path,
                                             f"gr_meta.deelnemende_organisaties[{j}].toetredings_datum")
                if joined == roo_records.PLACEHOLDER_START:
                    joined = None
                party = self.party(entry, v, joined)
                label = " ".join(str(entry.get("naam") or "").split())
                _p, idx, joins, _l = seen.setdefault(party.key, (party, [], [], label))
                if i not in idx:
                    idx.append(i)
                if joined:
                    joins.append(joined)
        for party, idx, joins, label in seen.values():
            runs: list[list[int]] = []
            for i in idx:
                if runs and runs[-1][-1] == i - 1:
                    runs[-1].append(i)
                else:
                    runs.append([i])
            for n, run in enumerate(runs):
                self.membership(key, regeling, name, versions, dates, party, label, run, joins if n == 0 else [],
                                suffix="" if n == 0 else f"-{n + 1}")

    def membership(self, key: str, regeling: URIRef, name: str, versions: list[str],
                   dates: list[tuple[date | None, date | None]], party: Party, label: str, run: list[int],
                   joins: list[date], suffix: str) -> None:
        g = self.g
        node = ID[f"lidmaatschap/gr-{key}-{party.key}{suffix}"]
        g.add((node, RDF.type, ORG.Membership))
        g.add((node, ORG.member, party.iri))
        g.add((node, ORG.organization, regeling))
        g.add((node, ORG.role, ROL.deelnemer))
        g.add((node, RDFS.label, Literal(f"{label} in {name}", lang="nl")))
        g.add((node, RDFS.label, Literal(f"{label} in {name}", lang="en")))
        g.add((regeling, ORG.hasMember, party.iri))
        confidence = "hoog"
        begin = min(joins) if joins else dates[run[0]][0]
        if len(set(joins)) > 1:
            self.note(node, f"ROO-versies noemen verschillende toetredingsdata ({', '.join(sorted({d.isoformat() for d in joins}))}); "
                      "de vroegste geldt.", f"ROO versions give different join dates "
                      f"({', '.join(sorted({d.isoformat() for d in joins}))}); the earliest is used.")
        end = None
        if run[-1] < len(versions) - 1:  # a later version no longer lists this participant
            later = versions[run[-1] + 1]
            end = dates[run[-1] + 1][0]
            confidence = "midden"
            self.note(node, f"Staat niet meer in de volgende versie (ROO-record {later}); einde afgeleid uit de "
                      "inwerkingtreding daarvan.", f"Not listed in the next version (ROO record {later}); the end is "
                      "read from when that version came into force.")
        elif dates[-1][1]:
            end = dates[-1][1]
        if begin and end and begin > end:
            self.note(node, f"Toetredingsdatum {begin.isoformat()} ligt na het einde {end.isoformat()}; geen einde "
                      "opgenomen.", f"Join date {begin.isoformat()} is after the end {end.isoformat()}; no end stated.")
            end = None
        if party.how == "owms":
            code = party.key
            self.note(node, f"ROO noemt '{label}' zonder TOOI-IRI; via de OWMS-term gekoppeld aan de TOOI-gemeente "
                      f"{code} (CBS-code {code.upper()}).", f"ROO names '{label}' without a TOOI IRI; matched by its "
                      f"OWMS term to the TOOI municipality {code} (CBS code {code.upper()}).")
        elif party.how == "naam":
            confidence = "midden"
            code = party.key
            self.note(node, f"ROO noemt '{label}' zonder TOOI-IRI; op naam en datum gekoppeld aan de TOOI-gemeente "
                      f"{code} (CBS-code {code.upper()}).", f"ROO names '{label}' without a TOOI IRI; matched by name "
                      f"and date to the TOOI municipality {code} (CBS code {code.upper()}).")
        elif party.how == "roo":
            self.note(node, f"ROO noemt '{label}' zonder TOOI-IRI en er is geen Nederlandse gemeente van die naam; "
                      "de deelnemer heeft daarom een IRI naar zijn ROO-id.", f"ROO names '{label}' without a TOOI IRI "
                      "and no Dutch municipality has that name; the participant gets an IRI from its ROO id.")
        muni = self.index.municipalities.get(party.key) if party.iri == GM[party.key] else None
        if muni is not None and muni.end is not None and (end is None or (end - muni.end).days > 1):
            self.note(node, f"{label} bestond volgens TOOI tot en met {muni.end.isoformat()}; ROO noemt geen eerder "
                      "einde van deze deelname.", f"{label} existed until {muni.end.isoformat()} according to TOOI; "
                      "ROO gives no earlier end of this membership.")
        interval = ID[f"periode/gr-{key}-{party.key}{suffix}"]
        g.add((node, ORG.memberDuring, interval))
        g.add((interval, RDF.type, TIME.Interval))
        if begin:
            g.add((interval, TIME.hasBeginning, time_instant(g, f"gr-{key}-{party.key}{suffix}-begin", begin)))
        if end:
            g.add((interval, TIME.hasEnd, time_instant(g, f"gr-{key}-{party.key}{suffix}-einde", end)))
        self.carrier(node, [versions[i] for i in run], confidence)
