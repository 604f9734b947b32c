"""`--include` of bulk data (N-Triples, N-Quads) is read by pyoxigraph's parser: the same graph as rdflib would
read, graph names kept, blank nodes never shared between files, and a clear error for a bad line."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from fusiekg.build import BuildError, include_graph_name, load_include
from fusiekg.namespaces import G_REGISTER, GRAPH

NT = """<https://example.org/a> <https://example.org/naam> "Alpha"@nl .
<https://example.org/a> <https://example.org/naam> "plain" .
<https://example.org/a> <https://example.org/start> "2015-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
<https://example.org/a> <https://example.org/aantal> "16"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .
<https://example.org/a> <https://example.org/periode> _:p .
_:p <https://example.org/begin> "2015"^^<http://www.w3.org/2001/XMLSchema#gYear> .
"""


def test_ntriples_are_read_as_rdflib_reads_them(tmp_path):
    f = tmp_path / "Eigen Data.nt"
    f.write_text(NT, encoding="utf-8")
    graphs = load_include(f)
    assert list(graphs) == [include_graph_name(f)] == [f"{GRAPH}include/eigen-data-nt"]
    assert isomorphic(graphs[include_graph_name(f)], Graph().parse(data=NT, format="nt"))


def test_blank_nodes_of_two_files_stay_apart(tmp_path):
    one, two = tmp_path / "een.nt", tmp_path / "twee.nt"
    one.write_text(NT, encoding="utf-8")
    two.write_text(NT, encoding="utf-8")
    bnodes = [{t for triple in next(iter(load_include(f).values())) for t in triple if isinstance(t, BNode)}
              for f in (one, two)]
    assert len(bnodes[0]) == len(bnodes[1]) == 1 and bnodes[0] != bnodes[1]


def test_nquads_keep_their_graph_names(tmp_path):
    f = tmp_path / "data.nq"
    f.write_text('<https://example.org/a> <https://example.org/p> "1" <https://example.org/graaf> .\n'
                 '<https://example.org/b> <https://example.org/p> "2" .\n', encoding="utf-8")
    graphs = load_include(f)
    assert {name: len(g) for name, g in graphs.items()} == {"https://example.org/graaf": 1,
                                                           include_graph_name(f): 1}


def test_a_bad_line_names_the_file_and_the_place(tmp_path):
    f = tmp_path / "kapot.nt"
    f.write_text('<https://example.org/a> <https://example.org/p> "1" .\n<https://example.org/b> <p "2" .\n',
                 encoding="utf-8")
    with pytest.raises(BuildError) as err:
        load_include(f)
    message = str(err.value)
    assert "kapot.nt" in message and "N-TRIPLES" in message.upper() and "2" in message


def test_the_project_graphs_are_reserved(tmp_path):
    f = tmp_path / "stiekem.nq"
    f.write_text(f'<https://example.org/a> <https://example.org/p> "1" <{G_REGISTER}> .\n', encoding="utf-8")
    with pytest.raises(BuildError, match="reserved"):
        load_include(f)
