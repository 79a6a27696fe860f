"""Runtimes are the server's: only allowlist pins get built, and a runtime that changed since it was
sealed (a planted .pth, an edited, removed or re-moded file) is never used again but rebuilt."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from autocrea.config import Settings
from autocrea.domain.allowlist import ALLOWED_PACKAGES, RUNTIME_PACKAGES, pin
from autocrea.errors import RuntimeSetupFailed
from autocrea.sandbox.runtime import (
    RuntimeCache,
    allowed_pins,
    build_env,
    runtime_key,
    scan_tree,
    seal,
    unseal_and_remove,
    verify,
)

REQUIREMENTS = "".join(pin(name) + "\n" for name in RUNTIME_PACKAGES)
SITE = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"


@contextmanager
def opened(directory: Path) -> Iterator[None]:
    """Write access to one sealed directory for the test's own tampering, sealed again after."""
    directory.chmod(0o755)
    try:
        yield
    finally:
        directory.chmod(0o555)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "autocrea.sandbox.runtime" and r.levelno >= logging.WARNING
    ]


def rewrite(path: Path, text: str) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    path.chmod(0o644)
    path.write_text(text)
    path.chmod(mode)


# --- which requirements may be built ---------------------------------------------------------------


def test_the_allowlist_pins_are_accepted_in_allowlist_spelling() -> None:
    assert allowed_pins(REQUIREMENTS) == [pin(name) for name in RUNTIME_PACKAGES]
    text = "# the driver\nPSYCOPG[binary] == 3.3.9  # optional\n\nhttpx==0.28.1\nhttpx==0.28.1\n"
    assert allowed_pins(text) == ["psycopg[binary]==3.3.9", "httpx==0.28.1"]
    assert allowed_pins("") == []


@pytest.mark.parametrize(
    "line",
    [
        "requests==2.32.3",  # not on the allowlist
        "fastapi==0.110.0",  # another version
        "fastapi>=0.165.0",
        "fastapi",
        "fastapi[all]==0.165.0",  # extras pull in packages nobody checked
        "psycopg==3.3.9",  # only psycopg[binary] is allowed
        "fastapi==0.165.0; python_version > '3'",
        "--index-url https://evil.example/simple",
        "-e git+https://evil.example/x.git#egg=x",
        "https://evil.example/x-1.0-py3-none-any.whl",
        "./local-package",
    ],
)
async def test_a_requirement_off_the_allowlist_is_refused_and_nothing_is_built(
    tmp_path: Path, line: str
) -> None:
    root = tmp_path / "rt"
    cache = RuntimeCache(root=root, python=sys.executable)
    with pytest.raises(RuntimeSetupFailed) as raised:
        await cache.ensure(f"fastapi==0.165.0\n{line}\nuvicorn==0.54.0\n")
    assert repr(line) in raised.value.message and raised.value.details["line"] == 2
    assert not root.exists()


def test_the_build_environment_keeps_nothing_of_the_server_but_what_reaches_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-should-never-leak")
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    monkeypatch.setenv("PIP_TARGET", "/somewhere/else")
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    env = build_env(tmp_path)
    assert env["HOME"] == str(tmp_path) and env["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert env["PIP_INDEX_URL"] == "https://mirror.example/simple"
    assert env["HTTPS_PROXY"] == "http://proxy.example:3128"
    assert not {"OPENAI_API_KEY", "PYTHONPATH", "PIP_TARGET"} & env.keys()


# --- sealing and verifying a small tree --------------------------------------------------------------


def small_tree(tmp_path: Path) -> tuple[Path, Path]:
    tree = tmp_path / "key"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "tool").write_text("#!/bin/sh\necho hi\n")
    (tree / "bin" / "tool").chmod(0o775)
    (tree / "bin" / "python").symlink_to("/usr/bin/python3")
    (tree / "site").mkdir()
    (tree / "site" / "mod.py").write_text("x = 1\n")
    (tree / "site" / "data.txt").write_text("data\n")
    (tree / "site" / "data.txt").chmod(0o600)  # whatever the umask made, others can read it after
    (tree / "lib64").symlink_to("site")
    manifest = tmp_path / "key.manifest"
    seal(tree, manifest)
    return tree, manifest


