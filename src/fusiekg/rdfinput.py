"""Safe parsing of untrusted RDF (Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads) submitted by users.

Why a module of its own: the parsers of rdflib are made for trusted files. Here the input comes from strangers, so
nothing in it may make us open a connection or read a local file (remote JSON-LD contexts, XML external entities,
owl:imports), its size is bounded, and every syntax error becomes an `InputError` with a line and column where the
parser tells them, in Dutch and English.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from importlib import resources as importlib_resources
from pathlib import PurePath
from typing import Any
from xml.parsers import expat

from rdflib import Dataset, Graph, URIRef
from rdflib.parser import InputSource
from rdflib.plugins.parsers.jsonld import Parser
from rdflib.plugins.shared.jsonld.context import Context

from .namespaces import BASE, PREFIXES

#: The one JSON-LD context IRI we resolve, always from the copy shipped in the package (never fetched).
CONTEXT_IRI = BASE + "context.jsonld"
#: Relative IRIs in an input resolve against this when the caller gives no base (never the server's folder).
DEFAULT_BASE = "https://example.org/invoer/"
DEFAULT_MAX_BYTES = 1_000_000

#: Our format names → rdflib parser names. TriG, N-Quads and JSON-LD can hold named graphs.
FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "jsonld": "json-ld",
    "rdfxml": "xml",
    "trig": "trig",
    "nquads": "nquads",
}
QUAD_FORMATS = {"trig", "nquads", "jsonld"}

_FORMAT_ALIASES = {
    "turtle": "turtle", "ttl": "turtle", "text/turtle": "turtle",
    "nt": "ntriples", "ntriples": "ntriples", "n-triples": "ntriples", "nt11": "ntriples",
    "json-ld": "jsonld", "jsonld": "jsonld", "json": "jsonld",
    "xml": "rdfxml", "rdfxml": "rdfxml", "rdf/xml": "rdfxml", "rdf": "rdfxml", "application/rdf+xml": "rdfxml",
    "trig": "trig",
    "nquads": "nquads", "n-quads": "nquads", "nq": "nquads",
}
_CONTENT_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
# Content types that say nothing about the syntax (browsers send these for uploads): fall through to the file name.
_VAGUE_CONTENT_TYPES = {"", "application/octet-stream", "text/plain", "multipart/form-data",
                        "application/x-www-form-urlencoded"}
_EXTENSIONS = {
    ".ttl": "turtle", ".turtle": "turtle",
    ".nt": "ntriples",
    ".jsonld": "jsonld", ".json": "jsonld",
    ".rdf": "rdfxml", ".owl": "rdfxml", ".xml": "rdfxml",
    ".trig": "trig",
    ".nq": "nquads",
}


#: Compressed files people send instead of the description they hold (their first bytes).
_ARCHIVES = ((b"PK\x03\x04", "zip"), (b"\x1f\x8b", "gzip"), (b"7z\xbc\xaf\x27\x1c", "7z"))


class InputError(ValueError):
    """The input cannot be read: what is wrong (Dutch, with an English `message_en`), and where when known."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None,
                 en: str | None = None):
        self.message_nl = message
        self.message_en = en or message
        self.line = line
        self.column = column
        super().__init__(self.localized("nl") + " / " + self.localized("en"))

    def where(self, lang: str = "nl") -> str:
        words = {"nl": ("regel", "kolom"), "en": ("line", "column")}[_lang(lang)]
        if self.line is None:
            return ""
        if self.column is None:
            return f"{words[0]} {self.line}"
        return f"{words[0]} {self.line}, {words[1]} {self.column}"

    def localized(self, lang: str = "nl") -> str:
        """The message in one language, prefixed with the position when known."""
        text = self.message_en if _lang(lang) == "en" else self.message_nl
        where = self.where(lang)
        return f"{where}: {text}" if where else text

    def to_dict(self) -> dict[str, Any]:
        return {"message_nl": self.message_nl, "message_en": self.message_en, "line": self.line,
                "column": self.column}


class InputTooLarge(InputError):
    """The input is larger than the limit; refused before parsing."""


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "nl"


