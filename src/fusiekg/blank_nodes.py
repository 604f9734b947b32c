"""Blank-node labels fixed at build time, so that the dumps, the store and every process that answers agree.

A blank node's label means nothing in RDF, but it is what a SPARQL answer shows and what `ORDER BY` sorts on: with
labels that differ between copies of the data, the same query gets different answers (and pages) depending on
which copy answers. The build therefore gives every blank node a label made from the data alone, and everything
downstream keeps it (the store is written with `bulk_extend` of these quads and only ever opened read-only).

How: the blank nodes are split into connected groups (two blank nodes in one quad belong together), and a group's
labels are made from that group's quads only, so the same content always gets the same labels and a change to one
group (or a rebuild at another time, which changes the build's own description) leaves every other label as it was.
A label is `b` and 16 hex digits of a SHA-256:

- A group that is a tree (each blank node the object of at most one quad from another blank node: RDF lists, OWL
  restrictions, SHACL property shapes, periods of a membership, VoID partitions; all of the shipped data) is
  labelled in two passes, linear in its size: bottom up, a node's hash covers its own quads with the hashes of its
  children in place of their labels; top down, its label is the hash of its parent's label, the quad that links
  them and its own hash. Nodes that get the same label that way are interchangeable and are counted apart.
- Any other group (cycles, shared nodes) is put in canonical form by RDFC-1.0 (W3C, "RDF Dataset
  Canonicalization", as pyoxigraph implements it), and a label is the hash of that form and the node's place in it.

Why not RDFC-1.0 for everything: it is exponential in the worst case, and pyoxigraph's took 198 s for one RDF list of
1,000 equal items (1.1 s for 200), a shape any `--include` file may have; the tree passes take milliseconds there.
On the whole dataset it would also renumber every label when one node changes. Measured at a million triples (240k
quads with blank nodes in 48k groups, on a busy 2-core machine): 4 to 6 s for all of this, about what RDFC-1.0 per
group took, while RDFC-1.0 on the whole dataset took 7.9 s for its canonicalisation step alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

_B = ox.BlankNode
KEY_HEX = 16  # hex digits of the hash in each label (64 bits; a clash between two different nodes stops the build)


class LabelClash(Exception):
    """Two different blank nodes hash to the same label (a 64-bit collision)."""


class _Labels:
    """Labels handed out so far: a seed (what makes a node what it is) gives one label; the same seed again is a node
    interchangeable with the first, and is counted apart."""

    def __init__(self) -> None:
        self.taken: dict[str, bytes] = {}  # label -> the full hash it came from

    def new(self, seed: str) -> str:
        copy = 0
        while True:
            digest = hashlib.sha256(f"{seed}\n#{copy}".encode()).digest()
            label = "b" + digest.hex()[:KEY_HEX]
            held = self.taken.get(label)
            if held is None:
                self.taken[label] = digest
                return label
            if held != digest:
                raise LabelClash(f"two different blank nodes hash to the label _:{label}")
            copy += 1


def fixed_labels(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """The quads, with every blank node relabelled as described above.

    Quads without a blank node come out at once and unchanged, the others at the end (they are held until every
    group is complete). Blank nodes as graph names are not expected (the build names every graph with an IRI)."""
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        top = label
        while parent.setdefault(top, top) != top:
            top = parent[top]
        while label != top:  # path compression: later look-ups are one step
            parent[label], label = top, parent[label]
        return top

    held: list[ox.Quad] = []
    for q in quads:
        s, o = q.subject, q.object
        if isinstance(s, _B):
            held.append(q)
            if isinstance(o, _B):
                a, b = root(s.value), root(o.value)
                if a != b:
                    parent[a] = b
            else:
                root(s.value)
        elif isinstance(o, _B):
            held.append(q)
            root(o.value)
        else:
            yield q
    groups: dict[str, list[ox.Quad]] = {}
    for q in held:
        node = q.subject if isinstance(q.subject, _B) else q.object
        groups.setdefault(root(node.value), []).append(q)
    del held
    labels = _Labels()
    for group in groups.values():
        names = _tree_names(group, labels)
        if names is None:
            names, group = _canonical_names(group, labels)
        new = {old: _B(label) for old, label in names.items()}
        for q in group:
            s, o = q.subject, q.object
            yield ox.Quad(new[s.value] if isinstance(s, _B) else s, q.predicate,
                          new[o.value] if isinstance(o, _B) else o, q.graph_name)


def _tree_names(group: list[ox.Quad], labels: _Labels) -> dict[str, str] | None:
    """Labels for a group that is a tree (see the module's docstring); None when it is not one."""
    below: dict[str, list[ox.Quad]] = {}  # node -> the quads to its child nodes
    above: dict[str, ox.Quad] = {}  # node -> the quad from its parent node
    own: dict[str, list[str]] = {}  # node -> its quads with terms that are not blank nodes
    for q in group:
        s, o = q.subject, q.object
        if isinstance(s, _B) and isinstance(o, _B):
            if o.value in above:
                return None  # a second way in: not a tree
            above[o.value] = q
            below.setdefault(s.value, []).append(q)
            own.setdefault(s.value, [])
            own.setdefault(o.value, [])
        elif isinstance(s, _B):
            own.setdefault(s.value, []).append(f"> {q.predicate} {o} {q.graph_name}")
        else:
            own.setdefault(o.value, []).append(f"< {s} {q.predicate} {q.graph_name}")
    roots = [n for n in own if n not in above]
    if len(roots) != 1:
        return None  # connected, one way into each node, and no root: a cycle
    order = roots  # parents before children
    for n in order:
        order.extend(q.object.value for q in below.get(n, ()))
    digest: dict[str, str] = {}
    for n in reversed(order):
        lines = own[n] + [f"> {q.predicate} #{digest[q.object.value]} {q.graph_name}" for q in below.get(n, ())]
        digest[n] = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
    names = {order[0]: labels.new(f"tree {digest[order[0]]}")}
    for n in order:
        for q in below.get(n, ()):
            child = q.object.value
            names[child] = labels.new(f"{names[n]} {q.predicate} {q.graph_name} #{digest[child]}")
    return names


def _canonical_names(group: list[ox.Quad], labels: _Labels) -> tuple[dict[str, str], list[ox.Quad]]:
    """Labels for any group, from its RDFC-1.0 canonical form; with the group's quads as canonicalised."""
    canon = ox.Dataset(group)
    canon.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    quads = list(canon)
    form = hashlib.sha256("\n".join(sorted(str(q) for q in quads)).encode()).hexdigest()
    names: dict[str, str] = {}
    for q in quads:
        for t in (q.subject, q.object):
            if isinstance(t, _B) and t.value not in names:
                names[t.value] = labels.new(f"rdfc {form} {t.value}")
    return names, quads
