"""Benchmark: warm validation of a typical description, next to a plain `pyshacl.validate` call.

Why: the validator promises a warm call well under 50 ms for a ~50-triple description (it caches the shapes and
the reference data and runs the SHACL-SPARQL in oxigraph). The plain call gets the same data graph (description
plus the reference entries it names) and the same shapes file, as pyshacl's users would call it. The same call in a
process of its own (what the server does for descriptions over 64 KiB, see validation_process) shows what that
costs on a small one.

    .venv/bin/python bench/bench_validation.py [--runs 50] [--input FILE] [--out bench/results/validation.json]

Prints a table and writes JSON. Wall-clock time and CPU time of the process (all threads) are both given, because the
machine may be shared (the load average is recorded too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph
import pyshacl
import rdflib

from fusiekg import rdfinput, resources, validation, validation_process

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT / "examples" / "valid" / "werkorganisatie-drie-gemeenten.ttl"


def measure(fn, runs: int) -> dict:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return {"runs": runs, "median_ms": statistics.median(wall), "p95_ms": _p95(wall),
            "min_ms": min(wall), "cpu_median_ms": statistics.median(cpu), "cpu_p95_ms": _p95(cpu)}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "validation.json")
    args = ap.parse_args()

    raw = args.input.read_bytes()
    started = time.perf_counter()
    eng = validation.engine()
    cold_s = time.perf_counter() - started

    description = rdfinput.parse(raw, filename=args.input.name)
    data_graph = validation.build_data_graph(description, eng)  # the same data graph for both
    shapes_graph = rdflib.Graph().parse(resources.path(*validation.SHAPES_FILE), format="turtle")

    ours = validation.validate(raw, filename=args.input.name)
    plain_conforms, _g, _t = pyshacl.validate(data_graph, shacl_graph=shapes_graph, inference="none",
                                              allow_warnings=True, allow_infos=True)
    if ours.conforms != plain_conforms:
        raise SystemExit(f"the two validators disagree: ours {ours.conforms}, plain pyshacl {plain_conforms}")

    rows = [
        ("fusiekg validate() (bytes in, report out; warm)",
         measure(lambda: validation.validate(raw, filename=args.input.name), args.runs)),
        ("the same in a process of its own (as over 64 KiB)",
         measure(lambda: validation_process.validate(raw, filename=args.input.name, isolate_bytes=0), args.runs)),
        ("fusiekg validate_graph() (parsed graph in; warm)",
         measure(lambda: validation.validate_graph(description), args.runs)),
        ("plain pyshacl.validate (same data graph and shapes)",
         measure(lambda: pyshacl.validate(data_graph, shacl_graph=shapes_graph, inference="none",
                                          allow_warnings=True, allow_infos=True), args.runs)),
    ]

    load = os.getloadavg()
    print(f"input: {args.input.relative_to(ROOT)} — {len(description)} triples in the description, "
          f"{len(data_graph)} in the data graph with reference entries; conforms: {ours.conforms}")
    print(f"cold start (shapes + TOOI + concepts): {cold_s * 1000:.0f} ms; load average {load[0]:.2f} "
          f"on {os.cpu_count()} cores; {args.runs} runs each\n")
    head = f"{'':52} {'median':>8} {'p95':>8} {'min':>8} {'cpu med':>8} {'cpu p95':>8}"
    print(head + "\n" + "-" * len(head))
    for name, r in rows:
        print(f"{name:52} {r['median_ms']:8.1f} {r['p95_ms']:8.1f} {r['min_ms']:8.1f} "
              f"{r['cpu_median_ms']:8.1f} {r['cpu_p95_ms']:8.1f}")
    print("(milliseconds)")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "validation of a fusion description",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": str(args.input.relative_to(ROOT)),
        "description_triples": len(description),
        "data_graph_triples": len(data_graph),
        "conforms": ours.conforms,
        "cold_start_ms": round(cold_s * 1000, 1),
        "load_average_1min": round(load[0], 2),
        "cpu_count": os.cpu_count(),
        "versions": {"python": platform.python_version(), "rdflib": rdflib.__version__,
                     "pyshacl": pyshacl.__version__, "pyoxigraph": pyoxigraph.__version__},
        "results": [{"name": name, **{k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}}
                    for name, r in rows],
    }, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out.resolve().relative_to(ROOT) if args.out.resolve().is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
