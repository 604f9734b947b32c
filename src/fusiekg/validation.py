"""SHACL validation of a user's description of a (new) ambtelijke fusie, with a report in Dutch or English.

Why it is built this way:
- The shapes (shapes/description.ttl) and the reference data (TOOI municipalities, the form and goal schemes) are
  loaded once per process and reused, with pyshacl's harvested shapes; the SHACL-SPARQL runs in an in-memory
  oxigraph store of the call's data graph, so a warm call costs tens of milliseconds.
- The data graph of a call is a fresh graph: the description plus only the reference entries it names. Statements a
  description makes in the reference's own vocabulary (TOOI properties, `a tooiont:Gemeente`, fkg:cbsCode on a TOOI
  IRI, skos:inScheme of our schemes) are left out, so a description cannot vouch for a municipality or goal itself.
- Nothing is fetched: the input is parsed by `rdfinput`, the shapes hold no SERVICE or FROM, owl:imports is never
  followed, and no stored graph is touched.

A Flask view needs one line: `report = validate(request.get_data(), content_type=request.content_type)`.
"""

from __future__ import annotations

import ctypes
import json
import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS

from . import rdfinput, resources
from .namespaces import DSH, FKG, GM, ID, PREFIXES, TOOIONT, bind_all
from .rdfinput import InputError, InputTooLarge  # noqa: F401  (re-exported for callers)

SHAPES_FILE = ("shapes", "description.ttl")
#: The rules of shapes/description.ttl are named dsh:{Rule} (docs/model.md).
_DISPLAY_PREFIXES = {**PREFIXES, "dsh": str(DSH)}
DEFAULT_MAX_BYTES = rdfinput.DEFAULT_MAX_BYTES
DEFAULT_TIMEOUT_S = 10.0
LANGUAGES = ("nl", "en")

_SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_SEVERITY_RANK = {"violation": 0, "warning": 1, "info": 2}
_SEVERITY_WORDS = {
    "nl": {"violation": "fout", "warning": "waarschuwing", "info": "info"},
    "en": {"violation": "violation", "warning": "warning", "info": "info"},
}
# Reference facts the description may not state itself: TOOI's vocabulary and our concept schemes.
_REFERENCE_TYPES = {TOOIONT.Gemeente}
_SCHEMES = (ID.vorm, ID.doel, ID.rol, ID.faalfactor)
# What the shapes read from a TOOI municipality, and what the report shows of it.
_MUNICIPALITY_PREDICATES = (RDF.type, TOOIONT.begindatum, TOOIONT.einddatum, TOOIONT.gemeentecode,
                            TOOIONT.officieleNaamExclSoort, FKG.cbsCode, SKOS.prefLabel)
_CONCEPT_PREDICATES = (RDF.type, SKOS.inScheme, SKOS.prefLabel)
# What a term of our vocabulary is marked with in a call's data graph (dsh:OnbekendeTerm reads it).
_VOCABULARY = URIRef(str(FKG).rstrip("/"))


class ValidationTimeout(Exception):
    """Validation took longer than allowed; the work is abandoned."""

    def __init__(self, timeout_s: float):
        self.timeout_s = timeout_s
        self.message_nl = f"De validatie duurde langer dan {timeout_s:g} s en is afgebroken."
        self.message_en = f"Validation took longer than {timeout_s:g} s and was stopped."
        super().__init__(f"{self.message_nl} / {self.message_en}")

    def localized(self, lang: str = "nl") -> str:
        return self.message_en if _lang(lang) == "en" else self.message_nl


def _lang(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "nl"


# --------------------------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One finding: which node, which property and value, how bad, what is wrong, how to fix it, which rule."""

    severity: str  # "violation" | "warning" | "info"
    focus_node: str  # IRI, or "_:id" for a blank node
    focus_label: str | None
    path: str | None  # property IRI, "^IRI" for an inverse path, else SPARQL path syntax
    value: str | None  # IRI, "_:id" or the literal's text
    value_label: str | None
    message: str
    hint: str | None
    rule: str | None  # the rule's name (rdfs:label of the shape) in the report's language
    source_shape: str
    constraint_component: str
    see_also: tuple[str, ...] = ()
    # rdflib terms, for to_graph()
    _focus: Any = field(default=None, repr=False, compare=False)
    _path: Any = field(default=None, repr=False, compare=False)
    _value: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity, "focus_node": self.focus_node, "focus_label": self.focus_label,
            "path": self.path, "value": self.value, "value_label": self.value_label, "message": self.message,
            "hint": self.hint, "rule": self.rule, "source_shape": self.source_shape,
            "constraint_component": self.constraint_component, "see_also": list(self.see_also),
        }


