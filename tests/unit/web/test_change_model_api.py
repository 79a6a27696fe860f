"""Changes with a model through the API: the platform's OpenAI-compatible server is the local fake,
driven by the official SDK, and the platform's worker verifies each change in the real sandbox.

- a model the user has no key for is refused as a generation's is, nothing held;
- a change names its model, or takes the project's builder when the user can still use it;
- the model's edit is one verified commit at AUTOCREA_CHANGE_COST, shown with the model that made it;
- a rejected key fails the run at once naming the setting; a change the tester's repairs cannot fix
  is rolled back; both are refunded to the credit;
- a model whose answer is unusable is replaced by the Blueprint when it can map the request, said as
  such, at the same price.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autocrea.blueprint.architect import design
from autocrea.testing import FakeModelServer, ModelScript, Reply
from tests.platform import Platform, running, settings_for

pytestmark = pytest.mark.slow

KEY = "sk-server-key-changes-0123456789"
MODEL = "openai:gpt-4o-mini"
COST = 10
NONE = Reply("NO CHANGES")
SPEC = Reply(design("Create a simple todo app").spec.model_dump_json())  # the architect's answer
REQUEST = "the API should answer GET /version with the app version"  # the Blueprint cannot map it
HEALTH = """@app.get("/health", tags=["health"])
def health() -> dict[str, str]:
    return {"status": "ok"}
"""


def answer(expected: str) -> str:
    return f"""<edit path="app/main.py">
<<<<<<< SEARCH
{HEALTH}=======
{HEALTH}

@app.get("/version", tags=["health"])
def version() -> dict[str, str]:
    return {{"version": app.version}}
>>>>>>> REPLACE
</edit>
<file path="tests/test_version.py">
from fastapi.testclient import TestClient


def test_version(client: TestClient) -> None:
    assert client.get("/version").json() == {{"version": "{expected}"}}
