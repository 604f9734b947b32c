"""An external SPARQL 1.1 server as the store: queries pass through with our limits, and `push` loads it.

Any server that speaks the SPARQL 1.1 Protocol and Graph Store Protocol will do (Oxigraph server, Fuseki,
GraphDB, Virtuoso, QLever). To give queries the same dataset as the embedded store — the default graph is the
union of all named graphs — a query without its own FROM / FROM NAMED is sent with every one of our graphs as
`default-graph-uri` and `named-graph-uri`, which the protocol defines, so the server needs no special setting.
"""

from __future__ import annotations

import gzip
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from . import sparql
from .executor import Job, QueryTimeout
from .progress import Counter, say
from .store import LocalStore


class RemoteError(Exception):
    """The external server failed or could not be reached."""


class RemoteSparql:
    """Runs Jobs against an external endpoint; same contract as executor.QueryExecutor.run."""

    def __init__(self, url: str, graphs: list[str] | None = None, session=None):
        import requests  # noqa: PLC0415 - imported by the users of an external store only: `serve` starts faster

        self.url = url
        self.session = session or requests.Session()
        self.graphs = graphs if graphs is not None else self._list_graphs()

    def _list_graphs(self) -> list[str]:
        body = self._post("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", "application/sparql-results+json", 30, {})
        return sorted(b["g"]["value"] for b in json.loads(body)["results"]["bindings"])

    def _post(self, query: str, accept: str, timeout_s: float, params: dict) -> bytes:
        with self._open(query, accept, timeout_s, params) as r:
            return r.content

    def _open(self, query: str, accept: str, timeout_s: float, params: dict):
        """The server's response, its body not yet read (a `with` closes it); an error status raises."""
        import requests  # noqa: PLC0415 - see __init__

        try:
            r = self.session.post(self.url, data=query.encode(), params=params, timeout=timeout_s, stream=True,
                                  headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept})
        except requests.Timeout as exc:
            raise QueryTimeout(f"the external store did not answer within {timeout_s:g} s") from exc
        except requests.RequestException as exc:
            raise RemoteError(f"cannot reach the external SPARQL endpoint {self.url}: {exc}") from exc
        if r.status_code >= 300:
            with r:
                text = r.raw.read(2000, decode_content=True).decode("utf-8", "replace")
            if r.status_code == 400:
                raise sparql.QuerySyntaxError(f"the external store refused the query: {text[:500]}")
            raise RemoteError(f"the external store answered {r.status_code}: {text[:300]}")
        return r

    def run(self, job: Job, timeout_s: float) -> sparql.Result:
        """The complete answer under our limits: read as it streams in, written into a spool by pyoxigraph, stopped
        at the byte limit (`AnswerTooLarge`) or when the time limit is over (`QueryTimeout`)."""
        info = sparql.analyse(job.query)
        sparql.check_services(info, job.service_allow)
        offered = sparql.result_media_types(info.form)
        media = job.media_type or offered[0]
        if media not in offered:
            raise sparql.QueryRefused(f"{media} is not a result format for a {info.form} query")
        default, named = job.default_graphs, job.named_graphs
        if default is None and named is None and not info.declares_dataset:
            default, named = self.graphs, self.graphs
        params = {}
        if default is not None:
            params["default-graph-uri"] = default or ["urn:fusiekg:empty-graph"]
        if named is not None:
            params["named-graph-uri"] = named
        graph_form = info.form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        # Relative IRIs resolve against our request URL, as for the embedded store (a BASE in the query still wins).
        query = f"BASE <{job.base_iri}>\n{job.query}" if job.base_iri else job.query
        deadline = time.monotonic() + timeout_s
        with self._open(query, accept, timeout_s, params) as r:
            body = _Reader(r.raw, deadline, timeout_s)
            try:
                answer = (ox.parse(body, ox.RdfFormat.N_TRIPLES) if graph_form
                          else ox.parse_query_results(body, ox.QueryResultsFormat.JSON))
                return sparql.serialize_answer(answer, media, job.max_rows, job.prefixes, max_bytes=job.max_bytes,
                                               note_url=job.note_url)
            except (SyntaxError, ValueError, OSError) as exc:
                if body.timed_out:
                    raise QueryTimeout(f"the external store did not send its whole answer within {timeout_s:g} s") \
                        from exc
                raise RemoteError(f"the external store sent an answer that does not parse: {exc}") from exc

    def close(self) -> None:
        self.session.close()


class _Reader:
    """The body of a streamed response for pyoxigraph's parsers, which stops (as an error) once the time is up."""

    def __init__(self, raw, deadline: float, timeout_s: float):
        self.raw, self.deadline, self.timeout_s, self.timed_out = raw, deadline, timeout_s, False

    def read(self, n: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            self.timed_out = True
            raise TimeoutError(f"the answer took longer than {self.timeout_s:g} s")
        return self.raw.read(None if n is None or n < 0 else min(n, 65536), decode_content=True)


def _ntriples(store: LocalStore, graph: str) -> Iterator[bytes]:
    buf = io.BytesIO()
    triples = (ox.Triple(q.subject, q.predicate, q.object)
               for q in store.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    ox.serialize(triples, buf, ox.RdfFormat.N_TRIPLES)
    yield buf.getvalue()


def push(store_dir: Path, gsp_url: str, sparql_url: str | None = None, timeout_s: float = 600) -> dict[str, int]:
    """PUT every named graph of the built store to a Graph Store Protocol endpoint, one graph at a time, then check
    that the server holds the same number of triples in each (via `sparql_url`, when given)."""
    import requests  # noqa: PLC0415 - see RemoteSparql

    store = LocalStore(store_dir)
    expected = {g: int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")[0]["n"])
                for g in store.graph_names()}
    session = requests.Session()
    with Counter(sum(expected.values()), "push", "triples") as progress:
        for i, (g, n) in enumerate(expected.items(), 1):
            t0 = time.perf_counter()
            body = gzip.compress(b"".join(_ntriples(store, g)), compresslevel=1)
            url = f"{gsp_url}{'&' if '?' in gsp_url else '?'}graph={quote(g, safe='')}"
            try:
                r = session.put(url, data=body, timeout=timeout_s, headers={
                    "Content-Type": "application/n-triples", "Content-Encoding": "gzip"})
                if r.status_code == 415 or (r.status_code == 400 and "gzip" in r.text.lower()):
                    r = session.put(url, data=gzip.decompress(body), timeout=timeout_s,
                                    headers={"Content-Type": "application/n-triples"})
            except requests.RequestException as exc:
                raise RemoteError(f"cannot reach the Graph Store endpoint {gsp_url}: {exc}") from exc
            if r.status_code >= 300:
                raise RemoteError(f"PUT <{g}> answered {r.status_code}: {r.text[:300]}")
            dt = time.perf_counter() - t0
            progress.update(n, f"[{i}/{len(expected)}] <{g}>: {n:,} triples in {dt:.2f} s")
    if sparql_url:
        remote = RemoteSparql(sparql_url, graphs=list(expected), session=session)
        for g, n in expected.items():
            res = remote.run(Job(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
                                 "application/sparql-results+json", 0, default_graphs=[], named_graphs=[g]), 120)
            got = int(json.loads(res.body)["results"]["bindings"][0]["n"]["value"])
            if got != n:
                raise RemoteError(f"after the push, <{g}> holds {got} triples on the server; expected {n}")
        say(f"verified: the server holds the same triple count in all {len(expected)} graphs")
    return expected
