"""OWL-RL closure of the asserted graphs, kept apart: only what is new, without the noise owlrl adds.

owlrl also materialises triples nobody asks for (typing of literals, `x owl:sameAs x`, `owl:Thing` memberships,
axioms about the RDF/OWL vocabularies themselves). We drop those so that the inferred graph says only things a
user can act on, and turn owlrl's inconsistency markers into a readable error.

Two reasoners give the same closure on the shipped graphs (bench_reasoning and tests/test_reasoning compare them):
- `owlrl`, the reference: pure Python, about 95 s once the regelingen graph (115k triples) is in;
- `reasonable` (the default), a Rust OWL 2 RL engine, about 30x faster. It lacks two things owlrl has, which we add:
  the schema rules scm-dom/scm-rng (a property's domain and range widened along the class hierarchy: owlrl runs
  on the schema triples alone for those, a fraction of a second), and the clash checks (it reports no
  inconsistency; we check owl:disjointWith, owl:AllDisjointClasses and owl:Nothing ourselves, the only clash
  constructs our ontology uses: tests/test_reasoning checks that no other one creeps in).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

_BUILTIN_NS = (str(RDF), str(RDFS), str(OWL), str(XSD), "http://www.w3.org/2000/01/rdf-schema#")
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, RDF.Property, RDFS.Class, OWL.Class, RDFS.Datatype, OWL.NamedIndividual,
                  RDFS.Literal}
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
_SCHEMA = {RDFS.subClassOf, OWL.equivalentClass, RDFS.domain, RDFS.range, RDFS.subPropertyOf}
_ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"


class InconsistentGraph(Exception):
    """The asserted graphs contradict the ontology (OWL-RL found a clash)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        lines = "\n".join(f"  - {m}" for m in messages)
        super().__init__(f"the graph is inconsistent under OWL 2 RL ({len(messages)} problem(s)):\n{lines}")


def _builtin(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(_BUILTIN_NS)


def is_noise(s, p, o) -> bool:
    """True for inferred triples that tell a user nothing."""
    if isinstance(s, Literal) or isinstance(p, BNode):
        return True
    if p in _REFLEXIVE and s == o:
        return True
    if p == RDF.type and (o in _TRIVIAL_TYPES or isinstance(o, Literal | BNode)):
        return True  # membership of anonymous restriction classes is an artefact of how OWL states the axiom
    if p in _SCHEMA and (isinstance(s, BNode) or isinstance(o, BNode)):
        return True
    if p == RDF.type and _builtin(o) and str(o).startswith(str(XSD)):
        return True
    if _builtin(s):
        return True  # axioms about rdf:/rdfs:/owl:/xsd: terms themselves
    if p in (RDFS.subClassOf, OWL.equivalentClass) and o in (OWL.Thing, RDFS.Resource):
        return True
    if p in (RDFS.domain, RDFS.range) and o in (OWL.Thing, RDFS.Resource):
        return True
    if p == RDFS.subClassOf and s == OWL.Nothing:
        return True
    if p == RDFS.subPropertyOf and _builtin(o) and o in (OWL.topObjectProperty, OWL.topDataProperty):
        return True
    return False


def owlrl_closure(asserted: Iterable[Graph]) -> Graph:
    """Return only the newly inferred, non-noise triples of the OWL-RL closure of the union of `asserted`."""
    import owlrl  # noqa: PLC0415 - only a build that reasons with it needs it

    work = Graph()
    for g in asserted:
        for t in g:
            work.add(t)
    before = set(work)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    errors = sorted(str(o) for _s, p, o in work if str(p) == _ERRNS + "error")
    errors += sorted(_nothing_members(work))
    if errors:
        raise InconsistentGraph(errors)
    inferred = Graph()
    for t in work:
        if t not in before and str(t[1]) != _ERRNS + "error" and not is_noise(*t):
            inferred.add(t)
    return inferred


def _nothing_members(g: Graph) -> list[str]:
    return [f"{s} is inferred to be a member of owl:Nothing" for s in g.subjects(RDF.type, OWL.Nothing)]


def reasonable_closure(asserted: Iterable[Graph]) -> Graph:
    """The same closure with the `reasonable` package (much faster); literal re-typing is undone, and what it lacks
    (schema domain/range rules, clash detection) is added, see the module docstring.

    The asserted triples go to reasonable as one set of tuples (no merged rdflib graph: at a million triples the
    copy would cost more than the reasoning).
    """
    try:
        import reasonable  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - depends on the optional package
        raise RuntimeError("the 'reasonable' reasoner is not installed: pip install reasonable") from exc
    before: set = set()
    for g in asserted:
        before.update(g)
    r = reasonable.PyReasoner()
    r.from_graph(list(before))
    # Only objects can be literals; reasonable writes "x"^^xsd:string where the source wrote "x".
    plain_literals = {(s, p, _plain(o)) for s, p, o in before if isinstance(o, Literal)}
    inferred = Graph()
    for t in r.reason():
        if t in before:
            continue
        s, p, o = t
        if isinstance(o, Literal) and (s, p, _plain(o)) in plain_literals:
            continue
        if is_noise(s, p, o):
            continue
        inferred.add(t)
    for t in schema_closure(before):
        if t not in before:
            inferred.add(t)
    clashes = disjointness_clashes(before, inferred)
    if clashes:
        raise InconsistentGraph(clashes)
    return inferred


# Schema triples: what owlrl's scm-* rules read (classes, properties, their hierarchy, domains, ranges, restrictions).
_SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
                      OWL.equivalentProperty, OWL.inverseOf, OWL.disjointWith, OWL.onProperty, OWL.hasValue,
                      OWL.someValuesFrom, OWL.allValuesFrom, OWL.intersectionOf, OWL.unionOf, RDF.first, RDF.rest}
