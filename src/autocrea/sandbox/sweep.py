"""Find and end processes by uid, from /proc (a sandbox slot's uid belongs to that slot alone)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

_PROC = Path("/proc")


def _live_uid(status: str) -> int | None:
    """The real uid of a process that still lives (a zombie is dead, only not yet reaped)."""
    uid = None
    for line in status.splitlines():
        if line.startswith("State:") and line.split()[1] in ("Z", "X"):
            return None
        if line.startswith("Uid:"):
            uid = int(line.split()[1])
    return uid


def pids_of_uid(uid: int) -> list[int]:
    found = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError):
            if _live_uid((entry / "status").read_text()) == uid:
                found.append(int(entry.name))
    return found


def tasks_of_uid(uid: int) -> int:
    """Threads and processes of `uid`: what RLIMIT_NPROC counts."""
    total = 0
    for pid in pids_of_uid(uid):
        with contextlib.suppress(OSError):
            total += len(os.listdir(_PROC / str(pid) / "task"))
    return total


def kill_uid(uid: int, *, seconds: float = 5.0) -> int:
    """SIGKILL every process of `uid` until none is left (a fork storm may still be forking).
    Returns how many were killed."""
    if uid == os.getuid() or uid == 0:
        raise ValueError("refusing to sweep the server's own uid or root")
    killed = 0
    deadline = time.monotonic() + seconds
    while (pids := pids_of_uid(uid)) and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        time.sleep(0.01)
    return killed
