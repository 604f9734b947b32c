"""Benchmark: the memory of a web worker that validates large descriptions, and validation latency, over HTTP.

Why: rdflib and pyshacl leave most of the memory of a large description with the process that parsed it; a web
worker that validated a few large descriptions kept hundreds of MB. Descriptions over `FUSIEKG_VALIDATE_ISOLATE_BYTES`
are now validated in a process that ends afterwards (`validation_process`). This posts a bounded soak — rounds of
concurrent large descriptions (N-Triples, JSON-LD and Turtle of many fusions, each kind near its cost limit) mixed with
small ones — to a real `fusiekg serve` with one web worker, and reports the worker's resident memory before, at its
peak and after, next to the same soak with isolation turned off (FUSIEKG_VALIDATE_ISOLATE_BYTES very large: every
description in the worker, as before) in the same run. Latency of a small and a large description is measured on
a quiet server before the soak.

    .venv/bin/python bench/bench_validation_soak.py [--store DIR] [--rounds 6] [--concurrency 4]
                                                    [--out bench/results/validation_soak.json]

The generated descriptions are invented (IRIs under https://example.org/), never facts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchlib import (
    RESULTS,
    ROOT,
    children_map,
    free_port,
    rss_mb,
    stop,
    table,
    tree_pids,
    tree_rss_mb,
    wait_until,
    write_result,
)
from fusiekg.build import ensure_built
from fusiekg.config import Settings

EXAMPLE = ROOT / "examples" / "valid" / "werkorganisatie-drie-gemeenten.ttl"
# Both with a time limit no post reaches (the soak measures memory, not the limit; posts wait for each other).
VARIANTS = {"isolated (as shipped)": {"FUSIEKG_VALIDATE_TIMEOUT": "600"},
            "in the worker (reference)": {"FUSIEKG_VALIDATE_TIMEOUT": "600", "FUSIEKG_VALIDATE_ISOLATE_BYTES": str(10**12)}}
LARGE_BYTES = 990_000
TURTLE_FUSIONS_BYTES = 200_000  # checking many fusions costs more than linear time: keep it under the time limit


# --- descriptions ------------------------------------------------------------------------------------------------

def fusions(tag: str, limit: int) -> bytes:
    """The shipped example repeated under other IRIs: many (invented) fusions, every one checked by the shapes."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, body = text.partition("ex:voorbeeld-werkorganisatie-dbz a")
    body = "ex:voorbeeld-werkorganisatie-dbz a" + body
    parts, size, i = [head], len(head), 0
    while size + len(body) + 32 <= limit:
        part = body.replace("voorbeeld-werkorganisatie-dbz", f"soak-{tag}-{i}")
        parts.append(part)
        size += len(part)
        i += 1
    return "".join(parts).encode()


def ntriples(tag: str, limit: int) -> bytes:
    """Many statements no shape targets: cheap to check, heavy to parse and hold."""
    lines, size, i = [], 0, 0
    while True:
        line = f'<https://example.org/soak/{tag}/s{i}> <https://example.org/soak/p{i % 7}> "waarde {i}"@nl .\n'
        if size + len(line) > limit:
            return "".join(lines).encode()
        lines.append(line)
        size += len(line)
        i += 1


def jsonld(tag: str, limit: int) -> bytes:
    nodes, size, i = [], 2, 0
    while True:
        node = {"@id": f"https://example.org/soak/{tag}/s{i}",
                "https://example.org/soak/p": [{"@value": f"waarde {i}", "@language": "nl"}],
                "https://example.org/soak/q": {"@id": f"https://example.org/soak/{tag}/s{i + 1}"}}
        length = len(json.dumps(node)) + 2
        if size + length + 16 > limit:
            return json.dumps({"@graph": nodes}).encode()
        nodes.append(node)
        size += length
        i += 1


LARGE = [("nt", "application/n-triples", lambda tag: ntriples(tag, LARGE_BYTES)),
         ("jsonld", "application/ld+json", lambda tag: jsonld(tag, LARGE_BYTES)),
         ("turtle", "text/turtle", lambda tag: fusions(tag, TURTLE_FUSIONS_BYTES))]


# --- the server ----------------------------------------------------------------------------------------------------

def post(url: str, data: bytes, content_type: str) -> tuple[int, float]:
    req = urllib.request.Request(url + "/validate", data=data, method="POST",
                                 headers={"Content-Type": content_type, "Accept": "application/json"})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        exc.read()
        status = exc.code
    return status, time.perf_counter() - t0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    return children_map().get(pid, [])


def web_worker(server: subprocess.Popen) -> int:
    workers = [p for p in _children(server.pid) if "fusiekg" in _cmdline(p) and "multiprocessing" not in _cmdline(p)]
    if len(workers) != 1:
        raise SystemExit(f"expected one web worker under the server, found {workers}")
    return workers[0]


def template_of(worker: int) -> int | None:
    return next((p for p in _children(worker) if "fusiekg.validation_process" in _cmdline(p)), None)