@dataclass
class ValidationReport:
    """The outcome of one validation. `conforms` is True when there is no violation (warnings and info allowed).

    JSON (`to_json` / `to_dict`), a plain structure:
        {"conforms": bool, "lang": "nl"|"en", "source": file name or null,
         "summary": {"violations": int, "warnings": int, "infos": int},
         "results": [{"severity": "violation"|"warning"|"info",
                      "focus_node": IRI or "_:id", "focus_label": name or null,
                      "path": IRI, "^IRI" (inverse), a SPARQL property path or null,
                      "value": IRI, "_:id", the literal's text or null,
                      "value_label": name or null, "message": text, "hint": text or null,
                      "rule": rule name or null, "source_shape": IRI, "constraint_component": IRI,
                      "see_also": [IRI, ...]}]}
    Results are ordered: violations, warnings, info; then by rule, focus node and value.
    """

    conforms: bool
    lang: str
    results: list[Result]
    source: str | None = None
    elapsed_s: float = 0.0
    _data: Graph | None = field(default=None, repr=False)

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "warning"]

    @property
    def infos(self) -> list[Result]:
        return [r for r in self.results if r.severity == "info"]

    def summary(self) -> dict[str, int]:
        return {"violations": len(self.violations), "warnings": len(self.warnings), "infos": len(self.infos)}

    def to_dict(self) -> dict[str, Any]:
        return {"conforms": self.conforms, "lang": self.lang, "source": self.source, "summary": self.summary(),
                "results": [r.to_dict() for r in self.results]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_text(self) -> str:
        """A readable report in the report's language."""
        nl = self.lang == "nl"
        s = self.summary()
        words = _SEVERITY_WORDS[self.lang]
        if nl:
            verdict = "voldoet" if self.conforms else "voldoet NIET"
            counts = f"{s['violations']} fout(en), {s['warnings']} waarschuwing(en), {s['infos']} info"
            labels = ("onderwerp", "eigenschap", "waarde", "melding", "herstel", "regel", "zie ook")
        else:
            verdict = "conforms" if self.conforms else "does NOT conform"
            counts = f"{s['violations']} violation(s), {s['warnings']} warning(s), {s['infos']} info"
            labels = ("focus node", "property", "value", "message", "fix", "rule", "see also")
        head = f"{self.source}: " if self.source else ""
        lines = [f"{head}{verdict} ({counts})"]
        width = max(len(label) for label in labels) + 1
        for r in self.results:
            lines.append("")
            lines.append(f"[{words[r.severity].upper()}] {r.message}")
            rows = [
                (labels[0], _with_label(display_name(r.focus_node), r.focus_label)),
                (labels[1], display_name(r.path) if r.path else None),
                (labels[2], _with_label(display_name(r.value), r.value_label)
                 if r.value is not None and r.value != r.focus_node else None),
                (labels[4], r.hint),
                (labels[5], f"{r.rule} ({display_name(r.source_shape)})" if r.rule else display_name(r.source_shape)),
                (labels[6], ", ".join(display_name(s) for s in r.see_also) or None),
            ]
            for label, text in rows:
                if text:
                    lines.append(f"  {(label + ':').ljust(width)} {text}")
        return "\n".join(lines) + "\n"

    def to_graph(self) -> Graph:
        """The report as a SHACL validation report graph, messages and fix hints in the report's language."""
        g = Graph()
        bind_all(g)
        g.bind("dsh", str(DSH))
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        shapes = engine().shapes
        for r in self.results:
            node = BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, r._focus))
            g.add((node, SH.resultSeverity, {v: k for k, v in _SEVERITIES.items()}[r.severity]))
            g.add((node, SH.sourceShape, URIRef(r.source_shape)))
            g.add((node, SH.sourceConstraintComponent, URIRef(r.constraint_component)))
            g.add((node, SH.resultMessage, Literal(r.message, lang=self.lang)))
            if r.hint:
                g.add((node, FKG.herstelHint, Literal(r.hint, lang=self.lang)))
            for see in r.see_also:
                g.add((node, RDFS.seeAlso, URIRef(see)))
            if r._path is not None:
                g.add((node, SH.resultPath, r._path))
                _copy_blank(shapes, r._path, g)
            if r._value is not None:
                g.add((node, SH.value, r._value))
            for term in (r._focus, r._value, r._path):
                if self._data is not None:
                    _copy_blank(self._data, term, g)
        return g

    def detached(self) -> ValidationReport:
        """A copy to send to another process: instead of the description's whole graph, only what `to_graph` copies
        from it and from the shapes (the blank nodes of focus nodes, values and paths, which another process's
        shapes graph names differently)."""
        kept = Graph()
        shapes = engine().shapes
        for r in self.results:
            for source, term in ((self._data, r._focus), (self._data, r._value), (shapes, r._path)):
                if source is not None:
                    _copy_blank(source, term, kept)
        return replace(self, _data=kept)


