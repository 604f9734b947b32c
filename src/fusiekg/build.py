"""The pipeline: load the sources → reason (OWL-RL) → check the shapes → write the store and its dumps.

Nothing here imports Flask; the CLI and `serve` call `build()` and `ensure_built()`.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import OWL

from . import __version__, resources
from .config import Settings
from .namespaces import (
    G_ARTICLE,
    G_INFERRED,
    G_METADATA,
    G_MUNICIPALITIES,
    G_ONTOLOGY,
    G_REGELINGEN,
    G_REGISTER,
    G_SHAPES,
    GRAPH,
)
from .progress import say, step, track
from .rdfterms import graphs_quads
from .reasoning import DEFAULT_REASONER, REASONERS
from .store import StoreLayout, read_manifest, write_store

# Source graphs that are reasoned over and validated (shapes and metadata are neither).
KNOWLEDGE_GRAPHS = (G_ONTOLOGY, G_ARTICLE, G_REGISTER, G_REGELINGEN, G_MUNICIPALITIES)
# The shapes the shipped graph must conform to; shapes/description.ttl is for descriptions users submit.
SHIPPED_SHAPES = ("graph.ttl", "dcat-ap-nl.ttl")
_CODE_FILES = ("build.py", "reasoning.py", "metadata.py", "rdfterms.py", "blank_nodes.py", "dumps.py",
               "importers/__init__.py", "importers/tooi.py", "importers/roo.py", "importers/register.py",
               "importers/regelingen.py")
_DATASET_FORMATS = {".trig": "trig", ".nq": "nquads"}
_LINE_FORMATS = {".nt": "N_TRIPLES", ".nq": "N_QUADS"}  # read by pyoxigraph (see _load_lines)
_GRAPH_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml",
                  ".owl": "xml", ".xml": "xml", ".n3": "n3"}


class BuildError(Exception):
    """The build stopped; the message says why and the store that was there is untouched."""


@dataclass
class Sources:
    graphs: dict[str, Graph] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def _ttl_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ttl") if p.is_file())


def _parse_files(files: list[Path]) -> Graph:
    g = Graph()
    for f in files:
        try:
            g.parse(f, format="turtle")
        except Exception as exc:  # rdflib raises many types for syntax errors
            raise BuildError(f"{f}: cannot parse Turtle: {exc}") from exc
    _drop_imports(g)
    return g


def _drop_imports(g: Graph) -> None:
    """We never follow owl:imports (no network at build or query time); the triples would only mislead."""
    g.remove((None, OWL.imports, None))


def include_graph_name(path: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.name.lower()).strip("-")
    return f"{GRAPH}include/{slug}"


def load_include(path: Path) -> dict[str, Graph]:
    """A user's own RDF file: TriG / N-Quads keep their graph names, anything else gets a graph named after the file."""
    from .rdfinput import InputError, parse  # local: only builds with --include need it

    if not path.is_file():
        raise BuildError(f"--include {path}: no such file")
    suffix = path.suffix.lower()
    if suffix in _LINE_FORMATS:
        out = _load_lines(path, _LINE_FORMATS[suffix])
    else:
        try:
            parsed = parse(path.read_bytes(), filename=path.name, max_bytes=None)
        except InputError as exc:
            raise BuildError(f"--include {path}: {exc}") from exc
        out = {}
        if suffix in _DATASET_FORMATS and isinstance(parsed, Dataset):
            for ctx in parsed.graphs():
                if len(ctx) == 0:
                    continue
                name = str(ctx.identifier)
                if name.startswith("urn:x-rdflib:default") or ctx.identifier == parsed.default_graph.identifier:
                    name = include_graph_name(path)
                g = out.setdefault(name, Graph())
                for t in ctx:
                    g.add(t)
        elif isinstance(parsed, Dataset):
            g = Graph()
            for q in parsed.quads((None, None, None, None)):
                g.add(q[:3])
            out[include_graph_name(path)] = g
        else:
            out[include_graph_name(path)] = parsed  # a fresh graph of its own: no need to copy it
    for name in out:
        if name in (str(x) for x in (*KNOWLEDGE_GRAPHS, G_SHAPES, G_METADATA, G_INFERRED)):
            raise BuildError(f"--include {path}: graph <{name}> is reserved for the project's own sources")
    return out


def _load_lines(path: Path, fmt_name: str) -> dict[str, Graph]:
    """N-Triples / N-Quads, the formats bulk data comes in, read by pyoxigraph's parser (tens of times faster than
    rdflib's; it opens nothing but the file). Blank nodes get fresh ids, as rdflib gives them, so two files never
    share one by accident; terms are converted once per distinct value."""
    import pyoxigraph as ox  # noqa: PLC0415

    from .rdfterms import from_ox  # noqa: PLC0415

    default = include_graph_name(path)
    out: dict[str, Graph] = {}
    term = functools.lru_cache(maxsize=1 << 20)(from_ox)  # one rdflib term per distinct value

    fmt = getattr(ox.RdfFormat, fmt_name)
    try:
        current_name, current = None, None
        for q in ox.parse(path=str(path), format=fmt, rename_blank_nodes=True):
            gn = q.graph_name
            name = gn.value if isinstance(gn, ox.NamedNode) else default
            if name != current_name:
                current_name, current = name, out.setdefault(name, Graph())
            current.add((term(q.subject), term(q.predicate), term(q.object)))
    except SyntaxError as exc:
        raise BuildError(f"--include {path}: not valid {fmt_name.replace('_', '-')}: {exc}") from exc
    except (TypeError, ValueError) as exc:
        raise BuildError(f"--include {path}: {exc}") from exc
    return out


