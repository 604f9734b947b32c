"""HTTP caching and compression (Flask test client): pages and their twins answer 304 when the client's copy is
current (validators from the build id), static files are versioned and immutable, text answers are compressed for
clients that ask, and nothing breaks what it must not (errors, dumps and their ranges, HEAD, Content-Length)."""

from __future__ import annotations

import gzip
import re
import zlib

import brotli
import pytest
from flask import Response

from fusiekg.config import Settings
from fusiekg.web import compression, create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
PAGES = ["/", "/sparql", "/doc/samenwerking/bar", "/doc/samenwerking/bar.ttl", "/def", "/def.ttl", "/tijdlijn",
         "/telling", "/telling.json", "/dumps/", "/dumps/index.json", "/zoek?q=berg", "/validate", "/graph/article"]


@pytest.fixture
def app(store_dir):
    app = create_app(Settings(store_dir=store_dir))
    yield app
    app.extensions["fusiekg"].close()


@pytest.mark.parametrize("path", PAGES)
def test_pages_and_twins_answer_304_when_the_copy_is_current(client, path):
    r = client.get(path, headers=BROWSER)
    assert r.status_code == 200
    etag, modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag.startswith('W/"') and r.headers["Cache-Control"] == "no-cache"
    again = client.get(path, headers={**BROWSER, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    since = client.get(path, headers={**BROWSER, "If-Modified-Since": modified})
    assert since.status_code == 304
    head = client.head(path, headers=BROWSER)
    assert head.status_code == 200 and head.headers["ETag"] == etag and head.data == b""


def test_the_validator_differs_by_language_and_format(client):
    nl = client.get("/doc/samenwerking/bar", headers={**BROWSER, "Accept-Language": "nl"}).headers["ETag"]
    en = client.get("/doc/samenwerking/bar", headers={**BROWSER, "Accept-Language": "en"}).headers["ETag"]
    turtle = client.get("/doc/samenwerking/bar", headers={"Accept": "text/turtle"}).headers["ETag"]
    assert len({nl, en, turtle}) == 3
    stale = client.get("/doc/samenwerking/bar", headers={**BROWSER, "Accept-Language": "en", "If-None-Match": nl})
    assert stale.status_code == 200 and '<html lang="en">' in stale.text  # the Dutch copy does not do for English


def test_a_304_is_answered_before_the_page_runs_a_query(app):
    client = app.test_client()
    etag = client.get("/telling", headers=BROWSER).headers["ETag"]

    def no_queries(*_args, **_kwargs):
        raise AssertionError("a current copy must not make the page run its queries")

    app.extensions["fusiekg"].run = no_queries
    assert client.get("/telling", headers={**BROWSER, "If-None-Match": etag}).status_code == 304


def test_a_new_build_changes_the_validators(app, monkeypatch):
    client = app.test_client()
    first = client.get("/def", headers=BROWSER).headers["ETag"]
    st = app.extensions["fusiekg"]
    manifest = st.manifest()
    monkeypatch.setattr(st, "manifest", lambda: {**manifest, "build_id": "a-newer-build"})
    r = client.get("/def", headers={**BROWSER, "If-None-Match": first})
    assert r.status_code == 200 and r.headers["ETag"] != first


@pytest.mark.parametrize("path", ["/doc/samenwerking/bestaat-niet", "/tijdlijn?datum=gisteren", "/zoek?q=" + "x" * 300,
                                  "/def/GeenTerm", "/dumps/geen.nq.gz"])
def test_errors_carry_no_validators(client, path):
    r = client.get(path, headers=BROWSER)
    assert r.status_code >= 400
    assert "ETag" not in r.headers and "Last-Modified" not in r.headers
    assert "no-cache" not in r.headers.get("Cache-Control", "") and "immutable" not in r.headers.get("Cache-Control", "")


def test_static_files_are_versioned_and_immutable(client):
    html = client.get("/", headers=BROWSER).text
    css = re.search(r'href="(/static/fusiekg\.css\?v=[0-9a-f]{12})"', html).group(1)
    r = client.get(css)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(css, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    for other in ("/static/fusiekg.css", "/static/fusiekg.css?v=000000000000"):
        assert client.get(other).headers["Cache-Control"] == "no-cache"  # not the current version: ask each time
    assert '/static/vendor/yasgui/yasgui.min.js?v=' in html


# --- compression --------------------------------------------------------------------------------------------------

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.mark.parametrize("coding", list(DECODE))
@pytest.mark.parametrize("path", ["/", "/doc/samenwerking/bar", "/doc/samenwerking/bar.ttl", "/dumps/index.json",
                                  "/static/vendor/yasgui/yasgui.min.js", "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2050"])
def test_text_is_compressed_for_clients_that_ask(client, path, coding):
    plain = client.get(path, headers={**BROWSER, "Accept": "*/*"})
    packed = client.get(path, headers={"Accept": "*/*", "Accept-Encoding": coding})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == coding
    assert "accept-encoding" in packed.headers["Vary"].lower()
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    assert DECODE[coding](packed.data) == plain.data
    head = client.head(path, headers={"Accept": "*/*", "Accept-Encoding": coding})
    assert head.headers["Content-Length"] == packed.headers["Content-Length"]  # HEAD says what GET sends


def test_dumps_are_sent_as_they_are_with_ranges(client):
    name = client.get("/dumps/index.json").json["dumps"][0]["file"]
    whole = client.get(f"/dumps/{name}", headers={"Accept-Encoding": "gzip, br"})
    assert whole.status_code == 200 and "Content-Encoding" not in whole.headers
    assert whole.headers["Content-Type"] == "application/gzip" and int(whole.headers["Content-Length"]) == len(whole.data)
    part = client.get(f"/dumps/{name}", headers={"Accept-Encoding": "gzip, br", "Range": "bytes=10-109"})
    assert part.status_code == 206 and part.data == whole.data[10:110] and "Content-Encoding" not in part.headers


def test_a_large_streamed_body_is_sent_uncompressed_with_its_length(client, monkeypatch):
    monkeypatch.setattr(compression, "BUFFER_LIMIT", 1000)
    r = client.get("/static/vendor/yasgui/yasgui.min.css", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and "Content-Encoding" not in r.headers
    assert int(r.headers["Content-Length"]) == len(r.data) > 1000


def test_a_body_of_unknown_length_is_compressed_chunk_by_chunk(store_dir):
    app = create_app(Settings(store_dir=store_dir))
    chunks = [f"regel {i}\n".encode() * 200 for i in range(50)]
    app.add_url_rule("/test-stream", "test_stream", lambda: Response(iter(chunks), mimetype="text/plain"))
    r = app.test_client().get("/test-stream", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Content-Length" not in r.headers
    assert zlib.decompress(r.data, 16 + zlib.MAX_WBITS) == b"".join(chunks)
    app.extensions["fusiekg"].close()


def test_errors_and_304s_are_not_compressed(client):
    r = client.get("/doc/samenwerking/bestaat-niet", headers={**BROWSER, "Accept-Encoding": "gzip"})
    assert r.status_code == 404 and "Content-Encoding" not in r.headers
    etag = client.get("/def", headers=BROWSER).headers["ETag"]
    r = client.get("/def", headers={**BROWSER, "Accept-Encoding": "gzip", "If-None-Match": etag})
    assert r.status_code == 304 and r.data == b"" and "accept-encoding" in r.headers["Vary"].lower()