def test_a_sealed_tree_is_read_only_readable_by_others_and_matches_its_manifest(tmp_path: Path) -> None:
    tree, manifest = small_tree(tmp_path)
    modes = {
        path.relative_to(tree).as_posix(): stat.S_IMODE(path.lstat().st_mode)
        for path in [tree, *tree.rglob("*")]
        if not path.is_symlink()
    }
    assert modes == {
        ".": 0o555,
        "bin": 0o555,
        "bin/tool": 0o555,
        "site": 0o555,
        "site/mod.py": 0o444,
        "site/data.txt": 0o444,
    }
    assert stat.S_IMODE(manifest.stat().st_mode) == 0o644 and manifest.parent != tree
    if os.geteuid() != 0:  # root writes whatever the modes say; the read-only bind mount stops it
        assert not os.access(tree / "site" / "mod.py", os.W_OK)
    assert verify(tree, manifest) == []
    assert sorted(scan_tree(tree)) == [
        ".",
        "bin",
        "bin/python",
        "bin/tool",
        "lib64",
        "site",
        "site/data.txt",
        "site/mod.py",
    ]


def plant_pth(tree: Path) -> None:
    with opened(tree / "site"):
        (tree / "site" / "evil.pth").write_text("import os; os.system('touch /tmp/owned')\n")


def edit_module(tree: Path) -> None:
    rewrite(tree / "site" / "mod.py", "x = 2\n")


def remove_file(tree: Path) -> None:
    with opened(tree / "site"):
        (tree / "site" / "data.txt").unlink()


def make_writable(tree: Path) -> None:
    (tree / "site" / "mod.py").chmod(0o666)


def retarget_symlink(tree: Path) -> None:
    with opened(tree / "bin"):
        (tree / "bin" / "python").unlink()
        (tree / "bin" / "python").symlink_to("/tmp/evil-python")


def add_package(tree: Path) -> None:
    with opened(tree / "site"):
        (tree / "site" / "sitecustomize").mkdir()
        (tree / "site" / "sitecustomize" / "__init__.py").write_text("print('owned')\n")


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (plant_pth, ["added site/evil.pth"]),
        (edit_module, ["changed site/mod.py"]),
        (remove_file, ["removed site/data.txt"]),
        (make_writable, ["changed site/mod.py"]),
        (retarget_symlink, ["changed bin/python"]),
        (add_package, ["added site/sitecustomize", "added site/sitecustomize/__init__.py"]),
    ],
)
def test_any_change_to_a_sealed_tree_is_named(
    tmp_path: Path, tamper: Callable[[Path], None], expected: list[str]
) -> None:
    tree, manifest = small_tree(tmp_path)
    tamper(tree)
    assert verify(tree, manifest) == expected


def test_a_touched_timestamp_alone_is_no_change(tmp_path: Path) -> None:
    tree, manifest = small_tree(tmp_path)
    os.utime(tree / "site" / "mod.py", (0, 0))
    assert verify(tree, manifest) == []


def test_a_missing_or_corrupted_manifest_is_a_difference(tmp_path: Path) -> None:
    tree, manifest = small_tree(tmp_path)
    # Edited by hand: the manifest's own digest no longer adds up.
    manifest.write_text(manifest.read_text().replace('"site/mod.py"', '"site/evil.pth"'))
    assert verify(tree, manifest) == ["manifest key.manifest is not a valid manifest"]
    manifest.unlink()
    assert verify(tree, manifest) == ["no manifest key.manifest"]
    assert verify(tmp_path / "absent", tmp_path / "absent.manifest") == ["no manifest absent.manifest"]


def test_removing_a_sealed_tree_never_follows_its_symlinks(tmp_path: Path) -> None:
    tree, _ = small_tree(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o555)
    (tmp_path / "outside-file").write_text("keep me\n")
    with opened(tree):
        (tree / "escape").symlink_to(outside)
        (tree / "escape-file").symlink_to(tmp_path / "outside-file")
    unseal_and_remove(tree)
    assert not tree.exists() and not tree.is_symlink()
    assert stat.S_IMODE(outside.stat().st_mode) == 0o555
    assert (tmp_path / "outside-file").read_text() == "keep me\n"
    unseal_and_remove(tree)  # already gone: nothing to do


# --- the real runtime ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(runtimes: RuntimeCache, runtime_root: Path) -> Path:
    """The shared runtime of a generated app (built once, kept across test runs)."""
    return asyncio.run(runtimes.ensure(REQUIREMENTS)).path


def copy_of(built: Path, root: Path) -> RuntimeCache:
    """A cache in `root` holding a copy of the shared runtime under its own key, with its manifest."""
    python = Settings().sandbox_python
    key = runtime_key(python, REQUIREMENTS)
    assert built.name == key
    root.mkdir()
    shutil.copytree(built, root / key, symlinks=True)
    shutil.copy2(built.parent / f"{key}.manifest", root / f"{key}.manifest")
    return RuntimeCache(root=root, python=python)


