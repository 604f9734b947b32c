"""Benchmark: throughput and latency of `fusiekg serve` against Oxigraph's own server, under concurrent load.

Why: our endpoint puts an HTTP server, Flask, content negotiation and a killable query process between the client
and the same Oxigraph engine. The issue's targets compare us with `oxigraph serve` at 8 connections; this measures
that, with the same data, the same client and the same requests, in the same run.

Setup: the built store (built first when missing or stale) is served by `fusiekg serve`; Oxigraph's server
(`oxigraph serve-read-only --union-default-graph`, so the default graph is the union of the named graphs, as on
ours) runs on a copy loaded with `oxigraph load` from the build's `all.nq.gz`. Both listen on 127.0.0.1 only.
The query mix is the competency queries (queries/01..12) plus a lookup (one resource's triples), a join, an
aggregate (GROUP BY) and a property path. Before timing, every query's answer is fetched from both servers and
the row sets compared.

Load: Debian's `wrk` (apt-get install wrk), one client thread, keep-alive connections, GET
`/sparql?query=…` with `Accept: application/sparql-results+json`, at 1, 8 and 32 connections. Each cell runs for a
fixed time (`--duration`, after an untimed `--warmup`), which bounds the number of requests; wrk reports the count.
The two servers take turns, query by query. The client, both servers and the rest of the machine share its cores,
so the CPU time the client and each server used during a cell is recorded too (the client's share tells whether it
could have been the bottleneck).

    .venv/bin/python bench/bench_http.py [--store DIR] [--duration 2] [--warmup 1]
        [--connections 1,8,32] [--variants cached,uncached,isolated] [--server granian]
        [--out bench/results/http.json]

Variants of our endpoint (`--variants`, any of):
- `cached`: as it ships; answers of the read-only store are cached per worker;
- `uncached`: FUSIEKG_CACHE_ENTRIES=0, so every request runs its query (in the web worker itself once the query
  text has shown to be quick, see executor.py);
- `isolated`: also FUSIEKG_INLINE_QUERY_MS=0, so every request runs its query in a separate query process.
Prints a table per connection count (req/s, p50 and p99, ratio to Oxigraph, geometric mean) and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchlib import (
    RESULTS,
    competency_queries,
    free_port,
    geomean,
    load_oxigraph,
    oxigraph_version,
    start_oxigraph,
    stop,
    table,
    tree_cpu_s,
    wait_until,
    write_result,
)
from fusiekg.build import ensure_built
from fusiekg.config import Settings
from fusiekg.namespaces import ORG, RDFS, SKOS, sparql_prologue
from fusiekg.progress import say

JSON = "application/sparql-results+json"
_WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "WRKJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,\\"connect\\":%d,\\"read\\":%d," ..
    "\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d," ..
    "\\"mean_us\\":%.1f,\\"max_us\\":%d}\\n",
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


def query_mix() -> list[tuple[str, str, str]]:
    """(name, kind, query text): the competency queries and four query shapes a client of any endpoint sends."""
    mix = [(stem, "competency", text) for stem, text in competency_queries()]
    pro = sparql_prologue()
    mix += [
        ("lookup", "lookup", pro + "SELECT ?p ?o WHERE { gm:gm0363 ?p ?o }"),
        ("join", "join", pro + f"""SELECT ?org ?orgNaam ?gemeente ?gemeenteNaam WHERE {{
  ?m a <{ORG.Membership}> ; <{ORG.organization}> ?org ; <{ORG.member}> ?gemeente .
  ?org <{SKOS.prefLabel}> ?orgNaam .
  ?gemeente <{SKOS.prefLabel}> ?gemeenteNaam .
}} ORDER BY ?orgNaam ?gemeenteNaam"""),
        ("aggregate", "aggregate", pro + """SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type }
