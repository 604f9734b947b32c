"""Benchmark: HTTP latency of the competency queries on `fusiekg serve`, next to Oxigraph's own server.

Why: our endpoint puts a Flask app, gunicorn, content negotiation and a query process (for a killable time limit)
between the client and the same embedded Oxigraph engine. This measures what that costs per request. Both servers
get the same data in the same run: Oxigraph's server (`oxigraph serve-read-only --union-default-graph`, so that the
default graph is the union of the named graphs as on ours) runs on a copy loaded with `oxigraph load` from the
build's N-Quads dump. One connection, one request at a time, requests alternating between the two servers; each
query is POSTed as `application/sparql-query` and its whole answer read.

    .venv/bin/python bench/bench_http_latency.py [--store DIR] [--runs 100] [--warmup 5]
        [--out bench/results/http_latency.json]

Prints a table (median and p99 per query and over all requests) and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from benchlib import (
    RESULTS,
    competency_queries,
    free_port,
    load_oxigraph,
    oxigraph_version,
    percentile,
    start_oxigraph,
    stop,
    wait_until,
)
from fusiekg.build import ensure_built
from fusiekg.config import Settings
from fusiekg.sparql import analyse


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median_ms": round(statistics.median(values), 2),
            "p99_ms": round(percentile(values, 99), 2), "min_ms": round(min(values), 2)}


def answer_size(resp: requests.Response, form: str) -> int:
    """Rows (SELECT), 1 (ASK) or triples (CONSTRUCT/DESCRIBE as N-Triples): to check both servers agree."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        return sum(1 for line in resp.text.splitlines() if line.strip())
    data = resp.json()
    return 1 if "boolean" in data else len(data["results"]["bindings"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, default=None, help="store folder (default: $FUSIEKG_STORE or the "
                    "settings default); built first when missing or stale")
    ap.add_argument("--runs", type=int, default=100, help="timed requests per query and server")
    ap.add_argument("--warmup", type=int, default=5, help="untimed requests per query and server first")
    ap.add_argument("--out", type=Path, default=RESULTS / "http_latency.json")
    args = ap.parse_args()

    settings = Settings().with_(store_dir=args.store)
    manifest = ensure_built(settings)
    queries = competency_queries()
    version = oxigraph_version()

    tmp = Path(tempfile.mkdtemp(prefix="fusiekg-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        load_oxigraph(Path(settings.store_dir) / "dumps" / "all.nq.gz", tmp / "ox")
        ox_port, our_port = free_port(), free_port()
        procs.append(start_oxigraph(tmp / "ox", ox_port))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "fusiekg", "serve", "--store", str(settings.store_dir), "--host", "127.0.0.1",
             "--port", str(our_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        servers = {"fusiekg": f"http://127.0.0.1:{our_port}/sparql", "oxigraph": f"http://127.0.0.1:{ox_port}/query"}
        wait_until(f"http://127.0.0.1:{our_port}/health", procs[1], "fusiekg serve")
        wait_until(servers["oxigraph"] + "?query=ASK%7B%7D", procs[0], "oxigraph serve-read-only")

        sessions = {name: requests.Session() for name in servers}  # one keep-alive connection per server
        forms = {slug: analyse(q).form for slug, q in queries}

        def ask(name: str, slug: str, query: str) -> tuple[float, requests.Response]:
            graph = forms[slug] in ("CONSTRUCT", "DESCRIBE")
            headers = {"Content-Type": "application/sparql-query",
                       "Accept": "application/n-triples" if graph else "application/sparql-results+json"}
            t0 = time.perf_counter()
            resp = sessions[name].post(servers[name], data=query.encode("utf-8"), headers=headers, timeout=120)
            _ = resp.content
            ms = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise SystemExit(f"{name} answered {resp.status_code} to {slug}: {resp.text[:300]}")
            return ms, resp

        sizes: dict[str, dict[str, int]] = {name: {} for name in servers}
        for slug, q in queries:
            for name in servers:
                for _ in range(args.warmup):
                    _, resp = ask(name, slug, q)
                sizes[name][slug] = answer_size(resp, forms[slug])
        samples: dict[str, dict[str, list[float]]] = {name: {slug: [] for slug, _ in queries} for name in servers}
        load_before = os.getloadavg()
        for run in range(args.runs):
            order = list(servers) if run % 2 == 0 else list(reversed(servers))
            for slug, q in queries:
                for name in order:
                    samples[name][slug].append(ask(name, slug, q)[0])
        load_after = os.getloadavg()
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    for slug, _ in queries:
        rows.append({"query": slug, "form": forms[slug], "answer_size": sizes["fusiekg"][slug],
                     "sizes_agree": sizes["fusiekg"][slug] == sizes["oxigraph"][slug],
                     **{name: summary(samples[name][slug]) for name in servers}})
    overall = {name: summary([v for vs in samples[name].values() for v in vs]) for name in servers}
    result = {
        "benchmark": "HTTP latency of the competency queries (queries/01..12), one connection",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "loadavg_before": load_before, "loadavg_after": load_after},
        "store": {"triples": manifest["triples"], "build_id": manifest.get("build_id")},
        "servers": {"fusiekg": "fusiekg serve (its default server and settings)",
                    "oxigraph": f"{version} serve-read-only --union-default-graph"},
        "runs": args.runs, "warmup": args.warmup,
        "queries": rows, "overall": overall,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(f"HTTP latency, {args.runs} runs per query and server, 1 connection; {manifest['triples']} triples; "
          f"{os.cpu_count()} cores")
    print(f"{'query':<26} {'size':>5}  {'fusiekg median':>14} {'p99':>7}  {'oxigraph median':>15} {'p99':>7}")
    for r in rows:
        mark = "" if r["sizes_agree"] else "  (answer sizes differ!)"
        print(f"{r['query']:<26} {r['answer_size']:>5}  {r['fusiekg']['median_ms']:>11.2f} ms {r['fusiekg']['p99_ms']:>7.2f}"
              f"  {r['oxigraph']['median_ms']:>12.2f} ms {r['oxigraph']['p99_ms']:>7.2f}{mark}")
    f, o = overall["fusiekg"], overall["oxigraph"]
    print(f"{'all requests':<26} {'':>5}  {f['median_ms']:>11.2f} ms {f['p99_ms']:>7.2f}  {o['median_ms']:>12.2f} ms "
          f"{o['p99_ms']:>7.2f}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
