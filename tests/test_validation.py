"""Validation of fusion descriptions: the shipped examples, the report in Dutch and English, the CLI's exit codes,
and the promises that nothing is fetched and no stored graph changes."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from fusiekg import validation
from fusiekg.namespaces import FKG, ID
from fusiekg.rdfinput import InputError, InputTooLarge, parse
from fusiekg.validation import DSH, ValidationTimeout, validate, validate_graph
from fusiekg.validation_cli import validate_cmd

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
VALID = sorted((EXAMPLES / "valid").iterdir())
ADVICE = sorted((EXAMPLES / "advice").glob("*.ttl"))

# Each invalid example breaks exactly one rule: file name → the shape of that rule.
INVALID = {
    "geen-samenwerking.ttl": "BeschrijvingAanwezig",
    "geen-naam.ttl": "Naam",
    "onbekende-vorm.ttl": "Vorm",
    "een-deelnemer.ttl": "Deelnemers",
    "onbekende-gemeente.ttl": "BekendeGemeente",
    "gemeente-bestond-niet-op-startdatum.ttl": "GemeenteOpStartdatum",
    "centrumconstructie-zonder-centrumgemeente.ttl": "Centrumgemeente",
    "centrumgemeente-geen-deelnemer.ttl": "CentrumgemeenteDeelnemer",
    "geen-startdatum.ttl": "Startdatum",
    "einddatum-voor-startdatum.ttl": "Einddatum",
    "gemeente-dubbel.ttl": "GemeenteDubbel",
    "lidmaatschappen-overlappen.ttl": "GemeenteDubbel",
    "onbekend-doel.ttl": "Doel",
    "lidmaatschap-buiten-looptijd.ttl": "LidmaatschapLooptijd",
}
# Advice examples: file name → (severity, shape, failure factor it links to)
ADVICE_EXPECTED = {
    "geen-doel.ttl": ("info", "GeenDoelAdvies", "twijfel-of-fusie-doel-dient"),
    "verschillende-doelen.ttl": ("warning", "VerschillendeDoelenAdvies", "onverenigbare-doelen-van-partners"),
    "voornemen-herindeling.ttl": ("warning", "VoornemenHerindelingAdvies",
                                  "fusie-gepresenteerd-als-opmaat-naar-herindeling"),
}

PREFIXES = """@prefix fkg: <https://w3id.org/fusiekg/def/> . @prefix gm: <https://identifier.overheid.nl/tooi/id/gemeente/> .
@prefix org: <http://www.w3.org/ns/org#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix tooiont: <https://identifier.overheid.nl/tooi/def/ont/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
"""


def describe(members: str, extra: str = "") -> bytes:
    """A small werkorganisatie description around the given members (Turtle)."""
    return (PREFIXES + f"""
