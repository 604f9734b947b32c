"""`/validate`: check a description of a (new) ambtelijke fusie over HTTP; `/context.jsonld`: our JSON-LD context.

- `POST /validate`: the description as the body (Turtle, JSON-LD, RDF/XML, N-Triples; also TriG and N-Quads), its
  syntax from the `format` parameter, else the Content-Type (a missing, `text/plain` or `application/octet-stream`
  type is guessed from the bytes); or an HTML form (`multipart/form-data` or urlencoded) with a file `bestand` or
  a pasted text `tekst`, and optional `formaat`, `lang`, `output`. The report's language comes from `lang`, else the
  page language (`i18n`: the `lang` cookie, else `Accept-Language`, else nl); its format from `output` (json,
  turtle, json-ld, html, text), else `Accept`.
- Statuses: 200 with the report, whether or not the description conforms: the request succeeded, the verdict is
  the report's content (`conforms`, also in the `Fusiekg-Conforms` header), and a 4xx would make ordinary HTTP
  clients (`raise_for_status`, `curl --fail`, `fetch` wrappers) throw the report away. A 4xx means "we could not
  validate it": 400 unreadable input (line and column in the message) or a bad parameter, 413 too large (refused
  from the Content-Length before the body is read), 415 a Content-Type, `format` or Content-Encoding (a compressed
  body) we do not read, 406 nothing in Accept fits. 503 when validation runs past `settings.validate_timeout_s`, as `/sparql` answers its time limit: the
  validator serialises calls per process, so a busy server, not only a heavy description, can cause it; 503 too when
  the process checking a large description ends without a report.
- `GET /validate`: the page to paste or upload a description and read the report; works without JavaScript.
  The shipped examples can be loaded into it (`?voorbeeld=valid/centrumconstructie.ttl`) and are served as files
  under `/validate/voorbeelden/`.

The checks themselves are `validation.validate`, the same function the CLI calls (a description larger than
`settings.validate_isolate_bytes` runs it in a process of its own, see `validation_process`); nothing here touches
the store.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources
from pathlib import PurePath

from flask import Blueprint, Response, render_template, request
from rdflib import URIRef
from werkzeug.exceptions import RequestEntityTooLarge

from .. import rdfinput, resources, validation, validation_process
from ..rdfinput import InputError, InputTooLarge
from ..validation import ValidationReport, ValidationTimeout
from ..validation_process import ValidationFailed
from . import i18n
from .caching import cacheable
from .limits import HttpError, read_chunked
from .linked_data import href
from .negotiation import HTML, describe, negotiate
from .state import state

bp = Blueprint("validate", __name__)

JSONLD = "application/ld+json"
# Report formats, in our order of preference (`*/*` gets the first).
REPORT_TYPES = ["application/json", "text/turtle", JSONLD, HTML, "text/plain"]
_REPORT_ALIASES = {"application/x-turtle": "text/turtle", "application/turtle": "text/turtle"}
# The `output` parameter: the CLI's --output names, plus html.
OUTPUTS = {"json": "application/json", "turtle": "text/turtle", "ttl": "text/turtle", "json-ld": JSONLD,
           "jsonld": JSONLD, "html": HTML, "text": "text/plain"}
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# Content types that say nothing about the syntax: the bytes are looked at instead.
VAGUE_TYPES = ("", "text/plain", "application/octet-stream")
ACCEPT_POST = ", ".join(["text/turtle", JSONLD, "application/json", "application/rdf+xml", "application/n-triples",
                         "application/trig", "application/n-quads", *FORM_TYPES])
# Room for the form's own bytes (boundaries, headers, other fields) next to the description in a form upload.
FORM_OVERHEAD = 64 * 1024
# What the page's format menu offers (our format names, rdfinput.FORMATS).
PAGE_FORMATS = [("", "automatisch", "automatic"), ("turtle", "Turtle", "Turtle"), ("jsonld", "JSON-LD", "JSON-LD"),
                ("rdfxml", "RDF/XML", "RDF/XML"), ("ntriples", "N-Triples", "N-Triples")]
EXAMPLE_KINDS = ("valid", "invalid", "advice")
_EXAMPLE_TYPES = {".ttl": "text/turtle", ".jsonld": JSONLD, ".json": JSONLD, ".rdf": "application/rdf+xml",
                  ".nt": "application/n-triples"}


class _InputProblem(Exception):
    """Why a description could not be validated, in nl and en, with the status and the position when known."""

    def __init__(self, status: int, nl: str, en: str, line: int | None = None, column: int | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(en)
        self.status, self.nl, self.en, self.line, self.column = status, nl, en, line, column
        self.headers = headers or {}

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl

    @classmethod
    def from_input_error(cls, exc: InputError) -> _InputProblem:
        status = 413 if isinstance(exc, InputTooLarge) else 400
        return cls(status, exc.localized("nl"), exc.localized("en"), exc.line, exc.column)


@dataclass
class Submission:
    """One description as received: its bytes, syntax, name (for uploads) and the text to show again in the form."""

    data: bytes
    fmt: str
    filename: str | None = None
    chosen_format: str = ""  # what the user picked in the form's format menu ("" = automatic)


# --------------------------------------------------------------------------------------------------------------
# Language and report format
# --------------------------------------------------------------------------------------------------------------


def _lang_value(raw: str | None) -> str | None:
    try:
        return i18n.parse(raw)
    except ValueError:
        raise HttpError(400, f"lang={raw!r}: reports are written in nl (Dutch, the default) or en (English); "
                             f"use lang=nl or lang=en",
                        nl=f"lang={raw!r}: rapporten zijn er in het Nederlands (nl, standaard) en het Engels (en); "
                           f"gebruik lang=nl of lang=en") from None


def choose_lang(form_value: str | None = None) -> str:
    """`lang` in the URL, else in the form (for machines), else the page's language (the `lang` cookie, else
    Accept-Language, else nl); the page and the report are then written in it."""
    url = _lang_value(request.args.get("lang"))
    page = i18n.current()  # also remembers a `lang` in the URL (cookie)
    lang = url or _lang_value(form_value) or page
    i18n.use(lang)
    return lang


def choose_report_type(form_value: str | None = None) -> str:
    """The report's media type: `output` (URL or form) over Accept; 406 when Accept names nothing we write."""
    raw = request.args.get("output") or form_value
    if raw:
        media = OUTPUTS.get(raw.strip().lower())
        if media is None:
            raise HttpError(400, f"output={raw!r} is not a report format; use one of {', '.join(OUTPUTS)}",
                            nl=f"output={raw!r} is geen rapportformaat; kies uit {', '.join(OUTPUTS)}")
        return media
    media = negotiate(REPORT_TYPES, request.headers.get("Accept"), _REPORT_ALIASES)
    if media is None:
        raise HttpError(406, f"no format in the Accept header ({request.headers.get('Accept')}) is one the report "
                             f"is written in; offered: {describe(REPORT_TYPES)}. The `output` parameter "
                             f"(json, turtle, json-ld, html, text) also chooses one.", offered=REPORT_TYPES,
                        nl=f"geen formaat in de Accept-header ({request.headers.get('Accept')}) is een formaat "
                           f"waarin het rapport geschreven wordt; mogelijk: {describe(REPORT_TYPES)}. De parameter "
                           f"`output` (json, turtle, json-ld, html, text) kiest er ook een.")
    return media


