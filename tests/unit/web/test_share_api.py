"""A run's public read-only link: what anyone with it sees (the run, its events, the files of its
version, its evidence), what they never see (the account, other commits), and that it is gone for
good once the owner turns it off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.platform import Account
from tests.unit.web.conftest import Library

HTML = {"Accept": "text/html"}


def _share(lib: Library, account: Account | None = None) -> str:
    made = lib.platform.request("POST", f"/api/runs/{lib.run['id']}/share", account or lib.owner)
    assert made.status_code == 201, made.text
    url: str = made.json()["url"]
    assert url.startswith(lib.platform.settings.public_url.rstrip("/") + "/share/")
    return url.rsplit("/", 1)[1]


def _anonymous(lib: Library, path: str, **kw: Any) -> Any:
    response = lib.platform.request("GET", path, None, **kw)
    assert "set-cookie" not in response.headers, (path, response.headers)
    return response


def _events(lib: Library, token: str) -> list[dict[str, Any]]:
    lib.platform.client.cookies.clear()
    out = []
    with lib.platform.client.stream("GET", f"/api/share/{token}/events") as response:
        assert response.status_code == 200
        assert "set-cookie" not in response.headers
        for line in response.iter_lines():
            if line.startswith("data:"):
                out.append(json.loads(line[5:]))
    return out


def test_anyone_with_the_link_sees_the_run_and_nothing_of_the_account(library: Library) -> None:
    lib = library
    token = _share(lib)
    assert len(token) == 43  # 32 random bytes

    shown = _anonymous(lib, f"/api/share/{token}")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["project"] == lib.project["name"]
    assert body["run"]["prompt"] == lib.project["prompt"] and body["run"]["status"] == "succeeded"
    assert [s["name"] for s in body["evidence"]["steps"]][:1] == ["architect"]
    assert all(s["status"] == "succeeded" for s in body["evidence"]["steps"])
    assert body["evidence"]["tests"] and body["evidence"]["pages"]
    assert body["commit"] and any(f["path"] == "app/main.py" for f in body["files"])
    assert "credits" not in body["run"]["summary"] and "credits" in lib.run["summary"]
    for private in (lib.owner.email, lib.owner.user_id, lib.project["id"], lib.owner.session, lib.owner.csrf):
        assert private not in shown.text

    events = _events(lib, token)
    assert events[0]["type"] == "run.started" and events[-1]["type"] == "run.finished"
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))

    file = _anonymous(lib, f"/api/share/{token}/files/app/main.py")
    assert file.status_code == 200 and "FastAPI" in file.json()["content"]
    assert file.json()["commit"] == body["commit"]

    page = _anonymous(lib, f"/share/{token}", headers=HTML)
    assert page.status_code == 200
    assert lib.project["name"] in page.text and f"/api/share/{token}/events" in page.text
    assert "app/main.py" in page.text and 'data-testid="evidence"' in page.text
    for private in (
        lib.owner.email,
        lib.owner.user_id,
        lib.project["id"],
        f"/api/projects/{lib.project['id']}",
    ):
        assert private not in page.text


def test_only_the_runs_own_version_is_readable(library: Library) -> None:
    lib = library
    token = _share(lib)
    later = lib.platform.request(
        "PUT", f"/api/projects/{lib.project['id']}/files/LATER.md", lib.owner, json={"content": "after\n"}
    )
    assert later.status_code == 200, later.text
    assert _anonymous(lib, f"/api/share/{token}/files/LATER.md").status_code == 404
    names = [f["path"] for f in _anonymous(lib, f"/api/share/{token}").json()["files"]]
    assert "LATER.md" not in names
    for bad in ("../../etc/passwd", ".git/config", "%2e%2e/secret.key"):
        refused = _anonymous(lib, f"/api/share/{token}/files/{bad}")
        assert refused.status_code in (400, 404), (bad, refused.text)
    # Query parameters of the owner's routes mean nothing here: no other commit by ?ref=.
    first = lib.platform.request("GET", f"/api/projects/{lib.project['id']}/commits", lib.owner).json()[-1]
    assert _anonymous(lib, f"/api/share/{token}/files/LATER.md?ref={first['sha']}").status_code == 404


def test_turning_it_off_or_on_again_ends_the_old_link_everywhere(library: Library) -> None:
    lib = library
    old = _share(lib)
    new = _share(lib)  # on again: a new link; the previous one stops working
    assert new != old
    assert _anonymous(lib, f"/api/share/{new}").status_code == 200
    state = lib.platform.request("GET", f"/api/runs/{lib.run['id']}/share", lib.owner).json()
    assert state["shared"] is True and state["since"]

    off = lib.platform.request("DELETE", f"/api/runs/{lib.run['id']}/share", lib.owner)
    assert off.status_code == 204
    for token in (old, new):
        for path in (
            f"/api/share/{token}",
            f"/api/share/{token}/events",
            f"/api/share/{token}/files/app/main.py",
        ):
            gone = _anonymous(lib, path)
            assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found", path
        page = _anonymous(lib, f"/share/{token}", headers=HTML)
        assert page.status_code == 404 and lib.project["name"] not in page.text
    state = lib.platform.request("GET", f"/api/runs/{lib.run['id']}/share", lib.owner).json()
    assert state == {"shared": False, "since": None}
    assert lib.platform.request("DELETE", f"/api/runs/{lib.run['id']}/share", lib.owner).status_code == 204


@pytest.mark.parametrize("token", ["x", "a" * 43, "a" * 64, "../" * 14 + "a", "A" * 42 + "="])
def test_made_up_tokens_are_not_found(library: Library, token: str) -> None:
    response = _anonymous(library, f"/api/share/{token}")
    assert response.status_code in (404, 422), response.text
    assert response.json()["error"]["code"] in ("not_found", "validation_error")


def test_only_the_owner_can_share_or_unshare(library: Library) -> None:
    lib = library
    other = lib.platform.register()
    for method in ("GET", "POST", "DELETE"):
        theirs = lib.platform.request(method, f"/api/runs/{lib.run['id']}/share", other)
        assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "not_found"
        nobody = lib.platform.request(method, f"/api/runs/{lib.run['id']}/share", None)
        assert nobody.status_code == 401
