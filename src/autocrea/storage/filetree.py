"""A project's files and folders as its editor changes them: create, rename, delete; one commit each.

Git keeps files, not folders: a folder is the files under its path. A new folder is kept by an empty
`.gitkeep` in it (the usual convention, shown in the tree like any file); renaming a folder moves
every file under it, deleting one deletes them all. Each operation reads HEAD and commits on exactly
that HEAD (or on the `base` the editor started from), so a commit made meanwhile is a Conflict, never
a half-applied rename. Every path is checked (`safe_relpath`) before anything is read or written.
"""

from __future__ import annotations

from typing import Literal

from autocrea.errors import Conflict, InvalidInput, NotFound
from autocrea.storage.git import Author, ProjectRepo
from autocrea.storage.paths import safe_relpath

KEEP = ".gitkeep"
Kind = Literal["file", "folder"]


def kind_of(files: dict[str, bytes], rel: str) -> Kind | None:
    """What `rel` names in a tree: a file, a folder (a prefix of files), or nothing."""
    if rel in files:
        return "file"
    prefix = rel + "/"
    return "folder" if any(path.startswith(prefix) for path in files) else None


def _check_free(files: dict[str, bytes], rel: str) -> None:
    """Refuse a new path that exists, or that needs an existing file as one of its folders."""
    found = kind_of(files, rel)
    if found is not None:
        what = "A file" if found == "file" else "A folder"
        raise Conflict(f"{what} named {rel!r} already exists.", details={"path": rel, "reason": "exists"})
    parts = rel.split("/")
    for i in range(1, len(parts)):
        parent = "/".join(parts[:i])
        if parent in files:
            raise Conflict(
                f"{parent!r} is a file, so it cannot hold {rel!r}.",
                details={"path": rel, "reason": "parent_is_file", "parent": parent},
            )


def _snapshot(repo: ProjectRepo, base: str | None) -> tuple[str, dict[str, bytes]]:
    """HEAD and its files; the commit made from them must land on that very HEAD."""
    head = repo.head()
    if head is None:
        raise NotFound("This project has no files yet.")
    if base is not None and not head.startswith(base.lower()):
        raise Conflict(
            "The project changed since you opened it; reload to see the newest version.",
            details={"head": head},
        )
    return head, repo.tree(head)


def create(
    repo: ProjectRepo,
    path: str,
    *,
    content: bytes,
    folder: bool,
    author: Author,
    message: str | None = None,
    base: str | None = None,
) -> str:
    """A new file (or an empty folder, kept by its .gitkeep); Conflict when the name is taken."""
    rel = safe_relpath(path)
    written = safe_relpath(f"{rel}/{KEEP}") if folder else rel
    head, files = _snapshot(repo, base)
    _check_free(files, rel)
    text = message or (f"Create folder {rel}" if folder else f"Create {rel}")
    return repo.commit_files(
        {written: b"" if folder else content}, message=text, author=author, expected_head=head
    )


def rename(
    repo: ProjectRepo,
    path: str,
    to: str,
    *,
    author: Author,
    message: str | None = None,
    base: str | None = None,
) -> tuple[str, list[str]]:
    """Move a file, or every file of a folder, to a new name that is free; returns the commit and
    the files' new paths."""
    rel, target = safe_relpath(path), safe_relpath(to)
    if rel == target:
        raise InvalidInput(
            "The new name is the same as the old one.", details={"field": "to", "reason": "same"}
        )
    head, files = _snapshot(repo, base)
    kind = kind_of(files, rel)
    if kind is None:
        raise NotFound(f"There is no file or folder {rel!r}.", details={"path": rel})
    if kind == "folder" and target.startswith(rel + "/"):
        raise InvalidInput(
            f"A folder cannot be moved into itself ({target!r} is inside {rel!r}).",
            details={"field": "to", "reason": "inside_itself"},
        )
    moved = [rel] if kind == "file" else sorted(p for p in files if p.startswith(rel + "/"))
    # The source's own files make way: a file may take the name of the folder it is leaving.
    _check_free({p: d for p, d in files.items() if p not in moved}, target)
    writes = {safe_relpath(target + p[len(rel) :]): files[p] for p in moved}
    text = message or f"Rename {rel} to {target}"
    sha = repo.commit_files(writes, message=text, author=author, delete=moved, expected_head=head)
    return sha, sorted(writes)


def remove(
    repo: ProjectRepo, path: str, *, author: Author, message: str | None = None, base: str | None = None
) -> tuple[str, list[str]]:
    """Delete a file, or a folder with every file in it; returns the commit and the paths deleted."""
    rel = safe_relpath(path)
    head, files = _snapshot(repo, base)
    kind = kind_of(files, rel)
    if kind is None:
        raise NotFound(f"There is no file or folder {rel!r}.", details={"path": rel})
    gone = [rel] if kind == "file" else sorted(p for p in files if p.startswith(rel + "/"))
    sha = repo.commit_files(
        {}, message=message or f"Delete {rel}", author=author, delete=gone, expected_head=head
    )
    return sha, gone
