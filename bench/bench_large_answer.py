"""Benchmark: memory of `fusiekg serve` while it sends a million-row answer.

Why: answers are complete (no row cap by default), so one request can ask for hundreds of megabytes. The answer is
written into a spool (memory up to 4 MB, then a nameless temporary file) and streamed from there; this measures the
resident memory of the web worker and of the query processes before, at their peak during, and after such an
answer, sampled every 0.1 s from /proc. The query is every triple of the store times 43 (`VALUES`), about a million
rows for the shipped store.

    .venv/bin/python bench/bench_large_answer.py [--store DIR] [--format json|xml|csv|tsv] [--copies 43]
        [--out bench/results/large_answer.json]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from benchlib import RESULTS, free_port, rss_mb, stop, table, tree_pids, wait_until, write_result


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def _role(pid: int, root: int) -> str:
    if pid == root:
        return "server"
    if _ppid(pid) == root:
        return "web worker"
    return "query process or forkserver"


def main() -> None:
    from fusiekg.config import Settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--format", default="json", choices=["json", "xml", "csv", "tsv"])
    ap.add_argument("--copies", type=int, default=43, help="each triple this many times (43: ~1M rows here)")
    ap.add_argument("--out", type=Path, default=RESULTS / "large_answer.json")
    args = ap.parse_args()
    settings = Settings().with_(store_dir=args.store)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "fusiekg", "serve", "--store", str(settings.store_dir), "--host",
                             "127.0.0.1", "--port", str(port), "--workers", "1", "--query-timeout", "600"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(f"http://127.0.0.1:{port}/health", proc, "fusiekg serve")
        url = f"http://127.0.0.1:{port}/sparql"
        requests.get(url, params={"query": "ASK {}"}, timeout=60)
        time.sleep(3)  # the query processes start and load the store
        before = {p: rss_mb(p) for p in tree_pids(proc.pid)}
        peak: dict[int, float] = dict(before)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for p in tree_pids(proc.pid):
                    peak[p] = max(peak.get(p, 0.0), rss_mb(p))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        values = " ".join(str(i) for i in range(args.copies))
        query = f"SELECT * WHERE {{ ?s ?p ?o . VALUES ?copy {{ {values} }} }}"
        t0 = time.perf_counter()
        resp = requests.get(url, params={"query": query, "format": args.format}, stream=True, timeout=900)
        received = sum(len(chunk) for chunk in resp.iter_content(1 << 20))
        seconds = time.perf_counter() - t0
        time.sleep(1)
        done.set()
        sampler.join()
        after = {p: rss_mb(p) for p in tree_pids(proc.pid)}
        roles = {p: _role(p, proc.pid) for p in peak}
    finally:
        stop(proc)
    rows = [[roles[p], p, round(before.get(p, 0.0)), round(peak[p]), round(after.get(p, 0.0))] for p in sorted(peak)]
    print(f"{args.format}: status {resp.status_code}, {received:,} bytes (Content-Length "
          f"{resp.headers.get('Content-Length')}) in {seconds:.1f} s")
    print(table(["process", "pid", "before MB", "peak MB", "after MB"], rows))
    path = write_result("large_answer", {"format": args.format, "status": resp.status_code, "bytes": received,
                                         "seconds": round(seconds, 2),
                                         "processes": [dict(zip(["role", "pid", "before_mb", "peak_mb", "after_mb"],
                                                                r, strict=True)) for r in rows]}, args.out)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
