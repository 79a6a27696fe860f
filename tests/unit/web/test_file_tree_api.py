"""New, renamed and deleted files and folders through the API: one commit by the user each, every path
checked like a save's, a taken name a 409, a missing one a 404, nothing written on any refusal.

The shared generated project (conftest `library`) serves them; each test works under a folder of its
own and reads HEAD afresh.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from autocrea.storage.git import ProjectRepo, role_author
from tests.platform import Account, Platform
from tests.unit.web.conftest import Library


@dataclass
class Project:
    platform: Platform
    owner: Account
    id: str

    @property
    def base(self) -> str:
        return f"/api/projects/{self.id}"

    @property
    def root(self) -> Path:
        path: Path = self.platform.services.jobs.projects_root / self.id
        return path

    def call(self, method: str, path: str, account: Account | None = None, **kwargs: Any) -> Any:
        return self.platform.request(method, self.base + path, account or self.owner, **kwargs)

    def create(self, path: str, account: Account | None = None, **body: Any) -> Any:
        return self.call("POST", "/files", account, json={"path": path, **body})

    def rename(self, path: str, to: str, account: Account | None = None, **body: Any) -> Any:
        return self.call("POST", "/rename", account, json={"path": path, "to": to, **body})

    def delete(self, path: str, account: Account | None = None, **params: str) -> Any:
        return self.call("DELETE", f"/files/{path}", account, params=params)

    def files(self) -> dict[str, int]:
        return {f["path"]: f["size"] for f in self.call("GET", "/tree").json()["files"]}

    def read(self, path: str) -> str:
        content: str = self.call("GET", f"/files/{path}").json()["content"]
        return content

    def head(self) -> str:
        sha: str = self.call("GET", "/tree").json()["commit"]
        return sha

    def top(self) -> dict[str, Any]:
        commit: dict[str, Any] = self.call("GET", "/commits?limit=1").json()[0]
        return commit

    def count(self) -> int:
        return len(self.call("GET", "/commits").json())


@pytest.fixture
def project(library: Library) -> Project:
    return Project(library.platform, library.owner, library.project["id"])


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    found: dict[str, Any] = body["error"]
    return found


def test_a_new_file_is_one_commit_by_the_user(project: Project) -> None:
    before = project.head()
    made = project.create("create-a/notes/todo.md", content="# To do\n", base=before)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body == {
        "commit": body["commit"],
        "path": "create-a/notes/todo.md",
        "files": ["create-a/notes/todo.md"],
    }
    top = project.top()
    assert top["sha"] == body["commit"] == project.head() and top["parents"] == [before]
    assert top["message"] == "Create create-a/notes/todo.md"
    assert top["author_email"] == project.owner.email and top["role"] is None
    assert project.read("create-a/notes/todo.md") == "# To do\n"
    # An empty file, with the user's own message.
    empty = project.create("create-a/empty.txt", message="An empty one")
    assert empty.status_code == 201 and project.files()["create-a/empty.txt"] == 0
    assert project.top()["message"] == "An empty one"


def test_a_new_folder_is_kept_by_its_gitkeep_and_fills_like_any_other(project: Project) -> None:
    made = project.create("folder-b/assets", folder=True)
    assert made.status_code == 201, made.text
    assert made.json()["files"] == ["folder-b/assets/.gitkeep"]
    assert project.files()["folder-b/assets/.gitkeep"] == 0
    assert project.top()["message"] == "Create folder folder-b/assets"
    assert project.create("folder-b/assets/logo.svg", content="<svg/>\n").status_code == 201
    again = error(project.create("folder-b/assets", folder=True), 409, "conflict")
    assert (
        again["details"] == {"path": "folder-b/assets", "reason": "exists"} and "folder" in again["message"]
    )


def test_a_taken_name_is_409_and_nothing_is_written(project: Project) -> None:
    head, count = project.head(), project.count()
    taken = error(project.create("README.md", content="mine\n"), 409, "conflict")
    assert taken["details"] == {"path": "README.md", "reason": "exists"}
    under = error(project.create("README.md/inside.txt"), 409, "conflict")
    assert under["details"]["reason"] == "parent_is_file" and under["details"]["parent"] == "README.md"
    assert error(project.create("app", folder=True), 409, "conflict")["details"]["reason"] == "exists"
    assert error(project.create("app"), 409, "conflict")["details"]["reason"] == "exists"  # a folder
    assert project.head() == head and project.count() == count
    assert project.read("README.md") != "mine\n"


def test_huge_binary_and_empty_content_or_names(project: Project) -> None:
    head = project.head()
    huge = project.create("huge-c/big.txt", content="x" * 500_001)
    assert huge.status_code in (413, 422), huge.text  # over the field's limit: refused before any work
    just_over = project.call("PUT", "/files/huge-c/big.txt", json={"content": "é" * 250_001})
    assert error(just_over, 413, "too_large")["message"].startswith("A file can have at most")
    binary = error(project.create("huge-c/blob.bin", content="PK\x00\x03"), 400, "invalid_input")
    assert binary["details"] == {"field": "content", "reason": "binary"}
    saved_binary = project.call("PUT", "/files/README.md", json={"content": "a\x00b"})
    assert error(saved_binary, 400, "invalid_input")["details"]["reason"] == "binary"
    assert error(project.create(""), 400, "unsafe_path")["details"]["rule"] == "empty"
    assert error(project.create("huge-c/", folder=True), 400, "unsafe_path")["details"]["rule"] == "directory"
    assert error(project.rename("README.md", ""), 400, "unsafe_path")["details"]["rule"] == "empty"
    assert project.create("huge-c/x.txt", nonsense=True).status_code == 422
    assert project.head() == head


HOSTILE = [
    "../escape.txt",
    "app/../../escape.txt",
    ".git/config",
    ".GIT/hooks/pre-commit",
    "app/.git/x",
    "/etc/passwd",
    "C:\\windows.txt",
    "a\\b.txt",
    "app/a\x00b.py",
    "a" * 300,
    "nul.txt",
    "trailing./x",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_paths_are_refused_everywhere_and_nothing_is_written(project: Project, path: str) -> None:
    head, count = project.head(), project.count()
    root = project.platform.services.jobs.projects_root
    assert error(project.create(path, content="owned\n"), 400, "unsafe_path")
    assert error(project.create(path, folder=True), 400, "unsafe_path")
    assert error(project.rename("README.md", path), 400, "unsafe_path")
    assert error(project.rename(path, "hostile-d/x.txt"), 400, "unsafe_path")
    assert error(project.delete(quote(path, safe="")), 400, "unsafe_path")  # %2F: one path parameter
    assert project.head() == head and project.count() == count
    assert not (root / "escape.txt").exists() and not (root.parent / "escape.txt").exists()
    assert "README.md" in project.files()


@pytest.fixture
def planted(project: Project, tmp_path: Path) -> Iterator[Path]:
    """A symbolic link in the project's worktree pointing outside it (as code run in the sandbox
    might leave), removed afterwards."""
    outside = tmp_path / "outside"
    outside.mkdir()
    link = project.root / "linked-e"
    os.symlink(outside, link)
    try:
        yield outside
    finally:
        link.unlink()


def test_a_planted_symlink_is_never_written_through(project: Project, planted: Path) -> None:
    head = project.head()
    assert error(project.create("linked-e/x.txt", content="owned\n"), 400, "unsafe_path")
    assert error(project.rename("README.md", "linked-e/README.md"), 400, "unsafe_path")
    assert list(planted.iterdir()) == [] and project.head() == head


def test_renaming_a_file_moves_its_bytes_in_one_commit(project: Project) -> None:
    repo = ProjectRepo.open(project.root)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
    repo.commit_files({"rename-f/logo.png": png}, message="Add a logo", author=role_author("frontend"))
    before, count = project.head(), project.count()
    moved = project.rename("rename-f/logo.png", "rename-f/img/brand.png", base=before)
    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == "rename-f/img/brand.png" and moved.json()["files"] == [
        "rename-f/img/brand.png"
    ]
    assert (
        project.count() == count + 1
        and project.top()["message"] == "Rename rename-f/logo.png to rename-f/img/brand.png"
    )
    assert project.top()["author_email"] == project.owner.email
    files = project.files()
    assert "rename-f/logo.png" not in files and files["rename-f/img/brand.png"] == len(png)
    assert repo.read("HEAD", "rename-f/img/brand.png") == png
    assert not (project.root / "rename-f/logo.png").exists()
    assert (project.root / "rename-f/img/brand.png").read_bytes() == png
    # A file may take the name of the folder it leaves.
    assert project.rename("rename-f/img/brand.png", "rename-f/img").status_code == 200
    assert repo.read("HEAD", "rename-f/img") == png


def test_renaming_a_folder_moves_every_file_in_it(project: Project) -> None:
    for name in ("a.txt", "deep/b.txt", "deep/c.txt"):
        assert project.create(f"folder-g/src/{name}", content=f"{name}\n").status_code == 201
    count = project.count()
    moved = project.rename("folder-g/src", "folder-g/lib")
    assert moved.status_code == 200, moved.text
    assert moved.json()["files"] == [
        "folder-g/lib/a.txt",
        "folder-g/lib/deep/b.txt",
        "folder-g/lib/deep/c.txt",
    ]
    files = project.files()
    assert not any(p.startswith("folder-g/src/") for p in files)
    assert project.read("folder-g/lib/deep/c.txt") == "deep/c.txt\n" and project.count() == count + 1
    assert not (project.root / "folder-g/src").exists()
    inside = error(project.rename("folder-g/lib", "folder-g/lib/deeper"), 400, "invalid_input")
    assert inside["details"] == {"field": "to", "reason": "inside_itself"}
    same = error(project.rename("folder-g/lib", "folder-g/./lib"), 400, "invalid_input")
    assert same["details"]["reason"] == "same"


def test_a_rename_onto_a_taken_name_or_from_a_missing_one_changes_nothing(project: Project) -> None:
    assert project.create("clash-h/one.txt", content="1\n").status_code == 201
    assert project.create("clash-h/two.txt", content="2\n").status_code == 201
    assert project.create("clash-h/dir/three.txt", content="3\n").status_code == 201
    head, count = project.head(), project.count()
    onto_file = error(project.rename("clash-h/one.txt", "clash-h/two.txt"), 409, "conflict")
    assert onto_file["details"] == {"path": "clash-h/two.txt", "reason": "exists"}
    assert (
        error(project.rename("clash-h/one.txt", "clash-h/dir"), 409, "conflict")["details"]["reason"]
        == "exists"
    )
    assert error(project.rename("clash-h/dir", "clash-h/two.txt"), 409, "conflict")
    assert error(project.rename("clash-h/one.txt", "README.md"), 409, "conflict")
    under = error(project.rename("clash-h/one.txt", "clash-h/two.txt/one.txt"), 409, "conflict")
    assert under["details"]["reason"] == "parent_is_file"
    assert error(project.rename("clash-h/nothing.txt", "clash-h/four.txt"), 404, "not_found")
    assert project.head() == head and project.count() == count
    assert project.read("clash-h/two.txt") == "2\n" and project.read("clash-h/one.txt") == "1\n"


def test_deleting_a_file_or_a_folder_with_its_files(project: Project) -> None:
    for name in ("keep.txt", "gone/a.txt", "gone/b/c.txt"):
        assert project.create(f"delete-i/{name}", content="x\n").status_code == 201
    before, count = project.head(), project.count()
    one = project.delete("delete-i/keep.txt", base=before)
    assert one.status_code == 200, one.text
    assert (
        one.json()["files"] == ["delete-i/keep.txt"]
        and project.top()["message"] == "Delete delete-i/keep.txt"
    )
    folder = project.delete("delete-i/gone")
    assert folder.status_code == 200 and folder.json()["files"] == [
        "delete-i/gone/a.txt",
        "delete-i/gone/b/c.txt",
    ]
    assert project.count() == count + 2 and project.top()["author_email"] == project.owner.email
    assert not any(p.startswith("delete-i/") for p in project.files())
    assert not (project.root / "delete-i").exists()  # emptied folders leave the worktree too
    assert error(project.delete("delete-i/keep.txt"), 404, "not_found")
    assert error(project.delete(".git/config"), 400, "unsafe_path")
    assert error(project.delete("app/..%2F..%2Fx"), 400, "unsafe_path")


def test_a_stale_base_is_409_for_every_operation(project: Project) -> None:
    assert project.create("stale-j/a.txt", content="a\n").status_code == 201
    stale = project.head()
    assert project.create("stale-j/b.txt", content="b\n").status_code == 201
    head, count = project.head(), project.count()
    for response in (
        project.create("stale-j/c.txt", base=stale),
        project.rename("stale-j/a.txt", "stale-j/z.txt", base=stale),
        project.delete("stale-j/a.txt", base=stale),
    ):
        assert error(response, 409, "conflict")["details"] == {"head": head}
    assert project.head() == head and project.count() == count


def test_another_user_gets_404_and_nobody_gets_401(project: Project) -> None:
    bea = project.platform.register()
    head = project.head()
    for response in (
        project.create("other-k/x.txt", bea),
        project.rename("README.md", "other-k/README.md", bea),
        project.delete("README.md", bea),
    ):
        assert error(response, 404, "not_found")
    request = project.platform.request
    for method, path, body in (
        ("POST", "/files", {"path": "other-k/x.txt"}),
        ("POST", "/rename", {"path": "README.md", "to": "x.md"}),
        ("DELETE", "/files/README.md", None),
    ):
        assert error(request(method, project.base + path, json=body), 401, "unauthorized")
    assert project.head() == head and "README.md" in project.files()
