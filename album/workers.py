"""Which process owns a job: "host:pid", and whether that process is still alive."""

from __future__ import annotations

import os
import socket


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive(worker: str) -> bool:
    """True when ``worker`` is a live process on this host. A job of another host cannot be
    judged from here and counts as alive; an unnamed one (older rows) as dead."""
    host, _, pid = worker.rpartition(":")
    if not host or not pid.isdigit():
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