def load_sources(includes: tuple[Path, ...] = ()) -> Sources:
    # Imported here: `serve` on a current store needs only `ensure_built`, and should start fast.
    from .importers import regelingen as regelingen_importer  # noqa: PLC0415
    from .importers import register as register_importer  # noqa: PLC0415
    from .importers import roo as roo_records  # noqa: PLC0415
    from .importers import tooi as tooi_importer  # noqa: PLC0415

    root = resources.root()
    src = Sources()
    onto_files, shape_files = _ttl_files(root / "ontology"), _ttl_files(root / "shapes")
    article_files = _ttl_files(root / "data" / "article")
    src.graphs[str(G_ONTOLOGY)] = _parse_files(onto_files)
    src.graphs[str(G_SHAPES)] = _parse_files(shape_files)
    src.graphs[str(G_ARTICLE)] = _parse_files(article_files)
    # The ROO folder and the TOOI index are read once, for both importers that use them.
    records = roo_records.read(root / "data" / "register" / roo_records.FOLDER)
    say(records.summary())
    for skipped in records.skipped:
        say(f"  skipped {skipped}")
    index = tooi_importer.index(root / "data")
    src.graphs[str(G_REGISTER)] = register_importer.load(root / "data", records=records, index=index)
    src.graphs[str(G_REGELINGEN)], report = regelingen_importer.convert(records, index)
    for line in report.lines():
        say(line)
    src.graphs[str(G_MUNICIPALITIES)] = tooi_importer.load(root / "data")
    for inc in includes:
        for name, g in load_include(Path(inc)).items():
            if name not in src.graphs:
                src.graphs[name] = g  # the common case: a graph of its own, taken as it is
                continue
            for t in g:
                src.graphs[name].add(t)
    src.files = [*onto_files, *shape_files, *article_files,
                 *sorted(p for p in (root / "data").rglob("*") if p.is_file() and p.suffix in {".csv", ".json", ".yaml"}),
                 *[Path(i) for i in includes]]
    return src


def fingerprint(includes: tuple[Path, ...] = (), reasoner: str = DEFAULT_REASONER) -> str:
    """A hash of every input of the build: when it is unchanged, `serve` reuses the store instead of rebuilding."""
    root = resources.root()
    h = hashlib.sha256(f"{__version__}|{reasoner}".encode())
    files = [*_ttl_files(root / "ontology"), *_ttl_files(root / "shapes"), *_ttl_files(root / "data" / "article"),
             *sorted(p for p in (root / "data").rglob("*") if p.is_file() and p.suffix in {".csv", ".json", ".yaml"})]
    pkg = Path(__file__).resolve().parent
    files += [pkg / c for c in _CODE_FILES if (pkg / c).is_file()]
    files += [Path(i) for i in includes]
    for f in files:
        h.update(str(f.name).encode())
        h.update(f.read_bytes() if f.is_file() else b"<missing>")
    return h.hexdigest()


def check_shapes(data: list[Graph], shapes: Graph, store=None, graph_names: list[str] | None = None
                 ) -> tuple[bool, str, int]:
    """Validate the union of `data` against the shapes; return (conforms, text report, violations).

    The shapes run as SPARQL on a pyoxigraph store holding the same graphs (`store`, with the graphs
    `graph_names`; made here when not given): pyshacl over rdflib took minutes at a million triples. The literals
    checked are the store's, as the endpoint and the dumps publish them (pyoxigraph keeps an xsd:positiveInteger as
    xsd:integer, for one). A shape the SPARQL engine does not cover is checked by pyshacl (see graph_validation), on
    the same graphs read back from the store.
    """
    import pyoxigraph as ox  # noqa: PLC0415

    from .graph_validation import pyshacl_findings, validate_store  # noqa: PLC0415
    from .rdfterms import ox_graph_to_rdflib  # noqa: PLC0415

    if store is None:
        store, graph_names = ox.Store(), [f"urn:fusiekg:validate:{i}" for i in range(len(data))]
        store.bulk_extend(graphs_quads(dict(zip(graph_names, data, strict=True))))
    names = list(graph_names or ())

    def fallback(shapes_left: Graph):
        union = Graph()  # our own throwaway copy, so pyshacl may work on it in place
        for name in names:
            union += ox_graph_to_rdflib(store, name)
        return pyshacl_findings(union, shapes_left)

    outcome = validate_store(store, names, shapes, fallback=fallback)
    if outcome.fallback_shapes:
        say(f"checked with pyshacl: {', '.join(outcome.fallback_shapes)}")
    return outcome.conforms, outcome.text(), outcome.violations


