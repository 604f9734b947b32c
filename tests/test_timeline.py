"""The timeline page (/tijdlijn) and its query (queries/30-tijdlijn.rq) on the real built store.

The page draws whatever query 30 answers, so most checks are on the query's rows: one per cooperation, with the
dates, forms, endings and memberships the register holds, and enough to count what was active on a date exactly
as query 20 does (the rule the page's script applies; the browser test checks the script itself).
"""

from __future__ import annotations

import json
import re

import pytest
import requests

from fusiekg import resources
from fusiekg.config import Settings
from fusiekg.web import create_app
from fusiekg.web.query_page import parse_example

QUERY_PATH = resources.path("queries", "30-tijdlijn.rq")
FULL_FORMS = {"werkorganisatie", "centrumconstructie"}


def timeline_query() -> str:
    return parse_example(QUERY_PATH).query


def query_20_on(day: str) -> str:
    text = parse_example(resources.path("queries", "20-actief-op-datum.rq")).query
    assert '"2015-01-01"^^xsd:date' in text
    return text.replace('"2015-01-01"^^xsd:date', f'"{day}"^^xsd:date')


def members(row: dict) -> list[dict[str, str]]:
    """?leden as documented in the query's description: `code|name|role|from|until|exists|lastDay` joined by ` ; `."""
    keys = ("code", "name", "role", "from", "until", "exists", "last_day")
    return [dict(zip(keys, part.split("|"), strict=True)) for part in row.get("leden", "").split(" ; ") if part]


def ref(row: dict) -> str:
    return row["samenwerking"].rsplit("/", 1)[-1]


def form(row: dict) -> str:
    return row["vorm"].rsplit("/", 1)[-1] if "vorm" in row else "onbekend"


def active_full_fusions(rows: list[dict], day: str) -> tuple[set[str], set[str]]:
    """The page's rule (static/timeline.js, after query 20): organisations and municipalities active on `day`."""
    orgs, municipalities = set(), set()
    for row in rows:
        start, end = row.get("startDag"), row.get("eindDag")
        if form(row) not in FULL_FORMS or not start or start > day or (end and end <= day):
            continue
        live = [m for m in members(row) if (not m["until"] or m["until"] > day)
                and (not m["exists"] or m["exists"] <= day) and (not m["last_day"] or m["last_day"] >= day)]
        if live:
            orgs.add(ref(row))
            municipalities.update(m["code"] for m in live)
    return orgs, municipalities


@pytest.fixture(scope="module")
def rows(kg) -> list[dict[str, str]]:
    return kg.select(timeline_query())


@pytest.fixture(scope="module")
def by_ref(rows) -> dict[str, dict[str, str]]:
    return {ref(r): r for r in rows}


# --- the query ----------------------------------------------------------------------------------------------------

def test_query_file_has_the_header_the_query_page_lists():
    lines = QUERY_PATH.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: ") and lines[1].startswith("# title@en: ")
    assert lines[2].startswith("# description: ") and "?leden" in lines[2]
    example = parse_example(QUERY_PATH)
    assert example.slug == "30-tijdlijn" and example.query.lstrip().startswith("PREFIX")


def test_one_row_per_cooperation_in_the_register(kg, rows):
    cooperations = kg.select("PREFIX fkg: <https://w3id.org/fusiekg/def/> "
                             "SELECT DISTINCT ?s WHERE { ?s a fkg:AmbtelijkeSamenwerking }")
    assert len(rows) == len({ref(r) for r in rows}) == len(cooperations) > 20
    assert all(r["naam"] and members(r) for r in rows)
    days = [r["startDag"] for r in rows if "startDag" in r]
    assert days == sorted(days), "rows come in order of start"


def test_bar_runs_2014_to_2024_and_ended_without_dissolution(by_ref):
    bar = by_ref["bar"]
    assert (bar["startDag"], bar["eindDag"], bar["eind"]) == ("2014-01-01", "2024-01-01", "2024")
    assert form(bar) == "werkorganisatie" and bar["einde"] == "beëindigd" and "herindelingen" not in bar
    assert {m["name"] for m in members(bar)} == {"Albrandswaard", "Barendrecht", "Ridderkerk"}
    assert {m["until"] for m in members(bar)} == {"2024-01-01"}


def test_bel_runs_from_2008_and_has_not_ended(by_ref):
    bel = by_ref["bel"]
    assert bel["startDag"] == "2008-01-01" and "eindDag" not in bel and bel["einde"] == ""
    assert {m["name"] for m in members(bel)} == {"Blaricum", "Eemnes", "Laren"}


def test_centrumconstructie_names_its_host(by_ref):
    aa = by_ref["aa"]
    assert form(aa) == "centrumconstructie"
    assert {(m["name"], m["role"]) for m in members(aa)} == {("Amstelveen", "centrumgemeente"), ("Aalsmeer", "deelnemer")}


