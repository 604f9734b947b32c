"""Every page in a real browser (Debian's headless chromium, driven by Playwright) against a real server, at a
phone's width (390 px) and a desktop's (1366 px), in Dutch and in English: the page itself never scrolls sideways
(wide tables scroll inside their own box), `<html lang>` is the page's language, the navigation is in that language
only, and no request leaves this server. A full-page screenshot of each is written to `$FUSIEKG_SCREENSHOTS` (else
a pytest temporary folder) to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

WAIT_MS = 30_000
WIDTHS = (390, 1366)
LANGS = ("nl", "en")
COUNT_QUERY = "SELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class } GROUP BY ?class ORDER BY DESC(?n) LIMIT 15"
# name → (path, CSS selector that shows the page is drawn)
PAGES = {
    "query": ("/?" + urlencode({"query": COUNT_QUERY}), ".yasr .dataTable tbody tr"),
    "service": ("/sparql", "main h1"),
    "fusion": ("/doc/samenwerking/bar", "main h1"),
    "municipality": ("/doc/gemeente/gm0489", "main h1"),
    "fact": ("/doc/bevinding/twee-hoofdvormen", "main h1"),
    "ontology": ("/def", "main h1"),
    "timeline": ("/tijdlijn", "#tl-chart[data-state=ready]"),
    "counts": ("/telling", "main h1"),
    "validate": ("/validate?voorbeeld=invalid/gemeente-bestond-niet-op-startdatum.ttl", "#rapport"),
    "dumps": ("/dumps/", "main h1"),
    "search": ("/zoek?q=berg", "main h1"),
    "network": ("/netwerk/gm0080?datum=2025-01-01", ".nw-chart[data-state=ready]"),
    "regeling": ("/doc/regeling/roo-28067656", "main h1"),
    "error": ("/doc/samenwerking/bestaat-niet", "main h1"),
}
NAV = {"nl": ["Zoeken", "Tijdlijn", "Tellingen", "Controleren", "Ontologie"],
       "en": ["Search", "Timeline", "Counts", "Validate", "Ontology"]}


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("FUSIEKG_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen_in_one_language(browser, server, shots, name, lang, width):
    path, ready = PAGES[name]
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=server)
    context.add_cookies([{"name": "lang", "value": lang, "url": server}])
    foreign: list[str] = []
    errors: list[str] = []

    def route(r):
        if urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path)
        if name == "validate":  # the page with a report: check the example that was loaded
            page.click(".val-form button[type=submit]")
        page.wait_for_selector(ready, timeout=WAIT_MS)
        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        page.screenshot(path=str(shots / f"{name}-{lang}-{width}.png"), full_page=True)
        wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide[0] <= wide[1], f"{name} ({lang}) is {wide[0]} px wide in a {wide[1]} px window"
        assert page.evaluate("document.documentElement.lang") == lang
        nav = page.inner_text("header.site nav")
        other = "en" if lang == "nl" else "nl"
        assert all(word in nav for word in NAV[lang]) and not any(word in nav for word in NAV[other]), nav
        assert not foreign, f"requests to other hosts: {foreign}"
        assert not errors, f"script errors: {errors}"
    finally:
        context.close()


def test_the_language_switch_keeps_the_page_and_is_remembered(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 900}, base_url=server,
                                  locale="nl-NL", extra_http_headers={"Accept-Language": "nl"})
    page = context.new_page()
    try:
        page.goto("/zoek?q=berg")
        assert page.evaluate("document.documentElement.lang") == "nl"
        page.click("header.site .lang-switch")
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == "en"
        url = urlsplit(page.url)
        assert url.path == "/zoek" and "q=berg" in url.query  # the same page, in English
        page.goto("/tijdlijn")  # another page, without ?lang: the cookie keeps English
        assert page.evaluate("document.documentElement.lang") == "en"
        assert "Timeline" in page.inner_text("main h1")
    finally:
        context.close()
