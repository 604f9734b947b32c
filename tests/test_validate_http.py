"""`POST /validate`, the `/validate` page and `/context.jsonld` over HTTP: the shipped examples against the real
running server, every report format and language, the error statuses (400 with line and column, 406, 413, 415, 503),
no outbound connection whatever a description says, and a store that validation never changes."""

from __future__ import annotations

import html
import io
import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from fusiekg.config import Settings
from fusiekg.namespaces import DSH, ID, sparql_prologue
from fusiekg.rdfinput import CONTEXT_IRI, context_document
from fusiekg.web import create_app
from test_validation import ADVICE_EXPECTED, INVALID

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TYPES = {".ttl": "text/turtle", ".jsonld": "application/ld+json"}
JSON = "application/json"
BROKEN_TURTLE = b"@prefix : <http://a/> .\n:a :b :c .\n:a :b \n :c :d .\n"


def example(kind: str, name: str) -> bytes:
    return (EXAMPLES / kind / name).read_bytes()


def post(server: str, data: bytes, content_type: str | None = "text/turtle", accept: str = JSON, **kwargs):
    headers = {"Accept": accept, **kwargs.pop("headers", {})}
    if content_type:
        headers["Content-Type"] = content_type
    return requests.post(server + "/validate", data=data, headers=headers, timeout=60, **kwargs)


def violated_shapes(report: dict) -> set[str]:
    return {r["source_shape"] for r in report["results"] if r["severity"] == "violation"}


@pytest.fixture(scope="module")
def client(store_dir):
    """A Flask test client with small limits (for the cases quicker to check without a server)."""
    app = create_app(Settings(store_dir=store_dir, validate_max_bytes=3000))
    return app.test_client()


@pytest.fixture(scope="module")
def roomy_client(store_dir):
    """A Flask test client with the default limits."""
    return create_app(Settings(store_dir=store_dir)).test_client()


# ----------------------------------------------------------------------------------------------------------------
# The examples against the real server
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((EXAMPLES / "valid").iterdir()), ids=lambda p: p.name)
def test_valid_example_conforms_over_http(server, path):
    resp = post(server, path.read_bytes(), TYPES[path.suffix])
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["conforms"] is True and report["results"] == []
    assert resp.headers["Fusiekg-Conforms"] == "true"
    assert resp.headers["Content-Language"] == "nl"


@pytest.mark.parametrize("path", sorted((EXAMPLES / "invalid").iterdir()), ids=lambda p: p.name)
def test_invalid_example_is_200_with_a_report_naming_its_rule(server, path):
    resp = post(server, path.read_bytes(), TYPES[path.suffix])
    assert resp.status_code == 200, resp.text
    assert resp.headers["Fusiekg-Conforms"] == "false"
    report = resp.json()
    assert report["conforms"] is False
    assert violated_shapes(report) == {str(DSH[INVALID[path.name]])}
    for r in report["results"]:
        assert r["message"] and r["hint"] and r["rule"] and r["focus_node"]


@pytest.mark.parametrize("name", sorted(ADVICE_EXPECTED))
def test_advice_example_conforms_with_its_advice(server, name):
    severity, shape, factor = ADVICE_EXPECTED[name]
    report = post(server, example("advice", name)).json()
    assert report["conforms"] is True
    assert {(r["severity"], r["source_shape"]) for r in report["results"]} == {(severity, str(DSH[shape]))}
    assert all(r["see_also"] == [str(ID[f"faalfactor/{factor}"])] for r in report["results"])


def test_plain_json_with_our_context_in_every_way_it_can_be_sent(server):
    data = example("valid", "werkorganisatie.jsonld")
    for content_type in ("application/ld+json", "application/json", "application/ld+json; charset=utf-8", None):
        resp = post(server, data, content_type)
        assert resp.status_code == 200 and resp.json()["conforms"] is True, (content_type, resp.text)
    assert post(server, data, None, params={"format": "jsonld"}).json()["conforms"] is True
    doc = json.loads(data)
    del doc["naam"]
    report = post(server, json.dumps(doc).encode(), "application/json").json()
    assert violated_shapes(report) == {str(DSH.Naam)}
    # The context may also be given inline (the same terms), not only by its IRI.
    doc["@context"] = context_document()["@context"]
    doc["naam"] = {"nl": "Voorbeeld"}
    assert post(server, json.dumps(doc).encode(), "application/ld+json").json()["conforms"] is True


