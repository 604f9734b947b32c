"""Clients that ask for a large answer and then stop reading do not take the service down for everyone else: the
server disconnects them after the send timeout, and the threads they held answer other users again."""

from __future__ import annotations

import select
import socket
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from conftest import start_server, stop_server, wait_until

# Every triple as CSV: 23 MB on the project's graph, far more than the kernel buffers between server and client.
LARGE = "/sparql?" + urlencode({"query": "SELECT * { ?s ?p ?o }"})
THREADS = 2  # of the servers below
STALLED = 3 * THREADS


def _stalled_client(host: str, port: int, n: int) -> socket.socket:
    """A client that sends its request and then never reads; a tiny receive window makes the server block soon."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, port))
    sock.sendall(f"GET {LARGE}&client={n} HTTP/1.1\r\nHost: {host}\r\nAccept: text/csv\r\n\r\n".encode())
    return sock


@contextmanager
def _stalled_server(store_dir, send_timeout: int, server: str = "granian"):
    """A server with `send_timeout`, every thread of it held by clients that stopped reading: yields the ASK URL
    another user asks, with its query."""
    proc, url = start_server(["--store", str(store_dir), "--workers", "1", "--threads", str(THREADS), "--server", server,
                              "--send-timeout", str(send_timeout)])
    host = urlsplit(url)
    stalled = []
    try:
        assert requests.get(url + "/health", timeout=30).json()["limits"]["send_timeout_s"] == send_timeout
        stalled = [_stalled_client(host.hostname, host.port, n) for n in range(STALLED)]
        # Once the server sends answers to as many of them as it has threads, every thread is blocked in a send (the
        # answers are far larger than what the kernel buffers): a request sent now cannot overtake them.
        wait_until(lambda: len(select.select(stalled, [], [], 0)[0]) >= THREADS,
                   "the server did not begin to send the large answers")
        yield url + "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"})
    finally:
        for sock in stalled:
            sock.close()
        stop_server(proc)


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_clients_that_stop_reading_are_dropped_and_others_are_answered(store_dir, server):
    with _stalled_server(store_dir, 2, server) as ask:
        # Without the send timeout the stalled clients hold both threads for ever and this request never gets one.
        # With it, each is dropped two seconds after it stops making progress; the bound below only keeps a broken
        # server from hanging the suite.
        resp = requests.get(ask, headers={"Accept": "application/sparql-results+json"}, timeout=120)
        assert resp.status_code == 200 and resp.json()["boolean"] is True


def test_without_the_send_timeout_stalled_clients_hold_every_thread(store_dir):
    """What the limit prevents, shown with it turned off (0, the kernel's default of about 15 minutes): the same
    clients hold both threads and another user's request is not answered (the test gives it 15 s)."""
    with _stalled_server(store_dir, 0) as ask, pytest.raises(requests.Timeout):
        requests.get(ask, headers={"Accept": "application/sparql-results+json"}, timeout=15)
