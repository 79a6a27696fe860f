"""Three-way merge of whole file trees with git's own merge (pygit2), for changes to a project.

base   = what the engine rendered before (the previous spec's files)
ours   = what the project holds now (HEAD: the engine's files plus the user's own edits)
theirs = what the engine renders now (the new spec's files)

A file only one side changed takes that side; a file both changed is merged line by line; what git
cannot merge is a conflict, listed by path, and nothing is applied. Pure: the blobs live in a
throwaway in-memory repository, never in the project's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

import pygit2


@dataclass(frozen=True)
class Merged:
    files: dict[str, bytes]  # the whole merged tree
    conflicts: tuple[str, ...]  # paths both sides changed in ways that do not merge

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _tree(repo: pygit2.Repository, files: Mapping[str, bytes]) -> pygit2.Oid:
    index = pygit2.Index()
    for path, data in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(data), pygit2.enums.FileMode.BLOB))
    return index.write_tree(repo)


def three_way(base: Mapping[str, bytes], ours: Mapping[str, bytes], theirs: Mapping[str, bytes]) -> Merged:
    """Merge `theirs` into `ours` given their common `base`."""
    with tempfile.TemporaryDirectory(prefix="autocrea-merge-") as scratch:
        repo = pygit2.init_repository(scratch, bare=True)
        index = repo.merge_trees(_tree(repo, base), _tree(repo, ours), _tree(repo, theirs))
        conflicts: list[str] = []
        if index.conflicts is not None:
            for ancestor, mine, other in index.conflicts:
                entry = mine or other or ancestor
                if entry is not None:
                    conflicts.append(entry.path)
        merged = {entry.path: bytes(repo.get(entry.id).data) for entry in index}  # type: ignore[union-attr]
    return Merged(files=merged, conflicts=tuple(sorted(set(conflicts))))
