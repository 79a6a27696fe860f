"""Safe relative paths for generated files, and file I/O that never leaves the project root.

File paths come from model output, so they are hostile until checked. `safe_relpath` accepts a
path only when it is a plain relative POSIX path that means the same thing on Linux, macOS and
Windows (the ZIP is extracted on all three). The rules, each with its own message:

  * not a string, empty, or nothing left after normalisation (`.`, `./`)
  * absolute: a leading `/`, or a drive prefix (`C:\\x`, `C:x`; any `:` is refused, see below)
  * a backslash anywhere (a Windows separator, so `a\\b` would mean `a/b` there)
  * a control or format character: Unicode categories Cc, Cf, Cs, Co, Zl, Zp (NUL, newlines,
    bidi overrides, zero-width characters that HFS+ ignores, lone surrogates)
  * a Windows-reserved character: `< > : " | ? *`
  * a `..` component
  * a `.git` component in any case, or its 8.3 short name `git~1`
  * a component with leading or trailing whitespace, or ending in a dot (`a.`, `...`)
  * a component that is a Windows device name (`con`, `nul`, `com1`, `lpt1.txt`, ...)
  * a trailing `/` (names a directory, not a file)
  * over-long: more than MAX_COMPONENT_BYTES UTF-8 bytes in a component, or more than
    MAX_PATH_CHARS characters in the normalised path

Normalisation only drops empty and `.` components (`./a//b` -> `a/b`); nothing else is rewritten,
so `safe_relpath(p) == p` for every accepted `p`.

The I/O helpers walk directories with `O_NOFOLLOW` file descriptors, so a symlink planted in the
tree (by generated code running in the sandbox, say) can neither redirect a write nor a read; a
planted hard link is never read (a write replaces the name, leaving the other file alone).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import unicodedata
from collections.abc import Collection, Iterable
from pathlib import Path

from autocrea.errors import UnsafePath

# 255 characters keeps a project-relative path usable under Windows' classic MAX_PATH and tar's
# limits; 100 bytes per component matches ustar's name field and is far below NAME_MAX (255).
MAX_PATH_CHARS = 255
MAX_COMPONENT_BYTES = 100

_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_WINDOWS_RESERVED_CHARS = frozenset('<>:"|?*')
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}
)
_GIT_NAMES = frozenset({".git", "git~1"})


def _refuse(path: object, rule: str, why: str) -> UnsafePath:
    return UnsafePath(f"unsafe path {path!r}: {why}", details={"path": str(path), "rule": rule})


def _check_component(path: str, part: str) -> None:
    if part == "..":
        raise _refuse(path, "parent", "'..' components are not allowed")
    folded = part.casefold()
    if folded in _GIT_NAMES:
        raise _refuse(path, "git", f"{part!r} is the repository's own directory")
    if part != part.strip():
        raise _refuse(path, "whitespace", f"component {part!r} has leading or trailing whitespace")
    if part.endswith("."):
        raise _refuse(path, "trailing_dot", f"component {part!r} ends in a dot")
    if folded.split(".", 1)[0] in _WINDOWS_DEVICES:
        raise _refuse(path, "device_name", f"component {part!r} is a Windows device name")
    if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
        raise _refuse(path, "too_long", f"a component is longer than {MAX_COMPONENT_BYTES} bytes")


def safe_relpath(path: str) -> str:
    """The normalised POSIX form of `path`, or UnsafePath naming the rule it breaks."""
    if not isinstance(path, str):
        raise _refuse(path, "type", "a path must be a string")
    if not path:
        raise _refuse(path, "empty", "the path is empty")
    for char in path:
        if unicodedata.category(char) in _BAD_CATEGORIES:
            raise _refuse(path, "control_char", f"control or format character U+{ord(char):04X}")
    if "\\" in path:
        raise _refuse(path, "backslash", "backslashes are not allowed; use '/'")
    if path.startswith("/"):
        raise _refuse(path, "absolute", "absolute paths are not allowed")
    if len(path) >= 2 and path[1] == ":" and path[0].isascii() and path[0].isalpha():
        raise _refuse(path, "absolute", "drive-letter paths are not allowed")
    bad = sorted(_WINDOWS_RESERVED_CHARS.intersection(path))
    if bad:
        raise _refuse(path, "reserved_char", f"reserved character {bad[0]!r}")
    if path.endswith("/"):
        raise _refuse(path, "directory", "the path names a directory, not a file")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts:
        raise _refuse(path, "empty", "the path has no file name")
    for part in parts:
        _check_component(path, part)
    normal = "/".join(parts)
    if len(normal) > MAX_PATH_CHARS:
        raise _refuse(path, "too_long", f"the path is longer than {MAX_PATH_CHARS} characters")
    return normal


def check_layout(paths: Iterable[str]) -> list[str]:
    """Normalise a set of file paths; refuse duplicates and a file that is also a directory."""
    normal: dict[str, str] = {}
    for raw in paths:
        rel = safe_relpath(raw)
        if rel in normal:
            raise _refuse(raw, "duplicate", f"it is the same file as {normal[rel]!r}")
        normal[rel] = raw
    conflict = file_dir_conflict(normal)
    if conflict is not None:
        file, inner = conflict
        raise _refuse(normal[inner], "file_is_dir", f"{file!r} is also a file")
    return sorted(normal)


def file_dir_conflict(paths: Collection[str]) -> tuple[str, str] | None:
    """(file, path inside it) when a normalised path is also used as a directory, else None."""
    files = set(paths)
    for rel in sorted(files):
        parts = rel.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent in files:
                return parent, rel
    return None


def resolve_under(root: Path, rel: str) -> Path:
    """`root / rel` after checking that no existing component below root is a symlink."""
    parts = safe_relpath(rel).split("/")
    current = root
    for i, part in enumerate(parts):
        current = current / part
        try:
            mode = current.lstat().st_mode
        except FileNotFoundError:
            break
        if stat.S_ISLNK(mode):
            raise _refuse(rel, "symlink", f"{'/'.join(parts[: i + 1])!r} is a symbolic link")
        if i < len(parts) - 1 and not stat.S_ISDIR(mode):
            raise _refuse(rel, "not_dir", f"{'/'.join(parts[: i + 1])!r} is not a directory")
    # Defence in depth: the lexical checks above already make escaping impossible.
    target = root.joinpath(*parts)
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(target)]) != real_root:
        raise _refuse(rel, "escape", "the path resolves outside the project")
    return target


def _open_dir(root: Path, parts: list[str], rel: str, *, create: bool) -> int:
    """An fd for root/parts, walked one O_NOFOLLOW step at a time (no symlink race)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for i, part in enumerate(parts):
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
            try:
                nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    where = "/".join(parts[: i + 1])
                    why = f"{where!r} is a symbolic link or not a directory"
                    raise _refuse(rel, "not_dir", why) from None
                raise
            os.close(fd)
            fd = nfd
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_file(root: Path, rel: str, data: str | bytes) -> Path:
    """Write atomically (temp file + rename) under root, creating parents; never through links."""
    target = resolve_under(root, rel)
    parts = safe_relpath(rel).split("/")
    name = parts[-1]
    payload = data.encode("utf-8") if isinstance(data, str) else data
    dir_fd = _open_dir(root, parts[:-1], rel, create=True)
    try:
        try:
            mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(mode):
                raise _refuse(rel, "not_file", "it exists and is not a regular file")
        tmp = f".{name}.{secrets.token_hex(6)}.tmp"
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=dir_fd
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            # rename(2) replaces the directory entry itself, so a link there is never followed.
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            os.unlink(tmp, dir_fd=dir_fd)
            raise
    finally:
        os.close(dir_fd)
    return target


