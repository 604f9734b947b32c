"""Run one SPARQL query safely and serialise its results: the one place where query text meets the store.

Safety: updates are refused before the store sees them, and `SERVICE` (which Oxigraph would answer by opening an
HTTP connection) is refused unless its endpoint is allow-listed. Limits: a maximum number of result rows (the cut
is reported, never silent). Timeouts are enforced one level up, by `executor`, which can kill a running query.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import pyoxigraph as ox

# --- formats -------------------------------------------------------------------------------------------------

RESULTS_FORMATS = {  # media type -> short name (the `format` parameter accepts either)
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_FORMATS = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/trig": "trig",
    "application/n-quads": "nq",
}
SHORT_NAMES = {v: k for k, v in {**RESULTS_FORMATS, **GRAPH_FORMATS}.items()} | {
    "turtle": "text/turtle", "json-ld": "application/ld+json", "xml": "application/sparql-results+xml",
    "rdfxml": "application/rdf+xml", "ntriples": "application/n-triples", "nquads": "application/n-quads",
    "srj": "application/sparql-results+json", "srx": "application/sparql-results+xml",
}
_OX_GRAPH_FORMAT = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS,
}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class QueryRefused(Exception):
    """The query is well formed but not allowed here (an update, a SERVICE call, ...): HTTP 400."""


class QuerySyntaxError(Exception):
    """The query does not parse; `line` and `column` locate the error when the parser tells them."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column


# --- analysis ------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r'(?P<comment>\#[^\n\r]*)'
    r"|(?P<long>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\")"
    r"|(?P<str>'(?:[^'\\\n\r]|\\.)*'|\"(?:[^\"\\\n\r]|\\.)*\")"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    re.S,
)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
_WORD = re.compile(r"[A-Za-z_]+")
_NAMES = re.compile(r"[?$]\w+|[A-Za-z_][\w.-]*:[\w.%-]*|:[\w.%-]+|\b\w+\b(?=\s*:)")


@dataclass
class QueryInfo:
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    services: list[str] = field(default_factory=list)  # IRIs (or "?var") named by SERVICE


def _skeleton(query: str) -> tuple[str, list[str]]:
    """The query with comments, strings and IRIs blanked out (IRIs kept aside), so keywords can be found safely."""
    iris: list[str] = []

    def repl(m: re.Match) -> str:
        if m.group("iri"):
            iris.append(m.group("iri")[1:-1])
            return f" <{len(iris) - 1}> "
        return " "

    return _TOKEN.sub(repl, query), iris


def analyse(query: str) -> QueryInfo:
    """Find the query form and any SERVICE; refuse updates with a message that says so."""
    skel, iris = _skeleton(query)
    bare = _NAMES.sub(" ", skel)  # variables and prefixed names are never keywords
    words = [w.upper() for w in _WORD.findall(bare)]
    body = [w for w in words if w not in ("PREFIX", "BASE")]
    first = next((w for w in body if w in _FORMS or w in _UPDATES), None)
    if first in _UPDATES:
        raise QueryRefused(
            f"SPARQL Update ({first}) is not allowed: this endpoint is read-only. "
            "Download a dump from /dumps/ to work on a copy of the data.")
    if first is None:
        raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    services = []
    # The keyword, not a variable (?service) or a prefixed name (ex:service) that happens to spell it.
    for m in re.finditer(r"(?<![?$:\w])SERVICE\s+(?:SILENT\s+)?(<(\d+)>|\?\w+|\$\w+)", skel, re.I):
        services.append(iris[int(m.group(2))] if m.group(2) is not None else m.group(1))
    if re.search(r"(?<![?$:\w])SERVICE\b(?!:)", skel, re.I) and not services:
        services.append("?")
    return QueryInfo(form=first, services=services)


def declares_dataset(query: str) -> bool:
    """True when the query names its own dataset (FROM / FROM NAMED), which must then win over the union default."""
    skel, _ = _skeleton(query)
    return re.search(r"\bFROM\b", _NAMES.sub(" ", skel), re.I) is not None


def check_services(info: QueryInfo, allow: tuple[str, ...]) -> None:
    for s in info.services:
        if s not in allow:
            raise QueryRefused(
                f"SERVICE {s if s[:1] in '?$' else '<' + s + '>'} is not allowed: federated queries are off on this endpoint "
                "(an operator can allow named endpoints with FUSIEKG_SERVICE_ALLOW)." if s != "?" else
                "SERVICE is not allowed: federated queries are off on this endpoint.")


_POS = re.compile(r"error at (\d+):(\d+)")


