"""Blank-node labels are fixed at build time: the same data gets the same labels however it was read, a change to
one part leaves the other labels alone, the dumps carry the store's labels, and two builds of the same sources agree."""

from __future__ import annotations

import gzip
import random
import re

import pyoxigraph as ox
import pytest

from fusiekg.blank_nodes import _Labels, _tree_names, fixed_labels
from fusiekg.build import build
from fusiekg.config import Settings
from fusiekg.namespaces import G_METADATA
from fusiekg.store import LocalStore

EX = "https://example.org/"
G = ox.NamedNode(f"{EX}graph")
TTL = f"""@prefix ex: <{EX}> . @prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:m1 ex:during [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate "2008-01-01"^^xsd:date ] ] .
ex:m2 ex:during [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate "2008-01-01"^^xsd:date ] ;
                                    time:hasEnd [ a time:Instant ; time:inXSDDate "2012-12-31"^^xsd:date ] ] .
ex:list ex:items ( ex:a ex:b ex:c ) .
"""


def read(text: str = TTL) -> list[ox.Quad]:
    """The quads of `text`, with new random blank-node ids on every read (as every parser gives them)."""
    return [ox.Quad(t.subject, t.predicate, t.object, G)
            for t in ox.parse(text, ox.RdfFormat.TURTLE, rename_blank_nodes=True)]


def labelled(quads) -> set[str]:
    return {str(q) for q in fixed_labels(quads)}


def blank(quads) -> set[str]:
    return {str(q) for q in quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)}


def test_the_same_data_gets_the_same_labels_whatever_the_ids_and_order_it_came_with():
    first, second = read(), read()
    assert blank(first) != blank(second)  # the parser's ids differ...
    random.Random(1).shuffle(second)
    assert labelled(first) == labelled(second)  # ...the fixed labels do not
    out = labelled(first)
    assert len(out) == len(first)  # nothing lost, nothing merged
    assert all(re.fullmatch(r"_:b[0-9a-f]{16}", t) for q in out for t in q.split() if t.startswith("_:"))


def test_a_change_to_one_group_leaves_the_labels_of_the_others_alone():
    before = labelled(read())
    after = labelled(read(TTL.replace('"2012-12-31"', '"2013-12-31"')))  # only ex:m2's period changes
    (period,) = [q.split()[2] for q in before if q.startswith(f"<{EX}m2> ")]
    group = {period} | {q.split()[2] for q in before if q.startswith(period + " ") and q.split()[2].startswith("_:")}
    others = {q for q in before if not any(f"{n} " in q for n in group)}
    assert len(group) == 3 and len(others) == len(before) - 8
    assert others <= after  # ex:m1's period and the list keep their labels
    assert not any(q.startswith(period + " ") for q in after)  # the changed period got a new one


def test_two_groups_that_say_the_same_thing_stay_two():
    text = f"<{EX}a> <{EX}p> [ <{EX}q> 1 ] , [ <{EX}q> 1 ] ."
    quads = read(text)
    out = list(fixed_labels(quads))
    assert len({q.object.value for q in out if q.predicate.value == f"{EX}p"}) == 2
    assert {str(q) for q in out} == labelled(read(text))


def test_a_group_that_is_no_tree_is_labelled_by_rdfc_as_surely():
    text = f"""@prefix ex: <{EX}> .
        _:a ex:next _:b . _:b ex:next _:c . _:c ex:next _:a .
        ex:x ex:shared _:s . _:t ex:shared _:s . _:t ex:also _:s . ex:y ex:has _:t ."""
    first, second = read(text), read(text)
    random.Random(2).shuffle(second)
    assert labelled(first) == labelled(second)
    assert len({t for q in labelled(first) for t in q.split() if t.startswith("_:")}) == 5


def test_a_long_list_of_equal_items_is_a_tree():
    """RDFC-1.0 is exponential on such a list (pyoxigraph: 198 s for 1,000 items); the tree passes label it."""
    items = " ".join(["ex:same"] * 1000)
    text = f"@prefix ex: <{EX}> . ex:s ex:items ( {items} ) ."
    quads = read(text)
    assert _tree_names(quads, _Labels()) is not None
    out = labelled(quads)
    assert len(out) == len(quads) == 2001 and out == labelled(read(text))
    cycle = read(f"_:a <{EX}next> _:b . _:b <{EX}next> _:a .")
    assert _tree_names(cycle, _Labels()) is None


def test_quads_without_blank_nodes_pass_unchanged():
    quads = [ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)), G) for i in range(5)]
    assert list(fixed_labels(quads)) == quads


def _nquads(path) -> set[str]:
    return {str(q) for q in ox.parse(gzip.decompress(path.read_bytes()), ox.RdfFormat.N_QUADS)}


def test_the_dumps_carry_the_labels_the_store_answers_with(store_dir):
    store = LocalStore(store_dir)
    in_store = {str(q) for q in store.ox}
    dump = _nquads(store_dir / "dumps" / "all.nq.gz")
    assert blank(store.ox) and dump == in_store
    trig = {str(q) for q in ox.parse(gzip.decompress((store_dir / "dumps" / "all.trig.gz").read_bytes()),
                                     ox.RdfFormat.TRIG)}
    assert trig == in_store


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    """Two builds of the same sources, with an --include file of blank nodes (read with new ids each time)."""
    d = tmp_path_factory.mktemp("twice")
    include = d / "perioden.ttl"
    include.write_text(TTL, encoding="utf-8")
    stores = []
    for name in ("een", "twee"):
        build(Settings(store_dir=d / name), includes=(include,), reasoner="reasonable")
        stores.append(d / name)
    return stores


def _blank_quads_but_the_build_activity(store_dir) -> set[str]:
    """Every quad with a blank node, except those about the build itself (its time and id differ per build)."""
    st = LocalStore(store_dir).ox
    activity = {row["a"].value for row in st.query(
        f"SELECT DISTINCT ?a WHERE {{ GRAPH <{G_METADATA}> {{ ?d <http://www.w3.org/ns/prov#wasGeneratedBy> ?a }} }}")}
    assert activity  # the metadata describes the build as a blank-node activity
    return {str(q) for q in st if (isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode))
            and not any(isinstance(t, ox.BlankNode) and t.value in activity for t in (q.subject, q.object))}


def test_two_builds_of_the_same_sources_give_the_same_labels(two_builds):
    one, two = (_blank_quads_but_the_build_activity(p) for p in two_builds)
    # the shapes' lists, the ontology's restrictions and the include (memberships' periods and instants have IRIs)
    assert len(one) > 1500 and one == two
    included = {q for q in one if q.endswith("include/perioden-ttl>")}
    assert len(included) == len(read())  # the included file's blank nodes are among them
