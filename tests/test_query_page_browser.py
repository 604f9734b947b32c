"""The query page in a real browser: Debian's headless chromium driven by Playwright, against a real server.

Never runs `playwright install` (no downloads): it uses /usr/bin/chromium, and skips when that is absent.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from fusiekg.store import read_manifest

WAIT_MS = 30_000




@pytest.fixture
def page(browser, server):
    """A fresh page that records every URL the browser asks for and every script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.requested = []
    pg.errors = []
    pg.on("request", lambda r: pg.requested.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def test_pick_an_example_run_it_and_see_rows(page, server):
    page.goto(server + "/")
    options = page.locator("#examples option")
    assert options.count() > 1, "the page lists example queries"
    page.select_option("#examples", index=1)
    slug = page.eval_on_selector("#examples", "e => e.value")
    assert page.input_value("#query").strip(), "picking an example fills the editor"
    assert page.locator("#highlight .tok-keyword").count() > 0, "the editor highlights SPARQL"
    page.click("#run")
    page.wait_for_selector("table.results tbody tr", timeout=WAIT_MS)
    rows = page.locator("table.results tbody tr").count()
    assert rows > 0
    status = page.inner_text("#status")
    assert status.startswith((f"{rows} row", f"{rows} triple")), status
    # Shareable: the page URL and the link hold the query.
    shared = parse_qs(urlparse(page.url).query)["query"][0]
    assert shared == page.input_value("#query")
    assert parse_qs(urlparse(page.get_attribute("#share-link", "href")).query)["query"][0] == shared
    # Downloads in each results format.
    formats = {parse_qs(urlparse(a.get_attribute("href")).query)["format"][0]
               for a in page.locator("#downloads a").all()}
    expected = {"ttl", "nt", "jsonld", "rdf", "trig", "nq"} if "triple" in status else {"json", "xml", "csv", "tsv"}
    assert formats == expected
    assert slug and not page.errors
    # Nothing was fetched from anywhere but this server (no CDN).
    assert all(u.startswith(server) or u.startswith("data:") for u in page.requested), page.requested


def test_iris_are_links_and_prefixes_are_declared_for_you(page, server):
    page.goto(server + "/")
    page.fill("#query", "SELECT ?c WHERE { ?c a owl:Class . FILTER(STRSTARTS(STR(?c), STR(fkg:))) } LIMIT 5")
    page.click("#run")
    page.wait_for_selector("table.results tbody tr", timeout=WAIT_MS)
    query = page.input_value("#query")
    assert "PREFIX owl: <http://www.w3.org/2002/07/owl#>" in query
    assert "PREFIX fkg: <https://w3id.org/fusiekg/def/>" in query
    link = page.locator("table.results tbody tr a.iri").first
    assert link.inner_text().startswith("fkg:")
    # Our own IRIs lead to this server's pages, not to w3id.org.
    href = link.get_attribute("href")
    assert href.startswith("/def/"), href
    assert link.get_attribute("title").startswith("https://w3id.org/fusiekg/def/")


def test_a_shared_link_runs_its_query(page, server):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 7"
    page.goto(server + "/?" + urlencode({"query": q}))
    page.wait_for_selector("table.results tbody tr", timeout=WAIT_MS)
    assert page.locator("table.results tbody tr").count() == 7
    assert page.input_value("#query") == q


def test_errors_and_large_results_are_shown(page, server, store_dir):
    page.goto(server + "/")
    page.fill("#query", "SELECT ?s WHERE {\n  ?s ?p \n")
    page.click("#run")
    page.wait_for_selector("#status.error", timeout=WAIT_MS)
    assert "400" in page.inner_text("#status") and "syntax error" in page.inner_text("#status")
    page.fill("#query", "SELECT * WHERE { ?s ?p ?o }")  # the whole store: the page shows its first 1000 rows
    page.click("#run")
    page.wait_for_selector("#status.ok", timeout=WAIT_MS)
    total = read_manifest(store_dir)["triples"]
    assert f"{total} rows" in page.inner_text("#status")
    assert f"first 1000; the downloads below give all {total}" in page.inner_text("#status")
    assert page.locator("table.results tbody tr").count() == 1000


def test_construct_results_as_triples(page, server):
    page.goto(server + "/")
    page.fill("#query", "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 4")
    page.click("#run")
    page.wait_for_selector("table.results tbody tr", timeout=WAIT_MS)
    assert page.locator("table.results tbody tr").count() == 4
    formats = {parse_qs(urlparse(a.get_attribute("href")).query)["format"][0]
               for a in page.locator("#downloads a").all()}
    assert formats == {"ttl", "nt", "jsonld", "rdf", "trig", "nq"}
