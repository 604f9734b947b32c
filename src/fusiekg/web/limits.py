"""What every request goes through, whatever blueprint answers it: size limits, CORS, charset, the access log, and
error bodies (JSON, plain text or HTML by `Accept`, always with a charset; never a bare 500 page).

Other blueprints raise `HttpError(status, message, nl=..., **details)` and get the same error bodies. Machines get the
English message; an HTML error page is written in the page's language (`i18n`), with the Dutch message when one is
given (else the English one, marked as English).
"""

from __future__ import annotations

import logging
import re
import sys
import time

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import ClosingIterator

from .negotiation import NotAcceptable, is_textual, negotiate, with_charset

ACCESS_LOG = "fusiekg.access"
# Response headers a script on another origin may read (the row-limit marker among them).
EXPOSED_HEADERS = "Fusiekg-Truncated, Warning, Retry-After, Content-Disposition"
_TOKEN_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")
_ERROR_TYPES = ["text/plain", "application/json", "text/html"]

log = logging.getLogger("fusiekg.web")


# Status names on Dutch error pages.
STATUS_NL = {400: "Ongeldig verzoek", 404: "Niet gevonden", 405: "Methode niet toegestaan", 406: "Niet aanvaardbaar",
             413: "Verzoek te groot", 414: "URL te lang", 415: "Mediatype niet ondersteund", 500: "Interne fout",
             502: "Fout bij de externe store", 503: "Dienst niet beschikbaar"}


class HttpError(Exception):
    """An error answer: status, a message for the user (what and where; `nl` its Dutch version for error pages),
    extra fields, extra headers."""

    def __init__(self, status: int, message: str, *, nl: str | None = None, headers: dict[str, str] | None = None,
                 **details):
        super().__init__(message)
        self.status, self.message, self.nl, self.headers, self.details = status, message, nl, headers or {}, details


def error_response(status: int, message: str, details: dict | None = None,
                   headers: dict[str, str] | None = None, nl: str | None = None) -> Response:
    """An error body in the format the client prefers: JSON, plain text (the default) or HTML for browsers."""
    details = {k: v for k, v in (details or {}).items() if v is not None}
    title = HTTP_STATUS_CODES.get(status, "Error")
    accept = request.headers.get("Accept")
    kind = negotiate(_ERROR_TYPES, accept, {}) or "text/plain"
    if kind == "text/plain" and accept and "+json" in accept and "text/plain" not in accept:
        kind = "application/json"  # e.g. a client asking for application/sparql-results+json
    if kind == "application/json":
        resp = jsonify({"status": status, "error": title, "message": message, **details})
    elif kind == "text/html":
        from . import i18n  # noqa: PLC0415 - i18n raises HttpError, so it imports this module

        dutch = i18n.resolved() == "nl"
        shown, shown_lang = (nl, None) if dutch and nl else (message, "en" if dutch else None)
        resp = Response(render_template("error.html", status=status, title=STATUS_NL.get(status, title) if dutch
                                        else title, message=shown, message_lang=shown_lang, details=details),
                        mimetype="text/html")
    else:
        extra = "".join(f"{k}: {v}\n" for k, v in details.items() if k not in ("offered",))
        if "offered" in details:
            extra += "offered: " + ", ".join(details["offered"]) + "\n"
        resp = Response(f"{status} {title}: {message}\n{extra}", mimetype="text/plain")
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _http_error(exc: HttpError):
    return error_response(exc.status, exc.message, exc.details, exc.headers, exc.nl)


def _not_acceptable(exc: NotAcceptable):
    return error_response(406, str(exc), {"offered": exc.offered})


def _werkzeug_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:  # routing redirects and the like pass through
        return exc
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    message = {
        405: f"method {request.method} is not allowed on {request.path}; allowed: {headers.get('Allow', '')}",
        413: f"the request body is larger than the limit of {current_app.config.get('MAX_CONTENT_LENGTH')} bytes",
        404: f"nothing at {request.path}",
    }.get(exc.code, exc.description or HTTP_STATUS_CODES.get(exc.code, "error"))
    nl = {404: f"er staat niets op {request.path}",
          405: f"methode {request.method} is niet toegestaan op {request.path}; wel: {headers.get('Allow', '')}"}
    return error_response(exc.code, message, headers=headers, nl=nl.get(exc.code))


def _unexpected(exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, f"internal error ({type(exc).__name__}); the server log has the details",
                          nl=f"interne fout ({type(exc).__name__}); het serverlog heeft de details")


def _check_url_size():
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if len(request.environ.get("QUERY_STRING", "")) > limit:
        raise HttpError(414, f"the URL is longer than the limit of {limit} bytes; send a long query with POST")


def _finish(resp: Response) -> Response:
    """CORS for every answer (no credentials), preflight answers, a charset on every text body."""
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        allow = resp.headers.get("Allow", "GET, HEAD, POST, OPTIONS")
        resp.headers["Access-Control-Allow-Methods"] = allow
        wanted = request.headers.get("Access-Control-Request-Headers", "")
        if wanted and _TOKEN_LIST.match(wanted.strip()):
            resp.headers["Access-Control-Allow-Headers"] = wanted.strip()
        resp.headers["Access-Control-Max-Age"] = "86400"
    if resp.mimetype and is_textual(resp.mimetype) and "charset" not in (resp.content_type or "").lower():
        resp.headers["Content-Type"] = with_charset(resp.mimetype)
    return resp


class AccessLog:
    """WSGI middleware: one line per request (worker process id, method, path, status, milliseconds) to the
    `fusiekg.access` logger, written when the body has been sent, so that errors raised anywhere below are logged
    too. The process id says which worker answered (with several workers, an answer to compare is one worker's)."""

    def __init__(self, app, logger: logging.Logger):
        self.app, self.logger = app, logger

    def __call__(self, environ, start_response):
        t0 = time.perf_counter()
        status = ["-"]

        def recording_start_response(s, headers, exc_info=None):
            status[0] = s.split(" ", 1)[0]
            return start_response(s, headers, exc_info)

        def done():
            ms = (time.perf_counter() - t0) * 1000
            self.logger.info("%s %s %s %.1f ms", environ.get("REQUEST_METHOD", "-"),
                             environ.get("PATH_INFO", "") or "/", status[0], ms)

        try:
            body = self.app(environ, recording_start_response)
        except BaseException:
            done()
            raise
        return ClosingIterator(body, [done])


def access_logger() -> logging.Logger:
    logger = logging.getLogger(ACCESS_LOG)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s [access] [%(process)d] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def install(app: Flask, max_request_bytes: int) -> None:
    app.config["MAX_CONTENT_LENGTH"] = max_request_bytes
    app.before_request(_check_url_size)
    app.after_request(_finish)
    app.register_error_handler(HttpError, _http_error)
    app.register_error_handler(NotAcceptable, _not_acceptable)
    app.register_error_handler(HTTPException, _werkzeug_error)
    app.register_error_handler(Exception, _unexpected)
    app.wsgi_app = AccessLog(app.wsgi_app, access_logger())


def drain(body) -> bytes:
    """A WSGI response body run to its end and closed (closing writes the access-log line, see AccessLog)."""
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def read_chunked(stream, limit: int) -> bytes | None:
    """Read a body sent without Content-Length (chunked) up to `limit` bytes; None when it is longer. Werkzeug would
    silently cut such a body at the limit, and a cut query or description may still parse."""
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)
