"""zstd, brotli or gzip for text answers, by the client's `Accept-Encoding` (Flask-Compress), under our rules.

Flask-Compress does the work (choosing the coding with q-values, compressing, `Vary: Accept-Encoding`, the coding in
a strong ETag); this module decides what it may touch:

- only `200` answers of a text type (pages, static CSS/JS, SPARQL results and RDF, JSON); never an error, a `206`
  range answer, or an answer that already has a coding (the `/dumps/` files are `application/gzip` and are sent as
  they are, ranges and all);
- a streamed body with a known length (a file, a spooled answer) of up to `BUFFER_LIMIT` bytes is read and compressed
  whole, so it keeps a right `Content-Length`; a larger one is sent uncompressed with its length, so nothing
  unbounded is ever held in memory; a streamed body without a length is compressed chunk by chunk;
- static files are compressed once per coding and file version (a small bounded cache), the rest on every answer.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import Flask, Response
from flask_compress import Compress

from .caching import asset_hash

BUFFER_LIMIT = 8 * 1024 * 1024
MIN_SIZE = 500
STATIC_ENTRIES = 64
TEXT_TYPES = [
    "text/html", "text/css", "text/javascript", "application/javascript", "text/plain", "application/json",
    "image/svg+xml", "text/csv", "text/tab-separated-values", "text/turtle", "application/trig",
    "application/n-triples", "application/n-quads", "application/ld+json", "application/rdf+xml",
    "application/sparql-results+json", "application/sparql-results+xml", "application/xml", "text/xml",
]


class _StaticCache:
    """Compressed static files by (coding, path, version); other answers are never kept (their key ends in `;-`)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        if key.endswith(";-"):
            return None
        value = self.entries.get(key)
        if value is not None:
            self.entries.move_to_end(key)
        return value

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";-"):
            return
        self.entries[key] = value
        while len(self.entries) > STATIC_ENTRIES:
            self.entries.popitem(last=False)


def _cache_key(req) -> str:
    if req.endpoint == "static":
        filename = (req.view_args or {}).get("filename", "")
        return f"{req.path};{asset_hash(filename)}"
    return "-"


def _policy(compress: Compress):
    types = set(TEXT_TYPES)

    def after(resp: Response) -> Response:
        if resp.status_code == 304 and "accept-encoding" not in resp.headers.get("Vary", "").lower():
            resp.headers["Vary"] = ", ".join(v for v in (resp.headers.get("Vary"), "Accept-Encoding") if v)
        if (resp.status_code != 200 or resp.mimetype not in types or "Content-Range" in resp.headers
                or "Content-Encoding" in resp.headers):
            return resp
        if resp.is_streamed and resp.content_length is not None:
            if resp.content_length > BUFFER_LIMIT:
                return resp  # sent as it is, with its Content-Length
            resp.direct_passthrough = False
            resp.make_sequence()  # read the bounded body (closing the file), then compress it whole
        return compress.after_request(resp)

    return after


def install(app: Flask) -> None:
    """Call before the other response hooks are registered: Flask runs `after_request` functions in reverse order,
    so this one runs last and compresses the final body."""
    app.config.update(
        COMPRESS_REGISTER=False, COMPRESS_MIMETYPES=TEXT_TYPES, COMPRESS_MIN_SIZE=MIN_SIZE,
        COMPRESS_ALGORITHM=["zstd", "br", "gzip"], COMPRESS_ALGORITHM_STREAMING=["zstd", "br", "gzip"],
        COMPRESS_CACHE_BACKEND=_StaticCache, COMPRESS_CACHE_KEY=_cache_key,
    )
    compress = Compress(app)
    app.after_request(_policy(compress))

