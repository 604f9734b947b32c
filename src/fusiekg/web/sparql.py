"""`/sparql`: the query operation of the W3C SPARQL 1.1 Protocol.

GET `?query=`, POST `application/x-www-form-urlencoded` and POST `application/sparql-query`; `default-graph-uri` /
`named-graph-uri` replace the query's FROM / FROM NAMED (an unknown graph is an empty graph). The answer's format
comes from `format` (short name or media type) or else from `Accept`. The query runs in the executor's child
processes under the time limit and its answer is written whole (see `spool`) before the status line goes out, so a
`200` always carries the complete answer: a timeout is a 503 and an answer over the byte limit a 422, never a 200
with a cut-off body. A large answer is then streamed from its temporary file with a `Content-Length`. Only an
operator's row cap (`max_rows`, off by default) cuts an answer; a cut one carries `Fusiekg-Truncated: <limit>` and
a `Warning`, and says so in its body where the format allows (see `sparql.cut_note`). Relative IRIs in a query
resolve against the request URL, as Oxigraph's server does.

The endpoint is read-only: updates are refused with 400 before the store sees them. GET without a query returns
the service description (see `service_description`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote_to_bytes, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request

from .. import sparql
from ..executor import ExecutorBusy, Job, QueryTimeout
from ..namespaces import PREFIXES
from ..remote import RemoteError
from ..spool import AnswerTooLarge
from ..store import StoreMissing
from . import service_description
from .limits import HttpError, read_chunked
from .negotiation import (
    NotAcceptable,
    UnknownFormat,
    describe,
    from_format,
    negotiate,
    wants_html,
    with_charset,
)
from .state import state

bp = Blueprint("sparql", __name__)

# Content negotiation is a pure function of the offered types and the header, and mimeparse is slow: remember it.
_negotiate = lru_cache(maxsize=512)(lambda offered, accept: negotiate(list(offered), accept))
_wants_html = lru_cache(maxsize=512)(lambda accept, offered: wants_html(accept, list(offered)))

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
_READ_ONLY = ("this endpoint is read-only: SPARQL Update is not accepted. "
              "Download a dump from /dumps/ to work on a copy of the data.")


@dataclass
class ProtocolRequest:
    """The protocol parameters of one request, wherever they came from (URL or body)."""

    queries: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    query_places: list[str] = field(default_factory=list)  # where each query came from, for the error message

    def add(self, name: str, value: str) -> None:
        target = {"query": self.queries, "update": self.updates, "default-graph-uri": self.default_graphs,
                  "named-graph-uri": self.named_graphs, "format": self.formats}.get(name)
        if target is None:
            self.others.append(name)
        elif name in ("default-graph-uri", "named-graph-uri", "format") and not value.strip():
            return  # some clients send these empty (SPARQLWrapper: `format=`): not given
        else:
            target.append(value)

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def parse_params(raw: bytes, where: str, into: ProtocolRequest) -> None:
    """Decode `application/x-www-form-urlencoded` data strictly: percent-escapes must decode to UTF-8."""
    decode = _decode_params if len(raw) <= _REMEMBER_BYTES else _decode_params.__wrapped__
    for name, value in decode(raw, where):
        into.add(name, value)
        if name == "query":
            into.query_places.append(where)


_REMEMBER_BYTES = 16 * 1024  # longer parameter texts are decoded every time, so the memo stays small (< 8 MB)


@lru_cache(maxsize=256)
def _decode_params(raw: bytes, where: str) -> tuple[tuple[str, str], ...]:
    """The name/value pairs of `raw`, remembered per raw text: percent-decoding a long query costs more than
    running a small one, and clients send the same query again (a refusal, an exception, is never remembered)."""
    pairs = []
    for part in raw.split(b"&"):
        if not part:
            continue
        name_b, _, value_b = part.partition(b"=")
        try:
            name = unquote_to_bytes(name_b.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HttpError(400, f"a parameter name in the {where} is not valid UTF-8 (byte {exc.start})") from exc
        try:
            value = unquote_to_bytes(value_b.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HttpError(400, f"parameter {name!r} in the {where} is not valid UTF-8 (byte {exc.start} of its "
                                 f"value); the SPARQL protocol requires UTF-8") from exc
        pairs.append((name, value))
    return tuple(pairs)


def _check_charset(content_type_params: dict) -> None:
    charset = content_type_params.get("charset")
    if charset is not None and charset.strip().strip('"').lower() not in ("utf-8", "utf8"):
        raise HttpError(400, f"the request body is declared as charset={charset}; the SPARQL protocol requires "
                             f"UTF-8 (send charset=utf-8 or no charset)")


def _read_body(limit: int) -> bytes:
    """The request body, or 413 when it is over the limit, also when it comes chunked without a length (werkzeug
    would silently cut such a body at the limit, and a cut query may still parse)."""
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return request.get_data(cache=True)
    body = read_chunked(request.environ["wsgi.input"], limit)
    if body is None:
        raise HttpError(413, f"the request body is larger than the limit of {limit} bytes")
    return body


def read_request() -> ProtocolRequest:
    """Collect the protocol parameters of a GET or POST, or answer 400/413/415 saying what is wrong."""
    params = ProtocolRequest()
    parse_params(request.query_string, "URL", params)
    if request.method != "POST":
        return params
    limit = state().settings.max_request_bytes
    if request.content_length is not None and request.content_length > limit:
        raise HttpError(413, f"the request body has {request.content_length} bytes; the limit is {limit} bytes")
    mimetype = request.mimetype
    if mimetype == UPDATE:
        raise HttpError(400, _READ_ONLY)
    if mimetype not in (FORM, QUERY):
        given = f"Content-Type {mimetype}" if mimetype else "no Content-Type"
        raise HttpError(415, f"a POST to /sparql needs Content-Type {FORM} or {QUERY}; the request has {given}",
                        headers={"Accept-Post": f"{FORM}, {QUERY}"})
    _check_charset(request.mimetype_params)
    body = _read_body(limit)
    if mimetype == FORM:
        parse_params(body, "request body", params)
    else:
        if params.queries:
            raise HttpError(400, "the query is given twice: in the request body and as a `query` URL parameter")
        try:
            params.queries.append(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise HttpError(400, f"the query in the request body is not valid UTF-8 (byte {exc.start}); the SPARQL "
                                 f"protocol requires UTF-8") from exc
    return params


def _graph_iris(values: list[str], name: str) -> list[str]:
    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError as exc:
            raise HttpError(400, f"{name} {v!r} is not an absolute IRI: {exc}") from exc
    return values


def choose_media_type(params: ProtocolRequest, offered: list[str]) -> str:
    try:
        if params.formats:
            # SPARQLWrapper sends e.g. format=rdf+xml&format=application/rdf+xml: fine while they agree.
            chosen = {from_format(f, offered) for f in params.formats}
            if len(chosen) > 1:
                raise HttpError(400, f"the `format` parameter is given {len(params.formats)} times with different "
                                     f"formats ({', '.join(params.formats)}); give one")
            return chosen.pop()
        chosen = _negotiate(tuple(offered), request.headers.get("Accept"))
    except UnknownFormat as exc:
        raise HttpError(400, str(exc)) from exc
    except NotAcceptable as exc:
        raise HttpError(406, str(exc), offered=exc.offered) from exc
    if chosen is None:
        raise HttpError(406, f"no format in the Accept header ({request.headers.get('Accept')}) is offered for this "
                             f"answer; offered: {describe(offered)}. The `format` parameter also chooses one.",
                        offered=offered)
    return chosen


@lru_cache(maxsize=1024)
def _analyse(query: str) -> sparql.QueryInfo:
    """`sparql.analyse`, remembered per query text: clients repeat the same queries, and a refusal (an exception)
    is never remembered."""
    return sparql.analyse(query)


def answer(params: ProtocolRequest) -> Response:
    """Run the one query of a protocol request and return its complete, serialised answer."""
    settings = state().settings
    if params.updates:
        raise HttpError(400, _READ_ONLY)
    if len(params.queries) > 1:
        places = " and ".join(dict.fromkeys(params.query_places))
        raise HttpError(400, f"the `query` parameter is given {len(params.queries)} times (in the {places}); send "
                             "exactly one query")
    query = params.queries[0]
    if not query.strip():
        raise HttpError(400, "the query is empty")
    try:
        info = _analyse(query)
        sparql.check_services(info, settings.service_allow)
    except sparql.QueryRefused as exc:
        raise HttpError(400, str(exc)) from exc
    except sparql.QuerySyntaxError as exc:
        raise HttpError(400, str(exc), line=exc.line, column=exc.column) from exc
    offered = sparql.result_media_types(info.form)
    if (not params.formats and not params.has_dataset and request.method in ("GET", "HEAD")
            and _wants_html(request.headers.get("Accept"), tuple(offered))):
        # A browser following a query link: show the query and its results on the query page.
        return redirect("/?" + urlencode({"query": query}), code=303)
    media = choose_media_type(params, offered)
    dataset: dict = {}
    if params.has_dataset:  # the protocol's dataset replaces the query's FROM / FROM NAMED entirely
        dataset = {"default_graphs": _graph_iris(params.default_graphs, "default-graph-uri"),
                   "named_graphs": _graph_iris(params.named_graphs, "named-graph-uri")}
    job = Job(query=query, media_type=media, max_rows=settings.max_rows, service_allow=settings.service_allow,
              prefixes=PREFIXES, info=info, max_bytes=settings.max_result_bytes, base_iri=request.base_url,
              note_url=request.url_root + LIMITS_ANCHOR, **dataset)
    try:
        result = state().run(job)
    except AnswerTooLarge as exc:
        raise HttpError(422, too_large_message(exc.limit)) from exc
    except QueryTimeout as exc:
        raise HttpError(503, f"{exc}. Make the query more selective (LIMIT, more specific patterns) or run it on "
                             "a copy of the data (see /dumps/).") from exc
    except ExecutorBusy as exc:
        raise HttpError(503, str(exc), headers={"Retry-After": "2"}) from exc
    except sparql.QuerySyntaxError as exc:
        raise HttpError(400, str(exc), line=exc.line, column=exc.column) from exc
    except sparql.QueryRefused as exc:
        raise HttpError(400, str(exc)) from exc
    except StoreMissing as exc:
        raise HttpError(503, str(exc)) from exc
    except RemoteError as exc:
        raise HttpError(502, str(exc)) from exc
    except RuntimeError as exc:  # the query process died (e.g. out of memory): not the client's fault, not a crash
        raise HttpError(503, f"the query could not be answered: {exc}") from exc
    resp = answer_response(result, settings.max_rows)
    if info.volatile:  # NOW(), RAND(), ...: no cache, ours (answer_cache) or on the way, may keep this answer
        resp.headers["Cache-Control"] = "no-store"
    return resp


LIMITS_ANCHOR = "sparql#limits"  # the service description's section on limits, where a cut answer's head points


def too_large_message(limit: int) -> str:
    return (f"the answer is larger than {limit} bytes, the limit of this endpoint for one answer, so none of it is "
            "sent. Narrow the query (more specific patterns, fewer variables), page through the answer with LIMIT "
            "and OFFSET (with ORDER BY for stable pages), or download a dump from /dumps/ to work on a copy of the "
            "data.")


def answer_response(result: sparql.Result, max_rows: int) -> Response:
    """A 200 with a complete answer: sent from memory, or streamed from its temporary file (closed, and so deleted,
    when the response is closed, also when the client went away)."""
    if result.file is None:
        resp = Response(result.data, status=200, content_type=with_charset(result.media_type))
    else:
        resp = Response(result.chunks(), status=200, content_type=with_charset(result.media_type))
        resp.headers["Content-Length"] = str(result.size)
        resp.call_on_close(result.close)
    resp.headers["Vary"] = "Accept"
    if result.truncated:
        n = max_rows
        resp.headers["Fusiekg-Truncated"] = str(n)
        resp.headers["Warning"] = (f'199 fusiekg "result cut at {n} rows, the row limit of this endpoint; '
                                   f'use LIMIT and OFFSET to page through the rest"')
    return resp


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    params = read_request()
    if not params.queries:
        if params.updates:
            raise HttpError(400, _READ_ONLY)
        if request.method == "POST" or params.has_dataset:
            raise HttpError(400, "no query: give the SPARQL query in the `query` parameter "
                                 f"(or as the body of a POST with Content-Type {QUERY})")
        return service_description.respond(params.formats)
    return answer(params)