# --------------------------------------------------------------------------------------------------------------
# Reading the request
# --------------------------------------------------------------------------------------------------------------


def _declared_format(value: str, what: str) -> str:
    """Our format name for a `format` parameter or a Content-Type, or 415 saying what we read."""
    try:
        if what == "Content-Type":
            return rdfinput.detect_format(content_type=value)
        return rdfinput.detect_format(fmt=value)
    except InputError as exc:
        raise _InputProblem(
            415, f"{exc.message_nl} We lezen Turtle, JSON-LD, RDF/XML, N-Triples, TriG en N-Quads.",
            f"{exc.message_en} We read Turtle, JSON-LD, RDF/XML, N-Triples, TriG and N-Quads.",
            headers={"Accept-Post": ACCEPT_POST}) from exc


def _check_charset() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().strip('"').lower() not in ("utf-8", "utf8", "us-ascii") \
            and request.mimetype not in ("application/rdf+xml", "application/xml", "text/xml"):
        raise _InputProblem(415, f"De tekenset {charset} wordt niet gelezen; stuur UTF-8 (charset=utf-8).",
                            f"Charset {charset} is not read; send UTF-8 (charset=utf-8).")


def _too_large(size: int | None, limit: int) -> _InputProblem:
    nl = f"De aanvraag is {size} bytes; " if size is not None else "De aanvraag is te groot; "
    en = f"The request is {size} bytes; " if size is not None else "The request is too large; "
    return _InputProblem(413, nl + f"de grens voor een beschrijving is {limit} bytes.",
                         en + f"the limit for a description is {limit} bytes.")


