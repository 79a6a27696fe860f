"""Virtual environments for generated apps, cached by their requirements.

Generated projects only use pinned packages from an allowlist, so every app with the same
requirements.txt shares one fresh virtualenv (created with the sandbox's Python, never AUTOCREA's
own environment). The first app pays for `pip install`; later ones reuse it.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from autocrea.errors import RuntimeSetupFailed
from autocrea.sandbox.protocol import Limits, Sandbox

_READY = ".autocrea-ready"
_INSTALL_LIMITS = Limits(wall_seconds=600, cpu_seconds=600, memory_bytes=4 * 1024**3, file_bytes=1024**3)


@dataclass(frozen=True)
class RuntimeEnv:
    path: Path
    reused: bool
    seconds: float

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def runtime_key(python: str, requirements: str) -> str:
    lines = sorted(
        line.strip() for line in requirements.splitlines() if line.strip() and not line.startswith("#")
    )
    digest = hashlib.sha256((python + "\n" + "\n".join(lines)).encode()).hexdigest()
    return digest[:16]


class RuntimeCache:
    def __init__(self, *, root: Path, python: str, sandbox: Sandbox) -> None:
        self._root = root
        self._python = python
        self._sandbox = sandbox
        self._locks: dict[str, asyncio.Lock] = {}

    async def ensure(self, requirements: str) -> RuntimeEnv:
        """A ready virtualenv with exactly these requirements installed (created once per key)."""
        started = time.monotonic()
        key = runtime_key(self._python, requirements)
        target = self._root / key
        if (target / _READY).exists():
            return RuntimeEnv(path=target, reused=True, seconds=time.monotonic() - started)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one builder per key in this process ...
            self._root.mkdir(parents=True, exist_ok=True)
            lock_file = (self._root / f"{key}.lock").open("w")
            try:  # ... and across worker processes
                await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
                if not (target / _READY).exists():
                    await self._build(target, requirements)
                    return RuntimeEnv(path=target, reused=False, seconds=time.monotonic() - started)
            finally:
                lock_file.close()
        return RuntimeEnv(path=target, reused=True, seconds=time.monotonic() - started)

    async def _build(self, target: Path, requirements: str) -> None:
        shutil.rmtree(target, ignore_errors=True)  # a half-built env from a crashed worker
        target.mkdir(parents=True)
        (target / "requirements.txt").write_text(requirements, encoding="utf-8")
        venv = await self._sandbox.run(
            [self._python, "-m", "venv", str(target)], cwd=target, limits=_INSTALL_LIMITS
        )
        if not venv.ok:
            raise RuntimeSetupFailed(
                f"could not create a virtualenv with {self._python}", details={"output": venv.stderr[-2000:]}
            )
        pip = await self._sandbox.run(
            [
                str(target / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-q",
                "-r",
                str(target / "requirements.txt"),
            ],
            cwd=target,
            limits=_INSTALL_LIMITS,
        )
        if not pip.ok:
            shutil.rmtree(target, ignore_errors=True)
            reason = "timed out" if pip.timed_out else "failed"
            raise RuntimeSetupFailed(
                f"installing the app's requirements {reason}",
                details={"output": (pip.stdout + pip.stderr)[-4000:]},
            )
        (target / _READY).write_text("ok\n", encoding="utf-8")