def test_rdfxml_and_ntriples_descriptions_are_read(server):
    turtle = Graph().parse(data=example("valid", "centrumconstructie.ttl"), format="turtle")
    for fmt, media in (("xml", "application/rdf+xml"), ("nt", "application/n-triples")):
        resp = post(server, turtle.serialize(format=fmt).encode(), media)
        assert resp.status_code == 200 and resp.json()["conforms"] is True, (media, resp.text)
    broken = Graph().parse(data=example("invalid", "geen-naam.ttl"), format="turtle")
    report = post(server, broken.serialize(format="xml").encode(), "application/rdf+xml").json()
    assert violated_shapes(report) == {str(DSH.Naam)}


# ----------------------------------------------------------------------------------------------------------------
# Report formats and languages
# ----------------------------------------------------------------------------------------------------------------

BRIELLE = ("invalid", "gemeente-bestond-niet-op-startdatum.ttl")


def test_json_report_is_the_documented_structure(server):
    report = post(server, example(*BRIELLE)).json()
    assert set(report) == {"conforms", "lang", "source", "summary", "results"}
    assert report["summary"] == {"violations": 1, "warnings": 0, "infos": 0}
    (r,) = report["results"]
    assert r["value"].endswith("/gm0501") and r["value_label"] == "Brielle"
    assert r["message"].startswith("Gemeente Brielle bestond niet op 2023-01-01")


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
def test_rdf_reports_are_shacl_validation_reports(server, accept, fmt):
    resp = post(server, example(*BRIELLE), accept=accept)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(accept)
    g = Graph().parse(data=resp.text, format=fmt)
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == Literal(False)
    (result,) = g.objects(report, SH.result)
    assert g.value(result, SH.sourceShape) == DSH.GemeenteOpStartdatum
    assert g.value(result, SH.value) == URIRef("https://identifier.overheid.nl/tooi/id/gemeente/gm0501")
    assert g.value(result, SH.resultMessage).language == "nl"


def test_html_report_shows_every_part_of_a_result(server):
    resp = post(server, example(*BRIELLE), accept="text/html")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    page = html.unescape(resp.text)
    assert "Voldoet niet" in page and "1 fout(en)" in page
    for part in ("fout", "Onderwerp", "https://example.org/fusie/voorbeeld", "Eigenschap", "org:hasMember",
                 "Waarde", "gm:gm0501", "(Brielle)", "Gemeente Brielle bestond niet op 2023-01-01",
                 "Herstel", "Regel", "dsh:GemeenteOpStartdatum"):
        assert part in page, part
    # The submitted description is not echoed back for a raw POST, but the page offers the form again.
    assert 'name="tekst"' in page
    ok = html.unescape(post(server, example("valid", "centrumconstructie.ttl"), accept="text/html").text)
    assert "Voldoet" in ok and "Voldoet niet" not in ok and "Geen bevindingen" in ok


def test_text_report_and_q_values(server):
    data = example(*BRIELLE)
    assert post(server, data, accept="text/plain").text.startswith("voldoet NIET")
    assert post(server, data, accept="text/turtle;q=0.5, application/ld+json").headers["Content-Type"].startswith(
        "application/ld+json")
    assert post(server, data, accept="*/*").headers["Content-Type"].startswith(JSON)
    assert post(server, data, accept="text/html, */*;q=0.1").headers["Content-Type"].startswith("text/html")
    # `output` chooses the format whatever Accept says.
    resp = post(server, data, accept="text/html", params={"output": "turtle"})
    assert resp.headers["Content-Type"].startswith("text/turtle")


def test_nothing_acceptable_is_406(server):
    resp = post(server, example(*BRIELLE), accept="image/png")
    assert resp.status_code == 406
    assert "application/json" in resp.text and "text/turtle" in resp.text


