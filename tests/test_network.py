"""The regelingen of a municipality on a date: on `/netwerk/{gm}` with its JSON twin, and on the municipality page;
a regeling's page with its versions, participants and sources. Against the real build, through the Flask client."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from rdflib import Graph

from fusiekg import namespaces as ns
from fusiekg import resources
from fusiekg.web import caching

BROWSER = {"Accept": "text/html"}
LEEUWARDEN = str(ns.GM.gm0080)


def query_rows(kg, number: int, municipality: str, day: str) -> list[dict]:
    text = next(resources.path("queries").glob(f"{number:02d}-*.rq")).read_text(encoding="utf-8")
    return kg.select(text.replace('(gm:gm0080 "2025-01-01"^^xsd:date)', f'(<{municipality}> "{day}"^^xsd:date)'))


def test_the_json_twin_gives_what_queries_40_and_45_answer(client, kg):
    r = client.get("/netwerk/gm0080.json?datum=2025-01-01")
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = r.get_json()
    assert data["gemeente"] == {"iri": LEEUWARDEN, "naam": "Leeuwarden", "naam_lang": None,
                                "href": "/doc/gemeente/gm0080"}
    assert data["datum"] == "2025-01-01"
    regs = query_rows(kg, 40, LEEUWARDEN, "2025-01-01")
    assert {x["iri"] for x in data["regelingen"]} == {x["regeling"] for x in regs} and len(regs) == 11
    partners = query_rows(kg, 45, LEEUWARDEN, "2025-01-01")
    assert [(p["iri"], p["gedeeld"]) for p in data["partners"]] == [(p["partner"], int(p["gedeeld"])) for p in partners]
    achtkarspelen = next(p for p in data["partners"] if p["naam"] == "Achtkarspelen")
    assert achtkarspelen["gedeeld"] == len(achtkarspelen["regelingen"]) == 6
    assert set(achtkarspelen["regelingen"]) <= {x["iri"] for x in data["regelingen"]}
    assert sum(v["aantal"] for v in data["vormen"]) == 11
    assert {v["iri"].rsplit("/", 1)[-1] for v in data["vormen"]} == {"centrumgemeente", "openbaar-lichaam"}
    # the queries it ran are there for anyone to run again
    assert "<https://identifier.overheid.nl/tooi/id/gemeente/gm0080>" in data["queries"]["regelingen"]


def test_the_network_page_says_it_in_text_too(client):
    html = client.get("/netwerk/gm0080?datum=2025-01-01", headers={**BROWSER, "Accept-Language": "nl"}).text
    assert 'data-src="/netwerk/gm0080.json?datum=2025-01-01"' in html
    assert re.search(r"deel aan <strong>11</strong>\s+gemeenschappelijke regelingen, met <strong>21</strong>", html)
    assert "Gemeenschappelijke regeling Veiligheidsregio Fryslân" in html and "Achtkarspelen" in html
    en = client.get("/netwerk/gm0080?datum=2025-01-01", headers={**BROWSER, "Accept-Language": "en"}).text
    assert "took part in <strong>11</strong>" in en and "host municipality" in en


def test_bad_requests_are_clear_errors(client):
    assert client.get("/netwerk/gm0080?datum=gisteren").status_code == 400
    assert "YYYY-MM-DD" in client.get("/netwerk/gm0080?datum=2025-13-01").get_data(as_text=True)
    r = client.get("/netwerk/leeuwarden")
    assert r.status_code == 404 and "gm0080" in r.get_data(as_text=True)
    assert client.get("/netwerk/gm9999").status_code == 404
    assert client.get("/netwerk/gm0080.ttl").status_code == 404


def test_the_municipality_page_lists_its_regelingen_on_a_date(client, kg):
    html = client.get("/doc/gemeente/gm0489?datum=2015-06-01", headers={**BROWSER, "Accept-Language": "nl"}).text
    rows = query_rows(kg, 40, str(ns.GM.gm0489), "2015-06-01")
    assert rows and all(r["naam"] in html for r in rows)
    assert 'value="2015-06-01"' in html and 'data-src="/netwerk/gm0489.json?datum=2015-06-01"' in html
    assert 'href="/netwerk/gm0489?datum=2015-06-01"' in html
    # without a date: today
    today = client.get("/doc/gemeente/gm0489", headers={**BROWSER, "Accept-Language": "nl"}).text
    assert f'value="{date.today().isoformat()}"' in today


def test_a_municipality_page_without_a_date_changes_its_etag_with_the_day(client, monkeypatch):
    first = client.get("/doc/gemeente/gm0489", headers=BROWSER).headers["ETag"]
    dated = client.get("/doc/gemeente/gm0489?datum=2015-06-01", headers=BROWSER).headers["ETag"]

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date.fromordinal(date.today().toordinal() + 1)

    monkeypatch.setattr(caching, "date", Tomorrow)
    assert client.get("/doc/gemeente/gm0489", headers=BROWSER).headers["ETag"] != first
    assert client.get("/doc/gemeente/gm0489?datum=2015-06-01", headers=BROWSER).headers["ETag"] == dated


def test_a_regeling_page_shows_its_versions_participants_and_sources(client):
    html = client.get("/doc/regeling/roo-28067656", headers={**BROWSER, "Accept-Language": "nl"}).text
    versions = re.findall(r'<a href="/doc/regelingversie/roo-(\d+)"[^>]*>(\d+)</a>', html)
    assert [v for v, _ in versions] == ["28067656", "28355148", "29429388", "30478770"]
    assert "https://organisaties.overheid.nl/28355148/" in html  # each version's ROO page
    for name in ("Blaricum", "Eemnes", "Laren"):
        assert name in html
    assert "/doc/bron/roo-28067656" in html
    g = Graph().parse(data=client.get("/doc/regeling/roo-28067656.ttl").get_data(), format="turtle")
    assert (ns.ID["regeling/roo-28067656"], ns.DCTERMS.hasVersion, ns.ID["regelingversie/roo-30478770"]) in g


@pytest.mark.parametrize("path", ["/netwerk/gm0080?datum=2025-01-01", "/netwerk/gm0080.json?datum=2025-01-01"])
def test_network_answers_are_cacheable(client, path):
    r = client.get(path)
    again = client.get(path, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert json.loads(r.data) if path.endswith(".json") else r.data


def test_the_network_is_negotiated_like_every_page_with_a_twin(client):
    """/netwerk/gm0080 answered HTML whatever a client asked for: a script asking for JSON got the page, and a client
    that accepts neither got a 200 instead of a 406."""
    twin = client.get("/netwerk/gm0080.json?datum=2025-01-01")
    r = client.get("/netwerk/gm0080?datum=2025-01-01", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.mimetype == "application/json" and r.get_json() == twin.get_json()
    assert "accept" in r.headers["Vary"].lower()
    for accept in ("text/html", "*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"):
        page = client.get("/netwerk/gm0080?datum=2025-01-01", headers={"Accept": accept})
        assert page.status_code == 200 and page.mimetype == "text/html", accept
    refused = client.get("/netwerk/gm0080", headers={"Accept": "image/png"})
    assert refused.status_code == 406 and "application/json" in refused.get_data(as_text=True)
    # the JSON and the page of the same URL are different answers to a cache
    assert r.headers["ETag"] != client.get("/netwerk/gm0080?datum=2025-01-01", headers=BROWSER).headers["ETag"]


def test_dutch_names_on_an_english_network_page_are_marked_as_dutch(client):
    """The regelingen's names exist only in Dutch: an English page shows them marked lang="nl", as every other page
    marks a label that is not in its language (they passed for English); a Dutch page needs no mark."""
    en = client.get("/netwerk/gm0080?datum=2025-01-01&lang=en", headers=BROWSER).text
    nl = client.get("/netwerk/gm0080?datum=2025-01-01&lang=nl", headers=BROWSER).text
    name = "Gemeenschappelijke regeling Veiligheidsregio Fryslân"
    assert re.search(r'<a href="/doc/regeling/[^"]+" lang="nl">' + name + "</a>", en)
    assert re.search(r'<a href="/doc/regeling/[^"]+">' + name + "</a>", nl)
    assert re.search(r'<a href="/doc/gemeente/gm0080" lang="nl">Leeuwarden</a></h1>', en)
    # the municipality page shows the same table
    page = client.get("/doc/gemeente/gm0080?datum=2025-01-01&lang=en", headers=BROWSER).text
    assert re.search(r'<a href="/doc/regeling/[^"]+" lang="nl">' + name + "</a>", page)
