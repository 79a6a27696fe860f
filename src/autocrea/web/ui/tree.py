"""A project's flat file list as nested folders for the file tree (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Folder:
    name: str
    path: str
    folders: list[Folder] = field(default_factory=list)
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (name, path, size)


def file_tree(files: Mapping[str, int]) -> Folder:
    """Folders first, then files, each sorted by name; `path` is the full relative path."""
    root = Folder("", "")
    index: dict[str, Folder] = {"": root}
    for path in sorted(files):
        parts = path.split("/")
        parent = root
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in index:
                index[key] = Folder(parts[depth - 1], key)
                parent.folders.append(index[key])
            parent = index[key]
        parent.files.append((parts[-1], path, files[path]))
    for folder in index.values():
        folder.folders.sort(key=lambda f: f.name)
        folder.files.sort()
    return root
