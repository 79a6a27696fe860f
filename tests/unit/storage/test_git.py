from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pygit2
import pytest
from pygit2.enums import FileMode

from autocrea.errors import Conflict, GitError, UnsafePath
from autocrea.storage.git import Author, ProjectRepo, role_author
from autocrea.storage.paths import walk_files

ARCHITECT = role_author("architect")
BACKEND = role_author("backend")
TESTER = role_author("tester")


def _clock() -> itertools.count[int]:
    return itertools.count(1_700_000_000)


@pytest.fixture
def repo(tmp_path: Path) -> ProjectRepo:
    ticks = _clock()
    return ProjectRepo.init(tmp_path / "proj", now=lambda: next(ticks))


@pytest.fixture
def three(repo: ProjectRepo) -> list[str]:
    """Three role commits: add, then modify + add, then delete + add."""
    return [
        repo.commit_files(
            {"README.md": "# App\n", "app/main.py": "print('hi')\n"}, message="plan", author=ARCHITECT
        ),
        repo.commit_files(
            {"app/main.py": "print('hello')\nprint('bye')\n", "app/db.py": "DB = 1\n"},
            message="backend",
            author=BACKEND,
        ),
        repo.commit_files(
            {"tests/test_app.py": "def test(): pass\n"}, message="tests", author=TESTER, delete=["app/db.py"]
        ),
    ]


def test_role_author() -> None:
    assert role_author("architect") == Author("AUTOCREA Architect", "architect@autocrea.local")
    assert role_author("security_auditor").name == "AUTOCREA Security Auditor"
    for bad in ("", "two words", "a<b>", "x" * 40, "../x", "dev\n"):
        with pytest.raises(GitError, match="invalid role"):
            role_author(bad)


def test_init_sets_safe_config_and_main_branch(tmp_path: Path) -> None:
    repo = ProjectRepo.init(tmp_path / "new" / "proj")
    assert repo.head() is None
    assert repo.history() == []
    raw = pygit2.Repository(str(tmp_path / "new" / "proj"))
    assert raw.config["core.hooksPath"] == "/dev/null"
    assert raw.config["core.fsmonitor"] == "false"
    repo.commit_files({"a.txt": "a"}, message="first", author=ARCHITECT)
    assert raw.head.name == "refs/heads/main"


def test_open_refuses_non_repo_and_does_not_search_upwards(tmp_path: Path) -> None:
    ProjectRepo.init(tmp_path)
    (tmp_path / "inner").mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        ProjectRepo.open(tmp_path / "inner")
    assert ProjectRepo.open(tmp_path).head() is None


def test_history_shows_role_commits(repo: ProjectRepo, three: list[str]) -> None:
    history = repo.history()
    assert [c.sha for c in history] == three[::-1]
    assert [c.author for c in history] == [TESTER, BACKEND, ARCHITECT]
    assert [c.message for c in history] == ["tests", "backend", "plan"]
    assert [c.files_changed for c in history] == [2, 2, 2]
    assert history[0].parents == (three[1],)
    assert history[-1].parents == ()
    assert history[0].timestamp == 1_700_000_002
    assert len(repo.history(limit=2)) == 2
    assert repo.head() == three[2]


def test_worktree_and_tree_follow_commits(repo: ProjectRepo, three: list[str]) -> None:
    assert walk_files(repo.root) == ["README.md", "app/main.py", "tests/test_app.py"]
    assert repo.tree() == {
        "README.md": b"# App\n",
        "app/main.py": b"print('hello')\nprint('bye')\n",
        "tests/test_app.py": b"def test(): pass\n",
    }
    assert repo.read(three[0], "./app/main.py") == b"print('hi')\n"
    with pytest.raises(GitError, match=r"no file 'app/db\.py'"):
        repo.read("HEAD", "app/db.py")
    with pytest.raises(UnsafePath):
        repo.read("HEAD", "../etc/passwd")


