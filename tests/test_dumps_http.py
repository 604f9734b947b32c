"""/dumps/: the index (HTML and JSON) of the build's dumps, downloads with the right headers, no path traversal."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from html.parser import HTMLParser

import pytest
import requests
from rdflib import Graph

from fusiekg.config import Settings
from fusiekg.web import create_app


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


@pytest.fixture(scope="module")
def dumps(kg) -> list[dict]:
    entries = kg.manifest["dumps"]
    assert {d["file"] for d in entries} >= {"all.nq.gz", "all.trig.gz", "register.ttl.gz"}
    return entries


def test_index_in_json_lists_every_dump_of_the_manifest(client, dumps):
    r = client.get("/dumps/", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    listed = {d["file"]: d for d in r.get_json()["dumps"]}
    assert set(listed) == {d["file"] for d in dumps}
    for d in dumps:
        got = listed[d["file"]]
        assert (got["bytes"], got["sha256"], got["graph"], got["format"]) == (d["bytes"], d["sha256"], d["graph"],
                                                                               d["format"])
        assert got["url"] == f"/dumps/{d['file']}" and got["iri"] == f"https://w3id.org/fusiekg/dumps/{d['file']}"
    assert client.get("/dumps/index.json").get_json()["dumps"] == r.get_json()["dumps"]


def test_index_in_html_links_every_file(client, dumps):
    r = client.get("/dumps/", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    p = _Hrefs()
    p.feed(r.get_data(as_text=True))
    html = r.get_data(as_text=True)
    for d in dumps:
        assert f"/dumps/{d['file']}" in p.hrefs and d["sha256"] in html
    assert client.get("/dumps").status_code == 301
    assert client.get("/dumps/", headers={"Accept": "image/png"}).status_code == 406


def test_every_file_downloads_with_type_length_etag_and_checksum(client, dumps):
    for d in dumps:
        r = client.get(f"/dumps/{d['file']}")
        body = r.get_data()
        assert r.status_code == 200, d["file"]
        assert r.headers["Content-Type"] == "application/gzip"
        assert "Content-Encoding" not in r.headers  # the file is the gzip, not an encoded RDF body
        assert r.headers["Content-Disposition"] == f"attachment; filename={d['file']}"
        assert int(r.headers["Content-Length"]) == d["bytes"] == len(body)
        assert r.headers["ETag"] == f'"{d["sha256"]}"'
        assert hashlib.sha256(body).hexdigest() == d["sha256"]


def test_a_graph_dump_holds_that_graph(client, kg):
    body = client.get("/dumps/register.ttl.gz").get_data()
    g = Graph().parse(data=gzip.decompress(body), format="turtle")
    assert len(g) == kg.manifest["graphs"]["https://w3id.org/fusiekg/graph/register"]


def test_if_none_match_answers_304(client, dumps):
    d = dumps[0]
    r = client.get(f"/dumps/{d['file']}", headers={"If-None-Match": f'"{d["sha256"]}"'})
    assert r.status_code == 304 and not r.get_data()


def test_range_request_gets_part_of_the_file(client, dumps):
    d = dumps[0]
    r = client.get(f"/dumps/{d['file']}", headers={"Range": "bytes=0-9"})
    assert r.status_code == 206 and len(r.get_data()) == 10


@pytest.mark.parametrize("path", [
    "/dumps/../manifest.json", "/dumps/..%2Fmanifest.json", "/dumps/%2e%2e/manifest.json",
    "/dumps/..%5Cmanifest.json", "/dumps/manifest.json", "/dumps/oxigraph", "/dumps/.", "/dumps/%2Fetc%2Fpasswd",
])
def test_no_path_traversal(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert b"build_id" not in r.get_data() and b"root:" not in r.get_data()


def test_unknown_file_is_404_listing_the_files(client):
    r = client.get("/dumps/nope.nq.gz")
    assert r.status_code == 404
    assert "all.nq.gz" in r.get_data(as_text=True)


def test_listed_but_missing_or_unsafe_entries_are_not_served(store_dir, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "dumps" / "register.ttl.gz").unlink()
    manifest["dumps"].append({"file": "../manifest.json", "bytes": 1, "sha256": "0" * 64, "graph": None,
                              "format": "application/n-quads"})
    (copy / "manifest.json").write_text(json.dumps(manifest))
    app = create_app(Settings(store_dir=copy))
    try:
        c = app.test_client()
        r = c.get("/dumps/register.ttl.gz")
        assert r.status_code == 404 and "missing" in r.get_data(as_text=True)
        files = [d["file"] for d in c.get("/dumps/", headers={"Accept": "application/json"}).get_json()["dumps"]]
        assert "../manifest.json" not in files
        assert c.get("/dumps/..%2Fmanifest.json").status_code == 404
    finally:
        app.extensions["fusiekg"].close()


def test_no_store_is_a_clear_503(tmp_path):
    app = create_app(Settings(store_dir=tmp_path / "nothing"))
    r = app.test_client().get("/dumps/")
    assert r.status_code == 503 and "fusiekg build" in r.get_data(as_text=True)


def test_e2e_download_from_the_real_server(server, dumps):
    index = requests.get(server + "/dumps/", headers={"Accept": "application/json"}).json()
    entry = next(d for d in index["dumps"] if d["file"] == "all.nq.gz")
    r = requests.get(server + entry["url"])
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/gzip"
    assert int(r.headers["Content-Length"]) == entry["bytes"] == len(r.content)
    assert hashlib.sha256(r.content).hexdigest() == entry["sha256"] == r.headers["ETag"].strip('"')
    assert gzip.decompress(r.content).count(b"\n") == index["triples"]  # one quad per line