def test_english_by_lang_or_accept_language(server):
    data = example(*BRIELLE)
    for kwargs in ({"params": {"lang": "en"}}, {"headers": {"Accept-Language": "en-GB,en;q=0.9"}},
                   {"headers": {"Accept-Language": "fr, en;q=0.5"}}):
        resp = post(server, data, **kwargs)
        (r,) = resp.json()["results"]
        assert resp.json()["lang"] == "en" and resp.headers["Content-Language"] == "en", kwargs
        assert r["message"].startswith("Municipality Brielle did not exist on 2023-01-01")
        assert r["hint"].startswith("Choose municipalities")
    # Dutch is the default, and `lang` wins over Accept-Language.
    for kwargs in ({}, {"headers": {"Accept-Language": "fr"}},
                   {"params": {"lang": "nl"}, "headers": {"Accept-Language": "en"}}):
        assert post(server, data, **kwargs).json()["results"][0]["message"].startswith("Gemeente Brielle"), kwargs
    page = html.unescape(post(server, data, accept="text/html", params={"lang": "en"}).text)
    assert "Does not conform" in page and "Focus node" in page and "Fix" in page and "Voldoet" not in page


# ----------------------------------------------------------------------------------------------------------------
# Errors: 400, 413, 415
# ----------------------------------------------------------------------------------------------------------------


def test_unreadable_input_is_400_with_line_and_column(server):
    resp = post(server, BROKEN_TURTLE)
    assert resp.status_code == 400
    body = resp.json()
    assert (body["line"], body["column"]) == (4, 5)
    assert body["message"].startswith("regel 4, kolom 5:") and "Turtle" in body["message"]
    en = post(server, BROKEN_TURTLE, params={"lang": "en"}, accept="text/plain")
    assert en.status_code == 400 and "line 4, column 5" in en.text
    bad_json = post(server, b'{\n  "@context": "https://w3id.org/fusiekg/context.jsonld",\n  "naam": }',
                    "application/ld+json").json()
    assert (bad_json["line"], bad_json["column"]) == (3, 11)
    bad_xml = post(server, b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                           b'\n  <rdf:Description>\n</rdf:RDF>\n', "application/rdf+xml").json()
    assert bad_xml["line"] == 4


def test_unreadable_input_in_the_browser_shows_the_line(server):
    resp = requests.post(server + "/validate", files={"tekst": (None, BROKEN_TURTLE.decode())},
                         headers={"Accept": "text/html"})
    assert resp.status_code == 400
    page = html.unescape(resp.text)
    assert "regel 4, kolom 5" in page
    assert "regel 4:</span>\n :c :d .\n" in page.replace("\r", "")  # the offending line, marked
    assert ":a :b :c ." in page  # the pasted text is kept in the form to correct it


def test_too_large_is_413(server):
    big = b"# " + b"x" * 1_000_000 + b"\n"
    resp = post(server, big)
    assert resp.status_code == 413 and "1000000" in resp.text
    # Chunked, without a Content-Length: cut off at the limit, still 413.
    resp = post(server, iter([big[i:i + 65536] for i in range(0, len(big), 65536)]))
    assert resp.status_code == 413
    # As a pasted text in a form.
    resp = requests.post(server + "/validate", files={"tekst": (None, big.decode())}, headers={"Accept": JSON})
    assert resp.status_code == 413


def test_a_description_over_the_isolation_size_is_checked_like_any_other(server):
    """Over `FUSIEKG_VALIDATE_ISOLATE_BYTES` (64 KiB) a description is checked in a process of its own
    (test_validation_process): the same answers from the real server."""
    from test_validation_process import many_fusions

    large = many_fusions(100_000)
    assert 65_536 < len(large) < 1_000_000
    resp = post(server, large)
    assert resp.status_code == 200 and resp.json()["conforms"] is True, resp.text[:300]
    assert resp.headers["Fusiekg-Conforms"] == "true"
    broken = large.replace(b"fkg:startdatum", b"fkg:begonnenOp", 1)
    report = post(server, broken, headers={"Accept-Language": "en"}).json()
    assert report["conforms"] is False and violated_shapes(report) == {str(DSH.Startdatum)}


