"""CI: every command works after the README's plain install (`pip install -e .`, no test extra).

The test suite runs in a venv with the test extra, which also brings packages the commands might import by
accident; this check makes a second venv with the plain install and runs each command there: build, stats, query,
validate, push into an Oxigraph server, `serve --sparql-url` over it and `serve` over the local store, each with a
request through it. Oxigraph's server is the `oxigraph` command of the test venv (PyPI `oxigraph`, test extra).

    python3 .ci/plain_install.py --oxigraph .venv/bin/oxigraph

Exits non-zero, naming the step, when a command fails. Servers listen on free loopback ports and are stopped on
the way out, also on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_DEADLINE_S = 180  # generous: CI machines are shared; a server that answers sooner is checked sooner


class StepFailed(Exception):
    pass


def step(title: str) -> None:
    print(f"\n== plain install: {title}", flush=True)


def run(cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    res = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    sys.stdout.write(res.stdout[-3000:])
    sys.stdout.write(res.stderr[-3000:])
    if res.returncode != 0:
        raise StepFailed(f"{what} exited with {res.returncode}")
    return res


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 60, **headers) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def post(url: str, body: bytes, content_type: str, timeout: float = 60, **headers) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, **headers}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def background(cmd: list[str], what: str, ready_url: str, log: Path):
    """A server process, stopped on the way out; yields once `ready_url` answers 200."""
    print("$ " + " ".join(str(c) for c in cmd) + " &", flush=True)
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            if proc.poll() is not None:
                raise StepFailed(f"{what} exited early with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if get(ready_url, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StepFailed(f"{what} did not answer on {ready_url} within {START_DEADLINE_S} s:\n"
                                 f"{log.read_text()[-3000:]}")
            time.sleep(0.2)
        print(f"{what} answers on {ready_url}", flush=True)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def count_query(base: str) -> int:
    query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    status, body = get(f"{base}/sparql?{query}", Accept="application/sparql-results+json")
    if status != 200:
        raise StepFailed(f"a query through {base} answered {status}: {body[:500]!r}")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--oxigraph", required=True, help="the oxigraph command (from the test venv)")
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = ap.parse_args()
    oxigraph = Path(args.oxigraph).resolve()
    if not oxigraph.exists():
        raise SystemExit(f"no oxigraph command at {oxigraph}: install the test extra first")
    work = args.work or Path(tempfile.mkdtemp(prefix="fusiekg-plain-"))
    venv = work / "venv"
    py, fusiekg = venv / "bin" / "python", venv / "bin" / "fusiekg"
    store = work / "store"
    try:
        step("a venv with `pip install -e .` (no extras)")
        run([sys.executable, "-m", "venv", str(venv)], "python3 -m venv")
        run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(ROOT)], "pip install -e .")
        missing = run([str(py), "-c", "import importlib.util as u; print([m for m in ('pytest', 'SPARQLWrapper', "
                                      "'playwright', 'oxigraph') if u.find_spec(m)])"], "checking the venv")
        if missing.stdout.strip() != "[]":
            raise StepFailed(f"the plain venv holds test packages {missing.stdout.strip()}: the check proves nothing")

        step("build, stats, query, validate")
        run([str(fusiekg), "build", "--store", str(store)], "fusiekg build")
        run([str(fusiekg), "stats", "--store", str(store)], "fusiekg stats")
        run([str(fusiekg), "query", "--store", str(store), "ASK { ?s ?p ?o }"], "fusiekg query")
        run([str(fusiekg), "validate", str(ROOT / "examples" / "valid" / "centrumconstructie.ttl")],
            "fusiekg validate")
        step("serve over the local store, a query and validations through it")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with background([str(fusiekg), "serve", "--store", str(store), "--port", str(port), "--workers", "1"],
                        "fusiekg serve", base + "/health", work / "serve.log"):
            triples = count_query(base)
            example = (ROOT / "examples" / "valid" / "centrumconstructie.ttl").read_bytes()
            # A small description is checked in the worker, one over 64 KiB in a process of its own.
            for body in (example, example + b"# " + b"x" * 70_000 + b"\n"):
                status, answer = post(base + "/validate", body, "text/turtle", Accept="application/json")
                if status != 200 or json.loads(answer)["conforms"] is not True:
                    raise StepFailed(f"/validate of {len(body)} bytes answered {status}: {answer[:500]!r}")

        step("push into an Oxigraph server, then serve --sparql-url over it")
        ox_port = free_port()
        ox = f"http://127.0.0.1:{ox_port}"
        with background([str(oxigraph), "serve", "--location", str(work / "oxigraph"), "--bind",
                         f"127.0.0.1:{ox_port}"], "oxigraph serve", ox + "/query?query=ASK%7B%7D",
                        work / "oxigraph.log"):
            run([str(fusiekg), "push", "--store", str(store), "--to", ox + "/store", "--sparql-url", ox + "/query"],
                "fusiekg push")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            with background([str(fusiekg), "serve", "--store", str(work / "no-local-store"), "--sparql-url",
                             ox + "/query", "--port", str(port), "--workers", "1"],
                            "fusiekg serve --sparql-url", base + "/health", work / "serve-remote.log"):
                got = count_query(base)
                if got != triples:
                    raise StepFailed(f"serve --sparql-url counted {got} triples; serve over the local store {triples}")
        print(f"\nplain install: every command works ({triples} triples pushed and queried back)")
    except StepFailed as exc:
        print(f"\nplain install check FAILED: {exc} (logs in {work})", file=sys.stderr)
        sys.exit(1)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
