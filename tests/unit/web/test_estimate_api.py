"""The estimate before a run (POST /api/billing/estimate) and the real usage after it.

The platform's OpenAI-compatible server is the local fake, driven by the official SDK; it counts
prompt tokens as ceil(characters / 4), as the estimate does, so a role's estimate can be held to
what the run then really sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autocrea.blueprint.architect import design
from autocrea.providers.catalog import load_catalog
from autocrea.testing import FakeModelServer, ModelScript, Reply
from tests.platform import Platform, running, settings_for

KEY = "sk-server-key-estimate-0123456789"
MODEL = "openai:gpt-4o-mini"
PROMPT = "Create a simple todo app"
ROLES = ["architect", "backend", "frontend", "devops", "tester"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeModelServer]:
    script = ModelScript(
        {"architect": Reply(design(PROMPT).spec.model_dump_json())}, default=Reply("NO CHANGES")
    )
    with FakeModelServer(script, api_key=KEY) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory, runtime_root: Path, server: FakeModelServer
) -> Iterator[Platform]:
    settings = settings_for(
        tmp_path_factory.mktemp("estimate") / "data",
        runtime_dir=runtime_root,
        openai_api_key=KEY,
        openai_base_url=f"{server.url}/v1",
        generation_cost=50,
        offline_generation_cost=20,
    )
    with running(settings) as platform:
        yield platform


def test_the_offline_engine_costs_credits_and_no_money(web: Platform) -> None:
    ana = web.register()
    answer = web.request("POST", "/api/billing/estimate", ana, json={"prompt": PROMPT, "model": "blueprint"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"credits": 20, "available": 100, "model": None}


def test_a_model_run_is_estimated_per_role_at_the_catalogs_prices(web: Platform) -> None:
    bo = web.register()
    answer = web.request("POST", "/api/billing/estimate", bo, json={"prompt": PROMPT, "model": MODEL})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["credits"] == 50 and body["available"] == 100
    model = body["model"]
    assert (model["provider"], model["model"], model["complete"]) == ("openai", "gpt-4o-mini", True)
    assert [r["role"] for r in model["roles"]] == ROLES
    assert model["prompt_tokens"] == sum(r["prompt_tokens"] for r in model["roles"])
    # The architect may answer 8,000 tokens, each builder 4,096.
    assert [r["max_completion_tokens"] for r in model["roles"]] == [8000, 4096, 4096, 4096, 4096]
    prices = load_catalog().lookup(provider="openai", model="gpt-4o-mini")
    expected = prices.cost(
        prompt_tokens=model["prompt_tokens"], completion_tokens=model["max_completion_tokens"]
    )
    assert model["cost_usd_max"] == pytest.approx(expected, abs=1e-6)
    # A longer description sends more.
    longer = web.request(
        "POST",
        "/api/billing/estimate",
        bo,
        json={
            "prompt": PROMPT + " with tags, due dates, priorities and a note on every task",
            "model": MODEL,
        },
    ).json()["model"]
    assert longer["roles"][0]["prompt_tokens"] > model["roles"][0]["prompt_tokens"]


def test_a_description_the_offline_architect_cannot_read_counts_only_the_architect(web: Platform) -> None:
    cy = web.register()
    body = web.request(
        "POST", "/api/billing/estimate", cy, json={"prompt": "una calculadora científica", "model": MODEL}
    ).json()
    assert body["model"]["complete"] is False
    assert [r["role"] for r in body["model"]["roles"]] == ["architect"]


@pytest.mark.parametrize(
    ("payload", "code", "reason"),
    [
        ({"prompt": "", "model": MODEL}, "prompt_rejected", "empty"),
        ({"prompt": "   \n ", "model": MODEL}, "prompt_rejected", "empty"),
        ({"prompt": "x" * 20_001, "model": MODEL}, "prompt_too_long", "too_long"),
        ({"prompt": "a\x00b\x00c\x00" * 10, "model": MODEL}, "prompt_rejected", "binary"),
    ],
)
def test_bad_descriptions_are_refused_as_a_generation_would_refuse_them(
    web: Platform, payload: dict[str, str], code: str, reason: str
) -> None:
    estimate = web.request("POST", "/api/billing/estimate", web.register(), json=payload)
    generate = web.request("POST", "/api/projects", web.register(), json=payload)
    status = 413 if reason == "too_long" else 400
    assert estimate.status_code == generate.status_code == status, estimate.text
    error = estimate.json()["error"]
    assert (error["code"], error["details"]["reason"]) == (code, reason) and error["message"]
    assert generate.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "payload",
    [
        {"prompt": PROMPT, "model": "llama:7b"},
        {"prompt": PROMPT, "model": "openai:<script>"},
        {"prompt": PROMPT, "model": "x" * 201},
        {"model": MODEL},
        {"prompt": PROMPT, "model": MODEL, "extra": 1},
        {"prompt": ["not", "text"], "model": MODEL},
        {"prompt": "y" * 21_001, "model": MODEL},
    ],
)
def test_malformed_requests_are_refused(web: Platform, payload: dict[str, object]) -> None:
    answer = web.request("POST", "/api/billing/estimate", web.register(), json=payload)
    assert answer.status_code in (400, 413, 422), answer.text
    assert answer.json()["error"]["message"]


def test_an_estimate_needs_an_account(web: Platform) -> None:
    answer = web.request("POST", "/api/billing/estimate", json={"prompt": PROMPT, "model": MODEL})
    assert answer.status_code == 401 and answer.json()["error"]["code"]


def test_the_run_then_reports_what_each_role_really_used_and_it_matches_the_estimate(
    web: Platform, server: FakeModelServer
) -> None:
    dee = web.register()
    estimate = web.request(
        "POST", "/api/billing/estimate", dee, json={"prompt": PROMPT, "model": MODEL}
    ).json()
    created = web.generate(dee, PROMPT, model=MODEL)
    run = web.wait_run(dee, created["run"]["id"])
    assert run["status"] == "succeeded", run
    roles = run["summary"]["roles"]
    assert sorted(roles) == sorted(ROLES)
    prices = load_catalog().lookup(provider="openai", model="gpt-4o-mini")
    for guess in estimate["model"]["roles"]:
        real = roles[guess["role"]]
        # What the role sent is what was estimated, give or take the provider's own framing.
        assert real["prompt_tokens"] == pytest.approx(guess["prompt_tokens"], rel=0.1), guess["role"]
        assert 0 < real["completion_tokens"] <= guess["max_completion_tokens"]
        assert real["cost_usd"] == pytest.approx(
            prices.cost(prompt_tokens=real["prompt_tokens"], completion_tokens=real["completion_tokens"]),
            abs=1e-6,
        )
    assert run["summary"]["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in roles.values()), abs=1e-5)
    assert run["summary"]["cost_usd"] < estimate["model"]["cost_usd_max"]
    assert run["summary"]["tokens_estimated"] is False


def test_a_change_is_estimated_for_the_engine_that_would_make_it_and_bounds_what_it_sends(
    web: Platform,
) -> None:
    eve = web.register()
    built = web.wait_run(eve, web.generate(eve, PROMPT, model=MODEL)["run"]["id"])
    assert built["status"] == "succeeded", built
    project = built["project_id"]
    url = f"/api/projects/{project}/changes/estimate"
    request = "add a priority field to the tasks"
    # No model named: the project's builder (the model) would make it.
    body = web.request("POST", url, eve, json={"request": request}).json()
    assert body["credits"] == web.settings.change_cost and body["model"]["model"] == "gpt-4o-mini"
    [change] = body["model"]["roles"]
    assert change["role"] == "change" and change["max_completion_tokens"] == 4096
    offline = web.request("POST", url, eve, json={"request": request, "model": "blueprint"}).json()
    assert offline["model"] is None and offline["credits"] == web.settings.change_cost
    # The change itself then sends no more than was said.
    asked = web.request("POST", f"/api/projects/{project}/changes", eve, json={"request": request})
    assert asked.status_code == 202, asked.text
    run = web.wait_run(eve, asked.json()["run"]["id"])
    sent = run["summary"]["roles"]["change"]["prompt_tokens"]
    assert 0 < sent <= change["prompt_tokens"]
    # Bad input, and another user's project.
    assert web.request("POST", url, eve, json={"request": ""}).json()["error"]["code"] == "prompt_rejected"
    assert web.request("POST", url, eve, json={"request": request, "model": "nope"}).status_code == 400
    assert web.request("POST", url, web.register(), json={"request": request}).status_code == 404