def read_submission() -> tuple[Submission, dict[str, str]]:
    """The description of a POST and the form's other fields; `_InputProblem` (400/413/415) when there is none
    we can read. A body over the limit is refused from its Content-Length before it is read."""
    settings = state().settings
    limit = settings.validate_max_bytes
    mimetype = request.mimetype or ""
    is_form = mimetype in FORM_TYPES
    body_limit = limit + (FORM_OVERHEAD if is_form else 0)
    if request.content_length is not None and request.content_length > body_limit:
        raise _too_large(request.content_length, limit)
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise _InputProblem(415, f"Content-Encoding {encoding} wordt niet gelezen; stuur de beschrijving "
                                 f"ongecomprimeerd.",
                            f"Content-Encoding {encoding} is not read; send the description uncompressed.",
                            headers={"Accept-Encoding": "identity"})
    explicit = request.args.get("format", "").strip()
    if not is_form:
        # 415 before reading: the declared syntax must be one we read (a `format` parameter overrides it).
        fmt = _declared_format(explicit, "format") if explicit else None
        if fmt is None and mimetype not in VAGUE_TYPES:
            fmt = _declared_format(mimetype, "Content-Type")
        _check_charset()
    request.max_content_length = body_limit
    request.max_form_memory_size = body_limit
    if request.content_length is None and request.environ.get("wsgi.input_terminated"):
        _buffer_chunked_body(body_limit)
    try:
        if is_form:
            return _read_form(explicit, limit)
        data = request.get_data(cache=False)
    except RequestEntityTooLarge as exc:
        raise _too_large(None, limit) from exc
    except ValueError as exc:  # a malformed multipart body
        raise _InputProblem(400, f"Het formulier kan niet gelezen worden: {exc}",
                            f"The form cannot be read: {exc}") from exc
    if not data.strip():
        raise _no_description()
    return Submission(data, fmt or rdfinput.detect_format(data=data)), {}


def _buffer_chunked_body(limit: int) -> None:
    """Read a body sent without Content-Length (chunked) up to the limit, 413 past it, and hand it on as if it
    had come with a length: werkzeug would silently cut it at the limit, and a cut description may still parse."""
    body = read_chunked(request.environ["wsgi.input"], limit)
    if body is None:
        raise _too_large(None, state().settings.validate_max_bytes)
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))


def _no_description() -> _InputProblem:
    return _InputProblem(
        400, "Er is geen beschrijving gestuurd. Stuur haar als body met een Content-Type als text/turtle "
             "(curl -H 'Content-Type: text/turtle' --data-binary @beschrijving.ttl), of in een formulier als "
             "bestand 'bestand' of tekst 'tekst'.",
        "No description was sent. Send it as the body with a Content-Type such as text/turtle "
        "(curl -H 'Content-Type: text/turtle' --data-binary @description.ttl), or in a form as file 'bestand' "
        "or text 'tekst'.")


