"""Per-project git repositories (pygit2): one commit per finished role step, history, diff, restore.

Safety: we never shell out to `git` and never run anything from the project. libgit2 runs no
hooks, filters or fsmonitor commands; the repository config still sets `core.hooksPath=/dev/null`
and `core.fsmonitor=false` so that an operator who later runs the git CLI inside a project
directory does not execute code a generated app managed to plant there. Blobs are created from the
bytes we were given (never read back from the worktree), and the worktree is only written through
`paths.write_file`, so links and `.git` are never touched.
"""

from __future__ import annotations

import fcntl
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pygit2
from pygit2.enums import DeltaStatus, FileMode, RepositoryOpenFlag, SortMode

from autocrea.errors import Conflict, GitError, UnsafePath
from autocrea.storage.paths import file_dir_conflict, is_safe, resolve_under, safe_relpath, write_file

_ROLE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*")
# Revisions we accept: sha prefixes, HEAD~n / HEAD^, branch names. No `:path`, `@{..}`, `:/search`.
_REVISION = re.compile(r"[A-Za-z0-9._/~^][A-Za-z0-9._/~^-]{0,199}")
_SIGNATURE_FORBIDDEN = re.compile(r"[<>\x00-\x1f]")
_SAFE_CONFIG = {"core.hooksPath": "/dev/null", "core.fsmonitor": "false"}
_REGULAR = (FileMode.BLOB, FileMode.BLOB_EXECUTABLE)
_STATUS: dict[DeltaStatus, Literal["added", "modified", "deleted", "renamed"]] = {
    DeltaStatus.ADDED: "added",
    DeltaStatus.COPIED: "added",
    DeltaStatus.DELETED: "deleted",
    DeltaStatus.RENAMED: "renamed",
}

# One lock per repository path, shared by every ProjectRepo on it: roles finish concurrently and
# a pygit2 Repository object must not be used from two threads at once.
_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> threading.RLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path.resolve()), threading.RLock())


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def __post_init__(self) -> None:
        for field, value in (("name", self.name), ("email", self.email)):
            if not value.strip() or _SIGNATURE_FORBIDDEN.search(value):
                raise GitError(f"invalid author {field} {value!r}: empty, '<', '>' or control chars")


_ROLE_TITLES = {"devops": "DevOps"}


def role_author(role: str) -> Author:
    """The commit author for a pipeline role: 'architect' -> AUTOCREA Architect."""
    if not isinstance(role, str) or len(role) > 32 or not _ROLE.fullmatch(role):
        raise GitError(f"invalid role name {role!r}: use one simple word such as 'backend'")
    role = role.lower()
    title = _ROLE_TITLES.get(role) or " ".join(word.capitalize() for word in re.split(r"[_-]", role))
    return Author(name=f"AUTOCREA {title}", email=f"{role}@autocrea.local")


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    message: str
    author: Author
    timestamp: int
    parents: tuple[str, ...]
    files_changed: int


@dataclass(frozen=True)
class FileChange:
    path: str
    status: Literal["added", "modified", "deleted", "renamed"]
    additions: int
    deletions: int
    old_path: str | None = None  # set for renames


@dataclass(frozen=True)
class Diff:
    base: str
    head: str
    files: tuple[FileChange, ...]
    patch: str


def _system_clock() -> int:
    return int(time.time())