<https://example.org/fusie/t> a fkg:Werkorganisatie ; skos:prefLabel "Test"@nl ;
    org:classification <https://w3id.org/fusiekg/id/vorm/werkorganisatie> ;
    fkg:startdatum "2023-01-01"^^xsd:date ; org:hasMember {members} ;
    fkg:heeftDoel <https://w3id.org/fusiekg/id/doel/minder-kwetsbaarheid> .
{extra}""").encode()


def shapes_of(report, severity="violation") -> set[str]:
    return {r.source_shape.rsplit("/", 1)[-1] for r in report.results if r.severity == severity}


def run_cli(*args):
    return CliRunner().invoke(validate_cmd, [str(a) for a in args])


# ----------------------------------------------------------------------------------------------------------------
# The examples
# ----------------------------------------------------------------------------------------------------------------


def test_every_rule_has_an_invalid_example_and_every_example_is_listed():
    on_disk = {p.name for p in (EXAMPLES / "invalid").iterdir()}
    assert on_disk == set(INVALID)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in [*on_disk, *(p.name for p in VALID), *(p.name for p in ADVICE)]:
        assert name in readme, name
    rules = {str(s).rsplit("/", 1)[-1] for s in validation.engine().shapes.subjects(RDF.type, SH.PropertyShape)}
    rules |= {"BeschrijvingAanwezig"}
    violations = {r for r in rules if "Advies" not in r}
    assert violations == set(INVALID.values())


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_conforms_without_any_finding(path):
    report = validate(path.read_bytes(), filename=path.name)
    assert report.conforms, report.to_text()
    assert report.results == []
    result = run_cli(path)
    assert result.exit_code == 0, result.output
    assert "voldoet" in result.output


@pytest.mark.parametrize("name, shape", sorted(INVALID.items()))
def test_invalid_example_breaks_exactly_its_rule(name, shape):
    path = EXAMPLES / "invalid" / name
    report = validate(path.read_bytes(), filename=name)
    assert not report.conforms
    assert shapes_of(report) == {shape}
    assert not report.warnings and not report.infos
    for r in report.violations:
        assert r.source_shape == str(DSH[shape])
        assert r.message and r.hint and r.rule
    result = run_cli(path)
    assert result.exit_code == 1, result.output
    assert shape in result.output


@pytest.mark.parametrize("name", sorted(ADVICE_EXPECTED))
def test_advice_example_conforms_with_advice_linked_to_its_failure_factor(name):
    severity, shape, factor = ADVICE_EXPECTED[name]
    report = validate((EXAMPLES / "advice" / name).read_bytes(), filename=name)
    assert report.conforms
    assert not report.violations
    assert {r.source_shape.rsplit("/", 1)[-1] for r in report.results} == {shape}
    assert {r.severity for r in report.results} == {severity}
    for r in report.results:
        assert r.see_also == (str(ID[f"faalfactor/{factor}"]),)
    assert run_cli(EXAMPLES / "advice" / name).exit_code == 0


# ----------------------------------------------------------------------------------------------------------------
# Messages and report formats
# ----------------------------------------------------------------------------------------------------------------


def test_messages_name_the_municipality_and_dates_in_dutch_and_english():
    data = (EXAMPLES / "invalid" / "gemeente-bestond-niet-op-startdatum.ttl").read_bytes()
    nl = validate(data, lang="nl").violations[0]
    en = validate(data, lang="en").violations[0]
    assert nl.message == "Gemeente Brielle bestond niet op 2023-01-01: volgens TOOI bestond zij tot en met 2022-12-31."
    assert en.message == ("Municipality Brielle did not exist on 2023-01-01: according to TOOI it existed up to and "
                          "including 2022-12-31.")
    assert nl.hint != en.hint and en.hint.startswith("Choose municipalities")
    assert nl.value_label == "Brielle" and nl.value.endswith("/gm0501")


# Every message template with optional parts, each part missing in turn (TOOI facts from data/tooi: Brielle ended
# 2022-12-31 with no start date, Het Hogeland started 2019-01-01, Menameradiel existed 2011-01-01 to 2017-12-31).
def _cooperation(members: str, start: str = "2023-01-01", extra: str = "", end: str | None = None) -> bytes:
    ending = f' ; fkg:einddatum "{end}"^^xsd:date' if end else ""
    return (PREFIXES + f"""@prefix time: <http://www.w3.org/2006/time#> .
