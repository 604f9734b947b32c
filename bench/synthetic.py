"""Synthetic data in the shape of our ontology, for the scale benchmark: cooperations of real TOOI municipalities
with dated `org:Membership`s, founding events and sources, generated deterministically (a seeded RNG).

Nothing here is a fact: every label says "synthetisch" / "synthetic", every IRI has `synthetisch-` in it, and the
files are written to a temporary folder for a benchmark build only (never into data/).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox

from fusiekg.namespaces import DCTERMS, FKG, ID, ORG, PROV, RDF, RDFS, SKOS, TIME, TOOIONT, XSD

TRIPLES_PER_COOPERATION_ESTIMATE = 63
_FORMS = ("werkorganisatie", "bedrijfsvoeringssamenwerking")


def municipalities(store_dir: Path) -> list[str]:
    """The IRIs of the TOOI municipalities in a built store (the synthetic cooperations use real ones)."""
    store = ox.Store.read_only(str(Path(store_dir) / "oxigraph"))
    q = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?x {{ ?g a <{TOOIONT.Gemeente}> }} }} ORDER BY ?g"
    found = [row["g"].value for row in store.query(q)]
    if len(found) < 10:
        raise SystemExit(f"the store at {store_dir} has only {len(found)} municipalities; build it first")
    return found


def _iri(x) -> str:
    return f"<{x}>"


def _lit(value: str, lang: str | None = None, datatype=None) -> str:
    text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if lang:
        return f"{text}@{lang}"
    if datatype is not None:
        return f"{text}^^<{datatype}>"
    return text


def generate(path: Path, target_triples: int, gemeenten: list[str], seed: int = 6) -> int:
    """Write about `target_triples` triples as N-Triples to `path`; return the exact number written."""
    rng = random.Random(seed)
    a, n = _iri(RDF.type), 0
    out = path.open("w", encoding="utf-8")

    def t(s: str, p, o: str) -> None:
        nonlocal n
        out.write(f"{s} {_iri(p)} {o} .\n")
        n += 1

    cooperations = max(1, target_triples // TRIPLES_PER_COOPERATION_ESTIMATE)
    sources = max(1, cooperations // 50)
    for k in range(sources):
        s = _iri(ID[f"bron/synthetisch-{k}"])
        out.write(f"{s} {a} {_iri(DCTERMS.BibliographicResource)} .\n")
        out.write(f"{s} {a} {_iri(PROV.Entity)} .\n")
        n += 2
        t(s, DCTERMS.title, _lit(f"Synthetische bron {k} (benchmark)", "nl"))
        t(s, RDFS.label, _lit(f"Synthetische bron {k} (benchmark)", "nl"))
        t(s, RDFS.label, _lit(f"Synthetic source {k} (benchmark)", "en"))
        t(s, DCTERMS.issued, _lit((date(2000, 1, 1) + timedelta(days=k % 9000)).isoformat(), datatype=XSD.date))
    laag = _iri(ID["betrouwbaarheid/laag"])
    deelnemer = _iri(ID["rol/deelnemer"])
    for c in range(cooperations):
        ref = f"synthetisch-{c}"
        org = _iri(ID[f"samenwerking/{ref}"])
        bron = _iri(ID[f"bron/synthetisch-{c % sources}"])
        start = date(1995, 1, 1) + timedelta(days=rng.randrange(0, 10_000))
        members = rng.sample(gemeenten, rng.choice((2, 3, 3, 4)))
        t(org, RDF.type, _iri(FKG.AmbtelijkeSamenwerking))
        t(org, ORG.classification, _iri(ID[f"vorm/{rng.choice(_FORMS)}"]))
        t(org, SKOS.prefLabel, _lit(f"Synthetische samenwerking {c}", "nl"))
        t(org, SKOS.prefLabel, _lit(f"Synthetic cooperation {c}", "en"))
        t(org, FKG.betrouwbaarheid, laag)
        t(org, DCTERMS.source, bron)
        t(org, PROV.wasDerivedFrom, bron)
        t(org, FKG.startdatum, _lit(start.isoformat(), datatype=XSD.date))
        for gm in members:
            t(org, ORG.hasMember, _iri(gm))
            t(org, FKG.levertAmbtelijkeDienstenAan, _iri(gm))
            code = gm.rsplit("/", 1)[-1]
            m = _iri(ID[f"lidmaatschap/{ref}-{code}"])
            interval, begin = f"_:i{c}x{code}", f"_:b{c}x{code}"
            t(m, RDF.type, _iri(ORG.Membership))
            t(m, ORG.member, _iri(gm))
            t(m, ORG.organization, org)
            t(m, ORG.role, deelnemer)
            t(m, FKG.betrouwbaarheid, laag)
            t(m, DCTERMS.source, bron)
            t(m, PROV.wasDerivedFrom, bron)
            t(m, RDFS.label, _lit(f"{code} in synthetische samenwerking {c}", "nl"))
            t(m, RDFS.label, _lit(f"{code} in synthetic cooperation {c}", "en"))
            t(m, ORG.memberDuring, interval)
            t(interval, RDF.type, _iri(TIME.Interval))
            t(interval, TIME.hasBeginning, begin)
            t(begin, RDF.type, _iri(TIME.Instant))
            t(begin, TIME.inXSDDate, _lit(start.isoformat(), datatype=XSD.date))
        ev = _iri(ID[f"gebeurtenis/{ref}-oprichting"])
        t(ev, RDF.type, _iri(FKG.Oprichting))
        t(ev, ORG.resultingOrganization, org)
        t(ev, PROV.startedAtTime, _lit(f"{start.isoformat()}T00:00:00", datatype=XSD.dateTime))
        t(ev, FKG.betrouwbaarheid, laag)
        t(ev, DCTERMS.source, bron)
        t(ev, PROV.wasDerivedFrom, bron)
        t(ev, RDFS.label, _lit(f"Oprichting van synthetische samenwerking {c}", "nl"))
        t(ev, RDFS.label, _lit(f"Founding of synthetic cooperation {c}", "en"))
    out.close()
    return n
