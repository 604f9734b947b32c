"""Gzip dumps of the built dataset (whole, and one file per graph) with sizes and checksums for /dumps/."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pyoxigraph as ox

from .namespaces import GRAPH, PREFIXES

# gzip level 3: about three times faster than the default 6 on our dumps (measured at 100k added triples: 0.23 s
# against 0.60 s for all.nq + all.trig) for files about a fifth larger; the build writes every dump on every build.
_GZIP_LEVEL = 3


def graph_slug(graph_iri: str) -> str:
    """The file-name part for one graph's dump, e.g. `register` for fkgg:register."""
    rest = graph_iri[len(str(GRAPH)):] if graph_iri.startswith(str(GRAPH)) else graph_iri
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in rest).strip("-") or "graph"


def _digest(path: Path) -> dict:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return {"file": path.name, "bytes": path.stat().st_size, "sha256": h.hexdigest()}


def write_dumps(source: Path | ox.Store, out: Path) -> list[dict]:
    """Write all.nq.gz, all.trig.gz and <graph>.ttl.gz; return one entry per file for the manifest.

    `source` is the store's folder, or a store already open (the build passes its in-memory copy, which is read
    faster than the RocksDB one)."""
    out.mkdir(parents=True, exist_ok=True)
    store = source if isinstance(source, ox.Store) else ox.Store.read_only(str(source))
    entries = []
    for name, fmt in (("all.nq.gz", ox.RdfFormat.N_QUADS), ("all.trig.gz", ox.RdfFormat.TRIG)):
        path = out / name
        with gzip.open(path, "wb", compresslevel=_GZIP_LEVEL) as f:
            kwargs = {"prefixes": PREFIXES} if fmt == ox.RdfFormat.TRIG else {}
            ox.serialize(store.quads_for_pattern(None, None, None), f, fmt, **kwargs)
        entries.append({**_digest(path), "graph": None, "format": fmt.media_type})
    for g in sorted(store.named_graphs(), key=lambda n: n.value):
        path = out / f"{graph_slug(g.value)}.ttl.gz"
        triples = (ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, g))
        with gzip.open(path, "wb", compresslevel=_GZIP_LEVEL) as f:
            ox.serialize(triples, f, ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        entries.append({**_digest(path), "graph": g.value, "format": ox.RdfFormat.TURTLE.media_type})
    return entries
