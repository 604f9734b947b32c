"""`/dumps/`: the gzip dumps the build wrote (the whole dataset, and one file per named graph), to download.

The index lists the manifest's `dumps` entries (file, bytes, sha256, graph, format): HTML for browsers, JSON by
`Accept: application/json` or `/dumps/index.json`. Only files the manifest lists are served, so no path can reach
outside the dumps folder. Each file is served as what it is on disk, a gzip file: `Content-Type: application/gzip`
with `Content-Disposition: attachment` (not the RDF media type with `Content-Encoding: gzip`, which clients would
silently unpack and then get a body whose size and checksum differ from the ones listed). The RDF format inside is
in the index and in the name (`.nq.gz`, `.trig.gz`, `.ttl.gz`). `ETag` is the file's sha256, so `If-None-Match`
answers 304; `Range` requests are honoured.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, redirect, render_template, request, send_file

from ..store import StoreLayout, StoreMissing
from .caching import cacheable
from .limits import HttpError
from .linked_data import href, site
from .negotiation import HTML, describe, negotiate
from .state import state

bp = Blueprint("dumps", __name__)

GZIP = "application/gzip"
_INDEX_TYPES = [HTML, "application/json"]
FORMAT_NAMES = {"application/n-quads": "N-Quads", "application/trig": "TriG", "text/turtle": "Turtle",
                "application/n-triples": "N-Triples"}


def _manifest() -> dict:
    try:
        return state().manifest()
    except StoreMissing as exc:
        raise HttpError(503, str(exc)) from exc


def entries() -> list[dict]:
    """The dumps the manifest lists, with where to download them here and their persistent IRI."""
    manifest = _manifest()
    graphs = manifest.get("graphs", {})
    base = state().settings.base_iri
    out = []
    for d in manifest.get("dumps", []):
        name = d.get("file")
        if not isinstance(name, str) or "/" in name or name.startswith("."):
            continue  # never list (or later serve) anything but a plain file name
        graph = d.get("graph")
        out.append({
            "file": name, "url": site(f"/dumps/{name}"), "iri": f"{base}dumps/{name}",
            "bytes": d.get("bytes"), "sha256": d.get("sha256"), "graph": graph,
            "graph_href": href(graph) if graph else None, "triples": graphs.get(graph) if graph else manifest.get("triples"),
            "format": d.get("format"), "format_name": FORMAT_NAMES.get(d.get("format"), d.get("format")),
            "media_type": GZIP, "compression": "gzip",
        })
    return out


@bp.route("/dumps")
def dumps_no_slash():
    return redirect(site("/dumps/"), code=301)


@bp.route("/dumps/")
@cacheable
def index():
    media = negotiate(_INDEX_TYPES, request.headers.get("Accept"), {})
    if media is None:
        raise HttpError(406, f"the dump index is offered as {describe(_INDEX_TYPES)}", offered=_INDEX_TYPES)
    return _index(media)


def _index(media: str) -> Response:
    manifest = _manifest()
    items = entries()
    if media == "application/json":
        resp = jsonify({"build_id": manifest.get("build_id"), "built_at": manifest.get("built_at"),
                        "triples": manifest.get("triples"), "dumps": items})
    else:
        resp = Response(render_template("dumps_index.html", dumps=items, manifest=manifest,
                                        json_href=site("/dumps/index.json")), mimetype="text/html")
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/dumps/<name>")
def download(name: str):
    if name == "index.json":
        return cacheable(_index)("application/json")
    listed = {d["file"]: d for d in entries()}
    entry = listed.get(name)
    if entry is None:
        raise HttpError(404, f"no dump named {name!r}; the dumps are listed at /dumps/",
                        nl=f"er is geen dump {name!r}; de dumps staan op /dumps/", available=sorted(listed))
    folder = StoreLayout(Path(state().settings.store_dir)).dumps.resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise HttpError(404, f"the dump {name!r} is listed in the manifest but missing from {folder}; "
                             "rebuild the store (`fusiekg build`)")
    return send_file(path, mimetype=GZIP, as_attachment=True, download_name=name,
                     etag=entry["sha256"] or True, conditional=True, max_age=300)
