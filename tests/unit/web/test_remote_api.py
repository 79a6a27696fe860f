"""A project's git remote through the API: set it (token encrypted, shown masked), push its main
branch to a real `git http-backend` server started here, and every failure said plainly."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2
import pytest
from sqlalchemy import select

from autocrea.accounts.remotes import checked_url
from autocrea.errors import InvalidInput
from autocrea.storage.tables import ProjectRemote
from autocrea.testing.git_server import GitServer, backend_path
from autocrea.testing.ports import free_port
from tests.platform import Account, Platform, running, settings_for

USER, TOKEN = "ana", "ghp_remoteApiTest0123456789abcdef"


@dataclass(frozen=True)
class World:
    platform: Platform
    owner: Account
    project: str
    git: GitServer


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[World]:
    if backend_path() is None:
        pytest.skip("git http-backend is not installed (apt-get install git)")
    data = tmp_path_factory.mktemp("remote")
    # The git server listens on 127.0.0.1 over http: what AUTOCREA_ALLOW_PRIVATE_GIT_REMOTES allows.
    settings = settings_for(data, runtime_dir=runtime_root, allow_private_git_remotes=True)
    with running(settings) as platform, GitServer(data / "git", username=USER, token=TOKEN) as git:
        owner = platform.register()
        created = platform.generate(owner, "a library with books, members and loans")
        done = platform.wait_run(owner, created["run"]["id"])
        assert done["status"] == "succeeded", done
        yield World(platform, owner, created["project"]["id"], git)


def _put(w: World, body: dict[str, Any], account: Account | None = None) -> Any:
    return w.platform.request("PUT", f"/api/projects/{w.project}/remote", account or w.owner, json=body)


def _push(w: World, body: dict[str, Any] | None = None) -> Any:
    return w.platform.request("POST", f"/api/projects/{w.project}/push", w.owner, json=body or {})


def _head(w: World) -> str:
    commits = w.platform.request("GET", f"/api/projects/{w.project}/commits?limit=1", w.owner).json()
    return str(commits[0]["sha"])


def test_set_push_show_and_remove_a_remote_without_ever_showing_the_token(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    w.git.create("library.git")
    url = f"{w.git.url}/library.git"
    seen = []
    saved = _put(w, {"url": url, "token": TOKEN, "username": USER})
    seen.append(saved)
    assert saved.status_code == 200, saved.text
    assert saved.json()["url"] == url and saved.json()["token_hint"] == "…" + TOKEN[-4:]
    assert saved.json()["pushed_at"] is None

    pushed = _push(w)
    seen.append(pushed)
    assert pushed.status_code == 200, pushed.text
    head = _head(w)
    assert pushed.json()["commit"] == head and pushed.json()["forced"] is False
    remote = pygit2.Repository(str(w.git.root / "library.git"))
    assert str(remote.references["refs/heads/main"].target) == head
    assert remote[head].message  # the commits themselves arrived, not just a ref

    shown = w.platform.request("GET", f"/api/projects/{w.project}/remote", w.owner)
    seen.append(shown)
    assert shown.json()["pushed_commit"] == head and shown.json()["pushed_at"]

    # A new URL without a token keeps the saved token.
    w.git.create("copy.git")
    moved = _put(w, {"url": f"{w.git.url}/copy.git"})
    seen.append(moved)
    assert moved.status_code == 200 and moved.json()["pushed_commit"] is None
    seen.append(again := _push(w))
    assert again.status_code == 200, again.text

    # Stored encrypted: the database holds no trace of the token.
    async def stored() -> list[ProjectRemote]:
        async with w.platform.services.sessions() as session:
            return list(await session.scalars(select(ProjectRemote)))

    rows = w.platform.client.portal.call(stored)  # type: ignore[attr-defined]
    assert rows and all(TOKEN not in r.token_ciphertext and TOKEN not in r.url for r in rows)

    gone = w.platform.request("DELETE", f"/api/projects/{w.project}/remote", w.owner)
    assert gone.status_code == 204
    missing = w.platform.request("GET", f"/api/projects/{w.project}/remote", w.owner)
    assert missing.status_code == 404 and missing.json()["error"]["details"]["reason"] == "no_remote"
    assert _push(w).status_code == 404

    for response in seen:
        assert TOKEN not in response.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in str(record.args) for record in caplog.records)


def test_a_wrong_token_says_authentication_failed(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    w.git.create("auth.git")
    wrong = "ghp_wrongWrongWrong000000"
    assert _put(w, {"url": f"{w.git.url}/auth.git", "token": wrong, "username": USER}).status_code == 200
    refused = _push(w)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "remote_auth_failed" and error["details"]["reason"] == "authentication"
    assert "refused the token" in error["message"]
    assert wrong not in refused.text and wrong not in caplog.text


def test_a_diverged_remote_is_refused_unless_forced(world: World) -> None:
    w = world
    bare = w.git.create("diverged.git")
    assert _put(w, {"url": f"{w.git.url}/diverged.git", "token": TOKEN, "username": USER}).status_code == 200
    assert _push(w).status_code == 200
    theirs = pygit2.Signature("Someone", "someone@example.com")
    tip = bare.references["refs/heads/main"].target
    bare.create_commit("refs/heads/main", theirs, theirs, "made elsewhere", bare.TreeBuilder().write(), [tip])
    edit = w.platform.request(
        "PUT", f"/api/projects/{w.project}/files/NOTES.md", w.owner, json={"content": "ours\n"}
    )
    assert edit.status_code == 200, edit.text

    rejected = _push(w)
    assert rejected.status_code == 409, rejected.text
    error = rejected.json()["error"]
    assert error["code"] == "push_rejected" and error["details"]["reason"] == "non_fast_forward"
    assert (
        "remote has commits this project does not have" in error["message"]
        and '"force": true' in error["message"]
    )

    forced = _push(w, {"force": True})
    assert forced.status_code == 200 and forced.json()["forced"] is True
    assert str(bare.references["refs/heads/main"].target) == _head(w)


def test_an_unreachable_remote_fails_quickly_with_a_clear_error(world: World) -> None:
    w = world
    assert _put(w, {"url": f"http://127.0.0.1:{free_port()}/x.git", "token": TOKEN}).status_code == 200
    started = time.monotonic()
    failed = _push(w)
    assert time.monotonic() - started < 15
    assert failed.status_code == 502, failed.text
    assert failed.json()["error"]["code"] == "remote_unreachable"
    assert "could not be reached" in failed.json()["error"]["message"]
    assert (
        _put(w, {"url": f"{w.git.url}/no-such-repo.git", "token": TOKEN, "username": USER}).status_code == 200
    )
    missing = _push(w)
    assert missing.status_code == 400 and missing.json()["error"]["details"]["reason"] == "not_a_repository"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc",
        "http://user:pw@host.example/app.git",
        "https://user:pw@host.example/app.git",
        "ssh://git@host.example/app.git",
        "git@host.example:ana/app.git",
        "/srv/git/app.git",
        "https://host.example/" + "a" * 200_000,
    ],
    ids=lambda u: u[:30],
)
def test_hostile_urls_are_400_and_change_nothing(world: World, url: str) -> None:
    w = world
    before = w.platform.request("GET", f"/api/projects/{w.project}/remote", w.owner).text
    refused = _put(w, {"url": url, "token": TOKEN})
    assert refused.status_code == 400, refused.text[:300]
    assert refused.json()["error"]["code"] == "invalid_input"
    assert refused.json()["error"]["details"]["field"] == "url"
    assert len(refused.text) < 1000 and TOKEN not in refused.text
    assert w.platform.request("GET", f"/api/projects/{w.project}/remote", w.owner).text == before


def test_another_users_project_is_404_and_anonymous_is_401(world: World) -> None:
    w = world
    other = w.platform.register()
    body = {"url": "https://host.example/a.git", "token": TOKEN}
    base = f"/api/projects/{w.project}"
    for method, path, json in (
        ("GET", "/remote", None),
        ("PUT", "/remote", body),
        ("DELETE", "/remote", None),
        ("POST", "/push", {}),
    ):
        theirs = w.platform.request(method, base + path, other, json=json)
        assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "not_found", theirs.text
        nobody = w.platform.request(method, base + path, None, json=json)
        assert nobody.status_code == 401 and nobody.json()["error"]["code"] == "unauthorized"


async def test_without_the_owners_permission_private_and_plain_http_remotes_are_refused() -> None:
    for url in ("http://github.com/ana/app.git", "https://127.0.0.1/a.git", "https://git.local/a.git"):
        with pytest.raises(InvalidInput) as refused:
            await checked_url(url, allow_private=False)
        assert refused.value.details["field"] == "url"
    assert await checked_url("https://git.nowhere.invalid/a.git", allow_private=False)
