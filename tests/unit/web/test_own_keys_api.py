"""Users' own model keys: encrypted at rest, shown masked, used only by that user's runs, never echoed.

The model is the local OpenAI-compatible server, which answers only to the canary key: a run that
succeeds proves the owner's key was used; the canary is then looked for everywhere it must not be.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autocrea.blueprint.architect import design
from autocrea.testing import FakeModelServer, ModelScript, Reply
from tests.platform import Platform, running, settings_for
from tests.unit.web.rows import dump, sql

CANARY = "sk-canary-OWNKEY-7c1f9e2b4d6a8c0e"
MODEL = "openai:gpt-4o-mini"


class Seen:
    """Every response body the test received."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def keep(self, response: httpx.Response) -> httpx.Response:
        self.bodies.append(response.content)
        return response


@pytest.fixture(scope="module")
def server() -> Iterator[FakeModelServer]:
    spec = design("Create a simple todo app").spec.model_dump_json()
    script = ModelScript({"architect": Reply(f"```json\n{spec}\n```")}, default=Reply("NO CHANGES"))
    with FakeModelServer(script, api_key=CANARY) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[Platform]:
    # The model server is on loopback: allowed here, refused by default (test_endpoint.py).
    data = tmp_path_factory.mktemp("keys") / "data"
    with running(settings_for(data, runtime_dir=runtime_root, allow_private_model_urls=True)) as platform:
        yield platform


def test_a_key_is_stored_encrypted_and_shown_masked(web: Platform) -> None:
    ana = web.register()
    saved = web.request("PUT", "/api/keys/anthropic", ana, json={"key": "sk-ant-secret-0123456789WXYZ"})
    assert saved.status_code == 200
    assert saved.json()["hint"] == "…WXYZ" and saved.json()["provider"] == "anthropic"
    listed = web.request("GET", "/api/keys", ana)
    assert [k["hint"] for k in listed.json()] == ["…WXYZ"] and "secret" not in listed.text
    (ciphertext,) = sql(web, "SELECT key_ciphertext FROM provider_keys WHERE user_id = :u", u=ana.user_id)[0]
    assert ciphertext != "sk-ant-secret-0123456789WXYZ" and len(ciphertext) > 60
    assert "sk-ant-secret" not in dump(web, "provider_keys", "users")
    replaced = web.request("PUT", "/api/keys/anthropic", ana, json={"key": "sk-ant-second-0123456789ABCD"})
    assert replaced.json()["hint"] == "…ABCD" and len(web.request("GET", "/api/keys", ana).json()) == 1
    assert web.request("DELETE", "/api/keys/anthropic", ana).status_code == 204
    assert web.request("GET", "/api/keys", ana).json() == []
    assert web.request("DELETE", "/api/keys/anthropic", ana).status_code == 404


BAD = [
    ({"key": "   "}, "key"),
    ({"key": "sk has spaces 123"}, "key"),
    ({"key": "sk-\x00-0123456789"}, "key"),
    ({"key": "sk-" + "x" * 600}, "key"),
    ({"key": "sk-0123456789ab", "base_url": "ftp://models.example"}, "base_url"),
    ({"key": "sk-0123456789ab", "base_url": "javascript:alert(1)"}, "base_url"),
    ({"key": "sk-0123456789ab", "base_url": "http://"}, "base_url"),
    ({"key": "sk-0123456789ab", "base_url": "models.example/v1"}, "base_url"),
    ({"key": "sk-0123456789ab", "base_url": "http://models.example/\x00v1"}, "base_url"),
    # Hostile: the server's own neighbourhood (metadata service, Redis, PostgreSQL, private network).
    ({"key": "sk-0123456789ab", "base_url": "http://169.254.169.254/latest/meta-data/"}, "base_url/private"),
    ({"key": "sk-0123456789ab", "base_url": "http://127.0.0.1:6379/"}, "base_url/private"),
    ({"key": "sk-0123456789ab", "base_url": "http://localhost:5432/v1"}, "base_url/private"),
    ({"key": "sk-0123456789ab", "base_url": "http://[::1]:8000/v1"}, "base_url/private"),
    ({"key": "sk-0123456789ab", "base_url": "http://192.168.0.10:11434/v1"}, "base_url/private"),
]