def test_resolve(repo: ProjectRepo, three: list[str]) -> None:
    assert repo.resolve("HEAD") == three[2]
    assert repo.resolve("HEAD~2") == three[0]
    assert repo.resolve("HEAD^") == three[1]
    assert repo.resolve("main") == three[2]
    assert repo.resolve(three[1][:7]) == three[1]
    for unknown in ("nope", "HEAD~9", "deadbeef", "0000000000000000000000000000000000000000"):
        with pytest.raises(GitError, match=f"unknown revision '{unknown}'"):
            repo.resolve(unknown)
    for invalid in ("", "-x", "HEAD:README.md", "HEAD@{1}", ":/plan", "a b"):
        with pytest.raises(GitError, match="invalid revision"):
            repo.resolve(invalid)
    tree_sha = str(pygit2.Repository(str(repo.root)).revparse_single("HEAD^{tree}").id)
    with pytest.raises(GitError, match="not a commit"):
        repo.resolve(tree_sha)


def test_unknown_ref_on_empty_repo(repo: ProjectRepo) -> None:
    with pytest.raises(GitError, match="no commits yet"):
        repo.tree("HEAD")


def test_diff(repo: ProjectRepo, three: list[str]) -> None:
    diff = repo.diff(three[0], three[2])
    assert (diff.base, diff.head) == (three[0], three[2])
    changes = {f.path: (f.status, f.additions, f.deletions) for f in diff.files}
    assert changes == {"app/main.py": ("modified", 2, 1), "tests/test_app.py": ("added", 1, 0)}
    assert "+print('bye')" in diff.patch and "-print('hi')" in diff.patch
    deleted = repo.diff(three[1], three[2])
    assert {f.path: f.status for f in deleted.files} == {"app/db.py": "deleted", "tests/test_app.py": "added"}
    assert "-DB = 1" in deleted.patch


def test_diff_detects_rename(repo: ProjectRepo) -> None:
    body = "".join(f"line {i}\n" for i in range(30))
    first = repo.commit_files({"old.py": body}, message="a", author=BACKEND)
    second = repo.commit_files({"new.py": body}, message="b", author=BACKEND, delete=["old.py"])
    (change,) = repo.diff(first, second).files
    assert (change.status, change.path, change.old_path) == ("renamed", "new.py", "old.py")


def test_restore_first_commit(repo: ProjectRepo, three: list[str]) -> None:
    (repo.root / "__pycache__").mkdir()
    (repo.root / "__pycache__" / "x.pyc").write_bytes(b"untracked")
    sha = repo.restore(three[0][:8], author=ARCHITECT)
    assert sha not in three
    assert repo.history()[0].parents == (three[2],)
    assert repo.history()[0].message == f"Restore {three[0][:7]}"
    assert repo.tree(sha) == repo.tree(three[0])
    raw = pygit2.Repository(str(repo.root))
    assert raw.revparse_single(f"{sha}^{{tree}}").id == raw.revparse_single(f"{three[0]}^{{tree}}").id
    # Tracked files not in the target are gone (and their empty dir); untracked files stay.
    assert walk_files(repo.root) == ["README.md", "__pycache__/x.pyc", "app/main.py"]
    assert (repo.root / "app" / "main.py").read_text() == "print('hi')\n"
    assert not (repo.root / "tests").exists()


def test_hostile_paths_raise_and_write_nothing(repo: ProjectRepo) -> None:
    first = repo.commit_files({"ok.txt": "ok"}, message="first", author=ARCHITECT)
    for bad in ("../x", ".git/hooks/pre-commit", "a\\b", "/etc/x", ".GIT/config"):
        with pytest.raises(UnsafePath):
            repo.commit_files({"fine.txt": "fine", bad: "#!/bin/sh\n"}, message="evil", author=BACKEND)
    with pytest.raises(UnsafePath):
        repo.commit_files({"fine.txt": "x"}, message="evil", author=BACKEND, delete=["../ok.txt"])
    assert repo.head() == first
    assert walk_files(repo.root) == ["ok.txt"]
    assert not (repo.root.parent / "x").exists()
    assert sorted(p.name for p in (repo.root / ".git" / "hooks").glob("pre-commit*")) == []


