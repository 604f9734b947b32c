"""Run one SPARQL query safely and serialise its results: the one place where query text meets the store.

Safety: updates are refused before the store sees them, and `SERVICE` (which Oxigraph would answer by opening an
HTTP connection) is refused unless its endpoint is allow-listed. Limits: a byte limit on the serialised answer
(`spool`), and an optional row cap (a cut is reported, in the body where the format allows, never silent).
Timeouts are enforced one level up, by `executor`, which can kill a running query.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from . import spool

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
# Variables, prefixed names, prefix declarations and language tags (`"x"@from` after its string is blanked): never
# keywords, whatever they spell.
_NAMES = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*|[?$]\w+|[A-Za-z_][\w.-]*:[\w.%-]*|:[\w.%-]+|\b\w+\b(?=\s*:)")


@dataclass
class QueryInfo:
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    services: list[str] = field(default_factory=list)  # IRIs (or "?var") named by SERVICE
    declares_dataset: bool = False  # FROM / FROM NAMED: the query names its own dataset
    volatile: bool = False  # NOW(), RAND(), UUID() or STRUUID(): each run answers anew, so it is never cached


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
    return QueryInfo(form=first, services=services, declares_dataset="FROM" in words,
                     volatile=_VOLATILE.search(bare) is not None)


# Functions whose value changes from one run to the next (SPARQL 1.1, 17.4.5 and 17.4.3): a cached answer of a query
# that calls one would give yesterday's NOW() and the same "random" number to everyone.
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID)\s*\(", re.I)


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
    """A complete serialised answer: in memory (`data`) when small, else in a nameless temporary file (`file`,
    owned by whoever holds the Result: read it with `chunks()`, or `close()` it). `truncated` says whether rows
    were cut at an operator's row cap; `rows` counts them only when such a cap was applied."""

    media_type: str
    data: bytes | None = None
    file: BinaryIO | None = None
    size: int = 0
    truncated: bool = False
    rows: int = 0

    @property
    def body(self) -> bytes:
        """The whole answer in memory (a spooled one is read in): for callers that parse small answers."""
        if self.file is not None:
            f, self.file = self.file, None
            with f:
                self.data = f.read()
        return self.data

    def chunks(self):
        """The answer in chunks for sending; a file is closed when they are done (`close()` when abandoned)."""
        return [self.data] if self.file is None else spool.chunks(self.file)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def result_media_types(form: str) -> list[str]:
    return list(GRAPH_FORMATS) if form in ("CONSTRUCT", "DESCRIBE") else list(RESULTS_FORMATS)


_OX_RESULTS_FORMAT = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


class _Enough(Exception):
    """Raised from inside pyoxigraph's writer to stop it once the row cap is passed."""


class _LineCap:
    """A sink for pyoxigraph's writers that passes on the first `limit` lines and then stops the writer.

    TSV results and N-Triples put exactly one row (triple) per line, with newlines in values escaped, so counting
    lines counts rows: the writer never produces more than the cap needs, whatever the size of the answer.
    """

    __slots__ = ("sink", "lines", "limit", "cut")

    def __init__(self, sink, limit: int):
        self.sink, self.lines, self.limit, self.cut = sink, 0, limit, False

    def write(self, data) -> int:
        data = bytes(data)
        n = data.count(b"\n")
        if self.lines + n <= self.limit:
            self.lines += n
            return self.sink.write(data)
        end = -1
        for _ in range(self.limit - self.lines):
            end = data.index(b"\n", end + 1)
        self.sink.write(data[: end + 1])
        self.lines, self.cut = self.limit, True
        raise _Enough

    def flush(self) -> None:
        pass


