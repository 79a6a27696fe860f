"""Attack S7: planted symlinks and hardlinks never leak host files.

An attacker plants links where the server might later read or write: a symlink blob committed into a
project's tree, a symlink, hardlink or symlinked directory in the work tree, a `.git` path trick, and
links in a scratch copy that a sandboxed command wrote to. Whatever the server hands out afterwards
(the ZIP, the file tree and file view, a diff, a restore, the tester's checkout, the preview's copy, the
security scan's findings) must hold neither a canary file made outside the project nor /etc/passwd.
Each attack sits beside a benign control in the same test that must work.

Writes through a link aim at a directory the test owns, never at /etc (the tests may run as root).
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat
import string
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pygit2
import pytest
from pygit2.enums import FileMode, ObjectType

from autocrea.errors import GitError, UnsafePath
from autocrea.pipeline.context import RunContext
from autocrea.pipeline.roles.security import scan_secrets
from autocrea.pipeline.roles.tester import checkout
from autocrea.storage.archive import zip_commit
from autocrea.storage.git import ProjectRepo, role_author
from autocrea.storage.paths import read_file, walk_files, write_file

ARCHITECT = role_author("architect")
BACKEND = role_author("backend")
USER = role_author("user")
PASSWD = Path("/etc/passwd")
APP = {
    "README.md": b"# Notes\n",
    "app/main.py": b"from fastapi import FastAPI\n\napp = FastAPI()\n",
    "requirements.txt": b"fastapi==0.115.0\n",
}


@dataclass(frozen=True)
class Host:
    """A file and a directory outside every project, as the host's own files are."""

    dir: Path
    canary: Path
    secret: bytes  # unique to this test run: finding it anywhere means the canary leaked
    content: bytes

    def untouched(self) -> bool:
        return self.canary.read_bytes() == self.content and sorted(os.listdir(self.dir)) == ["canary.txt"]


@pytest.fixture
def host(tmp_path: Path) -> Host:
    folder = tmp_path / "host"
    folder.mkdir()
    secret = f"CANARY-{secrets.token_hex(16)}".encode()
    # An AWS-shaped key too, so that detect-secrets reports the canary whenever it reads it.
    key = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))
    content = b"# host only\nTOKEN = '" + secret + b"'\naws_access_key_id = '" + key.encode() + b"'\n"
    canary = folder / "canary.txt"
    canary.write_bytes(content)
    canary.chmod(0o644)
    return Host(dir=folder, canary=canary, secret=secret, content=content)


@pytest.fixture
def repo(tmp_path: Path) -> ProjectRepo:
    ticks = iter(range(1_700_000_000, 1_800_000_000))
    return ProjectRepo.init(tmp_path / "proj", now=lambda: next(ticks))


def _passwd_line() -> bytes:
    return PASSWD.read_bytes().splitlines()[0]


def assert_no_leak(host: Host, data: bytes | str) -> None:
    blob = data.encode() if isinstance(data, str) else data
    assert host.secret not in blob
    assert _passwd_line() not in blob


def zip_entries(blob: bytes) -> dict[str, bytes]:
    """Every entry of a ZIP, after checking that each is a plain 0644 file a zip tool cannot follow."""
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        for info in archive.infolist():
            mode = info.external_attr >> 16
            assert info.create_system == 3
            assert stat.S_ISREG(mode) and not stat.S_ISLNK(mode), (info.filename, oct(mode))
            assert stat.S_IMODE(mode) == 0o644
            assert not info.is_dir()
            out[info.filename] = archive.read(info)
    return out


def assert_zip_clean(host: Host, blob: bytes) -> dict[str, bytes]:
    assert_no_leak(host, blob)
    entries = zip_entries(blob)
    for data in entries.values():
        assert_no_leak(host, data)
    return entries


