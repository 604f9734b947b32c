"""Run every benchmark, one after the other, and print their tables: the one command behind bench/README.md.

    .venv/bin/python bench/run_all.py [--store DIR] [--quick] [--skip scale,http,...] [--results DIR]

`--quick` runs shorter cells and smaller sizes (a smoke run of a few minutes); without it the whole set takes about
30 minutes on 2 cores: the HTTP benchmark (about 12), the 1M-triple build of the scale benchmark (about 8) and the
validation soak (about 4). Each benchmark writes its JSON under bench/results/; a failing one is reported and the
rest still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from fusiekg.progress import say

HERE = Path(__file__).resolve().parent


def plan(store: list[str], quick: bool, results: Path | None) -> list[tuple[str, list[str]]]:
    steps = [
        ("startup", ["bench_startup.py", *store, "--runs", "3" if quick else "5"]),
        ("http", ["bench_http.py", *store, *(["--duration", "1", "--warmup", "1", "--connections", "8"]
                                              if quick else [])]),
        ("validation", ["bench_validation.py", *(["--runs", "10"] if quick else [])]),
        ("validation_soak", ["bench_validation_soak.py", *store,
                             *(["--rounds", "2", "--concurrency", "2"] if quick else [])]),
        ("reasoning", ["bench_reasoning.py"]),
        ("scale", ["bench_scale.py", *store, *(["--sizes", "10000", "--owlrl-max", "10000"] if quick else [])]),
    ]
    if results is not None:
        steps = [(name, [*cmd, "--out", str(results / f"{name}.json")]) for name, cmd in steps]
    return steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--store", default=None, help="the store to benchmark (built first when missing or stale)")
    ap.add_argument("--quick", action="store_true", help="a short smoke run")
    ap.add_argument("--skip", default="", help="comma list of benchmarks to leave out")
    ap.add_argument("--results", type=Path, default=None, help="write the JSON here instead of bench/results/")
    args = ap.parse_args()
    store = ["--store", args.store] if args.store else []
    skip = set(filter(None, args.skip.split(",")))
    todo = [(name, cmd) for name, cmd in plan(store, args.quick, args.results) if name not in skip]
    failed = []
    t0 = time.perf_counter()
    for i, (name, cmd) in enumerate(todo, 1):
        say(f"=== [{i}/{len(todo)}] {name}: {' '.join(cmd)} ({time.perf_counter() - t0:.0f} s so far)")
        code = subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]]).returncode
        if code != 0:
            failed.append(name)
            say(f"{name} failed (exit {code})")
    say(f"done in {time.perf_counter() - t0:.0f} s; results in {args.results or HERE / 'results'}"
        + (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
