"""Answers of the read-only store are cached per worker: a repeated request gets the same complete answer (headers
included) without running its query again, and a rebuilt store is never answered from the old cache."""

from __future__ import annotations

import shutil
import uuid
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from fusiekg.config import Settings
from fusiekg.namespaces import GRAPH
from fusiekg.store import read_manifest, write_store
from fusiekg.web import create_app
from fusiekg.web.answer_cache import AnswerCache, install
from fusiekg.web.state import EXTENSION

JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


class _Body:
    def __init__(self, n: int):
        self.body = b"x" * n


def test_lru_keeps_the_most_recent_answers_within_its_bounds():
    cache = AnswerCache(entries=2, max_bytes=100, max_entry_bytes=60)
    cache.put("a", _Body(10))
    cache.put("b", _Body(10))
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put("c", _Body(10))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    cache.put("big", _Body(61))  # over the per-answer bound: not kept
    assert cache.get("big") is None
    cache.put("d", _Body(55))
    cache.put("e", _Body(50))  # 55 + 50 > 100 bytes: the older one goes
    assert cache.get("d") is None and cache.get("e") is not None
    off = AnswerCache(entries=0)
    off.put("a", _Body(1))
    assert off.get("a") is None


class _Counting:
    """Wraps the query executor and counts the queries that really run."""

    def __init__(self, inner):
        self.inner, self.runs = inner, 0

    def run(self, job, timeout_s):
        self.runs += 1
        return self.inner.run(job, timeout_s)

    def close(self):
        self.inner.close()


@pytest.fixture()
def served(store_dir, tmp_path):
    """A test client over a copy of the store (so it can be rebuilt), with the server's caches installed, a small
    row limit, and a counter of the queries that really ran."""
    copy = tmp_path / "store"
    shutil.copytree(store_dir, copy)
    app = create_app(Settings(store_dir=copy, max_rows=5))
    install(app)
    state = app.extensions[EXTENSION]
    state.run(_job("ASK {}"))  # start the query process and note the build
    counter = _Counting(state.executor)
    state._executor = counter
    views: list[str] = []
    app.before_request(lambda: views.append("flask"))
    yield app.test_client(), counter, views, copy, state
    state.close()


def _job(query: str):
    from fusiekg.executor import Job

    return Job(query, JSON, 10)


def _count(resp) -> int:
    return int(resp.get_json()["results"]["bindings"][0]["n"]["value"])


def test_a_repeated_get_is_answered_from_the_cache_with_the_same_headers(served):
    client, counter, views, _copy, _state = served
    url = "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    first = client.get(url, headers={"Accept": JSON})
    second = client.get(url, headers={"Accept": JSON})
    assert first.status_code == second.status_code == 200
    assert second.data == first.data and len(second.get_json()["results"]["bindings"]) == 5
    for header in ("Content-Type", "Fusiekg-Truncated", "Warning", "Access-Control-Allow-Origin", "Vary"):
        assert second.headers[header] == first.headers[header]
    assert counter.runs == 1 and views == ["flask"]  # the second never reached Flask nor the store
    # Another format is another answer.
    csv = client.get(url, headers={"Accept": "text/csv"})
    assert csv.headers["Content-Type"].startswith("text/csv") and counter.runs == 2


def test_a_cached_compressed_answer_is_never_sent_to_a_client_that_did_not_ask_for_that_coding(served):
    client, _counter, _views, _copy, _state = served
    url = "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    gzipped = client.get(url, headers={"Accept": JSON, "Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    plain = client.get(url, headers={"Accept": JSON})
    assert "Content-Encoding" not in plain.headers
    assert len(plain.get_json()["results"]["bindings"]) == 5
    br = client.get(url, headers={"Accept": JSON, "Accept-Encoding": "br"})
    assert br.headers["Content-Encoding"] == "br"


def test_a_query_with_now_or_rand_is_answered_anew_every_time(served):
    client, counter, views, _copy, _state = served
    query = "SELECT (NOW() AS ?t) (RAND() AS ?r) WHERE {}"
    url = "/sparql?" + urlencode({"query": query})
    answers = [client.get(url, headers={"Accept": JSON}) for _ in range(2)]
    answers += [client.post("/sparql", data={"query": query}, headers={"Accept": JSON}) for _ in range(2)]
    assert all(a.status_code == 200 and a.headers["Cache-Control"] == "no-store" for a in answers)
    assert counter.runs == 4 and len(views) == 4  # none came from either cache
    assert len({a.get_json()["results"]["bindings"][0]["r"]["value"] for a in answers}) == 4
    # The same words in a string or as a variable name are not calls.
    plain = "/sparql?" + urlencode({"query": 'SELECT ?now WHERE { BIND("RAND()" AS ?now) }'})
    client.get(plain, headers={"Accept": JSON})
    assert "Cache-Control" not in client.get(plain, headers={"Accept": JSON}).headers and counter.runs == 5


def test_post_and_pages_share_the_query_cache(served):
    client, counter, _views, _copy, _state = served
    for _ in range(3):
        resp = client.post("/sparql", data={"query": COUNT}, headers={"Accept": JSON})
        assert resp.status_code == 200
    assert counter.runs == 1


def test_errors_are_not_cached(served):
    client, counter, views, _copy, _state = served
    url = "/sparql?" + urlencode({"query": "SELECT {"})
    assert client.get(url).status_code == 400
    assert client.get(url).status_code == 400
    assert views == ["flask", "flask"]


def test_a_rebuilt_store_is_served_without_restart_and_never_from_the_old_cache(served):
    client, _counter, _views, copy, state = served
    url = "/sparql?" + urlencode({"query": COUNT})
    before = _count(client.get(url, headers={"Accept": JSON}))
    assert before == read_manifest(copy)["triples"] > 3
    post_before = _count(client.post("/sparql", data={"query": COUNT}, headers={"Accept": JSON}))
    assert post_before == before
    # A new build at the same place: three triples, a new build_id.
    g = ox.NamedNode(f"{GRAPH}include/rebuilt")
    quads = [ox.Quad(ox.NamedNode(f"urn:x:{i}"), ox.NamedNode("urn:x:p"), ox.Literal(str(i)), g) for i in range(3)]
    write_store(copy, quads, {"build_id": uuid.uuid4().hex, "graphs": {g.value: 3}, "triples": 3})
    assert _count(client.get(url, headers={"Accept": JSON})) == 3
    assert _count(client.post("/sparql", data={"query": COUNT}, headers={"Accept": JSON})) == 3
    assert client.get("/health").get_json()["triples"] == 3


def test_cache_entries_zero_turns_the_caches_off(store_dir):
    app = create_app(Settings(store_dir=store_dir, cache_entries=0))
    install(app)
    state = app.extensions[EXTENSION]
    try:
        state.run(_job("ASK {}"))
        counter = _Counting(state.executor)
        state._executor = counter
        client = app.test_client()
        url = "/sparql?" + urlencode({"query": COUNT})
        for _ in range(2):
            assert client.get(url, headers={"Accept": JSON}).status_code == 200
        assert counter.runs == 2
    finally:
        state.close()


def test_answers_from_an_external_store_are_never_cached(tmp_path):
    app = create_app(Settings(store_dir=tmp_path / "none", sparql_url="http://127.0.0.1:9/sparql"))
    install(app)
    assert app.extensions[EXTENSION].cache.entries == 0
    assert app.wsgi_app.app.cache.entries == 0
