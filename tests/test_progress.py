"""Progress of long work (build, push, benchmarks) without a terminal: plain lines with counts and rates, so a CI
log or a redirected run shows how far the work got."""

from __future__ import annotations

import re

from fusiekg.progress import Counter, step, track


def test_track_without_a_terminal_ends_with_the_count_and_rate(capsys):
    items = list(track(range(2500), total=2500, desc="write store", unit="quads"))
    assert items == list(range(2500))  # every item passes through unchanged
    err = capsys.readouterr().err
    assert re.search(r"^write store: 2,500 quads done \([\d,]+ quads/s\)$", err, re.M), err


def test_counter_without_a_terminal_prints_running_totals(capsys):
    with Counter(300, "push", "triples") as progress:
        progress.update(100, "[1/2] <g1>")
        progress.update(200, "[2/2] <g2>")
    lines = capsys.readouterr().err.strip().splitlines()
    assert re.match(r"push: 100/300 triples \([\d,]+ triples/s\) \[1/2\] <g1>", lines[0]), lines
    assert re.match(r"push: 300/300 triples", lines[1]), lines


def test_step_reports_and_records_its_time(capsys):
    timings: dict[str, float] = {}
    with step("reason", timings):
        pass
    assert "reason" in timings and timings["reason"] >= 0
    assert re.search(r"^reason: \d+\.\d\d s$", capsys.readouterr().err, re.M)
