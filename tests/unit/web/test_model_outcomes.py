"""Honest outcomes of runs with a model, through the API: the platform's OpenAI-compatible server is
the local fake (driven by the official SDK), and what it was asked is counted.

- a wrong configuration (rejected key, nothing at the address) fails the run at once, names the
  provider and the setting, and returns every credit;
- a model whose answers cannot be used, or come too slowly, is dropped after its first unusable
  answer; the Blueprint builds the app, and the run, its project and their pages say so, at the
  offline price (the rest of the hold returned in the ledger);
- with fallback off the same run fails and is refunded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autocrea.blueprint.architect import design
from autocrea.testing import FakeModelServer, Fault, Latency, ModelScript, Reply
from tests.platform import Account, Platform, running, settings_for
from tests.unit.providers.helpers import closed_port_url

KEY = "sk-server-key-outcomes-0123456789"
MODEL = "openai:gpt-4o-mini"
SPEC = design("Create a simple todo app").spec.model_dump_json()
GARBAGE = Reply("Sure! I would build this with Django, React and a few microservices.")
# An answer that would come a minute later: only a run that waited for it would see it.
LATE = Reply("NO CHANGES", (Fault("slow_first_token", delay=60.0, times=99),))
ANSWER_SECONDS = 3.0
FULL = {"granted": 100, "spent": 0, "held": 0, "available": 100}
OFFLINE_LABEL = f"built offline: {MODEL} failed (its answers were not in the required format)"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer(ModelScript(default=Reply("NO CHANGES")), api_key=KEY) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory, runtime_root: Path, server: FakeModelServer
) -> Iterator[Platform]:
    settings = settings_for(
        tmp_path_factory.mktemp("outcomes") / "data",
        runtime_dir=runtime_root,
        openai_api_key=KEY,
        openai_base_url=f"{server.url}/v1",
        generation_cost=50,
        offline_generation_cost=20,
        model_answer_seconds=ANSWER_SECONDS,
        allow_private_model_urls=True,  # a user's own base URL below is on loopback
    )
    with running(settings) as platform:
        yield platform


def run_to_end(web: Platform, account: Account, **body: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    created = web.generate(account, "Create a simple todo app", model=MODEL, **body)
    events = web.events(account, created["run"]["id"])
    return web.wait_run(account, created["run"]["id"]), events


def roles_asked(server: FakeModelServer) -> list[str | None]:
    return [r.role for r in server.requests if r.path == "/v1/chat/completions"]


def statuses(events: list[dict[str, Any]]) -> dict[str, str]:
    return {e["step"]: e["data"]["status"] for e in events if e["type"] == "step.finished"}


def test_a_rejected_key_fails_the_run_at_once_and_returns_the_credits(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(ModelScript(default=Reply("NO CHANGES")), api_key="sk-the-only-key-it-takes-0123456789")
    ana = web.register()
    run, events = run_to_end(web, ana)
    assert run["status"] == "failed"
    assert run["error"] == (
        "The OpenAI-compatible server rejected the API key (HTTP 401): check OPENAI_API_KEY"
    )
    assert roles_asked(server) == ["architect"]  # one request: no retry, no other role, no fallback
    assert statuses(events) == {
        "architect": "failed",
        **{r: "skipped" for r in ("backend", "frontend", "devops", "tester", "security")},
    }
    failed = events[-1]
    assert failed["type"] == "run.failed" and failed["data"]["code"] == "provider_auth_error"
    assert failed["data"]["details"]["setting"] == "OPENAI_API_KEY"
    assert run["summary"]["model"]["fell_back"] is False and run["model"] == MODEL
    assert web.credits(ana, expect=FULL) == FULL
    # The project page says it in the page's language, with the setting to fix.
    page = web.request("GET", f"/projects/{run['project_id']}?lang=es", ana).text
    assert "Servidor compatible con OpenAI: clave de API rechazada (HTTP 401). Revisa OPENAI_API_KEY." in page
    entries = web.request("GET", "/api/credits", ana).json()["entries"]
    assert [(e["kind"], e["amount"]) for e in entries[:2]] == [("release", 50), ("hold", 50)]


def test_an_unreachable_own_endpoint_fails_at_once_naming_the_setting(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(ModelScript(default=Reply("NO CHANGES")), api_key=KEY)
    bo = web.register()
    url = closed_port_url()
    saved = web.request("PUT", "/api/keys/openai", bo, json={"key": KEY, "base_url": f"{url}/v1"})
    assert saved.status_code == 200, saved.text
    run, events = run_to_end(web, bo)
    assert run["status"] == "failed"
    assert run["error"] == (
        f"The OpenAI-compatible server could not be reached at {url}/v1 (your key in Settings → Model keys)"
    )
    assert events[-1]["data"]["details"]["own_key"] is True
    assert statuses(events)["architect"] == "failed" and not server.requests
    assert web.credits(bo, expect=FULL) == FULL


def test_garbage_drops_the_model_for_the_run_and_the_blueprint_builds_it_at_the_offline_price(
    web: Platform, server: FakeModelServer
) -> None:
    # The architect answers well; the backend answers garbage; the others would answer a minute later.
    server.reset(ModelScript({"architect": Reply(SPEC), "backend": GARBAGE}, default=LATE), api_key=KEY)
    cy = web.register()
    run, events = run_to_end(web, cy)
    assert run["status"] == "succeeded", run
    asked = roles_asked(server)
    # The roles already asking (frontend, devops, tester start beside the backend) were stopped;
    # no role asked again after the backend's unusable answer, not even to repair.
    assert asked[0] == "architect" and asked.count("backend") == 1
    assert set(asked) <= {"architect", "backend", "frontend", "devops", "tester"}
    assert len(asked) == len(set(asked))
    model = run["summary"]["model"]
    assert model["fell_back"] and model["built_by"] == "blueprint" and model["used_by"] == ["architect"]
    assert model["failed"]["role"] == "backend" and model["failed"]["reason"] == "format"
    assert run["model"] == OFFLINE_LABEL == model["label"]
    project = web.request("GET", f"/api/projects/{run['project_id']}", cy).json()
    assert project["model"] == OFFLINE_LABEL
    logs = [e["data"] for e in events if e["type"] == "step.log" and e["data"].get("key") == "model_dropped"]
    assert len(logs) == 1 and logs[0]["params"]["why"] == "format"
    # The offline price: 20 of the 50 held spent, 30 returned, each a ledger entry naming why.
    assert run["summary"]["credits"] == {"held": 50, "charged": 20, "returned": 30}
    spent = {"granted": 100, "spent": 20, "held": 0, "available": 80}
    assert web.credits(cy, expect=spent) == spent
    entries = web.request("GET", "/api/credits", cy).json()["entries"]
    assert [(e["kind"], e["amount"]) for e in entries[:3]] == [("release", 30), ("settle", 20), ("hold", 50)]
    assert entries[0]["reason"].endswith(f"30 of 50 returned ({OFFLINE_LABEL})")
    # The pages say it too, in the page's language.
    page = web.request("GET", f"/projects/{run['project_id']}?lang=en", cy).text
    assert 'data-testid="built-offline"' in page and "built offline: openai:gpt-4o-mini failed" in page
    listing = web.request("GET", "/projects?lang=es", cy).text
    assert (
        "creada sin conexión: openai:gpt-4o-mini falló" in listing
        and 'data-testid="built-offline"' in listing
    )
    evidence = web.request("GET", f"/projects/{run['project_id']}/part/evidence?lang=es", cy).text
    assert 'data-testid="built-offline"' in evidence


def test_without_fallback_unusable_answers_fail_the_run_and_return_the_credits(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(ModelScript(default=GARBAGE), api_key=KEY)
    di = web.register()
    run, events = run_to_end(web, di, fallback=False)
    assert run["status"] == "failed" and run["fallback"] is False
    assert "set not to fall back to the Blueprint" in run["error"]
    assert roles_asked(server) == ["architect"] * 3  # the allowed re-asks, then nothing
    assert events[-1]["data"]["code"] == "model_failed"
    assert run["model"] == MODEL  # nothing was built, so nothing is relabelled
    assert web.credits(di, expect=FULL) == FULL


def test_a_slow_model_costs_one_deadline_then_the_blueprint_builds_it(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(ModelScript(default=Reply(SPEC)), latency=Latency(ttft=60.0), api_key=KEY)
    ed = web.register()
    run, events = run_to_end(web, ed)
    assert run["status"] == "succeeded", run
    assert run["summary"]["model"]["failed"]["reason"] == "slow"
    assert run["model"] == f"built offline: {MODEL} failed (no usable answer in time)"
    assert roles_asked(server) == ["architect"]  # dropped at the deadline: no role asked again
    architect = next(e for e in events if e["type"] == "step.finished" and e["step"] == "architect")
    assert architect["data"]["status"] == "succeeded"  # a reason to fall back, not to fail
    server.reset(ModelScript(default=Reply("NO CHANGES")), api_key=KEY)  # waits for the cut reply
    assert web.credits(ed, expect={"granted": 100, "spent": 20, "held": 0, "available": 80})["spent"] == 20
