"""Benchmark: what a build and its queries cost when a user adds 10k, 100k or 1M triples of their own.

Why: a user who adds registers or statistics must not hit a wall. Synthetic data in the shape of our ontology
(`synthetic.py`: cooperations of real TOOI municipalities with dated memberships, founding events, sources;
deterministic) is passed to `fusiekg build --include FILE --reasoner reasonable`, each build in its own process
(its peak memory is that process's max RSS). Per size:

- build: the time of each step as the build reports it (load, reason, metadata, convert to pyoxigraph,
  validate, write store and dumps), the rest (bookkeeping),
  the total, and the peak memory;
- queries on the result: a few representative queries (lookup, join, aggregate, a temporal query, a query that needs
  the inferences), median of repeated runs, through `sparql.run` (what the endpoint's query processes do) and as a
  plain pyoxigraph query;
- plain pyoxigraph: a bulk load (`Store.bulk_load`) of the same asserted triples (the base store's dump plus the
  synthetic file) into a new store, and the same queries there (no inferences: the last query shows what that means);
- reasoners on the same graph (the ontology plus the synthetic triples): `reasonable` at every size, owlrl up to
  `--owlrl-max` triples (it takes about a second per thousand triples here), each in its own process with a
  time limit.

    .venv/bin/python bench/bench_scale.py [--sizes 10000,100000,1000000] [--store DIR] [--timeout 1800]
        [--owlrl-max 100000] [--owlrl-timeout 600] [--out bench/results/scale.json]

Prints a table and writes JSON. A step that runs past its time limit is recorded as such, not left out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import RESULTS, table, write_result
from fusiekg.build import ensure_built
from fusiekg.config import Settings
from fusiekg.namespaces import FKG, GM, ID, ORG, SKOS, sparql_prologue
from fusiekg.progress import say
from synthetic import generate, municipalities

HERE = Path(__file__).resolve().parent
QUERY_RUNS = 20


def queries() -> dict[str, str]:
    pro = sparql_prologue()
    temporal = sorted((HERE.parent / "queries").glob("20-*.rq"))
    mix = {
        "lookup": f"SELECT ?p ?o WHERE {{ <{ID['samenwerking/synthetisch-0']}> ?p ?o }}",
        "join": f"SELECT ?org ?naam WHERE {{ ?m <{ORG.member}> <{GM.gm0363}> ; <{ORG.organization}> ?org . "
                f"?org <{SKOS.prefLabel}> ?naam }} ORDER BY ?naam",
        "aggregate": f"SELECT ?org (COUNT(?m) AS ?n) WHERE {{ ?m <{ORG.organization}> ?org }} GROUP BY ?org "
                     f"ORDER BY DESC(?n) ?org LIMIT 10",
        "inferred-type": f"SELECT (COUNT(?o) AS ?n) WHERE {{ ?o a <{FKG.Werkorganisatie}> }}",
    }
    if temporal:
        mix["temporal-20"] = temporal[0].read_text(encoding="utf-8")
    return {k: pro + v if not v.lstrip().startswith(("PREFIX", "#")) else v for k, v in mix.items()}


# --- measured in child processes ---------------------------------------------------------------------------------

def run_child(args: list[str], timeout_s: float, env: dict | None = None) -> dict:
    """Run a command; return wall seconds, max RSS (MB) of that process, exit code and output, or a timeout."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return {"timed_out": True, "wall_s": round(time.perf_counter() - t0, 1), "limit_s": timeout_s}
    wall = time.perf_counter() - t0
    # The child is reaped by communicate(); its rusage is read from /proc-less bookkeeping via wait4 below when
    # possible, else from the JSON the child prints itself.
    result = {"timed_out": False, "wall_s": round(wall, 2), "returncode": proc.returncode, "stderr_tail": err[-2000:]}
    try:
        result.update(json.loads(out.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        result["stdout_tail"] = out[-1000:]
    return result


def child_main(kind: str, argv: list[str]) -> None:
    """Entry of the measuring child processes; prints one JSON line (with its own max RSS) last."""
    import resource

    out: dict = {}
    if kind == "build":
        store, include, reasoner = argv
        from fusiekg.build import BuildError, build

        t0 = time.perf_counter()
        try:
            manifest = build(Settings(store_dir=Path(store)), includes=(Path(include),), reasoner=reasoner)
            out = {"ok": True, "timings_s": manifest["timings_s"], "triples": manifest["triples"],
                   "inferred": manifest["graphs"].get("https://w3id.org/fusiekg/graph/inferred")}
        except BuildError as exc:
            out = {"ok": False, "error": str(exc)[:2000]}
        out["in_process_s"] = round(time.perf_counter() - t0, 2)
    elif kind == "plain":
        dump, include, location = argv
        import gzip

        import pyoxigraph as ox

        t0 = time.perf_counter()
        st = ox.Store(location)
        with gzip.open(dump, "rb") as f:
            st.bulk_load(f, ox.RdfFormat.N_QUADS)
        st.bulk_load(path=include, format=ox.RdfFormat.N_TRIPLES,
                     to_graph=ox.NamedNode("https://w3id.org/fusiekg/graph/include/synthetic"))
        st.flush()
        st.optimize()
        out = {"ok": True, "load_s": round(time.perf_counter() - t0, 2), "quads": len(st)}
    elif kind in ("reasonable", "owlrl"):
        include, ontology_dir = argv
        from rdflib import Graph

        from fusiekg.reasoning import REASONERS

        t0 = time.perf_counter()
        onto = Graph()
        for f in sorted(Path(ontology_dir).glob("*.ttl")):
            onto.parse(f, format="turtle")
        data = Graph().parse(include, format="nt")
        parse_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        inferred = REASONERS[kind]([onto, data])
        out = {"ok": True, "parse_s": round(parse_s, 2), "reason_s": round(time.perf_counter() - t1, 2),
               "input_triples": len(onto) + len(data), "inferred": len(inferred)}
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out), flush=True)