class _Insert:
    """A sink that puts `text` into the output just before (or after) the first `anchor`: how a cut answer says so
    in its own head (pyoxigraph's writers have no place for it). Only the bytes up to the anchor are held back, and
    at most `HOLD` of them: an anchor that does not come early is not waited for."""

    __slots__ = ("sink", "anchor", "text", "after", "held")
    HOLD = 64 * 1024

    def __init__(self, sink, anchor: bytes, text: bytes, after: bool = False):
        self.sink, self.anchor, self.text, self.after = sink, anchor, text, after
        self.held: bytearray | None = bytearray()

    def write(self, data) -> int:
        if self.held is None:
            return self.sink.write(data)
        self.held += data
        at = self.held.find(self.anchor)
        if at >= 0:
            at += len(self.anchor) if self.after else 0
            held, self.held = self.held, None
            self.sink.write(bytes(held[:at]) + self.text + bytes(held[at:]))
        elif len(self.held) > self.HOLD:
            held, self.held = self.held, None
            self.sink.write(bytes(held))
        return len(data)

    def flush(self) -> None:
        if self.held:  # the anchor never came: the output unchanged
            self.sink.write(bytes(self.held))
            self.held = bytearray()


def cut_note(rows: int, url: str | None) -> str:
    see = f" See {url}" if url else ""
    return (f"fusiekg: this answer was cut at {rows} rows, the row limit of this endpoint; the full answer has more. "
            f"Use LIMIT and OFFSET to page through it.{see}")


def _marked(sink, media_type: str, rows: int, url: str | None):
    """`sink`, set up to say in the body that the answer was cut, where the format has a place for it."""
    note = cut_note(rows, url)
    if media_type == "application/sparql-results+json" and url:
        return _Insert(sink, b'{"head":{', b'"link":' + json.dumps([url]).encode() + b",", after=True)
    if media_type == "application/sparql-results+xml" and url:
        return _Insert(sink, b"</head>", f"<link href={quoteattr(url)}/>".encode())
    if media_type == "application/rdf+xml":
        return _Insert(sink, b"?>", f"\n<!-- {note.replace('--', '- -')} -->".encode(), after=True)
    if media_type in ("text/turtle", "application/trig", "application/n-triples", "application/n-quads"):
        sink.write(f"# {note}\n".encode())
    return sink  # CSV, TSV and JSON-LD have no place for it: the response headers say it


def _write_triples(triples, media_type: str, sink, prefixes: dict[str, str] | None) -> None:
    fmt = _OX_GRAPH_FORMAT[media_type]
    if fmt.supports_datasets:
        ox.serialize((ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples), sink, fmt,
                     **({"prefixes": prefixes} if prefixes and fmt == ox.RdfFormat.TRIG else {}))
    else:
        kwargs = {"prefixes": prefixes} if prefixes and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else {}
        ox.serialize(triples, sink, fmt, **kwargs)


_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.-]*$")


def _writable(triples, media_type: str):
    """The triples, refused (QueryRefused) where RDF/XML cannot write them: it writes a predicate as an XML element
    name, so the IRI must end in one (`.../p1`, not `.../1` or `.../`). pyoxigraph 0.5.13 writes such a predicate as
    `<oxprefix:>` and answers with XML that no parser reads (oxigraph issue 1859)."""
    if media_type != "application/rdf+xml":
        yield from triples
        return
    fine: set[str] = set()
    for t in triples:
        p = t.predicate.value
        if p not in fine:
            if _XML_LOCAL_NAME.search(p) is None:
                raise QueryRefused(f"this answer cannot be written as RDF/XML: the predicate <{p}> does not end in an "
                                   "XML name; ask for Turtle, N-Triples or JSON-LD instead")
            fine.add(p)
        yield t