def test_bad_commit_requests_change_nothing(repo: ProjectRepo) -> None:
    first = repo.commit_files({"a/b.txt": "b"}, message="first", author=ARCHITECT)
    cases: list[tuple[dict[str, str | bytes], list[str], str]] = [
        ({"new.txt": "n"}, ["missing.txt"], "not in HEAD"),
        ({"a/b.txt": "n"}, ["a/b.txt"], "both written and deleted"),
        ({"a/b.txt/c": "n"}, [], "as a directory"),
        ({"a": "n"}, [], "as a directory"),
    ]
    for files, delete, match in cases:
        with pytest.raises(GitError, match=match):
            repo.commit_files(files, message="bad", author=BACKEND, delete=delete)
    with pytest.raises(UnsafePath, match="written twice"):
        repo.commit_files({"x": "1", "./x": "2"}, message="bad", author=BACKEND)
    with pytest.raises(GitError, match="commit message"):
        repo.commit_files({"x": "1"}, message="  ", author=BACKEND)
    assert repo.head() == first
    assert walk_files(repo.root) == ["a/b.txt"]


def test_file_can_become_directory_when_deleted(repo: ProjectRepo) -> None:
    repo.commit_files({"a": "file"}, message="first", author=ARCHITECT)
    repo.commit_files({"a/b.txt": "nested"}, message="second", author=ARCHITECT, delete=["a"])
    assert repo.tree() == {"a/b.txt": b"nested"}
    assert walk_files(repo.root) == ["a/b.txt"]


def test_planted_symlink_in_worktree_is_refused(repo: ProjectRepo, tmp_path: Path) -> None:
    first = repo.commit_files({"a.txt": "a"}, message="first", author=ARCHITECT)
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / "static").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath, match="symbolic link"):
        repo.commit_files({"b.txt": "b", "static/x.js": "x"}, message="m", author=BACKEND)
    assert list(outside.iterdir()) == []
    assert not (repo.root / "b.txt").exists()
    assert repo.head() == first


def test_symlink_blobs_are_not_exported(repo: ProjectRepo) -> None:
    repo.commit_files({"a.txt": "a"}, message="first", author=ARCHITECT)
    raw = pygit2.Repository(str(repo.root))
    index = raw.index
    index.read_tree(raw.head.peel(pygit2.Commit).tree)
    index.add(pygit2.IndexEntry("passwd", raw.create_blob(b"/etc/passwd"), FileMode.LINK))
    sig = pygit2.Signature("x", "x@x", 1, 0)
    raw.create_commit("HEAD", sig, sig, "link\n", index.write_tree(), [raw.head.target])
    assert repo.tree() == {"a.txt": b"a"}
    with pytest.raises(GitError, match="not a regular file"):
        repo.read("HEAD", "passwd")


def test_concurrent_commits_are_linear(repo: ProjectRepo) -> None:
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def work(role: str) -> None:
        try:
            other = ProjectRepo.open(repo.root)  # separate handles share the per-path lock
            barrier.wait()
            other.commit_files({f"{role}/file.py": role}, message=role, author=role_author(role))
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in ("backend", "frontend", "devops")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    history = repo.history()
    assert len(history) == 3
    assert history[-1].parents == ()
    for newer, older in itertools.pairwise(history):
        assert newer.parents == (older.sha,)
    assert sorted(repo.tree()) == ["backend/file.py", "devops/file.py", "frontend/file.py"]


def test_devops_keeps_its_usual_spelling() -> None:
    assert role_author("devops") == Author("AUTOCREA DevOps", "devops@autocrea.local")


def test_a_commit_expecting_a_moved_head_is_a_conflict_and_writes_nothing(
    repo: ProjectRepo, three: list[str]
) -> None:
    author = role_author("backend")
    first, _, last = three
    before = (repo.root / "a.txt").read_text() if (repo.root / "a.txt").exists() else None
    with pytest.raises(Conflict) as stale:
        repo.commit_files({"a.txt": "late\n"}, message="Late", author=author, expected_head=first[:7])
    assert stale.value.details == {"head": last}
    assert repo.head() == last
    assert ((repo.root / "a.txt").read_text() if (repo.root / "a.txt").exists() else None) == before
    sha = repo.commit_files(
        {"a.txt": "on time\n"}, message="On time", author=author, expected_head=last[:7].upper()
    )
    assert repo.head() == sha and (repo.root / "a.txt").read_text() == "on time\n"
