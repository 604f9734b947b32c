"""`fusiekg build`: what ends up in the store, and what happens when the input is wrong (the old store survives)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import OWL, RDF

from fusiekg.build import BuildError, build, ensure_built
from fusiekg.cli import main
from fusiekg.config import Settings
from fusiekg.namespaces import FKG, G_INFERRED, GRAPH, ID
from fusiekg.reasoning import InconsistentGraph, owlrl_closure
from fusiekg.store import LocalStore, read_manifest

INFERRED = f"<{G_INFERRED}>"


def test_every_source_has_its_own_graph_and_the_manifest_counts_them(kg):
    names = set(kg.graph_names())
    for g in ("ontology", "shapes", "article", "register", "municipalities", "metadata", "inferred"):
        assert str(GRAPH[g]) in names
    for name, n in kg.manifest["graphs"].items():
        got = kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")[0]["n"]
        assert int(got) == n, name
    assert kg.manifest["entailment_regime"] == "http://www.w3.org/ns/entailment/OWL-RL"


def test_inferred_graph_holds_only_new_and_useful_triples(kg):
    # nothing in the inferred graph is also asserted somewhere else
    assert kg.select(f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {INFERRED} {{ ?s ?p ?o }}
        GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {INFERRED}) }}""") == [{"n": "0"}]
    # no owlrl noise: literal typing, owl:Thing, reflexive sameAs, axioms about the built-in vocabularies
    assert kg.select(f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {INFERRED} {{ ?s ?p ?o }}
        FILTER(?o IN (owl:Thing, rdfs:Resource) || (?p = owl:sameAs && ?s = ?o) || isLiteral(?s)
               || (isBlank(?o) && ?p = <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>) || STRSTARTS(STR(?s), "http://www.w3.org/2002/07/owl#")) }}""") == [{"n": "0"}]
    # what it does hold: the reasoner types cooperations by their form, and municipalities as ORG organisations
    assert kg.select(f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {INFERRED} {{
        ?x a <{FKG.AmbtelijkeFusieorganisatie}> }} }}""") == [{"n": "31"}]  # 32 full fusions, one asserted as such
    assert kg.query(f"""ASK {{ GRAPH {INFERRED} {{
        <https://identifier.overheid.nl/tooi/id/gemeente/gm0489> a <http://www.w3.org/ns/org#FormalOrganization> }} }}""")


def test_inconsistency_is_reported_readably():
    g = Graph()
    x = ID["samenwerking/tegenstrijdig"]
    g.add((FKG.A, RDF.type, OWL.Class))
    g.add((FKG.B, RDF.type, OWL.Class))
    g.add((FKG.A, OWL.disjointWith, FKG.B))
    g.add((x, RDF.type, FKG.A))
    g.add((x, RDF.type, FKG.B))
    with pytest.raises(InconsistentGraph) as err:
        owlrl_closure([g])
    assert "inconsistent" in str(err.value) and "tegenstrijdig" in str(err.value)


@pytest.fixture(scope="module")
def included(tmp_path_factory, store_dir):
    """One build with a user's TriG (own graph name) and Turtle (graph named after the file), on the fast reasoner."""
    d = tmp_path_factory.mktemp("inc")
    (d / "eigen.trig").write_text(
        "<https://example.org/graph/mijn> { <https://example.org/a> <https://example.org/p> \"x\" . }\n")
    (d / "Mijn Data.ttl").write_text("<https://example.org/b> <https://example.org/p> \"y\" .\n")
    path = d / "store"
    manifest = build(Settings(store_dir=path), includes=(d / "eigen.trig", d / "Mijn Data.ttl"),
                     reasoner="reasonable")
    return d, path, manifest


def test_include_keeps_trig_graph_names_and_names_other_files_graphs(included):
    _, path, manifest = included
    assert manifest["graphs"]["https://example.org/graph/mijn"] == 1
    assert manifest["graphs"][f"{GRAPH}include/mijn-data-ttl"] == 1
    assert manifest["reasoner"] == "reasonable"
    st = LocalStore(path)
    assert st.select("SELECT ?o WHERE { <https://example.org/b> ?p ?o }") == [{"o": "y"}]


