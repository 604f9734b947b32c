"""Complete answers: a 200 carries the whole answer, in every format and through the clients people use; an answer
over the byte limit is a 422 with none of it sent; large answers live in nameless temporary files that nothing
leaves behind (not a finished answer, not a client that went away, not a query killed at the time limit)."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests

from conftest import start_server, stop_server
from fusiekg import spool
from fusiekg.executor import Job, QueryExecutor

EVERYTHING = "SELECT * WHERE { ?s ?p ?o }"
LARGE = EVERYTHING + " LIMIT 30000"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"
SRX = "http://www.w3.org/2005/sparql-results#"
# Cannot finish on any machine: 10^13 rows, written out as they come, until the time limit kills the query.
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def total(kg) -> int:
    n = int(kg.select(COUNT)[0]["n"])
    assert n > 20_000  # the store is larger than the old default cap of 10,000 rows
    return n


def test_every_row_in_every_results_format(server, total):
    def get(fmt):
        # identity: Content-Length is then the length of the answer itself (compressed, it is that of the encoding)
        resp = requests.get(server + "/sparql", params={"query": EVERYTHING, "format": fmt},
                            headers={"Accept-Encoding": "identity"}, timeout=120)
        assert resp.status_code == 200 and "Fusiekg-Truncated" not in resp.headers
        assert "Content-Encoding" not in resp.headers
        assert int(resp.headers["Content-Length"]) == len(resp.content)
        return resp

    assert len(get("json").json()["results"]["bindings"]) == total
    xml = ElementTree.fromstring(get("xml").content)
    assert len(xml.findall(f".//{{{SRX}}}result")) == total
    # As pandas.read_csv or any CSV reader sees it (values may hold newlines: a real CSV parser, not split()).
    rows = list(csv.reader(io.StringIO(get("csv").content.decode("utf-8"), newline="")))
    assert rows[0] == ["o", "p", "s"] and len(rows) - 1 == total
    tsv = get("tsv").content.decode("utf-8").split("\n")  # TSV escapes newlines: one row per line
    assert tsv[-1] == "" and len(tsv) - 2 == total


def test_every_row_through_sparqlwrapper_and_rdflib(server, total):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

    for fmt in (JSON, XML, CSV):
        sw = SPARQLWrapper(server + "/sparql")
        sw.setQuery(EVERYTHING)
        sw.setReturnFormat(fmt)
        result = sw.query().convert()
        if fmt == JSON:
            n = len(result["results"]["bindings"])
        elif fmt == XML:
            n = len(result.getElementsByTagName("result"))
        else:
            n = len(list(csv.reader(io.StringIO(result.decode("utf-8"), newline="")))) - 1
        assert n == total, fmt
    store = SPARQLStore(server + "/sparql", returnFormat="json")
    assert len(list(store.query(EVERYTHING))) == total


def test_cli_prints_the_whole_answer(store_dir, total):
    from click.testing import CliRunner

    from fusiekg.cli import main

    out = CliRunner().invoke(main, ["query", "--store", str(store_dir), "--format", "json", EVERYTHING])
    assert out.exit_code == 0, out.output
    assert len(json.loads(out.stdout)["results"]["bindings"]) == total


def _descendants(pid: int) -> list[int]:
    """The process and all its descendants (workers, the forkserver, query processes), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def _open_temp_files(pid: int, folder: Path) -> list[str]:
    """Answer files in `folder` that the server's processes hold open: nameless ones show as 'folder/#123 (deleted)'
    (O_TMPFILE), others as 'folder/fusiekg-answer-… (deleted)'; gunicorn keeps a heartbeat file there too."""
    held = []
    for p in _descendants(pid):
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{p}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(folder)) and Path(target).name.startswith(("#", "fusiekg-answer-")):
                held.append(f"{p}: {target}")
    return held