def test_declared_size_over_the_limit_is_refused_before_the_body_is_read(server):
    """The request says 50 GB and sends a few bytes: the answer must come without waiting for the rest."""
    url = urlsplit(server)
    with socket.create_connection((url.hostname, url.port), timeout=30) as s:
        s.sendall(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/turtle\r\n"
                  b"Accept: application/json\r\nContent-Length: 50000000000\r\n\r\n@prefix : <http://a/> .\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(65536)  # a server waiting for the body never answers: the timeout fails the test
            if not chunk:
                break
            head += chunk
    assert head.startswith(b"HTTP/1.1 413"), head[:200]


def test_unsupported_content_type_is_415(server):
    for content_type in ("application/pdf", "text/csv", "image/png"):
        resp = post(server, b"@prefix : <http://a/> .", content_type)
        assert resp.status_code == 415, content_type
        assert "Turtle" in resp.json()["message"]
        assert "text/turtle" in resp.headers["Accept-Post"]
    resp = post(server, b"x", "text/turtle", params={"format": "csv"})
    assert resp.status_code == 415 and "csv" in resp.json()["message"]


def test_format_parameter_overrides_the_content_type(server):
    data = example("valid", "werkorganisatie.jsonld")
    assert post(server, data, "text/plain", params={"format": "jsonld"}).json()["conforms"] is True
    assert post(server, data, "application/octet-stream", params={"format": "turtle"}).status_code == 400


# ----------------------------------------------------------------------------------------------------------------
# Untrusted input: no connection, no change
# ----------------------------------------------------------------------------------------------------------------




def _hostile(target: str) -> list[tuple[str, bytes, str, set[int]]]:
    """(what, body, content type, statuses that are a clear answer) for descriptions that name the listener."""
    good = json.loads(example("valid", "werkorganisatie.jsonld"))
    inline = context_document()["@context"]  # so that a parser that fetched would reach the listener first
    remote_ctx = {**good, "@context": target + "context.jsonld"}
    ctx_list = {**good, "@context": [target + "extra.jsonld", inline]}
    ctx_import = {**good, "@context": [{"@version": 1.1, "@import": target + "import.jsonld"}, inline]}
    scoped = {**good, "@context": [inline, {"x": {"@id": "https://example.org/x", "@context": target}}],
              "x": {"naam": {"nl": "x"}}}
    xxe = (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY ext SYSTEM "{target}entity"> ]>\n'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns:skos="http://www.w3.org/2004/02/skos/core#">\n'
           '<rdf:Description rdf:about="https://example.org/f"><skos:prefLabel>&ext;</skos:prefLabel>'
           '</rdf:Description>\n</rdf:RDF>\n')
    dtd = (f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{target}rdf.dtd">\n'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    turtle = example("valid", "centrumconstructie.ttl").decode()
    imports = (turtle + "\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
               f"ex:voorbeeld-centrumconstructie-heerenveen-opsterland owl:imports <{target}ontologie.ttl> .\n"
               f"<{target}ontologie.ttl> a owl:Ontology .\n")
    base = f"@base <{target}> .\n" + turtle.replace("ex:voorbeeld-", "<voorbeeld-", 1).replace(
        "opsterland a", "opsterland> a", 1)
    xml_base = (f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                f'xml:base="{target}"><rdf:Description rdf:about="x"/></rdf:RDF>\n')
    refused, report = {400}, {200}
    return [
        ("remote @context", json.dumps(remote_ctx).encode(), "application/ld+json", refused),
        ("remote context in a list", json.dumps(ctx_list).encode(), "application/ld+json", refused),
        ("@import in a context", json.dumps(ctx_import).encode(), "application/ld+json", refused),
        ("scoped remote context", json.dumps(scoped).encode(), "application/json", refused),
        ("XML external entity", xxe.encode(), "application/rdf+xml", refused),
        ("external DTD", dtd.encode(), "application/rdf+xml", refused),
        ("owl:imports", imports.encode(), "text/turtle", report),
        ("@base", base.encode(), "text/turtle", report),
        ("xml:base", xml_base.encode(), "application/rdf+xml", report),
    ]


def test_no_description_makes_the_server_contact_a_listener(server, listener):
    for what, body, content_type, expected in _hostile(listener.url + "/"):
        resp = post(server, body, content_type)
        assert resp.status_code in expected, (what, resp.status_code, resp.text[:300])
        if resp.status_code == 400:
            assert resp.json()["message"], what
        else:
            assert "conforms" in resp.json(), what
        # The same as an upload through the form.
        name = "beschrijving" + {"text/turtle": ".ttl", "application/rdf+xml": ".rdf"}.get(content_type, ".jsonld")
        resp = requests.post(server + "/validate", files={"bestand": (name, io.BytesIO(body))},
                             headers={"Accept": JSON})
        assert resp.status_code in expected, (what, "upload", resp.text[:300])
    assert listener.contacted == 0
    assert post(server, _hostile(listener.url + "/")[0][1], "application/ld+json").json()["message"].count(
        listener.url) == 1  # the refusal names the context it did not fetch


def _count(server: str) -> int:
    query = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    resp = requests.post(server + "/sparql", data={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


def _ask(server: str, pattern: str) -> bool:
    resp = requests.post(server + "/sparql", data={"query": sparql_prologue() + f"ASK {{ {pattern} }}"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=60)
    return resp.json()["boolean"]


def test_validation_never_changes_the_store(server):
    found = requests.post(server + "/sparql", headers={"Accept": "application/sparql-results+json"}, data={
        "query": sparql_prologue() + "SELECT ?o WHERE { ?o a fkg:AmbtelijkeSamenwerking } ORDER BY ?o LIMIT 1"})
    ours = found.json()["results"]["bindings"][0]["o"]["value"]  # a cooperation the store describes
    hijack = f"""@prefix fkg: <https://w3id.org/fusiekg/def/> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix gm: <https://identifier.overheid.nl/tooi/id/gemeente/> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix tooiont: <https://identifier.overheid.nl/tooi/def/ont/> .
<{ours}> a fkg:Werkorganisatie ; skos:prefLabel "Overgenomen door een validatie"@nl ;
    org:classification <https://w3id.org/fusiekg/id/vorm/werkorganisatie> ;
    fkg:startdatum "2023-01-01"^^xsd:date ; org:hasMember gm:gm0310 , gm:gm0312 .
gm:gm0310 skos:prefLabel "Overgenomen door een validatie"@nl ; tooiont:einddatum "2000-01-01"^^xsd:date .
"""
    trig = (f"<https://w3id.org/fusiekg/graph/register> {{ <{ours}> "
            "<http://www.w3.org/2004/02/skos/core#prefLabel> \"Overgenomen door een validatie\"@nl . }\n")
    nquads = (f"<{ours}> <http://www.w3.org/2004/02/skos/core#prefLabel> \"Overgenomen door een validatie\"@nl "
              "<https://w3id.org/fusiekg/graph/article> .\n")
    marker = '?s skos:prefLabel "Overgenomen door een validatie"@nl'
    before = _count(server)
    assert not _ask(server, marker)
    sent = [(hijack.encode(), "text/turtle"), (trig.encode(), "application/trig"),
            (nquads.encode(), "application/n-quads")]
    sent += [(p.read_bytes(), TYPES[p.suffix]) for kind in ("valid", "invalid")
             for p in sorted((EXAMPLES / kind).iterdir())]
    for body, content_type in sent:
        assert post(server, body, content_type).status_code == 200
    assert requests.post(server + "/validate", files={"tekst": (None, hijack)}).status_code == 200
    assert _count(server) == before
    assert not _ask(server, marker)


# ----------------------------------------------------------------------------------------------------------------
# The page, the examples, the context
# ----------------------------------------------------------------------------------------------------------------


def test_page_is_a_dutch_form_listing_every_example(server):
    resp = requests.get(server + "/validate")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    page = html.unescape(resp.text)
    assert '<html lang="nl">' in page and "Controleer" in page and "Beschrijving (plakken)" in page
    assert 'method="post"' in page and 'enctype="multipart/form-data"' in page
    assert 'name="tekst"' in page and 'name="bestand"' in page and 'type="file"' in page
    for kind in ("valid", "invalid"):
        for p in (EXAMPLES / kind).iterdir():
            assert f'value="{kind}/{p.name}"' in page, p.name
    en = html.unescape(requests.get(server + "/validate", params={"lang": "en"}).text)
    assert '<html lang="en">' in en and ">Check</button>" in en and "Controleer" not in en
    assert "Check" in html.unescape(requests.get(server + "/validate", headers={"Accept-Language": "en"}).text)


def test_an_example_loads_into_the_form_and_validates_from_it(server):
    resp = requests.get(server + "/validate", params={"voorbeeld": "invalid/geen-naam.ttl"})
    assert resp.status_code == 200
    page = html.unescape(resp.text)
    text = example("invalid", "geen-naam.ttl").decode()
    assert text in page
    # Submitting the form as a browser without JavaScript does: multipart, the text field, Accept: text/html.
    resp = requests.post(server + "/validate", params={"lang": "nl"}, files={
        "tekst": (None, text), "bestand": ("", b"", "application/octet-stream"), "formaat": (None, ""),
        "output": (None, "html")}, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 200
    page = html.unescape(resp.text)
    assert "Voldoet niet" in page and "De samenwerking heeft geen naam." in page and "dsh:Naam" in page
    assert requests.get(server + "/validate", params={"voorbeeld": "../pyproject.toml"}).status_code == 404
    assert requests.get(server + "/validate", params={"voorbeeld": "invalid/bestaat-niet.ttl"}).status_code == 404


def test_example_files_are_served_and_validate_as_sent(server):
    resp = requests.get(server + "/validate/voorbeelden/valid/werkorganisatie.jsonld")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/ld+json")
    assert resp.content == example("valid", "werkorganisatie.jsonld")
    report = post(server, resp.content, resp.headers["Content-Type"]).json()
    assert report["conforms"] is True
    assert requests.get(server + "/validate/voorbeelden/valid/..%2F..%2Fpyproject.toml").status_code == 404


def test_uploaded_file_is_read_by_its_name_and_reported_under_it(server):
    data = example("invalid", "onbekend-doel.ttl")
    resp = requests.post(server + "/validate", files={"bestand": ("mijn-fusie.ttl", io.BytesIO(data),
                                                                  "application/octet-stream")},
                         headers={"Accept": JSON})
    report = resp.json()
    assert report["source"] == "mijn-fusie.ttl" and violated_shapes(report) == {str(DSH.Doel)}
    jsonld = example("valid", "werkorganisatie.jsonld")
    resp = requests.post(server + "/validate", files={"bestand": ("f.jsonld", io.BytesIO(jsonld), "image/png")},
                         headers={"Accept": JSON})
    assert resp.json()["conforms"] is True  # a browser's odd label does not hide a .jsonld file


def test_context_is_published_as_the_validator_resolves_it(server):
    resp = requests.get(server + "/context.jsonld")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/ld+json")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.json() == context_document()
    assert f"<{CONTEXT_IRI}>" in resp.headers["Link"]
    again = requests.get(server + "/context.jsonld", headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    # A document using the served context (inline) means the same as one naming the context IRI.
    doc = json.loads(example("valid", "werkorganisatie.jsonld"))
    by_iri = Graph().parse(data=post(server, json.dumps(doc).encode(), "application/ld+json",
                                     accept="text/turtle").text, format="turtle")
    doc["@context"] = resp.json()["@context"]
    inline = Graph().parse(data=post(server, json.dumps(doc).encode(), "application/ld+json",
                                     accept="text/turtle").text, format="turtle")
    assert len(by_iri) == len(inline)


# ----------------------------------------------------------------------------------------------------------------
# Quicker with the test client: limits of a small configuration, odd requests, never a 500
# ----------------------------------------------------------------------------------------------------------------


def test_small_limit_applies_to_body_text_field_and_upload(client):
    big = b"# " + b"x" * 3000 + b"\n"
    assert client.post("/validate", data=big, content_type="text/turtle").status_code == 413
    assert client.post("/validate", data={"tekst": big.decode()}).status_code == 413
    resp = client.post("/validate", data={"bestand": (io.BytesIO(big), "b.ttl")}, content_type="multipart/form-data")
    assert resp.status_code == 413 and "3000" in resp.get_data(as_text=True)
    small = example("valid", "centrumconstructie.ttl")
    assert len(small) < 3000
    assert client.post("/validate", data=small, content_type="text/turtle").status_code == 200


def test_timeout_is_503_with_a_clear_message(store_dir):
    app = create_app(Settings(store_dir=store_dir, validate_timeout_s=1e-6))
    resp = app.test_client().post("/validate", data=example("valid", "centrumconstructie.ttl"),
                                  content_type="text/turtle", headers={"Accept": JSON})
    assert resp.status_code == 503
    assert "afgebroken" in resp.get_json()["message"]
    page = app.test_client().post("/validate?lang=en", data={"tekst": example("valid", "centrumconstructie.ttl")},
                                  headers={"Accept": "text/html"})
    assert page.status_code == 503 and "was stopped" in page.get_data(as_text=True)


def test_request_mistakes_get_a_clear_4xx(client):
    data = example("valid", "centrumconstructie.ttl")
    # curl --data-binary without -H 'Content-Type: ...' sends a urlencoded "form" holding no field of ours.
    resp = client.post("/validate", data=data, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and "Content-Type" in resp.get_data(as_text=True)
    assert client.post("/validate", data=b"", content_type="text/turtle").status_code == 400
    assert client.post("/validate", data={"tekst": "  "}).status_code == 400
    assert client.post("/validate?lang=fr", data=data, content_type="text/turtle").status_code == 400
    assert client.post("/validate?output=pdf", data=data, content_type="text/turtle").status_code == 400
    assert client.post("/validate", data=data, content_type="text/turtle; charset=iso-8859-1").status_code == 415
    # A urlencoded form with the text field works too (a form without enctype).
    resp = client.post("/validate", data={"tekst": data.decode(), "lang": "en", "output": "text"})
    assert resp.status_code == 200 and resp.get_data(as_text=True).startswith("conforms")


@pytest.mark.parametrize("body, content_type", [
    (b"\xff\xfe\x00garbage", "text/turtle"),
    (b"[" * 100_000, "application/ld+json"),
    (b'{"@context": {"@vocab": 5}}', "application/ld+json"),
    (b"<https://example.org/a b> <https://example.org/p> <https://example.org/o> .", "application/n-triples"),
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><a>&b;</a>',
     "application/rdf+xml"),
    (b"@prefix : <http://a/> . :a :b " + b"(" * 3000 + b")" * 3000 + b" .", "text/turtle"),
    (b"\xef\xbb\xbf", "text/turtle"),
    (b'"just a string"', "application/json"),
    (b"<https://example.org/a> <https://example.org/p> \"x\"^^<http://www.w3.org/2001/XMLSchema#date> .",
     "text/turtle"),
])
def test_odd_input_is_never_a_500(roomy_client, body, content_type):
    resp = roomy_client.post("/validate", data=body, content_type=content_type, headers={"Accept": JSON})
    assert resp.status_code in (200, 400), resp.get_data(as_text=True)[:300]
    payload = resp.get_json()
    assert ("conforms" in payload) if resp.status_code == 200 else payload["message"]


def test_html_report_shortens_the_iris_inside_a_property_path(client):
    # the text report wrote (fkg:heeftDoel|(^org:organization/fkg:heeftDoel)); the page wrote the full <IRIs>
    resp = client.post("/validate?lang=nl", data=example("advice", "geen-doel.ttl"), content_type="text/turtle",
                       headers={"Accept": "text/html"})
    page = html.unescape(resp.get_data(as_text=True))
    assert "(fkg:heeftDoel|(^org:organization/fkg:heeftDoel))" in page
    assert "<https://w3id.org/fusiekg/def/heeftDoel>" not in page


def test_a_compressed_body_is_refused_by_its_content_encoding(client):
    # it was read as text and reported as "geen geldige UTF-8-tekst" at line 1, column 2
    import gzip

    body = gzip.compress(example("valid", "centrumconstructie.ttl"))
    resp = client.post("/validate?lang=nl", data=body, content_type="text/turtle",
                       headers={"Content-Encoding": "gzip", "Accept": "text/plain"})
    assert resp.status_code == 415
    text = resp.get_data(as_text=True)
    assert "Content-Encoding" in text and "gzip" in text and "UTF-8-tekst" not in text


def test_request_mistakes_on_the_dutch_page_are_told_in_dutch(client):
    page = client.get("/validate?voorbeeld=valid/bestaat-niet.ttl&lang=nl", headers={"Accept": "text/html"})
    assert page.status_code == 404
    text = html.unescape(page.get_data(as_text=True))
    assert "bestaat-niet.ttl" in text and "voorbeeld" in text and "there is no example" not in text
    resp = client.post("/validate?lang=nl", data={"tekst": "x", "output": "pdf"}, headers={"Accept": "text/html"})
    text = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 400 and "pdf" in text and "is not a report format" not in text
