"""The web app: `create_app(settings)` builds a Flask app from a list of blueprints, one per concern.

To add pages, write a blueprint module with a `bp` and add it to BLUEPRINTS; every blueprint gets the same limits,
CORS, access log and error bodies (see `limits`), the page language (`i18n`), HTTP caching (`caching`: wrap a page
view in `@cacheable`) and compression (`compression`), and reaches settings, manifest and query executor via
`web.state.state()`. Paths taken here: `/`, `/sparql`, `/health`, `/.well-known/void`, `/static/`. The README's
"Adding a page" says how a page's template, texts and CSS fit in.
"""

from __future__ import annotations

import importlib

from flask import Flask

from ..config import Settings
from . import caching, compression, i18n, limits, stalled_clients
from .state import EXTENSION, AppState

# "module:attribute" of each blueprint, registered in this order.
BLUEPRINTS: list[str] = [
    "fusiekg.web.health:bp",
    "fusiekg.web.sparql:bp",
    "fusiekg.web.service_description:bp",
    "fusiekg.web.query_page:bp",
    "fusiekg.web.timeline:bp",
    "fusiekg.web.network:bp",
    "fusiekg.web.linked_data:bp",
    "fusiekg.web.ontology_docs:bp",
    "fusiekg.web.dumps:bp",
    "fusiekg.web.lookup:bp",
    "fusiekg.web.claims:bp",
    "fusiekg.web.validate:bp",
]

DEFAULT_QUERY_SLOTS = 4


def create_app(settings: Settings | None = None, *, query_slots: int = DEFAULT_QUERY_SLOTS,
               config: dict | None = None) -> Flask:
    """A Flask app serving the store of `settings`; `query_slots` query processes per web worker process."""
    settings = settings or Settings()
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(config or {})
    app.json.sort_keys = False
    app.extensions[EXTENSION] = AppState(settings, query_slots)
    compression.install(app)  # first: its response hook runs last
    limits.install(app, settings.max_request_bytes)
    stalled_clients.install(app)
    i18n.install(app)
    caching.install(app)
    for ref in BLUEPRINTS:
        module, _, attr = ref.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module), attr or "bp"))
    return app