def _child(kind: str, *argv: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, *argv]


# --- queries, in this process -------------------------------------------------------------------------------------

def time_queries(store_dir: Path | None, plain_location: Path | None) -> dict:
    import pyoxigraph as ox

    from fusiekg import sparql
    from fusiekg.store import LocalStore

    out: dict = {}
    for name, q in queries().items():
        row: dict = {}
        if store_dir is not None:
            st = LocalStore(store_dir)
            res = sparql.run(st, q, "application/sparql-results+json", max_rows=100_000)
            row["rows"] = res.rows
            if res.rows == 1:  # a count: show it (with and without the inferences)
                row["value"] = next(iter(json.loads(res.body)["results"]["bindings"][0].values()))["value"]
            row["fusiekg_run_ms"] = _median_ms(lambda st=st, q=q: sparql.run(
                st, q, "application/sparql-results+json", max_rows=100_000))
            row["fusiekg_raw_ms"] = _median_ms(lambda st=st, q=q: list(st.query(q)))
        if plain_location is not None:
            pst = ox.Store.read_only(str(plain_location))
            plain_rows = list(pst.query(q, use_default_graph_as_union=True))
            row["plain_rows"] = len(plain_rows)
            if len(plain_rows) == 1:
                row["plain_value"] = next(t.value for t in plain_rows[0] if t is not None)
            row["plain_raw_ms"] = _median_ms(lambda pst=pst, q=q: list(pst.query(q, use_default_graph_as_union=True)))
        out[name] = row
    return out


