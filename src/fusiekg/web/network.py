"""`/netwerk/{gmNNNN}`: a municipality's gemeenschappelijke regelingen on a date, as a network, and its JSON twin.

The data are the answers of two named queries, run on this server with the municipality and the date filled in:
`40-regelingen-van-gemeente.rq` (its regelingen) and `45-partners-van-gemeente.rq` (who it shares them with). The
JSON twin (`/netwerk/gm0080.json?datum=…`) gives them as they are drawn; `static/network.js` fetches it and draws
SVG in the browser (our own ~200 lines: a radial layout with the regelingen grouped by form and only the partners it
shares most with, so that a municipality with dozens of regelingen and partners stays readable; no library, no
CDN). The page's tables say the same in text, for readers without JavaScript or with a narrow screen. The
municipality page (`/doc/gemeente/…`) shows the regelingen and the picture too (`section()`); both default to
today and take `?datum=YYYY-MM-DD`.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from .. import resources
from ..namespaces import GM
from . import i18n, linked_data
from .caching import cacheable
from .limits import HttpError
from .negotiation import page_or_json
from .query_page import parse_example
from .timeline import parse_day

bp = Blueprint("network", __name__)

QUERY_FILES = {"regelingen": "40-regelingen-van-gemeente.rq", "partners": "45-partners-van-gemeente.rq"}
# What the queries' VALUES line says; the page fills in the municipality and the date instead.
PLACEHOLDER = '(gm:gm0080 "2025-01-01"^^xsd:date)'
EXTENSION = "fusiekg.network"
SHOWN_PARTNERS = 12  # the picture draws this many partners (fewer on a narrow screen); the table lists them all
_CODE = re.compile(r"^gm\d{4}$")


@bp.record_once
def _load(setup_state) -> None:
    app = setup_state.app
    folder = Path(app.config.get("FUSIEKG_QUERIES_DIR") or resources.path("queries"))
    loaded: dict | str = {}
    for key, name in QUERY_FILES.items():
        try:
            example = parse_example(folder / name)
        except (OSError, UnicodeDecodeError) as exc:
            loaded = f"the query {folder / name} could not be read: {exc}"
            break
        if PLACEHOLDER not in example.query:
            loaded = f"the query {name} no longer has the line {PLACEHOLDER} the network page fills in"
            break
        loaded[key] = example
    app.extensions[EXTENSION] = loaded


def queries_for(iri: str, day: str) -> dict[str, str]:
    loaded = current_app.extensions.get(EXTENSION)
    if not isinstance(loaded, dict) or not loaded:
        raise HttpError(503, str(loaded or "the network queries are not loaded"))
    return {key: ex.query.replace(PLACEHOLDER, f'({linked_data.iri_ref(iri)} "{day}"^^xsd:date)')
            for key, ex in loaded.items()}


def chosen_day() -> str:
    """`?datum=` (400 when it is not a date), else today."""
    return parse_day(request.args["datum"]) if "datum" in request.args else date.today().isoformat()


def _value(row: dict, key: str, default: str = "") -> str:
    return row[key]["value"] if key in row else default


def _foreign(row: dict, key: str) -> str | None:
    """The language of a name when it is not the page's (so the page can mark it, as every page does), else None."""
    tag = row.get(key, {}).get("xml:lang", "").lower().split("-")[0]
    return tag if tag and tag != i18n.current() else None


def network(iri: str, day: str) -> dict:
    """The municipality's regelingen on `day` and its partners in them, labelled in the page's language."""
    qs = queries_for(iri, day)
    regs = linked_data.select(qs["regelingen"])
    partners = linked_data.select(qs["partners"])
    forms = {_value(r, "vorm") for r in regs} - {""}
    notes = linked_data.annotate({iri, *forms})
    count = Counter(_value(r, "vorm") for r in regs)
    regelingen = [{
        "iri": _value(r, "regeling"), "naam": _value(r, "naam"), "naam_lang": _foreign(r, "naam"),
        "href": linked_data.href(_value(r, "regeling")),
        "vorm": _value(r, "vorm"), "lidVanaf": _value(r, "lidVanaf"), "lidTot": _value(r, "lidTot"),
        "deelnemers": int(_value(r, "andereDeelnemers", "0")) + 1, "orgaan": _value(r, "orgaan"),
        "beleidsterreinen": _value(r, "beleidsterreinen"),
    } for r in regs]
    return {
        "gemeente": {"iri": iri, "naam": notes.label(iri) or iri.rsplit("/", 1)[-1], "naam_lang": notes.label_lang(iri),
                     "href": linked_data.href(iri)},
        "datum": day,
        "vormen": [{"iri": f, "naam": notes.label(f) or linked_data.humanise(f), "naam_lang": notes.label_lang(f), "aantal": n}
                   for f, n in sorted(count.items(), key=lambda kv: (-kv[1], kv[0])) if f],
        "regelingen": regelingen,
        "partners": [{
            "iri": _value(p, "partner"), "naam": _value(p, "naam"), "naam_lang": _foreign(p, "naam"), "soort": _value(p, "soort"),
            "href": linked_data.href(_value(p, "partner")), "gedeeld": int(_value(p, "gedeeld", "0")),
            "regelingen": _value(p, "regelingen").split(),
        } for p in partners],
        "getoond": SHOWN_PARTNERS,
        "queries": qs,
    }


def municipality(ref: str) -> str:
    """The TOOI IRI for `gmNNNN`, or a 404 that says what a code looks like / that we do not know it."""
    if not _CODE.match(ref):
        raise HttpError(404, f"/netwerk/{ref}: give a municipality by its TOOI code, e.g. /netwerk/gm0080",
                        nl=f"/netwerk/{ref}: geef een gemeente met haar TOOI-code, bijvoorbeeld /netwerk/gm0080")
    iri = str(GM[ref])
    if not linked_data.exists(iri):
        raise HttpError(404, f"no municipality {ref} in this dataset", nl=f"geen gemeente {ref} in deze dataset")
    return iri


def section(iri: str) -> dict:
    """What the municipality page shows: the date, the network data and the links to this page and its twin."""
    day = chosen_day()
    data = network(iri, day)
    code = iri.rsplit("/", 1)[-1]
    return {**data, "page": linked_data.site(f"/netwerk/{code}?datum={day}"),
            "json": linked_data.site(f"/netwerk/{code}.json?datum={day}"),
            "query_links": {k: linked_data.query_page_link(q) for k, q in data["queries"].items()},
            "today": date.today().isoformat()}


def _no_date_given(**_kwargs) -> bool:
    return "datum" not in request.args


@bp.route("/netwerk/<ref>")
@cacheable(today=_no_date_given)
def page(ref: str):
    ref, ext = linked_data.split_extension(ref)
    if ext not in (None, "json", "html"):
        raise HttpError(404, f"/netwerk/{ref}.{ext}: the network is offered as a page and as .json",
                        nl=f"/netwerk/{ref}.{ext}: het netwerk is er als pagina en als .json")
    negotiated = ext is None
    if negotiated:  # like every other page with a twin: the JSON for a client that asks for it by Accept
        media = page_or_json(request.headers.get("Accept"), f"/netwerk/{ref} (also as /netwerk/{ref}.json)")
        ext = "json" if media == "application/json" else None
    iri = municipality(ref.lower())
    data = section(iri)
    if ext == "json":
        resp = jsonify({k: v for k, v in data.items() if k not in ("query_links",)})
    else:
        resp = Response(render_template("network.html", net=data), mimetype="text/html")
    if negotiated:
        resp.headers["Vary"] = "Accept"
    return resp
