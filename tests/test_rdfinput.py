"""Safe parsing of untrusted RDF: formats, positions of syntax errors, size limit, and nothing ever fetched."""

from __future__ import annotations

import json

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib import namespace as rns

from fusiekg import rdfinput
from fusiekg.namespaces import FKG, GM, ID, PREFIXES
from fusiekg.rdfinput import CONTEXT_IRI, InputError, InputTooLarge, detect_format, parse

EX = "https://example.org/fusie/x"


def triples(parsed: Graph | Dataset) -> set:
    if isinstance(parsed, Dataset):
        return {(s, p, o) for s, p, o, _g in parsed.quads((None, None, None, None))}
    return set(parsed)


# ----------------------------------------------------------------------------------------------------------------
# A listener on 127.0.0.1 that records every connection, to prove that nothing is ever fetched
# ----------------------------------------------------------------------------------------------------------------




def test_remote_jsonld_context_is_refused_and_never_fetched(listener):
    doc = {"@context": f"{listener.url}/context.jsonld", "@id": EX, "naam": "x"}
    with pytest.raises(InputError) as err:
        parse(json.dumps(doc).encode(), fmt="json-ld")
    assert f"{listener.url}/context.jsonld" in err.value.message_nl
    assert "not fetched" in err.value.message_en
    assert listener.contacted == 0


@pytest.mark.parametrize("doc", [
    {"@context": [CONTEXT_IRI, "{url}/more.jsonld"], "@id": EX},
    {"@context": {"p": {"@id": "http://a/p", "@context": "{url}/scoped.jsonld"}}, "@id": EX, "p": {"@id": EX}},
    {"@context": {"@import": "{url}/imported.jsonld"}, "@id": EX},
    {"@id": EX, "http://a/p": {"@context": "{url}/nested.jsonld", "@id": "http://a/o"}},
    {"@context": "file:///etc/hostname", "@id": EX},
])
def test_every_other_context_reference_is_refused(listener, doc):
    text = json.dumps(doc).replace("{url}", listener.url)
    with pytest.raises(InputError):
        parse(text.encode(), fmt="json-ld")
    assert listener.contacted == 0


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE rdf:RDF [<!ENTITY ext SYSTEM "{url}/entity.xml">]>',
    '<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>',
    '<!DOCTYPE rdf:RDF SYSTEM "{url}/rdf.dtd">',
])
def test_rdfxml_with_entities_is_refused_and_never_fetched(listener, doctype):
    xml = ('<?xml version="1.0"?>\n' + doctype.replace("{url}", listener.url) + "\n"
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://a/">\n'
           '  <rdf:Description rdf:about="http://a/s"><ex:p>&ext;</ex:p></rdf:Description>\n</rdf:RDF>\n')
    with pytest.raises(InputError) as err:
        parse(xml.encode(), fmt="rdfxml")
    assert err.value.line == 2
    assert "DOCTYPE" in err.value.message_nl and "DOCTYPE" in err.value.message_en
    assert listener.contacted == 0


def test_owl_imports_is_kept_as_a_statement_but_never_followed(listener):
    ttl = f"<{EX}> <{rns.OWL.imports}> <{listener.url}/ontology.ttl> .\n"
    g = parse(ttl.encode(), fmt="turtle")
    assert (URIRef(EX), rns.OWL.imports, URIRef(f"{listener.url}/ontology.ttl")) in g
    assert len(g) == 1
    assert listener.contacted == 0


# ----------------------------------------------------------------------------------------------------------------
# Formats
# ----------------------------------------------------------------------------------------------------------------

SAME_TRIPLE = (URIRef(EX), rns.SKOS.prefLabel, Literal("Voorbeeld", lang="nl"))
ONE_TRIPLE_IN_EACH_FORMAT = {
    "turtle": f'<{EX}> <{rns.SKOS.prefLabel}> "Voorbeeld"@nl .',
    "ntriples": f'<{EX}> <{rns.SKOS.prefLabel}> "Voorbeeld"@nl .\n',
    "jsonld": json.dumps({"@id": EX, str(rns.SKOS.prefLabel): {"@value": "Voorbeeld", "@language": "nl"}}),
    "rdfxml": ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
               f'xmlns:skos="{rns.SKOS}"><rdf:Description rdf:about="{EX}">'
               '<skos:prefLabel xml:lang="nl">Voorbeeld</skos:prefLabel></rdf:Description></rdf:RDF>'),
    "trig": f'<http://a/g> {{ <{EX}> <{rns.SKOS.prefLabel}> "Voorbeeld"@nl . }}',
    "nquads": f'<{EX}> <{rns.SKOS.prefLabel}> "Voorbeeld"@nl <http://a/g> .\n',
}


