"""The 12 competency queries give the article's answers.

Each test only sees `answer(n)`: query file n → list of rows (dicts of plain Python values), so the fixture that
makes the store (the article alone, or the real built store) does not change the assertions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from fusiekg import namespaces as ns
from fusiekg import resources
from fusiekg.store import LocalStore

Rows = list[dict[str, object]]

_INTEGER_TYPES = {str(ns.XSD[t]) for t in ("integer", "positiveInteger", "nonNegativeInteger", "int", "long")}


def _py(term) -> object:
    """An RDF term as a plain Python value: IRIs and strings as str, numbers as int, booleans, dates."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in _INTEGER_TYPES:
            return int(term.value)
        if datatype == str(ns.XSD.boolean):
            return term.value == "true"
        if datatype == str(ns.XSD.date):
            return dt.date.fromisoformat(term.value)
        return term.value
    return term.value


def query_file(number: int) -> Path:
    matches = sorted(resources.path("queries").glob(f"{number:02d}-*.rq"))
    assert len(matches) == 1, f"expected one queries/{number:02d}-*.rq, found {matches}"
    return matches[0]


@pytest.fixture(scope="module", params=["asserted", "built"])
def competency_store(request) -> ox.Store:
    """"asserted": only the ontology and the article, each in its own named graph; "built": the real store of
    `fusiekg build` (all sources plus the OWL-RL closure), so the answers must not change or repeat when the
    register, the municipalities and inferred triples are present."""
    if request.param == "built":
        return LocalStore(request.getfixturevalue("store_dir")).ox
    store = ox.Store()
    for graph, rel in ((ns.G_ONTOLOGY, "ontology/fusiekg.ttl"), (ns.G_ARTICLE, "data/article/article.ttl")):
        store.load(path=str(resources.path(rel)), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(graph)))
    return store


