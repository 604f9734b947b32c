"""The query page at `/`: YASGUI (vendored from npm, static/vendor/yasgui/) set up for this endpoint, with the example
queries of `queries/`, our prefixes, and the page's language.

YASGUI rather than our own editor: it is what users of Fuseki, Oxigraph and TriplyDB know (tabs, history, prefix and
term completion, a sortable, filterable, paged table, shareable links), it works against our endpoint unmodified,
and it is maintained upstream. `static/query.js` configures it through its public API only: our endpoint (and no
other host: prefixes come from `namespaces.PREFIXES`, terms from our own endpoint, never prefix.cc or LOV), the
examples, links from our IRIs to our pages, a chart for numeric results, and Dutch texts where YASGUI lets us.
Without JavaScript the page is a plain form that GETs /sparql. The examples are read once, when the app starts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from .. import resources
from ..namespaces import BASE, PREFIXES, sparql_prologue
from ..sparql import GRAPH_FORMATS, RESULTS_FORMATS
from . import i18n
from .caching import cacheable
from .state import state

bp = Blueprint("query_page", __name__)
log = logging.getLogger("fusiekg.web")

EXAMPLES = "fusiekg.examples"
_HEADER = re.compile(r"^#\s*(title|title@en|title@nl|description|description@en|description@nl)\s*:\s*(.*?)\s*$")
_BOTH = " / "  # a `# description:` line may hold both languages: "Dutch text / English text"
DEFAULT_QUERY = "SELECT ?s ?p ?o\nWHERE {\n  ?s ?p ?o .\n}\nLIMIT 25\n"


@dataclass
class Example:
    """One query of queries/*.rq with its header lines (`# title:`, `# title@en:`, `# description:` in Dutch, or
    "Dutch / English", `# description@en:`)."""

    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    query: str

    def in_language(self) -> dict:
        """Slug, title, description and query as the page shows them, in the page's language."""
        return {"slug": self.slug, "title": i18n.t(self.title, self.title_en),
                "description": i18n.t(self.description, self.description_en), "query": self.query}


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
    nl = meta.get("description@nl") or meta.get("description") or ""
    en = meta.get("description@en") or ""
    if not en and nl.count(_BOTH) == 1:
        nl, en = (part.strip() for part in nl.split(_BOTH))
    return Example(slug=path.stem, title=title, title_en=meta.get("title@en") or title, description=nl or en,
                   description_en=en or nl, query=query)


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
@cacheable
def index():
    settings = state().settings
    examples = current_app.extensions.get(EXAMPLES, [])
    default = sparql_prologue() + "\n" + DEFAULT_QUERY
    page_data = {
        "examples": [e.in_language() for e in examples],
        "prefixes": PREFIXES,
        "base": BASE,
        "localBase": (settings.public_base.rstrip("/") + "/") if settings.public_base else "/",
        "endpoint": "sparql",
        "defaultQuery": default,
        "maxRows": settings.max_rows,
        "lang": i18n.current(),
    }
    return render_template("query.html", query=request.args.get("query") or default, examples=page_data["examples"],
                           page_data=page_data, results_formats=RESULTS_FORMATS, graph_formats=GRAPH_FORMATS)
