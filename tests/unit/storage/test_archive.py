from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pygit2
import pytest
from pygit2.enums import FileMode

from autocrea.errors import UnsafePath
from autocrea.storage.archive import zip_commit, zip_tree
from autocrea.storage.git import ProjectRepo, role_author

FILES = {"b.txt": b"bee\n", "a/main.py": b"print(1)\n" * 50, "empty": b""}


def _read(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_zip_tree_is_deterministic_and_sorted() -> None:
    first = zip_tree(FILES)
    assert zip_tree(dict(reversed(FILES.items()))) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["a/main.py", "b.txt", "empty"]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
        assert info.compress_type == zipfile.ZIP_DEFLATED
    assert _read(first) == FILES


def test_zip_tree_prefix_and_normalisation() -> None:
    names = sorted(_read(zip_tree({"./x//y.txt": b"y"}, prefix="my-app")))
    assert names == ["my-app/x/y.txt"]


@pytest.mark.parametrize("bad", ["../evil", ".git/config", "/abs", "a\\b"])
def test_zip_tree_refuses_unsafe_names(bad: str) -> None:
    with pytest.raises(UnsafePath):
        zip_tree({"ok": b"", bad: b"x"})
    with pytest.raises(UnsafePath):
        zip_tree({"ok": b""}, prefix=bad)


def test_zip_tree_refuses_duplicates_and_file_dir_clash() -> None:
    with pytest.raises(UnsafePath):
        zip_tree({"a": b"", "./a": b""})
    with pytest.raises(UnsafePath):
        zip_tree({"a": b"", "a/b": b""})


def test_zip_commit_equals_tree_and_skips_links(tmp_path: Path) -> None:
    repo = ProjectRepo.init(tmp_path / "p", now=lambda: 1_700_000_000)
    first = repo.commit_files(
        {"README.md": "hi", "src/app.py": "x = 1\n"}, message="a", author=role_author("architect")
    )
    raw = pygit2.Repository(str(repo.root))
    index = raw.index
    index.read_tree(raw.head.peel(pygit2.Commit).tree)
    index.add(pygit2.IndexEntry("src/link", raw.create_blob(b"/etc/passwd"), FileMode.LINK))
    sig = pygit2.Signature("x", "x@x", 1, 0)
    raw.create_commit("HEAD", sig, sig, "link\n", index.write_tree(), [raw.head.target])

    blob = zip_commit(repo)
    assert _read(blob) == repo.tree() == {"README.md": b"hi", "src/app.py": b"x = 1\n"}
    assert zip_commit(repo, "HEAD") == blob
    assert zip_commit(repo, first) == blob  # same regular files -> same bytes
    assert all(".git" not in name for name in _read(blob))
