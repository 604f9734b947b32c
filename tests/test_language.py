"""One language per page (web/i18n.py): Dutch by default, English by a switch that is remembered (`?lang=`, then
the cookie), `Accept-Language` only as the first guess; `<html lang>` right; no label shown twice; graph labels in
the page's language, another one only when missing and then marked; messages and reports in the same language."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from fusiekg.config import Settings
from fusiekg.namespaces import FKG, ID, TOOIONT
from fusiekg.web import create_app

BROWSER = {"Accept": "text/html"}
PAGES = ["/", "/sparql", "/doc/samenwerking/bar", "/doc/gemeente/gm0489", "/doc/bevinding/twee-hoofdvormen", "/def",
         "/tijdlijn", "/telling", "/validate", "/dumps/", "/zoek?q=berg", "/doc/samenwerking/bestaat-niet", "/nergens",
         "/netwerk/gm0080?datum=2025-01-01", "/doc/regeling/roo-28067656"]


@pytest.fixture
def fresh(store_dir):
    """A client without cookies (the shared `client` keeps the ones other tests set)."""
    app = create_app(Settings(store_dir=store_dir))
    yield app.test_client()
    app.extensions["fusiekg"].close()


def lang_of(resp) -> str:
    return re.search(r'<html lang="(\w+)">', resp.text).group(1)


class _Labels(HTMLParser):
    """The text of headings, table headers, name/value names, navigation links and form labels."""

    TAGS = {"h1", "h2", "h3", "th", "dt", "label", "summary", "button", "caption"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._depth = 0
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self._depth += 1

    def handle_endtag(self, tag):
        if tag in self.TAGS and self._depth:
            self._depth -= 1
            if not self._depth:
                self.texts.append(" ".join("".join(self._buf).split()))
                self._buf = []

    def handle_data(self, data):
        if self._depth:
            self._buf.append(data)


def test_dutch_by_default_and_accept_language_as_the_first_guess(fresh):
    assert lang_of(fresh.get("/telling", headers=BROWSER)) == "nl"
    assert lang_of(fresh.get("/telling", headers={**BROWSER, "Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert lang_of(fresh.get("/telling", headers={**BROWSER, "Accept-Language": "de, fr"})) == "nl"
    r = fresh.get("/telling", headers={**BROWSER, "Accept-Language": "en"})
    assert r.headers["Content-Language"] == "en"
    assert {"cookie", "accept-language"} <= {v.strip().lower() for v in r.headers["Vary"].split(",")}


def test_the_switch_is_remembered_and_wins_over_accept_language(fresh):
    r = fresh.get("/zoek?q=berg&lang=en", headers={**BROWSER, "Accept-Language": "nl"})
    assert lang_of(r) == "en" and "lang=en" in r.headers["Set-Cookie"]
    for path in ("/telling", "/doc/gemeente/gm0489", "/validate"):  # every page honours the choice
        assert lang_of(fresh.get(path, headers={**BROWSER, "Accept-Language": "nl"})) == "en", path
    assert lang_of(fresh.get("/telling?lang=nl", headers=BROWSER)) == "nl"
    assert lang_of(fresh.get("/telling", headers={**BROWSER, "Accept-Language": "en"})) == "nl"


def test_the_switch_link_keeps_the_page_and_its_query(fresh):
    html = fresh.get("/zoek?q=berg&format=html", headers=BROWSER).text
    link = re.search(r'<a class="lang-switch" href="([^"]+)" hreflang="en" lang="en">English</a>', html).group(1)
    assert link.replace("&amp;", "&") == "/zoek?q=berg&format=html&lang=en"
    html = fresh.get("/zoek?q=berg&lang=en", headers=BROWSER).text
    assert 'href="/zoek?q=berg&amp;lang=nl" hreflang="nl" lang="nl">Nederlands</a>' in html


def test_an_unknown_language_is_a_clear_400(fresh):
    r = fresh.get("/tijdlijn?lang=fr", headers={**BROWSER, "Accept-Language": "nl"})
    assert r.status_code == 400 and lang_of(r) == "nl" and "Nederlands (lang=nl)" in r.text
    r = fresh.get("/tijdlijn?lang=fr", headers={"Accept": "application/json"})
    assert r.status_code == 400 and "Dutch (lang=nl) and English (lang=en)" in r.json["message"]


@pytest.mark.parametrize("path", PAGES)
def test_no_label_is_shown_twice(fresh, path):
    """Headings, table headers, names of values, buttons and labels: each in the page's language, never "nl · en"."""
    seen = {}
    for lang in ("nl", "en"):
        r = fresh.get(path, headers={**BROWSER, "Accept-Language": lang})
        assert lang_of(r) == lang
        parser = _Labels()
        parser.feed(r.text)
        assert parser.texts, path
        for text in parser.texts:
            assert " · " not in text and " / " not in text, (lang, text)
        seen[lang] = set(parser.texts)
    assert seen["nl"] != seen["en"], "the page looks the same in both languages"


def test_graph_labels_in_the_pages_language_the_other_only_when_missing(fresh):
    nl = fresh.get("/doc/samenwerking/bar", headers={**BROWSER, "Accept-Language": "nl"}).text
    en = fresh.get("/doc/samenwerking/bar", headers={**BROWSER, "Accept-Language": "en"}).text
    # skos:note exists in both languages: each page shows its own
    assert "Het einde is een ontvlechting" in nl and "The end is an unbundling" not in nl
    assert "The end is an unbundling" in en and "Het einde is een ontvlechting" not in en
    # fkg:juridischeVorm is only in Dutch: the English page shows it, marked as Dutch
    assert '<span class="literal" lang="nl">GR openbaar lichaam</span>' in en
    # our terms' names come from the ontology's labels
    assert ">heeft lid<" in nl and ">has member<" in en


