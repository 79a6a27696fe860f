"""What the pipeline needs from a sandbox: run a command to completion, or start a server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed command."""

    wall_seconds: float = 120.0
    cpu_seconds: int = 120
    memory_bytes: int = 2 * 1024**3
    file_bytes: int = 256 * 1024**2
    processes: int = 256
    output_bytes: int = 1_000_000  # stdout/stderr kept per stream; the rest is dropped


DEFAULT_LIMITS = Limits()


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
    def port(self) -> int: ...

    @property
    def pid(self) -> int:
        """The process that leads the server's process group (signal the group to stop it all)."""
        ...

    def running(self) -> bool: ...

    async def stop(self) -> str:
        """Stop the whole process group; returns the tail of its output."""
        ...


class Sandbox(Protocol):
    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CommandResult: ...

    async def serve(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        port: int,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> Server: ...