def test_a_failed_build_leaves_the_previous_store_untouched(included, tmp_path):
    d, path, manifest = included
    bad = tmp_path / "kapot.ttl"
    bad.write_text("<https://example.org/a> <https://example.org/p> \"x\" \n<broken")
    with pytest.raises(BuildError, match="kapot.ttl"):
        build(Settings(store_dir=path), includes=(bad,), reasoner="reasonable")
    assert read_manifest(path)["build_id"] == manifest["build_id"]
    assert LocalStore(path).select("SELECT ?o WHERE { <https://example.org/b> ?p ?o }") == [{"o": "y"}]
    assert not list(path.parent.glob("store.tmp-*"))


def test_shapes_violation_fails_the_build_with_the_report(included, tmp_path):
    d, path, manifest = included
    # a failure factor without its rank breaks shapes/graph.ttl
    bad = tmp_path / "zonder-rang.ttl"
    bad.write_text(f"<{ID['faalfactor/zonder-rang']}> a <{FKG.Faalfactor}> ; "
                   f"<http://www.w3.org/2004/02/skos/core#prefLabel> \"zonder rang\"@nl .\n")
    with pytest.raises(BuildError) as err:
        build(Settings(store_dir=path), includes=(bad,), reasoner="reasonable")
    assert "does not conform" in str(err.value) and "zonder-rang" in str(err.value)
    assert read_manifest(path)["build_id"] == manifest["build_id"]


def test_ensure_built_reuses_a_current_store(included):
    d, path, manifest = included
    again = ensure_built(Settings(store_dir=path))
    assert again["build_id"] == manifest["build_id"]


# --- the CLI -------------------------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_query_without_a_store_says_how_to_build_one(tmp_path):
    res = run("query", "--store", tmp_path / "nergens", "ASK {}")
    assert res.exit_code == 1 and "fusiekg build --store" in res.output


def test_query_with_bad_sparql_gives_line_and_column(store_dir):
    res = run("query", "--store", store_dir, "SELECT *\nWHERE { ?s ?p }")
    assert res.exit_code == 1 and "line 2" in res.output and "column" in res.output


def test_query_formats(store_dir, tmp_path):
    q = tmp_path / "bel.rq"
    q.write_text("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                 "SELECT ?naam WHERE { <https://w3id.org/fusiekg/id/samenwerking/bel> skos:prefLabel ?naam }")
    assert "BEL Combinatie" in run("query", "--store", store_dir, q).output  # table
    assert run("query", "--store", store_dir, q, "--format", "csv").output.splitlines() == ["naam", "BEL Combinatie"]
    assert run("query", "--store", store_dir, q, "--format", "tsv").output.splitlines()[1].startswith('"BEL Combinatie"')
    data = json.loads(run("query", "--store", store_dir, q, "--format", "json").output)
    assert data["results"]["bindings"][0]["naam"]["value"] == "BEL Combinatie"


def test_update_is_refused_by_the_cli_too(store_dir):
    res = run("query", "--store", store_dir, "DELETE WHERE { ?s ?p ?o }")
    assert res.exit_code == 1 and "read-only" in res.output


def test_stats_prints_triples_per_graph(store_dir):
    res = run("stats", "--store", store_dir)
    assert res.exit_code == 0
    assert str(G_INFERRED) in res.output and "total" in res.output


def test_build_cli_reports_a_bad_include_and_exits_nonzero(tmp_path):
    res = run("build", "--store", tmp_path / "s", "--include", tmp_path / "bestaat-niet.ttl")
    assert res.exit_code == 1 and "bestaat-niet.ttl" in res.output
    assert not (tmp_path / "s").exists()


def test_literals_keep_their_language_tag(kg):
    rows = kg.select("SELECT (LANG(?l) AS ?t) WHERE { <https://w3id.org/fusiekg/id/samenwerking/bel> "
                     "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")
    assert rows == [{"t": "nl"}]