def display_name(iri: str | None) -> str:
    """A prefixed name for display when one of our prefixes fits (also for each <IRI> inside a path)."""
    if not iri:
        return ""
    if "<" in iri:
        return re.sub(r"<([^<>]+)>", lambda m: display_name(m.group(1)), iri)
    inverse = iri.startswith("^")
    bare = iri[1:] if inverse else iri
    best = bare
    for prefix, ns in _DISPLAY_PREFIXES.items():
        if bare.startswith(ns) and len(bare) > len(ns):
            candidate = f"{prefix}:{bare[len(ns):]}"
            if len(candidate) < len(best):
                best = candidate
    return ("^" if inverse else "") + best


def _with_label(text: str, label: str | None) -> str:
    return f"{text} ({label})" if label and label != text else text


def _copy_blank(source: Graph, term, target: Graph, depth: int = 0) -> None:
    """Copy what `source` says about a blank node (recursively, bounded) so the report stands on its own."""
    if not isinstance(term, BNode) or depth > 4:
        return
    for p, o in source.predicate_objects(term):
        target.add((term, p, o))
        _copy_blank(source, o, target, depth + 1)


# --------------------------------------------------------------------------------------------------------------
# Reference data and shapes, loaded once
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ShapeInfo:
    labels: dict[str, str]
    hints: dict[str, str]
    see_also: tuple[str, ...]


def _template_pattern(template: str) -> re.Pattern:
    """A regular expression matching the message pyshacl makes from a template with {?var} / {$var} slots."""
    parts = re.split(r"\{[$?]\w+\}", template)
    return re.compile("(?:.*?)".join(re.escape(p) for p in parts), re.S)


