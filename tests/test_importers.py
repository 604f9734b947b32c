"""The importers turn the project's copies of TOOI and the register into the graphs the model promises.

Checked on the real data (counts, links, sources) loaded into pyoxigraph, and on broken copies of it (clear errors).
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from fusiekg import namespaces as ns
from fusiekg import resources
from fusiekg.importers import SourceDataError, regelingen, register, tooi

DATA = resources.path("data")
PREFIXES = ns.sparql_prologue()
CSV_PATH = DATA / "register" / register.CSV_FILE


@pytest.fixture(scope="module")
def municipalities():
    return tooi.load(DATA)


@pytest.fixture(scope="module")
def register_graph():
    return register.load(DATA)


@pytest.fixture(scope="module")
def regelingen_graph():
    return regelingen.load(DATA)


@pytest.fixture(scope="module")
def store(municipalities, register_graph, regelingen_graph) -> ox.Store:
    """TOOI, the register and the regelingen (which describe the ROO records the register cites)."""
    s = ox.Store()
    for name, g in ((ns.G_MUNICIPALITIES, municipalities), (ns.G_REGISTER, register_graph),
                    (ns.G_REGELINGEN, regelingen_graph)):
        s.load(g.serialize(format="nt"), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
    return s


def select(store: ox.Store, body: str) -> list[dict[str, str | None]]:
    result = store.query(PREFIXES + body, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: (t.value if t is not None else None) for n, t in zip(names, row, strict=True)} for row in result]


def ask(store: ox.Store, body: str) -> bool:
    return bool(store.query(PREFIXES + body, use_default_graph_as_union=True))


def count(store: ox.Store, where: str) -> int:
    return int(select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")[0]["n"])


def active_municipalities(store: ox.Store, day: str) -> int:
    return count(store, f"""
        VALUES ?d {{ "{day}"^^xsd:date }}
        ?x a tooiont:Gemeente .
        OPTIONAL {{ ?x tooiont:begindatum ?b }} OPTIONAL {{ ?x tooiont:einddatum ?e }}
        FILTER((!BOUND(?b) || ?b <= ?d) && (!BOUND(?e) || ?e >= ?d))""")


# --- TOOI ---------------------------------------------------------------------------------------------------------

def test_tooi_holds_all_municipalities_provinces_and_mergers(store):
    assert count(store, "?x a tooiont:Gemeente") == 605
    assert count(store, "?x a tooiont:Provincie") == 12
    assert count(store, "VALUES ?t { tooiont:Samenvoeging tooiont:Uitbreiding tooiont:Herschikking } ?x a ?t") == 128


@pytest.mark.parametrize(("day", "expected"), [("2015-01-01", 393), ("2023-01-01", 342)])
def test_active_municipalities_on_a_date(store, day, expected):
    assert active_municipalities(store, day) == expected


def test_einddatum_is_the_last_day_of_a_municipality(store):
    """Appingedam ends 2020-12-31 (einddatum) and is invalidated 2021-01-01: active on the first, not the second."""
    def active(day):
        return ask(store, f"""ASK {{ VALUES ?d {{ "{day}"^^xsd:date }} gm:gm0003 tooiont:einddatum ?e .
                                   FILTER(?e >= ?d) }}""")
    assert active("2020-12-31") and not active("2021-01-01")
    assert ask(store, 'ASK { gm:gm0003 prov:invalidatedAtTime "2021-01-01T00:00:00"^^xsd:dateTime }')


def test_tooi_iris_kept_and_our_additions_added(store):
    row = select(store, """SELECT ?label ?cbs ?code WHERE { gm:gm0489 skos:prefLabel ?label ; fkg:cbsCode ?cbs ;
                                                              tooiont:organisatiecode ?code }""")
    assert row == [{"label": "Barendrecht", "cbs": "GM0489", "code": "gm0489"}]
    assert not ask(store, """ASK { ?m a tooiont:Gemeente ; tooiont:gemeentecode ?c .
                                   FILTER NOT EXISTS { ?m fkg:cbsCode ?cbs FILTER(?cbs = CONCAT("GM", ?c)) } }""")
    assert not ask(store, "ASK { ?m a tooiont:Provincie FILTER NOT EXISTS { ?m skos:prefLabel ?l } }")


def test_tooi_graph_says_where_it_comes_from_and_imports_nothing(municipalities, store):
    assert not list(municipalities.triples((None, ns.OWL.imports, None)))
    assert ask(store, """ASK { fkgg:municipalities prov:wasDerivedFrom
                                   <https://identifier.overheid.nl/tooi/set/rwc_gemeenten_compleet/4> .
                               <https://identifier.overheid.nl/tooi/set/rwc_gemeenten_compleet/4>
                                   a dcterms:BibliographicResource ; dcterms:issued "2022-12-22"^^xsd:date }""")


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA / "tooi", target / "tooi")
    shutil.copytree(DATA / "register", target / "register")
    return target


def test_tooi_refuses_a_context_that_could_be_fetched(tmp_path):
    data = _copy_data(tmp_path)
    path = data / "tooi" / tooi.PROVINCES_FILE
    path.write_text('{"@context": "https://example.org/context.jsonld", "@graph": []}', encoding="utf-8")
    with pytest.raises(SourceDataError, match="expanded JSON-LD"):
        tooi.load(data)
    path.write_text('[{"@id": "https://example.org/x", "@type": ["https://example.org/T"], '
                    '"@context": "https://example.org/context.jsonld"}]', encoding="utf-8")
    with pytest.raises(SourceDataError, match="@context is not allowed"):
        tooi.load(data)


def test_tooi_missing_file_is_a_clear_error(tmp_path):
    data = _copy_data(tmp_path)
    (data / "tooi" / tooi.MUNICIPALITIES_FILE).unlink()
    with pytest.raises(SourceDataError, match=tooi.MUNICIPALITIES_FILE):
        tooi.load(data)


# --- register -----------------------------------------------------------------------------------------------------

def test_every_csv_row_is_a_cooperation(store):
    ids = {r["id"] for r in csv.DictReader(CSV_PATH.open(encoding="utf-8"))}
    rows = select(store, "SELECT ?s WHERE { ?s a fkg:AmbtelijkeSamenwerking }")
    assert len(rows) == 49  # 32 rows of the first register, 17 from the additions (ADDITIONS.md: N1-N7 and others)
    assert {r["s"].rsplit("/", 1)[-1] for r in rows} == ids


def test_forms_per_kind(store):
    rows = select(store, """SELECT ?vorm (COUNT(?s) AS ?n) WHERE { ?s a fkg:AmbtelijkeSamenwerking .
                                OPTIONAL { ?s org:classification ?v } BIND(COALESCE(STR(?v), "geen") AS ?vorm) }
                            GROUP BY ?vorm""")
    counts = {r["vorm"].rsplit("/", 1)[-1]: int(r["n"]) for r in rows}
    assert counts == {"werkorganisatie": 23, "centrumconstructie": 8, "bedrijfsvoeringssamenwerking": 10, "geen": 8}
    # those without a form say so, in both languages; a full fusion of unverified form is typed as one, without a form
    assert not ask(store, """ASK { ?s a fkg:AmbtelijkeSamenwerking FILTER NOT EXISTS { ?s org:classification ?v }
                                   FILTER NOT EXISTS { ?s skos:note ?nl , ?en
                                       FILTER(LANGMATCHES(LANG(?nl), "nl") && LANGMATCHES(LANG(?en), "en")
                                              && (CONTAINS(?nl, "Vorm onbekend")
                                                  || CONTAINS(?nl, "niet vastgesteld"))) } }""")
    unclassified = {r["s"].rsplit("/", 1)[-1] for r in select(store, """SELECT ?s WHERE {
        ?s a fkg:AmbtelijkeSamenwerking FILTER NOT EXISTS { ?s org:classification ?v } }""")}
    assert unclassified == {"boxmeer-sintanthonis", "deal", "enschede-losser", "tilburg-dongen", "liemers",
                            "aalsmeer-uithoorn", "dantumadiel-leeuwarden", "alkmaar-graft-de-rijp-schermer"}
    assert ask(store, "ASK { fkgid:samenwerking\\/alkmaar-graft-de-rijp-schermer a fkg:AmbtelijkeFusieorganisatie }")


def test_centrumconstructie_has_one_host_that_is_a_member(store):
    rows = select(store, """SELECT ?s (COUNT(DISTINCT ?h) AS ?hosts) WHERE {
        ?s org:classification <https://w3id.org/fusiekg/id/vorm/centrumconstructie> ; fkg:centrumgemeente ?h } GROUP BY ?s""")
    assert len(rows) == 8 and all(r["hosts"] == "1" for r in rows)
    assert not ask(store, """ASK { ?s org:classification <https://w3id.org/fusiekg/id/vorm/centrumconstructie> ;
                                      fkg:centrumgemeente ?h .
                                   FILTER NOT EXISTS { ?s org:hasMember ?h ; org:unitOf ?h .
                                       ?m org:organization ?s ; org:member ?h ;
                                          org:role <https://w3id.org/fusiekg/id/rol/centrumgemeente> } }""")
    assert ask(store, "ASK { fkgid:samenwerking\\/aa fkg:centrumgemeente gm:gm0362 ; org:unitOf gm:gm0362 }")


def test_every_member_is_a_tooi_municipality(store):
    """In the register (a regeling may also have provinces, water boards and foreign bodies as participants)."""
    member = "GRAPH fkgg:register { ?m org:member ?x }"
    assert count(store, member) == count(store, f"{member} ?x a tooiont:Gemeente") > 60
    assert not ask(store, """ASK { GRAPH fkgg:register { ?s org:hasMember ?x }
                                   FILTER NOT EXISTS { ?x a tooiont:Gemeente } }""")
    assert not ask(store, "ASK { ?s fkg:levertAmbtelijkeDienstenAan ?x FILTER NOT EXISTS { ?x a tooiont:Gemeente } }")


def test_memberships_are_dated(store):
    named = sum(len(r["deelnemers_cbs"].split(";")) for r in csv.DictReader(CSV_PATH.open(encoding="utf-8")))
    assert count(store, "GRAPH fkgg:register { ?x a org:Membership }") == named == 125
    rows = select(store, """SELECT ?d WHERE { fkgid:lidmaatschap\\/bar-gm0489 org:member gm:gm0489 ;
                               org:organization fkgid:samenwerking\\/bar ; org:role fkgid:rol\\/deelnemer ;
                               org:memberDuring/time:hasBeginning/time:inXSDDate ?d }""")
    assert rows == [{"d": "2014-01-01"}]


def test_every_register_fact_carrier_has_a_source_and_a_confidence(store):
    carriers = """VALUES ?t { fkg:AmbtelijkeSamenwerking org:Membership fkg:Oprichting fkg:Opheffing
                              rdf:Statement } GRAPH fkgg:register { ?x a ?t }"""
    assert count(store, carriers) > 200
    assert not ask(store, f"ASK {{ {carriers} FILTER NOT EXISTS {{ ?x dcterms:source ?s . ?x prov:wasDerivedFrom ?s }} }}")
    rows = select(store, f"SELECT ?x (COUNT(?c) AS ?n) WHERE {{ {carriers} OPTIONAL {{ ?x fkg:betrouwbaarheid ?c }} }} "
                         "GROUP BY ?x HAVING (COUNT(?c) != 1)")
    assert rows == []


def test_sources_are_described(store):
    elsewhere = ", ".join(f"<{iri}>" for iri in register.DESCRIBED_ELSEWHERE.values())
    assert not ask(store, f"""ASK {{ GRAPH fkgg:register {{ ?x dcterms:source ?s }}
                                   FILTER NOT EXISTS {{ ?s a dcterms:BibliographicResource }}
                                   FILTER (?s NOT IN ({elsewhere})) }}""")
    # the NRC article is cited by the IRI the article graph describes, not by a second one
    assert ask(store, "ASK { ?x dcterms:source fkgid:bron\\/nrc-2015-10-23 }")
    assert ask(store, """ASK { ?b a dcterms:BibliographicResource ;
        schema:url <https://vng.nl/artikelen/oostzaan-en-wormerland-enthousiast-over-gedeelde-werkorganisatie> ;
        foaf:page <https://vng.nl/artikelen/oostzaan-en-wormerland-enthousiast-over-gedeelde-werkorganisatie> .
        fkgid:samenwerking\\/over dcterms:source ?b }""")
    for row in select(store, "SELECT ?b WHERE { ?b a dcterms:BibliographicResource FILTER(STRSTARTS(STR(?b), STR(fkgid:))) }"):
        assert re.fullmatch(r"https://w3id\.org/fusiekg/id/bron/[a-z0-9]+(-[a-z0-9]+)*", row["b"])


def test_no_municipality_gets_an_org_identifier(store):
    assert not ask(store, "ASK { ?m a tooiont:Gemeente ; org:identifier ?i }")
    rows = select(store, "SELECT ?i (COUNT(?s) AS ?n) WHERE { ?s org:identifier ?i } GROUP BY ?i")
    assert rows and all(r["n"] == "1" and re.fullmatch(r"so\d{4}", r["i"]) for r in rows)
    assert ask(store, 'ASK { fkgid:samenwerking\\/bel org:identifier "so0756" ; fkg:tooiOrganisatie so:so0756 }')
    # a code without a TOOI IRI seen in the sources gets no TOOI IRI from us
    assert ask(store, """ASK { fkgid:samenwerking\\/kompanjie org:identifier "so0662"
                               FILTER NOT EXISTS { fkgid:samenwerking\\/kompanjie fkg:tooiOrganisatie ?t } }""")


def test_every_tooi_event_named_in_the_csv_resolves(store):
    named = set(re.findall(r"\bwzg_[0-9A-Za-z]+", CSV_PATH.read_text(encoding="utf-8")))
    assert len(named) == 10
    for ref in named:
        assert ask(store, f"""ASK {{ ?o a fkg:Opheffing ; prov:wasInformedBy gm:{ref} .
                                     gm:{ref} tooiont:tijdstipWijziging ?t }}"""), ref


def test_dates_keep_their_precision_and_source_text(store):
    def values(sid, prop):
        return {(r["v"], r["dt"]) for r in select(store, f"""SELECT ?v (STR(DATATYPE(?v)) AS ?dt) WHERE {{
            fkgid:samenwerking\\/{sid} {prop} ?v }}""")}
    xsd = str(ns.XSD)
    assert values("uw", "fkg:startdatum") == {("2014", xsd + "gYear")}
    assert values("uw", "fkg:einddatum") == {("2019", xsd + "gYear")}
    assert values("uw", "fkg:einddatumBron") == {("2018/2019", str(ns.RDF.langString))}
    assert values("dewaard", "fkg:startdatum") == {("2009-07-01", xsd + "date")}
    assert values("gsl-friese-meren", "fkg:startdatum") == set()
    assert values("gsl-friese-meren", "fkg:startdatumBron") == {("onbekend (vóór 2013)", str(ns.RDF.langString))}
    assert values("bar", "fkg:einddatum") == {("2024", xsd + "gYear")}
    # BAR was unbundled, not dissolved
    assert not ask(store, "ASK { ?e a fkg:Opheffing ; org:originalOrganization fkgid:samenwerking\\/bar }")
    assert ask(store, """ASK { ?e a fkg:Oprichting ; org:resultingOrganization fkgid:samenwerking\\/bar ;
                                  prov:startedAtTime "2014-01-01T00:00:00"^^xsd:dateTime }""")


def test_register_and_roo_disagreements_are_both_kept(store):
    # SWO: the register (press) says 2015-01-01, ROO 2015-08-01, each with its source
    assert ask(store, """ASK { fkgid:samenwerking\\/swo fkg:startdatum "2015-01-01"^^xsd:date .
        ?c a rdf:Statement ; rdf:subject fkgid:samenwerking\\/swo ; rdf:predicate fkg:startdatum ;
           rdf:object "2015-08-01"^^xsd:date ; dcterms:source fkgid:bron\\/roo-27882953 }""")
    # CGM: organisation 2014-01-01, memberships from the ROO join date 2013-10-01 with a note on both
    rows = select(store, """SELECT ?d ?note WHERE { ?m org:organization fkgid:samenwerking\\/cgm ;
        org:memberDuring/time:hasBeginning/time:inXSDDate ?d ; dcterms:source fkgid:bron\\/roo-28060091 ;
        skos:note ?note FILTER(LANG(?note) = "nl") }""")
    assert len(rows) == 3 and {r["d"] for r in rows} == {"2013-10-01"}
    assert all("2013-10-01" in r["note"] and "2014-01-01" in r["note"] for r in rows)
    assert ask(store, 'ASK { fkgid:samenwerking\\/cgm fkg:startdatum "2014-01-01"^^xsd:date }')
    # De Kompanjie: the press year stays in the source text
    assert ask(store, """ASK { fkgid:samenwerking\\/kompanjie fkg:startdatum "2010-12-01"^^xsd:date ;
                                   fkg:startdatumBron ?t FILTER(CONTAINS(?t, "pers: 2011")) }""")


def test_cooperations_link_the_regeling_described_in_the_regelingen_graph(store, register_graph):
    """The register links BEL to its regeling (all four ROO versions are one regeling) and describes no version
    itself: one source of truth per ROO record, the regelingen graph."""
    assert {str(o) for o in register_graph.objects(ns.ID["samenwerking/bel"], ns.FKG.regeling)} == {
        str(ns.ID["regeling/roo-28067656"])}
    assert not list(register_graph.subjects(ns.RDF.type, ns.FKG.Regelingversie))
    assert not list(register_graph.subjects(ns.RDF.type, ns.FKG.Regeling))
    # BAR: its regeling continues as De Bedrijfsvoeringspartner, and the row now carries BAR's TOOI organisation
    assert ask(store, """ASK { fkgid:samenwerking\\/bar fkg:regeling fkgid:regeling\\/roo-22938625 ;
                               org:identifier "so0828" ; fkg:tooiOrganisatie so:so0828 ;
                               skos:altLabel "De Bedrijfsvoeringspartner"@nl }""")


def test_herindeling_found_by_name_or_new_code_in_the_register(store):
    """DDFK names GM1970, Boxmeer–Sint Anthonis and DEAL name the new municipalities: linked to TOOI's events."""
    def events(sid):
        return {r["h"].rsplit("/", 1)[-1] for r in select(store, f"""SELECT ?h WHERE {{
            ?o org:originalOrganization fkgid:samenwerking\\/{sid} ; prov:wasInformedBy ?h }}""")}
    assert events("ddfk") == {"wzg_03053460"}
    assert events("boxmeer-sintanthonis") == {"wzg_2066"}
    assert events("deal") == {"wzg_10165116", "wzg_03990537"}
    assert events("wodv") == set()


# --- bad input ----------------------------------------------------------------------------------------------------

def _edit_csv(data: Path, old: str, new: str) -> None:
    path = data / "register" / register.CSV_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("GM0376 Blaricum", "GM9999 Blaricum", r"line 2, deelnemers_cbs.*GM9999 is not a municipality"),
    ("GM0376 Blaricum", "GM0376 Laren", r"GM0376 is Blaricum in TOOI"),
    ("TOOI wzg_01276963", "TOOI wzg_99999999", r"line 3, eind_toelichting.*wzg_99999999 is not in the TOOI"),
    (",2010-01-01,,actief", ",1 januari 2010,,actief", r"line 4, start.*cannot read a date"),
    (",medium\n", ",unsure\n", r"confidence 'unsure'"),
    ("werkorganisatie,GR openbaar lichaam,2010", "fusie,GR openbaar lichaam,2010", r"unknown form 'fusie'"),
])
def test_bad_register_rows_give_a_clear_error(tmp_path, old, new, message):
    data = _copy_data(tmp_path)
    _edit_csv(data, old, new)
    with pytest.raises(SourceDataError, match=message):
        register.load(data)


def test_a_missing_column_or_roo_file_is_a_clear_error(tmp_path):
    data = _copy_data(tmp_path)
    _edit_csv(data, "confidence", "zekerheid")
    with pytest.raises(SourceDataError, match="missing column.*confidence"):
        register.load(data)
    data = _copy_data(tmp_path / "again")
    (data / "register" / "roo-gr" / "swo.yaml").unlink()
    with pytest.raises(SourceDataError, match="cites swo.yaml, which is not in data/register/roo-gr/"):
        register.load(data)
