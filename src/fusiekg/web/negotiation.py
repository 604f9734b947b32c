"""Content negotiation: choose a response media type from `Accept` (q-values, wildcards) or a `format` parameter.

The Accept header is parsed by python-mimeparse (a maintained parser; `best_match` ranks by q-value, then by how
specific the matching range is). This module adds what is specific to SPARQL: the formats offered for each kind of
answer, the media types clients send for the same thing (`application/json`, `text/xml`, ...), the short names of
the `format` parameter, and the `charset=utf-8` every text response carries.
"""

from __future__ import annotations

from mimeparse import MimeTypeParseException, best_match, parse_media_range

from ..sparql import GRAPH_FORMATS, RESULTS_FORMATS, SHORT_NAMES

HTML = "text/html"

# Media types clients send meaning one of ours (SPARQLWrapper, rdflib, Comunica, browsers, curl users).
RESULTS_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
GRAPH_ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "application/json": "application/ld+json",
    "application/x-json+ld": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/x-trig": "application/trig",
    "text/x-nquads": "application/n-quads",
}
# In a graph answer the `format` short names json / xml mean JSON-LD / RDF/XML.
_GRAPH_SHORT = {"json": "application/ld+json", "xml": "application/rdf+xml"}
# More `format` names clients send (SPARQLWrapper adds format=<its return format> to every request); N3 is answered
# with Turtle, which is valid N3.
FORMAT_ALIASES = {"n3": "text/turtle", "rdf+xml": "application/rdf+xml", "json+ld": "application/ld+json",
                  "n-triples": "application/n-triples", "n-quads": "application/n-quads"}

_TEXTUAL_APPLICATION = {"application/json", "application/xml", "application/javascript", "application/n-triples",
                        "application/n-quads", "application/trig", "application/sparql-query",
                        "application/sparql-update", "image/svg+xml"}


class NotAcceptable(Exception):
    """Nothing offered fits the request; `offered` lists what would."""

    def __init__(self, message: str, offered: list[str]):
        super().__init__(message)
        self.offered = offered


class UnknownFormat(Exception):
    """The `format` parameter names no format we know."""


def short_name(media_type: str) -> str:
    return RESULTS_FORMATS.get(media_type) or GRAPH_FORMATS.get(media_type) or media_type


def describe(offered: list[str]) -> str:
    """`text/turtle (ttl), ...` for messages."""
    return ", ".join(f"{m} ({short_name(m)})" if short_name(m) != m else m for m in offered)


def aliases_for(offered: list[str]) -> dict[str, str]:
    table = GRAPH_ALIASES if any(m in GRAPH_FORMATS for m in offered) else RESULTS_ALIASES
    return {alias: target for alias, target in table.items() if target in offered}


def clean_accept(header: str | None) -> str | None:
    """The Accept header without malformed ranges (which we ignore rather than fail on), in lower case (media types
    and parameter names are case-insensitive, and mimeparse compares them as they come); None when empty."""
    if not header:
        return None
    good = []
    for part in header.lower().split(","):
        if not part.strip():
            continue
        try:
            parse_media_range(part)
        except (MimeTypeParseException, ValueError):
            continue
        good.append(part.strip())
    return ",".join(good) or None


def negotiate(offered: list[str], accept: str | None, aliases: dict[str, str] | None = None) -> str | None:
    """The best of `offered` (listed in our order of preference) for an Accept header; None if none is acceptable.

    Ties (e.g. `*/*`) go to the earliest offered type. Aliases are matched too and mapped to what they stand for.
    """
    accept = clean_accept(accept)
    if accept is None:
        return offered[0]
    aliases = aliases_for(offered) if aliases is None else aliases
    # mimeparse breaks ties in favour of later candidates: list the least preferred first.
    candidates = list(reversed(list(aliases))) + list(reversed(offered))
    match = best_match(candidates, accept)
    if not match:
        return None
    return aliases.get(match, match)


PAGE_OR_JSON = [HTML, "application/json"]


def page_or_json(accept: str | None, what: str) -> str:
    """Which of a page and its JSON twin (`/telling`, `/zoek`, `/netwerk/…`) `Accept` asks for; NotAcceptable (a
    406 naming both) when neither."""
    media = negotiate(PAGE_OR_JSON, accept, {})
    if media is None:
        raise NotAcceptable(f"{what} is offered as {describe(PAGE_OR_JSON)}", PAGE_OR_JSON)
    return media


def accepts_explicitly(accept: str | None, media_type: str) -> bool:
    """True when the Accept header names `media_type` itself (not through a wildcard) with q > 0."""
    accept = clean_accept(accept)
    if accept is None:
        return False
    for part in accept.split(","):
        t, s, params = parse_media_range(part)
        if f"{t}/{s}" == media_type and float(params.get("q", 1)) > 0:
            return True
    return False


def wants_html(accept: str | None, offered: list[str]) -> bool:
    """A browser: it names text/html explicitly and prefers it to every format we offer."""
    if not accepts_explicitly(accept, HTML):
        return False
    return negotiate([HTML, *offered], accept, aliases_for(offered)) == HTML


def from_format(value: str, offered: list[str]) -> str:
    """Resolve a `format` parameter (short name or media type) to one of `offered`.

    Raises UnknownFormat when the value names no format at all, NotAcceptable when it names one that this kind of
    answer cannot have (e.g. Turtle for a SELECT).
    """
    v = value.strip().lower()
    graph = any(m in GRAPH_FORMATS for m in offered)
    if "," in v:  # a list of media types, read like an Accept header
        chosen = negotiate(offered, v)
        if chosen is None:
            raise NotAcceptable(f"no format in {value!r} is available for this answer; it is offered as "
                                f"{describe(offered)}", offered)
        return chosen
    if "/" in v:
        # A `+` typed unencoded into a URL (`format=application/ld+json`) arrives as a space; no media type has one.
        media = v.split(";")[0].strip().replace(" ", "+")
        media = aliases_for(offered).get(media, media)
        known = media in RESULTS_FORMATS or media in GRAPH_FORMATS or media in offered
    else:
        media = (_GRAPH_SHORT.get(v) if graph else None) or SHORT_NAMES.get(v) or FORMAT_ALIASES.get(v) or ""
        known = bool(media) or v in offered
    if not known:
        names = sorted({short_name(m) for m in [*RESULTS_FORMATS, *GRAPH_FORMATS]})
        raise UnknownFormat(f"unknown format {value!r}: use one of {', '.join(names)} or a media type")
    if media not in offered:
        raise NotAcceptable(f"format {value!r} is not available for this answer; it is offered as {describe(offered)}",
                            offered)
    return media


def is_textual(mimetype: str) -> bool:
    m = mimetype.lower()
    return (m.startswith("text/") or m in _TEXTUAL_APPLICATION or m.endswith("+json") or m.endswith("+xml")
            or m.startswith("application/sparql-results"))


def with_charset(media_type: str) -> str:
    """The Content-Type value for a media type: text gets `; charset=utf-8` (everything we write is UTF-8)."""
    return f"{media_type}; charset=utf-8" if is_textual(media_type) else media_type