def test_bad_keys_and_base_urls_are_400_and_store_nothing(backend: dict[str, object], tmp_path: Path) -> None:
    with running(settings_for(tmp_path / "data", **backend), run_worker=False) as platform:
        bo = platform.token_for(platform.register())
        for body, field in BAD:
            response = platform.request("PUT", "/api/keys/openai", json=body, headers=bo.bearer_headers())
            assert response.status_code == 400, (body, response.text)
            assert response.json()["error"]["code"] == "invalid_input"
            field, _, private = field.partition("/")
            expected = {"field": field, "reason": "private_address"} if private else {"field": field}
            assert response.json()["error"]["details"] == expected
        assert platform.request("GET", "/api/keys", bo).json() == []


def test_a_private_base_url_saved_while_allowed_is_refused_before_a_run_once_disallowed(
    tmp_path: Path, server: FakeModelServer
) -> None:
    secret = "own-keys-secret-0123456789abcdef"
    allowed = settings_for(tmp_path / "data", secret_key=secret, allow_private_model_urls=True)
    with running(allowed, run_worker=False) as platform:
        ana = platform.register()
        saved = platform.request(
            "PUT", "/api/keys/openai", ana, json={"key": CANARY, "base_url": f"{server.url}/v1"}
        )
        assert saved.status_code == 200, saved.text
    # The owner turns the allowance off: the stored address is checked again before any hold.
    with running(settings_for(tmp_path / "data", secret_key=secret), run_worker=False) as platform:
        refused = platform.request(
            "POST", "/api/projects", ana, json={"prompt": "Create a simple todo app", "model": MODEL}
        )
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert error["code"] == "invalid_input"
        assert error["details"] == {"field": "base_url", "reason": "private_address"}
        assert "only call public addresses" in error["message"] and CANARY not in refused.text
        assert platform.request("GET", "/api/auth/me", ana).json()["credits"]["held"] == 0
        assert platform.request("GET", "/api/projects", ana).json()["items"] == []
    assert not server.requests


def test_the_owners_key_runs_the_owners_generation_and_never_shows_up(
    web: Platform,
    server: FakeModelServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    seen = Seen()
    ana, bo = web.register(), web.register()
    seen.keep(
        web.request("PUT", "/api/keys/openai", ana, json={"key": CANARY, "base_url": f"{server.url}/v1"})
    )
    seen.keep(web.request("GET", "/api/keys", ana))

    refused = seen.keep(
        web.request("POST", "/api/projects", bo, json={"prompt": "Create a simple todo app", "model": MODEL})
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "provider_not_configured"
    assert web.request("GET", "/api/auth/me", bo).json()["credits"]["held"] == 0

    created = seen.keep(
        web.request("POST", "/api/projects", ana, json={"prompt": "Create a simple todo app", "model": MODEL})
    )
    assert created.status_code == 202, created.text
    run_id, project = created.json()["run"]["id"], created.json()["project"]["id"]
    events = web.events(ana, run_id)
    run = web.wait_run(ana, run_id)
    assert run["status"] == "succeeded", run
    assert server.requests and {r.headers.get("authorization") for r in server.requests} == {
        f"Bearer {CANARY}"
    }

    for url in (
        f"/api/runs/{run_id}",
        f"/api/projects/{project}",
        "/api/projects",
        f"/api/projects/{project}/runs",
        "/api/auth/me",
        "/api/credits",
        f"/api/projects/{project}/commits",
        f"/api/projects/{project}/tree",
    ):
        seen.keep(web.request("GET", url, ana))
    tree = web.request("GET", f"/api/projects/{project}/tree", ana).json()
    for entry in tree["files"]:
        seen.keep(web.request("GET", f"/api/projects/{project}/files/{entry['path']}", ana))
    archive = seen.keep(web.request("GET", f"/api/projects/{project}/zip", ana))
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        unpacked = b"".join(zipped.read(name) for name in zipped.namelist())

    needle = CANARY.encode()
    assert all(needle not in body for body in seen.bodies)
    assert CANARY not in repr(events) and needle not in unpacked and CANARY[-8:] not in repr(events)
    out, err = capfd.readouterr()
    assert CANARY not in out + err + caplog.text
    assert CANARY not in dump(web, "provider_keys", "runs", "run_events", "projects")
