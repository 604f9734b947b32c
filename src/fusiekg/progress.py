"""Progress for long work: a tqdm bar with counts and rates in a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


def _tty() -> bool:
    return sys.stderr.isatty()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def step(name: str, timings: dict[str, float] | None = None):
    """Time one pipeline step and report it, e.g. `reason: 4.2 s`."""
    say(f"{name} ...")
    t0 = time.perf_counter()
    yield
    dt = time.perf_counter() - t0
    if timings is not None:
        timings[name] = round(dt, 3)
    say(f"{name}: {dt:.2f} s")


def track(items: Iterable, *, total: int | None = None, desc: str = "", unit: str = "it") -> Iterator:
    """Iterate with a bar in a terminal; without one, print a line every 10% (or every 100k items)."""
    if _tty():
        yield from tqdm(items, total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr)
        return
    t0 = time.perf_counter()
    every = max(1, (total or 1_000_000) // 10)
    n = 0
    for n, item in enumerate(items, 1):
        if n % every == 0:
            rate = n / max(time.perf_counter() - t0, 1e-9)
            say(f"{desc}: {n}{'/' + str(total) if total else ''} {unit} ({rate:,.0f} {unit}/s)")
        yield item
    if n:
        rate = n / max(time.perf_counter() - t0, 1e-9)
        say(f"{desc}: {n} {unit} done ({rate:,.0f} {unit}/s)")
