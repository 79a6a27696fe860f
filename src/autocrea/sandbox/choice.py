"""Which sandbox runs untrusted code here: bubblewrap on Linux, the process runner only when asked
for (or when bubblewrap cannot work, said loudly)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autocrea.errors import SandboxError
from autocrea.sandbox import cgroup
from autocrea.sandbox.bubblewrap import BubblewrapSandbox, bwrap_path, system_mounts
from autocrea.sandbox.process import WARNING, ProcessSandbox
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.slots import Slots

SandboxKind = Literal["auto", "bubblewrap", "process"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chosen:
    sandbox: Sandbox
    isolated: bool
    mechanism: str  # in words, for /ready and the start-up log
    warning: str | None


def lock_dir() -> Path:
    """Where slot locks live: one place per machine for root, so every process shares the cap."""
    if os.geteuid() == 0:
        return Path("/run/autocrea/sandbox-slots")
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "autocrea" / "sandbox-slots"


def _bwrap_works(bwrap: str) -> str | None:
    """None if bubblewrap can make a sandbox here, else what it said."""
    try:
        probe = subprocess.run(
            [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", *system_mounts(), "--", "true"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if probe.returncode == 0 else probe.stderr.decode("utf-8", "replace").strip()[:500]


def choose(
    kind: SandboxKind, *, slots: int, uid_base: int, cgroup_dir: Path | None, locks: Path | None = None
) -> Chosen:
    """The sandbox for this process. `auto` is bubblewrap when it works, else the process runner."""
    if kind != "process":
        bwrap = bwrap_path() if sys.platform.startswith("linux") else None
        problem = "bwrap is not installed (apt-get install bubblewrap)" if bwrap is None else None
        if bwrap is not None:
            problem = _bwrap_works(bwrap)
        if bwrap is not None and problem is None:
            pool = Slots(
                count=slots, lock_dir=locks or lock_dir(), uid_base=uid_base if os.geteuid() == 0 else None
            )
            sandbox = BubblewrapSandbox(slots=pool, cgroups=cgroup.detect(cgroup_dir), bwrap=bwrap)
            return Chosen(sandbox, True, sandbox.mechanism, None)
        if kind == "bubblewrap":
            raise SandboxError(f"AUTOCREA_SANDBOX=bubblewrap, but bubblewrap cannot run here: {problem}")
        warning = f"bubblewrap cannot run here ({problem}); falling back to the process runner. {WARNING}"
    else:
        warning = WARNING
    log.warning(warning)
    return Chosen(ProcessSandbox(), False, "process runner (no isolation)", warning)
