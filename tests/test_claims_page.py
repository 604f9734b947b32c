"""/telling: the sources' count claims next to the register's count, the same numbers as query 23 on the endpoint."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from fusiekg import resources
from fusiekg.namespaces import ID

QUERY = resources.path("queries", "23-telling-vs-register.rq")
CLAIMS = {str(ID["bevinding/telling-binnenlands-bestuur-2015-01-01"]): "2015-01-01",
          str(ID["bevinding/telling-nrc-2015-12-31"]): "2015-12-31"}


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.alternates: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "link" and a.get("rel") == "alternate" and "type" in a:  # not the other-language page
            self.alternates[a["type"]] = a["href"]


@pytest.fixture(scope="module")
def expected(kg) -> dict[str, dict]:
    """What query 23 answers when run directly on the store."""
    rows = {r["telling"]: r for r in kg.select(QUERY.read_text(encoding="utf-8"))}
    assert set(rows) == set(CLAIMS)  # both claims (article and NRC) are in the graph
    return rows


def test_json_gives_both_claims_with_the_query_numbers(client, expected):
    data = client.get("/telling.json").get_json()
    assert data["query_file"] == "queries/23-telling-vs-register.rq"
    got = {c["claim_iri"]: c for c in data["claims"]}
    assert set(got) == set(CLAIMS)
    for iri, c in got.items():
        row = expected[iri]
        assert c["reference_date"] == CLAIMS[iri] == row["peildatum"]
        assert c["claim"] == {"organisations": int(row["claimOrganisaties"]), "municipalities": int(row["claimGemeenten"])}
        assert c["register"] == {"organisations": int(row["registerOrganisaties"]),
                                 "municipalities": int(row["registerGemeenten"])}
        assert c["difference"]["organisations"] == c["claim"]["organisations"] - c["register"]["organisations"]
        assert c["difference"]["municipalities"] == c["claim"]["municipalities"] - c["register"]["municipalities"]
        assert [s["iri"] for s in c["sources"]] == row["bronnen"].split()
        assert len(c["register_organisations"]) == c["register"]["organisations"]
        assert all(o["iri"] and o["page"].startswith("/doc/samenwerking/") for o in c["register_organisations"])
        assert c["label"]["nl"] and c["label"]["en"]


def test_the_claims_are_sixteen_organisations_and_36_municipalities(client):
    for c in client.get("/telling", headers={"Accept": "application/json"}).get_json()["claims"]:
        assert c["claim"] == {"organisations": 16, "municipalities": 36}


def test_html_shows_numbers_sources_and_links_to_the_query(client, expected):
    r = client.get("/telling", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    html = r.get_data(as_text=True)
    page = _Hrefs()
    page.feed(html)
    for iri, row in expected.items():
        assert iri.replace("https://w3id.org/fusiekg/id/", "/doc/") in page.hrefs
        for n in (row["registerOrganisaties"], row["registerGemeenten"]):
            assert f'<td class="num">{n}</td>' in html
        for src in row["bronnen"].split():
            assert src.replace("https://w3id.org/fusiekg/id/", "/doc/") in page.hrefs
    query_links = [h for h in page.hrefs if h.startswith("/?query=")]
    assert query_links
    assert parse_qs(urlsplit(query_links[0]).query)["query"][0] == QUERY.read_text(encoding="utf-8")
    assert any(h.startswith("/sparql?query=") for h in page.hrefs)
    assert page.alternates == {"application/json": "/telling.json"}


def test_unsupported_accept_is_406(client):
    assert client.get("/telling", headers={"Accept": "image/png"}).status_code == 406


def test_e2e_page_and_endpoint_agree(server):
    data = requests.get(server + "/telling", headers={"Accept": "application/json"}).json()
    endpoint = requests.get(server + "/sparql", params={"query": QUERY.read_text(encoding="utf-8")},
                            headers={"Accept": "application/sparql-results+json"}).json()
    rows = {b["telling"]["value"]: b for b in endpoint["results"]["bindings"]}
    assert {c["claim_iri"] for c in data["claims"]} == set(rows) == set(CLAIMS)
    for c in data["claims"]:
        row = rows[c["claim_iri"]]
        assert c["register"]["organisations"] == int(row["registerOrganisaties"]["value"])
        assert c["register"]["municipalities"] == int(row["registerGemeenten"]["value"])
    html = requests.get(server + "/telling", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "Tellingen" in html.text