class _Engine:
    """The cached shapes (rdflib graph and pyshacl's harvested shapes) and reference index."""

    def __init__(self) -> None:
        from pyshacl.monkey import apply_patches, rdflib_bool_patch, rdflib_bool_unpatch
        from pyshacl.shapes_graph import ShapesGraph

        from .importers import tooi

        apply_patches()
        self.shapes = Graph(store="SimpleMemory", bind_namespaces="none")
        rdflib_bool_patch()  # as pyshacl does while loading shapes: only "true" is a true xsd:boolean
        try:
            self.shapes.parse(resources.path(*SHAPES_FILE), format="turtle")
        finally:
            rdflib_bool_unpatch()
        _compact_queries(self.shapes)
        self.shapes_graph = ShapesGraph(self.shapes)
        _ = self.shapes_graph.shapes  # harvest now, once
        self.shape_info = {s: self._shape_info(s) for s in set(self.shapes.subjects(RDF.type, SH.PropertyShape))
                           | set(self.shapes.subjects(RDF.type, SH.NodeShape))}
        # pyshacl drops the language tag when it fills in a message, so each message is matched back to its template
        self.templates: dict[Any, list[tuple[re.Pattern, str]]] = {}
        for node, message in self.shapes.subject_objects(SH.message):
            self.templates.setdefault(node, []).append((_template_pattern(str(message)), message.language or ""))
        self.lock = threading.Lock()

        municipalities = tooi.load(resources.path("data"))
        self.gemeenten: dict[URIRef, tuple] = {}
        self.by_code: dict[str, URIRef] = {}
        self.by_name: dict[str, list[URIRef]] = {}  # a name as _name_key() writes it → municipalities
        for m in municipalities.subjects(RDF.type, TOOIONT.Gemeente):
            triples = tuple((m, p, o) for p in _MUNICIPALITY_PREDICATES for o in municipalities.objects(m, p))
            self.gemeenten[m] = triples
            for key in {_name_key(o) for _s, p, o in triples
                        if p in (SKOS.prefLabel, TOOIONT.officieleNaamExclSoort)}:
                self.by_name.setdefault(key, []).append(m)
            for code in municipalities.objects(m, FKG.cbsCode):
                self.by_code[str(code).upper()] = m
        concepts = Graph()
        for folder in ("ontology", ("data", "article")):
            parts = (folder,) if isinstance(folder, str) else folder
            for path in sorted(resources.path(*parts).glob("*.ttl")):
                concepts.parse(path, format="turtle")
        # the terms of our vocabulary (fkg:startdatum, fkg:Werkorganisatie, ...), for dsh:OnbekendeTerm
        self.terms = {s for s in concepts.subjects(RDF.type, None)
                      if isinstance(s, URIRef) and s.startswith(str(FKG)) and "/" not in s[len(str(FKG)):]}
        self.concepts: dict[URIRef, tuple] = {}
        for scheme in _SCHEMES:
            for c in concepts.subjects(SKOS.inScheme, scheme):
                self.concepts[c] = tuple((c, p, o) for p in _CONCEPT_PREDICATES for o in concepts.objects(c, p))

    def _shape_info(self, shape) -> _ShapeInfo:
        def by_lang(p) -> dict[str, str]:
            out: dict[str, str] = {}
            for o in self.shapes.objects(shape, p):
                out.setdefault(getattr(o, "language", None) or "", str(o))
            return out

        return _ShapeInfo(by_lang(RDFS.label), by_lang(FKG.herstelHint),
                          tuple(sorted(str(o) for o in self.shapes.objects(shape, RDFS.seeAlso))))

    def message(self, messages: list, shape, constraint, lang: str) -> str:
        """The result message in `lang`: a constraint's own (filled-in) message before its shape's general one."""
        found: list[tuple[int, int, str]] = []  # (level, language rank, text)
        rank = {"nl": 1, "en": 2} | {lang: 0}
        for m in messages:
            text = str(m)
            match = next(((level, tlang) for level, node in ((0, constraint), (1, shape))
                          for pattern, tlang in self.templates.get(node, ()) if pattern.fullmatch(text)), None)
            level, tlang = match if match else (2, getattr(m, "language", None) or "")
            found.append((rank.get(tlang, 3), level, text))
        return min(found)[2] if found else ""

    def suggest(self, value, lang: str) -> str:
        """For a participant that is not a TOOI municipality but is written as one's name ("De Bilt", gm:DeBilt,
        ex:de-bilt) or code in capitals (gm:GM0310): the municipalities meant, those that still exist first; else ""."""
        if isinstance(value, Literal):
            written = str(value)
        elif isinstance(value, URIRef):
            written = re.split(r"[/#:]", str(value).rstrip("/#"))[-1]
        else:
            return ""
        by_code = self.by_code.get(written.strip().upper())  # gm:GM0310: the code, in capitals
        found = sorted([by_code] if by_code is not None else self.by_name.get(_name_key(written), ()),
                       key=lambda m: (any(p == TOOIONT.einddatum for _s, p, _o in self.gemeenten[m]), str(m)))
        if not found:
            return ""
        names = ", ".join(f"{display_name(str(m))} ({self.name_of(m, lang)})" for m in found[:3])
        return f" Did you mean {names}?" if lang == "en" else f" Bedoelt u {names}?"

    def name_of(self, term, lang: str) -> str | None:
        """A human name for a municipality or concept of the reference data."""
        triples = self.gemeenten.get(term) or self.concepts.get(term)
        if not triples:
            return None
        labels = {getattr(o, "language", None): str(o) for _s, p, o in triples if p == SKOS.prefLabel}
        return labels.get(lang) or labels.get("nl") or next(iter(labels.values()), None)


def _name_key(name) -> str:
    """A municipality's name for comparing: no accents, case, spaces or punctuation (Súdwest-Fryslân = sudwestfryslan)."""
    decomposed = unicodedata.normalize("NFKD", str(name))
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c)).lower()


def _compact_queries(shapes: Graph) -> None:
    """Put each sh:select on one line (in our private copy of the shapes): the same query, but pyshacl's checks
    for MINUS and SERVICE use regular expressions whose cost grows with the number of lines times the length.
    Only queries without "#" are touched, so no comment can swallow the rest of a query."""
    for node, text in list(shapes.subject_objects(SH.select)):
        if "#" not in text:
            shapes.set((node, SH.select, Literal(" ".join(text.split()))))


