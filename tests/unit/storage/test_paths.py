from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocrea.errors import UnsafePath
from autocrea.storage.paths import (
    MAX_COMPONENT_BYTES,
    MAX_PATH_CHARS,
    check_layout,
    read_file,
    resolve_under,
    safe_relpath,
    walk_files,
    write_file,
)

ROOT = Path("/srv/project-root")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a.py", "a.py"),
        ("a/b.py", "a/b.py"),
        ("./a/b", "a/b"),
        ("a//b", "a/b"),
        ("a/./b", "a/b"),
        ("src/app/main.py", "src/app/main.py"),
        (".gitignore", ".gitignore"),
        (".github/workflows/ci.yml", ".github/workflows/ci.yml"),
        ("my file.txt", "my file.txt"),
        ("~", "~"),
        ("pages/[id].tsx", "pages/[id].tsx"),
        ("console.py", "console.py"),
        ("naïve/ñandú.md", "naïve/ñandú.md"),
    ],
)
def test_accepts_and_normalises(raw: str, expected: str) -> None:
    assert safe_relpath(raw) == expected


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "empty"),
        (".", "empty"),
        ("./", "directory"),
        ("/x", "absolute"),
        ("/etc/passwd", "absolute"),
        ("C:\\x", "backslash"),
        ("C:x", "absolute"),
        ("c:/x", "absolute"),
        ("..", "parent"),
        ("../x", "parent"),
        ("a/../../x", "parent"),
        ("a/..", "parent"),
        (".git", "git"),
        (".git/config", "git"),
        (".GIT", "git"),
        (".Git/config", "git"),
        ("sub/.gIt/hooks/pre-commit", "git"),
        ("GIT~1/config", "git"),
        ("a\x00b", "control_char"),
        ("a\nb", "control_char"),
        ("a\tb", "control_char"),
        ("a\u202eb", "control_char"),
        (".g\u200cit/config", "control_char"),
        ("a\\b", "backslash"),
        (" a", "whitespace"),
        ("a /b", "whitespace"),
        ("a\u3000", "whitespace"),
        ("a.", "trailing_dot"),
        ("dir./x", "trailing_dot"),
        ("...", "trailing_dot"),
        ("ab:c", "reserved_char"),
        ("a?b", "reserved_char"),
        ("a*", "reserved_char"),
        ("con", "device_name"),
        ("src/NUL.txt", "device_name"),
        ("lpt1", "device_name"),
        ("a/", "directory"),
        ("a" * (MAX_COMPONENT_BYTES + 1), "too_long"),
        ("é" * (MAX_COMPONENT_BYTES // 2 + 1), "too_long"),
        ("/".join(["a" * 50] * 6), "too_long"),
    ],
)
def test_refuses(raw: str, rule: str) -> None:
    with pytest.raises(UnsafePath) as info:
        safe_relpath(raw)
    assert info.value.details["rule"] == rule
    assert repr(raw) in info.value.message  # the message names the path


def test_refuses_non_string() -> None:
    with pytest.raises(UnsafePath):
        safe_relpath(None)  # type: ignore[arg-type]


def test_length_limits_are_inclusive() -> None:
    assert safe_relpath("a" * MAX_COMPONENT_BYTES)
    long_ok = "/".join(["b" * 50] * 5)[:MAX_PATH_CHARS]
    assert safe_relpath(long_ok) == long_ok


def test_check_layout_refuses_duplicates_and_file_dir_clash() -> None:
    assert check_layout(["b", "./a/c"]) == ["a/c", "b"]
    with pytest.raises(UnsafePath, match="same file"):
        check_layout(["a/b", "./a/b"])
    with pytest.raises(UnsafePath, match="also a file"):
        check_layout(["a", "a/b"])


_paths = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(["a", "b.py", ".", "..", "", ".git", ".GIT", "x y", "~", "c:", "\\", "\x00", " "]),
        max_size=6,
    ).map("/".join),
)