class ProjectRepo:
    """A project's working tree and repository. All methods are thread-safe."""

    def __init__(self, repo: pygit2.Repository, *, now: Callable[[], int]) -> None:
        if repo.is_bare or repo.workdir is None:
            raise GitError(f"repository at {repo.path!r} has no working tree")
        self._repo = repo
        self._now = now
        self.root = Path(repo.workdir)
        self._lock = _lock_for(self.root)
        with self._lock:
            # The repository's own config file only (not ~/.gitconfig), written only when needed.
            local = pygit2.Config(str(Path(repo.path) / "config"))
            for key, value in _SAFE_CONFIG.items():
                if key not in local or local[key] != value:
                    local[key] = value

    @classmethod
    def init(cls, path: Path, *, now: Callable[[], int] = _system_clock) -> ProjectRepo:
        """Create (or reopen) a repository at path with initial branch 'main'."""
        try:
            path.mkdir(parents=True, exist_ok=True)
            repo = pygit2.init_repository(str(path), initial_head="main")
        except (OSError, pygit2.GitError) as exc:
            raise GitError(f"cannot create a repository at {str(path)!r}: {exc}") from exc
        return cls(repo, now=now)

    @classmethod
    def open(cls, path: Path, *, now: Callable[[], int] = _system_clock) -> ProjectRepo:
        """Open the repository whose working tree is exactly path (no search upwards)."""
        try:
            repo = pygit2.Repository(str(path), RepositoryOpenFlag.NO_SEARCH)
        except pygit2.GitError as exc:
            raise GitError(f"not a git repository: {str(path)!r}") from exc
        return cls(repo, now=now)

    # -- writing -----------------------------------------------------------------------------

    def commit_files(
        self,
        files: Mapping[str, str | bytes],
        *,
        message: str,
        author: Author,
        delete: Iterable[str] = (),
        expected_head: str | None = None,
    ) -> str:
        """Write files into the worktree, stage exactly them and the deletions, commit on HEAD.

        Every path is checked before anything is written; a bad one raises and changes nothing.
        `expected_head` (a sha or a prefix of one) makes the commit conditional: when HEAD has moved
        on, Conflict and nothing written — checked under the same locks as the commit, so two saves
        from one base cannot both land.
        """
        message = _check_message(message)
        writes: dict[str, bytes] = {}
        for raw, data in files.items():
            rel = safe_relpath(raw)
            if rel in writes:
                details = {"path": raw, "rule": "duplicate"}
                raise UnsafePath(f"unsafe path {raw!r}: written twice", details=details)
            writes[rel] = data.encode("utf-8") if isinstance(data, str) else data
        deletes = {safe_relpath(raw) for raw in delete}
        both = sorted(deletes & writes.keys())
        if both:
            raise GitError(f"{both[0]!r} is both written and deleted in one commit")
        with self._lock, self._process_lock():
            parent = self._head_commit()
            if expected_head is not None and parent is not None:
                head = str(parent.id)
                if not head.startswith(expected_head.lower()):
                    raise Conflict(
                        "The file changed since you opened it; reload to see the newest version.",
                        details={"head": head},
                    )
            tracked = _entries(parent.tree) if parent is not None else {}
            missing = sorted(deletes - tracked.keys())
            if missing:
                raise GitError(f"cannot delete {missing[0]!r}: it is not in HEAD")
            conflict = file_dir_conflict((tracked.keys() - deletes) | writes.keys())
            if conflict is not None:
                raise GitError(f"{conflict[1]!r} needs {conflict[0]!r} as a directory, but it is a file")
            _precheck_worktree(self.root, [*deletes, *writes])
            for rel in sorted(deletes):
                _remove(self.root, rel)
            for rel, data in writes.items():
                write_file(self.root, rel, data)
            index = self._repo.index
            if parent is not None:
                index.read_tree(parent.tree)
            else:
                index.clear()
            for rel in deletes:
                index.remove(rel)
            for rel, data in writes.items():
                index.add(pygit2.IndexEntry(rel, self._repo.create_blob(data), FileMode.BLOB))
            tree = index.write_tree()
            index.write()
            return self._commit(tree, parent, message, author)

    def restore(self, ref: str, *, author: Author, message: str | None = None) -> str:
        """A new commit on HEAD whose tree equals ref's; tracked files not in ref leave the worktree.
        `message` by default: "Restore <sha>"."""
        text = _check_message(message) if message is not None else None
        with self._lock, self._process_lock():
            target = self._commit_at(ref)
            parent = self._head_commit()
            wanted = self._regular_files(target.tree)
            current = _entries(parent.tree) if parent is not None else {}
            stale = sorted(rel for rel in current.keys() - wanted.keys() if is_safe(rel))
            _precheck_worktree(self.root, [*stale, *wanted])
            for rel in stale:
                _remove(self.root, rel)
            for rel, data in wanted.items():
                write_file(self.root, rel, data)
            index = self._repo.index
            index.read_tree(target.tree)
            index.write()
            text = text or f"Restore {str(target.id)[:7]}\n"
            return self._commit(target.tree.id, parent, text, author)

    def squash(self, base: str, *, message: str, author: Author, expected_head: str) -> str:
        """Replace the commits after `base` (up to `expected_head`) with one commit of HEAD's tree.

        A change run commits as it goes (its change, then its security review) and ends as one
        commit; when HEAD is not `expected_head` any more, Conflict and nothing changes.
        """
        message = _check_message(message)
        with self._lock, self._process_lock():
            head = self._head_commit()
            if head is None or str(head.id) != expected_head:
                raise Conflict(
                    "The project changed during the run.", details={"head": str(head.id) if head else None}
                )
            parent = self._commit_at(base)
            sig = pygit2.Signature(author.name, author.email, self._now(), 0)
            sha = self._repo.create_commit(None, sig, sig, message, head.tree.id, [parent.id])
            self._move_head(sha)
            return str(sha)

    def reset(self, base: str, *, expected_head: str) -> None:
        """Move HEAD back to `base`, worktree included, dropping the commits after it (a change run
        that was not verified leaves nothing behind). Conflict when HEAD is not `expected_head`."""
        with self._lock, self._process_lock():
            head = self._head_commit()
            if head is None or str(head.id) != expected_head:
                raise Conflict(
                    "The project changed during the run.", details={"head": str(head.id) if head else None}
                )
            target = self._commit_at(base)
            wanted = self._regular_files(target.tree)
            stale = sorted(rel for rel in _entries(head.tree).keys() - wanted.keys() if is_safe(rel))
            _precheck_worktree(self.root, [*stale, *wanted])
            for rel in stale:
                _remove(self.root, rel)
            for rel, data in wanted.items():
                write_file(self.root, rel, data)
            index = self._repo.index
            index.read_tree(target.tree)
            index.write()
            self._move_head(target.id)

    def _move_head(self, sha: pygit2.Oid) -> None:
        ref = self._repo.head if not self._repo.head_is_detached else None
        if ref is None:
            self._repo.set_head(sha)
        else:
            ref.set_target(sha)

    def _commit(self, tree: pygit2.Oid, parent: pygit2.Commit | None, message: str, author: Author) -> str:
        sig = pygit2.Signature(author.name, author.email, self._now(), 0)
        parents = [parent.id] if parent is not None else []
        return str(self._repo.create_commit("HEAD", sig, sig, message, tree, parents))

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """An flock in .git so that two worker processes cannot both move HEAD from one parent."""
        with open(Path(self._repo.path) / "autocrea.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- reading -----------------------------------------------------------------------------

    def head(self) -> str | None:
        with self._lock:
            commit = self._head_commit()
            return None if commit is None else str(commit.id)

    def resolve(self, ref: str) -> str:
        """Full sha for a sha prefix (>= 4 hex), 'HEAD', 'HEAD~2', or a branch name."""
        with self._lock:
            return str(self._commit_at(ref).id)

    def history(self, *, limit: int = 200) -> list[CommitInfo]:
        """Commits reachable from HEAD, newest first."""
        with self._lock:
            head = self._head_commit()
            if head is None or limit <= 0:
                return []
            out: list[CommitInfo] = []
            for commit in self._repo.walk(head.id, SortMode.TOPOLOGICAL):
                out.append(_commit_info(commit))
                if len(out) >= limit:
                    break
            return out

    def tree_id(self, ref: str = "HEAD") -> str:
        """The id of ref's tree: two commits with the same files have the same one."""
        with self._lock:
            return str(self._commit_at(ref).tree.id)

    def tree(self, ref: str = "HEAD") -> dict[str, bytes]:
        """Regular files (modes 100644/100755) at ref; symlinks, submodules and unsafe names skipped."""
        with self._lock:
            return self._regular_files(self._commit_at(ref).tree)

    def read(self, ref: str, path: str) -> bytes:
        rel = safe_relpath(path)
        with self._lock:
            commit = self._commit_at(ref)
            entry = _entries(commit.tree).get(rel)
            if entry is None:
                raise GitError(f"no file {rel!r} at {str(commit.id)[:7]}")
            if entry.mode not in _REGULAR:
                raise GitError(f"{rel!r} at {str(commit.id)[:7]} is not a regular file")
            return self._blob(entry.id)

    def diff(self, base: str, head: str) -> Diff:
        with self._lock:
            a, b = self._commit_at(base), self._commit_at(head)
            diff = a.tree.diff_to_tree(b.tree)
            diff.find_similar()
            files = tuple(_file_change(patch) for patch in diff if patch is not None)
            return Diff(base=str(a.id), head=str(b.id), files=files, patch=diff.patch or "")

    # -- helpers -----------------------------------------------------------------------------

    def _head_commit(self) -> pygit2.Commit | None:
        if self._repo.head_is_unborn:
            return None
        return self._repo.head.peel(pygit2.Commit)

    def _commit_at(self, ref: str) -> pygit2.Commit:
        if not isinstance(ref, str) or not _REVISION.fullmatch(ref):
            raise GitError(f"invalid revision {ref!r}: use a commit sha, 'HEAD', 'HEAD~n' or a branch")
        if self._repo.head_is_unborn and ref.startswith("HEAD"):
            raise GitError(f"unknown revision {ref!r}: the repository has no commits yet")
        try:
            obj = self._repo.revparse_single(ref)
        except (KeyError, ValueError, pygit2.GitError) as exc:
            raise GitError(f"unknown revision {ref!r}", details={"ref": ref}) from exc
        try:
            return obj.peel(pygit2.Commit)
        except (ValueError, pygit2.GitError) as exc:
            raise GitError(f"revision {ref!r} is not a commit", details={"ref": ref}) from exc

    def _blob(self, oid: pygit2.Oid) -> bytes:
        blob = self._repo.get(oid)
        if not isinstance(blob, pygit2.Blob):
            raise GitError(f"object {oid} is missing or not a blob: the repository is corrupt")
        return blob.data

    def _regular_files(self, tree: pygit2.Tree) -> dict[str, bytes]:
        return {
            rel: self._blob(entry.id)
            for rel, entry in sorted(_entries(tree).items())
            if entry.mode in _REGULAR and is_safe(rel)
        }


def _entries(tree: pygit2.Tree) -> dict[str, pygit2.IndexEntry]:
    """Flat path -> entry map of a tree (an in-memory index is the simplest flattener)."""
    index = pygit2.Index()
    index.read_tree(tree)
    return {entry.path: entry for entry in index}


def _check_message(message: str) -> str:
    text = message.strip() if isinstance(message, str) else ""
    if not text or "\x00" in text:
        raise GitError("a commit message must be non-empty text without NUL characters")
    return text + "\n"


def _precheck_worktree(root: Path, rels: Iterable[str]) -> None:
    """Refuse planted symlinks before touching anything; a file-vs-directory clash may resolve itself
    (a deleted file making room for a directory), so that one is left to the write."""
    for rel in rels:
        try:
            resolve_under(root, rel)
        except UnsafePath as exc:
            if exc.details.get("rule") != "not_dir":
                raise


def _remove(root: Path, rel: str) -> None:
    """Unlink a tracked file and prune the directories it leaves empty (never beyond root)."""
    target = resolve_under(root, rel)
    if target.is_symlink() or not target.exists():
        return
    target.unlink()
    parent = target.parent
    while parent != root:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


def _commit_info(commit: pygit2.Commit) -> CommitInfo:
    if commit.parents:
        changed = len(commit.parents[0].tree.diff_to_tree(commit.tree))
    else:
        changed = len(commit.tree.diff_to_tree(swap=True))
    return CommitInfo(
        sha=str(commit.id),
        message=commit.message.rstrip("\n"),
        author=Author(name=commit.author.name, email=commit.author.email),
        timestamp=commit.author.time,
        parents=tuple(str(p) for p in commit.parent_ids),
        files_changed=changed,
    )


def _file_change(patch: pygit2.Patch) -> FileChange:
    delta = patch.delta
    _, additions, deletions = patch.line_stats
    status = _STATUS.get(delta.status, "modified")
    if status == "deleted":
        return FileChange(path=delta.old_file.path, status=status, additions=additions, deletions=deletions)
    old = delta.old_file.path if status == "renamed" else None
    return FileChange(
        path=delta.new_file.path, status=status, additions=additions, deletions=deletions, old_path=old
    )
