"""The run's model as the roles share it: dropped for the whole run at its first unusable answer,
a deadline per answer, a wrong configuration that ends the run — through the real OpenAI SDK
against the local model server, counting what the server was asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest

from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_backend, render_frontend
from autocrea.errors import ModelFailed, ProviderAuthError
from autocrea.pipeline.architect_model import design_with_model
from autocrea.pipeline.builder_model import ModelChanges, extend_with_model
from autocrea.pipeline.roles.builders import Backend, Frontend
from autocrea.pipeline.run_model import RunModel, offline_label
from autocrea.providers.protocol import ChatMessage
from autocrea.testing.latency import Latency
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.script import Fault, ModelScript, Reply
from tests.conftest import openai_model
from tests.unit.pipeline.lines import Lines

KEY = "sk-test-canary-runmodel-0123456789"
PROMPT = "a library system with books, members and loans"
SPEC = design(PROMPT).spec
GARBAGE = Reply("Sure! I would build this with Django, React and a few microservices.")
Serve = Callable[..., tuple[FakeModelServer, RunModel]]


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[FakeModelServer] = []

    def start(
        script: ModelScript, *, latency: Latency | None = None, **options: object
    ) -> tuple[FakeModelServer, RunModel]:
        server = FakeModelServer(script, api_key=KEY, latency=latency or Latency())
        server.start()
        servers.append(server)
        return server, RunModel(openai_model(server.url, KEY, timeout=30), **options)  # type: ignore[arg-type]

    yield start
    for server in servers:
        server.stop()


async def build(use: RunModel, role: str, logs: Lines | None = None) -> ModelChanges:
    owns, render = {"backend": (Backend.owns, render_backend), "frontend": (Frontend.owns, render_frontend)}[
        role
    ]
    return await extend_with_model(
        role=role,
        owns=owns,
        prompt=PROMPT,
        spec=SPEC,
        files=render(SPEC),
        model=use,
        max_tokens=4000,
        temperature=0.2,
        log=logs if logs is not None else Lines(),
    )


async def settled(server: FakeModelServer, count: int) -> None:
    """Wait until the server has logged `count` replies (a reply is logged once its client is gone)."""
    for _ in range(500):
        if len(server.emissions) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the server logged {len(server.emissions)} replies, not {count}")


async def test_after_the_first_unusable_answer_no_role_asks_the_model_again(serve: Serve) -> None:
    server, use = serve(ModelScript({"architect": Reply(SPEC.model_dump_json())}, default=GARBAGE))
    designed = await design_with_model(prompt=PROMPT, model=use, max_tokens=8000, temperature=0.2)
    assert not designed.fell_back and use.used_by == ["architect"]
    logs = Lines()
    assert (await build(use, "backend", logs)).files == {}  # garbage: the model is dropped
    assert (await build(use, "frontend", logs)).files == {}  # never asked
    assert [r.role for r in server.requests] == ["architect", "backend"]
    assert use.dropped is not None and (use.dropped.role, use.dropped.reason) == ("backend", "format")
    assert logs.keys() == ["model_dropped", "model_gone"]
    report = use.report()
    assert report["fell_back"] and report["built_by"] == "blueprint" and report["used_by"] == ["architect"]
    assert report["label"] == offline_label("openai:gpt-4o-mini", use.dropped)
    assert (
        report["label"]
        == "built offline: openai:gpt-4o-mini failed (its answers were not in the required format)"
    )


async def test_a_drop_stops_the_other_roles_requests_in_flight(serve: Serve) -> None:
    # The frontend's answer would take a minute; the backend's garbage arrives after a second (by
    # then both requests are in flight).
    slow = Reply("NO CHANGES", (Fault("slow_first_token", delay=60.0),))
    late_garbage = Reply(GARBAGE.text, (Fault("slow_first_token", delay=1.0),))
    server, use = serve(ModelScript({"backend": late_garbage, "frontend": slow}))
    frontend_logs = Lines()
    backend, frontend = await asyncio.gather(build(use, "backend"), build(use, "frontend", frontend_logs))
    assert backend.files == {} and frontend.files == {} and frontend.usages == []
    assert frontend_logs.keys() == ["model_gone"]  # it keeps its Blueprint files, says why
    await settled(server, 2)
    cut = next(e for e in server.emissions if not e.complete)
    assert cut.sent == ()  # the client hung up before the slow answer's first token was due


async def test_a_slow_model_is_dropped_at_its_deadline_with_nothing_sent(serve: Serve) -> None:
    server, use = serve(
        ModelScript(default=Reply(SPEC.model_dump_json())), latency=Latency(ttft=60.0), answer_seconds=1.0
    )
    designed = await design_with_model(prompt=PROMPT, model=use, max_tokens=8000, temperature=0.2)
    assert designed.fell_back and use.dropped is not None and use.dropped.reason == "slow"
    assert {e.name for e in designed.spec.entities} == {"Book", "Member", "Loan"}  # designed offline
    assert len(server.requests) == 1
    await settled(server, 1)
    assert not server.emissions[0].complete and server.emissions[0].sent == ()


async def test_re_asks_share_one_deadline(serve: Serve) -> None:
    # Each answer is garbage and takes ~0.6 s: three of them would need 1.8 s, the deadline is 1 s.
    server, use = serve(ModelScript(default=GARBAGE), latency=Latency(ttft=0.6), answer_seconds=1.0)
    designed = await design_with_model(prompt=PROMPT, model=use, max_tokens=8000, temperature=0.2)
    assert designed.fell_back and use.dropped is not None and use.dropped.reason == "slow"
    assert len(server.requests) <= 2  # the third answer (due at 1.8 s at the earliest) was never asked for


async def test_without_fallback_an_unusable_answer_fails_the_run(serve: Serve) -> None:
    server, use = serve(ModelScript(default=GARBAGE), fallback=False)
    with pytest.raises(ModelFailed, match="set not to fall back to the Blueprint"):
        await design_with_model(prompt=PROMPT, model=use, max_tokens=8000, temperature=0.2)
    with pytest.raises(ModelFailed):  # and so does every other role's turn
        await build(use, "backend")
    assert [r.role for r in server.requests] == ["architect"] * 3  # the allowed re-asks, then no more
    assert use.failure is not None and use.failure.details["reason"] == "format"


async def test_a_rejected_key_fails_every_role_without_more_requests(serve: Serve) -> None:
    server, use = serve(ModelScript(default=Reply("NO CHANGES")))
    server.api_key = "another-key-entirely-0123456789"
    with pytest.raises(ProviderAuthError, match=r"\(HTTP 401\): check OPENAI_API_KEY"):
        await build(use, "backend")
    with pytest.raises(ProviderAuthError):
        await build(use, "frontend")
    assert len(server.requests) == 1 and use.dropped is None  # not "built offline": failed


async def test_a_configuration_error_stops_the_others_in_flight(serve: Serve) -> None:
    # The backend's request meets a spend limit while the frontend's answer is slow.
    spent = Reply("NO CHANGES", (Fault("status", status=402, times=9),))
    slow = Reply("NO CHANGES", (Fault("slow_first_token", delay=60.0),))
    server, use = serve(ModelScript({"backend": spent, "frontend": slow}))
    frontend = asyncio.create_task(build(use, "frontend"))
    while not server.requests:  # the frontend's request is in flight
        await asyncio.sleep(0.01)
    outcomes = await asyncio.gather(build(use, "backend"), frontend, return_exceptions=True)
    assert all(isinstance(o, ProviderAuthError) and o.failure == "spend_limit" for o in outcomes)
    await settled(server, 1)  # the frontend's slow answer: cut before its first token
    assert server.emissions[0].sent == () and len(server.requests) == 2


async def test_own_keys_are_named_as_settings_not_server_variables(serve: Serve) -> None:
    from pydantic import SecretStr

    from autocrea.providers.select import Credentials, build_model, parse_model, policy_for

    server, _ = serve(ModelScript(default=Reply("NO CHANGES")))
    creds = Credentials(
        openai_api_key=SecretStr("sk-wrong-own-key-0123456789"),
        openai_base_url=f"{server.url}/v1",
        own=frozenset({"openai"}),
    )
    chain = build_model(
        parse_model("openai:gpt-4o-mini"),
        credentials=creds,
        policy=policy_for(timeout_seconds=10, max_retries=0),
        timeout_seconds=10,
    )
    use = RunModel(chain)
    with pytest.raises(ProviderAuthError) as info:
        await use.complete([ChatMessage("user", "hi")], role="backend", max_tokens=10, temperature=0.2)
    assert info.value.message == (
        "The OpenAI-compatible server rejected the API key (HTTP 401): "
        "check your key in Settings → Model keys"
    )
    assert info.value.details["own_key"] is True
    with pytest.raises(ProviderAuthError):  # the run is over for every role
        use.check()
    with pytest.raises(ProviderAuthError):
        await use.complete([ChatMessage("user", "hi")], role="frontend", max_tokens=10, temperature=0.2)
    assert len(server.requests) == 1
    await use.aclose()