def _median_ms(fn, budget_s: float = 10.0) -> float:
    """Median of up to QUERY_RUNS runs (at least 3), stopping once `budget_s` is spent: a slow query at 1M
    triples must not hold the benchmark for many minutes."""
    fn()
    samples: list[float] = []
    spent = 0.0
    while len(samples) < QUERY_RUNS and (len(samples) < 3 or spent < budget_s):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        spent += samples[-1] / 1000
    return round(statistics.median(samples), 2)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_main(sys.argv[2], sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="added triples per step (comma list)")
    ap.add_argument("--store", type=Path, default=None, help="the base store (built first when missing or stale)")
    ap.add_argument("--reasoner", default="reasonable", help="the build's reasoner (owlrl is far too slow at 1M)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds a build may take")
    ap.add_argument("--owlrl-max", type=int, default=100_000, help="largest size to run owlrl on")
    ap.add_argument("--owlrl-timeout", type=float, default=600)
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated files and stores in this folder")
    ap.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = ap.parse_args()

    settings = Settings().with_(store_dir=args.store)
    base = ensure_built(settings)
    base_dir = Path(settings.store_dir)
    gemeenten = municipalities(base_dir)
    work = args.keep or Path(tempfile.mkdtemp(prefix="fusiekg-bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    ontology_dir = HERE.parent / "ontology"
    steps = []
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            say(f"--- {size:,} added triples")
            nt = work / f"synthetic-{size}.nt"
            written = generate(nt, size, gemeenten)
            step: dict = {"size": size, "triples_written": written, "file_mb": round(nt.stat().st_size / 1e6, 1)}
            store = work / f"store-{size}"
            shutil.rmtree(store, ignore_errors=True)
            say(f"build ({args.reasoner}) ...")
            step["build"] = run_child(_child("build", str(store), str(nt), args.reasoner), args.timeout)
            plain = work / f"plain-{size}"
            shutil.rmtree(plain, ignore_errors=True)
            say("plain pyoxigraph bulk load ...")
            step["plain_pyoxigraph"] = run_child(_child("plain", str(base_dir / "dumps" / "all.nq.gz"), str(nt),
                                                        str(plain)), args.timeout)
            say("queries ...")
            built_ok = step["build"].get("ok") is True
            step["queries"] = time_queries(store if built_ok else None,
                                           plain if step["plain_pyoxigraph"].get("ok") else None)
            say("reasonable on the ontology + the synthetic triples ...")
            step["reasonable"] = run_child(_child("reasonable", str(nt), str(ontology_dir)), args.timeout)
            if size <= args.owlrl_max:
                say("owlrl on the ontology + the synthetic triples ...")
                step["owlrl"] = run_child(_child("owlrl", str(nt), str(ontology_dir)), args.owlrl_timeout)
            else:
                step["owlrl"] = {"skipped": f"more than --owlrl-max {args.owlrl_max} triples"}
            steps.append(step)
            if not args.keep:
                shutil.rmtree(store, ignore_errors=True)
                shutil.rmtree(plain, ignore_errors=True)
                nt.unlink(missing_ok=True)
            say(json.dumps({k: step[k] for k in ("size", "build")})[:600])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    path = write_result("scale", {
        "description": "fusiekg build --include <synthetic N-Triples> per size: step times, peak memory, query "
                       "latency; plain pyoxigraph bulk load and queries; reasonable and owlrl on the same graph",
        "base_store": {"triples": base["triples"], "build_id": base.get("build_id")},
        "reasoner": args.reasoner, "query_runs": QUERY_RUNS,
        "steps": steps,
    }, args.out)

    rows = []
    for s in steps:
        b = s["build"]
        t = b.get("timings_s", {})
        reason_key = next((k for k in t if k.startswith("reason")), None)
        steps_sum = sum(v for k, v in t.items() if k != "total")

        def fmt(x):
            return "-" if x is None else (f"{x:.1f}" if isinstance(x, float | int) else str(x))

        status = "timeout" if b.get("timed_out") else ("ok" if b.get("ok") else "failed")
        rows.append([f"{s['size']:,}", status, fmt(t.get("load")), fmt(t.get(reason_key) if reason_key else None),
                     fmt(t.get("describe (metadata)")), fmt(t.get("convert to the store")),
                     fmt(t.get("validate (SHACL)")),
                     fmt(t.get("write store and dumps")),
                     fmt(round(t["total"] - steps_sum, 1) if "total" in t else None), fmt(t.get("total", b.get("wall_s"))),
                     fmt(b.get("max_rss_mb")),
                     fmt(s["plain_pyoxigraph"].get("load_s")), fmt(s["plain_pyoxigraph"].get("max_rss_mb")),
                     fmt(s["reasonable"].get("reason_s") if not s["reasonable"].get("timed_out") else "timeout"),
                     fmt(s["owlrl"].get("reason_s") if "reason_s" in s["owlrl"] else
                         ("timeout" if s["owlrl"].get("timed_out") else "skipped"))])
    print("\nBuild with --include (seconds; memory in MB)")
    print(table(["added", "build", "load", "reason", "metadata", "convert", "validate", "write", "other", "total",
                 "peak MB", "plain ox load", "plain MB", "reasonable", "owlrl"], rows, "ll" + "r" * 13))
    qrows = []
    for s in steps:
        for name, r in s["queries"].items():
            qrows.append([f"{s['size']:,}", name, r.get("value", r.get("rows", "-")), r.get("fusiekg_run_ms", "-"),
                          r.get("fusiekg_raw_ms", "-"), r.get("plain_value", r.get("plain_rows", "-")),
                          r.get("plain_raw_ms", "-")])
    print(f"\nQueries on the result (median ms of up to {QUERY_RUNS} runs, at least 3)")
    print(table(["added", "query", "rows/count", "fusiekg sparql.run", "fusiekg raw", "plain rows/count",
                 "plain raw"], qrows,
                "llrrrrr"))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
