"""Run one SPARQL query safely and serialise its results: the one place where query text meets the store.

Safety: updates are refused before the store sees them, and `SERVICE` (which Oxigraph would answer by opening an
HTTP connection) is refused unless its endpoint is allow-listed. Limits: a maximum number of result rows (the cut
is reported, never silent). Timeouts are enforced one level up, by `executor`, which can kill a running query.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

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
    declares_dataset: bool = False  # FROM / FROM NAMED: the query names its own dataset


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
    return QueryInfo(form=first, services=services, declares_dataset="FROM" in words)


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


_OX_RESULTS_FORMAT = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


class _Enough(Exception):
    """Raised from inside pyoxigraph's writer to stop it once the row limit is passed."""


class _LineCap:
    """A file-like sink for pyoxigraph's writers that stops them after `limit` lines and keeps what came before.

    TSV results and N-Triples put exactly one row (triple) per line, with newlines in values escaped, so counting
    lines counts rows: the writer never produces more than the limit needs, whatever the size of the answer.
    """

    __slots__ = ("chunks", "lines", "limit")

    def __init__(self, limit: int):
        self.chunks: list[bytes] = []
        self.lines = 0
        self.limit = limit

    def write(self, data) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass

    def result(self) -> tuple[bytes, bool]:
        """The first `limit` lines, and whether there were more."""
        body = b"".join(self.chunks)
        if self.lines <= self.limit:
            return body, False
        cut = -1
        for _ in range(self.limit):
            cut = body.index(b"\n", cut + 1)
        return body[: cut + 1], True


def _first_lines(write, limit: int) -> tuple[bytes, bool]:
    """Run `write(sink)` (a pyoxigraph serialize call) until `limit` lines are written; (lines, cut?)."""
    sink = _LineCap(limit)
    try:
        write(sink)
    except _Enough:
        pass
    return sink.result()


def serialize_answer(res, media_type: str, max_rows: int, prefixes: dict[str, str] | None = None) -> Result:
    """Serialise a pyoxigraph answer (from a store or parsed from a remote server) with pyoxigraph's own writers,
    cut at `max_rows` rows, and say whether it was cut.

    Solutions are first written as TSV, which has one row per line, so the cut is exact and cheap; the kept
    lines are then parsed back and written in the requested format (all of it in Rust, no Python per row).
    """
    if isinstance(res, ox.QueryBoolean):
        return Result(res.serialize(format=_OX_RESULTS_FORMAT[media_type]), media_type, rows=1)
    if isinstance(res, ox.QuerySolutions):
        tsv, truncated = _first_lines(lambda sink: res.serialize(sink, ox.QueryResultsFormat.TSV), max_rows + 1)
        rows = tsv.count(b"\n") - 1
        if media_type == "text/tab-separated-values":
            return Result(tsv, media_type, truncated, rows)
        kept = ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)
        return Result(kept.serialize(format=_OX_RESULTS_FORMAT[media_type]), media_type, truncated, rows)
    if isinstance(res, (bytes, bytearray)):  # N-Triples from elsewhere (a remote server): rewritten one per line
        nt, truncated = _first_lines(
            lambda sink: ox.serialize(ox.parse(res, ox.RdfFormat.N_TRIPLES), sink, ox.RdfFormat.N_TRIPLES), max_rows)
    else:
        nt, truncated = _first_lines(lambda sink: res.serialize(sink, ox.RdfFormat.N_TRIPLES), max_rows)
    rows = nt.count(b"\n")
    if media_type == "application/n-triples":
        return Result(nt, media_type, truncated, rows)
    triples = list(ox.parse(nt, ox.RdfFormat.N_TRIPLES))
    return Result(serialize_triples(triples, media_type, prefixes), media_type, truncated, rows)


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
        service_allow: tuple[str, ...] = (), prefixes: dict[str, str] | None = None,
        info: QueryInfo | None = None) -> Result:
    """Analyse, execute and serialise one query on a LocalStore-like object (`.query(q, default_graphs=, ...)`).

    `media_type` None picks the first format of the query's kind (JSON results, or Turtle). A caller that has
    already analysed the query and checked its services (the web app, once per query text) passes `info`.
    """
    if info is None:
        info = analyse(query)
        check_services(info, service_allow)
    offered = result_media_types(info.form)
    media_type = media_type or offered[0]
    if media_type not in offered:
        raise QueryRefused(f"{media_type} is not a result format for a {info.form} query; use one of {', '.join(offered)}")
    try:
        res = store.query(query, default_graphs=default_graphs, named_graphs=named_graphs,
                          declares_dataset=info.declares_dataset)
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    return serialize_answer(res, media_type, max_rows, prefixes)
