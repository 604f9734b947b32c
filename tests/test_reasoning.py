"""The default reasoner (`reasonable`, plus what it lacks) gives owlrl's closure, and reports clashes as owlrl does.

Why it matters: the build reasons with `reasonable` because owlrl takes minutes on the regelingen graph; a user
must get the same inferred graph either way, and a contradiction in the data must still stop the build.
"""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF

from fusiekg import resources
from fusiekg.build import _parse_files, _ttl_files
from fusiekg.importers import regelingen, register, roo, tooi
from fusiekg.namespaces import FKG, ID, ORG
from fusiekg.reasoning import InconsistentGraph, owlrl_closure, reasonable_closure

DATA = resources.path("data")


@pytest.fixture(scope="module")
def project_graphs() -> list[Graph]:
    """Ontology, article and register, and a few regelingen (owlrl on all 115k triples would take minutes)."""
    records = roo.read(DATA / "register" / roo.FOLDER)
    index = tooi.index(DATA)
    sample = {rid for key in ("28067656", "24961467", "29451612", "24963368") for rid in records.versions[key]}
    sample |= {records.files["wm8ktd.yaml"]}
    return [_parse_files(_ttl_files(resources.path("ontology"))), _parse_files(_ttl_files(DATA / "article")),
            register.load(DATA, records=records, index=index),
            regelingen.convert(records.subset(records.cluster(sample)), index)[0]]


def test_reasonable_gives_the_owlrl_closure_of_the_project_graphs(project_graphs):
    ours, reference = set(reasonable_closure(project_graphs)), set(owlrl_closure(project_graphs))
    assert ours == reference
    # and it holds what users rely on: forms type organisations, a regeling is an ORG organisation
    assert (ID["samenwerking/bel"], RDF.type, FKG.Werkorganisatie) in ours
    assert (ID["regeling/roo-28067656"], RDF.type, ORG.Organization) in ours


def _clash() -> Graph:
    g = Graph()
    x = ID["samenwerking/tegenstrijdig"]
    g.add((x, ORG.classification, ID["vorm/werkorganisatie"]))
    g.add((x, ORG.classification, ID["vorm/bedrijfsvoeringssamenwerking"]))
    return g


@pytest.mark.parametrize("closure", [owlrl_closure, reasonable_closure], ids=["owlrl", "reasonable"])
def test_a_fusion_that_is_also_a_support_services_cooperation_is_a_clash(closure):
    """fkg:Bedrijfsvoeringssamenwerking is disjoint with fkg:AmbtelijkeFusieorganisatie; reasonable itself would
    accept it silently."""
    with pytest.raises(InconsistentGraph) as err:
        closure([_parse_files(_ttl_files(resources.path("ontology"))), _clash()])
    assert "tegenstrijdig" in str(err.value) and "Disjoint" in str(err.value)


def test_the_ontology_uses_no_clash_construct_the_default_reasoner_does_not_check():
    """reasoning.disjointness_clashes covers owl:disjointWith, owl:AllDisjointClasses and owl:Nothing; an ontology
    that used another clash-making construct would need owlrl (or a new check)."""
    g = _parse_files(_ttl_files(resources.path("ontology")))
    unchecked = {OWL.propertyDisjointWith, OWL.AllDisjointProperties, OWL.IrreflexiveProperty,
                 OWL.AsymmetricProperty, OWL.complementOf, OWL.differentFrom, OWL.AllDifferent,
                 OWL.NegativePropertyAssertion, OWL.maxCardinality, OWL.maxQualifiedCardinality}
    used = {t for s, p, o in g for t in (p, o) if t in unchecked}
    assert used == set()