# --------------------------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------------------------


def detect_format(fmt: str | None = None, filename: str | None = None, content_type: str | None = None,
                  data: bytes | None = None) -> str:
    """Our format name: from `fmt`, else the Content-Type, else the file extension, else a look at the bytes."""
    if fmt:
        key = fmt.strip().lower()
        if key in _FORMAT_ALIASES:
            return _FORMAT_ALIASES[key]
        if key in _CONTENT_TYPES:
            return _CONTENT_TYPES[key]
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"Onbekend formaat {fmt!r}; kies uit {known}.",
                         en=f"Unknown format {fmt!r}; choose one of {known}.")
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        if media in _CONTENT_TYPES:
            return _CONTENT_TYPES[media]
        if media not in _VAGUE_CONTENT_TYPES:
            raise InputError(f"Content-Type {media!r} is geen RDF-formaat dat we lezen.",
                             en=f"Content-Type {media!r} is not an RDF format we read.")
    if filename:
        suffix = PurePath(filename).suffix.lower()
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
    return _sniff(data or b"")


def _sniff(data: bytes) -> str:
    """A last guess for input without format, type or name (e.g. a pasted text): JSON, XML, else Turtle."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "jsonld"
    if head.startswith(b"<?xml") or head.startswith(b"<rdf:RDF"):
        return "rdfxml"
    return "turtle"


# --------------------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------------------


def parse(data: bytes, fmt: str | None = None, filename: str | None = None, content_type: str | None = None,
          *, max_bytes: int | None = DEFAULT_MAX_BYTES, base: str | None = None) -> Graph | Dataset:
    """Parse untrusted bytes into a new rdflib Graph (a Dataset for TriG, N-Quads and JSON-LD).

    Raises `InputError` (or `InputTooLarge`) with a Dutch and English message and the line and column of a
    syntax error when the parser tells them. Opens no connection and no file, whatever the input says.
    `max_bytes=None` lifts the size limit (for the operator's own --include files).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if max_bytes is not None and len(data) > max_bytes:
        raise InputTooLarge(
            f"De invoer is {len(data)} bytes; de grens is {max_bytes} bytes.",
            en=f"The input is {len(data)} bytes; the limit is {max_bytes} bytes.")
    for magic, kind in _ARCHIVES:
        if data.startswith(magic):
            raise InputError(f"De invoer is een {kind}-bestand; pak het uit en stuur de beschrijving zelf.",
                             en=f"The input is a {kind} file; unpack it and send the description itself.")
    name = detect_format(fmt, filename, content_type, data)
    base = base or DEFAULT_BASE
    try:
        if name == "jsonld":
            graph: Graph | Dataset = _parse_jsonld(data, base)
        elif name == "rdfxml":
            _refuse_xml_declarations(data)
            graph = Graph(bind_namespaces="none")
            # as bytes, so the XML parser reads the encoding the declaration names (rdflib decodes data= as UTF-8)
            source = InputSource(system_id=base)
            source.setByteStream(io.BytesIO(data))
            graph.parse(source=source, format=FORMATS[name], publicID=base)
        else:
            text = _decode(data)
            graph = Dataset() if name in QUAD_FORMATS else Graph(bind_namespaces="none")
            graph.parse(data=text, format=FORMATS[name], publicID=base)
    except InputError:
        raise
    except RecursionError as exc:
        raise InputError("De invoer is te diep genest om te lezen.",
                         en="The input is nested too deeply to read.") from exc
    except Exception as exc:  # every parser has its own exception types; all mean "cannot read this"
        raise _syntax_error(name, data, exc) from exc
    _check_iris(graph, data)
    return graph


def _check_iris(graph: Graph | Dataset, data: bytes = b"") -> None:
    """rdflib lets IRIs with spaces and other forbidden characters through; refuse them here, naming the IRI and,
    when it can be found in the input (whole, or its last part as a JSON key), where."""
    import pyoxigraph

    quads = graph.quads((None, None, None, None)) if isinstance(graph, Dataset) else graph
    seen: set[URIRef] = set()
    for terms in quads:
        for term in terms[:3]:
            if isinstance(term, URIRef) and term not in seen:
                seen.add(term)
                try:
                    pyoxigraph.NamedNode(str(term))
                except ValueError as exc:
                    raise _invalid_iri(term, exc, data) from exc


def _invalid_iri(term: URIRef, exc: ValueError, data: bytes) -> InputError:
    text = data.decode("utf-8", "replace")
    last = re.split(r"[/#]", str(term))[-1]
    found = next((i for i in (text.find(str(term)), text.find(json.dumps(last, ensure_ascii=False))) if i >= 0), -1)
    line, column = _position(text, found) if found >= 0 else (None, None)
    bad = re.search(r"code point '(.)'", str(exc), re.S)
    if bad and bad.group(1).isspace():
        why_nl, why_en = "een IRI mag geen spatie of regeleinde bevatten", "an IRI cannot contain a space or line break"
    elif bad:
        why_nl = f"het teken {bad.group(1)!r} mag niet in een IRI staan"
        why_en = f"the character {bad.group(1)!r} is not allowed in an IRI"
    else:
        why_nl = f"melding van de lezer, in het Engels: {exc}"
        why_en = str(exc)
    return InputError(f"De invoer bevat een ongeldige IRI: <{term}> ({why_nl}).",
                      en=f"The input contains an invalid IRI: <{term}> ({why_en}).", line=line, column=column)


def _decode(data: bytes) -> str:
    """UTF-8 text (the only encoding Turtle, N-Triples, TriG, N-Quads and JSON allow), with position on error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise InputError("De invoer is geen geldige UTF-8-tekst: sla het bestand op als UTF-8 (een teken als ë, ï of "
                         "é in een andere codering, zoals Windows-1252, is vaak de oorzaak).",
                         en="The input is not valid UTF-8 text: save the file as UTF-8 (a character such as ë, ï or é "
                            "in another encoding, such as Windows-1252, is the usual cause).",
                         line=line, column=column) from exc


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character index."""
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _syntax_error(name: str, data: bytes, exc: Exception) -> InputError:
    """Turn a parser's exception into an InputError, finding the line (and column) the parser knows."""
    label = {"turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD", "rdfxml": "RDF/XML",
             "trig": "TriG", "nquads": "N-Quads"}[name]
    line = column = None
    detail = str(exc).strip()
    detail_nl = None
    if hasattr(exc, "_why") and hasattr(exc, "lines"):  # rdflib notation3.BadSyntax (Turtle, TriG)
        detail = str(exc._why)
        text = exc._str.decode("utf-8", "replace") if isinstance(exc._str, bytes) else str(exc._str)
        index = exc._i if exc._i >= 0 else len(text.rstrip())
        line, column = _position(text, index)
        detail_nl, detail = _explain_turtle(detail, text, index)
    elif hasattr(exc, "getLineNumber"):  # xml.sax.SAXParseException
        line, column = exc.getLineNumber(), exc.getColumnNumber() + 1
        detail = exc.getMessage()
        detail_nl = _XML_MESSAGES_NL.get(detail)
    elif name in ("ntriples", "nquads"):
        line = _first_bad_line(data, name)
        detail = detail.split("\n", 1)[0]
        if detail.startswith("Invalid line"):
            detail_nl = ("deze regel is geen geldige uitspraak: schrijf elke IRI voluit tussen < > (deze syntaxis kent "
                         "geen prefixen), een tekst tussen rechte aanhalingstekens, en sluit de regel af met een punt")
            detail = ("this line is not a valid statement: write every IRI in full between < > (this syntax has no "
                      "prefixes), a text between straight quotation marks, and end the line with a full stop")
    detail = detail[:300]
    detail_nl = detail_nl[:600] if detail_nl else f"{detail} (melding van de lezer, in het Engels)"
    return InputError(f"De invoer is geen geldige {label}: {detail_nl}",
                      en=f"The input is not valid {label}: {detail}", line=line, column=column)


_CURLY_QUOTES = "\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb"


def _explain_turtle(why: str, text: str, index: int) -> tuple[str | None, str]:
    """The Turtle parser's message said in Dutch and English, with how to fix the usual mistakes: an undeclared
    prefix, a "/" in a prefixed name (fkgid:vorm/werkorganisatie), curly quotes from a word processor, a missing
    full stop or quotation mark. None for Dutch when the message is not one we know (the caller keeps it)."""
    ahead = text[index:].lstrip()
    if ahead[:1] and ahead[0] in _CURLY_QUOTES:
        here = ahead[0]
        return (f"het teken {here} is een gekruld aanhalingsteken (zoals een tekstverwerker ze zet); een tekst staat "
                f"in Turtle tussen rechte aanhalingstekens: \"De Bilt\"",
                f"the character {here} is a curly quotation mark (as word processors write them); in Turtle a text "
                f"stands between straight quotation marks: \"De Bilt\"")
    if text[index:index + 1] == "/" and (name := re.search(r"([A-Za-z][\w.-]*)?:([\w.-]*)$", text[:index])):
        prefix, local = name.group(1) or "", name.group(2)
        rest = re.match(r"[^\s;,<>\[\]()\"]*", text[index:]).group(0).rstrip(".")
        declared = re.search(rf"@prefix\s+{re.escape(prefix)}:\s*<([^>]*)>", text, re.I)
        namespace = declared.group(1) if declared else PREFIXES.get(prefix)
        full = f"<{namespace}{local}{rest}>" if namespace else f"<…{local}{rest}>"
        return (f"een prefixnaam ({prefix}:{local}{rest}) mag geen \"/\" bevatten; schrijf de volledige IRI: {full}",
                f"a prefixed name ({prefix}:{local}{rest}) cannot contain a \"/\"; write the full IRI: {full}")
    if unbound := re.fullmatch(r'Prefix "(.*):" not bound', why):
        prefix = unbound.group(1)
        namespace = PREFIXES.get(prefix)
        line = f"@prefix {prefix}: <{namespace}> ." if namespace else f"@prefix {prefix}: <…> ."
        return (f"het voorvoegsel \"{prefix}:\" is niet gedeclareerd; zet bovenaan de regel {line}"
                + ("" if namespace else " met de IRI waar het voor staat"),
                f"the prefix \"{prefix}:\" is not declared; add the line {line} at the top"
                + ("" if namespace else " with the IRI it stands for"))
    known = {
        "expected '.' or '}' or ']' at end of statement": (
            "hier verwachtte de lezer het einde van een uitspraak: ontbreekt er een punt (.) aan het eind van de "
            "vorige uitspraak, of een puntkomma (;) of komma (,) tussen twee eigenschappen of waarden?",
            "the parser expected the end of a statement here: is a full stop (.) missing at the end of the previous "
            "statement, or a semicolon (;) or comma (,) between two properties or values?"),
        "newline found in string literal": (
            "een tekst tussen aanhalingstekens loopt door tot het eind van de regel: het sluitende aanhalingsteken "
            "(\") ontbreekt",
            "a quoted text runs on to the end of the line: the closing quotation mark (\") is missing"),
        "objectList expected": (
            "hier verwachtte de lezer een waarde: een IRI tussen < >, een prefixnaam zoals gm:gm0310, of een tekst "
            "tussen rechte aanhalingstekens \"…\"",
            "the parser expected a value here: an IRI between < >, a prefixed name such as gm:gm0310, or a text "
            "between straight quotation marks \"…\""),
        "expected qname after @prefix": (
            "na @prefix hoort een voorvoegsel met een dubbele punt, zoals @prefix gm: "
            "<https://identifier.overheid.nl/tooi/id/gemeente/> .",
            "@prefix must be followed by a prefix with a colon, such as @prefix gm: "
            "<https://identifier.overheid.nl/tooi/id/gemeente/> ."),
        "Bad language code syntax on string literal, after @": (
            "na @ hoort een taalcode, zoals \"Werkorganisatie Voorbeeld\"@nl",
            "@ must be followed by a language code, such as \"Werkorganisatie Voorbeeld\"@nl"),
        "bad escape": (
            "een backslash (\\) in een tekst begint een escape die niet bestaat; schrijf \\\\ voor een backslash",
            "a backslash (\\) in a text starts an escape that does not exist; write \\\\ for a backslash"),
        "']' expected": ("een sluitend ']' ontbreekt", "a closing ']' is missing"),
    }
    if why in known:
        nl, en = known[why]
        return nl, en
    return None, why


def _first_bad_line(data: bytes, name: str) -> int | None:
    """N-Triples and N-Quads are line based and rdflib does not say which line failed: find it (error path only)."""
    text = data.decode("utf-8", "replace")
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            probe = Dataset() if name == "nquads" else Graph()
            probe.parse(data=line, format=FORMATS[name])
        except Exception:
            return number
    return None


# --------------------------------------------------------------------------------------------------------------
# JSON-LD: contexts only from our package
# --------------------------------------------------------------------------------------------------------------


@cache
def _packaged_context_text() -> str:
    return importlib_resources.files("fusiekg").joinpath("context.jsonld").read_text(encoding="utf-8")


@cache
def _context_namespaces() -> tuple[str, ...]:
    """Every namespace our context puts in front of a term or value (prefixes and scoped @vocab)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, str) and node.startswith(("http://", "https://")):
            found.append(node)

    walk(context_document())
    return tuple(found)


def context_document() -> dict[str, Any]:
    """Our JSON-LD context document ({"@context": {...}}), a fresh copy the caller may change."""
    return json.loads(_packaged_context_text())


#: The JSON parser's usual messages in Dutch (the English ones are the parser's own).
_JSON_MESSAGES_NL = {
    "Expecting ',' delimiter": "hier hoort een komma (,) tussen twee onderdelen",
    "Expecting ':' delimiter": "hier hoort een dubbele punt (:) tussen een sleutel en zijn waarde",
    "Expecting value": "hier hoort een waarde: een tekst tussen dubbele aanhalingstekens, een getal, true, false, "
                       "een lijst [...] of een object {...}",
    "Expecting property name enclosed in double quotes": "hier hoort een sleutel tussen dubbele aanhalingstekens "
                                                         "(\"naam\"); na het laatste onderdeel staat geen komma",
    "Unterminated string starting at": "een tekst is niet afgesloten met een dubbel aanhalingsteken",
    "Extra data": "na het einde van het JSON-document staat nog iets",
    "Invalid control character at": "een tekst bevat een regeleinde of tab; schrijf \\n of \\t",
    "Invalid \\escape": "een backslash (\\) begint een escape die niet bestaat; schrijf \\\\ voor een backslash",
}


def _parse_jsonld(data: bytes, base: str) -> Dataset:
    text = _decode(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"De invoer is geen geldige JSON: {_JSON_MESSAGES_NL.get(exc.msg, exc.msg)}",
                         en=f"The input is not valid JSON: {exc.msg}",
                         line=exc.lineno, column=exc.colno) from exc
    doc = _inline_contexts(doc)
    dataset = Dataset()
    _StrictJsonLdParser(text).parse(doc, Context(base=base), dataset)
    return dataset


class _StrictJsonLdParser(Parser):
    """rdflib's JSON-LD parser, but a node reference that cannot be an IRI is refused instead of silently dropped.

    JSON-LD drops a value such as "deelnemers": ["De Bilt"] or "doelen": ["betere dienstverlening"] (a space: no
    IRI), so the user would only hear that a participant, a goal or the whole cooperation is missing."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def _to_rdf_id(self, context, id_val: str):
        node = super()._to_rdf_id(context, id_val)
        if node is None:
            raise _not_an_iri(self._text, id_val)
        return node


def _not_an_iri(text: str, value: str) -> InputError:
    """The refusal, naming the value as the user wrote it (before a context's @vocab was put in front) and where."""
    written = [value] + [value[len(ns):] for ns in _context_namespaces() if value.startswith(ns) and value != ns]
    found = -1
    for candidate in sorted(written, key=len):
        found = text.find(json.dumps(candidate, ensure_ascii=False))
        if found >= 0:
            value = candidate
            break
    line, column = _position(text, found) if found >= 0 else (None, None)
    return InputError(
        f"De waarde \"{value}\" kan geen IRI zijn (een IRI heeft geen spaties), dus ze wijst geen gemeente, vorm, doel "
        f"of knoop aan. Noem een gemeente met haar TOOI-code (\"gm0489\") of {{\"cbsCode\": \"GM0489\"}}, een vorm, "
        f"doel of rol met zijn naam in het schema (\"werkorganisatie\", \"betere-dienstverlening\"), en geef een "
        f"\"@id\" zonder spaties.",
        en=f"The value \"{value}\" cannot be an IRI (an IRI has no spaces), so it names no municipality, form, goal "
           f"or node. Name a municipality by its TOOI code (\"gm0489\") or {{\"cbsCode\": \"GM0489\"}}, a form, goal "
           f"or role by its name in the scheme (\"werkorganisatie\", \"betere-dienstverlening\"), and give an "
           f"\"@id\" without spaces.",
        line=line, column=column)


def _inline_contexts(node: Any) -> Any:
    """Replace our context IRI by the packaged context and refuse every other context reference.

    JSON-LD fetches exactly two things: a `@context` given as an IRI, and an `@import` inside a context. Both can
    appear anywhere (also in scoped contexts of term definitions), so the whole tree is walked.
    """
    if isinstance(node, list):
        return [_inline_contexts(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _context_value(value)
        elif key == "@import":
            _refuse_context_reference(value)
        else:
            out[key] = _inline_contexts(value)
    return out


def _context_value(value: Any) -> Any:
    if isinstance(value, str):
        if value == CONTEXT_IRI:
            return context_document()["@context"]
        _refuse_context_reference(value)
    if isinstance(value, list):
        return [_context_value(item) for item in value]
    return _inline_contexts(value)


def _refuse_context_reference(value: Any) -> None:
    raise InputError(
        f"JSON-LD-context {value!r} wordt niet opgehaald: gebruik {CONTEXT_IRI!r} of zet de context in het document.",
        en=f"JSON-LD context {value!r} is not fetched: use {CONTEXT_IRI!r} or put the context in the document.")


# --------------------------------------------------------------------------------------------------------------
# RDF/XML: no DTDs, so no entities (XXE, billion laughs)
# --------------------------------------------------------------------------------------------------------------


#: The XML parser's usual messages in Dutch (the English ones are the parser's own).
_XML_MESSAGES_NL = {
    "mismatched tag": "een sluitende tag hoort niet bij de laatst geopende tag",
    "not well-formed (invalid token)": "hier staat een teken dat in XML niet mag (schrijf een losse & als &amp; en "
                                       "een < in een tekst als &lt;)",
    "no element found": "het document houdt op voordat alle elementen gesloten zijn",
    "unclosed token": "een tag of tekst is niet afgesloten",
    "unbound prefix": "een voorvoegsel (zoals skos:) is niet gedeclareerd; zet een xmlns-declaratie op rdf:RDF, "
                      "zoals xmlns:skos=\"http://www.w3.org/2004/02/skos/core#\"",
    "junk after document element": "er staat nog iets na het einde van het document",
    "syntax error": "syntaxfout",
    "duplicate attribute": "een attribuut staat twee keer in dezelfde tag",
}


def _refuse_xml_declarations(data: bytes) -> None:
    """Scan the XML with expat first and refuse any DOCTYPE or ENTITY declaration, with its position."""
    parser = expat.ParserCreate()

    def refuse(*_args) -> None:
        raise InputError(
            "RDF/XML met een DOCTYPE- of ENTITY-declaratie wordt geweigerd (externe entiteiten worden nooit geladen).",
            en="RDF/XML with a DOCTYPE or ENTITY declaration is refused (external entities are never loaded).",
            line=parser.CurrentLineNumber, column=parser.CurrentColumnNumber + 1)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code)
        raise InputError(f"De invoer is geen geldige XML: {_XML_MESSAGES_NL.get(message, message)}",
                         en=f"The input is not valid XML: {message}",
                         line=exc.lineno, column=exc.offset + 1) from exc
