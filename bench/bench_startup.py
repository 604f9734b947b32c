"""Benchmark: how long `fusiekg serve` takes to be ready when the store is already built.

Why: the target is "ready in under 2 s when the store is built" (no re-reasoning when the sources did not change).
Measured from starting the command to the first 200 on /health, and to the first answered SPARQL query (which also
needs a query process), for each HTTP server, several times; the store's build_id is checked to be unchanged.

    .venv/bin/python bench/bench_startup.py [--store DIR] [--runs 5] [--out bench/results/startup.json]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from benchlib import RESULTS, free_port, http_ok, stop, table, write_result
from fusiekg.build import ensure_built
from fusiekg.config import Settings
from fusiekg.store import read_manifest


def one_start(store: Path, server: str) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    query = base + "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "fusiekg", "serve", "--store", str(store), "--host", "127.0.0.1",
                             "--port", str(port), "--server", server],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = first_query = None
        deadline = t0 + 120
        while time.perf_counter() < deadline and proc.poll() is None:
            if health is None and http_ok(base + "/health", timeout=1):
                health = time.perf_counter() - t0
            if health is not None and http_ok(query, timeout=10,
                                              headers={"Accept": "application/sparql-results+json"}):
                first_query = time.perf_counter() - t0
                break
            time.sleep(0.01)
        if first_query is None:
            raise SystemExit(f"fusiekg serve --server {server} did not become ready")
        return {"health_s": round(health, 3), "first_query_s": round(first_query, 3)}
    finally:
        stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=RESULTS / "startup.json")
    args = ap.parse_args()
    settings = Settings().with_(store_dir=args.store)
    ensure_built(settings)
    store = Path(settings.store_dir)
    before = read_manifest(store)["build_id"]
    results = {}
    for server in ("granian", "gunicorn"):
        results[server] = [one_start(store, server) for _ in range(args.runs)]
    rebuilt = read_manifest(store)["build_id"] != before
    summary = {s: {"health_median_s": statistics.median(r["health_s"] for r in runs),
                   "health_max_s": max(r["health_s"] for r in runs),
                   "first_query_median_s": statistics.median(r["first_query_s"] for r in runs),
                   "runs": runs} for s, runs in results.items()}
    path = write_result("startup", {
        "description": "fusiekg serve on a built store: seconds from the command to the first 200 on /health, and "
                       "to the first answered query",
        "rebuilt_during_runs": rebuilt, "servers": summary}, args.out)
    print(table(["server", "ready (/health) median s", "max s", "first query median s"],
                [[s, f"{v['health_median_s']:.2f}", f"{v['health_max_s']:.2f}", f"{v['first_query_median_s']:.2f}"]
                 for s, v in summary.items()], "lrrr"))
    print(f"store rebuilt during the runs: {'yes (!)' if rebuilt else 'no'}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