_ENGINE: _Engine | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> _Engine:
    """The process-wide validation engine (the first call loads shapes and reference data, about a second)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = _Engine()
    return _ENGINE


# --------------------------------------------------------------------------------------------------------------
# The data graph of one call
# --------------------------------------------------------------------------------------------------------------


def _is_reference_claim(s, p, o) -> bool:
    if p.startswith(str(TOOIONT)):
        return True
    if p == RDF.type and o in _REFERENCE_TYPES:
        return True
    if p == FKG.cbsCode and isinstance(s, URIRef) and s.startswith(str(GM)):
        return True
    if p == RDFS.isDefinedBy and isinstance(s, URIRef) and s.startswith(str(FKG)):
        return True
    return p == SKOS.inScheme and isinstance(o, URIRef) and o.startswith(str(ID))


def _triples(parsed: Graph | Dataset) -> Iterable[tuple]:
    if isinstance(parsed, Dataset):
        for s, p, o, _g in parsed.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from parsed


def build_data_graph(parsed: Graph | Dataset, eng: _Engine | None = None) -> Graph:
    """The description (minus reference claims, CBS codes normalised) plus the reference entries it names."""
    eng = eng or engine()
    g = Graph(bind_namespaces="none")
    mentioned: set[URIRef] = set()
    for s, p, o in _triples(parsed):
        if _is_reference_claim(s, p, o):
            continue
        if p == FKG.cbsCode and isinstance(o, Literal):
            o = Literal(str(o).strip().upper())
            known = eng.by_code.get(str(o))
            if known is not None:
                mentioned.add(known)
        g.add((s, p, o))
        for term in (s, o):
            if isinstance(term, URIRef) and (term in eng.gemeenten or term in eng.concepts):
                mentioned.add(term)
    for term in mentioned:
        for t in eng.gemeenten.get(term, ()) or eng.concepts.get(term, ()):
            g.add(t)
    used = set(g.predicates()) | set(g.objects(None, RDF.type))
    for term in used & eng.terms:
        g.add((term, RDFS.isDefinedBy, _VOCABULARY))
    return g


# --------------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------------


def validate(data: bytes, *, fmt: str | None = None, filename: str | None = None, content_type: str | None = None,
             lang: str = "nl", max_bytes: int = DEFAULT_MAX_BYTES, timeout_s: float | None = DEFAULT_TIMEOUT_S,
             base: str | None = None) -> ValidationReport:
    """Validate a description (bytes in any RDF syntax) against shapes/description.ttl and the reference data.

    Raises `InputError` (unreadable input, with line and column), `InputTooLarge`, or `ValidationTimeout`.
    """
    lang = _lang(lang)
    eng = engine()  # loading once is not part of the time limit
    started = time.perf_counter()

    def work() -> ValidationReport:
        parsed = rdfinput.parse(data, fmt, filename, content_type, max_bytes=max_bytes, base=base)
        return _validate_parsed(parsed, lang, eng)

    report = _with_timeout(work, timeout_s)
    report.source = filename
    report.elapsed_s = time.perf_counter() - started
    return report


def validate_graph(graph: Graph | Dataset, *, lang: str = "nl", timeout_s: float | None = DEFAULT_TIMEOUT_S
                   ) -> ValidationReport:
    """Validate a description already in memory (it is copied, never changed)."""
    eng = engine()
    started = time.perf_counter()
    report = _with_timeout(lambda: _validate_parsed(graph, _lang(lang), eng), timeout_s)
    report.elapsed_s = time.perf_counter() - started
    return report


def _validate_parsed(parsed: Graph | Dataset, lang: str, eng: _Engine) -> ValidationReport:
    import pyoxigraph as ox
    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    from .rdfterms import to_ox

    data = build_data_graph(parsed, eng)
    store = ox.Store()  # the SPARQL of the shapes runs in oxigraph: several times faster than rdflib's engine
    try:
        store.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph()) for s, p, o in data])
    except (ValueError, TypeError) as exc:  # a graph not made by rdfinput may hold terms oxigraph refuses
        raise InputError(f"De beschrijving bevat een ongeldige term: {exc}",
                         en=f"The description contains an invalid term: {exc}") from exc
    with eng.lock:
        validator = Validator(DataGraph.from_oxigraph_store(store), shacl_graph=eng.shapes,
                              options={"inference": "none", "inplace": True, "advanced": False,
                                       "allow_warnings": True, "allow_infos": True})
        validator.shacl_graph = eng.shapes_graph  # reuse the shapes harvested once
        _conforms, report_graph, _text = validator.run()
    results = _results(report_graph, data, lang, eng)
    conforms = not any(r.severity == "violation" for r in results)
    return ValidationReport(conforms=conforms, lang=lang, results=results, _data=data)


def _results(report: Graph, data: Graph, lang: str, eng: _Engine) -> list[Result]:
    out = []
    for node in report.objects(None, SH.result):
        shape = report.value(node, SH.sourceShape)
        info = eng.shape_info.get(shape, _ShapeInfo({}, {}, ()))
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        severity = _SEVERITIES.get(report.value(node, SH.resultSeverity), "violation")
        out.append(Result(
            severity=severity,
            focus_node=_term_text(focus), focus_label=_label(data, focus, lang, eng),
            path=_path_text(eng.shapes, path), value=_term_text(value) if value is not None else None,
            value_label=_label(data, value, lang, eng) if value is not None else None,
            message=eng.message(list(report.objects(node, SH.resultMessage)), shape,
                                report.value(node, SH.sourceConstraint), lang)
            + (eng.suggest(value, lang) if shape == DSH.BekendeGemeente else ""),
            hint=info.hints.get(lang) or info.hints.get("nl"),
            rule=info.labels.get(lang) or info.labels.get("nl"),
            source_shape=str(shape),
            constraint_component=str(report.value(node, SH.sourceConstraintComponent)),
            see_also=info.see_also, _focus=focus, _path=path, _value=value))
    out.sort(key=lambda r: (_SEVERITY_RANK[r.severity], r.source_shape, r.focus_node, r.value or "", r.message))
    return out


def _term_text(term) -> str:
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _path_text(shapes: Graph, path) -> str | None:
    """A property path as text: an IRI, "^IRI" for an inverse, else SPARQL path syntax with <IRIs>."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = shapes.value(path, SH.inversePath)
    if isinstance(inverse, URIRef):
        return f"^{inverse}"
    return _sparql_path(shapes, path)