def read_file(root: Path, rel: str, *, max_bytes: int = 5_000_000) -> bytes:
    """Bytes of a regular file under root; links refused. FileNotFoundError if it is missing."""
    parts = safe_relpath(rel).split("/")
    dir_fd = _open_dir(root, parts[:-1], rel, create=False)
    try:
        try:
            # O_NONBLOCK: opening a FIFO planted by generated code must not hang us.
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _refuse(rel, "symlink", "it is a symbolic link") from None
            raise
    finally:
        os.close(dir_fd)
    chunks: list[bytes] = []
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(rel, "not_file", "it is not a regular file")
        if info.st_nlink != 1:  # a hardlink: its other name may be a host file
            raise _refuse(rel, "hardlink", "it is a hard link")
        remaining = max_bytes + 1  # bounded even if the file grows after fstat
        while remaining > 0 and info.st_size <= max_bytes:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if info.st_size > max_bytes or len(data) > max_bytes:
        raise _refuse(rel, "too_large", f"the file is larger than {max_bytes} bytes")
    return data


def walk_files(root: Path) -> list[str]:
    """Sorted relative paths of the regular files under root.

    `.git` entries are skipped, symlinks are neither followed nor listed, nor are hard links
    (files with more than one name: the other may be a host file; `write_file` never makes one),
    and names that `safe_relpath` would refuse (which we could never have written) are left out.
    """
    found: list[str] = []
    pending = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.name.casefold() == ".git":
                    continue
                rel = f"{prefix}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    pending.append((Path(entry.path), f"{rel}/"))
                elif (
                    entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_nlink == 1
                    and is_safe(rel)
                ):
                    found.append(rel)
    return sorted(found)


def is_safe(rel: str) -> bool:
    """True when rel is already a normalised safe path."""
    try:
        return safe_relpath(rel) == rel
    except UnsafePath:
        return False
