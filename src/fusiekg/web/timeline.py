"""`/tijdlijn`: the register's cooperations over time, drawn in the browser from query 30 run on `/sparql`.

The page is a client of the public endpoint on purpose: what it draws is exactly what anyone gets by sending
`queries/30-tijdlijn.rq` to `/sparql`. This module only serves the page and the query text; `static/timeline.js`
fetches the answer and draws the bars, the date slider and the table.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from .. import resources
from . import i18n
from .caching import cacheable
from .limits import HttpError
from .query_page import parse_example

bp = Blueprint("timeline", __name__)

QUERY_FILE = "30-tijdlijn.rq"
DEFAULT_DATE = "2015-01-01"
# The app's copy of the query, read once when the blueprint is registered (an Example, or the reason it failed).
EXTENSION = "fusiekg.timeline"
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def query_path(app) -> Path:
    folder = app.config.get("FUSIEKG_QUERIES_DIR") or resources.path("queries")
    return Path(folder) / QUERY_FILE


@bp.record_once
def _load(setup_state) -> None:
    app = setup_state.app
    path = query_path(app)
    try:
        app.extensions[EXTENSION] = parse_example(path)
    except (OSError, UnicodeDecodeError) as exc:  # the page answers with the reason instead of failing the app
        app.extensions[EXTENSION] = f"the timeline query {path} could not be read: {exc}"


def parse_day(value: str) -> str:
    """A `datum` parameter as YYYY-MM-DD, or a 400 saying what is wrong with it."""
    v = value.strip()
    try:
        if not _ISO_DAY.match(v):
            raise ValueError("not in the form YYYY-MM-DD")
        date.fromisoformat(v)
    except ValueError as exc:
        raise HttpError(400, f"parameter datum={value!r} is not a date ({exc}); give it as YYYY-MM-DD, "
                             f"e.g. datum={DEFAULT_DATE}",
                        nl=f"parameter datum={value!r} is geen datum; geef haar als JJJJ-MM-DD, bijvoorbeeld "
                           f"datum={DEFAULT_DATE}") from exc
    return v


@bp.route("/tijdlijn")
@cacheable
def timeline():
    example = current_app.extensions.get(EXTENSION)
    if not hasattr(example, "query"):
        raise HttpError(503, str(example or f"the timeline query {QUERY_FILE} is not loaded"))
    day = parse_day(request.args["datum"]) if "datum" in request.args else DEFAULT_DATE
    page_data = {"query": example.query, "endpoint": "sparql", "date": day, "defaultDate": DEFAULT_DATE,
                 "docBase": "doc/", "lang": i18n.current()}
    return render_template("timeline.html", example=example, page_data=page_data, day=day)
