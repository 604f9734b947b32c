"""The network of a municipality's regelingen in a real browser (Debian's headless chromium, Playwright) against a
real server: the picture is drawn, from our own JSON twin, with the partners that share the most regelingen, and a
partner shows its lines when pointed at. The page's fit at 390 px is in test_pages_browser."""

from __future__ import annotations

import json

import pytest
import requests

PATH = "/netwerk/gm0080?datum=2025-01-01"


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server)
    context.add_cookies([{"name": "lang", "value": "nl", "url": server}])
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"script errors on the page: {errors}"


def twin(server: str) -> dict:
    r = requests.get(server + "/netwerk/gm0080.json?datum=2025-01-01", timeout=30)
    assert r.status_code == 200
    return r.json()


def drawn(pg) -> None:
    pg.wait_for_selector(".nw-chart:not([data-state=loading])", timeout=30_000)
    assert pg.get_attribute(".nw-chart", "data-state") == "ready", pg.inner_text(".nw-chart")


def test_the_picture_is_drawn_from_the_json_twin_with_the_top_partners(page, server):
    page.goto(PATH)
    drawn(page)
    data = twin(server)
    fetched = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert server + "/netwerk/gm0080.json?datum=2025-01-01" in fetched
    assert not [u for u in fetched if not u.startswith(server)], "the picture fetched something from another host"
    # every regeling a dot, the municipality in the middle
    assert page.locator(".nw-regeling").count() == len(data["regelingen"]) == 11
    assert page.text_content(".nw-self text") == "Leeuwarden"
    # the partners that share the most (six each) are all in the picture, each with a line per shared regeling
    names = [n for group in page.eval_on_selector_all(".nw-partner", "as => as.map(a => a.dataset.names)")
             for n in json.loads(group)]
    top = {p["naam"] for p in data["partners"] if p["gedeeld"] == data["partners"][0]["gedeeld"]}
    assert top == {"Achtkarspelen", "Dantumadiel", "Heerenveen", "Noardeast-Fryslân", "Opsterland", "Smallingerland",
                   "Waadhoeke", "Weststellingwerf"}
    assert top <= set(names)
    assert len(set(names)) + int(page.evaluate("""(() => { const t = document.querySelector('.nw-more');
        return t ? t.textContent.match(/\\d+/)[0] : '0'; })()""")) == len(data["partners"])
    assert page.locator(".nw-edge").count() >= 6


def test_pointing_at_a_partner_lights_its_lines(page):
    page.goto(PATH)
    drawn(page)
    partner = page.locator(".nw-partner").first
    partner.hover()
    lit = page.locator(".nw-edge.is-lit").count()
    shares = int(partner.locator("title").text_content().rsplit("·", 1)[1].split()[0])
    assert lit == shares > 0


def test_the_municipality_page_draws_the_same_picture(page, server):
    page.goto("/doc/gemeente/gm0080?datum=2025-01-01")
    drawn(page)
    assert page.locator("#regelingen .nw-regeling").count() == 11
    assert page.get_attribute(".nw-chart", "data-src") == "/netwerk/gm0080.json?datum=2025-01-01"


def test_on_a_phone_the_picture_fits_and_draws_fewer_partners(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, base_url=server)
    pg = context.new_page()
    pg.goto(PATH)
    drawn(pg)
    assert pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [390, 390]
    assert pg.locator(".nw-svg.narrow").count() == 1 and pg.locator(".nw-partner").count() <= 8
    box = pg.locator(".nw-svg").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    context.close()
