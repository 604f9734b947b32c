"""`/health`: is the service up, and what is it serving (store size, build time, build id, limits)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import __version__
from ..executor import QueryTimeout
from ..remote import RemoteError
from ..store import StoreMissing
from .state import state

bp = Blueprint("health", __name__)


@bp.route("/health")
def health():
    st = state()
    settings = st.settings
    limits = {"query_timeout_s": settings.query_timeout_s, "max_rows": settings.max_rows,
              "max_result_bytes": settings.max_result_bytes, "max_request_bytes": settings.max_request_bytes,
              "send_timeout_s": settings.send_timeout_s}
    try:
        manifest = st.manifest()
    except (StoreMissing, RemoteError, QueryTimeout) as exc:
        resp = jsonify({"status": "unavailable", "message": str(exc), "version": __version__})
        resp.status_code = 503
        return resp
    resp = jsonify({
        "status": "ok",
        "version": __version__,
        "triples": manifest.get("triples"),
        "graphs": manifest.get("graphs", {}),
        "built_at": manifest.get("built_at"),
        "build_id": manifest.get("build_id"),
        "reasoner": manifest.get("reasoner"),
        "limits": limits,
    })
    resp.headers["Cache-Control"] = "no-store"
    return resp