def _read_form(explicit: str, limit: int) -> tuple[Submission, dict[str, str]]:
    form = request.form
    fields = {k: form.get(k, "") for k in ("lang", "output")}
    chosen = (form.get("formaat") or form.get("format") or "").strip()
    explicit = explicit or chosen
    upload = request.files.get("bestand") or request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read(limit + 1)
        filename = PurePath(upload.filename.replace("\\", "/")).name or None
        if explicit:
            fmt = _declared_format(explicit, "format")
        else:
            try:
                fmt = rdfinput.detect_format(filename=filename, content_type=upload.mimetype, data=data)
            except InputError:  # browsers label files by guesswork: go by the name and the bytes instead
                fmt = rdfinput.detect_format(filename=filename, data=data)
        if data.strip():
            return Submission(data, fmt, filename, chosen), fields
    text = form.get("tekst") or form.get("text") or ""
    if not text.strip():
        raise _no_description()
    data = text.encode("utf-8")
    fmt = _declared_format(explicit, "format") if explicit else rdfinput.detect_format(data=data)
    return Submission(data, fmt, None, chosen), fields


# --------------------------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------------------------


def _headers(resp: Response, lang: str) -> Response:
    resp.headers["Content-Language"] = lang
    resp.headers["Vary"] = "Accept, Accept-Language"
    resp.headers["Cache-Control"] = "no-store"
    return resp


def report_response(report: ValidationReport, media: str, lang: str, submission: Submission) -> Response:
    if media == "application/json":
        resp = Response(report.to_json(), mimetype=media)
    elif media == "text/plain":
        resp = Response(report.to_text(), mimetype=media)
    elif media == HTML:
        resp = Response(render_page(lang, submission=submission, report=report), mimetype=media)
    else:
        fmt = "turtle" if media == "text/turtle" else "json-ld"
        resp = Response(report.to_graph().serialize(format=fmt), mimetype=media)
    resp.headers["Fusiekg-Conforms"] = "true" if report.conforms else "false"
    return _headers(resp, lang)


def problem_response(problem: _InputProblem, media: str, lang: str, submission: Submission | None) -> Response:
    """An input problem: the page again with the message for browsers, else the shared error bodies."""
    if media == HTML:
        resp = Response(render_page(lang, submission=submission, problem=problem), status=problem.status,
                        mimetype=HTML)
        for k, v in problem.headers.items():
            resp.headers[k] = v
        return _headers(resp, lang)
    raise HttpError(problem.status, problem.message(lang), headers=problem.headers, line=problem.line,
                    column=problem.column)


@bp.route("/validate", methods=["POST"])
def validate_post():
    lang = choose_lang()
    media = choose_report_type()
    submission: Submission | None = None
    settings = state().settings
    try:
        submission, fields = read_submission()
        if fields:  # a form may choose language and report format too (the URL's parameters win)
            lang = choose_lang(fields.get("lang"))
            media = choose_report_type(fields.get("output"))
        try:
            report = validation_process.validate(
                submission.data, fmt=submission.fmt, filename=submission.filename, lang=lang,
                max_bytes=settings.validate_max_bytes, timeout_s=settings.validate_timeout_s,
                isolate_bytes=settings.validate_isolate_bytes)
        except InputError as exc:
            raise _InputProblem.from_input_error(exc) from exc
        except (ValidationTimeout, ValidationFailed) as exc:
            raise _InputProblem(
                503, f"{exc.localized('nl')} Probeer het later opnieuw of stuur een kleinere beschrijving.",
                f"{exc.localized('en')} Try again later or send a smaller description.") from exc
    except _InputProblem as problem:
        return problem_response(problem, media, lang, submission)
    return report_response(report, media, lang, submission)


# --------------------------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------------------------


