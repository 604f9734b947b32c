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
    """Iterate with a bar in a terminal; without one, print a line every 10% (or every 100k items), at most one a
    second, and a last line with the count and rate."""
    if _tty():
        yield from tqdm(items, total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr)
        return
    t0 = last = time.perf_counter()
    every = max(1, (total or 1_000_000) // 10)
    n = 0
    for n, item in enumerate(items, 1):
        if n % every == 0 and (now := time.perf_counter()) - last >= 1.0:  # at most a line a second
            last = now
            rate = n / max(now - t0, 1e-9)
            say(f"{desc}: {n:,}{'/' + format(total, ',') if total else ''} {unit} ({rate:,.0f} {unit}/s)")
        yield item
    if n:
        rate = n / max(time.perf_counter() - t0, 1e-9)
        say(f"{desc}: {n:,} {unit} done ({rate:,.0f} {unit}/s)")


class Counter:
    """Progress counted by hand (`update(n)`), for work that comes in chunks of known size: a bar in a terminal,
    else a line per chunk, with the running total and rate."""

    def __init__(self, total: int | None, desc: str, unit: str):
        self.total, self.desc, self.unit = total, desc, unit
        self.n = 0
        self._t0 = time.perf_counter()
        self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=sys.stderr) if _tty() else None

    def update(self, n: int, note: str = "") -> None:
        self.n += n
        if self._bar is not None:
            if note:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(n)
            return
        rate = self.n / max(time.perf_counter() - self._t0, 1e-9)
        of = f"/{self.total:,}" if self.total else ""
        say(f"{self.desc}: {self.n:,}{of} {self.unit} ({rate:,.0f} {self.unit}/s){' ' + note if note else ''}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Counter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
