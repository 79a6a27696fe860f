"""A sandboxed child process: start it, keep the tail of its output, end it and all it started.

Both runners (bubblewrap and the plain process runner) start their command through here; they
differ in the argv, the environment and what runs between fork and exec (`prepare`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from autocrea.errors import SandboxError
from autocrea.sandbox.protocol import LISTEN_FD, CommandResult, Limits

_READ_CHUNK = 65_536
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
SEES_PROCESSES = Path("/proc/self/cmdline").exists()  # whether `serving` can tell at all

Cleanup = Callable[[], Awaitable[None]]
# In the environment of a server's leading process (bubblewrap's outer process, which clears it for
# the sandbox): which socket it serves, so any server process can recognise it by pid.
SERVER_MARK = "AUTOCREA_SERVER_SOCKET"


def clean_env(home: str, tmp: str, extra: Mapping[str, str] | None) -> dict[str, str]:
    """The only environment a sandboxed command sees: an allowlist, never the server's."""
    env = {
        "PATH": BASE_PATH,
        "HOME": home,
        "TMPDIR": tmp,
        "USER": "sandbox",
        "LOGNAME": "sandbox",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONHASHSEED": "0",
        "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MiB of address space per thread arena otherwise
    }
    for key, value in (extra or {}).items():
        env[key] = f"{value}:{BASE_PATH}" if key == "PATH" else value
    return env


def kill_group(pid: int, sig: signal.Signals = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def serving(pid: int, socket_path: str) -> bool:
    """Whether process `pid`, started by any process on this machine, is still the server of
    `socket_path` (its environment says so: `start_server` puts it there). A zombie, or a pid since
    reused, is not. Reads /proc: on systems without it, servers of other processes are never seen."""
    try:
        variables = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"{SERVER_MARK}={socket_path}".encode() in variables


async def stop_server(pid: int, socket_path: str, *, grace: float = 3.0) -> None:
    """Stop the process group of a server that another process started, if it still is that server."""
    if not serving(pid, socket_path):
        return
    kill_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while serving(pid, socket_path) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if serving(pid, socket_path):
        kill_group(pid)


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


def listen_on(path: Path) -> socket.socket:
    """A Unix socket listening at `path`, made by the server in its own directory: the sandboxed
    app gets the open descriptor, never a path it could write or a port others could call."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
        listener.listen(256)
    except OSError:
        listener.close()
        raise
    return listener


async def _spawn(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    prepare: Callable[[], None] | None,
    stdout: int,
    stderr: int,
    pass_fds: Sequence[int] = (),
) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # one group: the whole sandbox is signalled at once
            preexec_fn=prepare,
            pass_fds=pass_fds,
        )
    except OSError as exc:
        raise SandboxError(f"could not start {argv[0]!r}: {exc.strerror}") from exc


async def run_to_end(
    argv: Sequence[str],
    *,
    shown: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    limits: Limits,
    prepare: Callable[[], None] | None = None,
) -> CommandResult:
    """Run `argv` until it exits or its wall-clock limit; `shown` is the command as reported."""
    started = time.monotonic()
    proc = await _spawn(
        argv,
        cwd=cwd,
        env=env,
        prepare=prepare,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    readers = asyncio.gather(
        _read_tail(proc.stdout, limits.output_bytes), _read_tail(proc.stderr, limits.output_bytes)
    )
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout=limits.wall_seconds)
    except TimeoutError:
        timed_out = True
    finally:
        kill_group(proc.pid)  # the whole group: children must not outlive the command
        await proc.wait()
    try:  # a child that escaped the group may hold the pipes open: stop reading at some point
        out, err = await asyncio.wait_for(readers, timeout=5)
    except TimeoutError:
        out, err = b"", b"(output lost: a process outlived the command)"
    return CommandResult(
        argv=tuple(shown),
        exit_code=proc.returncode if proc.returncode is not None else -1,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        seconds=time.monotonic() - started,
        timed_out=timed_out,
    )


class ChildServer:
    """A server started through `start_server`: output goes to a log file, not a pipe; it is
    stopped at its wall-clock limit, and `cleanup` runs once when it has ended, however it ended."""

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        *,
        socket: Path,
        log: Path,
        wall_seconds: float,
        cleanup: Cleanup,
    ) -> None:
        self._proc = proc
        self._socket = socket
        self._log = log
        self._cleanup = cleanup
        self._tail = ""
        self._ended = asyncio.get_running_loop().create_task(self._watch(wall_seconds))

    @property
    def socket(self) -> Path:
        return self._socket

    @property
    def pid(self) -> int:
        return self._proc.pid

    def running(self) -> bool:
        return self._proc.returncode is None

    def output_tail(self, limit: int = 4000) -> str:
        try:
            data = self._log.read_bytes()
        except OSError:
            return self._tail[-limit:]
        return data[-limit:].decode("utf-8", "replace")

    async def _watch(self, wall_seconds: float) -> None:
        try:
            await asyncio.wait_for(self._proc.wait(), timeout=wall_seconds)
        except TimeoutError:
            kill_group(self._proc.pid)
            await self._proc.wait()
        finally:
            kill_group(self._proc.pid)  # stray children that outlived their parent
            self._tail = self.output_tail()
            await asyncio.shield(self._cleanup())

    async def stop(self) -> str:
        if self._proc.returncode is None:
            kill_group(self._proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(self._proc.wait()), timeout=3)
            except TimeoutError:
                kill_group(self._proc.pid)
        await asyncio.shield(self._ended)
        return self._tail


async def start_server(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    socket_path: Path,
    log: Path,
    limits: Limits,
    cleanup: Cleanup,
    prepare: Callable[[], None] | None = None,
) -> ChildServer:
    """Start a server that answers on a socket listening at `socket_path`, made here: `argv` names
    its descriptor with LISTEN_FD. This process keeps no copy of it once the child has its own."""
    listener = listen_on(socket_path)
    fd = str(listener.fileno())
    argv = [fd if arg == LISTEN_FD else arg for arg in argv]
    try:
        with log.open("wb") as sink:
            proc = await _spawn(
                argv,
                cwd=cwd,
                env={**env, SERVER_MARK: str(socket_path)},
                prepare=prepare,
                stdout=sink.fileno(),
                stderr=asyncio.subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
            )
    finally:
        listener.close()
    return ChildServer(proc, socket=socket_path, log=log, wall_seconds=limits.wall_seconds, cleanup=cleanup)
