"""The bubblewrap sandbox against the attacks of issue 10, each beside a benign control.

Runs as the test process's user: as root (CI) every sandbox gets its slot's uid; the same checks
for a server that is not root run in test_bubblewrap_unprivileged.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autocrea.sandbox.bubblewrap import BubblewrapSandbox
from autocrea.sandbox.choice import choose
from autocrea.sandbox.http import client_for
from autocrea.sandbox.protocol import LISTEN_FD, Limits, Mounts
from autocrea.sandbox.runtime import RuntimeCache
from autocrea.sandbox.scratch import scratch_dir
from autocrea.sandbox.slots import Slots
from autocrea.sandbox.sweep import pids_of_uid
from autocrea.testing.ports import free_port
from tests.conftest import need
from tests.unit.sandbox.apps import HELLO

PY = "/usr/bin/python3"  # Debian's: readable by the sandbox's uid, unlike pyenv's under /root
# Uids of this module's own pools, away from the platform's (1_500_000_000 + the slot): what the
# survivor checks count is then this module's alone, whatever else runs on the machine.
UID_BASE = 1_500_000_000 + 100
SLOTS = 4
ROOT = os.geteuid() == 0


def slot_uids(base: int = UID_BASE, count: int = SLOTS) -> range:
    return range(base, base + count)


def survivors(base: int = UID_BASE, count: int = SLOTS) -> list[int]:
    return [pid for uid in slot_uids(base, count) for pid in pids_of_uid(uid)]


def busiest_slot() -> int:
    """Processes of the slot uid that has the most (one sandbox: a uid is one slot's)."""
    return max(len(pids_of_uid(uid)) for uid in slot_uids())


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> BubblewrapSandbox:
    """The sandbox as the platform chooses it, with a slot pool of this module's own."""
    need(shutil.which("bwrap") is not None, "bubblewrap is not installed (apt-get install bubblewrap)")
    locks = tmp_path_factory.mktemp("slots")
    chosen = choose("bubblewrap", slots=SLOTS, uid_base=UID_BASE, cgroup_dir=None, locks=locks)
    assert isinstance(chosen.sandbox, BubblewrapSandbox) and chosen.isolated
    return chosen.sandbox


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A scratch copy's directory, made the way the pipeline makes them (under the host's /tmp)."""
    path = scratch_dir("autocrea-test-sbx-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def script(path: Path, code: str) -> list[str]:
    (path / "probe.py").write_text(textwrap.dedent(code))
    return [PY, str(path / "probe.py")]


async def run(box: BubblewrapSandbox, scratch: Path, code: str, **limits: float) -> tuple[int, str, str]:
    result = await box.run(
        script(scratch, code), cwd=scratch, mounts=Mounts(writable=(scratch,)), limits=Limits(**limits)
    )
    return result.exit_code, result.stdout, result.stderr


async def test_the_sandbox_runs_as_its_slots_uid_without_privileges(
    box: BubblewrapSandbox, scratch: Path
) -> None:
    code, out, err = await run(
        box,
        scratch,
        """
        import json, os
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print(json.dumps({"uid": os.getuid(), "caps": status["CapEff"].strip(),
                          "nnp": status["NoNewPrivs"].strip(), "pids": sorted(os.listdir("/proc"))}))
        """,
    )
    assert code == 0, err
    seen = json.loads(out)
    if ROOT:
        assert seen["uid"] in slot_uids() and seen["uid"] != os.getuid()
    assert seen["caps"] == "0000000000000000" and seen["nnp"] == "1"
    assert [p for p in seen["pids"] if p.isdigit()] == ["1", "2"]  # its own pid namespace, nothing else


async def test_s1_a_fork_storm_is_capped_ended_and_leaves_no_survivor(
    box: BubblewrapSandbox, scratch: Path, tmp_path: Path
) -> None:
    storm = scratch / "storm"
    storm.mkdir()
    other = scratch / "other"
    other.mkdir()
    peak = 0
    ticks = 0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak, ticks
        while not done.is_set():
            peak = max(peak, await asyncio.to_thread(busiest_slot) if ROOT else 0)
            ticks += 1
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    storm_run = asyncio.create_task(
        run(
            box,
            storm,
            """
            import os, time
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.01)
            """,
            wall_seconds=3,
            processes=64,
        )
    )
    await asyncio.sleep(1)
    # Another user's work at the same time, in another slot: it succeeds.
    code, out, err = await run(
        box, other, "import threading; t = threading.Thread(target=print, args=('ok',)); t.start()"
    )
    assert (code, out.strip()) == (0, "ok"), err
    await storm_run
    done.set()
    await watcher
    assert ticks >= 10  # the server's event loop kept answering during the storm
    if ROOT:
        assert 10 < peak <= 64 + 2  # the storm and bubblewrap's own two processes
    await asyncio.sleep(2)
    assert survivors() == []


async def test_s2_memory_past_the_limit_kills_only_the_sandbox(box: BubblewrapSandbox, scratch: Path) -> None:
    code, out, err = await run(
        box, scratch, "x = bytearray(100 * 2**20); print('fine')", memory_bytes=512 * 2**20
    )
    assert (code, out.strip()) == (0, "fine"), err
    code, out, _ = await run(
        box, scratch, "x = bytearray(2 * 2**30); print('fine')", memory_bytes=512 * 2**20
    )
    assert code != 0 and "fine" not in out
    if "cgroup" in box.mechanism:  # the whole sandbox is capped, not just each process
        code, out, _ = await run(
            box,
            scratch,
            """
            import os, time
            for _ in range(3):
                if os.fork() == 0:
                    x = bytearray(300 * 2**20)
                    for i in range(0, len(x), 4096):
                        x[i] = 1
                    time.sleep(2)
                    os._exit(0)
            ok = all(os.waitstatus_to_exitcode(os.wait()[1]) == 0 for _ in range(3))
            print("all lived" if ok else "killed")
            """,
            memory_bytes=512 * 2**20,
        )
        assert "killed" in out or code != 0


async def test_s3_cpu_and_wall_limits_end_the_command(box: BubblewrapSandbox, scratch: Path) -> None:
    code, out, _ = await run(box, scratch, "print(sum(range(10**6)))", cpu_seconds=1)
    assert code == 0 and out.strip() == str(sum(range(10**6)))
    started = time.monotonic()
    code, _, _ = await run(box, scratch, "while True: pass", cpu_seconds=1, wall_seconds=60)
    assert code != 0 and time.monotonic() - started < 30  # ended by the CPU limit, not the wall
    result = await box.run(
        [PY, "-c", "import time; time.sleep(1000)"],
        cwd=scratch,
        mounts=Mounts(writable=(scratch,)),
        limits=Limits(wall_seconds=1),
    )
    assert result.timed_out and not result.ok and result.seconds < 30
    assert survivors() == []


async def test_s4_the_servers_secrets_and_other_projects_are_out_of_sight(
    box: BubblewrapSandbox, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-never-inside")
    data = Path(tempfile.mkdtemp(prefix="autocrea-test-data-"))
    try:
        (data / "secret.key").write_text("the-servers-secret")
        (data / "autocrea.db").write_text("users and sessions")
        other = data / "projects" / "someone-else"
        other.mkdir(parents=True)
        (other / "main.py").write_text("their code")
        os.chmod(data, 0o755)  # even readable by everyone on the host, it is not in the sandbox
        (scratch / "mine.txt").write_text("my own file")
        targets = [
            str(data / "secret.key"),
            str(data / "autocrea.db"),
            str(other / "main.py"),
            "/etc/shadow",
            "/etc/passwd",
            f"/proc/{os.getpid()}/environ",
            f"/proc/{os.getppid()}/environ",
            os.path.expanduser("~/.bash_history"),
        ]
        code, out, err = await run(
            box,
            scratch,
            f"""
            import json, os
            seen = {{}}
            for path in {targets!r} + ["mine.txt"]:
                try:
                    seen[path] = open(path).read()[:50]
                except OSError as exc:
                    seen[path] = type(exc).__name__
            print(json.dumps({{"files": seen, "env": dict(os.environ)}}))
            """,
        )
        assert code == 0, err
        seen = json.loads(out)
        assert seen["files"]["mine.txt"] == "my own file"  # the benign control
        for path in targets:
            assert seen["files"][path] in ("FileNotFoundError", "PermissionError"), path
        assert "sk-canary-never-inside" not in out
        assert set(seen["env"]) <= {
            "PATH",
            "HOME",
            "TMPDIR",
            "USER",
            "LOGNAME",
            "LANG",
            "LC_ALL",
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONUNBUFFERED",
            "PYTHONHASHSEED",
            "MALLOC_ARENA_MAX",
            "PWD",  # bubblewrap's --chdir
        }
    finally:
        shutil.rmtree(data, ignore_errors=True)


async def test_s5_no_network_at_all_but_the_app_answers_on_its_socket(
    box: BubblewrapSandbox, scratch: Path, runtimes: RuntimeCache
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen()
    host_port = listener.getsockname()[1]
    try:
        targets = [("127.0.0.1", 5432), ("127.0.0.1", 6379), ("127.0.0.1", host_port), ("1.1.1.1", 53)]
        code, out, err = await run(
            box,
            scratch,
            f"""
            import json, socket
            seen = {{}}
            for host, port in {targets!r}:
                s = socket.socket()
                s.settimeout(2)
                seen[f"{{host}}:{{port}}"] = s.connect_ex((host, port))
            try:
                socket.getaddrinfo("pypi.org", 443)
                seen["dns"] = "resolved"
            except OSError as exc:
                seen["dns"] = type(exc).__name__
            print(json.dumps(seen))
            """,
        )
        assert code == 0, err
        seen = json.loads(out)
        assert all(v != 0 for k, v in seen.items() if k != "dns"), seen
        assert seen["dns"] != "resolved"
    finally:
        listener.close()
    # The benign control: an app served by the sandbox answers through its Unix socket.
    runtime = await runtimes.ensure(_requirements())
    (scratch / "hello.py").write_text(HELLO)
    server = await box.serve(
        [str(runtime.python), "-m", "uvicorn", "hello:app", "--fd", LISTEN_FD],
        cwd=scratch,
        mounts=Mounts(writable=(scratch,), readonly=(runtime.path,)),
        env={"PATH": str(runtime.python.parent)},
    )
    try:
        response = await _get(server.socket)
        assert response.status_code == 200 and response.text == "hello"
    finally:
        tail = await server.stop()
    assert not server.running() and "Uvicorn running on socket" in tail
    assert survivors() == []


def _requirements() -> str:
    from autocrea.domain.allowlist import RUNTIME_PACKAGES, pin

    return "\n".join(pin(name) for name in RUNTIME_PACKAGES) + "\n"


async def _get(path: Path) -> httpx.Response:
    async with client_for(path) as client:
        for _ in range(300):
            try:
                return await client.get("/")
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise AssertionError("the app never answered")


async def test_s6_writes_only_in_the_scratch_copy_and_within_size_caps(
    box: BubblewrapSandbox, scratch: Path, runtimes: RuntimeCache
) -> None:
    runtime = await runtimes.ensure(_requirements())
    site = next(runtime.path.glob("lib/python3*/site-packages"))
    result = await box.run(
        script(
            scratch,
            f"""
            import json
            seen = {{}}
            def attempt(name, path, size):
                try:
                    with open(path, "wb") as handle:
                        handle.write(b"x" * size)
                    seen[name] = "written"
                except OSError as exc:
                    seen[name] = type(exc).__name__
            attempt("scratch", "ok.txt", 1000)
            attempt("tmp", "/tmp/ok.txt", 1000)
            attempt("usr", "/usr/evil", 10)
            attempt("etc", "/etc/evil", 10)
            attempt("runtime", {str(site / "evil.pth")!r}, 10)
            attempt("big file", "big.bin", 3 * 2**20)
            attempt("tmp full", "/tmp/fill.bin", 3 * 2**20)
            print(json.dumps(seen))
            """,
        ),
        cwd=scratch,
        mounts=Mounts(writable=(scratch,), readonly=(runtime.path,)),
        limits=Limits(file_bytes=2 * 2**20, tmp_bytes=1 * 2**20),
    )
    assert result.exit_code == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["scratch"] == seen["tmp"] == "written"
    for name in ("usr", "etc", "runtime", "big file", "tmp full"):
        assert seen[name] != "written", name
    assert not (site / "evil.pth").exists()
    assert not (scratch / "ok.txt").exists()  # the sandbox wrote its own copy, never the host's


async def test_s6_the_writable_copy_is_capped_in_total(box: BubblewrapSandbox, scratch: Path) -> None:
    (scratch / "app.py").write_text("print('mine')")
    code, out, err = await run(
        box,
        scratch,
        """
        import json
        written = 0
        try:
            for n in range(40):  # 40 files of 1 MiB: each under the per-file limit, together over the cap
                with open(f"chunk{n}.bin", "wb") as handle:
                    handle.write(b"x" * 2**20)
                written += 1
        except OSError as exc:
            mine = open("app.py").read()
            print(json.dumps({"written": written, "error": type(exc).__name__, "mine": mine}))
        """,
        disk_bytes=8 * 2**20,
        file_bytes=2 * 2**20,
    )
    assert code == 0, err
    seen = json.loads(out)
    assert seen["mine"] == "print('mine')"  # the control: its copy of the project is there
    assert seen["written"] < 8 and seen["error"] == "OSError"  # ENOSPC well before 40 MiB
    assert sorted(p.name for p in scratch.iterdir()) == ["app.py", "probe.py"]  # the host's is untouched


async def test_s8_escapes_are_denied_and_nothing_outlives_the_command(
    box: BubblewrapSandbox, scratch: Path
) -> None:
    code, out, err = await run(
        box,
        scratch,
        f"""
        import ctypes, json, os, subprocess, time
        libc = ctypes.CDLL(None, use_errno=True)
        seen = {{}}
        seen["nested userns"] = subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode
        seen["setuid su"] = subprocess.run(["su", "-c", "id", "root"], capture_output=True,
                                           input=b"", timeout=10).returncode
        mount = ["mount", "-t", "tmpfs", "none", "/tmp"]
        seen["mount"] = subprocess.run(mount, capture_output=True).returncode
        seen["ptrace server"] = libc.ptrace(16, {os.getpid()}, None, None)  # PTRACE_ATTACH: out of sight
        if os.fork() == 0:  # double fork + setsid: a daemon that wants to outlive the command
            os.setsid()
            if os.fork() == 0:
                open("/tmp/daemon.pid", "w").write(str(os.getpid()))
                while True:
                    time.sleep(0.1)
            os._exit(0)
        time.sleep(0.5)
        daemon = open("/tmp/daemon.pid").read()
        print(json.dumps({{"denied": seen, "daemon_alive": os.path.exists(f"/proc/{{daemon}}")}}))
        """,
    )
    assert code == 0, err
    seen = json.loads(out)
    assert all(value != 0 for value in seen["denied"].values()), seen
    assert seen["daemon_alive"]  # the daemon did run when the command ended ...
    await asyncio.sleep(0.5)
    assert survivors() == []  # ... and nothing of the sandbox's uid is left


async def test_s9_twenty_commands_on_two_slots_all_finish(scratch: Path, tmp_path: Path) -> None:
    need(shutil.which("bwrap") is not None, "bubblewrap is not installed")
    base = UID_BASE + 800  # a pool of its own: its slots never meet the module's
    pool = Slots(count=2, lock_dir=tmp_path / "locks", uid_base=base if ROOT else None)
    box = BubblewrapSandbox(slots=pool, cgroups=None, bwrap=str(shutil.which("bwrap")))
    dirs = []
    for n in range(20):
        d = scratch / f"run{n}"
        d.mkdir()
        dirs.append(d)
    peak = 0

    async def one(n: int) -> float:
        nonlocal peak
        result = await box.run(
            [PY, "-c", "import time; time.sleep(0.2); print(time.time())"],
            cwd=dirs[n],
            mounts=Mounts(writable=(dirs[n],)),
        )
        peak = max(peak, pool.busy)
        assert result.ok, result.stderr
        return float(result.stdout)

    tasks = []
    for n in range(20):
        tasks.append(asyncio.create_task(one(n)))
        await asyncio.sleep(0)  # submitted in this order
    finished = await asyncio.gather(*tasks)
    assert len(finished) == 20 and peak <= 2  # all finished, none lost, never more than two at once
    # (They are served in the order they asked: tests/unit/sandbox/test_slots.py.)
    assert survivors(base, 2) == []


async def test_a_sigkilled_worker_takes_its_sandboxes_with_it(scratch: Path, tmp_path: Path) -> None:
    need(shutil.which("bwrap") is not None, "bubblewrap is not installed")
    if not ROOT:
        pytest.skip("seen by the slot's uid, which exists only when the server is root")
    base = UID_BASE + 850
    worker = tmp_path / "worker.py"
    worker.write_text(
        textwrap.dedent(
            f"""
            import asyncio, pathlib, shutil, sys
            from autocrea.sandbox.bubblewrap import BubblewrapSandbox
            from autocrea.sandbox.protocol import Mounts
            from autocrea.sandbox.slots import Slots

            async def main():
                pool = Slots(count=2, lock_dir=pathlib.Path({str(tmp_path / "locks")!r}), uid_base={base})
                box = BubblewrapSandbox(slots=pool, cgroups=None, bwrap=shutil.which("bwrap"))
                scratch = pathlib.Path({str(scratch)!r})
                code = "import os, time\\nif os.fork() == 0:\\n    os.setsid()\\ntime.sleep(3600)"
                await box.serve(["{PY}", "-c", code], cwd=scratch, mounts=Mounts(writable=(scratch,)))
                print("serving", flush=True)
                await asyncio.sleep(3600)

            asyncio.run(main())
            """
        )
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(worker), stdout=asyncio.subprocess.PIPE, env={**os.environ}
    )
    assert proc.stdout is not None
    assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"serving"
    for _ in range(100):
        if len(survivors(base, 2)) >= 4:
            break
        await asyncio.sleep(0.05)
    assert len(survivors(base, 2)) >= 4  # bubblewrap, its init, the app and the app's daemon ...
    proc.kill()
    await proc.wait()
    for _ in range(40):
        if not survivors(base, 2):
            break
        await asyncio.sleep(0.05)
    assert survivors(base, 2) == []  # ... all gone with their worker, which swept nothing itself


async def test_a_stopped_server_takes_its_daemons_with_it(box: BubblewrapSandbox, scratch: Path) -> None:
    code = """
import os, sys, time
if os.fork() == 0:  # a daemon of the app: its own session, far from the server's process group
    os.setsid()
    if os.fork() == 0:
        while True:
            sys.stdout.write("daemon "); sys.stdout.flush()
            time.sleep(0.1)
    os._exit(0)
time.sleep(3600)
"""
    server = await box.serve([PY, "-c", code], cwd=scratch, mounts=Mounts(writable=(scratch,)))
    for _ in range(100):
        if "daemon" in server.output_tail():
            break
        await asyncio.sleep(0.05)
    assert "daemon" in server.output_tail() and server.running()  # the app and its daemon run ...
    tail = await server.stop()
    assert not server.running() and "daemon" in tail
    await asyncio.sleep(0.5)
    assert survivors() == []  # ... and both ended with stop
