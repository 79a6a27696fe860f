"""Virtual environments for generated apps, cached by their requirements.

Generated projects only use pinned packages from an allowlist, so every app with the same
requirements.txt shares one fresh virtualenv (created with the sandbox's Python, never AUTOCREA's
own environment). The first app pays for `pip install`; later ones reuse it.

A runtime is the server's, never the sandbox's: it is built by a plain subprocess as the server's own
user (only allowlisted pins, wheels only, so no package's build script runs), then sealed — every
file and directory read-only, readable by other uids — and its manifest (type, mode, symlink target
and sha256 of every entry) is kept beside it, outside the tree. Each use re-hashes the tree first: a
runtime that differs from its manifest in any way (a planted `.pth`, an edited, added or removed file,
a changed mode) is logged and rebuilt, never handed to the next app.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import resource
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from autocrea.domain.allowlist import ALLOWED_PACKAGES, pin, requirement_lines
from autocrea.errors import RuntimeSetupFailed

log = logging.getLogger(__name__)

_READY = ".autocrea-ready"
_MANIFEST_FORMAT = 1
_WALL_SECONDS = 600.0  # per build command, as when the build ran in the sandbox
_CPU_SECONDS = 600
_MEMORY_BYTES = 4 * 1024**3
_FILE_BYTES = 1024**3
_PATH = "/usr/local/bin:/usr/bin:/bin"
# What pip may need from the host to reach its index (a proxy, a CA bundle, a mirror); nothing else
# of the server's environment (secrets, PYTHONPATH, other PIP_* settings) reaches the build.
# The host's pip config files (/etc/pip.conf, /etc/xdg/pip) still apply: no --isolated.
_PASSED_THROUGH = (
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "PIP_CONFIG_FILE",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_TRUSTED_HOST",
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_PROXY",
    "PIP_DEFAULT_TIMEOUT",
    "PIP_RETRIES",
)
_SHOWN = 5  # differences named in the warning (the rest are counted)


@dataclass(frozen=True)
class RuntimeEnv:
    path: Path
    reused: bool
    seconds: float

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def runtime_key(python: str, requirements: str) -> str:
    lines = sorted(
        line.strip() for line in requirements.splitlines() if line.strip() and not line.startswith("#")
    )
    digest = hashlib.sha256((python + "\n" + "\n".join(lines)).encode()).hexdigest()
    return digest[:16]


def allowed_pins(requirements: str) -> list[str]:
    """The allowlist pins a requirements.txt names, in order; RuntimeSetupFailed naming the first
    line that is anything else (unpinned, another version, unknown extras, a pip option, a URL)."""
    pins: list[str] = []
    for number, _, key in requirement_lines(requirements):
        if key is None:
            shown = requirements.splitlines()[number - 1].strip()[:200]  # as written, comment too
            raise RuntimeSetupFailed(
                f"requirements.txt line {number} ({shown!r}) is not a pinned package from the "
                "allowlist; nothing was installed.",
                details={
                    "line": number,
                    "requirement": shown,
                    "allowed": [pin(n) for n in ALLOWED_PACKAGES],
                },
            )
        if pin(key) not in pins:
            pins.append(pin(key))  # exactly the allowlist's spelling reaches pip, never the raw line
    return pins


# --- the manifest: what a sealed tree holds, entry by entry ---------------------------------------


def scan_tree(root: Path, *, seal: bool = False) -> dict[str, str]:
    """Every entry under `root` (itself as "."), by relative path: "d <mode>", "f <mode> <sha256>",
    "l <target>" or "o <type> <mode>". With `seal`, each directory and file is first made read-only
    (dirs 0555, files 0444, or 0555 when any execute bit was set). Never follows a symlink."""
    entries: dict[str, str] = {}
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        _scan_dir(fd, ".", entries, seal)
    finally:
        os.close(fd)
    return entries


def _scan_dir(dir_fd: int, rel: str, entries: dict[str, str], seal: bool) -> None:
    if seal:
        os.fchmod(dir_fd, 0o555)
    entries[rel] = f"d {stat.S_IMODE(os.fstat(dir_fd).st_mode):04o}"
    with os.scandir(dir_fd) as listing:
        names = sorted(entry.name for entry in listing)
    for name in names:
        path = name if rel == "." else f"{rel}/{name}"
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode):
            entries[path] = f"l {os.readlink(name, dir_fd=dir_fd)}"
        elif stat.S_ISDIR(st.st_mode):
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            try:
                _scan_dir(child, path, entries, seal)
            finally:
                os.close(child)
        elif stat.S_ISREG(st.st_mode):
            entries[path] = _scan_file(dir_fd, name, seal)
        else:  # a fifo, socket or device: never opened, but its presence is part of the tree
            entries[path] = f"o {stat.S_IFMT(st.st_mode):o} {stat.S_IMODE(st.st_mode):04o}"


def _scan_file(dir_fd: int, name: str, seal: bool) -> str:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    with open(fd, "rb") as file:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped for something else since it was listed
            return f"o {stat.S_IFMT(st.st_mode):o} {stat.S_IMODE(st.st_mode):04o}"
        mode = stat.S_IMODE(st.st_mode)
        if seal:
            mode = 0o555 if mode & 0o111 else 0o444
            os.fchmod(fd, mode)
        return f"f {mode:04o} {hashlib.file_digest(file, 'sha256').hexdigest()}"


def tree_digest(entries: Mapping[str, str]) -> str:
    """One sha256 over a whole manifest."""
    digest = hashlib.sha256()
    for path in sorted(entries):
        digest.update(json.dumps([path, entries[path]]).encode() + b"\n")
    return digest.hexdigest()


def differences(expected: Mapping[str, str], actual: Mapping[str, str]) -> list[str]:
    """How `actual` differs from `expected`, in words: "added x", "removed y", "changed z"."""
    added = [f"added {p}" for p in sorted(actual.keys() - expected.keys())]
    removed = [f"removed {p}" for p in sorted(expected.keys() - actual.keys())]
    changed = [f"changed {p}" for p in sorted(expected.keys() & actual.keys()) if expected[p] != actual[p]]
    return added + removed + changed


def seal(tree: Path, manifest: Path) -> None:
    """Make `tree` read-only and record its manifest in `manifest` (atomically, 0644)."""
    entries = scan_tree(tree, seal=True)
    body = json.dumps(
        {"format": _MANIFEST_FORMAT, "sha256": tree_digest(entries), "entries": entries}, indent=0
    )
    fd, temp = tempfile.mkstemp(dir=manifest.parent, prefix=f".{manifest.name}.")
    try:
        with open(fd, "w", encoding="utf-8") as file:
            file.write(body)
            file.flush()
            os.fchmod(file.fileno(), 0o644)
            os.fsync(file.fileno())
        os.replace(temp, manifest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def verify(tree: Path, manifest: Path) -> list[str]:
    """Empty when `tree` is exactly what `manifest` recorded; otherwise what differs, in words (a
    missing or unreadable manifest, or a missing tree, is a difference too)."""
    try:
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        expected = recorded["entries"]
        if (
            recorded.get("format") != _MANIFEST_FORMAT
            or not isinstance(expected, dict)
            or tree_digest(expected) != recorded.get("sha256")
        ):
            return [f"manifest {manifest.name} is not a valid manifest"]
    except FileNotFoundError:
        return [f"no manifest {manifest.name}"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"manifest {manifest.name} is unreadable ({exc.__class__.__name__})"]
    try:
        actual = scan_tree(tree)
    except OSError as exc:
        return [f"the tree cannot be read ({exc.__class__.__name__}: {exc.strerror})"]
    return differences(expected, actual)


def unseal_and_remove(tree: Path) -> None:
    """Delete a (sealed) tree: write bits back on its directories first, so an unprivileged owner can
    unlink their entries. Symlinks are never followed."""
    if not tree.is_dir() or tree.is_symlink():
        with contextlib.suppress(FileNotFoundError):
            tree.unlink()
        return
    for _, _, _, dir_fd in os.fwalk(tree):  # fd-based, never into a symlinked directory
        os.fchmod(dir_fd, 0o700)
    shutil.rmtree(tree)


# --- the build: a plain subprocess, as the server's own user --------------------------------------


def build_env(home: Path) -> dict[str, str]:
    """The whole environment of a build command: a throw-away HOME, and from the server only what
    reaches the package index."""
    env = {
        "PATH": _PATH,
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
    }
    env.update({key: os.environ[key] for key in _PASSED_THROUGH if key in os.environ})
    return env


def _limit() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_CPU, (_CPU_SECONDS, _CPU_SECONDS + 5))
    resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_BYTES, _MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (_FILE_BYTES, _FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


async def _command(argv: list[str], *, home: Path) -> tuple[int | None, str]:
    """Run one build command: (its exit code, or None when it timed out; the tail of its output)."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=home,
        env=build_env(home),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group: a timeout kills pip's children too
        preexec_fn=_limit,  # setrlimit only, as the sandbox's process runner does
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), _WALL_SECONDS)
    except TimeoutError:
        _kill(process)
        await process.wait()
        return None, ""
    except BaseException:  # cancelled: nothing of the build outlives the run that wanted it
        _kill(process)
        raise
    return process.returncode, output.decode("utf-8", "replace")[-4000:]