<https://example.org/fusie/t> a fkg:Werkorganisatie ; skos:prefLabel "Test"@nl ;
    org:classification <https://w3id.org/fusiekg/id/vorm/werkorganisatie> ;
    fkg:startdatum "{start}"^^xsd:date{ending} ; org:hasMember {members} ;
    fkg:heeftDoel <https://w3id.org/fusiekg/id/doel/minder-kwetsbaarheid> .
{extra}""").encode()


def _membership(member: str, begin: str | None, end: str | None) -> str:
    parts = [f'time:hasBeginning [ time:inXSDDate "{begin}"^^xsd:date ]' if begin else "",
             f'time:hasEnd [ time:inXSDDate "{end}"^^xsd:date ]' if end else ""]
    during = " ; ".join(p for p in parts if p)
    return (f"<https://example.org/fusie/t-lid> a org:Membership ; org:organization <https://example.org/fusie/t> ;"
            f" org:member {member} ; org:memberDuring [ {during} ] .")


TEMPLATE_CASES = {
    "municipality ended, no start in TOOI": (
        _cooperation("gm:gm0501, gm:gm0489"), "GemeenteOpStartdatum",
        "Gemeente Brielle bestond niet op 2023-01-01: volgens TOOI bestond zij tot en met 2022-12-31.",
        "Municipality Brielle did not exist on 2023-01-01: according to TOOI it existed up to and including 2022-12-31."),
    "municipality started later, no end in TOOI": (
        _cooperation("gm:gm1966, gm:gm0489", start="2015-01-01"), "GemeenteOpStartdatum",
        "Gemeente Het Hogeland bestond niet op 2015-01-01: volgens TOOI bestond zij vanaf 2019-01-01.",
        "Municipality Het Hogeland did not exist on 2015-01-01: according to TOOI it existed from 2019-01-01 on."),
    "municipality with both dates in TOOI": (
        _cooperation("gm:gm1908, gm:gm0489", start="2020-01-01"), "GemeenteOpStartdatum",
        "Gemeente Menameradiel bestond niet op 2020-01-01: volgens TOOI bestond zij van 2011-01-01 tot en met "
        "2017-12-31.",
        "Municipality Menameradiel did not exist on 2020-01-01: according to TOOI it existed from 2011-01-01 up to and "
        "including 2017-12-31."),
    "participant without IRI or code": (
        _cooperation("gm:gm0489, gm:gm0597, [ skos:prefLabel \"Ergens\"@nl ]"), "BekendeGemeente",
        "Deelnemer zonder IRI of CBS-code is geen gemeente uit het TOOI-register.",
        "Participant without an IRI or CBS code is not a municipality in the TOOI register."),
    "membership start only, cooperation start only": (
        _cooperation("gm:gm0489, gm:gm0597", extra=_membership("gm:gm0489", "2022-07-01", None)),
        "LidmaatschapLooptijd",
        "Het lidmaatschap van Barendrecht (vanaf 2022-07-01) valt buiten de looptijd van de samenwerking "
        "(vanaf 2023-01-01).",
        "The membership of Barendrecht (from 2022-07-01) falls outside the life of the cooperation (from 2023-01-01)."),
    "membership end only, cooperation both dates": (
        _cooperation("gm:gm0489, gm:gm0597", end="2024-12-31",
                     extra=_membership("gm:gm0489", None, "2025-06-01")),
        "LidmaatschapLooptijd",
        "Het lidmaatschap van Barendrecht (tot en met 2025-06-01) valt buiten de looptijd van de samenwerking "
        "(2023-01-01 tot en met 2024-12-31).",
        "The membership of Barendrecht (up to and including 2025-06-01) falls outside the life of the cooperation "
        "(2023-01-01 up to and including 2024-12-31)."),
    "membership of a member without name, both membership dates": (
        _cooperation("gm:gm0489, gm:gm0597", extra=_membership("[ ]", "2023-06-01", "2023-02-01")),
        "LidmaatschapLooptijd",
        "Het lidmaatschap van een lid zonder naam, IRI of CBS-code (2023-06-01 tot en met 2023-02-01) valt buiten de "
        "looptijd van de samenwerking (vanaf 2023-01-01).",
        "The membership of a member without a name, IRI or CBS code (2023-06-01 up to and including 2023-02-01) falls "
        "outside the life of the cooperation (from 2023-01-01)."),
}
_UNFILLED = re.compile(r"\.\.\.|\{[?$]\w+\}|\(\s*\)| - |\bNone\b")


@pytest.mark.parametrize("case", list(TEMPLATE_CASES))
def test_message_templates_read_well_with_optional_parts_missing(case):
    data, shape, nl, en = TEMPLATE_CASES[case]
    for lang, expected in (("nl", nl), ("en", en)):
        found = [r.message for r in validate(data, lang=lang).results if r.source_shape == str(DSH[shape])]
        assert found == [expected], (lang, found)


def test_no_message_of_any_example_has_an_unfilled_part():
    files = sorted((EXAMPLES / "invalid").glob("*.ttl")) + ADVICE + VALID
    for data in [f.read_bytes() for f in files] + [c[0] for c in TEMPLATE_CASES.values()]:
        for lang in ("nl", "en"):
            for r in validate(data, lang=lang).results:
                assert not _UNFILLED.search(r.message), r.message


def test_shapes_have_no_placeholder_for_a_missing_value():
    """A message slot must never be filled with a stand-in such as "..." or "-": each optional part gets its own
    wording in both languages (see the cases above)."""
    text = (Path(__file__).resolve().parents[1] / "shapes" / "description.ttl").read_text(encoding="utf-8")
    assert not re.search(r'COALESCE\([^)]*"(\.\.\.|-)"\s*\)', text)
    assert '"..."' not in text


def test_cli_speaks_english_with_lang_en():
    result = run_cli("--lang", "en", EXAMPLES / "invalid" / "geen-naam.ttl")
    assert result.exit_code == 1
    assert "does NOT conform" in result.output
    assert "The cooperation has no name." in result.output
    assert "De samenwerking" not in result.output


def test_json_output_is_plain_and_documented():
    result = run_cli("--output", "json", EXAMPLES / "invalid" / "onbekende-gemeente.ttl")
    data = json.loads(result.output)
    assert set(data) == {"conforms", "lang", "source", "summary", "results"}
    assert data["summary"] == {"violations": 1, "warnings": 0, "infos": 0}
    (r,) = data["results"]
    assert set(r) == {"severity", "focus_node", "focus_label", "path", "value", "value_label", "message", "hint",
                      "rule", "source_shape", "constraint_component", "see_also"}
    assert r["message"] == "Deelnemer GM9999 is geen gemeente uit het TOOI-register."
    assert r["path"] == "http://www.w3.org/ns/org#hasMember"


def test_json_output_for_several_files_is_a_list_with_errors_in_place(tmp_path):
    bad = tmp_path / "kapot.ttl"
    bad.write_text("@prefix : <http://a/> .\n:a :b\n", encoding="utf-8")
    result = run_cli("--output", "json", EXAMPLES / "valid" / "centrumconstructie.ttl", bad)
    assert result.exit_code == 2
    entries = json.loads(result.stdout)
    assert entries[0]["conforms"] is True
    assert entries[1]["error"]["line"] == 2


@pytest.mark.parametrize("output, fmt", [("turtle", "turtle"), ("json-ld", "json-ld")])
def test_rdf_output_is_a_shacl_report_in_one_language(output, fmt):
    result = run_cli("--output", output, "--lang", "en", EXAMPLES / "advice" / "voornemen-herindeling.ttl")
    assert result.exit_code == 0
    g = Graph().parse(data=result.output, format=fmt)
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == Literal(True)
    (res,) = g.objects(report, SH.result)
    assert g.value(res, SH.resultSeverity) == SH.Warning
    assert g.value(res, SH.sourceShape) == DSH.VoornemenHerindelingAdvies
    messages = list(g.objects(res, SH.resultMessage)) + list(g.objects(res, FKG.herstelHint))
    assert messages and all(m.language == "en" for m in messages)
    assert URIRef(ID["faalfactor/fusie-gepresenteerd-als-opmaat-naar-herindeling"]) in set(g.objects(res, None))


def test_text_output_lists_value_hint_and_rule():
    text = validate((EXAMPLES / "invalid" / "gemeente-dubbel.ttl").read_bytes(), filename="x.ttl").to_text()
    assert text.startswith("x.ttl: voldoet NIET (1 fout(en)")
    assert "gm:gm0310 (De Bilt)" in text
    assert "herstel:" in text and "dsh:GemeenteDubbel" in text


# ----------------------------------------------------------------------------------------------------------------
# Unreadable input, limits
# ----------------------------------------------------------------------------------------------------------------


def test_unreadable_input_exits_2_with_line_and_column(tmp_path):
    bad = tmp_path / "kapot.ttl"
    bad.write_text("@prefix : <http://a/> .\n:a :b :c .\n:a :b \n :c :d .\n", encoding="utf-8")
    result = run_cli(bad)
    assert result.exit_code == 2
    assert "kapot.ttl: regel 4, kolom 5" in result.output
    result = run_cli("--lang", "en", bad)
    assert "line 4, column 5" in result.output


def test_missing_file_exits_2(tmp_path):
    result = run_cli(tmp_path / "bestaat-niet.ttl")
    assert result.exit_code == 2


def test_unreadable_file_wins_over_violations(tmp_path):
    bad = tmp_path / "kapot.jsonld"
    bad.write_text('{"@id": ', encoding="utf-8")
    assert run_cli(EXAMPLES / "invalid" / "geen-naam.ttl", bad).exit_code == 2


def test_size_limit_and_timeout_are_clear_errors():
    data = (EXAMPLES / "valid" / "centrumconstructie.ttl").read_bytes()
    with pytest.raises(InputTooLarge):
        validate(data, fmt="turtle", max_bytes=100)
    with pytest.raises(ValidationTimeout) as err:
        validate(data, fmt="turtle", timeout_s=1e-6)
    assert "1e-06 s" in err.value.localized("nl") and "stopped" in err.value.localized("en")
    # the engine is usable again afterwards
    assert validate(data, fmt="turtle").conforms
    result = run_cli("--max-bytes", "100", EXAMPLES / "valid" / "centrumconstructie.ttl")
    assert result.exit_code == 2 and "grens" in result.output


# ----------------------------------------------------------------------------------------------------------------
# Rules in detail
# ----------------------------------------------------------------------------------------------------------------


def test_municipality_by_cbs_code_counts_as_that_municipality():
    report = validate(describe('gm:gm0310 , [ fkg:cbsCode "gm0312" ]'), fmt="turtle")
    assert report.conforms, report.to_text()


def test_a_description_cannot_vouch_for_an_unknown_municipality():
    fake = 'gm:gm9999 a tooiont:Gemeente ; fkg:cbsCode "GM9999" ; tooiont:begindatum "2000-01-01"^^xsd:date .'
    report = validate(describe("gm:gm0310 , gm:gm9999", fake), fmt="turtle")
    assert shapes_of(report) == {"BekendeGemeente"}


def test_a_description_cannot_vouch_for_its_own_goal():
    fake = ("<https://w3id.org/fusiekg/id/doel/eigen> skos:inScheme <https://w3id.org/fusiekg/id/doel> .\n"
            "<https://example.org/fusie/t> fkg:heeftDoel <https://w3id.org/fusiekg/id/doel/eigen> .")
    report = validate(describe("gm:gm0310 , gm:gm0312", fake), fmt="turtle")
    assert shapes_of(report) == {"Doel"}


def test_a_year_as_start_date_is_accepted_and_compared_as_the_whole_year():
    data = describe("gm:gm0310 , gm:gm1992").replace(b'"2023-01-01"^^xsd:date', b'"2023"^^xsd:gYear')
    assert validate(data, fmt="turtle").conforms  # Voorne aan Zee began on 2023-01-01
    data = data.replace(b'"2023"^^xsd:gYear', b'"2022"^^xsd:gYear')
    assert shapes_of(validate(data, fmt="turtle")) == {"GemeenteOpStartdatum"}


def test_same_day_end_is_not_after_start():
    data = describe("gm:gm0310 , gm:gm0312").replace(b"fkg:startdatum", b'fkg:einddatum "2023-01-01"^^xsd:date ; fkg:startdatum')
    assert shapes_of(validate(data, fmt="turtle")) == {"Einddatum"}


def test_two_hosts_for_a_centrumconstructie_is_a_violation():
    data = (EXAMPLES / "valid" / "centrumconstructie.ttl").read_bytes().replace(
        b"fkg:centrumgemeente gm:gm0074 ;", b"fkg:centrumgemeente gm:gm0074 , gm:gm0086 ;")
    report = validate(data, fmt="turtle")
    assert shapes_of(report) == {"Centrumgemeente"}
    assert "noemt er 2" in report.violations[0].message


# ----------------------------------------------------------------------------------------------------------------
# Safety: no connections, no changes
# ----------------------------------------------------------------------------------------------------------------


def test_validation_opens_no_connection(monkeypatch):
    attempts = []
    original = socket.socket.connect

    def record(self, address):
        attempts.append(address)
        return original(self, address)

    validation.engine()  # loading reads local files only, but load it before watching
    monkeypatch.setattr(socket.socket, "connect", record)
    monkeypatch.setattr(socket.socket, "connect_ex", record)
    imports = "<https://example.org/fusie/t> owl:imports <http://127.0.0.1:9/ontologie.ttl> ."
    validate(describe("gm:gm0310 , gm:gm0312", imports), fmt="turtle")
    for path in [*VALID, *ADVICE, *(EXAMPLES / "invalid").iterdir()]:
        validate(path.read_bytes(), filename=path.name)
    assert attempts == []


def test_validation_changes_neither_the_input_nor_the_shared_graphs():
    eng = validation.engine()
    shapes_before = set(eng.shapes)
    reference_before = (dict(eng.gemeenten), dict(eng.concepts))
    description = parse(describe('gm:gm0310 , [ fkg:cbsCode "gm0312" ]', "gm:gm0310 a tooiont:Gemeente ."),
                        fmt="turtle")
    input_before = set(description)
    validate_graph(description)
    validate((EXAMPLES / "invalid" / "gemeente-dubbel.ttl").read_bytes(), fmt="turtle")
    assert set(description) == input_before
    assert set(eng.shapes) == shapes_before
    assert (eng.gemeenten, eng.concepts) == reference_before


def test_input_errors_come_from_validate_too():
    with pytest.raises(InputError) as err:
        validate(b'{"@context": "https://example.org/ctx.jsonld"}', content_type="application/ld+json")
    assert err.value.line is None and "ctx.jsonld" in err.value.message_en


def test_cli_names_the_real_size_of_a_file_over_the_limit():
    # it reads one byte past the limit and no more; the message must still give the file's size, not limit + 1
    path = EXAMPLES / "valid" / "centrumconstructie.ttl"
    size = path.stat().st_size
    result = run_cli("--max-bytes", "100", path)
    assert result.exit_code == 2
    assert f"{size} bytes" in result.output and "101 bytes" not in result.output


@pytest.mark.parametrize(("written", "prop"), [
    ('"2023-01-01"', "startdatum"),  # a date as a plain string, without ^^xsd:date
    ('"1-1-2023"^^xsd:date', "startdatum"),  # a Dutch way of writing a date
    ('"2030-12-31"', "einddatum"),
])
def test_a_date_that_is_there_but_not_a_date_is_told_as_such(written, prop):
    # it was told "must have exactly one start date" / "at most one end date", while there was one
    data = describe("gm:gm0310 , gm:gm0312")
    if prop == "startdatum":
        data = data.replace(b'"2023-01-01"^^xsd:date', written.encode())
    else:
        data = data.replace(b"fkg:startdatum", f"fkg:einddatum {written} ; fkg:startdatum".encode())
    value = written.split('"')[1]
    for lang in ("nl", "en"):
        report = validate(data, fmt="turtle", lang=lang)
        [result] = [r for r in report.violations if r.path == str(FKG[prop])]
        assert result.value == value
        assert f'"{value}"' in result.message, result.message
        assert "xsd:date" in result.message
        assert ("precies één" not in result.message and "hoogstens één" not in result.message
                and "exactly one" not in result.message and "at most one" not in result.message), result.message


def test_a_participant_written_as_a_name_is_named_in_the_message():
    # it said "Deelnemer zonder IRI of CBS-code is geen gemeente", leaving out what the user wrote
    report = validate(describe('"De Bilt" , gm:gm0312'), fmt="turtle")
    [nl] = [r.message for r in report.violations if r.source_shape == str(DSH.BekendeGemeente)]
    assert '"De Bilt"' in nl and "tekst" in nl, nl
    report = validate(describe('"De Bilt" , gm:gm0312'), fmt="turtle", lang="en")
    [en] = [r.message for r in report.violations if r.source_shape == str(DSH.BekendeGemeente)]
    assert '"De Bilt"' in en and "text" in en, en


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_misspelt_term_of_our_vocabulary_is_warned_about(lang):
    # fkg:startDatum (or "startDatum" in JSON-LD, which our context maps to fkg:) was ignored without a word:
    # the user only heard that the start date was missing
    data = describe("gm:gm0310 , gm:gm0312").replace(b"fkg:startdatum", b"fkg:startDatum")
    # a description cannot declare the term itself
    data += b"fkg:startDatum <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> <https://w3id.org/fusiekg/def/> .\n"
    report = validate(data, fmt="turtle", lang=lang)
    [warning] = [r for r in report.warnings if r.source_shape == str(DSH.OnbekendeTerm)]
    assert warning.value == str(FKG.startDatum)
    assert "startDatum" in warning.message and warning.hint and warning.rule
    assert shapes_of(report) == {"Startdatum"}  # and the missing start date is still a violation
    # every term of the shipped vocabulary is known
    doc = json.loads((EXAMPLES / "valid" / "werkorganisatie.jsonld").read_text(encoding="utf-8"))
    doc["startDatum"] = doc.pop("startdatum")
    report = validate(json.dumps(doc).encode(), fmt="json-ld", lang=lang)
    assert [r.value for r in report.warnings] == [str(FKG.startDatum)]


@pytest.mark.parametrize(("begin", "end"), [
    ("2026-06-01", None),  # begins after the cooperation has ended
    (None, "2022-06-30"),  # ends before the cooperation starts
])
def test_a_membership_wholly_outside_the_cooperations_life_is_found(begin, end):
    data = _cooperation("gm:gm0310, gm:gm0312", end="2025-12-31", extra=_membership("gm:gm0310", begin, end))
    report = validate(data, fmt="turtle")
    assert shapes_of(report) == {"LidmaatschapLooptijd"}, report.to_text()
    ok = _cooperation("gm:gm0310, gm:gm0312", end="2025-12-31", extra=_membership("gm:gm0310", "2024-01-01", None))
    assert validate(ok, fmt="turtle").conforms


def test_an_empty_file_cannot_be_checked_as_over_http(tmp_path):
    # POST /validate answers an empty body with 400 ("no description was sent"); the CLI said "voldoet NIET" (1)
    empty = tmp_path / "leeg.ttl"
    empty.write_bytes(b" \n")
    result = run_cli(empty)
    assert result.exit_code == 2
    assert "leeg.ttl" in result.output and "leeg" in result.output.split(":", 1)[1]
    assert "voldoet" not in result.output


@pytest.mark.parametrize("member", ['"De Bilt"', "gm:DeBilt", "<https://example.org/fusie/de-bilt>", "gm:GM0310"])
def test_a_participant_named_by_its_name_gets_the_tooi_iri_suggested(member):
    report = validate(describe(f"{member} , gm:gm0312"), fmt="turtle")
    [nl] = [r.message for r in report.violations if r.source_shape == str(DSH.BekendeGemeente)]
    assert "Bedoelt u gm:gm0310 (De Bilt)?" in nl, nl
    report = validate(describe(f"{member} , gm:gm0312"), fmt="turtle", lang="en")
    [en] = [r.message for r in report.violations if r.source_shape == str(DSH.BekendeGemeente)]
    assert "Did you mean gm:gm0310 (De Bilt)?" in en, en
    # a name without accents finds the municipality written with them
    report = validate(describe('"Sudwest Fryslan" , gm:gm0312'), fmt="turtle")
    assert any("gm:gm1900" in r.message for r in report.violations)


def test_every_fix_hint_can_be_pasted_into_turtle():
    """A hint that names one of our IRIs as `fkgid:vorm/werkorganisatie` tells the user to write Turtle that does not
    parse (a prefixed name has no `/`); pasted as written, each IRI in a hint must parse."""
    shapes = Graph().parse(Path(__file__).parents[1] / "shapes" / "description.ttl", format="turtle")
    hints = [str(h) for h in shapes.objects(None, FKG.herstelHint)]
    assert hints
    prefixes = "@prefix fkg: <https://w3id.org/fusiekg/def/> . @prefix fkgid: <https://w3id.org/fusiekg/id/> .\n"
    for hint in hints:
        for term in re.findall(r"<https://w3id\.org/fusiekg/[^>\s]*>|\bfkgid?:[\w/.-]*\w", hint):
            Graph().parse(data=f"{prefixes}<urn:s> <urn:p> {term} .", format="turtle")  # raises when it cannot
