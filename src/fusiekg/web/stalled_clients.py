"""A client that stops reading must not hold a request thread for ever.

Both servers send a body from the thread that ran the request: granian hands it over chunk by chunk with a blocking
send into a one-chunk channel, gunicorn's gthread calls `sendall`. A client that asks for a large answer or dump and
then stops reading keeps that thread until it reads again; twelve such clients held every thread of a default server
(2 workers x 4 threads) and every other request waited. Neither server has a write timeout, so we use the kernel's:
`TCP_USER_TIMEOUT` on the listening sockets, inherited by every connection they accept, makes Linux drop a
connection whose sent data stays unacknowledged, or unsent behind a closed receive window, that long. The blocked
send then fails and the thread is free.

The listening sockets belong to the server (granian opens one per worker, inside the worker), so they are looked up
among this process's open files on the first request, and on the next ones until one is found (at most `TRIES`
requests: an app run without a server of its own, like Flask's test client, has none). That first look also sets
the limit on the connections the worker accepted before it, so a burst of stalling clients at start is covered too.
Where the option or `/proc` is missing (not Linux), this does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from flask import Flask

from .state import state

# Linux's value; Python names it from 3.6 on Linux only.
TCP_USER_TIMEOUT = getattr(socket, "TCP_USER_TIMEOUT", 18)
_FD_DIR = "/proc/self/fd"
TRIES = 50

log = logging.getLogger("fusiekg.web")


def tcp_sockets() -> list[tuple[int, bool]]:
    """This process's TCP sockets: (file descriptor, listening?)."""
    try:
        names = os.listdir(_FD_DIR)
    except OSError:
        return []
    found = []
    for name in names:
        try:
            if not os.readlink(f"{_FD_DIR}/{name}").startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(int(name)))
        except (OSError, ValueError):
            continue  # closed since listdir, or not a socket we can look at
        with sock:
            try:
                if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                    found.append((int(name), bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))))
            except OSError:
                continue
    return found


def limit_stalled_sends(timeout_s: float) -> int:
    """Set the stall limit on every TCP socket of this process (listening ones pass it on to the connections they
    accept later); the number of listening sockets set."""
    listeners = 0
    for fd, listening in tcp_sockets():
        try:
            with socket.socket(fileno=os.dup(fd)) as sock:  # the duplicate shares the socket, so the option sticks
                sock.setsockopt(socket.IPPROTO_TCP, TCP_USER_TIMEOUT, int(timeout_s * 1000))
            listeners += listening
        except OSError as exc:
            log.warning("cannot limit stalled sends on socket %d: %s", fd, exc)
    return listeners


def install(app: Flask) -> None:
    """Limit stalled sends on the server's listening sockets, once they exist (0: leave the kernel default)."""
    lock = threading.Lock()
    tries_left = [TRIES]

    @app.before_request
    def _limit_stalled_sends() -> None:
        if not tries_left[0]:
            return
        with lock:
            timeout_s = state().settings.send_timeout_s
            if tries_left[0]:
                tries_left[0] = 0 if timeout_s <= 0 or limit_stalled_sends(timeout_s) else tries_left[0] - 1
