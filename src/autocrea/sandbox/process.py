"""Process runner: for single-user development on systems without bubblewrap. NOT ISOLATION.

Each command gets a clean environment (nothing inherited, so no secrets), a throw-away HOME and
TMPDIR, rlimits on CPU, memory, file size and processes, and a wall-clock timeout that kills the
whole process group. It runs as the server's own user and sees the server's files, network and
processes: code it runs can read the database and the secret. The server says so at start and in
/ready; never offer it to a second person.
"""

from __future__ import annotations

import resource
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from autocrea.sandbox.child import ChildServer, clean_env, run_to_end, start_server
from autocrea.sandbox.protocol import DATA_DIR, DEFAULT_LIMITS, CommandResult, Limits, Mounts

WARNING = (
    "AUTOCREA_SANDBOX=process: generated code runs as the server's own user with access to its "
    "files, database, secret and network. For development on one machine only; install bubblewrap "
    "(Linux) before anyone else uses this server."
)


def _limiter(limits: Limits) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _placed(
    argv: Sequence[str], env: Mapping[str, str] | None, mounts: Mounts
) -> tuple[list[str], dict[str, str]]:
    """argv and env with DATA_DIR naming the kept data directory's host path (nothing is mounted here)."""
    where = str(mounts.data) if mounts.data is not None else DATA_DIR
    placed = {key: value.replace(DATA_DIR, where) for key, value in (env or {}).items()}
    return [arg.replace(DATA_DIR, where) for arg in argv], placed


class ProcessSandbox:
    """Sandbox protocol over plain subprocesses (see module docstring for what it does not isolate)."""

    kind = "process"

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
        mounts: Mounts,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CommandResult:
        home = self._scratch()
        argv, env = _placed(argv, env, mounts)
        try:
            return await run_to_end(
                argv,
                shown=argv,
                cwd=cwd,
                env=clean_env(str(home), str(home), env),
                limits=limits,
                prepare=_limiter(limits),
            )
        finally:
            shutil.rmtree(home, ignore_errors=True)

    async def serve(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        mounts: Mounts,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> ChildServer:
        home = self._scratch()
        argv, env = _placed(argv, env, mounts)

        async def cleanup() -> None:
            shutil.rmtree(home, ignore_errors=True)

        try:
            return await start_server(
                argv,
                cwd=cwd,
                env=clean_env(str(home), str(home), env),
                socket_path=home / "app.sock",
                log=home / "server.log",
                limits=limits,
                cleanup=cleanup,
                prepare=_limiter(limits),
            )
        except BaseException:
            await cleanup()
            raise
