"""/tijdlijn in a real browser (Debian's headless chromium, driven by Playwright) against a real running server.

The page's script fetches query 30 from /sparql and draws it; these tests check what a user sees: one bar per
cooperation, a keyboard-usable date slider whose counts agree with query 20 on the same endpoint, and a picture
that is not blank.
"""

from __future__ import annotations

import struct
import zlib

import pytest
import requests

from fusiekg import resources
from fusiekg.web.query_page import parse_example

WERKORGANISATIE_RGB = (0x1F, 0x5F, 0xA8)  # --f-werkorganisatie in static/timeline.css



def sparql_select(server: str, query: str) -> list[dict]:
    resp = requests.post(server + "/sparql", data=query.encode("utf-8"), timeout=30,
                         headers={"Content-Type": "application/sparql-query",
                                  "Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.text
    return resp.json()["results"]["bindings"]


def query_text(name: str) -> str:
    return parse_example(resources.path("queries", name)).query


def register_counts(server: str, day: str) -> tuple[int, int]:
    """Full fusions and their municipalities on `day`, as query 20 answers on the same endpoint."""
    text = query_text("20-actief-op-datum.rq")
    assert '"2015-01-01"^^xsd:date' in text
    rows = sparql_select(server, text.replace('"2015-01-01"^^xsd:date', f'"{day}"^^xsd:date'))
    return len({r["samenwerking"]["value"] for r in rows}), len({r["gemeente"]["value"] for r in rows})


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """A tiny PNG decoder (8-bit RGB/RGBA, not interlaced: what chromium writes): width, height, rows, bytes/pixel."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    assert header, "PNG without IHDR"
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour_type in (2, 6), f"unexpected PNG format {header}"
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:  # Up
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif kind in (3, 4):  # Average, Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                if kind == 3:
                    line[i] = (line[i] + ((a + b) >> 1)) & 255
                    continue
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server)
    context.add_cookies([{"name": "lang", "value": "nl", "url": server}])  # the checks below read Dutch
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto("/tijdlijn")
    pg.wait_for_selector("#tl-chart:not([data-state=loading])", timeout=30_000)
    state = pg.get_attribute("#tl-chart", "data-state")
    assert state == "ready", f"the timeline did not draw: {pg.inner_text('#tl-status')}"
    yield pg
    context.close()
    assert not errors, f"script errors on the page: {errors}"


def count(pg, name: str) -> int:
    return int(pg.inner_text(f"#tl-counts [data-count={name}]"))


def test_one_bar_per_row_of_the_query(page, server):
    rows = sparql_select(server, query_text("30-tijdlijn.rq"))
    bars = page.locator(".tl-bar")
    assert bars.count() == len(rows) > 20
    assert page.get_attribute("#tl-chart", "data-rows") == str(len(rows))
    # each bar links to its cooperation's page, relatively
    href = page.get_attribute(".tl-bar[data-ref=bar]", "href")
    assert href == "doc/samenwerking/bar"
    assert page.eval_on_selector(".tl-bar[data-ref=bar]", "a => a.href") == server + "/doc/samenwerking/bar"
    assert page.locator(".tl-bar.f-centrumconstructie").count() > 0
    assert page.locator(".tl-mark.end-herindeling").count() > 0 and page.locator(".tl-mark.end-opgeheven").count() > 0


def test_slider_by_keyboard_shows_the_registers_count_for_1_january_2015(page, server):
    slider = page.locator("#tl-slider")
    slider.focus()
    page.keyboard.press("End")
    assert page.input_value("#tl-date") > "2024-01-01"
    page.keyboard.press("Home")
    first = page.input_value("#tl-date")
    assert first < "2015-01-01" and first.endswith("-01-01")
    for _ in range(40):
        if page.input_value("#tl-date") == "2015-01-01":
            break
        page.keyboard.press("PageUp")
    assert page.input_value("#tl-date") == "2015-01-01"
    assert page.get_attribute("#tl-slider", "aria-valuetext") == "1 januari 2015"
    assert (count(page, "fusies"), count(page, "fusieGemeenten")) == register_counts(server, "2015-01-01") == (16, 36)  # with 8KTD
    assert "is-active" in page.get_attribute(".tl-row[data-ref=bar]", "class")
    assert "is-active" not in page.get_attribute(".tl-row[data-ref=dewaard]", "class")  # merged away in 2013
    page.keyboard.press("ArrowRight")
    assert page.input_value("#tl-date") == "2015-02-01"


def test_exact_date_field_agrees_with_query_20(page, server):
    for day in ("2019-06-15", "2022-01-01"):
        page.fill("#tl-date", day)
        page.dispatch_event("#tl-date", "change")
        assert (count(page, "fusies"), count(page, "fusieGemeenten")) == register_counts(server, day)
        assert page.get_attribute("#tl-day", "datetime") == day
    assert "datum=2022-01-01" in page.url  # the chosen date can be shared


def test_a_municipality_that_merged_away_stops_being_highlighted(page):
    """DEAL ran until 2021, but Eemsmond (gm1651) was merged into Het Hogeland on 2019-01-01 (TOOI)."""
    def member_active(code: str) -> bool:
        return "is-active" in page.get_attribute(f".tl-row[data-ref=deal] .tl-member[data-code={code}]", "class")

    for day, eemsmond in (("2018-12-31", True), ("2019-01-01", False)):
        page.fill("#tl-date", day)
        page.dispatch_event("#tl-date", "change")
        assert "is-active" in page.get_attribute(".tl-row[data-ref=deal]", "class")
        assert member_active("gm0003")  # Appingedam
        assert member_active("gm1651") is eemsmond


def test_table_fallback_lists_every_cooperation(page):
    page.click("#tl-table-wrap summary")
    assert page.locator("#tl-table tbody tr").count() == page.locator(".tl-bar").count()
    assert page.locator("#tl-table tbody tr[data-ref=aa]").inner_text().count("centrumgemeente") == 1


def test_screenshot_is_not_blank(page, tmp_path):
    shot = tmp_path / "tijdlijn.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height, rows, bpp = png_pixels(shot.read_bytes())
    assert width >= 1000 and height >= 900
    colours: set[bytes] = set()
    bar_pixels = 0
    for line in rows[::2]:
        for i in range(0, len(line), bpp * 2):
            px = line[i:i + 3]
            colours.add(px)
            if all(abs(a - b) <= 3 for a, b in zip(px, WERKORGANISATIE_RGB, strict=True)):
                bar_pixels += 1
    assert len(colours) > 50, f"the screenshot has only {len(colours)} colours"
    assert bar_pixels > 500, "no werkorganisatie bars visible in the screenshot"


def test_the_timeline_speaks_english_when_asked(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 900}, base_url=server)
    pg = context.new_page()
    try:
        pg.goto("/tijdlijn?lang=en&datum=2015-01-01")
        pg.wait_for_selector("#tl-chart[data-state=ready]", timeout=30_000)
        assert pg.get_attribute("#tl-slider", "aria-valuetext") == "1 January 2015"
        assert "full civil-service mergers" in pg.inner_text("#tl-counts")
        assert "cooperations from the register" in pg.inner_text("#tl-status")
        ticks = pg.eval_on_selector_all(".tl-tick", "ts => ts.map(t => t.getBoundingClientRect())"
                                                     ".map(r => [r.left, r.right])")
        assert len(ticks) >= 3
        ticks.sort()
        assert all(a[1] <= b[0] for a, b in zip(ticks, ticks[1:], strict=False)), "year labels overlap at 390 px"
    finally:
        context.close()


def test_the_english_table_gives_the_confidence_in_english(browser, server):
    """The table's confidence column showed the concept's Dutch key (`hoog`) on an English page."""
    rows = sparql_select(server, """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?nl ?en WHERE { <https://w3id.org/fusiekg/id/samenwerking/bar> <https://w3id.org/fusiekg/def/betrouwbaarheid>
        ?b . ?b skos:prefLabel ?nl, ?en FILTER(LANG(?nl) = "nl" && LANG(?en) = "en") }""")
    assert len(rows) == 1 and rows[0]["nl"]["value"] != rows[0]["en"]["value"]
    for lang in ("en", "nl"):
        context = browser.new_context(base_url=server)
        pg = context.new_page()
        try:
            pg.goto(f"/tijdlijn?lang={lang}")
            pg.wait_for_selector("#tl-chart[data-state=ready]", timeout=30_000)
            cells = pg.eval_on_selector("#tl-table tbody tr[data-ref=bar]", "tr => [...tr.cells].map(c => c.textContent)")
            assert rows[0][lang]["value"] in cells, cells
            note_lang = pg.eval_on_selector("#tl-table tbody tr[data-ref=bar] td .muted", "d => d.lang")
            assert note_lang == "nl"  # query 30 gives the Dutch note; an English page says so
        finally:
            context.close()