def _eventually_none(pid: int, folder: Path) -> list[str]:
    """The temp files still held, after giving the server up to 30 s to close them (a slow machine only waits)."""
    deadline = time.monotonic() + 30
    while (held := _open_temp_files(pid, folder)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return held


@pytest.fixture(scope="module", params=["granian", "gunicorn"])
def bounded(store_dir, tmp_path_factory, request):
    """A server (of each kind) whose temporary files go to a folder of its own (TMPDIR), with a 2 s time limit and
    no byte limit, so that the endless query can only be stopped by the time limit; yields (process, url, folder)."""
    tmp = tmp_path_factory.mktemp("server-tmp")
    proc, url = start_server(["--store", str(store_dir), "--workers", "1", "--query-timeout", "2",
                              "--max-result-bytes", "0", "--server", request.param], env={"TMPDIR": str(tmp)})
    yield proc, url, tmp
    stop_server(proc)


def test_large_answers_leave_no_temporary_file_behind(bounded, total):
    proc, url, tmp = bounded
    # An answer larger than the in-memory spool: streamed from a temporary file, then closed (and so deleted).
    # 30,000 rows (about 7 MB) are more than the spool holds and quick to make, however large the graph grows.
    resp = requests.get(url + "/sparql", params={"query": LARGE}, headers={"Accept": JSON}, timeout=120)
    assert resp.status_code == 200 and len(resp.content) > spool.MEMORY_BYTES
    assert len(resp.json()["results"]["bindings"]) == min(total, 30_000)
    assert _eventually_none(proc.pid, tmp) == []
    # A client that goes away after the first bytes.
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=60) as s:
        s.sendall(f"GET /sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2030000%20%23gone HTTP/1.1\r\n"
                  f"Host: 127.0.0.1\r\nAccept: {JSON}\r\n\r\n".encode())
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
    assert _eventually_none(proc.pid, tmp) == []
    # A query killed at the time limit while writing its answer: 503, and its file is gone with its process.
    resp = requests.get(url + "/sparql", params={"query": ENDLESS}, headers={"Accept": JSON}, timeout=120)
    assert resp.status_code == 503 and "limit of 2 s" in resp.text
    assert _eventually_none(proc.pid, tmp) == []
    assert [f for f in tmp.rglob("fusiekg-answer-*")] == []


def test_answer_over_the_byte_limit_is_422_and_none_of_it_is_sent(store_dir):
    proc, url = start_server(["--store", str(store_dir), "--workers", "1"],
                             env={"FUSIEKG_MAX_RESULT_BYTES": "100000"})
    try:
        for fmt in ("json", "csv", "ttl"):
            query = EVERYTHING if fmt != "ttl" else "CONSTRUCT WHERE { ?s ?p ?o }"
            resp = requests.get(url + "/sparql", params={"query": query, "format": fmt}, timeout=120)
            assert resp.status_code == 422, resp.text[:200]
            assert resp.headers["Content-Type"].startswith("text/plain")  # an error, not part of an answer
            assert "larger than 100000 bytes" in resp.text
            assert "LIMIT and OFFSET" in resp.text and "/dumps/" in resp.text
        small = requests.get(url + "/sparql", params={"query": EVERYTHING + " LIMIT 10", "format": "json"})
        assert small.status_code == 200 and len(small.json()["results"]["bindings"]) == 10
        assert requests.get(url + "/health").json()["limits"]["max_result_bytes"] == 100000
    finally:
        stop_server(proc)


def test_the_inline_lane_obeys_the_byte_limit_and_spools_large_answers(store_dir, total):
    """Queries known to be quick run in the web worker itself: the same spool and limits apply there."""
    ex = QueryExecutor(store_dir, size=1, inline_ms=10_000)
    try:
        big = Job(EVERYTHING, JSON, 0, max_bytes=10 ** 9)
        assert ex.run(big, 60).file is not None  # answered by a query process; now known as quick
        inline = ex.run(big, 60)
        assert ex.inline_runs == 1
        assert inline.file is not None and len(json.loads(inline.body)["results"]["bindings"]) == total
        limited = Job(EVERYTHING, JSON, 0, max_bytes=100_000)
        ex._quick[ex._quick_key(limited)] = None  # as if it had been quick before
        with pytest.raises(spool.AnswerTooLarge):
            ex.run(limited, 60)
        assert ex.inline_runs == 2
    finally:
        ex.close()


def test_spool_moves_to_a_nameless_file_past_its_memory_and_stops_at_its_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with spool.Spool(max_bytes=100, memory_bytes=10) as s:
        s.write(b"x" * 8)
        assert s.in_memory
        s.write(b"y" * 8)
        assert not s.in_memory and list(tmp_path.iterdir()) == []  # no name on disk
        with pytest.raises(spool.AnswerTooLarge):
            s.write(b"z" * 90)
        assert s.reader().read() == b"x" * 8 + b"y" * 8


def test_small_answers_are_cached_and_large_ones_are_not(store_dir, total):
    from fusiekg.config import Settings
    from fusiekg.web import create_app

    app = create_app(Settings(store_dir=store_dir))
    state = app.extensions["fusiekg"]
    try:
        client = app.test_client()
        for _ in range(2):
            assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200
        assert state.cache.hits == 1
        for _ in range(2):
            resp = client.get("/sparql", query_string={"query": EVERYTHING, "format": "json"})
            assert resp.status_code == 200 and len(resp.json["results"]["bindings"]) == total
        assert state.cache.hits == 1 and len(state.cache) == 1  # the large answer was streamed, never kept
    finally:
        state.close()
