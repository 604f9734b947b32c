"""The temporal queries (queries/20-23) answer date questions over the register and TOOI graphs.

The store holds what the importers make, in their named graphs, plus (for query 23) a count claim written here,
since the article's own claims live in another file.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from fusiekg import namespaces as ns
from fusiekg import resources
from fusiekg.importers import register, tooi

DATA = resources.path("data")
FIXTURE_GRAPH = ox.NamedNode(f"{ns.GRAPH}include/test-telling")
TELLING_FIXTURE = """
@prefix fkg: <https://w3id.org/fusiekg/def/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/fusiekg/id/bevinding/test-telling-2015> a fkg:Telling ;
    fkg:aantalOrganisaties 16 ; fkg:aantalGemeenten 36 ;
    fkg:peildatum "2015-01-01"^^xsd:date ; dcterms:source <https://w3id.org/fusiekg/id/bron/test-bron> .
<https://w3id.org/fusiekg/id/bevinding/test-telling-2016> a fkg:Telling ;
    fkg:aantalOrganisaties 16 ; fkg:aantalGemeenten 36 ;
    fkg:peildatum "2016-01-01"^^xsd:date .
<https://w3id.org/fusiekg/id/bevinding/test-telling-2000> a fkg:Telling ;
    fkg:aantalOrganisaties 0 ; fkg:aantalGemeenten 0 ;
    fkg:peildatum "2000-01-01"^^xsd:date .
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for name, g in ((ns.G_REGISTER, register.load(DATA)), (ns.G_MUNICIPALITIES, tooi.load(DATA))):
        s.load(g.serialize(format="nt"), ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
    s.load(TELLING_FIXTURE, ox.RdfFormat.TURTLE, to_graph=FIXTURE_GRAPH)
    return s


def query_text(number: int) -> str:
    files = sorted(resources.path("queries").glob(f"{number:02d}-*.rq"))
    assert len(files) == 1, files
    text = files[0].read_text(encoding="utf-8")
    header = text.splitlines()[:3]
    assert header[0].startswith("# title: ") and header[1].startswith("# title@en: ")
    assert header[2].startswith("# description: ")
    return text


def run(store: ox.Store, number: int, replace: tuple[str, str] | None = None) -> list[dict[str, str | None]]:
    text = query_text(number)
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    result = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: (t.value if t is not None else None) for n, t in zip(names, row, strict=True)} for row in result]


def ids(rows, key="samenwerking") -> set[str]:
    return {r[key].rsplit("/", 1)[-1] for r in rows}


def on(store: ox.Store, day: str):
    return run(store, 20, ('"2015-01-01"^^xsd:date', f'"{day}"^^xsd:date'))


# --- 20: active on a date -----------------------------------------------------------------------------------------

def test_20_default_date_lists_the_full_fusions_of_1_january_2015(store):
    rows = run(store, 20)
    # the first register's 15, plus Werkmaatschappij 8KTD (Achtkarspelen and Tytsjerksteradiel; staff together
    # "since 2015", ROO join date 2014-01-01) from the additions: 16 organisations, 36 municipalities
    assert ids(rows) == {"bel", "over", "kompanjie", "gron-tenboer", "boh", "noaberkracht", "aa", "wodv", "bar", "cgm",
                         "beemster-purmerend", "uw", "sed", "swo", "oudewater-woerden", "8ktd"}
    assert len(ids(rows, "gemeente")) == 36
    assert {r["vorm"].rsplit("/", 1)[-1] for r in rows} == {"werkorganisatie", "centrumconstructie"}
    # SWO started on 1 January 2015 by the press, but ROO dates the municipalities' joining 2015-08-01
    swo = [r for r in rows if r["samenwerking"].endswith("/swo")]
    assert {(r["gemeenteNaam"], r["lidVanaf"], r["lidmaatschapGestart"]) for r in swo} == {
        ("De Wolden", "2015-08-01", "false"), ("Hoogeveen", "2015-08-01", "false")}


def test_20_edited_date_moves_the_answer(store):
    later = on(store, "2016-01-01")
    assert ids(later) - ids(run(store, 20)) == {"abg", "mgd"}  # ABG (3 municipalities) and MijnGemeenteDichtbij (2)
    assert len(ids(later)) == 18 and len(ids(later, "gemeente")) == 41


def test_20_end_date_is_exclusive_and_a_year_counts_as_1_january(store):
    assert "dewaard" in ids(on(store, "2012-12-31"))
    assert "dewaard" not in ids(on(store, "2013-01-01"))  # ended with the herindeling of 2013-01-01
    assert "uw" not in ids(on(store, "2013-12-31")) and "uw" in ids(on(store, "2014-01-01"))  # start "2014"
    assert "uw" in ids(on(store, "2018-12-31")) and "uw" not in ids(on(store, "2019-01-01"))  # end "2018/2019"
    assert "bar" in ids(on(store, "2023-12-31")) and "bar" not in ids(on(store, "2024-01-01"))  # end "2024"
    assert "gsl-friese-meren" not in ids(on(store, "2013-06-01"))  # start unknown: not counted