GROUP BY ?type ORDER BY DESC(?n) ?type"""),
        ("path", "property path", pro + f"""SELECT ?klasse ?boven WHERE {{
  ?klasse <{RDFS.subClassOf}>+ ?boven . FILTER(isIRI(?klasse) && isIRI(?boven))
}} ORDER BY ?klasse ?boven"""),
    ]
    return mix


def get_url(base: str, query: str) -> str:
    return base + "?" + urllib.parse.urlencode({"query": query})


def fetch_rows(url: str) -> list:
    req = urllib.request.Request(url, headers={"Accept": JSON})
    with urllib.request.urlopen(req, timeout=120) as r:
        data = json.loads(r.read())
    return sorted(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])


def run_wrk(url: str, connections: int, duration: float, script: Path) -> dict:
    """One wrk run; returns its summary and the client CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(int(duration), 1)}s", "--timeout", "30s", "-s", str(script),
         "-H", f"Accept: {JSON}", url], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = re.search(r"^WRKJSON (.*)$", proc.stdout, re.M)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    out = json.loads(m.group(1))
    out["client_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out


def cell(summary: dict, server_cpu_s: float) -> dict:
    seconds = summary["duration_us"] / 1e6
    errors = sum(summary[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {"requests": summary["requests"], "seconds": round(seconds, 3),
            "rps": round(summary["requests"] / seconds, 1) if seconds else 0.0,
            "p50_ms": round(summary["p50_us"] / 1000, 3), "p99_ms": round(summary["p99_us"] / 1000, 3),
            "max_ms": round(summary["max_us"] / 1000, 3), "errors": errors,
            "bytes_per_response": round(summary["bytes"] / max(summary["requests"], 1)),
            "client_cores": round(summary["client_cpu_s"] / seconds, 2) if seconds else 0.0,
            "server_cores": round(server_cpu_s / seconds, 2) if seconds else 0.0}


VARIANT_ENV = {
    "cached": {},
    "uncached": {"FUSIEKG_CACHE_ENTRIES": "0"},
    "isolated": {"FUSIEKG_CACHE_ENTRIES": "0", "FUSIEKG_INLINE_QUERY_MS": "0"},
}


def start_fusiekg(store: Path, variant: str, server: str | None) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    env = {**os.environ, **VARIANT_ENV[variant]}
    args = [sys.executable, "-m", "fusiekg", "serve", "--store", str(store), "--host", "127.0.0.1",
            "--port", str(port)]
    if server:
        args += ["--server", server]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = wait_until(f"http://127.0.0.1:{port}/health", proc, f"fusiekg serve ({variant})")
    return proc, f"http://127.0.0.1:{port}/sparql", ready


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, default=None, help="store folder (default: $FUSIEKG_STORE or the settings "
                    "default); built first when missing or stale")
    ap.add_argument("--duration", type=int, default=2, help="timed seconds per query, server and connection count")
    ap.add_argument("--warmup", type=int, default=1, help="untimed seconds before each timed run (0: none)")
    ap.add_argument("--connections", default="1,8,32")
    ap.add_argument("--variants", default="cached,uncached,isolated", help="our endpoint as shipped (cached), with "
                    "the answer cache off (uncached), and also every query in a query process (isolated)")
    ap.add_argument("--server", default=None, help="WSGI server for fusiekg serve (default: serve's own default)")
    ap.add_argument("--queries", default=None, help="comma list of query names to run (default: all)")
    ap.add_argument("--out", type=Path, default=RESULTS / "http.json")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (Debian)")
    levels = [int(c) for c in args.connections.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    unknown = [v for v in variants if v not in VARIANT_ENV]
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANT_ENV)}")
    settings = Settings().with_(store_dir=args.store)
    manifest = ensure_built(settings)
    store = Path(settings.store_dir)
    mix = query_mix()
    if args.queries:
        wanted = set(args.queries.split(","))
        mix = [q for q in mix if q[0] in wanted or q[0][:2] in wanted]

    tmp = Path(tempfile.mkdtemp(prefix="fusiekg-bench-http-"))
    script = tmp / "report.lua"
    script.write_text(_WRK_SCRIPT, encoding="utf-8")
    procs: dict[str, subprocess.Popen] = {}
    results: dict = {}
    try:
        say("loading the dump into Oxigraph ...")
        load_s = load_oxigraph(store / "dumps" / "all.nq.gz", tmp / "ox")
        ox_port = free_port()
        procs["oxigraph"] = start_oxigraph(tmp / "ox", ox_port)
        bases = {"oxigraph": f"http://127.0.0.1:{ox_port}/query"}
        wait_until(bases["oxigraph"] + "?query=ASK%7B%7D", procs["oxigraph"], "oxigraph serve-read-only")
        startup = {}
        for v in variants:
            procs[v], bases[v], startup[v] = start_fusiekg(store, v, args.server)
        say("checking that both servers give the same answers ...")
        agree, sizes = {}, {}
        for name, _kind, q in mix:
            ref = fetch_rows(get_url(bases["oxigraph"], q))
            sizes[name] = len(ref)
            agree[name] = all(fetch_rows(get_url(bases[v], q)) == ref for v in variants)
            if not agree[name]:
                say(f"warning: {name}: the answers differ between the servers")
        servers = ["oxigraph", *variants]
        total = len(levels) * len(mix) * len(servers)
        done = 0
        t_start = time.perf_counter()
        for c in levels:
            results[c] = {}
            for i, (name, _kind, q) in enumerate(mix):
                results[c][name] = {}
                order = servers if i % 2 == 0 else list(reversed(servers))
                for s in order:
                    url = get_url(bases[s], q)
                    if args.warmup > 0:
                        run_wrk(url, c, args.warmup, script)
                    cpu0 = tree_cpu_s(procs[s].pid)
                    summary = run_wrk(url, c, args.duration, script)
                    results[c][name][s] = cell(summary, tree_cpu_s(procs[s].pid) - cpu0)
                    done += 1
                say(f"[{done}/{total}] {c} conn {name}: " + ", ".join(
                    f"{s} {results[c][name][s]['rps']:,.0f} req/s" for s in servers)
                    + f" ({(time.perf_counter() - t_start) / done * (total - done):.0f} s left)")
    finally:
        for p in procs.values():
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)

    summary_rows, per_level = [], {}
    for c in levels:
        rows = []
        for name, kind, _q in mix:
            r = results[c][name]
            row = {"query": name, "kind": kind, "rows": sizes[name], "answers_agree": agree[name],
                   "oxigraph": r["oxigraph"]}
            for v in variants:
                row[v] = {**r[v], "ratio": round(r[v]["rps"] / r["oxigraph"]["rps"], 3) if r["oxigraph"]["rps"]
                          else None}
            rows.append(row)
        level = {"queries": rows}
        for v in variants:
            ratios = [row[v]["ratio"] for row in rows if row[v]["ratio"]]
            comp = [row[v]["p99_ms"] for row in rows if row["kind"] == "competency"]
            level[v] = {"geomean_ratio": round(geomean(ratios), 3), "min_ratio": round(min(ratios), 3),
                        "min_ratio_query": min(rows, key=lambda x: x[v]["ratio"] or 0)["query"],
                        "competency_p99_max_ms": max(comp) if comp else None,
                        "errors": sum(row[v]["errors"] for row in rows)}
        level["oxigraph"] = {"errors": sum(row["oxigraph"]["errors"] for row in rows),
                             "client_cores_max": max(row["oxigraph"]["client_cores"] for row in rows)}
        per_level[c] = level
        summary_rows.append(level)

    path = write_result("http", {
        "description": "req/s, p50, p99 per query at 1, 8 and 32 connections: fusiekg serve vs oxigraph "
                       "serve-read-only, same data, same client (wrk, 1 thread, GET, keep-alive), loopback",
        "client": "wrk " + subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
        "store": {"triples": manifest["triples"], "build_id": manifest.get("build_id")},
        "servers": {"oxigraph": f"{oxigraph_version()} serve-read-only --union-default-graph",
                    **{v: f"fusiekg serve{' --server ' + args.server if args.server else ''}"
                          + "".join(f" {k}={val}" for k, val in VARIANT_ENV[v].items()) for v in variants}},
        "oxigraph_load_s": round(load_s, 2),
        "fusiekg_ready_s": {v: round(s, 2) for v, s in startup.items()},
        "duration_s": args.duration, "warmup_s": args.warmup,
        "levels": {str(c): per_level[c] for c in levels},
    }, args.out)

    for c in levels:
        print(f"\n{c} connection(s); {manifest['triples']} triples; {os.cpu_count()} cores shared by wrk and the "
              f"servers; {args.duration:g} s per cell")
        headers = ["query", "rows", "oxigraph req/s", "p50", "p99", "cl.cores"]
        for v in variants:
            headers += [f"{v} req/s", "p50", "p99", "ratio"]
        rows = []
        for row in per_level[c]["queries"]:
            o = row["oxigraph"]
            line = [row["query"] + ("" if row["answers_agree"] else " (!)"), row["rows"], f"{o['rps']:,.0f}",
                    f"{o['p50_ms']:.2f}", f"{o['p99_ms']:.2f}", f"{o['client_cores']:.2f}"]
            for v in variants:
                x = row[v]
                line += [f"{x['rps']:,.0f}", f"{x['p50_ms']:.2f}", f"{x['p99_ms']:.2f}", f"{x['ratio']:.2f}"]
            rows.append(line)
        print(table(headers, rows, "lr" + "r" * (len(headers) - 2)))
        for v in variants:
            s = per_level[c][v]
            print(f"{v}: geometric mean of the ratios {s['geomean_ratio']:.2f}, lowest {s['min_ratio']:.2f} "
                  f"({s['min_ratio_query']}), competency p99 at most {s['competency_p99_max_ms']:.1f} ms, "
                  f"{s['errors']} errors")
    print("(latencies in ms; ratio = our req/s / Oxigraph's req/s; cl.cores = CPU cores the client used "
          "against Oxigraph)")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
