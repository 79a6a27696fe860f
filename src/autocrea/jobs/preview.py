"""Live previews: a project's committed app started in the sandbox, one per project.

The app runs from a scratch copy of a commit (never the project's own directory), with its own
SQLite file, on a loopback port. The web layer proxies a separate origin to it, so generated code
never shares an origin (or cookies) with AUTOCREA itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from autocrea.errors import Conflict, GenerationFailed, NotFound
from autocrea.sandbox.process import free_port
from autocrea.sandbox.protocol import Limits, Sandbox, Server
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo
from autocrea.storage.paths import write_file

PREVIEW_LIMITS = Limits(wall_seconds=3600, cpu_seconds=600)
BOOT_TIMEOUT = 30.0
MAX_PREVIEWS = 8


@dataclass
class Preview:
    id: str
    project_id: str
    user_id: str
    commit: str
    port: int
    started_at: float
    server: Server
    scratch: Path
    last_used: float = field(default_factory=time.monotonic)

    def running(self) -> bool:
        return self.server.running()


class Previews:
    def __init__(
        self, *, projects_root: Path, sandbox: Sandbox, runtimes: RuntimeCache, limit: int = MAX_PREVIEWS
    ) -> None:
        self._root = projects_root
        self._sandbox = sandbox
        self._runtimes = runtimes
        self._limit = limit
        self._by_project: dict[str, Preview] = {}
        self._by_id: dict[str, Preview] = {}
        self._lock = asyncio.Lock()  # the two maps and the count of apps booting
        self._project_locks: dict[str, asyncio.Lock] = {}  # one start per project at a time
        self._booting = 0

    def get(self, project_id: str) -> Preview | None:
        found = self._by_project.get(project_id)
        return found if found is not None and found.running() else None

    def by_id(self, preview_id: str) -> Preview | None:
        found = self._by_id.get(preview_id)
        if found is not None:
            found.last_used = time.monotonic()
        return found if found is not None and found.running() else None

    async def start(self, *, project_id: str, user_id: str, ref: str = "HEAD") -> Preview:
        """Start (or restart) the project's preview at `ref`.

        Booting an app takes seconds (up to BOOT_TIMEOUT): only starts of the same project wait for
        each other; the shared bookkeeping is locked just long enough to stop, evict and count.
        """
        async with self._project_locks.setdefault(project_id, asyncio.Lock()):
            async with self._lock:
                await self._stop(project_id)
                while self._by_project and len(self._by_project) + self._booting >= self._limit:
                    await self._stop(min(self._by_project.values(), key=lambda p: p.last_used).project_id)
                if self._booting >= self._limit:
                    raise Conflict("Too many previews are starting at once; try again in a few seconds.")
                self._booting += 1
            try:
                preview = await self._boot(project_id=project_id, user_id=user_id, ref=ref)
            finally:
                self._booting -= 1
            async with self._lock:
                self._by_project[project_id] = preview
                self._by_id[preview.id] = preview
            return preview

    async def _boot(self, *, project_id: str, user_id: str, ref: str) -> Preview:
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
        scratch = Path(tempfile.mkdtemp(prefix="autocrea-preview-"))
        try:
            (scratch / "app").mkdir()  # write_file walks into an existing root, never creates it
            for rel, data in files.items():
                write_file(scratch / "app", rel, data)
            env = await self._runtimes.ensure(files["requirements.txt"].decode("utf-8", "replace"))
            port = free_port()
            server = await self._sandbox.serve(
                [
                    str(env.python),
                    "-m",
                    "uvicorn",
                    "app.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                cwd=scratch / "app",
                port=port,
                env={"PATH": str(env.python.parent), "DATABASE_URL": f"sqlite:///{scratch / 'preview.db'}"},
                limits=PREVIEW_LIMITS,
            )
            await _wait_until_up(server, port)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return Preview(
            id=secrets.token_hex(8),
            project_id=project_id,
            user_id=user_id,
            commit=commit,
            port=port,
            started_at=time.time(),
            server=server,
            scratch=scratch,
        )

    async def stop(self, project_id: str) -> None:
        async with self._lock:
            if project_id not in self._by_project:
                raise NotFound("This project has no running preview.")
            await self._stop(project_id)

    async def _stop(self, project_id: str) -> None:
        preview = self._by_project.pop(project_id, None)
        if preview is None:
            return
        self._by_id.pop(preview.id, None)
        with contextlib.suppress(Exception):
            await preview.server.stop()
        shutil.rmtree(preview.scratch, ignore_errors=True)

    async def stop_all(self) -> None:
        async with self._lock:
            for project_id in list(self._by_project):
                await self._stop(project_id)


async def _wait_until_up(server: Server, port: int) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
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
