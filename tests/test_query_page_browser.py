"""The query page (YASGUI) in a real browser: Debian's headless chromium driven by Playwright, against a real server.

What a SPARQL user expects of it: examples that open in tabs, a table that sorts, filters and pages, prefix and term
completion, a chart for a numeric result, shareable links, the row limit said plainly, our IRIs leading to our pages,
the page's language, and not one request to any other host. Never runs `playwright install` (no downloads): it uses
/usr/bin/chromium, and skips when that is absent.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from conftest import start_server, stop_server

WAIT_MS = 30_000
ACTIVE = ".tabPanel.active"
ROWS = f"{ACTIVE} .yasr .dataTable tbody tr"


@pytest.fixture(scope="module")
def capped_server(store_dir):
    """A server with an operator's row cap (there is none by default), for the notice that says an answer was cut."""
    proc, url = start_server(["--store", str(store_dir), "--workers", "1", "--max-rows", "1000"])
    yield url
    stop_server(proc)


def new_page(browser, server):
    """A fresh page (Dutch unless a test says otherwise) that refuses and records every request to another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    context.add_cookies([{"name": "lang", "value": "nl", "url": server}])
    pg = context.new_page()
    pg.foreign = []
    pg.errors = []

    def route(r):
        if urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            pg.foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    return context, pg


def _checked(context, pg):
    yield pg
    context.close()
    assert not pg.foreign, f"the query page asked another host: {pg.foreign}"
    assert not pg.errors, f"script errors: {pg.errors}"


@pytest.fixture
def page(browser, server):
    yield from _checked(*new_page(browser, server))


@pytest.fixture
def capped_page(browser, capped_server):
    yield from _checked(*new_page(browser, capped_server))


def editor(pg, text: str | None = None) -> str:
    """The current tab's query (set first when `text` is given), through YASGUI's own API."""
    arg = "null" if text is None else repr(text).replace("\n", "\\n")
    return pg.evaluate(f"""() => {{ const y = window.fusiekgYasgui.getTab().getYasqe();
        if ({arg} !== null) y.setValue({arg}); return y.getValue(); }}""")


def run(pg):
    pg.click(".tabPanel.active .yasqe_queryButton")


def open_query(pg, query: str):
    pg.goto("/?" + urlencode({"query": query}))  # a shared link opens the query in a tab and runs it
    pg.wait_for_selector(ROWS, timeout=WAIT_MS)


def test_an_example_opens_in_its_own_tab_and_runs(page):
    page.goto("/")
    page.wait_for_selector(".yasgui .CodeMirror")
    options = page.locator("#examples option")
    assert options.count() > 10, "the page lists the example queries"
    tabs = page.locator(".yasgui .tabsList .tab").count()
    page.select_option("#examples", index=1)
    assert page.locator(".yasgui .tabsList .tab").count() == tabs + 1
    title = page.inner_text("#examples option:checked").strip()
    assert page.inner_text(".yasgui .tabsList .tab.active").strip().startswith(title[:20])
    assert "PREFIX fkg:" in editor(page) and not page.is_hidden("#example-description")
    run(page)
    page.wait_for_selector(ROWS, timeout=WAIT_MS)
    assert page.locator(ROWS).count() > 0
    assert "resulta" in page.inner_text(f"{ACTIVE} .yasr_response_chip")  # "… resultaten in … s"


def test_the_table_sorts_filters_and_pages(page):
    open_query(page, "SELECT ?gemeente ?naam WHERE { ?gemeente a <https://identifier.overheid.nl/tooi/def/ont/Gemeente> ;"
                     " <http://www.w3.org/2004/02/skos/core#prefLabel> ?naam } LIMIT 120")
    assert page.locator(ROWS).count() == 50  # the first page of 50
    assert "van 120" in page.inner_text(f"{ACTIVE} .yasr .dt-info")
    page.click(f"{ACTIVE} .yasr .dt-paging-button.next")
    assert page.locator(ROWS).count() == 50 and "Rij 51 tot 100" in page.inner_text(f"{ACTIVE} .yasr .dt-info")
    header = f"{ACTIVE} .yasr .dataTable thead th:nth-child(3)"

    def names_sorted(direction: str) -> list[str]:
        page.click(f"{header} .dt-column-order")
        page.wait_for_function(f"document.querySelector('{header}').getAttribute('aria-sort') === '{direction}'")
        cells = page.eval_on_selector_all(f"{ROWS} td:nth-child(3)", "tds => tds.map(t => t.innerText)")
        return [c.removesuffix('@nl').strip('"').casefold() for c in cells]

    ascending = names_sorted("ascending")
    assert ascending == sorted(ascending)
    descending = names_sorted("descending")
    assert descending == sorted(descending, reverse=True) and descending[0] > ascending[0]
    wanted = descending[0]  # a municipality in this result
    page.locator(f"{ACTIVE} .yasr .tableFilter").press_sequentially(wanted)
    page.wait_for_function(f"document.querySelectorAll('{ROWS}').length < 50")
    shown = page.eval_on_selector_all(f"{ROWS} td:nth-child(3)", "tds => tds.map(t => t.innerText.toLowerCase())")
    assert shown and all(wanted in name for name in shown)


def test_prefixes_and_terms_of_this_dataset_complete(page):
    page.goto("/")
    page.wait_for_selector(".yasgui .CodeMirror")
    editor(page, "PREFIX fk")
    page.click(".tabPanel.active .CodeMirror-line")
    page.keyboard.press("End")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li", timeout=WAIT_MS)
    assert "fkg: <https://w3id.org/fusiekg/def/>" in page.inner_text(".CodeMirror-hints")
    page.keyboard.press("Escape")
    # a known prefix is declared as soon as it is used
    editor(page, "SELECT * WHERE {\n  ?x a ")
    page.click(".tabPanel.active .CodeMirror-line >> nth=1")
    page.keyboard.press("End")
    page.keyboard.type("tooiont:")
    page.wait_for_function("window.fusiekgYasgui.getTab().getYasqe().getValue().includes('PREFIX tooiont:')")
    # classes of this dataset, asked of our own endpoint
    page.keyboard.type("Geme")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li", timeout=WAIT_MS)
    assert "tooiont:Gemeente" in page.inner_text(".CodeMirror-hints")


def test_a_numeric_result_can_be_drawn_as_a_chart(page):
    open_query(page, "SELECT ?klasse (COUNT(?x) AS ?aantal) WHERE { ?x a ?klasse } GROUP BY ?klasse "
                     "ORDER BY DESC(?aantal) LIMIT 8")
    page.click(f"{ACTIVE} .yasr .select_chart")
    page.wait_for_selector(".q-chart-bars li", timeout=WAIT_MS)
    assert page.locator(".q-chart-bars li").count() == 8
    widths = page.eval_on_selector_all(".q-chart-bar", "bars => bars.map(b => b.getBoundingClientRect().width)")
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1] > 0  # longest bar for the largest count
    assert page.inner_text(f"{ACTIVE} .yasr .select_chart").strip() == "Grafiek"


def test_a_shared_link_runs_its_query_and_the_share_button_makes_one(page, server):
    q = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 7"
    open_query(page, q)
    assert page.locator(ROWS).count() == 7
    assert editor(page) == q
    page.click(".tabPanel.active .yasqe_share")
    link = page.input_value(".yasqe_sharePopup input")
    shared = urlsplit(link)
    assert link.startswith(server)
    assert parse_qs(shared.fragment)["query"] == [q]
    assert parse_qs(shared.fragment)["endpoint"] == [server + "/sparql"]  # our endpoint, never another


def test_a_result_cut_at_the_row_limit_says_so(capped_page):
    open_query(capped_page, "SELECT * WHERE { ?s ?p ?o }")  # this server cuts at 1000 rows
    capped_page.wait_for_selector("#query-notice.warning", timeout=WAIT_MS)
    assert "afgekapt op 1000 rijen" in capped_page.inner_text("#query-notice")


def test_a_complete_answer_has_no_cut_notice(page):
    open_query(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 1500")  # no row cap by default: all 1500 rows come
    assert "1.500" in page.inner_text(f"{ACTIVE} .yasr") or "1,500" in page.inner_text(f"{ACTIVE} .yasr")
    assert "warning" not in (page.get_attribute("#query-notice", "class") or "")


def test_a_syntax_error_shows_the_endpoints_message(page):
    page.goto("/")
    page.wait_for_selector(".yasgui .CodeMirror")
    editor(page, "SELECT ?s WHERE {\n  ?s ?p \n")
    run(page)
    page.wait_for_selector(f"{ACTIVE} .yasr .errorResult", timeout=WAIT_MS)
    text = page.inner_text(f"{ACTIVE} .yasr .errorResult")
    assert "400" in text and "syntax error" in text


def test_our_iris_lead_to_our_pages(page):
    open_query(page, "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> "
                     "FILTER(STRSTARTS(STR(?c), 'https://w3id.org/fusiekg/def/')) } ORDER BY ?c LIMIT 5")
    link = page.locator(f"{ROWS} a.iri").first
    assert link.inner_text().startswith("fkg:")
    assert link.get_attribute("href").startswith("/def/")  # this server, not w3id.org
    assert link.get_attribute("title").startswith("https://w3id.org/fusiekg/def/")
    assert link.get_attribute("target") is None  # our own pages open in the same window


def test_the_page_speaks_the_chosen_language(browser, server):
    context = browser.new_context(base_url=server, extra_http_headers={"Accept-Language": "en"})
    pg = context.new_page()
    try:
        open_query(pg, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
        assert pg.evaluate("document.documentElement.lang") == "en"
        assert pg.inner_text(f"{ACTIVE} .yasr .select_table").strip() == "Table"
        assert pg.get_attribute(f"{ACTIVE} .yasr .tableFilter", "placeholder") == "Filter query results"
        pg.goto("/?lang=nl&" + urlencode({"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"}))
        pg.wait_for_selector(ROWS, timeout=WAIT_MS)
        assert pg.inner_text(f"{ACTIVE} .yasr .select_table").strip() == "Tabel"
        assert pg.get_attribute(f"{ACTIVE} .yasr .tableFilter", "placeholder") == "Resultaten filteren"
        assert "3 resultaten" in pg.inner_text(f"{ACTIVE} .yasr_response_chip")
    finally:
        context.close()
