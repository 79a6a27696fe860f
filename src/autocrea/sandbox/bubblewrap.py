"""Bubblewrap runner: the default on Linux. Every command and server gets its own sandbox.

What a sandboxed process has (see README, "Isolation"):
- its own user, pid, mount, network, ipc, uts and cgroup namespaces; no network at all (only an
  unconnected loopback); no capabilities, `no_new_privs`, no further user namespaces;
- a uid of its own slot when the server is root (never the server's), else the server's uid in a
  namespace that shows it none of the server's files or processes;
- read-only system directories (/usr and friends, a few files of /etc), the runtime read-only, a
  private copy of its scratch directory on a size-capped tmpfs (copied in at start: nothing it
  writes reaches the host's disk), a size-capped private /tmp; nothing else: no data dir, no home,
  no other project, no /proc of the host; a server gets its listening socket as a descriptor;
- its kept data directory, if it has one (`Mounts.data`, a preview's database): bound read-write at
  `/data`, the only host path it can change; handed to the slot's uid at start without following
  any link planted in it;
- limits per sandbox: processes and memory by cgroup where the host gives one, else by rlimit (per
  slot uid); CPU seconds and file size by rlimit; the wall clock by the runner;
- death with its run, preview or worker: `--die-with-parent` and a pid namespace whose init takes
  every process with it, then a sweep of the slot's uid and cgroup.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import resource
import shlex
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from autocrea.errors import SandboxError
from autocrea.sandbox import datadir
from autocrea.sandbox.cgroup import Cgroups, Group
from autocrea.sandbox.child import ChildServer, clean_env, run_to_end, start_server
from autocrea.sandbox.protocol import DATA_DIR, DEFAULT_LIMITS, CommandResult, Limits, Mounts
from autocrea.sandbox.slots import Slot, Slots
from autocrea.sandbox.sweep import kill_uid, tasks_of_uid

_SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
# What Python and the generated apps read from /etc; never passwd/shadow, never the server's config.
_ETC_FILES = ("localtime", "mime.types", "hosts", "alternatives", "ld.so.cache", "os-release")
_INSIDE_TMP = "/tmp"  # noqa: S108 - the sandbox's own tmpfs, not the host's /tmp
_SEEDS = "/.autocrea-seed"  # where the host's scratch directories are shown read-only, to copy from
_INSIDE_DATA = "/data"  # where a kept data directory is seen: the same path whatever the host's
_RLIMIT_AS_WITH_CGROUP = 4  # the cgroup bounds real memory; address space may be a few times more


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def system_mounts() -> Iterator[str]:
    for name in _SYSTEM_DIRS:
        host = Path("/") / name
        if host.is_symlink():
            yield from ("--symlink", os.readlink(host), f"/{name}")
        elif host.is_dir():
            yield from ("--ro-bind", str(host), f"/{name}")
    for name in _ETC_FILES:
        yield from ("--ro-bind-try", f"/etc/{name}", f"/etc/{name}")


def closed_parent(path: Path) -> Path | None:
    """The first directory above `path` that other users may not pass through, if any: a slot's
    uid cannot reach `path` then (bubblewrap opens every mount as that uid)."""
    return next((p for p in reversed(path.parents) if p.exists() and not os.stat(p).st_mode & 0o001), None)


def _reachable(path: Path, uid: int | None) -> None:
    if uid is None:
        return
    if (parent := closed_parent(path)) is not None:
        raise SandboxError(
            f"{path} cannot be shown to the sandbox: {parent} is not searchable by other users "
            "(chmod o+x it, or keep runtimes and scratch directories elsewhere, e.g. /var/cache)",
            details={"path": str(path)},
        )


def _give(tree: Path, uid: int | None) -> None:
    """Let the slot's uid read a writable mount's host copy, which it copies in (it is shown
    read-only; the server, as root, keeps full access anyway)."""
    if uid is None:
        return
    os.chown(tree, uid, uid, follow_symlinks=False)
    for root, dirs, files in os.walk(tree):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


class BubblewrapSandbox:
    kind = "bubblewrap"

    def __init__(
        self, *, slots: Slots, cgroups: Cgroups | None, bwrap: str, slot_timeout: float = 600
    ) -> None:
        self._slots = slots
        self._cgroups = cgroups
        self._bwrap = bwrap
        self._slot_timeout = slot_timeout

    @property
    def mechanism(self) -> str:
        """How the limits of one sandbox are enforced here, in words (README and /ready)."""
        uid = "a uid per slot" if os.geteuid() == 0 else "the server's uid in a user namespace"
        limits = self._cgroups.mechanism if self._cgroups is not None else "rlimits per process"
        return f"bubblewrap, {uid}, {limits}, {self._slots.count} slots"

    def _argv(
        self, argv: Sequence[str], *, cwd: Path, mounts: Mounts, env: Mapping[str, str], limits: Limits
    ) -> list[str]:
        argv = [arg.replace(DATA_DIR, _INSIDE_DATA) for arg in argv]
        env = {key: value.replace(DATA_DIR, _INSIDE_DATA) for key, value in env.items()}
        args = [
            self._bwrap,
            "--unshare-all",
            "--unshare-user",  # also when root: the command gets no capabilities anywhere
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "sandbox",
            *system_mounts(),
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            str(limits.tmp_bytes),
            "--tmpfs",
            _INSIDE_TMP,
        ]
        for path in mounts.readonly:
            args += ["--ro-bind", str(path), str(path)]
        if mounts.data is not None:
            args += ["--bind", str(mounts.data), _INSIDE_DATA]
        copies = []
        for n, path in enumerate(mounts.writable):
            # The host's copy is shown read-only; a tmpfs of the sandbox's disk size takes its place,
            # filled from it before the command starts (so disk use is capped, and the host's untouched).
            args += [
                "--ro-bind",
                str(path),
                f"{_SEEDS}/{n}",
                "--size",
                str(limits.disk_bytes),
                "--tmpfs",
                str(path),
            ]
            copies.append(f"cp -a {_SEEDS}/{n}/. {shlex.quote(str(path))}/")
        args += ["--remount-ro", "/", "--chdir", "/", "--clearenv"]  # its root (and /etc) too
        for key, value in env.items():
            args += ["--setenv", key, value]
        start = " && ".join([*copies, f"cd {shlex.quote(str(cwd))}", "unset OLDPWD", 'exec "$@"'])
        return [*args, "--", "/bin/sh", "-c", start, "sandbox", *argv]

    def _prepare(self, slot: Slot, group: Group | None, limits: Limits) -> Callable[[], None]:
        memory = limits.memory_bytes * (_RLIMIT_AS_WITH_CGROUP if group is not None else 1)
        if group is not None or slot.uid is not None:
            processes = limits.processes
        else:  # the server's own uid: its count includes the server's threads, so allow for them
            processes = tasks_of_uid(os.getuid()) + limits.processes

        def apply() -> None:  # in the child between fork and exec: no allocation-heavy work here
            if group is not None:
                group.join(os.getpid())
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if slot.uid is not None:
                os.setgroups([])
                os.setgid(slot.uid)
                os.setuid(slot.uid)

        return apply

    async def _enter(self, mounts: Mounts, limits: Limits, *, timeout: float) -> tuple[Slot, Group | None]:
        slot = await self._slots.acquire(timeout=timeout)
        try:
            kept = () if mounts.data is None else (mounts.data,)
            for path in (*mounts.readonly, *mounts.writable, *kept):
                _reachable(path, slot.uid)
            for path in mounts.writable:
                await asyncio.to_thread(_give, path, slot.uid)
            if mounts.data is not None:
                await asyncio.to_thread(datadir.hand_over, mounts.data, slot.uid)
            group = None
            if self._cgroups is not None:
                group = await asyncio.to_thread(
                    self._cgroups.create,
                    f"slot-{slot.index}-{os.getpid()}",
                    memory_bytes=limits.memory_bytes,
                    processes=limits.processes,
                )
            return slot, group
        except BaseException:
            self._slots.release(slot)
            raise

    async def _leave(self, slot: Slot, group: Group | None) -> None:
        try:
            if group is not None:
                await asyncio.to_thread(group.destroy)
            if slot.uid is not None:  # anything of the slot's uid that is left is a survivor
                await asyncio.to_thread(kill_uid, slot.uid)
        finally:
            self._slots.release(slot)

    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        mounts: Mounts,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> CommandResult:
        slot, group = await self._enter(mounts, limits, timeout=self._slot_timeout)
        try:
            inside = clean_env(_INSIDE_TMP, _INSIDE_TMP, env)
            result = await run_to_end(
                self._argv(argv, cwd=cwd, mounts=mounts, env=inside, limits=limits),
                shown=argv,
                cwd=Path("/"),
                env={},
                limits=limits,
                prepare=self._prepare(slot, group, limits),
            )
            if group is not None and group.oom_killed():
                note = f"\n(the sandbox ran out of its {limits.memory_bytes // 2**20} MiB of memory)"
                result = dataclasses.replace(result, stderr=result.stderr + note)
            return result
        finally:
            await self._leave(slot, group)

    async def serve(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        mounts: Mounts,
        env: Mapping[str, str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        slot_timeout: float = 30,
    ) -> ChildServer:
        home = Path(tempfile.mkdtemp(prefix="autocrea-srv-"))  # the server's: its log and the socket
        try:
            slot, group = await self._enter(mounts, limits, timeout=slot_timeout)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise

        async def cleanup() -> None:
            try:
                await self._leave(slot, group)
            finally:
                shutil.rmtree(home, ignore_errors=True)

        try:
            inside = clean_env(_INSIDE_TMP, _INSIDE_TMP, env)
            return await start_server(
                self._argv(argv, cwd=cwd, mounts=mounts, env=inside, limits=limits),
                cwd=Path("/"),
                env={},
                socket_path=home / "app.sock",
                log=home / "server.log",
                limits=limits,
                cleanup=cleanup,
                prepare=self._prepare(slot, group, limits),
            )
        except BaseException:
            await cleanup()
            raise
