"""A sandbox's kept data directory (`Mounts.data`), as the host handles it.

Whatever is inside was written by hostile code, which may have planted symlinks, or swap a directory
for a symlink while the server walks it (an app of an older version may still run). So the server
never follows a link here: every walk goes by directory descriptor (`os.fwalk`, which opens each
directory without following links) and every change names its entry relative to that descriptor.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from pathlib import Path

_BLOCK = 4096  # every entry costs at least a block: a million empty files are not free


def make(path: Path) -> None:
    """Create the data directory (and its root, searchable but not listable by sandbox uids: bubblewrap
    opens its mounts as the slot's uid). An existing symlink in its place is an error, never followed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o711)  # noqa: S103 - search only: a sandbox reaches its own dir, never lists
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    if path.is_symlink() or not path.is_dir():
        raise NotADirectoryError(f"{path} is not a directory")


def hand_over(path: Path, uid: int | None) -> None:
    """Give the directory and everything in it to a sandbox's uid (root's slots change from run to
    run), without following any link: the host file a planted link names keeps its owner."""
    if uid is None:
        return
    os.chown(path, uid, uid, follow_symlinks=False)
    os.chmod(path, 0o700, follow_symlinks=False)
    for _root, dirs, files, fd in os.fwalk(path, follow_symlinks=False):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile by an app still running
                seen = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISDIR(seen.st_mode) and seen.st_nlink > 1:
                    continue  # a hard link to a file elsewhere is never given away with the data
                os.chown(name, uid, uid, dir_fd=fd, follow_symlinks=False)


def usage(path: Path) -> int:
    """Bytes the directory takes on disk (links counted as themselves, never their targets)."""
    total = 0
    for _root, dirs, files, fd in os.fwalk(path, follow_symlinks=False):
        for name in dirs + files:
            try:
                seen = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            total += max(seen.st_blocks * 512, _BLOCK)
    return total


def clear(path: Path) -> None:
    """Empty the directory, keeping it (links are removed, never followed)."""
    if not path.is_dir() or path.is_symlink():
        return
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)  # fd-based on Linux: safe against symlink swaps
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)


def remove(path: Path) -> None:
    """Remove the directory and all it holds (a link in its place is removed, never followed)."""
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(path).st_mode
        if stat.S_ISDIR(mode):
            shutil.rmtree(path)
        else:
            os.unlink(path)