@pytest.mark.parametrize("fmt", sorted(ONE_TRIPLE_IN_EACH_FORMAT))
def test_each_format_gives_the_same_statement(fmt):
    assert triples(parse(ONE_TRIPLE_IN_EACH_FORMAT[fmt].encode(), fmt=fmt)) == {SAME_TRIPLE}


@pytest.mark.parametrize("kwargs, expected", [
    ({"fmt": "ttl"}, "turtle"),
    ({"fmt": "json-ld", "content_type": "text/turtle"}, "jsonld"),  # explicit format wins
    ({"content_type": "text/turtle; charset=utf-8", "filename": "x.jsonld"}, "turtle"),  # then Content-Type
    ({"content_type": "application/ld+json"}, "jsonld"),
    ({"content_type": "application/octet-stream", "filename": "x.nq"}, "nquads"),  # vague type: file name
    ({"filename": "beschrijving.rdf"}, "rdfxml"),
    ({"filename": "beschrijving.trig"}, "trig"),
    ({"data": b'  {"@id": "x"}'}, "jsonld"),  # nothing given: a look at the bytes
    ({"data": b"<?xml version='1.0'?><rdf:RDF/>"}, "rdfxml"),
    ({"data": b"@prefix : <http://a/> ."}, "turtle"),
])
def test_format_comes_from_fmt_then_content_type_then_extension(kwargs, expected):
    assert detect_format(**kwargs) == expected


@pytest.mark.parametrize("kwargs", [{"fmt": "yaml"}, {"content_type": "text/html"}])
def test_unknown_format_is_a_clear_error(kwargs):
    with pytest.raises(InputError) as err:
        parse(b"x", **kwargs)
    assert "formaat" in err.value.message_nl.lower() or "Content-Type" in err.value.message_nl


# ----------------------------------------------------------------------------------------------------------------
# Errors with line and column
# ----------------------------------------------------------------------------------------------------------------


def test_turtle_syntax_error_has_line_and_column():
    ttl = b"@prefix ex: <http://ex/> .\nex:a ex:b ex:c .\nex:a ex:b \n ex:c ex:d .\n"
    with pytest.raises(InputError) as err:
        parse(ttl, fmt="turtle")
    assert (err.value.line, err.value.column) == (4, 7)
    assert err.value.localized("nl").startswith("regel 4, kolom 7: De invoer is geen geldige Turtle")
    assert err.value.localized("en").startswith("line 4, column 7: The input is not valid Turtle")


def test_turtle_error_after_non_ascii_text_counts_characters():
    ttl = '@prefix ex: <http://ex/> .\nex:a ex:b "één" .\nex:a ex:b é .\n'.encode()
    with pytest.raises(InputError) as err:
        parse(ttl, fmt="turtle")
    assert err.value.line == 3


def test_ntriples_error_names_the_line():
    nt = b"<http://a> <http://b> <http://c> .\n\n<http://a> <http://b> c .\n"
    with pytest.raises(InputError) as err:
        parse(nt, fmt="ntriples")
    assert err.value.line == 3


def test_nquads_error_names_the_line():
    nq = b"<http://a> <http://b> <http://c> <http://g> .\n<http://a> <http://b> c <http://g> .\n"
    with pytest.raises(InputError) as err:
        parse(nq, fmt="nquads")
    assert err.value.line == 2


def test_json_syntax_error_has_line_and_column():
    with pytest.raises(InputError) as err:
        parse(b'{"@id": "x",\n  "a": ]}', fmt="json-ld")
    assert (err.value.line, err.value.column) == (2, 8)


def test_xml_syntax_error_has_line_and_column():
    xml = (b"<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n"
           b"<rdf:Description rdf:about='http://a'>\n<x>\n</rdf:RDF>")
    with pytest.raises(InputError) as err:
        parse(xml, fmt="rdfxml")
    assert err.value.line == 5


