"""Control groups: limits on a whole sandbox (all its processes together), when the host lets us.

- cgroup v2: a directory the server may write, with the `pids` and `memory` controllers enabled
  for its children (`AUTOCREA_SANDBOX_CGROUP`, e.g. a systemd unit with `Delegate=yes`); as root on
  a pure v2 host, `/sys/fs/cgroup/autocrea` is made.
- cgroup v1 (older hosts, some VMs): as root, groups under the `pids` and `memory` hierarchies.
Otherwise there is none, and limits are per process (rlimits) plus a uid per slot.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

_V1_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Group:
    """One sandbox's control group: one directory (v2) or one per hierarchy (v1)."""

    dirs: tuple[Path, ...]

    @property
    def procs_files(self) -> tuple[str, ...]:
        return tuple(str(d / "cgroup.procs") for d in self.dirs)

    def join(self, pid: int) -> None:
        """Move `pid` in (called in the child between fork and exec, before it drops privileges)."""
        for path in self.procs_files:
            with open(path, "w") as handle:
                handle.write(str(pid))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files:
            with contextlib.suppress(OSError):
                found |= {int(x) for x in Path(path).read_text().split()}
        return found

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this group for memory."""
        for d in self.dirs:
            for name, key in (("memory.events", "oom_kill"), ("memory.oom_control", "oom_kill")):
                with contextlib.suppress(OSError, ValueError):
                    for line in (d / name).read_text().splitlines():
                        field, _, value = line.partition(" ")
                        if field == key and int(value) > 0:
                            return True
        return False

    def destroy(self) -> None:
        """Kill every process left in the group, then remove it."""
        for d in self.dirs:
            with contextlib.suppress(OSError):
                (d / "cgroup.kill").write_text("1")  # v2: the kernel kills them all at once
        deadline = time.monotonic() + 5
        while (left := self.pids()) and time.monotonic() < deadline:
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)
        for d in self.dirs:
            for _ in range(50):  # rmdir fails while the last killed task is still exiting
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        break
                    time.sleep(0.02)


class Cgroups:
    """Makes one group per sandbox under a parent the server owns."""

    def __init__(self, *, version: int, parents: tuple[Path, ...]) -> None:
        self.version = version
        self._parents = parents

    @property
    def mechanism(self) -> str:
        return f"cgroup v{self.version} ({', '.join(str(p) for p in self._parents)})"

    def create(self, name: str, *, memory_bytes: int, processes: int) -> Group:
        dirs = tuple(parent / name for parent in self._parents)
        for d in dirs:
            d.mkdir(exist_ok=True)
        for d in dirs:
            if self.version == 2:
                (d / "pids.max").write_text(str(processes))
                (d / "memory.max").write_text(str(memory_bytes))
                with contextlib.suppress(OSError):
                    (d / "memory.swap.max").write_text("0")
            elif d.parent.parent.name == "pids":
                (d / "pids.max").write_text(str(processes))
            else:
                (d / "memory.limit_in_bytes").write_text(str(memory_bytes))
                with contextlib.suppress(OSError):  # no swap accounting on this kernel: nothing to cap
                    (d / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        return Group(dirs)


def _writable_v2(parent: Path) -> bool:
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
    except OSError:
        return False
    return {"pids", "memory"} <= set(enabled) and os.access(parent, os.W_OK)


def detect(configured: Path | None) -> Cgroups | None:
    """The cgroups this server may use for sandboxes, or None (limits then are per process)."""
    if configured is not None:
        if not _writable_v2(configured):
            return None
        return Cgroups(version=2, parents=(configured,))
    if os.geteuid() != 0:
        return None
    if (_V1_ROOT / "cgroup.controllers").exists():  # pure v2, as root
        parent = _V1_ROOT / "autocrea"
        try:
            with open(_V1_ROOT / "cgroup.subtree_control", "w") as handle:
                handle.write("+pids +memory")
            parent.mkdir(exist_ok=True)
            (parent / "cgroup.subtree_control").write_text("+pids +memory")
        except OSError:
            return None
        return Cgroups(version=2, parents=(parent,)) if _writable_v2(parent) else None
    pids, memory = _V1_ROOT / "pids" / "autocrea", _V1_ROOT / "memory" / "autocrea"
    try:
        pids.mkdir(exist_ok=True)
        memory.mkdir(exist_ok=True)
    except OSError:
        return None
    if not ((pids / "pids.max").exists() and (memory / "memory.limit_in_bytes").exists()):
        return None
    return Cgroups(version=1, parents=(pids, memory))
