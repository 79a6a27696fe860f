"""Pushing a project's main branch to a real git HTTP server (`git http-backend`, started here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from autocrea.cli import TOKEN_ENV, main
from autocrea.errors import (
    Conflict,
    InvalidInput,
    PushFailed,
    PushRejected,
    RemoteAuthFailed,
    RemoteUnreachable,
)
from autocrea.storage.git import ProjectRepo, role_author
from autocrea.storage.push import check_url, push_main
from autocrea.testing.git_server import GitServer, backend_path
from autocrea.testing.ports import free_port

USER, TOKEN = "ana", "glpat-push-test-0123456789"
HOSTILE = [
    ("file:///etc", "scheme"),
    ("ssh://git@example.com/ana/app.git", "scheme"),
    ("git@github.com:ana/app.git", "scheme"),
    ("/srv/git/app.git", "scheme"),
    ("../app.git", "scheme"),
    ("http://example.com/ana/app.git", "scheme"),  # plain http is refused unless allowed
    ("https://user:pw@example.com/ana/app.git", "credentials"),
    ("https://ghp_abc@example.com/ana/app.git", "credentials"),
    ("https://example.com/ana/app.git?access_token=x", "query"),
    ("https://example.com/", "path"),
    ("https:///ana/app.git", "host"),
    ("https://example.com:99999/a.git", "port"),
    ("https://example.com/a b.git", "characters"),
    ("https://example.com/" + "a" * 200_000, "too_long"),
    ("", "empty"),
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GitServer]:
    if backend_path() is None:
        pytest.skip("git http-backend is not installed (apt-get install git)")
    with GitServer(tmp_path / "remote", username=USER, token=TOKEN) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path) -> ProjectRepo:
    repo = ProjectRepo.init(tmp_path / "project")
    repo.commit_files({"app/main.py": "print('hola')\n"}, message="backend", author=role_author("backend"))
    repo.commit_files({"README.md": "# App\n"}, message="docs", author=role_author("devops"))
    return repo


def _remote_head(server: GitServer, name: str) -> str:
    return str(pygit2.Repository(str(server.root / name)).references["refs/heads/main"].target)


def test_a_push_puts_the_projects_head_on_the_remote(server: GitServer, project: ProjectRepo) -> None:
    server.create("app.git")
    pushed = push_main(project.root, url=f"{server.url}/app.git", token=TOKEN, username=USER)
    assert pushed.commit == project.head() and not pushed.forced
    assert _remote_head(server, "app.git") == project.head()
    # The token went only in the Authorization header, after the server asked; never in the URL.
    assert all(TOKEN not in path for _, path, _ in server.requests)
    assert server.requests[0][2] is None and server.requests[-1][2] is not None
    # The project's own repository does not keep the remote (nor its address) in its config.
    assert not list(pygit2.Repository(str(project.root)).remotes)
    # Nothing new: pushing again is fine and changes nothing.
    assert (
        push_main(project.root, url=f"{server.url}/app.git", token=TOKEN, username=USER).commit
        == pushed.commit
    )


def test_a_wrong_token_is_an_authentication_error(server: GitServer, project: ProjectRepo) -> None:
    server.create("app.git")
    with pytest.raises(RemoteAuthFailed) as refused:
        push_main(project.root, url=f"{server.url}/app.git", token="wrong-token-000", username=USER)
    assert refused.value.details["reason"] == "authentication"
    assert "refused the token" in refused.value.message and "wrong-token" not in str(refused.value.to_dict())
    # Asked once with the token, then given up: no endless retry loop.
    assert sum(1 for _, _, auth in server.requests if auth) == 1


def test_a_remote_with_commits_the_project_lacks_is_not_overwritten(
    server: GitServer, project: ProjectRepo
) -> None:
    bare = server.create("app.git")
    push_main(project.root, url=f"{server.url}/app.git", token=TOKEN, username=USER)
    theirs = pygit2.Signature("Someone", "someone@example.com")
    tip = bare.references["refs/heads/main"].target
    tree = bare.TreeBuilder().write()
    diverged = str(bare.create_commit("refs/heads/main", theirs, theirs, "theirs", tree, [tip]))
    project.commit_files({"NOTES.md": "ours\n"}, message="ours", author=role_author("backend"))

    with pytest.raises(PushRejected) as rejected:
        push_main(project.root, url=f"{server.url}/app.git", token=TOKEN, username=USER)
    assert rejected.value.details["reason"] == "non_fast_forward"
    assert "remote has commits this project does not have" in rejected.value.message
    assert _remote_head(server, "app.git") == diverged  # untouched

    forced = push_main(project.root, url=f"{server.url}/app.git", token=TOKEN, username=USER, force=True)
    assert forced.forced and _remote_head(server, "app.git") == project.head()


def test_unreachable_and_wrong_addresses_fail_quickly_and_plainly(
    server: GitServer, project: ProjectRepo
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/app.git"
    started = time.monotonic()
    with pytest.raises(RemoteUnreachable) as unreachable:
        push_main(project.root, url=closed, token=TOKEN, username=USER)
    assert time.monotonic() - started < 10
    assert (
        unreachable.value.details["reason"] == "unreachable"
        and "could not be reached" in unreachable.value.message
    )
    with pytest.raises(RemoteUnreachable) as unknown:
        push_main(project.root, url="https://git.nowhere.invalid/a.git", token=TOKEN, username=USER)
    assert unknown.value.details["reason"] == "unknown_host"
    with pytest.raises(PushFailed) as missing:
        push_main(project.root, url=f"{server.url}/missing.git", token=TOKEN, username=USER)
    assert missing.value.details["reason"] == "not_a_repository" and "HTTP 404" in missing.value.message


def test_a_directory_that_is_not_a_repository_or_has_no_commits(tmp_path: Path, server: GitServer) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(InvalidInput, match="not a git repository"):
        push_main(tmp_path / "plain", url=f"{server.url}/app.git", token=TOKEN)
    ProjectRepo.init(tmp_path / "empty")
    with pytest.raises(Conflict, match="nothing to push"):
        push_main(tmp_path / "empty", url=f"{server.url}/app.git", token=TOKEN)


@pytest.mark.parametrize(("url", "reason"), HOSTILE, ids=lambda v: str(v)[:40])
def test_hostile_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_url(url)
    assert refused.value.details == {"field": "url", "reason": reason}
    assert len(refused.value.message) < 200


def test_plain_http_only_when_allowed() -> None:
    assert (
        check_url(" http://10.0.0.5:3000/ana/app.git ", allow_http=True) == "http://10.0.0.5:3000/ana/app.git"
    )
    assert check_url("https://github.com/ana/app.git") == "https://github.com/ana/app.git"


def test_the_cli_pushes_with_the_token_from_the_environment(
    server: GitServer,
    project: ProjectRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.create("app.git")
    url = f"{server.url}/app.git"
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    assert main(["push", str(project.root), url, "--username", USER]) == 2
    assert TOKEN_ENV in capsys.readouterr().err
    monkeypatch.setenv(TOKEN_ENV, "not-the-token-000")
    assert main(["push", str(project.root), url, "--username", USER]) == 1
    assert "refused the token" in capsys.readouterr().err
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert main(["push", str(project.root), url, "--username", USER]) == 0
    out = capsys.readouterr()
    assert f"pushed main at {project.head()[:12]}" in out.out and TOKEN not in out.out + out.err
    assert _remote_head(server, "app.git") == project.head()
    assert main(["push", str(project.root), f"https://{USER}:{TOKEN}@example.com/a.git"]) == 2
    assert "token in its own field" in capsys.readouterr().err
