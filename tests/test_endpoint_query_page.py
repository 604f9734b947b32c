"""The query page at / (Flask test client; the browser test drives it in chromium): examples from queries/,
prefixes declared, a shareable link, self-contained assets (no CDN)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from fusiekg import resources
from fusiekg.config import Settings
from fusiekg.namespaces import PREFIXES
from fusiekg.web import create_app
from fusiekg.web.query_page import load_examples, parse_example


class _Assets(HTMLParser):
    """Every URL the page makes the browser load (scripts, styles, images, icons)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert m, "the page carries its data for the script"
    return json.loads(m.group(1))


def test_page_lists_every_example_query(client):
    files = sorted(resources.path("queries").glob("*.rq"))
    assert files, "queries/ holds example queries"
    resp = client.get("/")
    assert resp.status_code == 200 and resp.content_type == "text/html; charset=utf-8"
    html = resp.get_data(as_text=True)
    data = page_data(html)
    assert [e["slug"] for e in data["examples"]] == [f.stem for f in files]
    for e in data["examples"]:
        assert e["title"] and e["title_en"]
        assert re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", e["query"], re.I), e["slug"]
        assert not e["query"].lstrip().startswith("# title")  # the header lines are not part of the query
        assert f'value="{e["slug"]}"' in html


def test_example_headers_are_parsed(tmp_path):
    f = tmp_path / "07-x.rq"
    f.write_text("# title: Titel\n# title@en: Title\n# description: Wat / What\n\nPREFIX a: <http://a/>\n"
                 "# a comment in the query\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    ex = parse_example(f)
    assert (ex.slug, ex.title, ex.title_en, ex.description) == ("07-x", "Titel", "Title", "Wat / What")
    assert ex.query.startswith("PREFIX a:") and "# a comment in the query" in ex.query
    (tmp_path / "08-broken.rq").write_bytes(b"# title: \xff\xfe\nSELECT")
    assert [e.slug for e in load_examples(tmp_path)] == ["07-x"]  # an unreadable file is skipped, not fatal


def test_default_query_declares_the_common_prefixes(client):
    html = client.get("/").get_data(as_text=True)
    editor = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    for p, iri in PREFIXES.items():
        assert f"PREFIX {p}: &lt;{iri}&gt;" in editor
    assert page_data(html)["prefixes"] == PREFIXES


def test_shared_link_opens_with_the_query(client):
    q = 'SELECT ?x WHERE { BIND("<b>één</b>" AS ?x) }'
    html = client.get("/", query_string={"query": q}).get_data(as_text=True)
    assert "BIND(&#34;&lt;b&gt;één&lt;/b&gt;&#34; AS ?x)" in html
    assert "<b>één</b>" not in html  # escaped, never markup
    assert page_data(html)["autorun"] is True


def test_own_iris_link_to_this_server(client, store_dir):
    data = page_data(client.get("/").get_data(as_text=True))
    assert data["base"] == "https://w3id.org/fusiekg/" and data["localBase"] == "/"
    app = create_app(Settings(store_dir=store_dir, public_base="https://fusiekg.example.org/"))
    data = page_data(app.test_client().get("/").get_data(as_text=True))
    assert data["localBase"] == "https://fusiekg.example.org/"


def test_no_cdn_every_asset_is_served_here(client):
    html = client.get("/").get_data(as_text=True)
    parser = _Assets()
    parser.feed(html)
    assert parser.urls
    for url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), f"external asset {url}"
        if url.startswith("/"):
            resp = client.get(url)
            assert resp.status_code == 200, url
            body = resp.get_data(as_text=True)
            assert not re.search(r"""(?:src|href|url|import)\s*[=(]\s*["']?(?:https?:)?//""", body), url


def test_page_works_without_javascript_as_a_form(client):
    html = client.get("/").get_data(as_text=True)
    assert '<form id="query-form" action="/sparql" method="get">' in html
    assert '<select name="format">' in html  # inside <noscript>: a plain GET with an explicit format
    resp = client.get("/sparql", query_string={"query": "ASK {}", "format": "json"},
                      headers={"Accept": "text/html,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.json["boolean"] is True