class RuntimeCache:
    def __init__(self, *, root: Path, python: str) -> None:
        self._root = root
        self._python = python
        self._locks: dict[str, asyncio.Lock] = {}

    async def ensure(self, requirements: str) -> RuntimeEnv:
        """A ready, untampered virtualenv with exactly these requirements installed (built once per
        key; rebuilt when it no longer matches its manifest). Requirements that are not allowlist
        pins raise RuntimeSetupFailed before anything is built."""
        started = time.monotonic()
        pins = allowed_pins(requirements)
        key = runtime_key(self._python, requirements)
        target = self._root / key
        self._root.mkdir(parents=True, exist_ok=True)
        # Checked under a shared lock: any number of users at once; only a (re)build excludes them.
        if await asyncio.to_thread(self._state, key, fcntl.LOCK_SH) == []:
            return RuntimeEnv(path=target, reused=True, seconds=time.monotonic() - started)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one builder per key in this process ...
            lock_file = (self._root / f"{key}.lock").open("a")
            try:  # ... and across worker processes
                await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
                problems = await asyncio.to_thread(self._state, key, None)
                if problems == []:  # another task or worker (re)built it meanwhile
                    return RuntimeEnv(path=target, reused=True, seconds=time.monotonic() - started)
                if problems:
                    more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
                    log.warning(
                        "runtime %s does not match its manifest; removing and rebuilding it: %s%s",
                        key,
                        "; ".join(problems[:_SHOWN]),
                        more,
                    )
                await self._build(key, pins)
                return RuntimeEnv(path=target, reused=False, seconds=time.monotonic() - started)
            finally:
                lock_file.close()

    def _state(self, key: str, lock: int | None) -> list[str] | None:
        """None when nothing was (fully) built for `key` yet; otherwise how the runtime differs from
        its manifest, [] when not at all. With `lock`, holds that flock on the key while looking."""
        target = self._root / key
        manifest = self._root / f"{key}.manifest"
        with contextlib.ExitStack() as stack:
            if lock is not None:
                lock_file = stack.enter_context((self._root / f"{key}.lock").open("a"))
                fcntl.flock(lock_file, lock)
            if not (target / _READY).exists() and not manifest.exists():
                return None  # never built, or a build that died half-way: nothing to warn about
            return verify(target, manifest)

    async def _build(self, key: str, pins: list[str]) -> None:
        target = self._root / key
        manifest = self._root / f"{key}.manifest"
        with contextlib.suppress(FileNotFoundError):
            manifest.unlink()
        try:  # whatever is there (a half-built env from a crashed worker, a tampered one) goes first
            await asyncio.to_thread(unseal_and_remove, target)
        except OSError as exc:
            raise RuntimeSetupFailed(
                f"could not remove the old runtime {key} to rebuild it", details={"error": str(exc)}
            ) from exc
        target.mkdir(parents=True)
        (target / "requirements.txt").write_text("".join(f"{p}\n" for p in pins), encoding="utf-8")
        with tempfile.TemporaryDirectory(prefix="autocrea-runtime-") as home:
            code, output = await _command([self._python, "-m", "venv", str(target)], home=Path(home))
            if code != 0:
                await asyncio.to_thread(unseal_and_remove, target)
                raise RuntimeSetupFailed(
                    f"could not create a virtualenv with {self._python}", details={"output": output}
                )
            code, output = await _command(
                [
                    str(target / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-q",
                    # Wheels only: no sdist's setup.py or build backend runs while installing.
                    "--only-binary=:all:",
                    *pins,
                ],
                home=Path(home),
            )
        if code != 0:
            await asyncio.to_thread(unseal_and_remove, target)
            reason = "timed out" if code is None else "failed"
            raise RuntimeSetupFailed(
                f"installing the app's requirements {reason}", details={"output": output}
            )
        (target / _READY).write_text("ok\n", encoding="utf-8")
        await asyncio.to_thread(seal, target, manifest)