def build(settings: Settings, includes: tuple[Path, ...] = (), reasoner: str = DEFAULT_REASONER,
          validate: bool = True) -> dict:
    """Build the store at settings.store_dir; raise BuildError (store untouched) when a step fails.

    Python's cyclic garbage collector is off while it runs: the build makes millions of long-lived rdflib terms
    and tuples (none of them in cycles), and every full collection walked all of them again (measured at 100k
    added triples: load and reasoning a quarter to a third faster without it). It is restored afterwards."""
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _build(settings, includes, reasoner, validate)
    finally:
        if gc_was_on:
            gc.enable()


def _build(settings: Settings, includes: tuple[Path, ...], reasoner: str, validate: bool) -> dict:
    from .dumps import write_dumps  # noqa: PLC0415 - see load_sources
    from .metadata import MetadataError, describe_dataset  # noqa: PLC0415

    if reasoner not in REASONERS:
        raise BuildError(f"unknown reasoner {reasoner!r}; choose one of {', '.join(REASONERS)}")
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    with step("load", timings):
        src = load_sources(tuple(includes))
    graphs = src.graphs
    knowledge = [g for name, g in graphs.items() if name != str(G_SHAPES)]
    with step(f"reason ({reasoner})", timings):
        try:
            inferred = REASONERS[reasoner](knowledge)
        except Exception as exc:
            raise BuildError(f"reasoning failed: {exc}") from exc
    graphs[str(G_INFERRED)] = inferred
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = {
        "build_id": uuid.uuid4().hex,
        "built_at": built_at,
        "fusiekg_version": __version__,
        "fingerprint": fingerprint(tuple(includes), reasoner),
        "reasoner": reasoner,
        "entailment_regime": "http://www.w3.org/ns/entailment/OWL-RL",
        "includes": [str(Path(i).resolve()) for i in includes],
        "timings_s": timings,
    }
    with step("describe (metadata)", timings):
        try:
            graphs[str(G_METADATA)] = describe_dataset(graphs, manifest)
        except MetadataError as exc:
            raise BuildError(f"cannot describe the dataset: {exc}") from exc
    manifest["graphs"] = {name: len(g) for name, g in sorted(graphs.items())}
    manifest["triples"] = sum(manifest["graphs"].values())
    # Every term is converted to pyoxigraph once, and every blank node gets its fixed label (blank_nodes): the
    # store in memory is what SHACL checks and what is written, to the database and to the dumps alike.
    with step("convert to the store", timings):
        import pyoxigraph as ox  # noqa: PLC0415

        from .blank_nodes import LabelClash, fixed_labels  # noqa: PLC0415

        memory = ox.Store()
        try:
            memory.bulk_extend(fixed_labels(track(graphs_quads(graphs), total=manifest["triples"], desc="convert",
                                                  unit="quads")))
        except LabelClash as exc:
            raise BuildError(str(exc)) from exc
    if validate:
        shapes = _parse_files([p for p in _ttl_files(resources.path("shapes")) if p.name in SHIPPED_SHAPES])
        data_names = [name for name in graphs if name != str(G_SHAPES)]
        with step("validate (SHACL)", timings):
            conforms, text, violations = check_shapes([graphs[n] for n in data_names], shapes, memory, data_names)
        if not conforms:
            raise BuildError(f"the graph does not conform to shapes/ ({violations} violation(s)):\n{text}")
    with step("write store and dumps", timings):
        write_store(settings.store_dir, memory, manifest,
                    dumps_writer=lambda layout: write_dumps(memory, layout.dumps))
    timings["total"] = round(time.perf_counter() - t_start, 3)
    layout = StoreLayout(settings.store_dir)
    final = json.loads(layout.manifest.read_text(encoding="utf-8"))
    final["timings_s"] = timings
    layout.manifest.write_text(json.dumps(final, indent=2, ensure_ascii=False), encoding="utf-8")
    say(f"built {final['triples']} triples in {len(final['graphs'])} graphs at {settings.store_dir}")
    return final


def ensure_built(settings: Settings, reasoner: str = DEFAULT_REASONER) -> dict:
    """Reuse the store when its fingerprint matches the sources; build it otherwise (what `serve` does)."""
    layout = StoreLayout(settings.store_dir)
    if layout.exists():
        manifest = read_manifest(settings.store_dir)
        includes = tuple(Path(p) for p in manifest.get("includes", []))
        if all(p.is_file() for p in includes) and \
                manifest.get("fingerprint") == fingerprint(includes, manifest.get("reasoner", reasoner)):
            return manifest
        say("sources changed since the last build: rebuilding")
        return build(settings, includes=includes, reasoner=manifest.get("reasoner", reasoner))
    return build(settings, reasoner=reasoner)
