"""The regelingen graph: every gemeenschappelijke regeling in ROO, with its versions, body and dated participants.

Checked on the real build against what the YAML records say when read here directly (not through the importer),
and on small broken copies (a bad record is reported with its file name and skipped, never dropped silently).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fusiekg import namespaces as ns
from fusiekg import resources
from fusiekg.importers import regelingen, roo, tooi
from roo_yaml import FOLDER, chains, lists, read_records

DATA = resources.path("data")
P = ns.sparql_prologue()


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    return read_records()


# --- reading: every record read, used or reported ------------------------------------------------------------------

def test_every_record_is_read_and_the_partial_one_is_reported_by_name():
    folder = roo.read(FOLDER)
    assert folder.read == len(list(FOLDER.glob("*.yaml"))) == 1639
    assert folder.used == 1638
    assert [(s.file, "without participants" in s.reason) for s in folder.skipped] == [
        ("gemeenschappelijke-regeling-ombudscommissie-hoeksche-waard-24964305.yaml", True)]
    assert "1639 read, 1638 used, 1 skipped" in folder.summary()


def test_versions_of_one_regeling_are_one_regeling(records, kg):
    expected = chains(records)
    assert len(expected) == int(kg.select(P + "SELECT (COUNT(?r) AS ?n) WHERE { ?r a fkg:Regeling }")[0]["n"]) == 549
    assert sum(len(c) for c in expected) == int(kg.select(
        P + "SELECT (COUNT(?v) AS ?n) WHERE { ?v a fkg:Regelingversie }")[0]["n"]) == 1185
    # BEL: four ROO versions, one regeling, each version dated and replacing the one before
    rows = kg.select(P + """SELECT ?v ?id ?van ?tot ?vorig WHERE { fkgid:regeling\\/roo-28067656 dcterms:hasVersion ?v .
        ?v fkg:rooId ?id ; prov:generatedAtTime ?van ; dcterms:isVersionOf fkgid:regeling\\/roo-28067656 .
        OPTIONAL { ?v prov:invalidatedAtTime ?tot } OPTIONAL { ?v dcterms:replaces/fkg:rooId ?vorig } } ORDER BY ?van""")
    assert [r["id"] for r in rows] == ["28067656", "28355148", "29429388", "30478770"]
    assert [r.get("vorig") for r in rows] == [None, "28067656", "28355148", "29429388"]
    assert rows[0]["van"].startswith("2017-07-14") and rows[0]["tot"].startswith("2020-10-31")
    assert "tot" not in rows[-1]


def test_a_regeling_has_its_form_purpose_policy_areas_body_and_source(kg):
    rows = kg.select(P + """SELECT ?vorm ?orgaan ?tooi ?bron ?betr WHERE {
        fkgid:regeling\\/roo-24961467 org:classification ?vorm ; fkg:samenwerkingsorgaan ?orgaan ;
            dcterms:source ?bron ; fkg:betrouwbaarheid ?betr . ?orgaan fkg:tooiOrganisatie ?tooi }""")
    assert {(r["vorm"], r["orgaan"], r["tooi"], r["betr"]) for r in rows} == {
        (str(ns.ID["regelingvorm/openbaar-lichaam"]), str(ns.ID["organisatie/roo-24961472"]), str(ns.SO.so0845),
         str(ns.ID["betrouwbaarheid/hoog"]))}
    assert {r["bron"] for r in rows} == {str(ns.ID["bron/roo-24961467"]), str(ns.ID["bron/roo-30471469"])}
    # the 2025 version of the 8KTD regeling: ICT only, as its purpose and policy area say
    row = kg.select(P + """SELECT ?doel ?terrein ?naam WHERE { fkgid:regelingversie\\/roo-30471469
        fkg:doelomschrijving ?doel ; dcterms:subject ?terrein . ?terrein rdfs:label ?naam }""")
    assert len(row) == 1 and "ICT" in row[0]["doel"]
    assert row[0]["terrein"] == "https://identifier.overheid.nl/tooi/def/thes/top/c_ee06665e"
    assert row[0]["naam"] == "organisatie en bedrijfsvoering | informatievoorziening en ICT"
    source = kg.select(P + """SELECT DISTINCT ?url ?id WHERE { fkgid:bron\\/roo-30471469 schema:url ?url ; dcterms:identifier ?id }""")
    assert source == [{"url": "https://organisaties.overheid.nl/30471469/gemeenschappelijke-regeling-werkmaatschappij-8ktd",
                       "id": "30471469"}]


def test_forms_follow_roo_and_a_centrumregeling_is_named_so_by_its_title(records, kg):
    latest = [c[-1] for c in chains(records)]
    bvo = sum(1 for v in latest if v["gr_meta"]["samenwerkingsvorm"]["value"] == "Bedrijfsvoeringsorganisatie")
    counts = {r["vorm"].rsplit("/", 1)[-1]: int(r["n"]) for r in kg.select(P + """SELECT ?vorm (COUNT(?r) AS ?n)
        WHERE { ?r a fkg:Regeling ; org:classification ?vorm } GROUP BY ?vorm""")}
    assert counts["bedrijfsvoeringsorganisatie"] == bvo == 77
    assert sum(counts.values()) == 549
    assert kg.select(P + """SELECT ?v WHERE { fkgid:regelingversie\\/roo-29451612 fkg:regelingvorm ?v }""") == [
        {"v": str(ns.ID["regelingvorm/regeling-zonder-meer"])}]  # as ROO registers it ...
    assert kg.select(P + """SELECT ?v WHERE { fkgid:regeling\\/roo-29451612 org:classification ?v }""") == [
        {"v": str(ns.ID["regelingvorm/centrumgemeente"])}]  # ... and what its title calls it


def test_memberships_are_dated_from_the_join_date_and_end_where_roo_says(records, kg):
    # 8KTD: both municipalities joined 2014-01-01 and are in both versions: open memberships
    rows = kg.select(P + """SELECT ?g ?van ?tot WHERE { ?l org:organization fkgid:regeling\\/roo-24961467 ;
        org:member ?g ; org:memberDuring ?p . ?p time:hasBeginning/time:inXSDDate ?van .
        OPTIONAL { ?p time:hasEnd/time:inXSDDate ?tot } }""")
    assert {(r["g"], r["van"], r.get("tot")) for r in rows} == {(str(ns.GM.gm0059), "2014-01-01", None),
                                                                  (str(ns.GM.gm0737), "2014-01-01", None)}
    # Dongeradeel (merged into Noardeast-Fryslân) is not in the next version of the Veiligheidsregio Fryslân
    # (ROO 28442403, in force from 2019-01-15): its membership ends when that version began
    nxt = records["gemeenschappelijke-regeling-veiligheidsregio-fryslan-28442403.yaml"]["gr_meta"]
    assert not lists(records["gemeenschappelijke-regeling-veiligheidsregio-fryslan-28442403.yaml"], str(ns.GM.gm0058))
    rows = kg.select(P + """SELECT DISTINCT ?tot ?betr WHERE { fkgid:lidmaatschap\\/gr-23862366-gm0058
        org:memberDuring/time:hasEnd/time:inXSDDate ?tot ; fkg:betrouwbaarheid ?betr }""")
    assert rows == [{"tot": str(nxt["datum_inwerkingtreding"]), "betr": str(ns.ID["betrouwbaarheid/midden"])}]
    # periods and instants have IRIs (no blank nodes)
    assert kg.select(P + """SELECT (COUNT(*) AS ?n) WHERE { GRAPH fkgg:regelingen { ?s ?p ?o
        FILTER(isBlank(?s) || isBlank(?o)) } }""") == [{"n": "0"}]


def test_participants_without_a_tooi_iri_are_matched_or_reported(records, kg):
    # Vianen and Zederik (dissolved 2019) have no TOOI IRI in ROO, but ROO's OWMS term is TOOI's: matched by it
    rows = kg.select(P + """SELECT DISTINCT ?g ?betr WHERE { ?l org:organization fkgid:regeling\\/roo-27012843 ;
        org:member ?g ; fkg:betrouwbaarheid ?betr ; skos:note ?note FILTER(LANG(?note) = "nl" && CONTAINS(?note, "OWMS")) }""")
    assert {(r["g"], r["betr"]) for r in rows} == {(str(ns.GM.gm0620), str(ns.ID["betrouwbaarheid/hoog"])),
                                                   (str(ns.GM.gm0707), str(ns.ID["betrouwbaarheid/hoog"]))}
    # "Kollumerland c.a." is matched through its OWMS term to Kollumerland en Nieuwkruisland
    assert kg.query(P + "ASK { ?l org:organization fkgid:regeling\\/roo-24455503 ; org:member gm:gm0079 }")
    # a Belgian municipality is no Dutch one: kept under its ROO id, and reported
    folder = roo.read(FOLDER)
    _graph, report = regelingen.convert(folder, tooi.index(DATA))
    names = {n for r in records.values() for e in (r.get("gr_meta") or {}).get("deelnemende_organisaties") or []
             if not e.get("tooi") and (n := e["naam"]).startswith("Gemeente ")}
    assert set(report.unmatched) | {n for n, _ in report.matched} == names
    assert set(report.unmatched) == {"Gemeente Assenede", "Gemeente Beveren", "Gemeente Hamont-Achel", "Gemeente Kaprijke",
                                     "Gemeente Pelt", "Gemeente Sint-Gillis-Waas", "Gemeente Sint-Laureins",
                                     "Gemeente Stekene", "Gemeente Wachtebeke"}
    assert any("Gemeente Beveren" in line for line in report.lines())


def test_without_an_owms_term_a_municipality_is_matched_by_name_on_its_join_date(tmp_path):
    name = "gemeenschappelijke-regeling-bedrijfsvoeringsorganisatie-vijfheerenlanden.yaml"
    folder = _small_copy(tmp_path)
    text = (FOLDER / name).read_text(encoding="utf-8")
    assert "owms: http://standaarden.overheid.nl/owms/terms/Vianen" in text
    (folder / name).write_text("\n".join(line for line in text.splitlines() if "/owms/terms/Vianen" not in line),
                               encoding="utf-8")
    g, report = regelingen.convert(roo.read(folder), tooi.index(DATA))
    member = ns.ID["lidmaatschap/gr-27012843-gm0620"]
    assert (member, ns.ORG.member, ns.GM.gm0620) in g
    assert (member, ns.FKG.betrouwbaarheid, ns.ID["betrouwbaarheid/midden"]) in g
    assert report.by_name == {("Gemeente Vianen", "gm0620")}


def test_a_dissolved_municipality_still_listed_by_roo_gets_a_note(kg):
    rows = kg.select(P + """SELECT ?note WHERE { ?l org:member gm:gm0017 ; org:organization ?r ; skos:note ?note .
        ?r a fkg:Regeling FILTER(LANG(?note) = "nl" && CONTAINS(?note, "bestond volgens TOOI")) }""")
    assert rows and all("2018-12-31" in r["note"] for r in rows)  # Haren merged into Groningen on 2019-01-01


# --- bad input ------------------------------------------------------------------------------------------------------

def _small_copy(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / roo.FOLDER
    folder.mkdir()
    for name in names:
        shutil.copy(FOLDER / name, folder / name)
    return folder


def test_bad_records_are_reported_with_their_file_name_and_skipped(tmp_path):
    folder = _small_copy(tmp_path, "wm8ktd.yaml", "gemeenschappelijke-regeling-werkmaatschappij-8ktd-24961467.yaml",
                         "gemeenschappelijke-regeling-werkmaatschappij-8ktd-30471469.yaml")
    (folder / "kapot.yaml").write_text("names: [unclosed\n", encoding="utf-8")
    (folder / "zonder-id.yaml").write_text("names:\n- value: Iets\n", encoding="utf-8")
    (folder / "zz-dubbel.yaml").write_text((folder / "wm8ktd.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    version = (folder / "gemeenschappelijke-regeling-werkmaatschappij-8ktd-30471469.yaml").read_text(encoding="utf-8")
    (folder / "slechte-datum.yaml").write_text(
        version.replace("roo_id: '30471469'", "roo_id: '99999999'", 1)
               .replace("datum_inwerkingtreding: '2025-01-01'", "datum_inwerkingtreding: 'januari 2025'"),
        encoding="utf-8")
    read = roo.read(folder)
    reasons = {s.file: s.reason for s in read.skipped}
    assert set(reasons) == {"kapot.yaml", "zonder-id.yaml", "zz-dubbel.yaml", "slechte-datum.yaml"}
    assert "cannot read YAML" in reasons["kapot.yaml"]
    assert "roo_id" in reasons["zonder-id.yaml"]
    assert reasons["zz-dubbel.yaml"] == "ROO id 24961472 is also in wm8ktd.yaml"
    assert "datum_inwerkingtreding" in reasons["slechte-datum.yaml"] and "not a date" in reasons["slechte-datum.yaml"]
    assert (read.read, read.used, len(read.skipped)) == (7, 3, 4)
    g, _report = regelingen.convert(read, tooi.index(DATA))  # what is left still makes a graph
    assert (ns.ID["regeling/roo-24961467"], ns.RDF.type, ns.FKG.Regeling) in g


def test_the_build_says_how_many_records_it_read_used_and_skipped(capsys):
    from fusiekg.build import load_sources

    load_sources()
    err = capsys.readouterr().err
    assert "1639 read, 1638 used, 1 skipped" in err
    assert "skipped gemeenschappelijke-regeling-ombudscommissie-hoeksche-waard-24964305.yaml" in err
    assert "not matched to a TOOI municipality: 'Gemeente Beveren'" in err

