"""Deterministic ZIP export: the same files always give the same bytes.

Sorted names, a fixed 1980-01-01 timestamp (the ZIP epoch), fixed 0644 permissions, one
compression level, no directory entries and no extra fields, so a download can be cached and
compared by hash. Every name goes through `safe_relpath`, so an archive never holds `..`,
absolute or `.git` paths, and never a symlink: only file contents are stored.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Mapping

from autocrea.storage.git import ProjectRepo
from autocrea.storage.paths import check_layout, safe_relpath

_EPOCH = (1980, 1, 1, 0, 0, 0)
_MODE = stat.S_IFREG | 0o644


def zip_tree(files: Mapping[str, bytes], *, prefix: str = "") -> bytes:
    """A ZIP of files (path -> bytes), every name under prefix/ when a prefix is given."""
    base = f"{safe_relpath(prefix)}/" if prefix else ""
    by_name = {safe_relpath(raw): data for raw, data in files.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for rel in check_layout(files):
            info = zipfile.ZipInfo(f"{base}{rel}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so external_attr carries the permissions
            info.external_attr = _MODE << 16
            archive.writestr(info, by_name[rel], compresslevel=6)
    return buffer.getvalue()


def zip_commit(repo: ProjectRepo, ref: str = "HEAD", *, prefix: str = "") -> bytes:
    """A ZIP of the regular files at ref (never `.git`, never links)."""
    return zip_tree(repo.tree(ref), prefix=prefix)