def _write(res, media_type: str, sink, max_rows: int, prefixes, note_url, max_bytes: int) -> tuple[bool, int]:
    """Write a pyoxigraph answer into `sink`; (cut at the row cap?, rows counted under a cap)."""
    if isinstance(res, ox.QueryBoolean):
        sink.write(res.serialize(format=_OX_RESULTS_FORMAT[media_type]))
        return False, 1
    solutions = isinstance(res, ox.QuerySolutions)
    if max_rows <= 0:  # the whole answer, streamed from the query into the sink
        if solutions:
            res.serialize(sink, _OX_RESULTS_FORMAT[media_type])
        else:
            _write_triples(_writable(res, media_type), media_type, sink, prefixes)
        return False, 0
    # A row cap: the first rows as TSV / N-Triples (one row per line, so the cut is exact and the writer stops
    # there), then parsed back and written in the requested format, with a note in the head when cut.
    with spool.Spool(max_bytes) as first:
        cap = _LineCap(first, max_rows + 1 if solutions else max_rows)
        try:
            if solutions:
                res.serialize(cap, ox.QueryResultsFormat.TSV)
            else:
                ox.serialize(res, cap, ox.RdfFormat.N_TRIPLES)
        except _Enough:
            pass
        rows = cap.lines - 1 if solutions else cap.lines
        out = _marked(sink, media_type, rows, note_url) if cap.cut else sink
        if media_type in ("text/tab-separated-values", "application/n-triples"):
            first.copy_to(out)
        elif solutions:
            ox.parse_query_results(first.reader(), ox.QueryResultsFormat.TSV).serialize(
                out, _OX_RESULTS_FORMAT[media_type])
        else:
            _write_triples(_writable(ox.parse(first.reader(), ox.RdfFormat.N_TRIPLES), media_type), media_type, out,
                           prefixes)
        out.flush()
        return cap.cut, rows


def serialize_answer(res, media_type: str, max_rows: int = 0, prefixes: dict[str, str] | None = None, *,
                     max_bytes: int = 0, note_url: str | None = None) -> Result:
    """Serialise a pyoxigraph answer (from a store, or parsed from a remote server) with pyoxigraph's own writers
    into a spool: the whole answer, or with `max_rows` > 0 its first rows (a cut answer says so: in the Result and,
    where the format allows, in its head, pointing at `note_url`). `AnswerTooLarge` past `max_bytes` (0: no limit).
    """
    if isinstance(res, (bytes, bytearray)):  # N-Triples from elsewhere (a remote server)
        res = ox.parse(res, ox.RdfFormat.N_TRIPLES)
    out = spool.Spool(max_bytes)
    try:
        truncated, rows = _write(res, media_type, out, max_rows, prefixes, note_url, max_bytes)
    except Exception as exc:
        out.close()
        if out.overflowed and not isinstance(exc, spool.AnswerTooLarge):
            raise spool.AnswerTooLarge(max_bytes) from exc
        raise
    if out.in_memory:
        return Result(media_type, data=out.data(), size=out.size, truncated=truncated, rows=rows)
    return Result(media_type, file=out.file(), size=out.size, truncated=truncated, rows=rows)


def serialize_triples(triples: list, media_type: str, prefixes: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    _write_triples(triples, media_type, buf, prefixes)
    return buf.getvalue()


def run(store, query: str, media_type: str | None, *, max_rows: int = 0, default_graphs=None, named_graphs=None,
        service_allow: tuple[str, ...] = (), prefixes: dict[str, str] | None = None,
        info: QueryInfo | None = None, max_bytes: int = 0, base_iri: str | None = None,
        note_url: str | None = None) -> Result:
    """Analyse, execute and serialise one query on a LocalStore-like object (`.query(q, default_graphs=, ...)`).

    `media_type` None picks the first format of the query's kind (JSON results, or Turtle). A caller that has
    already analysed the query and checked its services (the web app, once per query text) passes `info`.
    Relative IRIs in the query resolve against `base_iri` (the request URL, as Oxigraph's server does); a `BASE`
    in the query wins.
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
                          declares_dataset=info.declares_dataset, base_iri=base_iri)
    except SyntaxError as exc:
        raise syntax_error(exc) from exc
    return serialize_answer(res, media_type, max_rows, prefixes, max_bytes=max_bytes, note_url=note_url)
