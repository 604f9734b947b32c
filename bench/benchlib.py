"""What the benchmarks share: servers on loopback ports, Oxigraph's server on a copy of the build's dump, the query
mix, CPU accounting of process trees, percentiles, and the JSON/table output.

Kept apart from the scripts so that every benchmark starts and measures the reference the same way.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
COMPETENCY = [f"{i:02d}" for i in range(1, 13)]
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def competency_queries() -> list[tuple[str, str]]:
    """(file stem, query text) of queries/01..12, the competency questions every HTTP benchmark sends."""
    from fusiekg import resources  # noqa: PLC0415

    folder = resources.path("queries")
    found = []
    for prefix in COMPETENCY:
        files = sorted(folder.glob(f"{prefix}-*.rq"))
        if not files:
            raise SystemExit(f"no competency query {prefix}-*.rq in {folder}")
        found.append((files[0].stem, files[0].read_text(encoding="utf-8")))
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str, timeout: float = 2.0, headers: dict | None = None) -> bool:
    """True when a GET of `url` answers 200 (stdlib only, so the check costs the same for every server)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            r.read()
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until(url: str, proc: subprocess.Popen, what: str, wait_s: float = 180, interval: float = 0.02) -> float:
    """Poll `url` until it answers 200; return the seconds waited. Exit with a message when the server dies."""
    t0 = time.perf_counter()
    deadline = t0 + wait_s
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited early (code {proc.returncode})")
        if http_ok(url, timeout=1.0):
            return time.perf_counter() - t0
        time.sleep(interval)
    raise SystemExit(f"{what} did not answer on {url} within {wait_s} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise SystemExit("the `oxigraph` command is missing: pip install oxigraph (it is in the test extra)")
    return found


def oxigraph_version() -> str:
    return subprocess.run([oxigraph_binary(), "--version"], capture_output=True, text=True).stdout.strip()


def load_oxigraph(dump: Path, location: Path) -> float:
    """`oxigraph load` the build's N-Quads dump into a new database; return the seconds it took."""
    nq = location.with_suffix(".nq")
    with gzip.open(dump, "rb") as src, nq.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    t0 = time.perf_counter()
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(nq)], check=True,
                   capture_output=True)
    nq.unlink()
    return time.perf_counter() - t0


def start_oxigraph(location: Path, port: int) -> subprocess.Popen:
    """Oxigraph's own server, read-only, with the default graph as the union of the named graphs (as ours)."""
    return subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- CPU and memory of process trees ----------------------------------------------------------------------------

def children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree_pids(root: int) -> list[int]:
    kids, out, todo = children_map(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def tree_cpu_s(root: int) -> float:
    """User + system CPU seconds used so far by a process and its living descendants."""
    total = 0
    for pid in tree_pids(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _CLK_TCK


def rss_mb(pid: int | None) -> float:
    """Resident memory of one process now (MB); 0 when there is none."""
    if pid is None:
        return 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process tree now (MB)."""
    return sum(rss_mb(pid) for pid in tree_pids(root))


# --- statistics and output --------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


def write_result(name: str, payload: dict, out: Path | None = None) -> Path:
    path = out or RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
               **payload}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def table(headers: list[str], rows: list[list], aligns: str | None = None) -> str:
    """A plain text table; `aligns` is one of l/r per column (numbers right by default)."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    aligns = aligns or "".join("r" if rows and isinstance(rows[0][i], int | float) else "l"
                               for i in range(len(headers)))

    def fmt(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(r, widths, aligns, strict=True))

    return "\n".join([fmt(headers), "  ".join("-" * w for w in widths), *(fmt(r) for r in cells)])
