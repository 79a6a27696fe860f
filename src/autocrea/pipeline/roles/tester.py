"""Tester: writes the app's tests beside the builders; then installs, runs the tests, boots, probes."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from pathlib import Path

import httpx

from autocrea.blueprint.render import render_tests
from autocrea.errors import AutocreaError, GenerationFailed, RuntimeSetupFailed
from autocrea.pipeline.builder_model import refine, repair_task
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.evidence import PageProbe
from autocrea.pipeline.ownership import OWNS, mentioned_paths, owner_of
from autocrea.pipeline.pytest_report import failure_excerpt, parse_short_summary
from autocrea.pipeline.roles.base import RoleSettings, Summary
from autocrea.pipeline.roles.builders import Backend
from autocrea.pipeline.run_model import ModelDropped
from autocrea.sandbox.http import client_for
from autocrea.sandbox.protocol import LISTEN_FD, Limits, Mounts, Server
from autocrea.sandbox.runtime import RuntimeEnv
from autocrea.sandbox.scratch import scratch_dir
from autocrea.storage.paths import write_file

TEST_LIMITS = Limits(wall_seconds=180, cpu_seconds=180)
BOOT_LIMITS = Limits(wall_seconds=60, cpu_seconds=60)
BOOT_TIMEOUT = 20.0
MAX_REPAIR_ROUNDS = 2
REPAIR_TOKEN_BUDGET = 60_000  # prompt + completion tokens of the whole run
VERIFY_SECONDS = 900.0  # install, tests, boot, probes and repair rounds


def checkout(ctx: RunContext, target: Path) -> None:
    """Copy the committed tree (not the worktree) into a scratch dir: tests never run in the project."""
    target.mkdir(parents=True, exist_ok=True)
    for path, data in ctx.repo.tree("HEAD").items():
        write_file(target, path, data)


class Tester:
    """Writes the tests beside the builders (they need only the spec), then verifies their output.

    In the DAG it follows the architect alone; the builders' files are needed only by the
    verification, so it waits for them midway (`waits_for`). Its time limit covers that wait too.
    """

    name = "tester"
    title = "Tester"
    after: tuple[str, ...] = ("architect",)
    waits_for: tuple[str, ...] = ("backend", "frontend", "devops")
    owns: tuple[str, ...] = OWNS["tester"]
    settings = RoleSettings(timeout_seconds=Backend.settings.timeout_seconds + VERIFY_SECONDS)

    async def run(self, ctx: RunContext) -> Summary:
        await self.write(ctx)
        waiting = ", ".join(self.waits_for)
        ctx.log(
            self.name,
            f"tests committed; waiting for {waiting} to verify the app",
            key="tests_waiting",
            params={"steps": list(self.waits_for)},
        )
        await ctx.steps.wait(self.waits_for, waiter=self.name, purpose="verifying the app")
        return await self.verify(ctx)

    async def write(self, ctx: RunContext) -> None:
        """Render the tests from the spec, let the model extend them, commit: one commit per step."""
        spec = ctx.require_spec()
        files = await asyncio.to_thread(render_tests, spec)
        files = await refine(ctx, role=self.name, owns=self.owns, settings=self.settings, files=files)
        await ctx.commit(self.name, self.owns, files, f"Tests: {len(files)} files for {spec.name}")

    async def verify(self, ctx: RunContext, *, safety_net: bool = True) -> Summary:
        """Prove the committed app (builders' files and these tests); repair or restore if it fails.
        Without the safety net (a change run: the Blueprint's files are the project as it was, not
        the change) a model's change the repair rounds did not fix fails the step."""
        try:
            await self._verify(ctx)
        except (GenerationFailed, RuntimeSetupFailed) as failure:
            if not ctx.blueprint_originals:
                raise
            if await self._repair(ctx, failure):
                return self._summary(ctx)
            if not safety_net:
                raise GenerationFailed(
                    "the model's change broke the app and the repair rounds did not fix it: "
                    + failure.message,
                    details=failure.details,
                ) from failure
            # Safety net: a model's change broke the verified Blueprint; put it back and prove it again.
            # The app is then the Blueprint's: the model failed this run (with no fallback, it ends).
            if ctx.model_use is not None and ctx.model_use.dropped is None:
                with contextlib.suppress(ModelDropped):  # said just below, with the files it concerns
                    ctx.model_use.drop(self.name, "broke_app", failure.message)
            names = ", ".join(sorted(ctx.blueprint_originals))
            ctx.log(
                self.name,
                f"model changes broke the app ({failure.message}); restoring the Blueprint of {names}",
                key="blueprint_restored",
                params={"error": failure.message, "files": names},
            )
            await ctx.restore_blueprint(self.name)
            await self._verify(ctx)
        return self._summary(ctx)

    def _summary(self, ctx: RunContext) -> Summary:
        ev = ctx.evidence
        return Summary(
            f"{ev.tests_passed} tests passed, app booted, {ev.pages_ok}/{len(ev.pages)} pages answered 200",
            {"n": ev.tests_passed, "pages_ok": ev.pages_ok, "pages": len(ev.pages)},
        )

    async def _repair(self, ctx: RunContext, failure: AutocreaError) -> bool:
        """Send the failure to the roles that own the failing files; bounded by rounds and tokens.

        Stops early when a round proposes nothing or the failure does not change (no progress).
        """
        if ctx.model_use is None or ctx.model_use.dropped is not None:
            return False  # a dropped model is asked nothing more: the safety net restores its files
        previous: tuple[str, ...] | None = None
        for round_no in range(1, MAX_REPAIR_ROUNDS + 1):
            if ctx.evidence.prompt_tokens + ctx.evidence.completion_tokens >= REPAIR_TOKEN_BUDGET:
                ctx.log(
                    self.name,
                    f"repair stopped: the run used its {REPAIR_TOKEN_BUDGET:,}-token budget",
                    key="repair_budget",
                    params={"tokens": f"{REPAIR_TOKEN_BUDGET:,}"},
                )
                return False
            output = _failure_text(failure)
            failing = tuple(sorted(t.name for t in ctx.evidence.tests if t.outcome in ("failed", "error")))
            signature = (failure.message, *failing)
            if signature == previous:
                ctx.log(
                    self.name,
                    f"repair round {round_no - 1} made no progress; stopping",
                    key="repair_stalled",
                    params={"round": round_no - 1},
                )
                return False
            previous = signature
            tree = {p: d.decode("utf-8", "replace") for p, d in ctx.repo.tree("HEAD").items()}
            owners = _owners(output, tree, ctx.blueprint_originals)
            ctx.log(
                self.name,
                f"repair round {round_no}: asking {', '.join(owners)} to fix: {failure.message}",
                key="repair_asking",
                params={"round": round_no, "steps": list(owners), "error": failure.message},
            )
            changed = False
            for role in owners:
                files = {p: t for p, t in tree.items() if owner_of(p) == role}
                updated = await refine(
                    ctx,
                    role=role,
                    owns=OWNS[role],
                    settings=self.settings,
                    files=files,
                    task=repair_task(output),
                )
                diff = {p: t for p, t in updated.items() if files.get(p) != t}
                if diff:
                    await ctx.commit(
                        role, OWNS[role], diff, f"Repair round {round_no}: {len(diff)} file(s)", repair=True
                    )
                    changed = True
            if not changed:
                ctx.log(
                    self.name,
                    f"repair round {round_no}: no change was proposed",
                    key="repair_nothing",
                    params={"round": round_no},
                )
                return False
            ctx.reset_verification()
            try:
                await self._verify(ctx)
            except (GenerationFailed, RuntimeSetupFailed) as again:
                failure = again
                continue
            ctx.log(
                self.name,
                f"repair round {round_no} fixed the app",
                key="repair_fixed",
                params={"round": round_no},
            )
            return True
        return False

    async def _verify(self, ctx: RunContext) -> None:
        scratch = scratch_dir("autocrea-test-")
        try:
            # Tests and the boot probe are independent: each gets its own sandbox and its own copy
            # (a sandbox may write only its copy), side by side; both are reported.
            tests, boot = scratch / "tests", scratch / "boot"
            await asyncio.gather(
                asyncio.to_thread(checkout, ctx, tests / "app"),
                asyncio.to_thread(checkout, ctx, boot / "app"),
            )
            runtime = await self._install(ctx, tests / "app")
            outcomes = await asyncio.gather(
                self._pytest(ctx, tests, runtime),
                self._boot_and_probe(ctx, boot, runtime),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    async def _install(self, ctx: RunContext, app_dir: Path) -> RuntimeEnv:
        requirements = (app_dir / "requirements.txt").read_text(encoding="utf-8")
        ctx.log(self.name, "resolving dependencies from requirements.txt", key="deps_resolving")
        with ctx.timed("install"):
            env = await ctx.runtimes.ensure(requirements)
        ctx.evidence.deps_resolved = True
        how = "reused a cached environment" if env.reused else "installed a fresh environment"
        ctx.log(
            self.name,
            f"dependencies ready: {how} in {env.seconds:.1f} s",
            key="deps_cached" if env.reused else "deps_installed",
            params={"seconds": f"{env.seconds:.1f}"},
        )
        return env

    async def _pytest(self, ctx: RunContext, scratch: Path, runtime: RuntimeEnv) -> None:
        ctx.log(self.name, "running pytest in the sandbox", key="pytest_running")
        python = runtime.python
        with ctx.timed("tests"):
            result = await ctx.sandbox.run(
                [str(python), "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "--color=no"],
                cwd=scratch / "app",
                mounts=Mounts(writable=(scratch,), readonly=(runtime.path,)),
                env={"PATH": str(python.parent), "COLUMNS": "200"},  # short summary lines not cut at 80
                limits=TEST_LIMITS,
            )
        cases = parse_short_summary(result.stdout)
        ctx.evidence.tests.extend(cases)
        for case in cases:
            ctx.events(
                "test.result",
                self.name,
                kind="unit",
                name=case.name,
                outcome=case.outcome,
                message=case.message,
            )
        ev = ctx.evidence
        ctx.log(
            self.name,
            f"pytest: {ev.tests_passed} passed, {ev.tests_failed} failed in {result.seconds:.1f} s",
            key="pytest_done",
            params={"passed": ev.tests_passed, "failed": ev.tests_failed, "seconds": f"{result.seconds:.1f}"},
        )
        if result.timed_out:
            raise GenerationFailed(
                f"the app's tests ran past {TEST_LIMITS.wall_seconds:.0f} s and were stopped"
            )
        if not result.ok or ev.tests_failed or not ev.tests_passed:
            raise GenerationFailed(
                f"the app's tests failed ({ev.tests_passed} passed, {ev.tests_failed} failed)",
                details={"output": failure_excerpt(result.stdout + result.stderr)},
            )

    async def _boot_and_probe(self, ctx: RunContext, scratch: Path, runtime: RuntimeEnv) -> None:
        spec = ctx.require_spec()
        python = runtime.python
        ctx.log(self.name, "booting the app with uvicorn (no network: a Unix socket)", key="booting")
        with ctx.timed("boot"):
            server = await ctx.sandbox.serve(
                [str(python), "-m", "uvicorn", "app.main:app", "--fd", LISTEN_FD],
                cwd=scratch / "app",
                mounts=Mounts(writable=(scratch,), readonly=(runtime.path,)),
                env={"PATH": str(python.parent), "DATABASE_URL": f"sqlite:///{scratch / 'boot.db'}"},
                limits=BOOT_LIMITS,
            )
            try:
                async with client_for(server.socket, timeout=10) as client:
                    await self._wait_until_up(server, client)
                    ctx.evidence.booted = True
                    paths = [page.path for page in spec.pages] + ["/openapi.json"]
                    for path in paths:
                        probe = await _probe(client, path)
                        ctx.evidence.pages.append(probe)
                        ctx.events(
                            "test.result",
                            self.name,
                            kind="page",
                            name=f"GET {path}",
                            path=path,
                            status=probe.status,
                            outcome="passed" if probe.ok else "failed",
                            ms=round(probe.milliseconds, 1),
                        )
            finally:
                tail = await server.stop()
        bad = [p for p in ctx.evidence.pages if not p.ok]
        if bad:
            raise GenerationFailed(
                "pages did not answer 200: " + ", ".join(f"{p.path} ({p.status})" for p in bad),
                details={"server_output": tail[-2000:]},
            )

    async def _wait_until_up(self, server: Server, client: httpx.AsyncClient) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if not server.running():
                tail = await server.stop()
                raise GenerationFailed(
                    "the app exited while booting", details={"server_output": tail[-2000:]}
                )
            try:
                await client.get("/openapi.json")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        tail = await server.stop()
        raise GenerationFailed(
            f"the app did not answer within {BOOT_TIMEOUT:.0f} s", details={"server_output": tail[-2000:]}
        )


def _failure_text(failure: AutocreaError) -> str:
    details = failure.details
    return "\n".join(
        str(x) for x in (failure.message, details.get("output", ""), details.get("server_output", "")) if x
    )


def _owners(output: str, tree: dict[str, str], changed: dict[str, str | None]) -> list[str]:
    """Roles owning the files the failure names; else the roles whose files a model changed."""
    repairable = ("backend", "frontend", "devops", "tester")
    named = [owner_of(p) for p in mentioned_paths(output, tree)]
    owners = [r for r in dict.fromkeys(named) if r in repairable]
    if not owners:
        owners = [r for r in dict.fromkeys(owner_of(p) for p in sorted(changed)) if r in repairable]
    return owners


async def _probe(client: httpx.AsyncClient, path: str) -> PageProbe:
    started = time.monotonic()
    try:
        response = await client.get(path)
    except httpx.HTTPError:
        return PageProbe(path=path, status=0, milliseconds=(time.monotonic() - started) * 1000, ok=False)
    elapsed = (time.monotonic() - started) * 1000
    wants_html = path != "/openapi.json"
    kind_ok = ("text/html" in response.headers.get("content-type", "")) == wants_html
    return PageProbe(
        path=path,
        status=response.status_code,
        milliseconds=elapsed,
        ok=response.status_code == 200 and kind_ok,
    )
