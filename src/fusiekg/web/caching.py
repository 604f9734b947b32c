"""HTTP caching of pages and static files: validators from the build id, `304 Not Modified` before any work.

- Pages and their machine-readable twins (views wrapped in `@cacheable`): a weak `ETag` made from the build id, the
  release (a hash of the code, templates, static files and example files being served, and of the settings that show
  on pages), the page's language, the host, the path with its query and the `Accept` header; `Last-Modified` is the
  later of the build time and the release time; `Cache-Control: no-cache` (keep it, but ask each time: a new build can
  come at any moment). A request whose `If-None-Match` / `If-Modified-Since` still matches gets a 304 before the
  page's queries run. The ETag is weak because the same page is sent gzip-, brotli- or zstd-compressed or plain.
- Static files: every `url_for('static', ...)` carries `?v=<hash of the file>`; a request with the current hash gets
  `Cache-Control: public, max-age=31536000, immutable` (the URL changes when the file does), other requests
  `no-cache`. Flask's own `ETag` / `Last-Modified` / 304 and `Range` handling of static files stay.
- Only successful answers carry these headers: an error is never cached by them.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask, Response, current_app, make_response, request
from werkzeug.http import is_resource_modified

from .. import __version__, resources
from ..store import StoreMissing
from . import i18n
from .state import EXTENSION as STATE
from .state import state

EXTENSION = "fusiekg.caching"
PAGE_CACHE_CONTROL = "no-cache"
STATIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
# What the 304 and the page say they vary by (i18n and compression add theirs).
PAGE_VARY = "Accept"
_WEB = Path(__file__).resolve().parent


@dataclasses.dataclass
class Release:
    """What this server runs: a hash over the files that shape its pages, and when the newest of them changed."""

    digest: str
    time: datetime
    assets: dict[str, str] = dataclasses.field(default_factory=dict)  # static file → hash of its bytes


def _release(app: Flask) -> Release:
    h = hashlib.sha256(__version__.encode())
    newest = 0.0
    folders = [_WEB, resources.path("queries"), resources.path("examples")]
    if app.config.get("FUSIEKG_QUERIES_DIR"):
        folders.append(Path(app.config["FUSIEKG_QUERIES_DIR"]))
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".pyc",)):
            data = path.read_bytes()
            h.update(str(path.relative_to(folder)).encode() + b"\0" + hashlib.sha256(data).digest())
            newest = max(newest, path.stat().st_mtime)
    h.update(repr(app.extensions[STATE].settings).encode())
    return Release(h.hexdigest()[:16], datetime.fromtimestamp(int(newest), UTC))


def release() -> Release:
    return current_app.extensions[EXTENSION]


def asset_hash(filename: str) -> str | None:
    """The first 12 hex digits of the sha256 of a static file (remembered per process); None when it is missing."""
    known = release().assets
    if filename not in known:
        folder = Path(current_app.static_folder or "").resolve()
        path = (folder / filename).resolve()
        if path.parent != folder and folder not in path.parents or not path.is_file():
            return None
        known[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return known[filename]


def _static_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = asset_hash(values["filename"])
        if version:
            values["v"] = version


def _static_headers(resp: Response) -> Response:
    if request.endpoint != "static" or resp.status_code not in (200, 206, 304):
        return resp
    wanted = request.args.get("v")
    versioned = wanted is not None and wanted == asset_hash(request.view_args.get("filename", ""))
    resp.headers["Cache-Control"] = STATIC_CACHE_CONTROL if versioned else PAGE_CACHE_CONTROL
    resp.headers.pop("Expires", None)
    return resp


def validators(today: bool = False) -> tuple[str, datetime] | None:
    """(weak ETag value, Last-Modified) of the page this request asks for; None without a local build. `today`: the
    page shows today's date when the URL gives none (it changes at midnight, the URL does not)."""
    try:
        manifest = state().manifest()
    except StoreMissing:
        return None
    build = manifest.get("build_id")
    if not build:
        return None  # over an external store nothing tells when the data changed
    rel = release()
    key = "\0".join([build, rel.digest, i18n.current(), request.host_url, request.full_path,
                     request.headers.get("Accept", "").strip(), date.today().isoformat() if today else ""])
    etag = hashlib.sha256(key.encode()).hexdigest()[:24]
    built = manifest.get("built_at")
    when = rel.time
    if built:
        try:
            stamp = datetime.fromisoformat(built.replace("Z", "+00:00"))
            when = max(when, stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))
        except ValueError:
            pass
    return etag, when.replace(microsecond=0)


def _mark(resp: Response, etag: str, when: datetime) -> Response:
    resp.set_etag(etag, weak=True)
    resp.last_modified = when
    resp.headers["Cache-Control"] = PAGE_CACHE_CONTROL
    if PAGE_VARY.lower() not in resp.headers.get("Vary", "").lower():
        resp.headers["Vary"] = ", ".join(v for v in (resp.headers.get("Vary"), PAGE_VARY) if v)
    return resp


def cacheable(view=None, *, today=None):
    """Wrap a GET view whose answer depends only on the build, the code, the language and the request's URL and
    `Accept`: 304 when the client's copy is current, else the answer with its validators (2xx answers only).
    `@cacheable(today=predicate)`: when `predicate(**view_args)` is true, the answer also depends on today's date
    (a page that shows today when its URL names no date)."""
    if view is None:
        return functools.partial(cacheable, today=today)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        found = validators(today=bool(today and today(*args, **kwargs)))
        if found is not None:
            etag, when = found
            if not is_resource_modified(request.environ, etag=f'W/"{etag}"', last_modified=when):
                return _mark(Response(status=304), etag, when)
        resp = make_response(view(*args, **kwargs))
        if found is not None and resp.status_code == 200:
            _mark(resp, *found)
        return resp

    return wrapper


def install(app: Flask) -> None:
    app.extensions[EXTENSION] = _release(app)
    app.url_defaults(_static_version)
    app.after_request(_static_headers)