</file>
"""


@pytest.fixture(scope="module")
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer(ModelScript(default=NONE), api_key=KEY) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def web(
    tmp_path_factory: pytest.TempPathFactory, runtime_root: Path, server: FakeModelServer
) -> Iterator[Platform]:
    settings = settings_for(
        tmp_path_factory.mktemp("change-model") / "data",
        runtime_dir=runtime_root,
        openai_api_key=KEY,
        openai_base_url=f"{server.url}/v1",
        generation_cost=50,
        offline_generation_cost=20,
        change_cost=COST,
        model_answer_seconds=10,
    )
    with running(settings) as platform:
        yield platform


class Project:
    def __init__(self, web: Platform, *, model: str = "blueprint") -> None:
        self.web, self.owner = web, web.register()
        created = web.generate(self.owner, "Create a simple todo app", model=model)
        done = web.wait_run(self.owner, created["run"]["id"])
        assert done["status"] == "succeeded", done
        self.id = created["project"]["id"]
        self.credits = web.settled_credits(self.owner)

    def ask(self, **body: Any) -> Any:
        return self.web.request("POST", f"/api/projects/{self.id}/changes", self.owner, json=body)

    def change(self, **body: Any) -> dict[str, Any]:
        response = self.ask(**body)
        assert response.status_code == 202, response.text
        run: dict[str, Any] = self.web.wait_run(self.owner, response.json()["run"]["id"])
        return run

    def head(self) -> str:
        response = self.web.request("GET", f"/api/projects/{self.id}/commits?limit=1", self.owner)
        sha: str = response.json()[0]["sha"]
        return sha

    def last_message(self) -> dict[str, Any]:
        thread = self.web.request("GET", f"/api/projects/{self.id}/changes", self.owner).json()
        message: dict[str, Any] = thread["messages"][-1]
        return message

    def file(self, path: str) -> str:
        response = self.web.request("GET", f"/api/projects/{self.id}/files/{path}", self.owner)
        text: str = response.json()["content"]
        return text


def test_a_model_without_a_key_is_refused_like_a_generation_and_nothing_is_held(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(ModelScript(default=NONE), api_key=KEY)
    project = Project(web)
    head, before = project.head(), project.credits
    refused = project.ask(request=REQUEST, model="anthropic:claude-sonnet-4-6")
    generation = web.request(
        "POST",
        "/api/projects",
        project.owner,
        json={"prompt": "x app", "model": "anthropic:claude-sonnet-4-6"},
    )
    assert refused.status_code == generation.status_code == 400
    assert refused.json() == generation.json()  # the same error, word for word
    assert refused.json()["error"]["code"] == "provider_not_configured"
    # A project the Blueprint built is changed offline unless a model is named: refused as unmappable.
    assert project.ask(request=REQUEST).json()["error"]["code"] == "change_not_understood"
    assert web.credits(project.owner) == before and project.head() == head
    assert not server.requests


def test_a_model_change_is_one_verified_commit_at_the_change_price_shown_with_its_model(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(
        ModelScript({"architect": SPEC, "change": Reply(answer("0.1.0"))}, default=NONE), api_key=KEY
    )
    project = Project(web, model=MODEL)  # built by the model (the builders kept the Blueprint files)
    head = project.head()
    run = project.change(request=REQUEST)  # no model named: the one that built the project
    assert run["status"] == "succeeded", run
    assert run["model"] == MODEL and run["summary"]["model"]["label"] == MODEL
    assert web.settled_credits(project.owner)["spent"] == project.credits["spent"] + COST
    message = project.last_message()
    assert message["made_by"] == MODEL and message["commit"] == project.head() != head
    assert message["offline"] is None
    assert {f["path"] for f in message["files"]} == {"app/main.py", "tests/test_version.py"}
    assert "/version" in project.file("app/main.py")
    assert message["evidence"]["tests_failed"] == 0 and message["evidence"]["tests_passed"] > 0
    assert [r.role for r in server.requests].count("change") == 1


def test_a_rejected_key_fails_at_once_and_a_broken_change_is_rolled_back_both_refunded(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(
        ModelScript({"change": Reply(answer("0.1.0"))}, default=NONE),
        api_key="sk-the-only-key-it-takes-0123456789",
    )
    project = Project(web)
    head, before = project.head(), project.credits
    run = project.change(request=REQUEST, model=MODEL)
    assert run["status"] == "failed"
    assert (
        run["error"] == "The OpenAI-compatible server rejected the API key (HTTP 401): check OPENAI_API_KEY"
    )
    assert [r.role for r in server.requests] == ["change"]  # one request, no retry, no fallback
    assert web.credits(project.owner, expect=before) == before and project.head() == head

    server.reset(
        ModelScript({"change": Reply(answer("9.9.9")), "tester": Reply("NO CHANGES")}, default=NONE),
        api_key=KEY,
    )
    run = project.change(request=REQUEST, model=MODEL)
    assert run["status"] == "failed"
    assert run["error"].startswith("the model's change broke the app and the repair rounds did not fix it")
    assert [r.role for r in server.requests] == ["change", "tester"]
    assert web.credits(project.owner, expect=before) == before and project.head() == head
    assert "/version" not in project.file("app/main.py")
    assert project.last_message()["credits"] == {"held": COST, "charged": 0, "returned": COST}


def test_an_unusable_model_is_replaced_by_the_blueprint_when_it_can_map_the_request_said_as_such(
    web: Platform, server: FakeModelServer
) -> None:
    server.reset(
        ModelScript({"change": Reply("Sure! Add a column to your table.")}, default=NONE), api_key=KEY
    )
    project = Project(web)
    run = project.change(request="add a location field to tasks", model=MODEL)
    assert run["status"] == "succeeded", run
    label = f"built offline: {MODEL} failed (its answers were not in the required format)"
    message = project.last_message()
    assert message["made_by"] == label and run["summary"]["model"]["fell_back"] is True
    # What a page needs to say it in its own language.
    assert message["offline"] == {"model": MODEL, "reason": "format"}
    assert message["changes"] == ["add the field Location to Tasks"]
    assert web.settled_credits(project.owner)["spent"] == project.credits["spent"] + COST  # the same price
    # With fallback off, the same answer fails the run and refunds it.
    before = web.settled_credits(project.owner)
    run = project.change(request="add a notes field to tasks", model=MODEL, fallback=False)
    assert run["status"] == "failed" and "set not to fall back" in run["error"]
    assert web.credits(project.owner, expect=before) == before