def test_invalid_utf8_has_a_position():
    with pytest.raises(InputError) as err:
        parse(b'<http://a> <http://b> "ok" .\n<http://a> <http://b> "\xff" .', fmt="turtle")
    assert err.value.line == 2
    assert "UTF-8" in err.value.message_nl
    # a file saved by a Windows editor in its own encoding: say what to do
    assert "sla het bestand op als UTF-8" in err.value.message_nl and "save the file as UTF-8" in err.value.message_en


def test_deep_nesting_is_an_input_error_not_a_crash():
    with pytest.raises(InputError):
        parse(b"<http://a> <http://b> " + b"(" * 5000 + b")" * 5000 + b" .", fmt="turtle")


def test_invalid_iri_is_refused_with_the_iri():
    with pytest.raises(InputError) as err:
        parse(b"<http://a b> <http://b> <http://c> .", fmt="turtle")
    assert "<http://a b>" in err.value.message_nl


def test_size_limit_is_checked_before_parsing():
    data = b"<http://a> <http://b> <http://c> .\n" * 10
    assert len(parse(data, fmt="nt", max_bytes=len(data))) == 1
    with pytest.raises(InputTooLarge) as err:
        parse(data, fmt="nt", max_bytes=len(data) - 1)
    assert str(len(data)) in err.value.message_nl and str(len(data) - 1) in err.value.message_en


def test_relative_iris_do_not_reveal_the_servers_folder():
    g = parse(b"<#a> <b> <c> .", fmt="turtle")
    assert all(not str(t).startswith("file:") for triple in g for t in triple)
    g = parse(b"<#a> <b> <c> .", fmt="turtle", base="https://example.org/doc")
    assert (URIRef("https://example.org/doc#a"), URIRef("https://example.org/b"), URIRef("https://example.org/c")) in g


# ----------------------------------------------------------------------------------------------------------------
# Our JSON-LD context
# ----------------------------------------------------------------------------------------------------------------


def test_plain_json_with_our_context_maps_to_our_terms():
    doc = {
        "@context": CONTEXT_IRI, "@id": EX, "type": "Werkorganisatie",
        "naam": {"nl": "Voorbeeld", "en": "Example"}, "vorm": "werkorganisatie",
        "deelnemers": ["gm0310", {"cbsCode": "GM0312"}], "centrumgemeente": "gm0310",
        "startdatum": "2023-01-01", "einddatum": "2030-12-31", "doelen": ["minder-kwetsbaarheid"],
        "voornemenHerindeling": False,
        "lidmaatschappen": [{"id": EX + "-lid", "type": "Lidmaatschap", "gemeente": "gm0310", "rol": "deelnemer",
                             "periode": {"begin": {"datum": "2023-01-01"}, "einde": {"jaar": "2030"}},
                             "doelen": ["betere-dienstverlening"]}],
    }
    g = triples(parse(json.dumps(doc).encode(), content_type="application/ld+json"))
    s, m = URIRef(EX), URIRef(EX + "-lid")
    expected = {
        (s, rns.RDF.type, FKG.Werkorganisatie),
        (s, rns.SKOS.prefLabel, Literal("Voorbeeld", lang="nl")), (s, rns.SKOS.prefLabel, Literal("Example", lang="en")),
        (s, rns.ORG.classification, ID["vorm/werkorganisatie"]),
        (s, rns.ORG.hasMember, GM.gm0310), (s, FKG.centrumgemeente, GM.gm0310),
        (s, FKG.startdatum, Literal("2023-01-01", datatype=rns.XSD.date)),
        (s, FKG.einddatum, Literal("2030-12-31", datatype=rns.XSD.date)),
        (s, FKG.heeftDoel, ID["doel/minder-kwetsbaarheid"]),
        (s, FKG.voornemenHerindeling, Literal(False)),
        (m, rns.RDF.type, rns.ORG.Membership), (m, rns.ORG.organization, s), (m, rns.ORG.member, GM.gm0310),
        (m, rns.ORG.role, ID["rol/deelnemer"]), (m, FKG.heeftDoel, ID["doel/betere-dienstverlening"]),
    }
    assert expected <= g
    assert any(p == FKG.cbsCode and o == Literal("GM0312") for _s, p, o in g)
    assert any(p == rns.TIME.inXSDDate and o == Literal("2023-01-01", datatype=rns.XSD.date) for _s, p, o in g)
    assert any(p == rns.TIME.inXSDgYear and o == Literal("2030", datatype=rns.XSD.gYear) for _s, p, o in g)


