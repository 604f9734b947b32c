"""One settings object for the CLI, the build and the web app: defaults, then environment, then flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .namespaces import BASE


def _env(name: str, default, cast=str):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return cast(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name}={raw!r} is not a valid {cast.__name__}") from exc


@dataclass(frozen=True)
class Settings:
    """Paths, public IRIs and the limits every request runs under."""

    store_dir: Path = field(default_factory=lambda: Path(_env("FUSIEKG_STORE", "fusiekg-store")))
    # The persistent IRI base of our things and terms; links on pages point at `public_base` instead when set,
    # so that a locally served copy keeps the browser on the local server.
    base_iri: str = BASE
    public_base: str | None = field(default_factory=lambda: _env("FUSIEKG_PUBLIC_BASE", None))
    query_timeout_s: float = field(default_factory=lambda: _env("FUSIEKG_QUERY_TIMEOUT", 30.0, float))
    # Answers are complete unless an operator sets a row cap (0: none); a cut answer says so in headers and body.
    max_rows: int = field(default_factory=lambda: _env("FUSIEKG_MAX_ROWS", 0, int))
    # A serialised answer longer than this is refused (422), never sent cut (0: no limit). 512 MiB holds a million
    # three-column rows in the most verbose format (SPARQL XML) and bounds the temporary disk an answer takes.
    max_result_bytes: int = field(default_factory=lambda: _env("FUSIEKG_MAX_RESULT_BYTES", 512 * 1024 * 1024, int))
    # A client that stops reading an answer is disconnected after this many seconds without progress, so that it
    # does not hold a request thread (see web.stalled_clients); 0 leaves the kernel's default (about 15 minutes).
    send_timeout_s: float = field(default_factory=lambda: _env("FUSIEKG_SEND_TIMEOUT", 60.0, float))
    max_request_bytes: int = field(default_factory=lambda: _env("FUSIEKG_MAX_REQUEST_BYTES", 1_000_000, int))
    validate_max_bytes: int = field(default_factory=lambda: _env("FUSIEKG_VALIDATE_MAX_BYTES", 1_000_000, int))
    validate_timeout_s: float = field(default_factory=lambda: _env("FUSIEKG_VALIDATE_TIMEOUT", 10.0, float))
    # Descriptions larger than this are validated in a process of their own that ends afterwards, so that their
    # memory does not stay with the web worker (see validation_process); 0 sends every description there.
    validate_isolate_bytes: int = field(default_factory=lambda: _env("FUSIEKG_VALIDATE_ISOLATE_BYTES", 65_536, int))
    service_allow: tuple[str, ...] = field(
        default_factory=lambda: tuple(s for s in _env("FUSIEKG_SERVICE_ALLOW", "").split() if s)
    )
    cache_entries: int = field(default_factory=lambda: _env("FUSIEKG_CACHE_ENTRIES", 512, int))
    # Opt-in: each query process and web worker copies a store of up to this many triples into memory (about
    # 0.6 kB per triple each); 0, the default, answers from the store on disk (see docs/endpoint.md).
    memory_triples: int = field(default_factory=lambda: _env("FUSIEKG_MEMORY_TRIPLES", 0, int))
    # A query text that ran in under this many ms is run again in the web worker itself, without the trip to a
    # query process (see executor); 0 sends every query to a query process.
    inline_query_ms: float = field(default_factory=lambda: _env("FUSIEKG_INLINE_QUERY_MS", 25.0, float))
    sparql_url: str | None = field(default_factory=lambda: _env("FUSIEKG_SPARQL_URL", None))
    gsp_url: str | None = field(default_factory=lambda: _env("FUSIEKG_GSP_URL", None))

    def with_(self, **changes) -> Settings:
        """A copy with the given fields replaced; `None` values are ignored so click defaults fall through."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
