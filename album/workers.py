"""Which process owns a job: "host:pid", and whether that process is known to be gone."""

from __future__ import annotations

import os
import socket


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def process_gone(worker: str) -> bool:
    """True when ``worker`` is known dead: a process of this host that no longer runs, or no
    name at all (older rows). A process of another host cannot be judged from here (False):
    its job's heartbeat tells."""
    host, _, pid = worker.rpartition(":")
    if not host or not pid.isdigit():
        return True
    if host != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