def test_a_plain_name_stays_a_plain_literal():
    doc = {"@context": CONTEXT_IRI, "@id": EX, "naam": "Voorbeeld"}
    assert triples(parse(json.dumps(doc).encode(), fmt="json-ld")) == {(URIRef(EX), rns.SKOS.prefLabel,
                                                                        Literal("Voorbeeld"))}


def test_context_prefixes_agree_with_the_project_namespaces():
    ctx = rdfinput.context_document()["@context"]
    for prefix, iri in ctx.items():
        if isinstance(iri, str) and not prefix.startswith("@") and prefix in PREFIXES:
            assert iri == PREFIXES[prefix], prefix
    scoped = {ctx[k]["@context"]["@vocab"] for k in ("vorm", "deelnemers", "doelen", "rol")}
    assert scoped == {str(ID["vorm/"]), str(GM), str(ID["doel/"]), str(ID["rol/"])}


@pytest.mark.parametrize(("key", "value"), [
    ("deelnemers", ["De Bilt", "gm0312", "gm0355"]),  # a municipality by its name instead of its code
    ("doelen", ["betere dienstverlening"]),  # a goal with a space instead of a hyphen
    ("@id", "https://example.org/fusie/mijn fusie"),  # the cooperation itself
])
def test_a_jsonld_value_that_cannot_be_an_iri_is_refused_with_its_position_not_dropped(key, value):
    # JSON-LD processors silently drop a node reference that does not expand to an IRI; the user would then be told
    # that a participant, a goal or the whole cooperation is missing without knowing why.
    doc = {"@context": CONTEXT_IRI, "@id": EX, "type": "Werkorganisatie", "naam": {"nl": "Voorbeeld"}}
    doc[key] = value
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    bad = next(v for v in (value if isinstance(value, list) else [value]) if " " in v)
    with pytest.raises(InputError) as err:
        parse(text.encode(), fmt="json-ld")
    assert f'"{bad}"' in err.value.message_nl and f'"{bad}"' in err.value.message_en
    assert "IRI" in err.value.message_nl
    line, column = rdfinput._position(text, text.index(json.dumps(bad, ensure_ascii=False)))
    assert (err.value.line, err.value.column) == (line, column)


_TTL_PREFIXES = ("@prefix fkg: <https://w3id.org/fusiekg/def/> .\n@prefix fkgid: <https://w3id.org/fusiekg/id/> .\n"
                 "@prefix ex: <https://example.org/fusie/> .\n")


@pytest.mark.parametrize(("turtle", "nl_words", "en_words"), [
    # a prefix that is not declared: the declaration to add, when the prefix is one of ours
    ("ex:a fkg:x gm:gm0310 .", ["voorvoegsel \"gm:\"", "@prefix gm: <https://identifier.overheid.nl/tooi/id/gemeente/> ."],
     ["prefix \"gm:\"", "@prefix gm: <https://identifier.overheid.nl/tooi/id/gemeente/> ."]),
    ("ex:a fkg:x ex2:b .", ["voorvoegsel \"ex2:\"", "@prefix ex2:"], ["prefix \"ex2:\"", "@prefix ex2:"]),
    # a "/" in a prefixed name, as in fkgid:vorm/werkorganisatie
    ("ex:a fkg:x fkgid:vorm/werkorganisatie .", ["/", "<https://w3id.org/fusiekg/id/vorm/werkorganisatie>"],
     ["/", "<https://w3id.org/fusiekg/id/vorm/werkorganisatie>"]),
    # curly quotes from a word processor
    ("ex:a fkg:x \u201cDe Bilt\u201d .", ["gekruld aanhalingsteken", "\"De Bilt\""], ["curly quotation mark", "\"De Bilt\""]),
    # a missing full stop
    ("ex:a fkg:x ex:b\nex:c fkg:x ex:d .", ["punt"], ["full stop"]),
    ("ex:a fkg:x \"abc .\n", ["aanhalingsteken"], ["quotation mark"]),
])
def test_turtle_syntax_errors_are_explained_in_the_reports_language(turtle, nl_words, en_words):
    with pytest.raises(InputError) as err:
        parse((_TTL_PREFIXES + turtle).encode(), fmt="turtle")
    nl, en = err.value.message_nl, err.value.message_en
    assert err.value.line is not None
    for word in nl_words:
        assert word in nl, nl
    for word in en_words:
        assert word in en, en
    # the Dutch message holds none of the parser's English
    for english in ("expected", "not bound", "found in", "objectList"):
        assert english not in nl, nl