def test_20_lists_only_municipalities_that_existed(store):
    rows = on(store, "2019-01-01")
    assert "gron-tenboer" not in ids(rows)  # Ten Boer merged into Groningen that day
    assert all(r["gemeente"] != str(ns.GM.gm0009) for r in rows)


# --- 21: one municipality's history -------------------------------------------------------------------------------

def test_21_default_is_barendrecht_in_bar(store):
    rows = run(store, 21)
    assert [(r["naam"], r["lidVanaf"], r["lidTot"], r["eind"]) for r in rows] == [
        ("BAR-organisatie", "2014-01-01", "2024-01-01", "2024")]
    assert rows[0]["gemeenteNaam"] == "Barendrecht"


def test_21_shows_a_history_in_order(store):
    rows = run(store, 21, ("gm:gm0489", "gm:gm1891"))  # Dantumadiel
    assert [(ids([r]).pop(), r["lidVanaf"], r["rol"].rsplit("/", 1)[-1]) for r in rows] == [
        ("ddfk", "2015-01-01", "deelnemer"), ("dantumadiel-nef", "2018-12-31", "deelnemer"),
        ("dantumadiel-leeuwarden", "2024-01-01", "deelnemer")]  # the successor arrangement from the additions
    host = run(store, 21, ("gm:gm0489", "gm:gm1970"))  # Noardeast-Fryslân hosts Dantumadiel
    assert [(ids([r]).pop(), r["rol"].rsplit("/", 1)[-1]) for r in host] == [("dantumadiel-nef", "centrumgemeente")]


# --- 22: ended in a herindeling -----------------------------------------------------------------------------------

def test_22_links_ended_fusions_to_the_tooi_merger_and_new_municipality(store):
    rows = run(store, 22)
    found = {(ids([r]).pop(), r["herindeling"].rsplit("/", 1)[-1], r["nieuweGemeente"].rsplit("/", 1)[-1]) for r in rows}
    assert {("dewaard", "wzg_01276963", "gm1927"), ("gron-tenboer", "wzg_07737996", "gm0014"),
            ("cgm", "wzg_2066", "gm1982"), ("beemster-purmerend", "wzg_2081", "gm0439"),
            ("langedijk-hhw", "wzg_2076", "gm1980"), ("gsl-friese-meren", "wzg_09681399", "gm1921"),
            ("ddfk", "wzg_03053460", "gm1970")} <= found
    assert ids(rows) == {"dewaard", "gron-tenboer", "cgm", "beemster-purmerend", "langedijk-hhw", "gsl-friese-meren",
                         "ddfk", "deal", "boxmeer-sintanthonis",
                         # from the additions: four fusions that were the run-up to a herindeling
                         "vijfheerenlanden", "haarlemmerliede-haarlemmermeer", "weesp-amsterdam",
                         "alkmaar-graft-de-rijp-schermer"}
    assert ("weesp-amsterdam", "wzg_2700", "gm0363") in found
    molenwaard = next(r for r in rows if r["samenwerking"].endswith("/dewaard"))
    assert molenwaard["nieuweGemeenteNaam"] == "Molenwaard" and molenwaard["datum"].startswith("2013-01-01")
    assert molenwaard["soort"].endswith("/Samenvoeging")


# --- 23: claims next to the register ------------------------------------------------------------------------------

def test_23_puts_the_claim_next_to_the_register_count(store):
    rows = {r["telling"].rsplit("/", 1)[-1]: r for r in run(store, 23)}
    claim = rows["test-telling-2015"]
    assert (claim["claimOrganisaties"], claim["claimGemeenten"]) == ("16", "36")
    # With Werkmaatschappij 8KTD (from the additions) the register gives the article's 16 with 36 municipalities
    assert (claim["registerOrganisaties"], claim["registerGemeenten"]) == ("16", "36")
    assert claim["bronnen"] == "https://w3id.org/fusiekg/id/bron/test-bron"
    assert "SED organisatie" in claim["registerLijst"] and "ABG" not in claim["registerLijst"]
    assert "Werkmaatschappij 8KTD" in claim["registerLijst"]
    later = rows["test-telling-2016"]
    assert (later["registerOrganisaties"], later["registerGemeenten"]) == ("18", "41")  # + ABG and MGD
    none = rows["test-telling-2000"]
    assert (none["registerOrganisaties"], none["registerGemeenten"]) == ("0", "0")
