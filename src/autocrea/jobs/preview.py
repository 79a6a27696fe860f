"""Live previews: a project's committed app started in the sandbox, one per project.

The app runs in the sandbox from a scratch copy of a commit (never the project's own directory),
listening on a Unix socket only this machine's server processes reach: it has no port for anyone
else to call. Its SQLite file lives with the preview, not the code: a directory per project under
the previews' data root (outside the project's repository, so never committed or exported), the
sandbox's one writable host path, kept across restarts and new versions (generated apps add the
columns a new version brings) until the user resets it or deletes the project. Its size is capped:
no file past the cap (RLIMIT_FSIZE), and a preview whose data outgrows it is stopped. The web layer
proxies a separate origin to it, so generated code never shares an origin (or cookies) with
AUTOCREA itself.

Which previews run is recorded in the database (storage/previews.py), so with several server
processes (`serve --workers N`) any of them can show, proxy to and stop a preview that another one
started. Sockets are local files: every server process of a deployment must run on one machine
for its previews to be reachable (a preview started elsewhere is shown, never proxied).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shutil
import socket
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from autocrea.errors import Conflict, GenerationFailed, NotFound, SandboxError
from autocrea.sandbox import datadir
from autocrea.sandbox.child import SEES_PROCESSES, serving, stop_server
from autocrea.sandbox.http import client_for
from autocrea.sandbox.protocol import DATA_DIR, LISTEN_FD, Limits, MiB, Mounts, Sandbox, Server
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage import previews as store
from autocrea.storage.git import ProjectRepo
from autocrea.storage.paths import write_file
from autocrea.storage.tables import PreviewRecord

PREVIEW_LIMITS = Limits(wall_seconds=3600, cpu_seconds=600)
DATA_CHECK_SECONDS = 2.0  # how often a running preview's data is measured against its cap
DATABASE_URL = f"sqlite:///{DATA_DIR}/app.db"  # the generated app's own setting, pointed at the kept data
UPLOAD_DIR = f"{DATA_DIR}/uploads"  # the same for an app's uploaded files: kept, and under the data cap
BOOT_TIMEOUT = 30.0
MAX_PREVIEWS = 8  # per server process
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preview:
    id: str
    project_id: str
    user_id: str
    commit: str
    host: str  # the machine whose Unix `socket` serves it
    socket: str
    pid: int
    owner: str  # the server process that started it
    started_at: datetime

    @classmethod
    def of(cls, row: PreviewRecord) -> Preview:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    def row(self) -> PreviewRecord:
        return PreviewRecord(**asdict(self))


@dataclass
class _Local:
    """A preview this process started: the handle that stops it and the files it runs from."""

    preview: Preview
    server: Server
    scratch: Path
    last_used: float = field(default_factory=time.monotonic)
    watch: asyncio.Task[None] | None = None  # stops the app when its data outgrows the cap

    def alive(self) -> bool:
        """Still serving. Another server process may have stopped it a moment ago, before this
        process has reaped its child (so `running()` still says yes): /proc says no at once."""
        if not self.server.running():
            return False
        return not SEES_PROCESSES or serving(self.preview.pid, self.preview.socket)


class Previews:
    def __init__(
        self,
        *,
        sessions: store.Sessions,
        projects_root: Path,
        sandbox: Sandbox,
        runtimes: RuntimeCache,
        data_root: Path,
        data_bytes: int = 64 * MiB,
        limit: int = MAX_PREVIEWS,
    ) -> None:
        self._sessions = sessions
        self._root = projects_root
        self._data_root = data_root
        self._data_bytes = data_bytes
        self._sandbox = sandbox
        self._runtimes = runtimes
        self._limit = limit
        self.host = socket.gethostname()[:200]
        self._owner = f"{self.host[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._local: dict[str, _Local] = {}  # by project id
        self._lock = asyncio.Lock()  # the local map and the count of apps booting
        self._project_locks: dict[str, asyncio.Lock] = {}  # one start or stop per project at a time
        self._booting = 0
        self._clients: dict[str, httpx.AsyncClient] = {}  # by socket: the proxy's pooled connections

    def data_dir(self, project_id: str) -> Path:
        """Where the project's preview keeps its data (the app's SQLite file and journal)."""
        if not project_id or "/" in project_id or project_id.startswith("."):
            raise NotFound("No such project.")
        return self._data_root / project_id

    async def data_over_cap(self, project_id: str) -> str | None:
        """Why the project's preview may not run: its data outgrew the cap (None when it did not)."""
        path = self.data_dir(project_id)
        if not path.is_dir() or await asyncio.to_thread(datadir.usage, path) <= self._data_bytes:
            return None
        return (
            f"The preview's data is over its {self._data_bytes // MiB} MB limit, so the app was "
            "stopped; reset its data to start it again."
        )

    def client(self, preview: Preview) -> httpx.AsyncClient:
        """The proxy's HTTP client to a preview's socket, kept while the preview is in use."""
        client = self._clients.get(preview.socket)
        if client is None:
            while len(self._clients) >= 4 * self._limit:  # previews other processes stopped
                oldest = next(iter(self._clients))
                self._drop_client(oldest)
            client = client_for(preview.socket, timeout=httpx.Timeout(60.0, connect=5.0))
            self._clients[preview.socket] = client
        return client

    def _drop_client(self, socket_path: str) -> None:
        client = self._clients.pop(socket_path, None)
        if client is not None:
            asyncio.get_running_loop().create_task(client.aclose())

    async def get(self, project_id: str) -> Preview | None:
        """The project's running preview, whichever server process started it."""
        local = self._local.get(project_id)
        if local is not None and local.alive():
            return local.preview
        return await self._checked(await store.for_project(self._sessions, project_id))

    async def reachable(self, preview_id: str) -> Preview | None:
        """The running preview with this id, if this machine can reach its socket (for the proxy)."""
        for local in self._local.values():
            if local.preview.id == preview_id and local.alive():
                local.last_used = time.monotonic()
                return local.preview
        preview = await self._checked(await store.by_id(self._sessions, preview_id))
        return preview if preview is not None and preview.host == self.host else None

    async def _checked(self, row: PreviewRecord | None) -> Preview | None:
        """The row's preview if its app still runs; a row that outlived its app is forgotten."""
        if row is None:
            return None
        preview = Preview.of(row)
        if preview.owner == self._owner:
            local = self._local.get(preview.project_id)
            alive = local is not None and local.preview.id == preview.id and local.alive()
        elif preview.host == self.host:
            alive = await asyncio.to_thread(serving, preview.pid, preview.socket)
        else:
            return preview  # only its own machine can tell; it is shown, never proxied from here
        if not alive:
            await store.forget(self._sessions, preview.id)
            return None
        return preview

    async def start(self, *, project_id: str, user_id: str, ref: str = "HEAD") -> Preview:
        """Start (or restart) the project's preview at `ref`.

        Booting an app takes seconds (up to BOOT_TIMEOUT): only starts of the same project wait for
        each other; the shared bookkeeping is locked just long enough to stop, evict and count.
        """
        started = await self._start(project_id=project_id, user_id=user_id, ref=ref, overlap=False)
        assert started is not None  # only a refresh finds nothing to do
        return started

    async def refresh(self, *, project_id: str, user_id: str) -> Preview | None:
        """Restart the project's running preview at HEAD (a change made a new version); None when
        none runs. The old app answers until the new one does, so the preview never goes away in
        between; if the new version does not boot, the old one keeps running."""
        return await self._start(project_id=project_id, user_id=user_id, ref="HEAD", overlap=True)

    async def _start(self, *, project_id: str, user_id: str, ref: str, overlap: bool) -> Preview | None:
        async with self._project_locks.setdefault(project_id, asyncio.Lock()):
            current = await self.get(project_id)
            if overlap and current is None:
                return None
            if current is not None and not overlap:
                await self._end(current)
            async with self._lock:
                await self._sweep()
                while self._local and len(self._local) + self._booting >= self._limit:
                    oldest = min(self._local.values(), key=lambda local: local.last_used)
                    await self._stop_local(oldest.preview.project_id)
                if self._booting >= self._limit:
                    raise Conflict("Too many previews are starting at once; try again in a few seconds.")
                self._booting += 1
            try:
                local = await self._boot(project_id=project_id, user_id=user_id, ref=ref)
            finally:
                self._booting -= 1
            try:
                replaced = await store.record(self._sessions, local.preview.row())
            except BaseException:
                await _discard(local)
                raise
            local.watch = asyncio.get_running_loop().create_task(self._watch_data(local))
            async with self._lock:
                old = self._local.get(project_id)
                self._local[project_id] = local
            if old is not None:  # a refresh: this process's app of the version before
                self._drop_client(old.preview.socket)
                await _discard(old)
            if replaced is not None and (old is None or replaced.id != old.preview.id):
                # Another process's app (a refresh, or a start there meanwhile): the newest wins.
                await self._end(Preview.of(replaced), forget=False)
            return local.preview

    async def _boot(self, *, project_id: str, user_id: str, ref: str) -> _Local:
        path = self._root / project_id
        if not (path / ".git").exists():
            raise Conflict("This project has no files yet; wait for its generation to finish.")
        repo = await asyncio.to_thread(ProjectRepo.open, path)
        if repo.head() is None:
            raise Conflict("This project has no commits yet.")
        commit = await asyncio.to_thread(repo.resolve, ref)
        files = await asyncio.to_thread(repo.tree, commit)
        if "requirements.txt" not in files or "app/main.py" not in files:
            raise Conflict("This commit has no runnable app (requirements.txt and app/main.py).")
        kept = self.data_dir(project_id)
        try:
            await asyncio.to_thread(datadir.make, kept)
        except OSError as exc:
            raise Conflict(f"The preview's data directory cannot be used: {exc}") from exc
        if (over := await self.data_over_cap(project_id)) is not None:
            raise Conflict(over)
        scratch = Path(tempfile.mkdtemp(prefix="autocrea-preview-"))
        try:
            (scratch / "app").mkdir()  # write_file walks into an existing root, never creates it
            for rel, data in files.items():
                write_file(scratch / "app", rel, data)
            env = await self._runtimes.ensure(files["requirements.txt"].decode("utf-8", "replace"))
            try:
                server = await self._sandbox.serve(
                    [str(env.python), "-m", "uvicorn", "app.main:app", "--fd", LISTEN_FD],
                    cwd=scratch / "app",
                    mounts=Mounts(writable=(scratch,), readonly=(env.path,), data=kept),
                    env={
                        "PATH": str(env.python.parent),
                        "DATABASE_URL": DATABASE_URL,
                        "UPLOAD_DIR": UPLOAD_DIR,
                    },
                    limits=replace(
                        PREVIEW_LIMITS, file_bytes=min(PREVIEW_LIMITS.file_bytes, self._data_bytes)
                    ),
                )
            except SandboxError as exc:
                raise Conflict(f"The preview could not start: {exc.message}") from exc
            await _wait_until_up(server)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        preview = Preview(
            id=secrets.token_hex(8),
            project_id=project_id,
            user_id=user_id,
            commit=commit,
            host=self.host,
            socket=str(server.socket),
            pid=server.pid,
            owner=self._owner,
            started_at=datetime.now(UTC),
        )
        return _Local(preview, server, scratch)

    async def _watch_data(self, local: _Local) -> None:
        """Stop the app once its data outgrows the cap (the rlimit caps one file, not how many)."""
        path = self.data_dir(local.preview.project_id)
        while local.server.running():
            await asyncio.sleep(DATA_CHECK_SECONDS)
            if await asyncio.to_thread(datadir.usage, path) > self._data_bytes:
                log.warning("preview %s stopped: data over %d bytes", local.preview.id, self._data_bytes)
                await local.server.stop()  # `get` and `_sweep` then forget it

    async def reset_data(self, *, project_id: str, user_id: str) -> Preview | None:
        """Empty the project's preview data. A running preview is stopped first and started again at
        the same version on the empty data (returned); None when none ran."""
        async with self._project_locks.setdefault(project_id, asyncio.Lock()):
            current = await self.get(project_id)
            if current is not None:
                await self._end(current)
            await asyncio.to_thread(datadir.clear, self.data_dir(project_id))
        if current is None:
            return None
        return await self.start(project_id=project_id, user_id=user_id, ref=current.commit)

    async def remove_data(self, project_id: str) -> None:
        """The project is deleted: its preview (stopped by then) leaves no data behind."""
        await asyncio.to_thread(datadir.remove, self.data_dir(project_id))

    async def stop(self, project_id: str) -> None:
        async with self._project_locks.setdefault(project_id, asyncio.Lock()):
            preview = await self.get(project_id)
            if preview is None:
                raise NotFound("This project has no running preview.")
            await self._end(preview)

    async def _end(self, preview: Preview, *, forget: bool = True) -> None:
        """Stop a preview whichever process started it (one on another machine is only forgotten:
        its app ends with that process or at its wall-clock limit)."""
        if preview.owner == self._owner:
            async with self._lock:
                local = self._local.get(preview.project_id)
                if local is not None and local.preview.id == preview.id:
                    await self._stop_local(preview.project_id)  # forgets its row too
                    return
        elif preview.host == self.host:
            await stop_server(preview.pid, preview.socket)
        else:
            log.warning("forgetting preview %s, which runs on another machine (%s)", preview.id, preview.host)
        if forget:
            await store.forget(self._sessions, preview.id)

    async def _stop_local(self, project_id: str) -> None:
        """Stop one of this process's previews; the caller holds `_lock`."""
        local = self._local.pop(project_id, None)
        if local is not None:
            self._drop_client(local.preview.socket)
            await _discard(local)
            await store.forget(self._sessions, local.preview.id)

    async def _sweep(self) -> None:
        """Drop this process's previews whose apps ended (stopped by another process, or crashed);
        the caller holds `_lock`."""
        for project_id, local in list(self._local.items()):
            if not local.alive():
                await self._stop_local(project_id)

    async def stop_all(self) -> None:
        async with self._lock:
            for local in self._local.values():
                await _discard(local)
            self._local.clear()
            for client in self._clients.values():
                await client.aclose()
            self._clients.clear()
        with contextlib.suppress(Exception):  # shutting down: a database gone already is no reason to hang
            await store.forget_owned(self._sessions, self._owner)


async def _discard(local: _Local) -> None:
    if local.watch is not None and local.watch is not asyncio.current_task():
        local.watch.cancel()
    with contextlib.suppress(Exception):
        await local.server.stop()
    shutil.rmtree(local.scratch, ignore_errors=True)


async def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    async with client_for(server.socket) as client:
        while time.monotonic() < deadline:
            if not server.running():
                tail = await server.stop()
                raise GenerationFailed("the app exited while starting", details={"output": tail[-2000:]})
            try:
                await client.get("/openapi.json")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    await server.stop()
    raise GenerationFailed(f"the app did not answer within {BOOT_TIMEOUT:.0f} s")