@settings(max_examples=400, deadline=None)
@given(_paths)
def test_property_accepted_paths_stay_inside(raw: str) -> None:
    try:
        rel = safe_relpath(raw)
    except UnsafePath:
        return
    parts = PurePosixPath(rel).parts
    assert (ROOT / rel).resolve().is_relative_to(ROOT)
    assert ".." not in parts
    assert all(p.casefold() != ".git" for p in parts)
    assert "\\" not in rel and "\x00" not in rel
    assert not rel.startswith("/")
    assert safe_relpath(rel) == rel


# -- I/O --------------------------------------------------------------------------------------


def test_write_read_roundtrip_creates_parents(tmp_path: Path) -> None:
    target = write_file(tmp_path, "./a/b/c.txt", "héllo")
    assert target == tmp_path / "a" / "b" / "c.txt"
    assert read_file(tmp_path, "a/b/c.txt") == "héllo".encode()
    write_file(tmp_path, "a/b/c.txt", b"\x00bin")
    assert read_file(tmp_path, "a/b/c.txt") == b"\x00bin"
    assert sorted(os.listdir(tmp_path / "a" / "b")) == ["c.txt"]  # no temp files left


def test_write_refuses_unsafe_path_and_writes_nothing(tmp_path: Path) -> None:
    for bad in ("../x", ".git/hooks/pre-commit", "a\\b", "/tmp/x"):
        with pytest.raises(UnsafePath):
            write_file(tmp_path, bad, "x")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.txt").write_text("secret")
    return out


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    r.mkdir()
    return r


def test_symlinked_directory_is_refused(root: Path, outside: Path) -> None:
    (root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath, match="symbolic link"):
        resolve_under(root, "link/secret.txt")
    with pytest.raises(UnsafePath):
        write_file(root, "link/new.txt", "x")
    with pytest.raises(UnsafePath):
        read_file(root, "link/secret.txt")
    assert sorted(os.listdir(outside)) == ["secret.txt"]


def test_symlinked_final_file_is_refused(root: Path, outside: Path) -> None:
    (root / "f.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(UnsafePath, match="symbolic link"):
        resolve_under(root, "f.txt")
    with pytest.raises(UnsafePath):
        write_file(root, "f.txt", "pwned")
    with pytest.raises(UnsafePath, match="symbolic link"):
        read_file(root, "f.txt")
    assert (outside / "secret.txt").read_text() == "secret"


def test_read_refuses_non_regular_and_too_large(root: Path) -> None:
    (root / "d").mkdir()
    os.mkfifo(root / "fifo")
    with pytest.raises(UnsafePath, match="not a regular file"):
        read_file(root, "fifo")
    with pytest.raises(UnsafePath):
        read_file(root, "d")
    write_file(root, "big.bin", b"x" * 11)
    with pytest.raises(UnsafePath, match="larger than 10 bytes"):
        read_file(root, "big.bin", max_bytes=10)
    assert read_file(root, "big.bin", max_bytes=11) == b"x" * 11
    with pytest.raises(FileNotFoundError):
        read_file(root, "missing.txt")


def test_file_used_as_directory_is_refused(root: Path) -> None:
    write_file(root, "a", "file")
    with pytest.raises(UnsafePath, match="not a directory"):
        write_file(root, "a/b", "x")
    (root / "d").mkdir()
    with pytest.raises(UnsafePath, match="not a regular file"):
        write_file(root, "d", "x")


def test_walk_files_skips_git_links_and_unsafe_names(root: Path, outside: Path) -> None:
    write_file(root, "b.txt", "b")
    write_file(root, "src/a.py", "a")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("x")
    (root / "sub").mkdir()
    (root / "sub" / ".GIT").write_text("gitlink")
    (root / "ln").symlink_to(outside, target_is_directory=True)
    (root / "lf").symlink_to(outside / "secret.txt")
    (root / "bad\nname").write_text("x")
    assert walk_files(root) == ["b.txt", "src/a.py"]
