"""Process sandbox: the embedded default runner.

Each command gets a clean environment (nothing inherited, so no secrets), a throw-away HOME and
TMPDIR, rlimits on CPU, memory, file size and processes, and a wall-clock timeout that kills the
whole process group (children included). It does not isolate the filesystem or network: that is the
bubblewrap runner's job in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import signal
import socket
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from autocrea.errors import SandboxError
from autocrea.sandbox.protocol import DEFAULT_LIMITS, CommandResult, Limits

_BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
_READ_CHUNK = 65_536


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(home: Path, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The only environment a sandboxed command sees."""
    env = {
        "PATH": _BASE_PATH,
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONHASHSEED": "0",
    }
    for key, value in (extra or {}).items():
        env[key] = f"{value}:{_BASE_PATH}" if key == "PATH" else value
    return env


def _limiter(limits: Limits) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _kill_group(pid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


SEES_PROCESSES = Path("/proc/self/cmdline").exists()  # whether `serving` can tell at all


def serving(pid: int, port: int) -> bool:
    """Whether process `pid`, started by any process on this machine, is still a server on `port`
    (its command line names the port). A zombie, or a pid since reused by another program, is not.
    Reads /proc: on systems without it, servers of other processes are never seen."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return str(port).encode() in args


async def stop_server(pid: int, port: int, *, grace: float = 3.0) -> None:
    """Stop the process group of a server that another process started, if it still is that server."""
    if not serving(pid, port):
        return
    _kill_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while serving(pid, port) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if serving(pid, port):
        _kill_group(pid)


async def _read_tail(stream: asyncio.StreamReader | None, keep: int) -> bytes:
    """Drain a pipe completely, keeping only its last `keep` bytes (bounded memory)."""
    if stream is None:
        return b""
    buf = bytearray()
    while chunk := await stream.read(_READ_CHUNK):
        buf += chunk
        if len(buf) > 2 * keep:
            del buf[: len(buf) - keep]
    return bytes(buf[-keep:])


class ProcessServer:
    """A server started by ProcessSandbox.serve; output goes to a log file, not a pipe."""

    def __init__(self, proc: asyncio.subprocess.Process, *, port: int, log: Path, home: Path) -> None:
        self._proc = proc
        self._port = port
        self._log = log
        self._home = home

    @property
    def port(self) -> int:
        return self._port

    @property
    def pid(self) -> int:
        return self._proc.pid

    def running(self) -> bool:
        return self._proc.returncode is None

    def output_tail(self, limit: int = 4000) -> str:
        try:
            data = self._log.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")

    async def stop(self) -> str:
        if self._proc.returncode is None:
            _kill_group(self._proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(self._proc.wait(), timeout=3)
            except TimeoutError:
                _kill_group(self._proc.pid)
                await self._proc.wait()
        _kill_group(self._proc.pid)  # stray children that outlived their parent
        tail = self.output_tail()
        shutil.rmtree(self._home, ignore_errors=True)
        return tail


class ProcessSandbox:
    """Sandbox protocol over plain subprocesses (see module docstring for what it isolates)."""

    def __init__(self, *, scratch_root: Path | None = None) -> None:
        self._scratch_root = scratch_root

    def _scratch(self) -> Path:
        if self._scratch_root is not None:
            self._scratch_root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="autocrea-sbx-", dir=self._scratch_root))

    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CommandResult:
        home = self._scratch()
        started = time.monotonic()
        try:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *argv,
                    cwd=cwd,
                    env=clean_env(home, env),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    start_new_session=True,
                    preexec_fn=_limiter(limits),
                )
            except OSError as exc:
                raise SandboxError(f"could not start {argv[0]!r}: {exc.strerror}") from exc
            readers = asyncio.gather(
                _read_tail(proc.stdout, limits.output_bytes), _read_tail(proc.stderr, limits.output_bytes)
            )
            timed_out = False
            try:
                await asyncio.wait_for(proc.wait(), timeout=limits.wall_seconds)
            except TimeoutError:
                timed_out = True
            finally:
                _kill_group(proc.pid)  # the whole group: children must not outlive the command
                await proc.wait()
            out, err = await readers
            return CommandResult(
                argv=tuple(argv),
                exit_code=proc.returncode if proc.returncode is not None else -1,
                stdout=out.decode("utf-8", "replace"),
                stderr=err.decode("utf-8", "replace"),
                seconds=time.monotonic() - started,
                timed_out=timed_out,
            )
        finally:
            shutil.rmtree(home, ignore_errors=True)

    async def serve(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        port: int,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> ProcessServer:
        home = self._scratch()
        log = home / "server.log"
        with log.open("wb") as sink:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *argv,
                    cwd=cwd,
                    env=clean_env(home, env),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=sink,
                    stderr=asyncio.subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=_limiter(limits),
                )
            except OSError as exc:
                shutil.rmtree(home, ignore_errors=True)
                raise SandboxError(f"could not start {argv[0]!r}: {exc.strerror}") from exc
        return ProcessServer(proc, port=port, log=log, home=home)