def _sparql_path(shapes: Graph, path, depth: int = 0) -> str:
    if isinstance(path, URIRef) or depth > 8:
        return f"<{path}>"
    if (inner := shapes.value(path, SH.inversePath)) is not None:
        return "^" + _sparql_path(shapes, inner, depth + 1)
    if (alternatives := shapes.value(path, SH.alternativePath)) is not None:
        return "(" + "|".join(_sparql_path(shapes, p, depth + 1) for p in Collection(shapes, alternatives)) + ")"
    for prop, mark in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        if (inner := shapes.value(path, prop)) is not None:
            return "(" + _sparql_path(shapes, inner, depth + 1) + ")" + mark
    if shapes.value(path, RDF.first) is not None:
        return "(" + "/".join(_sparql_path(shapes, p, depth + 1) for p in Collection(shapes, path)) + ")"
    return "?"


def _label(data: Graph, term, lang: str, eng: _Engine) -> str | None:
    if term is None or isinstance(term, Literal):
        return None
    name = eng.name_of(term, lang)
    if name:
        return name
    labels = {getattr(o, "language", None): str(o) for o in data.objects(term, SKOS.prefLabel)}
    if labels:
        return labels.get(lang) or labels.get("nl") or sorted(labels.values())[0]
    code = data.value(term, FKG.cbsCode)
    if code is not None:
        known = eng.by_code.get(str(code))
        return f"{code} ({eng.name_of(known, lang)})" if known is not None else str(code)
    return None


# --------------------------------------------------------------------------------------------------------------
# Time limit
# --------------------------------------------------------------------------------------------------------------


class _Abort(BaseException):
    """Raised inside a validation thread that ran out of time (BaseException: libraries must not swallow it)."""


def _with_timeout(fn, timeout_s: float | None):
    """Run `fn` in a worker thread; past `timeout_s`, stop it and raise ValidationTimeout.

    rdflib and pyshacl are pure Python, so an asynchronous exception stops the worker at its next bytecode; it does
    not hold the caller, and it frees the engine lock on its way out. Work that took longer than the limit is a
    timeout even when it ended before the caller looked (the thread may run on for a while before the caller gets
    the GIL back): whether a limit is kept does not depend on how threads are scheduled.
    """
    if timeout_s is None:
        return fn()
    started = time.monotonic()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed to the caller, or dropped after a timeout
            box["error"] = exc

    worker = threading.Thread(target=run, name="fusiekg-validate", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Abort))
        raise ValidationTimeout(timeout_s)
    if time.monotonic() - started > timeout_s:
        raise ValidationTimeout(timeout_s)
    if "error" in box:
        raise box["error"]
    return box["result"]