def links_under(root: Path) -> list[str]:
    """Every symlink, hardlinked file or non-regular file below root (a clean copy has none)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            info = os.lstat(os.path.join(folder, name))
            odd = stat.S_ISLNK(info.st_mode) or not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode))
            if odd or (stat.S_ISREG(info.st_mode) and info.st_nlink != 1):
                found.append(os.path.relpath(os.path.join(folder, name), root))
    return found


def contents_under(root: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for folder, _dirs, files in os.walk(root):
        if ".git" in Path(folder).relative_to(root).parts:
            continue
        for name in files:
            path = Path(folder) / name
            out[str(path.relative_to(root))] = path.read_bytes()
    return out


def commit_raw(repo: ProjectRepo, entries: dict[str, tuple[bytes, int]], message: str) -> str:
    """A commit on HEAD made with pygit2 directly, as a tampered repository would hold it."""
    raw = pygit2.Repository(str(repo.root))
    index = pygit2.Index()
    if not raw.head_is_unborn:
        index.read_tree(raw.head.peel(pygit2.Commit).tree)
    for path, (data, mode) in entries.items():
        index.add(pygit2.IndexEntry(path, raw.create_blob(data), mode))
    tree = index.write_tree(raw)
    sig = pygit2.Signature("x", "x@x", 1_700_000_000, 0)
    parents = [] if raw.head_is_unborn else [raw.head.target]
    return str(raw.create_commit("HEAD", sig, sig, message, tree, parents))


def hardlink_or_skip(source: Path, link: Path) -> None:
    try:
        os.link(source, link)
    except OSError as exc:  # another filesystem, or protected_hardlinks for a non-root user
        pytest.skip(f"cannot hardlink {source}: {exc}")


# -- symlinks committed into the tree --------------------------------------------------------------


def test_committed_symlinks_never_reach_zip_file_view_diff_restore_or_copies(
    repo: ProjectRepo, host: Host, tmp_path: Path
) -> None:
    benign = repo.commit_files(APP, message="app", author=ARCHITECT)
    link = int(FileMode.LINK)
    attack = commit_raw(
        repo,
        {
            "leak.txt": (str(host.canary).encode(), link),
            "app/passwd.py": (b"/etc/passwd", link),
            "app/up.txt": (os.path.relpath(host.canary, repo.root / "app").encode(), link),
            "etc": (b"/etc", link),  # a symlinked directory
            "static": (str(host.dir).encode(), link),
            "app/ok.py": (b"OK = True\n", int(FileMode.BLOB)),  # the benign file in the same commit
        },
        "links\n",
    )
    expected = {**APP, "app/ok.py": b"OK = True\n"}

    # File tree and file view: only the regular files, the links are neither listed nor read.
    assert repo.tree(attack) == expected
    assert repo.read(attack, "app/ok.py") == b"OK = True\n"
    for rel in ("leak.txt", "app/passwd.py", "app/up.txt", "etc", "static"):
        with pytest.raises(GitError, match="not a regular file"):
            repo.read(attack, rel)
    for rel in ("etc/passwd", "static/canary.txt"):
        with pytest.raises(GitError, match="no file"):
            repo.read(attack, rel)

    # ZIP: the same regular files, each a plain 0644 file, no canary or passwd bytes.
    assert assert_zip_clean(host, zip_commit(repo, attack, prefix="notes")) == {
        f"notes/{rel}": data for rel, data in expected.items()
    }
    assert assert_zip_clean(host, zip_commit(repo, benign)) == APP

    # Diff: it names the links' targets (their blobs' text), never the bytes behind them.
    diff = repo.diff(benign, attack)
    assert {f.path for f in diff.files} >= {"app/ok.py", "leak.txt"}
    assert_no_leak(host, diff.patch)

    # The tester's checkout and the preview's copy (write_file over repo.tree): regular files only.
    tests_copy = tmp_path / "checkout" / "app"
    checkout(cast(RunContext, SimpleNamespace(repo=repo)), tests_copy)
    preview_copy = tmp_path / "preview" / "app"
    preview_copy.mkdir(parents=True)
    for rel, data in repo.tree(attack).items():
        write_file(preview_copy, rel, data)
    for copy in (tests_copy, preview_copy):
        assert links_under(copy) == []
        assert contents_under(copy) == expected

    # Restore of the old commit with links (after a benign change): no link reaches the work tree.
    repo.commit_files({"README.md": "# Changed\n"}, message="edit", author=BACKEND, delete=["app/ok.py"])
    restored = repo.restore(attack, author=USER)
    assert repo.tree(restored) == expected
    assert links_under(repo.root) == []
    assert contents_under(repo.root) == expected
    # Restoring the benign commit (the control) brings back exactly its files.
    repo.restore(benign, author=USER)
    assert contents_under(repo.root) == APP
    assert host.untouched()


def test_git_dir_and_unsafe_names_in_a_commit_are_refused_or_skipped(repo: ProjectRepo, host: Host) -> None:
    repo.commit_files(APP, message="app", author=ARCHITECT)
    raw = pygit2.Repository(str(repo.root))
    config = Path(raw.path) / "config"
    config_before = config.read_bytes()

    # Names libgit2 itself accepts but ours refuse (a Windows path into `.git`, a device name holding
    # the canary's bytes): skipped by the tree, the ZIP and restore.
    odd = commit_raw(
        repo,
        {
            "a\\..\\.git\\config": (b"[core]\n\tfsmonitor = cat /etc/passwd\n", int(FileMode.BLOB)),
            "app/con.py": (host.content, int(FileMode.BLOB)),
            "app/fine.py": (b"FINE = 1\n", int(FileMode.BLOB)),
        },
        "odd names\n",
    )
    expected = {**APP, "app/fine.py": b"FINE = 1\n"}
    assert repo.tree(odd) == expected
    assert assert_zip_clean(host, zip_commit(repo, odd)) == expected
    repo.restore(odd, author=USER)
    assert contents_under(repo.root) == expected

    # A tree with a `.git` entry (written as a raw object, as no git tool would make it): every
    # reader refuses it outright and nothing is written into the repository's own directory.
    blob = raw.create_blob(b"[core]\n\tfsmonitor = cat /etc/passwd\n")
    git_dir = raw.odb.write(ObjectType.TREE, b"100644 config\0" + blob.raw)
    top = [(e.name.encode(), e.filemode, e.id.raw) for e in raw.head.peel(pygit2.Commit).tree]
    top.append((b".git", int(FileMode.TREE), git_dir.raw))
    top.sort(key=lambda e: e[0] + (b"/" if e[1] == FileMode.TREE else b""))  # git's own order
    tree = raw.odb.write(
        ObjectType.TREE, b"".join(b"%o %s\0%s" % (mode, name, oid) for name, mode, oid in top)
    )
    sig = pygit2.Signature("x", "x@x", 1_700_000_000, 0)
    dotgit = str(raw.create_commit(None, sig, sig, "dot git\n", tree, [raw.head.target]))  # HEAD stays
    for call in (
        lambda: repo.tree(dotgit),
        lambda: zip_commit(repo, dotgit),
        lambda: repo.read(dotgit, "app/main.py"),
        lambda: repo.restore(dotgit, author=USER),
    ):
        with pytest.raises((GitError, pygit2.GitError)):
            call()
    assert config.read_bytes() == config_before
    assert contents_under(repo.root) == expected

    # Through commit_files, the only way edits reach a repository, a `.git` path writes nothing.
    for bad in (".git/config", ".GIT/hooks/post-commit", "app/.git/config", "git~1/config"):
        with pytest.raises(UnsafePath):
            repo.commit_files({bad: "x", "app/fine.py": "y"}, message="m", author=USER)
    assert config.read_bytes() == config_before
    assert repo.commit_files({".gitignore": "*.pyc\n"}, message="ignore", author=USER)  # the control
    assert host.untouched()


# -- links planted in a work tree or a scratch copy -------------------------------------------------


def test_worktree_links_are_never_read_or_written_through(repo: ProjectRepo, host: Host) -> None:
    first = repo.commit_files(APP, message="app", author=ARCHITECT)
    root = repo.root
    (root / "notes.txt").symlink_to(host.canary)
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    (root / "static").symlink_to(host.dir, target_is_directory=True)
    hardlink_or_skip(host.canary, root / "hard.txt")

    # Reading (tree, file view, ZIP) comes from git objects, never from the work tree.
    assert repo.tree() == APP
    for rel in ("notes.txt", "hard.txt", "etc/passwd", "static/canary.txt"):
        with pytest.raises(GitError, match="no file"):
            repo.read("HEAD", rel)
    assert assert_zip_clean(host, zip_commit(repo)) == APP

    # Writing through a symlink or a symlinked directory is refused, and nothing is written anywhere.
    for rel in ("notes.txt", "static/app.js"):
        with pytest.raises(UnsafePath, match="symbolic link"):
            repo.commit_files({rel: "pwned", "app/new.py": "x"}, message="m", author=USER)
        assert not (root / "app" / "new.py").exists()
        assert repo.head() == first
    # Over a hardlink, the write replaces the name: the canary keeps its bytes; the commit holds ours.
    second = repo.commit_files({"hard.txt": "mine\n", "app/new.py": "x\n"}, message="m", author=USER)
    assert repo.read(second, "hard.txt") == b"mine\n"
    assert (root / "hard.txt").read_bytes() == b"mine\n"
    assert os.stat(root / "hard.txt").st_ino != os.stat(host.canary).st_ino
    assert host.untouched()

    # A tracked file replaced by a hardlink to the canary: restore writes fresh files, reads none.
    (root / "app" / "main.py").unlink()
    hardlink_or_skip(host.canary, root / "app" / "main.py")
    restored = repo.restore(first, author=USER)
    assert repo.tree(restored) == APP
    assert (root / "app" / "main.py").read_bytes() == APP["app/main.py"]
    assert not (root / "app" / "new.py").exists()
    assert_zip_clean(host, zip_commit(repo, restored))
    # ... and by a symlink: restore refuses before touching anything.
    (root / "app" / "main.py").unlink()
    (root / "app" / "main.py").symlink_to(host.canary)
    with pytest.raises(UnsafePath, match="symbolic link"):
        repo.restore(second, author=USER)
    assert repo.head() == restored
    assert host.untouched()


def test_write_file_never_follows_links_planted_in_a_copy(
    repo: ProjectRepo, host: Host, tmp_path: Path
) -> None:
    commit = repo.commit_files(APP, message="app", author=ARCHITECT)
    files = repo.tree(commit)

    # The control: a fresh copy, as the tester's checkout and the preview make it, gets every file.
    clean = tmp_path / "clean" / "app"
    clean.mkdir(parents=True)
    for rel, data in files.items():
        write_file(clean, rel, data)
    assert contents_under(clean) == APP
    assert links_under(clean) == []

    # A copy where links were planted first: every write through a symlink is refused ...
    planted = tmp_path / "planted" / "app"
    planted.mkdir(parents=True)
    (planted / "app").symlink_to(host.dir, target_is_directory=True)
    (planted / "README.md").symlink_to(host.canary)
    hardlink_or_skip(host.canary, planted / "requirements.txt")
    refused = []
    for rel, data in files.items():
        try:
            write_file(planted, rel, data)
        except UnsafePath:
            refused.append(rel)
    assert refused == ["README.md", "app/main.py"]
    # ... and a write over a hardlink replaces the name, so the canary keeps its bytes.
    assert (planted / "requirements.txt").read_bytes() == APP["requirements.txt"]
    assert host.untouched()

    # Reading back from a copy: a symlink is refused, and so is a hardlink (the other name may be a
    # host file), while a file written there reads normally.
    assert read_file(clean, "app/main.py") == APP["app/main.py"]
    (clean / "sym.txt").symlink_to(host.canary)
    hardlink_or_skip(host.canary, clean / "hard.txt")
    for rel in ("sym.txt", "hard.txt"):
        with pytest.raises(UnsafePath, match="link"):
            read_file(clean, rel)


# -- the security scan, the one reader of a sandbox's scratch copy ----------------------------------


def test_secret_scan_never_reads_through_planted_links(host: Host, tmp_path: Path) -> None:
    scratch = tmp_path / "scan" / "project"
    scratch.mkdir(parents=True)
    write_file(scratch, "app/main.py", APP["app/main.py"])
    # The control: the canary's own bytes in a regular file of the copy are found.
    write_file(scratch, "app/settings.py", host.content)

    (scratch / "sym.py").symlink_to(host.canary)
    (scratch / "app" / "etc").symlink_to("/etc", target_is_directory=True)
    (scratch / "hostdir").symlink_to(host.dir, target_is_directory=True)
    hardlink_or_skip(host.canary, scratch / "hard.py")
    (scratch / "sub" / ".git").mkdir(parents=True)
    hardlink_or_skip(host.canary, scratch / "sub" / ".git" / "config")
    with contextlib.suppress(OSError):  # /etc on another filesystem: that link cannot be planted here
        os.link(PASSWD, scratch / "passwd")
    try:
        assert walk_files(scratch) == ["app/main.py", "app/settings.py"]
        findings = scan_secrets(scratch)
        assert findings, "the control must be found, or the scan proves nothing"
        assert {f.path for f in findings} == {"app/settings.py"}
        for finding in findings:
            assert_no_leak(host, repr(finding))
        assert host.untouched()
    finally:
        (scratch / "passwd").unlink(missing_ok=True)  # leave no second name of /etc/passwd behind
