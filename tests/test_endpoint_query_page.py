"""The query page at / (Flask test client; the browser test drives it in chromium): YASGUI served from our own
files (unmodified, with its licences), examples from queries/ in the page's language, our prefixes, a shareable
link, a form without JavaScript."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from fusiekg import resources, web
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
    for e, f in zip(data["examples"], files, strict=True):
        assert e["title"] == parse_example(f).title  # Dutch: the page's default language
        assert " / " not in e["description"], "one language per page"
        assert re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", e["query"], re.I), e["slug"]
        assert not e["query"].lstrip().startswith("# title")  # the header lines are not part of the query
        assert f'value="{e["slug"]}"' in html
    english = page_data(client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert english["lang"] == "en"
    assert [e["title"] for e in english["examples"]] == [parse_example(f).title_en for f in files]


def test_example_headers_are_parsed(tmp_path):
    f = tmp_path / "07-x.rq"
    f.write_text("# title: Titel\n# title@en: Title\n# description: Wat / What\n\nPREFIX a: <http://a/>\n"
                 "# a comment in the query\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    ex = parse_example(f)
    assert (ex.slug, ex.title, ex.title_en, ex.description, ex.description_en) == ("07-x", "Titel", "Title", "Wat",
                                                                                   "What")
    assert ex.query.startswith("PREFIX a:") and "# a comment in the query" in ex.query
    g = tmp_path / "09-y.rq"
    g.write_text("# title: T\n# description: alleen Nederlands\n# description@en: English on its own line\nASK {}\n",
                 encoding="utf-8")
    assert (parse_example(g).description, parse_example(g).description_en) == ("alleen Nederlands",
                                                                               "English on its own line")
    (tmp_path / "08-broken.rq").write_bytes(b"# title: \xff\xfe\nSELECT")
    assert [e.slug for e in load_examples(tmp_path)] == ["07-x", "09-y"]  # an unreadable file is skipped, not fatal


def test_default_query_declares_the_common_prefixes(client):
    html = client.get("/").get_data(as_text=True)
    plain = re.search(r'<textarea id="query-plain"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    data = page_data(html)
    for p, iri in PREFIXES.items():
        assert f"PREFIX {p}: &lt;{iri}&gt;" in plain
        assert f"PREFIX {p}: <{iri}>" in data["defaultQuery"]
    assert data["prefixes"] == PREFIXES


def test_shared_link_opens_with_the_query(client):
    q = 'SELECT ?x WHERE { BIND("<b>één</b>" AS ?x) }'
    html = client.get("/", query_string={"query": q}).get_data(as_text=True)
    assert "BIND(&#34;&lt;b&gt;één&lt;/b&gt;&#34; AS ?x)" in html  # in the form without JavaScript; YASGUI reads the URL
    assert "<b>één</b>" not in html  # escaped, never markup


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
    assert any("vendor/yasgui/yasgui.min.js" in u for u in parser.urls)
    for url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), f"external asset {url}"
        if url.startswith("/"):
            resp = client.get(url)
            assert resp.status_code == 200, url
            if "/vendor/" in url:
                continue  # YASGUI's bundle names hosts in texts it never fetches; the browser test proves it
            body = resp.get_data(as_text=True)
            assert not re.search(r"""(?:src|href|url|import)\s*[=(]\s*["']?(?:https?:)?//""", body), url


def test_vendored_yasgui_is_unmodified_and_licensed(client):
    folder = Path(web.__file__).parent / "static" / "vendor" / "yasgui"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for name in ("yasgui.min.js", "yasgui.min.css"):
        listed = re.search(rf"sha256 `{re.escape(name)}` \| `([0-9a-f]{{64}})`", readme).group(1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == listed, f"{name} differs from npm's"
        assert client.get(f"/static/vendor/yasgui/{name}").status_code == 200
    assert "MIT License" in (folder / "LICENSE").read_text(encoding="utf-8")
    third = (folder / "THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")
    for package in ("codemirror@", "datatables.net@", "jquery@", "dompurify@", "sortablejs@"):
        assert package in third
    html = client.get("/").get_data(as_text=True)
    assert "/static/vendor/yasgui/THIRD-PARTY-LICENSES.txt" in html  # the page says whose code it runs


def test_page_works_without_javascript_as_a_form(client):
    html = client.get("/").get_data(as_text=True)
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S).group(1)
    assert '<form class="q-plain" action="/sparql" method="get">' in noscript
    assert '<select name="format">' in noscript  # a plain GET with an explicit format
    resp = client.get("/sparql", query_string={"query": "ASK {}", "format": "json"},
                      headers={"Accept": "text/html,*/*;q=0.8"})
    assert resp.status_code == 200 and resp.json["boolean"] is True