def syntax_error(exc: Exception) -> QuerySyntaxError:
    msg = str(exc)
    m = _POS.search(msg)
    if m:
        return QuerySyntaxError(f"syntax error at line {m.group(1)}, column {m.group(2)}: {msg[m.end():].lstrip(': ')}",
                                int(m.group(1)), int(m.group(2)))
    return QuerySyntaxError(f"syntax error: {msg}")


# --- results -------------------------------------------------------------------------------------------------

@dataclass
class Result:
    """A serialised answer: the body, its media type, and whether rows were cut at the limit."""

    body: bytes
    media_type: str
    truncated: bool = False
    rows: int = 0


def result_media_types(form: str) -> list[str]:
    return list(GRAPH_FORMATS) if form in ("CONSTRUCT", "DESCRIBE") else list(RESULTS_FORMATS)


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        d = {"type": "literal", "value": t.value}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            d["datatype"] = t.datatype.value
        return d
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
                                            "object": _json_term(t.object)}}
    raise TypeError(t)


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if t.language:
        return f'<literal xml:lang="{escape(t.language)}">{escape(t.value)}</literal>'
    if t.datatype.value != _XSD_STRING:
        return f'<literal datatype="{escape(t.datatype.value)}">{escape(t.value)}</literal>'
    return f"<literal>{escape(t.value)}</literal>"


def _csv_value(t) -> str:
    if t is None:
        return ""
    v = f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value
    if any(c in v for c in ',"\r\n'):
        v = '"' + v.replace('"', '""') + '"'
    return v


def _tsv_value(t) -> str:
    return "" if t is None else str(t).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def serialize_solutions(variables: list[str], rows: list, media_type: str) -> bytes:
    if media_type == "application/sparql-results+json":
        bindings = [{v: _json_term(r[i]) for i, v in enumerate(variables) if r[i] is not None} for r in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode()
    if media_type == "application/sparql-results+xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f'<variable name="{v}"/>' for v in variables]
        out.append("</head><results>")
        for r in rows:
            out.append("<result>")
            out += [f'<binding name="{v}">{_xml_term(r[i])}</binding>' for i, v in enumerate(variables)
                    if r[i] is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if media_type == "text/csv":
        lines = [",".join(variables)] + [",".join(_csv_value(x) for x in r) for r in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if media_type == "text/tab-separated-values":
        lines = ["\t".join(f"?{v}" for v in variables)] + ["\t".join(_tsv_value(x) for x in r) for r in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(media_type)


def serialize_boolean(value: bool, media_type: str) -> bytes:
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == "application/sparql-results+xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if media_type == "text/csv":
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode()
    return f"?_askResult\n{'true' if value else 'false'}\n".encode()


def serialize_triples(triples: list, media_type: str, prefixes: dict[str, str] | None = None) -> bytes:
    fmt = _OX_GRAPH_FORMAT[media_type]
    buf = io.BytesIO()
    if fmt.supports_datasets:
        ox.serialize((ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples), buf, fmt,
                     **({"prefixes": prefixes} if prefixes and fmt == ox.RdfFormat.TRIG else {}))
    else:
        kwargs = {"prefixes": prefixes} if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
        ox.serialize(triples, buf, fmt, **kwargs)
    return buf.getvalue()


def run(store, query: str, media_type: str | None, *, max_rows: int, default_graphs=None, named_graphs=None,
        service_allow: tuple[str, ...] = (), prefixes: dict[str, str] | None = None) -> Result:
    """Analyse, execute and serialise one query on a LocalStore-like object (`.query(q, default_graphs=, ...)`).

    `media_type` None picks the first format of the query's kind (JSON results, or Turtle).
    """
    info = analyse(query)
    check_services(info, service_allow)
    offered = result_media_types(info.form)
    media_type = media_type or offered[0]
    if media_type not in offered:
        raise QueryRefused(f"{media_type} is not a result format for a {info.form} query; use one of {', '.join(offered)}")
    try:
        res = store.query(query, default_graphs=default_graphs, named_graphs=named_graphs)
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    if isinstance(res, ox.QueryBoolean) or isinstance(res, bool):
        return Result(serialize_boolean(bool(res), media_type), media_type, rows=1)
    items = []
    truncated = False
    for i, item in enumerate(res):
        if i >= max_rows:
            truncated = True
            break
        items.append(item)
    if isinstance(res, ox.QuerySolutions):
        variables = [v.value for v in res.variables]
        rows = [[sol[v] for v in variables] for sol in items]
        return Result(serialize_solutions(variables, rows, media_type), media_type, truncated, len(rows))
    return Result(serialize_triples(items, media_type, prefixes), media_type, truncated, len(items))
