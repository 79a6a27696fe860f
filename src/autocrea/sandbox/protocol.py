"""What the pipeline needs from a sandbox: run a command to completion, or start a server.

A sandboxed command sees only the host paths its `Mounts` name (each at its own path), and a
server answers on a Unix socket the server process made and hands over as an open file descriptor
(its argv names it with the `LISTEN_FD` placeholder): it needs no network and no writable host path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

MiB = 1024**2
LISTEN_FD = "{listen_fd}"  # in serve()'s argv: the number of the listening socket's descriptor
# In argv and env values: where `Mounts.data` is seen inside (a fixed path under bubblewrap, so the
# app learns nothing of the host's layout; the host path itself for the process runner).
DATA_DIR = "{data_dir}"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandbox (all of its processes together where the host allows)."""

    wall_seconds: float = 120.0
    cpu_seconds: int = 120
    memory_bytes: int = 512 * MiB
    file_bytes: int = 64 * MiB  # largest file it may write
    processes: int = 64
    tmp_bytes: int = 64 * MiB  # its private /tmp
    disk_bytes: int = 256 * MiB  # its writable copy of the project, all files together
    output_bytes: int = 1_000_000  # stdout/stderr kept per stream; the rest is dropped


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Mounts:
    """Host paths a sandboxed command may use, each visible at its own path; nothing else of the
    host's files is, except the read-only system directories the command needs to start."""

    writable: tuple[
        Path, ...
    ] = ()  # seen as a private, writable, size-capped copy; the host's is never changed
    readonly: tuple[Path, ...] = ()  # a runtime, a tool
    # A directory kept between runs (a preview's database), written in place: the one host path a
    # sandbox may change. Handed to the sandbox's uid at start; its size is the caller's to watch.
    data: Path | None = None


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class Server(Protocol):
    """A long-running sandboxed process (the generated app, for probing or preview)."""

    @property
    def socket(self) -> Path:
        """The Unix socket it listens on, as the host sees it."""
        ...

    @property
    def pid(self) -> int:
        """The process that leads the server's process group (signal the group to stop it all)."""
        ...

    def running(self) -> bool: ...

    def output_tail(self, limit: int = 4000) -> str: ...

    async def stop(self) -> str:
        """Stop every process of the server; returns the tail of its output."""
        ...


class Sandbox(Protocol):
    @property
    def kind(self) -> str:
        """`bubblewrap` or `process`: what isolates the code (shown in /ready and the logs)."""
        ...

    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        mounts: Mounts,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CommandResult: ...

    async def serve(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        mounts: Mounts,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> Server: ...
