"""One generation, end to end: the roles as a DAG, events for every step, the definition of done."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from autocrea.domain.appspec import AppSpec
from autocrea.errors import AutocreaError
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.dag import Node, NodeStatus, Skipped, check_acyclic, run_dag
from autocrea.pipeline.evidence import Evidence
from autocrea.pipeline.roles.architect import Architect
from autocrea.pipeline.roles.base import Role
from autocrea.pipeline.roles.builders import Backend, Devops, Frontend
from autocrea.pipeline.roles.security import Security
from autocrea.pipeline.roles.tester import Tester
from autocrea.pipeline.run_model import blueprint_report


def default_roles() -> list[Role]:
    return [Architect(), Backend(), Frontend(), Devops(), Tester(), Security()]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    spec: AppSpec | None
    evidence: Evidence
    unmet: tuple[str, ...]
    seconds: float
    error: str | None
    # Which model built it: chosen, built_by, label ("built offline: <model> failed (<reason>)" when
    # the chosen model failed and the Blueprint did the work), failed, used_by, fallback.
    model: dict[str, Any] = field(default_factory=blueprint_report)
    error_code: str | None = None
    error_details: dict[str, Any] = field(default_factory=dict)
    changes: tuple[str, ...] = ()  # a change run made offline: each change, in the app's language


def _error_details(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, AutocreaError):
        return {"error": exc.message, "code": exc.code, "details": exc.details}
    if isinstance(exc, TimeoutError):
        return {"error": "the step ran past its time limit", "code": "timeout", "details": {}}
    return {"error": f"{type(exc).__name__}: {exc}", "code": "internal_error", "details": {}}


async def generate(ctx: RunContext, *, roles: list[Role] | None = None) -> Outcome:
    """Run every role; return what was proved. Never raises for a role's failure: it is in the events."""
    started = time.monotonic()
    roles = roles if roles is not None else default_roles()
    by_name = {role.name: role for role in roles}
    nodes = [Node(role.name, role.after) for role in roles]
    # A wait midway counts as an edge too: refuse a graph where it could never end (cycle, unknown).
    check_acyclic([Node(role.name, role.after + role.waits_for) for role in roles])
    ctx.steps.expect(by_name)
    finished = 0
    ctx.events(
        "run.started",
        prompt_chars=len(ctx.prompt),
        model=ctx.model,
        steps=[
            {"name": r.name, "title": r.title, "after": list(r.after), "waits_for": list(r.waits_for)}
            for r in roles
        ],
    )

    def ended(name: str, status: NodeStatus, **data: object) -> None:
        nonlocal finished
        finished += 1
        ctx.events("step.finished", name, status=status, progress=round(finished / len(roles), 3), **data)
        ctx.steps.end(name, status)

    def step(role: Role) -> object:
        async def work() -> None:
            ctx.events("step.started", role.name, title=role.title)
            t0 = time.monotonic()
            try:
                summary = await asyncio.wait_for(role.run(ctx), timeout=role.settings.timeout_seconds)
            except Skipped as skip:  # a step it waited for midway did not succeed
                ended(role.name, "skipped", reason=skip.reason, seconds=round(time.monotonic() - t0, 3))
                raise
            except Exception as exc:
                ended(role.name, "failed", seconds=round(time.monotonic() - t0, 3), **_error_details(exc))
                raise
            except BaseException:  # cancelled: still end it, so no step waiting for it hangs
                ctx.steps.end(role.name, "failed")
                raise
            seconds = round(time.monotonic() - t0, 3)
            ended(role.name, "succeeded", summary=summary.text, facts=summary.facts, seconds=seconds)

        return work

    def skipped(name: str) -> None:
        ended(name, "skipped", reason="a step it depends on failed")

    result = await run_dag(nodes, {name: step(role) for name, role in by_name.items()}, on_skip=skipped)  # type: ignore[misc]
    seconds = time.monotonic() - started
    unmet = tuple(ctx.evidence.unmet())
    # A model that ended the run (a wrong key, or no fallback) is its cause, whichever step saw it.
    use = ctx.model_use
    cause = use.failure if use is not None and use.failure is not None else None
    first_error = cause or next((result.errors[n.name] for n in nodes if n.name in result.errors), None)
    described = _error_details(first_error) if first_error is not None else None
    error = described["error"] if described is not None else None
    report = use.report() if use is not None else blueprint_report()
    summary = {**ctx.evidence.summary(), "seconds": round(seconds, 3), "model": report}
    ok = result.ok and not unmet and cause is None
    if ok:
        ctx.events("run.finished", summary=summary)
    else:
        ctx.events(
            "run.failed",
            error=error or "; ".join(unmet),
            unmet=list(unmet),
            summary=summary,
            **({"code": described["code"], "details": described["details"]} if described else {}),
        )
    return Outcome(
        ok=ok,
        spec=ctx.spec,
        evidence=ctx.evidence,
        unmet=unmet,
        seconds=seconds,
        error=str(error) if error else None,
        model=report,
        error_code=str(described["code"]) if described else None,
        error_details=dict(described["details"]) if described else {},
    )
