"""Everything one run's roles share: the spec, the repository, the sandbox, the event stream."""

from __future__ import annotations

import asyncio
import fnmatch
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from autocrea.domain.appspec import AppSpec
from autocrea.domain.events import EventStream
from autocrea.errors import UnsafePath
from autocrea.pipeline.evidence import Evidence
from autocrea.pipeline.run_model import DEFAULT_ANSWER_SECONDS, RunModel
from autocrea.pipeline.steps import StepBoard
from autocrea.providers.catalog import load_catalog
from autocrea.providers.protocol import Usage
from autocrea.providers.resilience import ResilientModel
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.storage.git import ProjectRepo, role_author
from autocrea.storage.paths import safe_relpath


@dataclass
class RunContext:
    run_id: str
    prompt: str
    model: str
    events: EventStream
    repo: ProjectRepo
    sandbox: Sandbox
    runtimes: RuntimeCache
    llm: ResilientModel | None = None  # None: the offline Blueprint engine drives every role
    # With a model: how long a role waits for a usable answer, and whether the Blueprint takes over
    # when the model fails (False: the run fails and is refunded instead).
    answer_seconds: float = DEFAULT_ANSWER_SECONDS
    fallback: bool = True
    spec: AppSpec | None = None
    evidence: Evidence = field(default_factory=Evidence)
    # Blueprint text of every file a model changed (None: the model created it), for the safety net.
    blueprint_originals: dict[str, str | None] = field(default_factory=dict)
    # How each step ended, for a step that waits for others midway (the tester's verification).
    steps: StepBoard = field(default_factory=StepBoard)
    _committed: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # The roles' view of `llm`: deadlines, and the model dropped at its first unusable answer.
    model_use: RunModel | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.llm is not None:
            self.model_use = RunModel(
                self.llm,
                answer_seconds=self.answer_seconds,
                fallback=self.fallback,
                on_usage=self.record_usage,
            )

    def require_spec(self) -> AppSpec:
        if self.spec is None:
            raise RuntimeError("the architect has not produced a spec yet")
        return self.spec

    def record_usage(self, role: str, usage: Usage) -> None:
        with self._lock:
            self.evidence.model_seconds[role] = self.evidence.model_seconds.get(role, 0.0) + usage.seconds
            prompt, completion = self.evidence.role_tokens.get(role, (0, 0))
            self.evidence.role_tokens[role] = (
                prompt + usage.prompt_tokens,
                completion + usage.completion_tokens,
            )
            self.evidence.prompt_tokens += usage.prompt_tokens
            self.evidence.completion_tokens += usage.completion_tokens
            self.evidence.role_cost[role] = self.evidence.role_cost.get(role, 0.0) + load_catalog().cost(
                provider=usage.provider,
                model=usage.model,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
            )
            self.evidence.tokens_estimated |= usage.estimated

    def remember_blueprint(self, before: Mapping[str, str], after: Mapping[str, str]) -> None:
        with self._lock:
            for path, text in after.items():
                if before.get(path) != text:
                    self.blueprint_originals.setdefault(path, before.get(path))

    async def restore_blueprint(self, role: str) -> str:
        """Put back the verified Blueprint version of every file a model changed: one more commit."""
        restore = {p: t for p, t in self.blueprint_originals.items() if t is not None}
        delete = [p for p, t in self.blueprint_originals.items() if t is None]
        sha = await asyncio.to_thread(
            self.repo.commit_files,
            restore,
            message=f"Restore the Blueprint of {len(self.blueprint_originals)} file(s) a model changed",
            author=role_author(role),
            delete=delete,
        )
        with self._lock:
            self.blueprint_originals.clear()
            self.evidence.commits.append(sha)
        self.reset_verification()
        for path in sorted(restore):
            self.events("file.written", role, path=path, bytes=len(restore[path].encode()), restored=True)
        return sha

    def reset_verification(self) -> None:
        """Forget test and probe results before verifying a changed tree again."""
        with self._lock:
            self.evidence.tests.clear()
            self.evidence.pages.clear()
            self.evidence.booted = False

    def log(
        self,
        role: str,
        message: str,
        *,
        key: str | None = None,
        params: dict[str, object] | None = None,
        **data: object,
    ) -> None:
        """A log line: `message` in English (CLI, API, logs); `key` and `params` let a UI word it itself."""
        if key is not None:
            data = {**data, "key": key, "params": params or {}}
        self.events("step.log", role, message=message, **data)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.evidence.timings[phase] = (
                    self.evidence.timings.get(phase, 0.0) + time.monotonic() - started
                )

    async def commit(
        self,
        role: str,
        owns: tuple[str, ...],
        files: Mapping[str, str],
        message: str,
        *,
        repair: bool = False,
    ) -> str:
        """Write a role's files and commit them as that role: one commit per role step, plus repairs."""
        if role in self._committed and not repair:
            raise RuntimeError(f"{role} already committed in this run")
        for path in files:
            clean = safe_relpath(path)
            if not any(fnmatch.fnmatchcase(clean, pattern) for pattern in owns):
                raise UnsafePath(
                    f"{role} may not write {clean!r}: it is not one of its files", details={"path": clean}
                )
        sha = await asyncio.to_thread(
            self.repo.commit_files, dict(files), message=message, author=role_author(role)
        )
        with self._lock:
            self._committed.add(role)
            self.evidence.commits.append(sha)
            self.evidence.files += len(files)
            self.evidence.lines += sum(text.count("\n") for text in files.values())
        for path in sorted(files):
            text = files[path]
            self.events("file.written", role, path=path, bytes=len(text.encode()), lines=text.count("\n"))
        return sha
