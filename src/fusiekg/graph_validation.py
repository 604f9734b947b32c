"""SHACL validation of the built graph as SPARQL on pyoxigraph: one query per constraint finds all its violations.

Why: pyshacl walks the focus nodes one by one in Python over an rdflib graph; at a million added triples that took
over five minutes of a build. The shipped shapes use a small part of SHACL Core plus SHACL-SPARQL constraints, and
each such constraint is a set question ("which focus nodes have fewer than one nl label?") that pyoxigraph answers
over all focus nodes at once. The verdict and the results are meant to be pyshacl's (tests compare the two).

Covered: the targets (class, node, subjectsOf, objectsOf), the path kinds, class, datatype, nodeKind, pattern, in,
hasValue, languageIn, uniqueLang, min/maxCount, qualified min/max counts, lessThan(OrEquals), the value ranges,
min/maxLength, and/or/not/xone/node/property, severities, and sh:sparql SELECT constraints. A shape that uses
anything else is handed to pyshacl, that shape only, over an rdflib copy of the data.

The data checked is the store's, literals as the store holds them, which is what the endpoint and the dumps
publish: pyoxigraph keeps every xsd:integer subtype (xsd:positiveInteger, ...) as xsd:integer, so a shape asking for
such a subtype fails on the store, as pyshacl fails on the dumps (the shipped shapes ask for xsd:integer and a
minimum). A literal that does not fit its datatype ("abc"^^xsd:date, ill-typed for rdflib) is found with a SPARQL
cast.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

_XSD = str(XSD)
# Datatypes whose lexical form a SPARQL cast checks (an ill-typed literal makes the cast fail).
_CASTABLE = {XSD[n] for n in ("date", "dateTime", "gYear", "gYearMonth", "boolean", "integer", "decimal", "double",
                              "float", "time")}
_SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Constraint parameters this engine understands; any other sh: predicate on a shape sends it to pyshacl.
_KNOWN = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.deactivated,
          SH.defaultValue, *_TARGETS, SH["class"], SH.datatype, SH.nodeKind, SH.pattern, SH.flags, SH["in"],
          SH.hasValue, SH.languageIn, SH.uniqueLang, SH.minCount, SH.maxCount, SH.qualifiedValueShape,
          SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.lessThan, SH.lessThanOrEquals, SH.minInclusive,
          SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength, SH.maxLength, SH["and"], SH["or"],
          SH["not"], SH.xone, SH.node, SH.property, SH.sparql}
_MAX_COUNT_VARS = 4  # min/max counts up to this are written as distinct variables; larger ones go to pyshacl


class Unsupported(Exception):
    """The shape uses SHACL this engine does not cover: pyshacl checks it instead."""


@dataclass(frozen=True)
class Finding:
    """One validation result, as pyshacl reports it."""

    severity: str  # "Violation" | "Warning" | "Info"
    focus: str
    path: str | None
    value: str | None
    shape: str
    component: str
    messages: tuple[str, ...]


@dataclass
class _Check:
    shape: object  # the shape whose message and severity the results carry
    component: str
    query: str  # SELECT ?this ?value (?value optional)
    path: str | None = None
    messages: tuple[str, ...] = ()
    severity: str = "Violation"
    sparql_messages: bool = False  # messages are templates with {?var}


@dataclass
class Outcome:
    conforms: bool
    findings: list[Finding] = field(default_factory=list)
    fallback_shapes: list[str] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(1 for f in self.findings if f.severity == "Violation")

    def text(self) -> str:
        """A report in pyshacl's text layout: every result with its focus node, path, value and messages."""
        lines = ["Validation Report", f"Conforms: {self.conforms}", f"Results ({len(self.findings)}):"]
        for f in self.findings:
            lines.append(f"Constraint {f.severity} in {f.component.rsplit('#', 1)[-1]} ({f.component}):")
            lines.append(f"\tSeverity: sh:{f.severity}")
            lines.append(f"\tSource Shape: {f.shape}")
            lines.append(f"\tFocus Node: {f.focus}")
            if f.value is not None:
                lines.append(f"\tValue Node: {f.value}")
            if f.path is not None:
                lines.append(f"\tResult Path: {f.path}")
            lines.extend(f"\tMessage: {m}" for m in f.messages)
        return "\n".join(lines)


