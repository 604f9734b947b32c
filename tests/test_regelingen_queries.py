"""The named queries about gemeenschappelijke regelingen (queries/40-45) answer what users ask, on the real build.

Expected answers are counted here from the ROO records themselves (read as YAML, not through the importer) or from
the register CSV, so that a query and the data cannot drift apart unnoticed.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from fusiekg import namespaces as ns
from fusiekg import resources
from roo_yaml import chains, in_force, lists, read_records, taking_part

LEEUWARDEN, DAY = str(ns.GM.gm0080), "2025-01-01"


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    return read_records()


def run(kg, number: int, *replace: tuple[str, str]) -> list[dict[str, str]]:
    files = sorted(resources.path("queries").glob(f"{number:02d}-*.rq"))
    assert len(files) == 1, files
    text = files[0].read_text(encoding="utf-8")
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    return kg.select(text)


def first_version_id(iri: str) -> str:
    return iri.rsplit("roo-", 1)[-1]


def test_40_the_regelingen_of_leeuwarden_on_a_date(kg, records):
    rows = run(kg, 40)
    assert {first_version_id(r["regeling"]) for r in rows} == taking_part(records, LEEUWARDEN, DAY)
    assert len(rows) == 11
    fumo = next(r for r in rows if "Fryske Utfieringstsjinst" in r["naam"])
    assert fumo["vormNaam"] == "openbaar lichaam" and fumo["lidVanaf"] == "2012-12-25" and "lidTot" not in fumo
    assert int(fumo["andereDeelnemers"]) > 10
    # another municipality and date: Barendrecht in BAR, before and after its 2024 versions
    bar = {r["naam"]: r for r in run(kg, 40, ("gm:gm0080", "gm:gm0489"), ('"2025-01-01"', '"2015-06-01"'))}
    assert bar["Gemeenschappelijke regeling De Bedrijfsvoeringspartner"]["andereDeelnemers"] == "2"
    assert {first_version_id(r["regeling"]) for r in bar.values()} == taking_part(records, str(ns.GM.gm0489), "2015-06-01")


def test_40_a_municipality_that_did_not_exist_has_no_regelingen(kg):
    assert run(kg, 40, ("gm:gm0080", "gm:gm0017")) == []  # Haren, merged into Groningen in 2019
    assert run(kg, 40, ("gm:gm0080", "gm:gm0017"), ('"2025-01-01"', '"2015-01-01"'))  # but in 2015 it did


def test_41_municipalities_with_the_most_regelingen(kg, records):
    rows = run(kg, 41)
    assert len(rows) == 25
    counts = [int(r["regelingen"]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    top = rows[0]
    assert (top["naam"], top["cbsCode"]) == ("Landgraaf", "GM0882")
    assert int(top["regelingen"]) == len(taking_part(records, top["gemeente"], DAY)) == 19
    for r in rows[:5]:
        assert int(r["regelingen"]) == len(taking_part(records, r["gemeente"], DAY)), r["naam"]
        assert int(r["ooit"]) >= int(r["regelingen"])


def test_42_regelingen_per_form(kg, records):
    rows = {r["vorm"].rsplit("/", 1)[-1]: r for r in run(kg, 42)}
    assert set(rows) == {"openbaar-lichaam", "bedrijfsvoeringsorganisatie", "gemeenschappelijk-orgaan",
                         "regeling-zonder-meer", "centrumgemeente"}
    latest = Counter(c[-1]["gr_meta"]["samenwerkingsvorm"]["value"].strip("'") for c in chains(records))
    assert int(rows["openbaar-lichaam"]["totaal"]) == latest["Openbaar lichaam"]
    assert int(rows["bedrijfsvoeringsorganisatie"]["totaal"]) == latest["Bedrijfsvoeringsorganisatie"] == 77
    assert int(rows["gemeenschappelijk-orgaan"]["totaal"]) == latest["Gemeenschappelijk orgaan"]
    # centrumgemeenteregelingen are regelingen zonder meer that say so in their title
    assert int(rows["regeling-zonder-meer"]["totaal"]) + int(rows["centrumgemeente"]["totaal"]) == \
        latest["Regeling zonder meer"]
    assert sum(int(r["totaal"]) for r in rows.values()) == len(chains(records)) == 549
    assert rows["centrumgemeente"]["vormNaamEn"] == "host municipality"
    active = sum(1 for c in chains(records) if any(in_force(v, DAY) for v in c))
    assert sum(int(r["opPeildatum"]) for r in rows.values()) >= active


def test_43_regelingen_per_policy_area(kg, records):
    rows = {r["naam"]: r for r in run(kg, 43)}
    def areas(chain):
        return {a["tooi"] for v in chain for a in v.get("policy_areas") or []}
    without = sum(1 for c in chains(records) if not areas(c))
    assert int(rows["(geen beleidsterrein in ROO)"]["totaal"]) == without
    waste = "https://identifier.overheid.nl/tooi/def/thes/top/c_d96f9cd3"
    row = next(r for r in rows.values() if r["beleidsterrein"] == waste)
    assert (row["naam"], row["hoofdterrein"]) == ("natuur en milieu | afval", "natuur en milieu")
    assert int(row["totaal"]) == sum(1 for c in chains(records) if waste in areas(c))


def test_44_operating_organisations_classified_with_evidence(kg):
    rows = run(kg, 44)
    by_type = Counter(r["typering"] for r in rows)
    assert by_type == {"ambtelijke fusie": 10, "alleen bedrijfsvoering of een deel van de taken": 7, "onbekend": 60}
    register = {r["id"]: r for r in csv.DictReader((resources.path("data") / "register" / "ambtelijke_fusies.csv")
                                                    .open(encoding="utf-8"))}
    for r in rows:
        if r["typering"] == "onbekend":
            assert "samenwerking" not in r and r.get("bewijs", "") == ""  # no source says it
            continue
        sid = r["samenwerking"].rsplit("/", 1)[-1]
        form = register[sid]["vorm"].split(" (")[0]
        assert form in (("werkorganisatie", "centrumconstructie") if r["typering"] == "ambtelijke fusie"
                        else ("bedrijfsvoeringssamenwerking",))
        assert r["bewijs"] and r["betrouwbaarheid"]
    fusions = {r["samenwerking"].rsplit("/", 1)[-1] for r in rows if r["typering"] == "ambtelijke fusie"}
    assert fusions == {"abg", "buch", "cgm", "wdw", "langedijk-hhw", "vijfheerenlanden", "hltsamen", "bel",
                       "noaberkracht", "swo"}
    # a BVO that no source calls either stays unknown, with its purpose to read
    west_betuwe = next(r for r in rows if "West-Betuwe" in r["naam"])
    assert west_betuwe["typering"] == "onbekend" and "bedrijfsvoeringstaken" in west_betuwe["doel"]


def test_45_partners_of_leeuwarden(kg, records):
    rows = run(kg, 45)
    shared = Counter()
    for chain in chains(records):
        now = [v for v in chain if in_force(v, DAY) and lists(v, LEEUWARDEN)]
        partners = {e["tooi"] for v in now for e in v["gr_meta"]["deelnemende_organisaties"] if e.get("tooi")}
        shared.update(partners - {LEEUWARDEN})
    top = {r["partner"] for r in rows if int(r["gedeeld"]) == int(rows[0]["gedeeld"])}
    most = max(shared.values())
    assert int(rows[0]["gedeeld"]) == most == 6
    assert top == {p for p, n in shared.items() if n == most}
    assert {r["naam"] for r in rows if r["partner"] in top} >= {"Achtkarspelen", "Dantumadiel", "Waadhoeke"}
    assert {r["soort"] for r in rows} >= {"gemeente", "provincie", "waterschap"}


@pytest.mark.parametrize("number", [40, 41, 42, 43, 44, 45])
def test_queries_have_a_dutch_and_english_title_and_description(number):
    text = next(resources.path("queries").glob(f"{number:02d}-*.rq")).read_text(encoding="utf-8")
    head = text.splitlines()[:3]
    assert head[0].startswith("# title: ") and head[1].startswith("# title@en: ")
    assert head[2].startswith("# description: ") and " / " in head[2]