@pytest.fixture(scope="module")
def answer(competency_store) -> Callable[[int], Rows]:
    def run(number: int) -> Rows:
        result = competency_store.query(query_file(number).read_text(encoding="utf-8"),
                                        use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        return [{n: _py(solution[n]) for n in names} for solution in result]

    return run


def iri(kind: str, slug: str) -> str:
    return str(ns.ID[f"{kind}/{slug}"])


# --- the query files themselves -----------------------------------------------------------------------------

@pytest.mark.parametrize("number", range(1, 13))
def test_query_file_has_headers_and_own_prefixes(number):
    text = query_file(number).read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert re.match(r"# title: \S", header[0]), header
    assert any(re.match(r"# title@en: \S", line) for line in header)
    assert any(re.match(r"# description: \S", line) for line in header)
    used = set(re.findall(r"\b([a-z]+):[A-Za-z]", re.sub(r"^#.*$|<[^>]*>|\"[^\"]*\"", "", text, flags=re.M)))
    declared = set(re.findall(r"^PREFIX (\w+):", text, flags=re.M))
    assert used <= declared, f"prefixes used but not declared: {used - declared}"


@pytest.mark.parametrize("number", range(1, 13))
def test_every_query_answers(answer, number):
    assert answer(number), f"query {number} returned no rows"


# --- the answers ----------------------------------------------------------------------------------------------

def test_q1_forms_and_which_are_full_mergers(answer):
    rows = {r["vorm"]: r for r in answer(1)}
    assert set(rows) == {iri("vorm", s) for s in ("werkorganisatie", "centrumconstructie",
                                                  "bedrijfsvoeringssamenwerking")}
    assert rows[iri("vorm", "werkorganisatie")]["volledigeFusie"] is True
    assert rows[iri("vorm", "centrumconstructie")]["volledigeFusie"] is True
    assert rows[iri("vorm", "bedrijfsvoeringssamenwerking")]["volledigeFusie"] is False
    assert rows[iri("vorm", "centrumconstructie")]["klasse"] == str(ns.FKG.Centrumconstructie)
    main_forms = {v for v, r in rows.items() if r["hoofdvormVolgensArtikel"]}
    assert main_forms == {iri("vorm", "werkorganisatie"), iri("vorm", "centrumconstructie")}
    assert all(r["definitie"] and r["definitieEn"] for r in rows.values())


def test_q2_host_form_is_centrumconstructie_alias_gastheermodel(answer):
    rows = answer(2)
    assert {r["vorm"] for r in rows} == {iri("vorm", "centrumconstructie")}
    assert {r["andereNaam"] for r in rows} == {"gastheermodel"}
    assert {r["rol"] for r in rows} == {iri("rol", "centrumgemeente")}


def test_q3_three_main_goals(answer):
    assert {r["doel"] for r in answer(3)} == {
        iri("doel", "betere-dienstverlening"),
        iri("doel", "minder-kwetsbaarheid"),
        iri("doel", "beheersen-bedrijfsvoeringskosten"),
    }


def test_q4_both_count_claims_with_their_dates_and_sources(answer):
    rows = answer(4)
    assert len(rows) == 2
    assert {(r["aantalOrganisaties"], r["aantalGemeenten"]) for r in rows} == {(16, 36)}
    by_date = {r["peildatum"]: r for r in rows}
    assert set(by_date) == {dt.date(2015, 1, 1), dt.date(2015, 12, 31)}
    article = by_date[dt.date(2015, 1, 1)]
    assert article["bron"] == iri("bron", "binnenlands-bestuur-ambtenaar-wordt-te-slim")
    assert article["bronUrl"] is None  # no URL is known for the article; none may be invented
    nrc = by_date[dt.date(2015, 12, 31)]
    assert nrc["bron"] == iri("bron", "nrc-2015-10-23")
    assert nrc["bronUrl"].startswith("https://www.nrc.nl/nieuws/2015/10/23/")
    assert nrc["toegeschrevenAan"] == iri("organisatie", "binnenlands-bestuur")
    assert {r["betrouwbaarheid"] for r in rows} <= {iri("betrouwbaarheid", b) for b in ("hoog", "midden", "laag")}


def test_q5_bureau_did_the_study_for_the_ministry(answer):
    rows = answer(5)
    assert len(rows) == 1
    row = rows[0]
    assert row["uitvoerder"] == iri("organisatie", "seinstravandelaar")
    assert row["uitvoerderLabel"] == "SeinstravandeLaar"
    assert row["opdrachtgever"] == iri("organisatie", "ministerie-van-binnenlandse-zaken-en-koninkrijksrelaties")
    assert "Binnenlandse Zaken" in row["opdrachtgeverLabel"]
    assert row["rapportTitel"] == "Samen sterker, maar toch apart"
    assert row["rapportDatum"] == dt.date(2016, 1, 13)


def test_q6_top5_failure_factors_in_order(answer):
    rows = answer(6)
    assert [r["rang"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["faalfactor"] for r in rows] == [iri("faalfactor", s) for s in (
        "te-weinig-persoonlijke-klik",
        "wisselende-bezetting-sleutelposities",
        "fusie-gepresenteerd-als-opmaat-naar-herindeling",
        "onverenigbare-doelen-van-partners",
        "twijfel-of-fusie-doel-dient",
    )]
    assert [r["label"] for r in rows] == [
        "te weinig persoonlijke klik tussen sleutelfiguren",
        "wisselende bezetting van sleutelposities",
        "politici en bestuurders noemen de fusie een opstap naar herindeling",
        "doelen van de fusiepartners zijn onverenigbaar",
        "twijfel of de fusie het doel dichterbij brengt",
    ]
    assert all(r["labelEn"] for r in rows)


def test_q7_top5_benefits_in_order(answer):
    rows = answer(7)
    assert [r["rang"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["label"] for r in rows] == [
        "sterkere uitvoeringskracht",
        "een antwoord op wat de toekomst brengt",
        "sterkere bestuurlijke positie in de regio",
        "herindeling (voorlopig) afgewend",
        "een ander soort ambtelijke organisatie",
    ]


def test_q8_each_risk_with_who_bears_it(answer):
    bearers: dict[str, set[str]] = {}
    for r in answer(8):
        bearers.setdefault(r["risico"], set()).add(r["belanghebbende"])
    bh = lambda s: iri("belanghebbende", s)  # noqa: E731
    assert bearers == {
        iri("risico", "politiek-primaat-en-beleidsvrijheid-onder-druk"):
            {bh("college-van-burgemeester-en-wethouders"), bh("gemeenteraad"), bh("deelnemende-gemeentebesturen")},
        iri("risico", "ambtelijke-organisatie-groeit-bestuur-voorbij"):
            {bh("college-van-burgemeester-en-wethouders"), bh("gemeenteraad")},
        iri("risico", "niet-iedereen-kan-of-wil-mee"): {bh("medewerkers"), bh("leidinggevenden")},
        iri("risico", "leidinggevende-posities-onder-druk"): {bh("leidinggevenden")},
    }


def test_q9_the_five_new_positions(answer):
    assert sorted(r["label"] for r in answer(9)) == [
        "concerncontroller", "directiesecretaris", "informatiemanager", "projectmanager",
        "strategisch beleidsadviseur",
    ]


def test_q10_what_employees_gain_and_risk(answer):
    rows = [r for r in answer(10) if r["belanghebbende"] == iri("belanghebbende", "medewerkers")]
    gains = {r["item"] for r in rows if r["soort"] == str(ns.FKG.Effect)}
    assert gains == {iri("effect", s) for s in ("zwaardere-functies", "meer-loopbaanmogelijkheden",
                                                "ontwikkeling-van-personeel")}
    risks = {r["item"] for r in rows if r["soort"] == str(ns.FKG.Risico)}
    assert risks == {iri("risico", "niet-iedereen-kan-of-wil-mee")}
    assert all(r["toelichting"] and r["toelichtingEn"] for r in rows)


def test_q11_goals_met_and_drawbacks_do_not_outweigh(answer):
    rows = {r["bevinding"]: r for r in answer(11)}
    assert rows[iri("bevinding", "doelen-worden-gehaald")]["antwoord"] is True
    assert rows[iri("bevinding", "nadelen-wegen-niet-op-tegen-voordelen")]["antwoord"] is False
    assert rows[iri("bevinding", "besturen-zien-risico-zonder-last")]["antwoord"] is False
    for r in rows.values():
        assert r["vraag"] and r["vraagEn"] and r["toelichting"]
        assert r["bron"] == iri("bron", "binnenlands-bestuur-ambtenaar-wordt-te-slim")


def test_q12_every_stakeholder_has_something_said_about_it(answer, competency_store):
    all_stakeholders = {
        _py(s["b"]) for s in competency_store.query(
            f"SELECT DISTINCT ?b WHERE {{ ?b a <{ns.FKG.Belanghebbende}> }}", use_default_graph_as_union=True)
    }
    rows = answer(12)
    assert {r["belanghebbende"] for r in rows} == all_stakeholders
    assert len(all_stakeholders) >= 11
    said = {}
    for r in rows:
        said.setdefault(r["belanghebbende"], set()).add((r["relatie"], r["onderwerp"]))
    assert ("gaf opdracht voor", iri("onderzoek", "seinstravandelaar-ambtelijke-fusies")) in said[
        iri("organisatie", "ministerie-van-binnenlandse-zaken-en-koninkrijksrelaties")]
    assert ("voerde uit", iri("onderzoek", "seinstravandelaar-ambtelijke-fusies")) in said[
        iri("organisatie", "seinstravandelaar")]
    assert ("wordt genoemd in", iri("risico", "leidinggevende-posities-onder-druk")) in said[
        iri("belanghebbende", "portefeuillehouders")]
    implied = {r["belanghebbende"] for r in rows if r["afgeleid"]}
    assert implied == {iri("belanghebbende", "inwoners")}
    assert all(r["tekst"] and r["tekstEn"] for r in rows)


def test_article_facts_carry_source_and_confidence(competency_store):
    """Every typed node of the article has a source and a confidence (the data the answers rest on)."""
    missing = list(competency_store.query(f"""
        SELECT DISTINCT ?s WHERE {{
          GRAPH <{ns.G_ARTICLE}> {{ ?s a ?type . }}
          FILTER NOT EXISTS {{ ?s <{ns.FKG.betrouwbaarheid}> ?b }}
        }}""", use_default_graph_as_union=True))
    assert not missing, [m["s"] for m in missing]
    unsourced = list(competency_store.query(f"""
        SELECT DISTINCT ?s WHERE {{
          GRAPH <{ns.G_ARTICLE}> {{ ?s a ?type . }}
          FILTER NOT EXISTS {{ ?s a <{ns.DCTERMS.BibliographicResource}> }}
          FILTER NOT EXISTS {{ ?s a <{ns.FKG.Onderzoek}> }}
          FILTER NOT EXISTS {{ ?s <{ns.PROV.wasDerivedFrom}> ?src }}
        }}""", use_default_graph_as_union=True))
    assert not unsourced, [m["s"] for m in unsourced]
