"""The query runner: what is refused before the store sees it, and how results are written in each format."""

import csv
import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from fusiekg import sparql
from fusiekg.executor import Job, QueryExecutor, QueryTimeout
from fusiekg.store import LocalStore, write_store

EX = "http://example.org/"
# A query that cannot finish, on any machine: a cross product of eight patterns over the 50 quads of `tiny` is
# 50**8 = 3.9e13 rows to count (days of work at a hundred million rows a second). A time limit stops it, never its
# own end; a faster or slower machine gives the same verdict.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(8)) + " }"
# A limit for queries that must be answered: far above what they cost, also on a busy machine (it includes the
# start of a query process).
ROOMY_S = 120


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "store"
    quads = [ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"v,{i}\t\"x\"", language="nl"),
                     ox.NamedNode(f"{EX}g{i % 2}")) for i in range(50)]
    write_store(path, quads, {"build_id": "t", "built_at": "2026-01-01T00:00:00+00:00", "graphs": {}})
    return path


@pytest.mark.parametrize("query", [
    "INSERT DATA { <a:b> <a:c> <a:d> }",
    "PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:1/data.ttl>",
    "CLEAR ALL", "DROP GRAPH <http://g>", "CREATE GRAPH <http://g>",
    "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_as_read_only(query):
    with pytest.raises(sparql.QueryRefused, match="read-only"):
        sparql.analyse(query)


def test_keywords_inside_strings_iris_comments_and_prefixed_names_do_not_count():
    q = 'PREFIX drop: <http://x/insert> # DELETE\nSELECT ?load WHERE { ?s drop:add "INSERT DATA" }'
    assert sparql.analyse(q).form == "SELECT"


def test_a_language_tag_that_spells_from_does_not_turn_off_the_union_default_graph(tiny):
    st = LocalStore(tiny)
    for tag in ("from", "x-from", "en-FROM"):
        q = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER(?o != "x"@{tag}) }}'
        assert not sparql.analyse(q).declares_dataset and not sparql.declares_dataset(q)
        assert st.select(q) == [{"n": "50"}]
    assert sparql.declares_dataset(f'SELECT * FROM <{EX}g0> WHERE {{ ?s ?p "x"@nl }}')