class Sampler(threading.Thread):
    """The peak resident memory of the web worker (and of everything under the server), sampled every 50 ms."""

    def __init__(self, server: subprocess.Popen, worker: int):
        super().__init__(daemon=True)
        self.server, self.worker = server, worker
        self.peak_worker = self.peak_tree = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak_worker = max(self.peak_worker, rss_mb(self.worker))
            self.peak_tree = max(self.peak_tree, tree_rss_mb(self.server.pid))


def soak_one(store: Path, name: str, env: dict, rounds: int, concurrency: int, small: bytes) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "fusiekg", "serve", "--store", str(store), "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1"], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(url + "/health", proc, "fusiekg serve")
        worker = web_worker(proc)
        # Quiet-server latency of small descriptions (the engine loads on the first); then the memory before.
        for _ in range(3):
            post(url, small, "text/turtle")
        small_ms = [post(url, small, "text/turtle")[1] * 1000 for _ in range(20)]
        before = {"worker_mb": rss_mb(worker), "tree_mb": tree_rss_mb(proc.pid)}
        sampler = Sampler(proc, worker)
        sampler.start()
        large_ms = {}  # one large description of each kind on the quiet server (the first starts the template)
        for kind, ctype, make in LARGE:
            status, dt = post(url, make("quiet"), ctype)
            large_ms[kind] = round(dt * 1000) if status == 200 else f"HTTP {status}"
        statuses: dict[str, int] = {}
        lock = threading.Lock()
        t0 = time.perf_counter()
        for r in range(rounds):
            def one(k: int, r: int = r) -> None:
                kind, ctype, make = LARGE[(r * concurrency + k) % len(LARGE)]
                for data, ct, what in ((make(f"{r}-{k}"), ctype, kind), (small, "text/turtle", "small")):
                    status, _ = post(url, data, ct)
                    with lock:
                        statuses[f"{what} {status}"] = statuses.get(f"{what} {status}", 0) + 1

            threads = [threading.Thread(target=one, args=(k,)) for k in range(concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        soak_s = time.perf_counter() - t0
        time.sleep(5)  # idle: what the worker keeps
        sampler.done.set()
        sampler.join()
        template = template_of(worker)
        after = {"worker_mb": rss_mb(worker), "template_mb": rss_mb(template), "tree_mb": tree_rss_mb(proc.pid),
                 "processes": len(tree_pids(proc.pid))}
        small_after_ms = [post(url, small, "text/turtle")[1] * 1000 for _ in range(20)]
        return {"variant": name, "env": env, "rounds": rounds, "concurrency": concurrency,
                "posts": statuses, "soak_s": round(soak_s, 1),
                "worker_rss_mb": {"before": round(before["worker_mb"]), "peak": round(sampler.peak_worker),
                                  "after": round(after["worker_mb"])},
                "template_rss_mb_after": round(after["template_mb"]),
                "tree_rss_mb": {"before": round(before["tree_mb"]), "peak": round(sampler.peak_tree),
                                "after": round(after["tree_mb"])},
                "small_ms_median": {"before_soak": round(statistics.median(small_ms), 1),
                                    "after_soak": round(statistics.median(small_after_ms), 1)},
                "large_ms_quiet": large_ms}
    finally:
        stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", type=Path, default=None)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--out", type=Path, default=RESULTS / "validation_soak.json")
    args = ap.parse_args()
    settings = Settings().with_(store_dir=args.store)
    ensure_built(settings)
    store = Path(settings.store_dir)
    small = EXAMPLE.read_bytes()
    sizes = {kind: len(make("size")) for kind, _c, make in LARGE}
    print(f"soak: {args.rounds} rounds x {args.concurrency} concurrent posts of a large description (sizes in "
          f"bytes: {sizes}) and a small one ({len(small)} bytes), one web worker", flush=True)
    runs = [soak_one(store, name, env, args.rounds, args.concurrency, small) for name, env in VARIANTS.items()]
    rows = [[r["variant"], r["worker_rss_mb"]["before"], r["worker_rss_mb"]["peak"], r["worker_rss_mb"]["after"],
             r["template_rss_mb_after"], r["tree_rss_mb"]["after"], r["small_ms_median"]["before_soak"],
             r["small_ms_median"]["after_soak"], *(r["large_ms_quiet"][k] for k, _c, _m in LARGE)] for r in runs]
    print(table(["", "worker MB before", "peak", "after", "template MB", "all MB after", "small ms",
                 "small ms after", *(f"{k} ms" for k, _c, _m in LARGE)], rows, "l" + "r" * 10))
    for r in runs:
        print(f"{r['variant']}: {r['posts']} in {r['soak_s']} s")
    iso, ref = runs
    kept = (iso["worker_rss_mb"]["after"] - iso["worker_rss_mb"]["before"],
            ref["worker_rss_mb"]["after"] - ref["worker_rss_mb"]["before"])
    print(f"memory the web worker kept after the soak: {kept[0]} MB isolated, {kept[1]} MB in the worker")
    path = write_result("validation_soak", {"sizes_bytes": sizes, "small_bytes": len(small), "runs": runs,
                                            "worker_kept_mb": {"isolated": kept[0], "reference": kept[1]}}, args.out)
    print(f"written: {path}")


if __name__ == "__main__":
    main()