def test_error_pages_speak_the_pages_language(fresh):
    nl = fresh.get("/nergens", headers={**BROWSER, "Accept-Language": "nl"})
    en = fresh.get("/nergens", headers={**BROWSER, "Accept-Language": "en"})
    assert nl.status_code == en.status_code == 404
    assert "404 Niet gevonden" in nl.text and "er staat niets op /nergens" in nl.text
    assert "404 Not Found" in en.text and "nothing at /nergens" in en.text
    assert fresh.get("/nergens", headers={"Accept": "application/json"}).json["message"] == "nothing at /nergens"


def test_the_validation_report_follows_the_page_language(fresh):
    example = fresh.get("/validate/voorbeelden/invalid/gemeente-bestond-niet-op-startdatum.ttl").data
    english = fresh.post("/validate?lang=en", data={"tekst": example.decode(), "output": "html"}, headers=BROWSER)
    assert lang_of(english) == "en" and "Does not conform" in english.text and "did not exist on" in english.text
    # the choice is remembered: the next report, without lang, is in English too
    again = fresh.post("/validate", data={"tekst": example.decode(), "output": "text"})
    assert "does NOT conform" in again.text
    # a form's own lang field (for machines) wins, and the page around the report follows it
    dutch = fresh.post("/validate", data={"tekst": example.decode(), "output": "html", "lang": "nl"}, headers=BROWSER)
    assert lang_of(dutch) == "nl" and "Voldoet niet" in dutch.text and "bestond niet op" in dutch.text



SKOS = "http://www.w3.org/2004/02/skos/core#"


def _both(kg, query: str) -> list[dict]:
    """Rows of ?x ?nl ?en: the Dutch and English label of what `query` (a pattern on ?x) selects."""
    return kg.select(f"""SELECT ?x ?nl ?en WHERE {{ {query} ?x <{SKOS}prefLabel>|<http://www.w3.org/2000/01/rdf-schema#label>
        ?nl, ?en FILTER(LANG(?nl) = "nl" && LANG(?en) = "en") }} ORDER BY ?x""")


def _result_row(html: str, page: str) -> str:
    start = html.index(f'href="{page}"')
    return html[start:html.index("</tr>", start)]


def test_search_results_are_named_in_the_pages_language(fresh, kg):
    """The result list of /zoek names concepts and their kind as the rest of the site does: in the page's language
    where the graph has it (it showed the Dutch names on English pages); JSON stays untranslated."""
    q = "sleutel"  # two failure factors have it in their Dutch name: a list, not a 303 to the one match
    rows = [r for r in _both(kg, f"?x a <{FKG.Faalfactor}> .") if q in r["nl"]]
    kind = _both(kg, f"VALUES ?x {{ <{FKG.Faalfactor}> }}")[0]
    assert len(rows) >= 2
    pages = {lang: fresh.get("/zoek", query_string={"q": q, "lang": lang}, headers=BROWSER) for lang in ("nl", "en")}
    assert {r.status_code for r in pages.values()} == {200}
    for r in rows:
        page = "/doc/" + r["x"].split("/id/", 1)[1]
        en, nl = _result_row(pages["en"].text, page), _result_row(pages["nl"].text, page)
        assert f">{r['en']}</a>" in en and f">{kind['en']}</span>" in en, en
        assert f">{r['nl']}</a>" in nl and f">{kind['nl']}</span>" in nl, nl
    j = fresh.get("/zoek", query_string={"q": q, "format": "json", "lang": "en"}).json
    assert {x["label"] for x in j["results"] if x["kind"] == "faalfactor"} == {r["nl"] for r in rows}


def test_search_shows_a_cooperations_form_in_the_pages_language(fresh, kg):
    form = _both(kg, f"<{ID['samenwerking/bar']}> <http://www.w3.org/ns/org#classification> ?x .")[0]
    en = fresh.get("/zoek", query_string={"q": "BAR", "lang": "en"}, headers=BROWSER)
    nl = fresh.get("/zoek", query_string={"q": "BAR", "lang": "nl"}, headers=BROWSER)
    assert en.status_code == nl.status_code == 200
    assert f">{form['en']}</span>" in _result_row(en.text, "/doc/samenwerking/bar")
    assert f">{form['nl']}</span>" in _result_row(nl.text, "/doc/samenwerking/bar")


def test_a_municipalitys_mergers_are_named_in_the_pages_language(fresh, kg):
    """TOOI's event classes have no labels in the graph: the mergers table showed the class name `uitbreiding` on an
    English page; it now names them in the page's language."""
    rows = kg.select(f"""SELECT ?g WHERE {{ ?e a <{TOOIONT.Uitbreiding}> ; <http://www.w3.org/ns/prov#used> ?g .
        ?g a <{TOOIONT.Gemeente}> }} ORDER BY ?g LIMIT 1""")
    path = "/doc/gemeente/" + rows[0]["g"].rsplit("/", 1)[1]
    pages = {lang: fresh.get(path, query_string={"lang": lang}, headers=BROWSER).text for lang in ("nl", "en")}
    table = {lang: html[html.index("(TOOI)</h2>"):] for lang, html in pages.items()}
    assert ">extension</a>" in table["en"] and ">uitbreiding</a>" not in table["en"]
    assert ">uitbreiding</a>" in table["nl"]
    # the event's own page is headed the same way, and both give its day as a date (TOOI has it as midnight)
    event = re.search(r'<td><a href="([^"]+)"[^>]*>extension</a></td><td class="nowrap">([^<]*)</td>', table["en"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", event.group(2)), event.group(2)
    heading = fresh.get(event.group(1), query_string={"lang": "en"}, headers=BROWSER).text
    assert f"<h1>extension {event.group(2)}</h1>" in heading