def test_service_is_refused_unless_allowed():
    info = sparql.analyse("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(sparql.QueryRefused, match="SERVICE"):
        sparql.check_services(info, ())
    sparql.check_services(info, ("http://127.0.0.1:9/sparql",))
    with pytest.raises(sparql.QueryRefused):
        sparql.check_services(sparql.analyse("SELECT * { SERVICE SILENT ?x { ?s ?p ?o } }"), ())


def test_syntax_error_reports_line_and_column(tiny):
    with pytest.raises(sparql.QuerySyntaxError) as err:
        sparql.run(LocalStore(tiny), "SELECT *\nWHERE { ?s ?p }", None, max_rows=10)
    assert err.value.line == 2 and err.value.column is not None
    assert "line 2" in str(err.value)


@pytest.mark.parametrize("media", list(sparql.RESULTS_FORMATS))
def test_select_formats_round_trip_through_a_standard_parser(tiny, media):
    res = sparql.run(LocalStore(tiny), f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s", media, max_rows=1000)
    if media == "text/csv":  # CSV is lossy by design (no language tags): read it with the csv module
        rows = list(csv.DictReader(io.StringIO(res.body.decode())))
        assert len(rows) == 50 and rows[0]["o"] == 'v,0\t"x"'
        return
    parsed = list(ox.parse_query_results(res.body, ox.QueryResultsFormat.from_media_type(media)))
    assert len(parsed) == 50
    assert parsed[0]["o"] == ox.Literal('v,0\t"x"', language="nl")


def test_row_limit_cuts_and_says_so(tiny):
    res = sparql.run(LocalStore(tiny), "SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json", max_rows=7)
    assert res.truncated and res.rows == 7
    assert len(json.loads(res.body)["results"]["bindings"]) == 7
    res = sparql.run(LocalStore(tiny), "SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json", max_rows=50)
    assert not res.truncated


def test_default_graph_is_union_and_dataset_narrows_it(tiny):
    st = LocalStore(tiny)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert st.select(count) == [{"n": "50"}]
    res = sparql.run(st, count, "text/csv", max_rows=10, default_graphs=[f"{EX}g0"])
    assert res.body.splitlines()[1] == b"25"
    res = sparql.run(st, count, "text/csv", max_rows=10, default_graphs=["http://unknown/graph"])
    assert res.body.splitlines()[1] == b"0"


@pytest.mark.parametrize("max_rows", [0, 10])
def test_rdf_xml_refuses_a_predicate_it_cannot_write_instead_of_answering_broken_xml(tiny, max_rows):
    st = LocalStore(tiny)
    for p in ("http://e.org/1", "http://e.org/p/"):
        with pytest.raises(sparql.QueryRefused, match="RDF/XML.*Turtle"):
            sparql.run(st, f'CONSTRUCT {{ <http://e.org/s> <{p}> "x" }} WHERE {{}}', "application/rdf+xml",
                       max_rows=max_rows)
        turtle = sparql.run(st, f'CONSTRUCT {{ <http://e.org/s> <{p}> "x" }} WHERE {{}}', "text/turtle")
        assert len(ox.Dataset(ox.parse(turtle.body, ox.RdfFormat.TURTLE))) == 1
    ok = sparql.run(st, 'CONSTRUCT { <http://e.org/s> <http://e.org/p1> "x" } WHERE {}', "application/rdf+xml",
                    max_rows=max_rows)
    assert [t.predicate.value for t in ox.parse(ok.body, ox.RdfFormat.RDF_XML)] == ["http://e.org/p1"]


@pytest.mark.parametrize("media", list(sparql.GRAPH_FORMATS))
def test_construct_in_every_rdf_format(tiny, media):
    res = sparql.run(LocalStore(tiny), "CONSTRUCT WHERE { ?s ?p ?o }", media, max_rows=1000)
    parsed = list(ox.parse(res.body, ox.RdfFormat.from_media_type(media)))
    assert len(parsed) == 50


def test_executor_kills_a_query_at_the_time_limit_and_keeps_serving(tiny):
    ex = QueryExecutor(tiny, size=2)
    try:
        with pytest.raises(QueryTimeout):
            ex.run(Job(ENDLESS, None, 10), 1.0)
        res = ex.run(Job("ASK { ?s ?p ?o }", "application/sparql-results+json", 10), ROOMY_S)
        assert json.loads(res.body)["boolean"] is True
    finally:
        ex.close()


def test_a_query_known_to_be_quick_runs_inline_with_the_same_answers(tiny):
    ex = QueryExecutor(tiny, size=1, inline_ms=60_000)  # every answered query counts as quick
    jobs = [Job(f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s", "application/sparql-results+json", 7),
            Job("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle", 1000),
            Job("ASK { ?s ?p ?o }", "application/sparql-results+xml", 10)]
    try:
        first = [ex.run(j, ROOMY_S) for j in jobs]
        assert ex.inline_runs == 0
        again = [ex.run(j, ROOMY_S) for j in jobs]
        assert ex.inline_runs == len(jobs)
        assert again == first
        assert first[0].truncated and first[0].rows == 7
        with pytest.raises(sparql.QuerySyntaxError) as err:  # errors are never remembered as quick
            ex.run(Job("SELECT *\nWHERE { ?s ?p }", None, 10), ROOMY_S)
        with pytest.raises(sparql.QuerySyntaxError) as err_again:
            ex.run(Job("SELECT *\nWHERE { ?s ?p }", None, 10), ROOMY_S)
        assert (err.value.line, str(err.value)) == (err_again.value.line, str(err_again.value))
        assert ex.inline_runs == len(jobs)
    finally:
        ex.close()


def test_a_slow_query_is_never_run_inline_and_stays_under_the_time_limit(tiny):
    ex = QueryExecutor(tiny, size=1, inline_ms=50)
    slow = Job(ENDLESS, None, 10)
    try:
        for _ in range(2):
            with pytest.raises(QueryTimeout):
                ex.run(slow, 1.0)
        assert ex.inline_runs == 0
    finally:
        ex.close()


def _canonical(answer: dict) -> dict:
    """GROUP_CONCAT's order is left to the engine by SPARQL: compare such lists (and so every value) as sets of
    the words between separators."""
    for row in answer["results"]["bindings"]:
        for term in row.values():
            term["value"] = sorted(re.split(r"\s*[;·]\s*|\s+", term["value"]))
    return answer


def test_the_store_in_memory_answers_every_shipped_query_as_on_disk(store_dir):
    from fusiekg import resources

    disk, memory = LocalStore(store_dir), LocalStore(store_dir, memory_triples=10_000_000)
    assert memory.in_memory and not disk.in_memory
    queries = sorted(resources.path("queries").glob("*.rq"))
    assert len(queries) >= 12
    for path in queries:
        q = path.read_text(encoding="utf-8")
        on_disk = _canonical(json.loads(sparql.run(disk, q, "application/sparql-results+json", max_rows=100_000).body))
        in_memory = _canonical(json.loads(sparql.run(memory, q, "application/sparql-results+json",
                                                     max_rows=100_000).body))
        assert in_memory == on_disk, path.name


def test_n_triples_from_an_external_store_are_cut_by_triples_not_by_lines():
    body = (b'# a comment\n\n<http://a> <http://b> "x\\ny" .\n\n'
            b'<http://a> <http://b> <http://c> .\n<http://a> <http://b> <http://d> .\n')
    res = sparql.serialize_answer(body, "application/n-triples", 2)
    assert res.truncated and res.rows == 2
    assert list(ox.parse(res.body, ox.RdfFormat.N_TRIPLES))[0].object == ox.Literal("x\ny")
    whole = sparql.serialize_answer(body, "text/turtle", 3)
    assert not whole.truncated and len(list(ox.parse(whole.body, ox.RdfFormat.TURTLE))) == 3


def test_prestart_starts_every_query_process_and_they_answer(tiny):
    ex = QueryExecutor(tiny, size=3)
    try:
        ex.prestart()
        assert ex._created == 3 and ex._idle.qsize() == 3
        ex.prestart()  # idempotent: never more than `size`
        assert ex._created == 3
        res = ex.run(Job("ASK { ?s ?p ?o }", "application/sparql-results+json", 10), ROOMY_S)
        assert json.loads(res.body)["boolean"] is True
    finally:
        ex.close()


def test_a_copy_in_memory_is_complete_before_it_answers_keeps_the_labels_and_is_opt_in(store_dir):
    store = LocalStore(store_dir, memory_triples=10_000_000)
    assert store.in_memory and len(store.ox) == store.manifest["triples"]  # complete from the first query on
    assert {str(q) for q in store.ox} == {str(q) for q in LocalStore(store_dir).ox}  # blank-node labels kept
    assert not LocalStore(store_dir, memory_triples=10).in_memory  # too big for the limit: disk
    assert not LocalStore(store_dir).in_memory  # off by default
