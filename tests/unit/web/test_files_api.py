"""Project files through the API: tree and files at any commit, edits as commits, diff, restore, ZIP.

The shared generated project (conftest `library`) serves them; tests that commit read HEAD afresh.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest

from autocrea.storage.git import ProjectRepo, role_author
from tests.platform import Account, Platform
from tests.unit.web.conftest import Library


@dataclass
class Generated:
    platform: Platform
    owner: Account
    project: dict[str, Any]

    @property
    def base(self) -> str:
        return f"/api/projects/{self.project['id']}"

    def get(self, path: str, account: Account | None = None, **params: str) -> Any:
        return self.platform.request("GET", self.base + path, account or self.owner, params=params)

    def head(self) -> str:
        sha: str = self.get("/tree").json()["commit"]
        return sha

    def history(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.get("/commits").json()
        return found

    def save(self, path: str, content: str, **body: Any) -> Any:
        return self.platform.request(
            "PUT", f"{self.base}/files/{path}", self.owner, json={"content": content, **body}
        )


@pytest.fixture
def app(library: Library) -> Generated:
    return Generated(library.platform, library.owner, library.project)


def test_the_tree_lists_every_file_with_its_size(app: Generated) -> None:
    tree = app.get("/tree").json()
    paths = [f["path"] for f in tree["files"]]
    assert paths == sorted(paths)
    assert {"app/main.py", "requirements.txt", "autocrea.json", "README.md"} <= set(paths)
    assert not any(p.startswith(".git/") for p in paths)
    main = app.get("/files/app/main.py").json()
    assert main["commit"] == tree["commit"] and main["binary"] is False
    assert "FastAPI" in main["content"]
    sizes = {f["path"]: f["size"] for f in tree["files"]}
    assert main["size"] == sizes["app/main.py"] == len(main["content"].encode())


def test_each_step_is_a_commit_by_its_role_and_old_commits_are_readable(app: Generated) -> None:
    history = app.history()
    roles = [c["role"] for c in history]
    assert {"architect", "backend", "frontend", "devops", "tester"} <= set(roles)
    first = history[-1]
    assert first["role"] == "architect" and first["parents"] == []
    old = app.get("/tree", ref=first["sha"]).json()
    assert old["commit"] == first["sha"]
    assert [f["path"] for f in old["files"]] == ["autocrea.json"]
    assert app.get("/files/autocrea.json", ref=first["sha"]).json()["content"].startswith("{")
    missing = app.get("/files/app/main.py", ref=first["sha"])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert app.get("/tree", ref=first["sha"][:8]).json()["commit"] == first["sha"]
    assert app.get("/tree", ref="HEAD~1").json()["commit"] == history[1]["sha"]


def test_a_binary_file_is_flagged_without_content(app: Generated) -> None:
    repo = ProjectRepo.open(app.platform.services.jobs.projects_root / app.project["id"])
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
    repo.commit_files({"app/static/logo.png": png}, message="Add a logo", author=role_author("frontend"))
    found = app.get("/files/app/static/logo.png").json()
    assert found == {
        "path": "app/static/logo.png",
        "commit": app.head(),
        "size": len(png),
        "binary": True,
        "content": None,
    }


def test_saving_an_edit_makes_a_commit_by_the_user(app: Generated) -> None:
    before = app.head()
    old_text = app.get("/files/README.md").json()["content"]
    saved = app.save("README.md", old_text + "\nEdited by hand.\n", message="Say who edited", base=before)
    assert saved.status_code == 200, saved.text
    sha = saved.json()["commit"]
    assert app.head() == sha != before
    top = app.history()[0]
    assert top["sha"] == sha and top["parents"] == [before] and top["message"] == "Say who edited"
    assert top["author_email"] == app.owner.email and top["role"] is None
    assert app.get("/files/README.md").json()["content"].endswith("Edited by hand.\n")
    assert app.get("/files/README.md", ref=before).json()["content"] == old_text
    # A new file in a new folder, with the default message.
    added = app.save("docs/notes.md", "# Notes\n")
    assert added.status_code == 200 and app.history()[0]["message"] == "Edit docs/notes.md"


def test_an_edit_from_a_stale_base_is_409_and_changes_nothing(app: Generated) -> None:
    stale = app.head()
    assert app.save("README.md", "first\n", base=stale).status_code == 200
    head = app.head()
    late = app.save("README.md", "second\n", base=stale)
    assert late.status_code == 409 and late.json()["error"]["details"] == {"head": head}
    assert app.head() == head and app.get("/files/README.md").json()["content"] == "first\n"
    empty = app.save("README.md", "second\n", base="")
    assert empty.status_code == 422 and app.head() == head
    assert app.save("README.md", "second\n", base=head[:7]).status_code == 200


def test_concurrent_saves_from_one_base_let_exactly_one_land(app: Generated) -> None:
    base = app.head()
    before = len(app.history())
    start = threading.Barrier(8)
    statuses: dict[int, int] = {}

    def save(n: int) -> None:
        start.wait()
        url = f"{app.base}/files/README.md"
        body = {"content": f"edit number {n}\n", "base": base}
        statuses[n] = app.platform.client.put(url, json=body, headers=app.owner.cookie_headers()).status_code

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [n for n, status in statuses.items() if status == 200]
    assert len(winners) == 1 and sorted(statuses.values()) == [200] + [409] * 7, statuses
    assert app.get("/files/README.md").json()["content"] == f"edit number {winners[0]}\n"
    assert len(app.history()) == before + 1


@pytest.mark.parametrize(
    "path",
    [
        "..%2Fescape.txt",
        "app/..%2F..%2Fescape.txt",
        ".git/config",
        ".GIT/hooks/pre-commit",
        "%2Fetc%2Fpasswd",
        "app/a%00b.py",
        "a" * 300,
        "app/" + "b" * 120 + ".py",
        "C:%5Cwindows.txt",
        "app/",
    ],
)
def test_an_unsafe_path_is_refused_and_nothing_is_written(app: Generated, path: str) -> None:
    head, count = app.head(), len(app.history())
    response = app.save(path, "owned\n")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "unsafe_path"
    assert app.head() == head and len(app.history()) == count
    root = app.platform.services.jobs.projects_root
    assert not (root / "escape.txt").exists() and not (root.parent / "escape.txt").exists()
    assert app.get(f"/files/{path}").status_code == 400


def test_diff_against_the_parent_and_an_explicit_base(app: Generated) -> None:
    before = app.head()
    saved = app.save("app/notes.txt", "one\ntwo\n").json()["commit"]
    diff = app.get("/diff").json()
    assert (diff["base"], diff["head"]) == (before, saved)
    assert diff["files"] == [
        {"path": "app/notes.txt", "status": "added", "additions": 2, "deletions": 0, "old_path": None}
    ]
    assert "+one" in diff["patch"] and diff["truncated"] is False
    first = app.history()[-1]["sha"]
    wide = app.get("/diff", base=first, head=before).json()
    changed = {f["path"] for f in wide["files"]}
    assert {"app/main.py", "requirements.txt"} <= changed and "app/notes.txt" not in changed
    root = app.get("/diff", head=first)
    assert root.status_code == 400 and "base" in root.json()["error"]["message"]


def test_restoring_a_commit_makes_a_new_commit_with_its_tree(app: Generated) -> None:
    target = app.head()
    wanted = app.get("/tree").json()["files"]
    app.save("app/extra.txt", "x\n")
    app.save("README.md", "changed\n")
    restored = app.platform.request("POST", f"{app.base}/restore", app.owner, json={"commit": target})
    assert restored.status_code == 200, restored.text
    sha = restored.json()["commit"]
    assert app.head() == sha != target
    assert app.get("/tree").json()["files"] == wanted
    assert app.history()[0]["message"].startswith("Restore")
    assert app.history()[0]["author_email"] == app.owner.email
    unknown = app.platform.request("POST", f"{app.base}/restore", app.owner, json={"commit": "0" * 40})
    assert unknown.status_code == 404 and app.head() == sha


def test_the_zip_holds_the_tree_of_any_commit(app: Generated) -> None:
    for ref in ("HEAD", app.history()[-1]["sha"]):
        response = app.get("/zip", ref=ref)
        assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
        tree = app.get("/tree", ref=ref).json()
        assert f"-{tree['commit'][:7]}.zip" in response.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            assert archive.testzip() is None
            names = archive.namelist()
            slug = app.project["slug"]
            assert all(n.startswith(f"{slug}/") for n in names)
            assert sorted(n[len(slug) + 1 :] for n in names) == [f["path"] for f in tree["files"]]
            main = next((n for n in names if n.endswith("app/main.py")), None)
            if main is not None:
                text = app.get("/files/app/main.py", ref=ref).json()["content"]
                assert archive.read(main).decode() == text


def test_an_unknown_ref_is_404_everywhere(app: Generated) -> None:
    for path in ("/tree", "/files/README.md", "/zip", "/diff"):
        for ref in ("deadbeef", "HEAD~999"):
            key = "head" if path == "/diff" else "ref"
            response = app.get(path, **{key: ref})
            assert response.status_code == 404, (path, ref, response.text)
            assert response.json()["error"]["code"] == "not_found"


def test_another_user_sees_no_files(app: Generated) -> None:
    bea = app.platform.register()
    head = app.head()
    for path in ("/tree", "/files/README.md", "/commits", "/diff", "/zip"):
        response = app.get(path, bea)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    request = app.platform.request
    assert request("PUT", f"{app.base}/files/README.md", bea, json={"content": "x"}).status_code == 404
    assert request("POST", f"{app.base}/restore", bea, json={"commit": head}).status_code == 404
    assert app.head() == head


def test_no_edit_or_restore_while_a_run_is_active(app: Generated) -> None:
    platform, owner = app.platform, app.platform.register()
    created = platform.generate(owner, "a todo app with tasks")
    base = f"/api/projects/{created['project']['id']}"
    try:
        edit = platform.request("PUT", f"{base}/files/README.md", owner, json={"content": "x"})
        assert edit.status_code == 409, edit.text
        restore = platform.request("POST", f"{base}/restore", owner, json={"commit": "HEAD"})
        assert restore.status_code == 409, restore.text
    finally:
        platform.request("POST", f"/api/runs/{created['run']['id']}/cancel", owner)
    assert platform.wait_run(owner, created["run"]["id"], timeout=60)["status"] in ("cancelled", "succeeded")
