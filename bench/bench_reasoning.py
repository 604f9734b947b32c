"""Benchmark: owlrl against `reasonable` on the real graph — time, and whether the inferences match.

Why: the build can reason with either (`fusiekg build --reasoner owlrl|reasonable`). owlrl is the reference OWL 2 RL
implementation in Python; reasonable is a Rust OWL 2 RL reasoner, much faster. Both run through our own wrapper
(`reasoning.REASONERS`: closure of the asserted graphs, noise filtered), on exactly what the build reasons over (all
source graphs but the shapes). Prints the times and every inferred triple one reasoner has and the other lacks,
grouped by predicate (and by class for rdf:type), and writes JSON with samples.

    .venv/bin/python bench/bench_reasoning.py [--runs 1] [--out bench/results/reasoning.json]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

from rdflib import BNode
from rdflib.namespace import RDF

from benchlib import RESULTS, table, write_result
from fusiekg.build import load_sources
from fusiekg.namespaces import G_SHAPES, PREFIXES
from fusiekg.progress import say
from fusiekg.reasoning import REASONERS


def short(term) -> str:
    if isinstance(term, BNode):
        return "_:b"
    text = str(term)
    for prefix, iri in PREFIXES.items():
        if text.startswith(iri):
            return f"{prefix}:{text[len(iri):]}"
    return f"<{text}>" if text.startswith("http") else repr(text)


def kinds(triples) -> Counter:
    """What a set of triples is about: the predicate, or `rdf:type <class>` for typings."""
    return Counter(f"a {short(o)}" if p == RDF.type else short(p) for _s, p, o in triples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=1, help="closures per reasoner (the median time is reported)")
    ap.add_argument("--out", type=Path, default=RESULTS / "reasoning.json")
    args = ap.parse_args()

    say("loading the sources ...")
    src = load_sources()
    knowledge = [g for name, g in src.graphs.items() if name != str(G_SHAPES)]
    asserted = sum(len(g) for g in knowledge)
    results, times = {}, {}
    for name in ("owlrl", "reasonable"):
        samples = []
        for i in range(args.runs):
            say(f"{name} closure, run {i + 1}/{args.runs} ...")
            t0 = time.perf_counter()
            results[name] = REASONERS[name](knowledge)
            samples.append(time.perf_counter() - t0)
        times[name] = samples
    owl, rea = set(results["owlrl"]), set(results["reasonable"])
    # Blank nodes get other labels in each run: compare triples without them by value, count the rest.
    owl_plain = {t for t in owl if not any(isinstance(x, BNode) for x in t)}
    rea_plain = {t for t in rea if not any(isinstance(x, BNode) for x in t)}
    only_owl, only_rea = owl_plain - rea_plain, rea_plain - owl_plain
    both = owl_plain & rea_plain

    def sample(triples, n=15):
        return [" ".join(short(x) for x in t) for t in sorted(triples, key=lambda t: tuple(map(str, t)))[:n]]

    path = write_result("reasoning", {
        "description": "OWL 2 RL closure of the project's source graphs (what the build reasons over), through "
                       "reasoning.REASONERS (new triples only, noise filtered): owlrl vs reasonable",
        "asserted_triples": asserted,
        "runs": args.runs,
        "reasoners": {name: {"median_s": round(statistics.median(times[name]), 2),
                             "times_s": [round(x, 2) for x in times[name]],
                             "inferred": len(results[name]),
                             "inferred_with_blank_nodes": sum(1 for t in results[name]
                                                              if any(isinstance(x, BNode) for x in t))}
                      for name in times},
        "speedup_reasonable_vs_owlrl": round(statistics.median(times["owlrl"]) / statistics.median(times["reasonable"]),
                                             1),
        "same_triples_without_blank_nodes": len(both),
        "only_owlrl": {"count": len(only_owl), "by_kind": dict(kinds(only_owl).most_common()),
                       "sample": sample(only_owl)},
        "only_reasonable": {"count": len(only_rea), "by_kind": dict(kinds(only_rea).most_common()),
                            "sample": sample(only_rea)},
    }, args.out)

    print(f"asserted: {asserted} triples (all source graphs but the shapes)")
    print(table(["reasoner", "median s", "inferred", "with blank nodes"],
                [[n, f"{statistics.median(times[n]):.2f}", len(results[n]),
                  sum(1 for t in results[n] if any(isinstance(x, BNode) for x in t))] for n in times], "lrrr"))
    print(f"\nsame inferences (without blank nodes): {len(both)}; only owlrl: {len(only_owl)}; "
          f"only reasonable: {len(only_rea)}")
    for label, triples in (("only owlrl", only_owl), ("only reasonable", only_rea)):
        if triples:
            print(f"\n{label}, by kind:")
            for kind, n in kinds(triples).most_common(20):
                print(f"  {n:>6}  {kind}")
            print("  e.g. " + "\n       ".join(sample(triples, 5)))
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