def test_every_form_and_an_unknown_one_appear(rows):
    assert {form(r) for r in rows} == {"werkorganisatie", "centrumconstructie", "bedrijfsvoeringssamenwerking",
                                       "onbekend"}


def test_endings_say_why(by_ref):
    cgm = by_ref["cgm"]
    assert cgm["einde"] == "herindeling" and cgm["eindDag"] == "2022-01-01"
    day, name, kind, iri = cgm["herindelingen"].split("|")
    assert (day, name, kind) == ("2022-01-01", "Land van Cuijk", "Samenvoeging")
    assert iri.startswith("https://identifier.overheid.nl/tooi/id/gemeente/wzg_")
    assert by_ref["boh"]["einde"] == "opgeheven" and by_ref["boh"]["eindreden"]
    deal = by_ref["deal"]  # two mergers ended the DEAL cooperation
    assert {h.split("|")[1] for h in deal["herindelingen"].split(" ; ")} == {"Het Hogeland", "Eemsdelta"}


def test_unknown_start_is_kept_with_the_source_text(by_ref):
    gsl = by_ref["gsl-friese-meren"]
    assert "startDag" not in gsl and gsl["startBron"] == "onbekend (vóór 2013)"
    assert gsl["einde"] == "herindeling" and "De Friese Meren" in gsl["herindelingen"]


def test_membership_dates_differ_from_the_organisation_where_the_register_says_so(by_ref):
    swo = by_ref["swo"]
    assert swo["startDag"] == "2015-01-01"
    assert {m["from"] for m in members(swo)} == {"2015-08-01"}


@pytest.mark.parametrize("day", ["2010-06-15", "2015-01-01", "2019-01-01", "2020-01-01", "2023-06-01"])
def test_rows_count_active_fusions_as_query_20_does(kg, rows, day):
    orgs, municipalities = active_full_fusions(rows, day)
    expected = kg.select(query_20_on(day))
    assert orgs == {r["samenwerking"].rsplit("/", 1)[-1] for r in expected}
    assert municipalities == {r["gemeente"].rsplit("/", 1)[-1] for r in expected}


def test_default_date_gives_the_registers_16_fusions_with_36_municipalities(rows):
    orgs, municipalities = active_full_fusions(rows, "2015-01-01")  # 15 of the first register, plus 8KTD
    assert (len(orgs), len(municipalities)) == (16, 36)


# --- the page -----------------------------------------------------------------------------------------------------

def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="tl-data">(.*?)</script>', html, re.S)
    assert m, "the page carries its data for the script"
    return json.loads(m.group(1))


def test_page_loads_with_slider_table_and_the_query(client):
    resp = client.get("/tijdlijn")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    data = page_data(html)
    assert data["query"] == timeline_query() and data["endpoint"] == "sparql" and data["date"] == "2015-01-01"
    assert '<input type="range" id="tl-slider"' in html and '<label for="tl-slider">' in html
    assert '<details id="tl-table-wrap"' in html and "<table" in html
    assert "/static/timeline.js" in html and "/static/timeline.css" in html
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html), "no external (CDN) resources"


def test_page_takes_a_date(client):
    assert page_data(client.get("/tijdlijn?datum=2020-03-04").get_data(as_text=True))["date"] == "2020-03-04"


@pytest.mark.parametrize("bad", ["2015-13-01", "gisteren", "2015-1-1", ""])
def test_a_bad_date_is_a_clear_400(client, bad):
    resp = client.get("/tijdlijn", query_string={"datum": bad}, headers={"Accept": "text/plain"})
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "datum" in body and "YYYY-MM-DD" in body


def test_script_and_style_are_served(client):
    js = client.get("/static/timeline.js")
    assert js.status_code == 200 and "application/sparql-results+json" in js.get_data(as_text=True)
    assert client.get("/static/timeline.css").status_code == 200


def test_a_missing_query_file_is_reported_not_crashed(store_dir, tmp_path):
    app = create_app(Settings(store_dir=store_dir), config={"FUSIEKG_QUERIES_DIR": str(tmp_path)})
    resp = app.test_client().get("/tijdlijn", headers={"Accept": "text/plain"})
    assert resp.status_code == 503 and "30-tijdlijn.rq" in resp.get_data(as_text=True)


def test_the_endpoint_answers_the_pages_request(server, rows):
    """The request the page's script sends (POST, sparql-query body, SPARQL JSON) gets the same rows."""
    resp = requests.post(server + "/sparql", data=timeline_query().encode("utf-8"), timeout=30,
                         headers={"Content-Type": "application/sparql-query",
                                  "Accept": "application/sparql-results+json"})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/sparql-results+json")
    bindings = resp.json()["results"]["bindings"]
    assert [b["samenwerking"]["value"] for b in bindings] == [r["samenwerking"] for r in rows]