_META_CLASSES = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                 RDF.Property, OWL.Restriction}
_SCHEMA_RESULTS = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
                   OWL.equivalentProperty}


def schema_closure(triples: Iterable[tuple]) -> set[tuple]:
    """owlrl's schema-level conclusions (class and property hierarchy, domains, ranges), from the schema triples
    alone: a few hundred triples, so owlrl takes a fraction of a second."""
    import owlrl  # noqa: PLC0415

    schema = Graph()
    for s, p, o in triples:
        if p in _SCHEMA_PREDICATES or (p == RDF.type and o in _META_CLASSES):
            schema.add((s, p, o))
    before = set(schema)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(schema)
    return {t for t in schema if t not in before and t[1] in _SCHEMA_RESULTS and not is_noise(*t)}


def disjointness_clashes(asserted: set, inferred: Graph) -> list[str]:
    """OWL 2 RL's clash rules for the constructs our ontology uses (cax-dw, cax-adc, cls-nothing2), in owlrl's words."""
    def types():
        for s, p, o in (*asserted, *inferred):
            if p == RDF.type:
                yield s, o
    typed: dict = {}
    for s, o in types():
        typed.setdefault(o, set()).add(s)
    everything = Graph()
    for t in (*asserted, *inferred):
        if t[1] in (OWL.disjointWith, OWL.members, RDF.first, RDF.rest) or t[2] == OWL.AllDisjointClasses:
            everything.add(t)
    pairs = {(a, b) for a, b in everything.subject_objects(OWL.disjointWith)}
    for node in everything.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(everything, everything.value(node, OWL.members)))
        pairs |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    out = [f"Disjoint classes {a} and {b} have a common individual: {x}"
           for a, b in sorted(pairs) for x in sorted(typed.get(a, set()) & typed.get(b, set()))]
    out += [f"{x} is inferred to be a member of owl:Nothing" for x in sorted(typed.get(OWL.Nothing, set()))]
    return out


def _plain(term):
    """`"x"^^xsd:string` and `"x"` are the same RDF 1.1 literal; reasonable writes the former."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


REASONERS = {"owlrl": owlrl_closure, "reasonable": reasonable_closure}
DEFAULT_REASONER = "reasonable"  # the same closure as owlrl on the shipped graphs, 30x faster (module docstring)