@pytest.mark.parametrize(("data", "fmt", "nl_words"), [
    (b"ex:a ex:b ex:c .\n", "ntriples", ["voluit tussen < >", "punt"]),
    (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<rdf:Description>\n'
     b"</rdf:RDF>", "rdfxml", ["sluitende tag"]),
    (b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
     b'<rdf:Description rdf:about="https://example.org/a"><skos:prefLabel>x</skos:prefLabel></rdf:Description>'
     b"</rdf:RDF>", "rdfxml", ["voorvoegsel", "xmlns"]),
])
def test_ntriples_and_xml_syntax_errors_are_explained_in_dutch(data, fmt, nl_words):
    with pytest.raises(InputError) as err:
        parse(data, fmt=fmt)
    assert err.value.line is not None
    for word in nl_words:
        assert word in err.value.message_nl, err.value.message_nl
    for english in ("Invalid line", "mismatched", "unbound", "in het Engels"):
        assert english not in err.value.message_nl, err.value.message_nl


@pytest.mark.parametrize(("text", "nl_word"), [
    ('{\n "naam": "x"\n "vorm": "werkorganisatie"\n}', "komma"),  # a missing comma between two keys
    ("{\n 'naam': 'x'\n}", "dubbele aanhalingstekens"),  # single quotes
    ('{\n "naam": "x",\n}', "dubbele aanhalingstekens"),  # a trailing comma
    ('{\n "naam": \n}', "waarde"),
])
def test_json_syntax_errors_are_explained_in_dutch(text, nl_word):
    with pytest.raises(InputError) as err:
        parse(text.encode(), fmt="json-ld")
    assert err.value.line is not None
    assert nl_word in err.value.message_nl, err.value.message_nl
    assert "Expecting" not in err.value.message_nl and "Expecting" in err.value.message_en


def test_rdfxml_in_the_encoding_its_declaration_names_is_read():
    # XML may declare its own encoding; it was decoded as UTF-8 and refused with Python's codec error
    xml = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n'
           '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns:skos="http://www.w3.org/2004/02/skos/core#">\n'
           '<rdf:Description rdf:about="https://example.org/fusie/x"><skos:prefLabel>Súdwest-Fryslân coöperatie'
           '</skos:prefLabel></rdf:Description></rdf:RDF>').encode("iso-8859-1")
    g = parse(xml, fmt="rdfxml")
    assert triples(g) == {(URIRef(EX), rns.SKOS.prefLabel, Literal("Súdwest-Fryslân coöperatie"))}


@pytest.mark.parametrize(("data", "word"), [
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "zip"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
])
def test_an_archive_is_named_as_such(data, word):
    # it was "not valid UTF-8 text at line 1, column 3", which sends the user looking in the wrong place
    for fmt in ("turtle", "rdfxml", "json-ld", None):
        with pytest.raises(InputError) as err:
            parse(data, fmt=fmt)
        assert word in err.value.message_nl and word in err.value.message_en
        assert "UTF-8" not in err.value.message_nl


@pytest.mark.parametrize(("data", "fmt", "line"), [
    (b'@prefix ex: <https://example.org/fusie/> .\n\nex:a ex:b <https://example.org/fusie/De Bilt> .\n', "turtle", 3),
    (b'{"@context": "https://w3id.org/fusiekg/context.jsonld",\n "@id": "https://example.org/fusie/x",\n'
     b' "start datum": "2023-01-01"}', "json-ld", 3),
])
def test_an_invalid_iri_is_refused_with_its_position_and_in_dutch(data, fmt, line):
    with pytest.raises(InputError) as err:
        parse(data, fmt=fmt)
    assert err.value.line == line
    assert "spatie" in err.value.message_nl and "code point" not in err.value.message_nl