@cache
def examples() -> dict[str, list[str]]:
    """The shipped example files per folder (valid, invalid, advice), read once."""
    root = resources.path("examples")
    found: dict[str, list[str]] = {}
    for kind in EXAMPLE_KINDS:
        folder = root / kind
        found[kind] = sorted(p.name for p in folder.iterdir()
                             if p.is_file() and p.suffix in _EXAMPLE_TYPES) if folder.is_dir() else []
    return found


def example_bytes(ref: str) -> tuple[bytes, str]:
    """An example by "kind/name" (only names from the listing, so no path can reach elsewhere); 404 if unknown."""
    kind, _, name = ref.strip().partition("/")
    if name not in examples().get(kind, []):
        known = ", ".join(f"{k}/{n}" for k, names in examples().items() for n in names)
        raise HttpError(404, f"there is no example {ref!r}; the examples are: {known}",
                        nl=f"er is geen voorbeeld {ref!r}; de voorbeelden zijn: {known}")
    return resources.path("examples", kind, name).read_bytes(), name


def _link(iri: str | None) -> str | None:
    """A page for one of our IRIs or a TOOI municipality (on this server); None for the user's own IRIs."""
    if not iri or not iri.startswith(("http://", "https://")):
        return None
    target = href(iri)
    return target if target and target != iri else None


def _excerpt(text: str, line: int | None, column: int | None) -> dict | None:
    """The line an error is on, with a marker under the column, for the page."""
    if not text or line is None:
        return None
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return None
    return {"line": line, "text": lines[line - 1], "column": column,
            "marker": (" " * (column - 1) + "^") if column and column >= 1 else None}


def render_page(lang: str, *, submission: Submission | None = None, report: ValidationReport | None = None,
                problem: _InputProblem | None = None) -> str:
    text = ""
    if submission is not None:
        text = submission.data.decode("utf-8", "replace")
    chosen = submission.chosen_format if submission is not None else ""
    error = None
    if problem is not None:
        error = {"status": problem.status, "message": problem.message(lang),
                 "excerpt": _excerpt(text, problem.line, problem.column)}
    return render_template(
        "validate.html", examples=examples(), formats=PAGE_FORMATS, text=text, chosen_format=chosen,
        source=submission.filename if submission is not None else None, report=report, error=error,
        short=validation.display_name, link=_link, label=lambda iri: validation.engine().name_of(URIRef(iri), lang),
        limit=state().settings.validate_max_bytes)


@bp.route("/validate", methods=["GET"])
@cacheable
def validate_page():
    lang = choose_lang()
    submission = None
    ref = request.args.get("voorbeeld", "").strip()
    if ref:
        data, name = example_bytes(ref)
        submission = Submission(data, "", name, rdfinput.detect_format(filename=name))
    resp = Response(render_page(lang, submission=submission), mimetype=HTML)
    resp.headers["Content-Language"] = lang
    return resp


@bp.route("/validate/voorbeelden/<kind>/<name>")
def example_file(kind: str, name: str):
    """An example as a file, to download or to send straight back: `curl …/valid/x.ttl | curl --data-binary @- …`."""
    data, name = example_bytes(f"{kind}/{name}")
    resp = Response(data, mimetype=_EXAMPLE_TYPES[PurePath(name).suffix])
    resp.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return resp


# --------------------------------------------------------------------------------------------------------------
# The JSON-LD context
# --------------------------------------------------------------------------------------------------------------


@cache
def _context_bytes() -> bytes:
    """The file the validator resolves for rdfinput.CONTEXT_IRI (fusiekg/context.jsonld in the package)."""
    return importlib_resources.files("fusiekg").joinpath("context.jsonld").read_bytes()


@bp.route("/context.jsonld")
def context():
    body = _context_bytes()
    resp = Response(body, mimetype=JSONLD)
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    resp.headers["Cache-Control"] = "public, max-age=86400"
    resp.headers["Link"] = f'<{rdfinput.CONTEXT_IRI}>; rel="canonical"'
    return resp.make_conditional(request)
