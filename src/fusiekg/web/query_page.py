"""The query page at `/`: an editor with SPARQL highlighting, the example queries of `queries/`, a results table.

The page is self-contained (its own small JS and CSS under static/, no CDN), and works without JavaScript as a
plain form that GETs /sparql. The examples are read once, when the app starts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from .. import resources
from ..namespaces import BASE, PREFIXES, sparql_prologue
from ..sparql import GRAPH_FORMATS, RESULTS_FORMATS
from .state import state

bp = Blueprint("query_page", __name__)
log = logging.getLogger("fusiekg.web")

EXAMPLES = "fusiekg.examples"
_HEADER = re.compile(r"^#\s*(title|title@en|title@nl|description|description@en|description@nl)\s*:\s*(.*?)\s*$")
DEFAULT_QUERY = "SELECT ?s ?p ?o\nWHERE {\n  ?s ?p ?o .\n}\nLIMIT 25\n"


@dataclass
class Example:
    """One query of queries/*.rq with its header lines (`# title:`, `# title@en:`, `# description:`)."""

    slug: str
    title: str
    title_en: str
    description: str
    query: str


def parse_example(path: Path) -> Example:
    """Split the header comment lines from the query; the query keeps everything else (PREFIX lines included)."""
    meta: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    body_start = 0
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m:
            meta[m.group(1)] = m.group(2)
            body_start = i + 1
        elif line.strip() and not line.lstrip().startswith("#"):
            break
    query = "\n".join(lines[body_start:]).strip("\n") + "\n"
    title = meta.get("title") or meta.get("title@nl") or meta.get("title@en") or path.stem
    return Example(slug=path.stem, title=title, title_en=meta.get("title@en") or title,
                   description=meta.get("description") or meta.get("description@en") or meta.get("description@nl")
                   or "", query=query)


def load_examples(folder: Path) -> list[Example]:
    examples = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        try:
            examples.append(parse_example(path))
        except (OSError, UnicodeDecodeError) as exc:  # one unreadable file must not take the page down
            log.warning("example query %s skipped: %s", path, exc)
    return examples


@bp.record_once
def _load(setup_state) -> None:
    app = setup_state.app
    folder = app.config.get("FUSIEKG_QUERIES_DIR") or resources.path("queries")
    app.extensions[EXAMPLES] = load_examples(Path(folder))


@bp.route("/")
def index():
    settings = state().settings
    examples = current_app.extensions.get(EXAMPLES, [])
    lang = request.accept_languages.best_match(["en", "nl"], default="en")
    query = request.args.get("query")
    page_data = {
        "examples": [asdict(e) for e in examples],
        "prefixes": PREFIXES,
        "base": BASE,
        "localBase": (settings.public_base.rstrip("/") + "/") if settings.public_base else "/",
        "resultsFormats": [[m, f] for m, f in RESULTS_FORMATS.items()],
        "graphFormats": [[m, f] for m, f in GRAPH_FORMATS.items()],
        "maxRows": settings.max_rows,
        "autorun": bool(query),
        "lang": lang,
    }
    return render_template("query.html", query=query or sparql_prologue() + "\n" + DEFAULT_QUERY, examples=examples,
                           lang=lang, page_data=page_data, settings=settings,
                           results_formats=RESULTS_FORMATS, graph_formats=GRAPH_FORMATS)