async def test_an_untouched_runtime_is_reused_without_a_warning(
    built: Path, runtimes: RuntimeCache, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="autocrea.sandbox.runtime"):
        env = await runtimes.ensure(REQUIREMENTS)
    assert env.reused and env.path == built and env.python == built / "bin" / "python"
    assert warnings_of(caplog) == []


def test_the_runtime_is_read_only_and_others_can_read_it_but_not_write_it(built: Path) -> None:
    for path in [built, *built.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            assert stat.S_IMODE(mode) == 0o555, path
        elif stat.S_ISREG(mode):
            assert stat.S_IMODE(mode) in (0o444, 0o555), path
    if os.geteuid() != 0:
        assert not any(os.access(p, os.W_OK) for p in built.rglob("*") if p.is_file() and not p.is_symlink())
        return
    # As root the modes do not bind us, so ask another uid: it reads and traverses every entry (given
    # the tree by an open descriptor, whatever the directories above allow) and writes none.
    check = (
        "import os, stat, sys\n"
        "bad = []\n"
        "for top, dirs, files, fd in os.fwalk('.', dir_fd=int(sys.argv[1])):\n"
        "    for name in files:\n"
        "        st = os.stat(name, dir_fd=fd, follow_symlinks=False)\n"
        "        if stat.S_ISLNK(st.st_mode): continue\n"
        "        if not os.access(name, os.R_OK, dir_fd=fd) or os.access(name, os.W_OK, dir_fd=fd):\n"
        "            bad.append(top + '/' + name)\n"
        "    if not os.access('.', os.R_OK | os.X_OK, dir_fd=fd) or os.access('.', os.W_OK, dir_fd=fd):\n"
        "        bad.append(top)\n"
        "print(len(bad), bad[:5])\n"
    )
    descriptor = os.open(built, os.O_RDONLY | os.O_DIRECTORY)
    try:
        result = subprocess.run(
            ["/usr/bin/python3", "-c", check, str(descriptor)],
            user=65534,
            group=65534,
            extra_groups=[],
            pass_fds=(descriptor,),
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": "/usr/bin:/bin"},
        )
    finally:
        os.close(descriptor)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0 []"


async def test_a_tampered_runtime_is_logged_removed_and_rebuilt(
    built: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = copy_of(built, tmp_path / "rt")
    tree = tmp_path / "rt" / built.name
    untouched = await cache.ensure(REQUIREMENTS)
    assert untouched.reused and untouched.path == tree

    owned = tmp_path / "owned"
    site = tree / SITE
    with opened(site):  # the attack: code that runs in every later user's interpreter
        (site / "zz-autocrea-owned.pth").write_text(f"import pathlib; pathlib.Path({str(owned)!r}).touch()\n")
        (site / "typing_extensions.py").unlink()
    rewrite(site / "fastapi" / "__init__.py", "raise SystemExit('owned')\n")
    (site / "uvicorn" / "__init__.py").chmod(0o666)

    with caplog.at_level(logging.WARNING, logger="autocrea.sandbox.runtime"):
        rebuilt = await cache.ensure(REQUIREMENTS)
    assert not rebuilt.reused and rebuilt.path == tree
    [warning] = warnings_of(caplog)
    message = warning.getMessage()
    assert warning.levelno == logging.WARNING and built.name in message
    for what in (
        f"added {SITE}/zz-autocrea-owned.pth",
        f"removed {SITE}/typing_extensions.py",
        f"changed {SITE}/fastapi/__init__.py",
        f"changed {SITE}/uvicorn/__init__.py",
    ):
        assert what in message, (what, message)

    assert not (site / "zz-autocrea-owned.pth").exists() and (site / "typing_extensions.py").exists()
    assert stat.S_IMODE((site / "uvicorn" / "__init__.py").stat().st_mode) == 0o444
    imported = subprocess.run(
        [str(rebuilt.python), "-c", "import fastapi, uvicorn; print(fastapi.__version__)"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert imported.stdout.strip() == ALLOWED_PACKAGES["fastapi"], imported.stderr
    assert not owned.exists()  # the planted .pth never ran: not in the build, not in the new runtime

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="autocrea.sandbox.runtime"):
        again = await cache.ensure(REQUIREMENTS)
    assert again.reused and warnings_of(caplog) == []