def _text(term) -> str:
    """A term as pyshacl's report shows it."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return str(term)
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return term.n3() if term is not None else ""


def _sparql_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _term(t) -> str:
    if isinstance(t, URIRef):
        if any(c in str(t) for c in '<>"{}|^`\\ '):
            raise Unsupported(f"IRI {t!r}")
        return f"<{t}>"
    if isinstance(t, Literal):
        if t.language:
            return _sparql_string(str(t)) + "@" + t.language
        if t.datatype is not None:
            return _sparql_string(str(t)) + f"^^<{t.datatype}>"
        return _sparql_string(str(t))
    raise Unsupported(f"blank node {t!r} as a constraint value")


class _Compiler:
    """Turns shapes into SPARQL: `checks` for a shape with targets, `conforms` for a nested shape."""

    def __init__(self, shapes: Graph):
        self.g = shapes
        self.n = 0

    def var(self) -> str:
        self.n += 1
        return f"?_v{self.n}"

    def list(self, node) -> list:
        return list(Collection(self.g, node))

    def one(self, s, p):
        vals = list(self.g.objects(s, p))
        if len(vals) > 1:
            raise Unsupported(f"{s} has several {p}")
        return vals[0] if vals else None

    def check_known(self, shape) -> None:
        for p in set(self.g.predicates(shape)):
            if str(p).startswith(str(SH)) and p not in _KNOWN:
                raise Unsupported(f"{shape}: {p}")
        if (shape, SH.deactivated, Literal(True)) in self.g:
            raise Unsupported(f"{shape}: deactivated nested shape")

    # --- paths ----------------------------------------------------------------------------------------------------

    def path(self, p) -> str:
        if isinstance(p, URIRef):
            return _term(p)
        if (p, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(x) for x in self.list(p)) + ")"
        for key, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
            inner = self.one(p, key)
            if inner is not None:
                return "(" + self.path(inner) + ")" + mark
        inner = self.one(p, SH.inversePath)
        if inner is not None:
            return "^(" + self.path(inner) + ")"
        alts = self.one(p, SH.alternativePath)
        if alts is not None:
            return "(" + "|".join(self.path(x) for x in self.list(alts)) + ")"
        raise Unsupported(f"path {p}")

    # --- value tests: a SPARQL expression true when `v` passes one constraint ---------------------------------------

    def value_tests(self, shape, v: str) -> list[tuple[str, str]]:
        """(component, expression) for every constraint of `shape` on the value node `v` itself."""
        g, out = self.g, []
        for c in g.objects(shape, SH["class"]):
            out.append(("ClassConstraintComponent", f"EXISTS {{ {self.instance_of(v, c)} }}"))
        for d in g.objects(shape, SH.datatype):
            out.append(("DatatypeConstraintComponent", self.datatype_expr(d, v)))
        for k in g.objects(shape, SH.nodeKind):
            out.append(("NodeKindConstraintComponent", self.nodekind_expr(k, v)))
        pattern = self.one(shape, SH.pattern)
        if pattern is not None:
            flags = self.one(shape, SH.flags)
            extra = f", {_sparql_string(str(flags))}" if flags is not None else ""
            out.append(("PatternConstraintComponent",
                        f"(!isBlank({v}) && COALESCE(REGEX(STR({v}), {_sparql_string(str(pattern))}{extra}), false))"))
        for lst in g.objects(shape, SH["in"]):
            members = self.list(lst)
            test = " || ".join(f"sameTerm({v}, {_term(m)})" for m in members) or "false"
            out.append(("InConstraintComponent", f"({test})"))
        for lst in g.objects(shape, SH.languageIn):
            ranges = [str(x) for x in self.list(lst)]
            test = " || ".join(f"langMatches(LANG({v}), {_sparql_string(r)})" for r in ranges) or "false"
            out.append(("LanguageInConstraintComponent", f"(isLiteral({v}) && ({test}))"))
        for key, op, comp in ((SH.minInclusive, ">=", "MinInclusive"), (SH.maxInclusive, "<=", "MaxInclusive"),
                              (SH.minExclusive, ">", "MinExclusive"), (SH.maxExclusive, "<", "MaxExclusive")):
            for lim in g.objects(shape, key):
                out.append((f"{comp}ConstraintComponent", f"COALESCE({v} {op} {_term(lim)}, false)"))
        for key, op, comp in ((SH.minLength, ">=", "MinLength"), (SH.maxLength, "<=", "MaxLength")):
            for lim in g.objects(shape, key):
                out.append((f"{comp}ConstraintComponent",
                            f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int(lim)})"))
        if (shape, SH.path, None) not in g:  # on a property shape sh:hasValue is about the path's values
            for val in g.objects(shape, SH.hasValue):
                out.append(("HasValueConstraintComponent", f"sameTerm({v}, {_term(val)})"))
        for lst in g.objects(shape, SH["and"]):
            parts = [self.conforms(s, v) for s in self.list(lst)]
            out.append(("AndConstraintComponent", "(" + (" && ".join(parts) or "true") + ")"))
        for lst in g.objects(shape, SH["or"]):
            parts = [self.conforms(s, v) for s in self.list(lst)]
            out.append(("OrConstraintComponent", "(" + (" || ".join(parts) or "false") + ")"))
        for s in g.objects(shape, SH["not"]):
            out.append(("NotConstraintComponent", f"!{self.conforms(s, v)}"))
        for lst in g.objects(shape, SH.xone):
            parts = [f"IF({self.conforms(s, v)}, 1, 0)" for s in self.list(lst)]
            out.append(("XoneConstraintComponent", "((" + (" + ".join(parts) or "0") + ") = 1)"))
        for s in g.objects(shape, SH.node):
            out.append(("NodeConstraintComponent", self.conforms(s, v)))
        return out

    @staticmethod
    def instance_of(v: str, c) -> str:
        return f"{v} <{RDF.type}>/<{RDFS.subClassOf}>* {_term(c)}"

    def datatype_expr(self, d, v: str) -> str:
        if d == RDF.langString:
            return f"(isLiteral({v}) && LANG({v}) != \"\")"
        test = f"(isLiteral({v}) && LANG({v}) = \"\" && sameTerm(DATATYPE({v}), {_term(d)})"
        if d in _CASTABLE:
            test += f" && COALESCE(isLiteral({_term(d)}({v})), false)"
        return test + ")"

    @staticmethod
    def nodekind_expr(k, v: str) -> str:
        tests = {SH.IRI: f"isIRI({v})", SH.BlankNode: f"isBlank({v})", SH.Literal: f"isLiteral({v})",
                 SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
                 SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
                 SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))"}
        if k not in tests:
            raise Unsupported(f"sh:nodeKind {k}")
        return tests[k]

    # --- whole shapes as expressions (nested in or / xone / node / qualifiedValueShape) -------------------------

    def conforms(self, shape, v: str) -> str:
        """A SPARQL expression true when node `v` conforms to `shape` (a node or property shape)."""
        self.check_known(shape)
        if (shape, SH.sparql, None) in self.g:
            raise Unsupported(f"{shape}: sh:sparql in a nested shape")
        parts: list[str] = []
        p = self.one(shape, SH.path)
        if p is None:
            parts += [e for _c, e in self.value_tests(shape, v)]
        else:
            parts += [e for _c, e in self.property_tests(shape, v, self.path(p))]
        for ps in self.g.objects(shape, SH.property):
            parts.append(self.conforms(ps, v))
        return "(" + (" && ".join(parts) or "true") + ")"

    def property_tests(self, shape, v: str, path: str) -> list[tuple[str, str]]:
        g, out = self.g, []
        x = self.var()
        for comp, expr in self.value_tests(shape, x):
            out.append((comp, f"NOT EXISTS {{ {v} {path} {x} FILTER(!{expr}) }}"))
        for val in g.objects(shape, SH.hasValue):
            out.append(("HasValueConstraintComponent", f"EXISTS {{ {v} {path} {_term(val)} }}"))
        n = self.one(shape, SH.minCount)
        if n is not None and int(n) > 0:
            out.append(("MinCountConstraintComponent", "EXISTS { " + self.distinct(v, path, int(n)) + " }"))
        n = self.one(shape, SH.maxCount)
        if n is not None:
            out.append(("MaxCountConstraintComponent", "NOT EXISTS { " + self.distinct(v, path, int(n) + 1) + " }"))
        q = self.one(shape, SH.qualifiedValueShape)
        if q is not None:
            for key, comp, negate in ((SH.qualifiedMinCount, "QualifiedMinCountConstraintComponent", False),
                                      (SH.qualifiedMaxCount, "QualifiedMaxCountConstraintComponent", True)):
                n = self.one(shape, key)
                if n is None or (not negate and int(n) == 0):
                    continue
                k = int(n) + (1 if negate else 0)
                pattern = self.distinct(v, path, k, lambda y, q=q: self.conforms(q, y))
                out.append((comp, ("NOT EXISTS { " if negate else "EXISTS { ") + pattern + " }"))
        if (shape, SH.uniqueLang, Literal(True)) in g:
            a, b = self.var(), self.var()
            out.append(("UniqueLangConstraintComponent",
                        f"NOT EXISTS {{ {v} {path} {a} . {v} {path} {b} FILTER(!sameTerm({a}, {b}) && "
                        f"LANG({a}) != \"\" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}"))
        for key, op, comp in ((SH.lessThan, "<", "LessThan"), (SH.lessThanOrEquals, "<=", "LessThanOrEquals")):
            for other in g.objects(shape, key):
                a, b = self.var(), self.var()
                out.append((f"{comp}ConstraintComponent",
                            f"NOT EXISTS {{ {v} {path} {a} . {v} {_term(other)} {b} "
                            f"FILTER(!COALESCE({a} {op} {b}, false)) }}"))
        return out

    def distinct(self, v: str, path: str, k: int, test: Callable | None = None) -> str:
        if k > _MAX_COUNT_VARS:
            raise Unsupported(f"a count of {k}")
        xs = [self.var() for _ in range(k)]
        pattern = " . ".join(f"{v} {path} {x}" for x in xs)
        filters = [f"!sameTerm({a}, {b})" for i, a in enumerate(xs) for b in xs[i + 1:]]
        if test is not None:
            filters += [test(x) for x in xs]
        return pattern + (f" FILTER({' && '.join(filters)})" if filters else "")

    # --- a shape with targets: one query per constraint -----------------------------------------------------------

    def focus_pattern(self, shape) -> str:
        parts = []
        for c in self.g.objects(shape, SH.targetClass):
            parts.append(f"{{ ?this <{RDF.type}>/<{RDFS.subClassOf}>* {_term(c)} }}")
        nodes = [_term(n) for n in self.g.objects(shape, SH.targetNode)]
        if nodes:
            parts.append("{ VALUES ?this { " + " ".join(nodes) + " } }")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {_term(p)} ?_any }}")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ ?_any {_term(p)} ?this }}")
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"

    def info(self, shape) -> tuple[tuple[str, ...], str]:
        messages = tuple(sorted(str(m) for m in self.g.objects(shape, SH.message)))
        sev = self.one(shape, SH.severity)
        return messages, _SEVERITY.get(sev, "Violation") if sev is not None else "Violation"

    def checks(self, shape) -> list[_Check]:
        if (shape, RDF.type, RDFS.Class) in self.g:
            raise Unsupported(f"{shape}: implicit class target")
        self.check_known(shape)
        focus = self.focus_pattern(shape)
        p = self.one(shape, SH.path)
        if p is not None:
            return self.property_checks(shape, focus, "?this")
        out = self.node_checks(shape, focus)
        for ps in self.g.objects(shape, SH.property):
            self.check_known(ps)
            if (ps, SH.sparql, None) in self.g:
                raise Unsupported(f"{ps}: sh:sparql on a property shape")
            out += self.property_checks(ps, focus, "?this")
        out += self.sparql_checks(shape, focus)
        return out

    def node_checks(self, shape, focus: str) -> list[_Check]:
        messages, severity = self.info(shape)
        out = [_Check(shape, str(SH[comp]), f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(!{expr}) }}",
                      messages=messages, severity=severity)
               for comp, expr in self.value_tests(shape, "?this") if comp != "ClassConstraintComponent"]
        # sh:class as MINUS: Oxigraph then finds the instances once and joins, where FILTER(!EXISTS) walks the
        # subclass path again for every focus node (16 times slower on 5k memberships).
        out += [_Check(shape, str(SH.ClassConstraintComponent),
                       f"SELECT DISTINCT ?this WHERE {{ {{ {focus} }} MINUS {{ {self.instance_of('?this', c)} }} }}",
                       messages=messages, severity=severity)
                for c in self.g.objects(shape, SH["class"])]
        return out

    def property_checks(self, shape, focus: str, this: str) -> list[_Check]:
        g = self.g
        messages, severity = self.info(shape)
        p = self.one(shape, SH.path)
        path = self.path(p)
        path_text = f"<{p}>" if isinstance(p, URIRef) else path
        out: list[_Check] = []

        def add(comp: str, query: str) -> None:
            out.append(_Check(shape, str(SH[comp]), query, path_text, messages, severity))

        for comp, expr in self.value_tests(shape, "?value"):
            if comp != "ClassConstraintComponent":
                add(comp, f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {this} {path} ?value FILTER(!{expr}) }}")
        for c in g.objects(shape, SH["class"]):  # as MINUS, for the reason given in node_checks
            add("ClassConstraintComponent", f"SELECT DISTINCT ?this ?value WHERE {{ {{ {focus} {this} {path} ?value }} "
                                            f"MINUS {{ {self.instance_of('?value', c)} }} }}")
        for val in g.objects(shape, SH.hasValue):
            add("HasValueConstraintComponent",
                f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ {this} {path} {_term(val)} }} }}")
        n = self.one(shape, SH.minCount)
        if n is not None and int(n) > 0:
            add("MinCountConstraintComponent",
                f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {this} {path} ?v }} }} GROUP BY ?this "
                f"HAVING (COUNT(DISTINCT ?v) < {int(n)})")
        n = self.one(shape, SH.maxCount)
        if n is not None:
            add("MaxCountConstraintComponent",
                f"SELECT ?this WHERE {{ {focus} {this} {path} ?v }} GROUP BY ?this "
                f"HAVING (COUNT(DISTINCT ?v) > {int(n)})")
        q = self.one(shape, SH.qualifiedValueShape)
        if q is not None:
            if (shape, SH.qualifiedValueShapesDisjoint, Literal(True)) in g:
                raise Unsupported(f"{shape}: sh:qualifiedValueShapesDisjoint")
            test = self.conforms(q, "?v")
            lo, hi = self.one(shape, SH.qualifiedMinCount), self.one(shape, SH.qualifiedMaxCount)
            if lo is not None and int(lo) > 0:
                add("QualifiedMinCountConstraintComponent",
                    f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {this} {path} ?v FILTER({test}) }} }} GROUP BY ?this "
                    f"HAVING (COUNT(DISTINCT ?v) < {int(lo)})")
            if hi is not None:
                add("QualifiedMaxCountConstraintComponent",
                    f"SELECT ?this WHERE {{ {focus} {this} {path} ?v FILTER({test}) }} GROUP BY ?this "
                    f"HAVING (COUNT(DISTINCT ?v) > {int(hi)})")
        if (shape, SH.uniqueLang, Literal(True)) in g:
            add("UniqueLangConstraintComponent",
                f"SELECT DISTINCT ?this WHERE {{ {focus} {this} {path} ?a . {this} {path} ?b "
                f"FILTER(!sameTerm(?a, ?b) && LANG(?a) != \"\" && LCASE(LANG(?a)) = LCASE(LANG(?b))) }}")
        for key, op, comp in ((SH.lessThan, "<", "LessThan"), (SH.lessThanOrEquals, "<=", "LessThanOrEquals")):
            for other in g.objects(shape, key):
                add(f"{comp}ConstraintComponent",
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {this} {path} ?value . {this} {_term(other)} ?b "
                    f"FILTER(!COALESCE(?value {op} ?b, false)) }}")
        for ps in g.objects(shape, SH.property):  # a property shape's own sh:property: about its value nodes
            expr = self.conforms(ps, "?value")
            add("NodeConstraintComponent",
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {this} {path} ?value FILTER(!{expr}) }}")
        return out

    def sparql_checks(self, shape, focus: str) -> list[_Check]:
        out = []
        for c in self.g.objects(shape, SH.sparql):
            if (c, SH.deactivated, Literal(True)) in self.g:
                continue
            select = self.one(c, SH.select)
            if select is None:
                raise Unsupported(f"{c}: a SPARQL constraint without sh:select")
            text = str(select)
            if re.search(r"\$(?!this\b)\w+", text) or text.upper().count("SELECT") > 1:
                raise Unsupported(f"{c}: pre-bound variables other than $this, or a subquery")
            if re.search(r"(?i)\b(SERVICE|MINUS)\b", text):
                raise Unsupported(f"{c}: SERVICE or MINUS")
            prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes(c))
            text = re.sub(r"\$this\b", "?this", text)
            brace = text.index("{")
            query = prologue + text[:brace + 1] + f" {focus} " + text[brace + 1:]
            # pyshacl reports the constraint's messages (filled in) and the shape's own, as here
            messages = tuple(str(m) for m in self.g.objects(c, SH.message))
            sev = self.one(shape, SH.severity)
            out.append(_Check(shape, str(SH.SPARQLConstraintComponent), query, None, (messages, self.info(shape)[0]),
                              _SEVERITY.get(sev, "Violation") if sev is not None else "Violation",
                              sparql_messages=True))
        return out

    def prefixes(self, constraint) -> list[tuple[str, str]]:
        out = []
        for holder in self.g.objects(constraint, SH.prefixes):
            for decl in self.g.objects(holder, SH.declare):
                out.append((str(self.one(decl, SH.prefix)), str(self.one(decl, SH.namespace))))
        return out


def top_level_shapes(shapes: Graph) -> list:
    """Shapes with a target (a shape reached only through sh:property / sh:node is checked as part of those)."""
    found = {s for p in _TARGETS for s in shapes.subjects(p, None)}
    return sorted((s for s in found if (s, SH.deactivated, Literal(True)) not in shapes), key=str)


def _message(template: str, row: ox.QuerySolution, variables: list[str]) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name in variables and row[name] is not None:
            t = row[name]
            return t.value if not isinstance(t, ox.BlankNode) else f"_:{t.value}"
        return m.group(0)

    return re.sub(r"\{[?$](\w+)\}", sub, template)


def validate_store(store: ox.Store, data_graphs: list[str], shapes: Graph,
                   fallback: Callable[[Graph], tuple[bool, list[Finding]]] | None = None) -> Outcome:
    """Check the union of the named graphs `data_graphs` in `store` against `shapes`.

    `fallback` runs pyshacl on a shapes graph (shapes this engine covers are deactivated in it) over the same data,
    and is called only when a shape needs it.
    """
    comp = _Compiler(shapes)
    dataset = [ox.NamedNode(g) for g in data_graphs]
    findings: list[Finding] = []
    unsupported, reasons = [], []
    for shape in top_level_shapes(shapes):
        try:
            checks = comp.checks(shape)
        except Unsupported as exc:
            reasons.append(str(exc))
            unsupported.append(shape)
            continue
        for check in checks:
            findings += _run(store, dataset, check)
    if unsupported:
        if fallback is None:
            raise Unsupported(f"no fallback for the shapes: {'; '.join(reasons)}")
        restricted = Graph()
        for t in shapes:
            restricted.add(t)
        for shape in top_level_shapes(shapes):
            if shape not in unsupported:
                restricted.add((shape, SH.deactivated, Literal(True)))
        _ok, more = fallback(restricted)
        findings += more
    findings = sorted(set(findings), key=lambda f: (f.severity != "Violation", f.shape, f.focus, f.component,
                                                    f.path or "", f.value or ""))
    conforms = not any(f.severity == "Violation" for f in findings)
    return Outcome(conforms, findings, [str(s) for s in unsupported])


def _run(store: ox.Store, dataset: list, check: _Check) -> list[Finding]:
    res = store.query(check.query, default_graph=dataset)
    variables = [v.value for v in res.variables]
    out = []
    for row in res:
        focus = row["this"]
        value = row["value"] if "value" in variables else None
        if check.sparql_messages:
            if "failure" in variables and row["failure"] is not None and row["failure"].value == "true":
                raise ValueError(f"SPARQL constraint of {check.shape} reported a failure")
            path = row["path"] if "path" in variables else None
            own, of_shape = check.messages
            messages = tuple(sorted([*(_message(m, row, variables) for m in own), *of_shape]))
            out.append(Finding(check.severity, _text(focus), _text(path) if path is not None else None,
                               _text(value if value is not None else focus), str(check.shape), check.component,
                               messages))
            continue
        if check.component in (str(SH.MinCountConstraintComponent), str(SH.MaxCountConstraintComponent),
                               str(SH.QualifiedMinCountConstraintComponent),
                               str(SH.QualifiedMaxCountConstraintComponent),
                               str(SH.UniqueLangConstraintComponent), str(SH.HasValueConstraintComponent)):
            value = None
        elif value is None:
            value = focus  # a constraint on the focus node itself
        out.append(Finding(check.severity, _text(focus), check.path, _text(value) if value is not None else None,
                           str(check.shape), check.component, check.messages))
    return out


def pyshacl_findings(data: Graph, shapes: Graph) -> tuple[bool, list[Finding]]:
    """pyshacl's verdict and results on an rdflib graph, as Findings (the fallback, and the reference in tests).
    `data` is changed in place (no copy): pass a graph of your own."""
    from pyshacl import validate  # noqa: PLC0415 - heavy, and only needed for a fallback

    conforms, report, _text_report = validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                              allow_warnings=True, allow_infos=True, inplace=True)
    comp = _Compiler(report)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(r, SH.resultPath)
        if path is not None and not isinstance(path, URIRef):
            try:
                path_text = comp.path(path)
            except Unsupported:
                path_text = str(path)
        else:
            path_text = f"<{path}>" if path is not None else None
        value = report.value(r, SH.value)
        out.append(Finding(_SEVERITY.get(report.value(r, SH.resultSeverity), "Violation"),
                           _text(report.value(r, SH.focusNode)), path_text,
                           _text(value) if value is not None else None, str(report.value(r, SH.sourceShape)),
                           str(report.value(r, SH.sourceConstraintComponent)),
                           tuple(sorted(str(m) for m in report.objects(r, SH.resultMessage)))))
    return bool(conforms), out
