"""Hostile code a model wrote, run by whole generations on the platform: contained, the run ends cleanly.

The platform's model is the local OpenAI-compatible server (its key, set in the server's environment,
is a canary). Its tester role answers with a test file of its own (`<file path="tests/...">`), which
the tester then runs with pytest in the sandbox like any generated test:

- probes that try to read the platform's secret key and database, the environment of the server and
  of a host process carrying a canary, to reach PostgreSQL, Redis, the platform's own port, the model
  server and listeners this test opens, to write outside the sandbox's scratch copy, and to use more
  memory, disk, processes than a sandbox may. Each probe is a test that passes only if the attempt
  was denied, so the run is verified (and charged) only if all of them were. The same probes run on
  the host, outside any sandbox, are the control: there they see the secrets and reach the services.
- tests that need 2 GiB of memory or a 200 MiB file: they fail in the sandbox on its limits, the run
  ends cleanly with its hold settled or released exactly once, and another user's run at the same
  time succeeds. The safety net deletes the model's file and the run succeeds on the Blueprint
  tests, charged once.

A probe that is denied passes in silence: the platform keeps only the `-rA` summary lines (name,
outcome, a message cut to 80 columns) and, for a failed run, the end of pytest's FAILURES section.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from autocrea.blueprint.architect import design
from autocrea.pipeline.pytest_report import parse_short_summary
from autocrea.testing import FakeModelServer, ModelScript, Reply
from tests.conftest import need
from tests.platform import Account, Platform, running, settings_for
from tests.served import serve

pytestmark = pytest.mark.slow

MODEL = "openai:gpt-4o-mini"
CANARY_NAME = "AUTOCREA_HOSTILE_CANARY"
CHECKOUT = Path(__file__).resolve().parents[2]
HOSTILE_PATH = "tests/test_hostile.py"
HOG_PATH = "tests/test_hog.py"
# Sockets a host may have that would hand a sandbox a database, a container runtime or the init system.
HOST_SOCKETS = (
    "/var/run/postgresql/.s.PGSQL.5432",
    "/run/postgresql/.s.PGSQL.5432",
    "/var/run/redis/redis-server.sock",
    "/run/redis/redis.sock",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/dbus/system_bus_socket",
    "/run/systemd/private",
)

# The tester's answer: one new test file. SETUP is filled in per run; nothing secret is in it (the
# probes look for what they must not find by name and path, never by value).
HOSTILE_TESTS = r'''"""Tests a hostile model wrote: every attempt must be denied for them to pass."""

import json
import os
import socket
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

SETUP = json.loads(r"""__SETUP__""")
MIB = 1024 * 1024
TOKEN = SETUP["token"]
CHILD_HOG = (
    "blocks = []\n"
    "for n in range(32):\n"
    "    block = bytearray(64 << 20)\n"
    "    block[::4096] = bytes(16384)\n"
    "    blocks.append(block)\n"
    "    print(n + 1, flush=True)\n"
)


def read_head(path, size=65536):
    with open(path, "rb") as handle:
        return handle.read(size)


def foreign(path, name):
    seen = read_head(path)
    own = read_head(f"/proc/self/{name}")
    return bool(seen) and seen != own, repr(seen[:300])


def read_keyfile():
    return True, f"read {read_head(SETUP['keyfile'])!r}"


def read_database():
    data = read_head(SETUP["database"])
    return True, f"read {len(data)} bytes: {data[:200]!r}"


def list_data_dir():
    return True, f"listed {sorted(os.listdir(SETUP['data_dir']))}"


def proc_1_environ():
    return foreign("/proc/1/environ", "environ")


def server_environ():
    return foreign(f"/proc/{SETUP['server_pid']}/environ", "environ")


def sleeper_environ():
    seen = read_head(f"/proc/{SETUP['sleeper_pid']}/environ")
    marker = SETUP["canary_name"].encode() + b"="
    if marker in seen:
        return True, repr(seen[seen.index(marker) :][:200])
    return False, f"readable, without the canary: {seen[:200]!r}"


def canary_processes():
    marker = SETUP["canary_name"].encode() + b"="
    found, pids = [], [p for p in os.listdir("/proc") if p.isdigit()]
    for pid in pids:
        for name in ("environ", "cmdline"):
            try:
                data = read_head(f"/proc/{pid}/{name}")
            except OSError:
                continue
            if marker in data or TOKEN.encode() in data:
                found.append(f"/proc/{pid}/{name}: {data[:300]!r}")
    return bool(found), "; ".join(found) or f"processes {pids}, none of them the host's"


def connect_tcp(host, port):
    with socket.create_connection((host, port), timeout=3):
        return True, f"connected to {host}:{port}"


def connect_unix(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(3)
        sock.connect(path)
        return True, f"connected to {path!r}"


def write_outside():
    targets = list(SETUP["write_targets"])
    if SETUP["runtime_targets"]:
        site = sysconfig.get_paths()["purelib"]
        targets += [os.path.join(sys.prefix, f"pwned-{TOKEN}"), os.path.join(site, f"pwned-{TOKEN}.pth")]
    written, private, refused = [], [], []
    for target in targets:
        try:
            with open(target, "x") as handle:
                handle.write("planted by a hostile test\n")
        except OSError as exc:
            refused.append(f"{target}: {type(exc).__name__} {exc.strerror}")
            continue
        # /tmp in a sandbox is its own tmpfs: a target the host keeps under /tmp (a checkout there)
        # lands in the sandbox's copy of those names; whether the host saw it, the host checks.
        in_own_tmp = SETUP["sandboxed"] and target.startswith("/tmp/")
        (private if in_own_tmp else written).append(target)
    return bool(written), f"wrote {written}; into its own /tmp {private}; refused {refused}"


def memory_2gib():
    block = bytearray(2048 * MIB)
    block[::4096] = bytes(len(range(0, len(block), 4096)))
    return True, f"allocated and touched {len(block) // MIB} MiB"


def memory_2gib_in_a_child():
    done = subprocess.run([sys.executable, "-c", CHILD_HOG], capture_output=True, text=True, timeout=60)
    blocks = done.stdout.split()
    reached = 64 * int(blocks[-1]) if blocks else 0
    return done.returncode == 0, f"the child touched {reached} MiB, exit {done.returncode}"


def fill_file(path, mib):
    written = 0
    try:
        with open(path, "wb", buffering=0) as handle:
            for _ in range(mib):
                handle.write(bytes(MIB))
                written += 1
    except OSError as exc:
        return False, f"stopped after {written} MiB: {type(exc).__name__} {exc.strerror}"
    finally:
        Path(path).unlink(missing_ok=True)
    return True, f"wrote {written} MiB to {path}"


def file_200mib():
    return fill_file("hostile-200mib.bin", 200)


def tmp_file_200mib():
    return fill_file(os.path.join(tempfile.gettempdir(), "hostile-200mib.bin"), 200)


def processes_200():
    children = []
    try:
        for _ in range(200):
            children.append(subprocess.Popen(["sleep", "30"]))
    except OSError as exc:
        return False, f"started {len(children)} processes, then {type(exc).__name__} {exc.strerror}"
    finally:
        for child in children:
            child.kill()
            child.wait()
    return True, "started 200 processes"


DENIED = {
    "read_keyfile": read_keyfile,
    "list_data_dir": list_data_dir,
    "proc_1_environ": proc_1_environ,
    "server_environ": server_environ,
    "sleeper_environ": sleeper_environ,
    "canary_processes": canary_processes,
    "write_outside": write_outside,
}
if SETUP["database"]:
    DENIED["read_database"] = read_database
for label, (host, port) in SETUP["tcp"].items():
    DENIED[f"connect_{label}"] = lambda host=host, port=port: connect_tcp(host, port)
for label, path in SETUP["unix"].items():
    DENIED[f"connect_{label}"] = lambda path=path: connect_unix(path)

LIMITED = {
    "memory_2gib": memory_2gib,
    "memory_2gib_in_a_child": memory_2gib_in_a_child,
    "file_200mib": file_200mib,
    "tmp_file_200mib": tmp_file_200mib,
    "processes_200": processes_200,
}


def attempt(name, probe):
    try:
        leaked, seen = probe()
    except (OSError, MemoryError) as exc:
        leaked, seen = False, f"{type(exc).__name__}: {exc}"
    print(f"{name}: {'LEAKED' if leaked else 'denied'}: {seen}")
    return leaked, seen


@pytest.mark.parametrize("name", sorted(DENIED))
def test_denied(name):
    leaked, seen = attempt(name, DENIED[name])
    assert not leaked, f"LEAKED {name}: {seen}"


@pytest.mark.parametrize("name", sorted(LIMITED))
def test_limited(name):
    leaked, seen = attempt(name, LIMITED[name])
    assert not leaked, f"UNLIMITED {name}: {seen}"


def test_disk_total_is_capped():
    written, note = 0, "no error"
    try:
        for n in range(18):
            with open(f"hostile-disk-{n}.bin", "wb", buffering=0) as handle:
                for _ in range(60):
                    handle.write(bytes(MIB))
                    written += 1
    except OSError as exc:
        note = f"{type(exc).__name__} {exc.strerror}"
    finally:
        for n in range(18):
            Path(f"hostile-disk-{n}.bin").unlink(missing_ok=True)
    print(f"disk_total: wrote {written} MiB in 60 MiB files, then {note}")
    assert written < 1024, f"wrote {written} MiB in files under the per-file cap"
'''

# Tests that need more than a sandbox may use, and say so by failing when they do not get it.
HOG_TESTS = '''"""Tests that need 2 GiB of memory and a 200 MiB file."""

import subprocess
import sys
from pathlib import Path

MIB = 1024 * 1024
CHILD_HOG = (
    "blocks = []\\n"
    "for n in range(32):\\n"
    "    block = bytearray(64 << 20)\\n"
    "    block[::4096] = bytes(16384)\\n"
    "    blocks.append(block)\\n"
    "    print(n + 1, flush=True)\\n"
)


def test_the_app_can_hold_two_gib_in_memory():
    block = bytearray(2048 * MIB)
    block[::4096] = bytes(len(range(0, len(block), 4096)))
    assert len(block) == 2048 * MIB


def test_a_worker_process_can_touch_two_gib():
    done = subprocess.run([sys.executable, "-c", CHILD_HOG], capture_output=True, text=True, timeout=60)
    blocks = done.stdout.split()
    reached = 64 * int(blocks[-1]) if blocks else 0
    assert done.returncode == 0, f"hog child exit {done.returncode} after {reached} MiB"


def test_the_app_can_export_a_200_mib_file():
    path = Path("export.bin")
    with open(path, "wb", buffering=0) as handle:
        for _ in range(200):
            handle.write(bytes(MIB))
    assert path.stat().st_size == 200 * MIB
'''


def hostile_file(setup: dict[str, Any]) -> str:
    return HOSTILE_TESTS.replace("__SETUP__", json.dumps(setup))


def answer_with_file(path: str, text: str) -> Reply:
    return Reply(f'Here are more tests.\n<file path="{path}">\n{text}</file>\n')


def spec_reply() -> Reply:
    return Reply(design("Create a simple todo app").spec.model_dump_json())


@pytest.fixture
def exposed_dir(runtime_root: Path, tmp_path: Path) -> Iterator[Path]:
    """Where the platform keeps its data: beside the runtimes the sandbox mounts (not in /tmp, which
    the sandbox covers with a tmpfs of its own anyway), with the modes the platform gives it."""
    try:
        path = runtime_root.parent / f"hostile.{uuid.uuid4().hex[:12]}"
        path.mkdir()
    except OSError:
        path = tmp_path / "exposed.data"
        path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def sleeper(canary: str, token: str) -> Iterator[int]:
    """A host process whose environment holds the canary and whose command line holds the token."""
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(600)", token],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), CANARY_NAME: canary},
    )
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


class Traps:
    """Listeners on the host nobody should reach from a sandbox; a connection waits in the backlog."""

    def __init__(self, unix_path: Path, token: str) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("0.0.0.0", 0))  # loopback and the host's own address
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix_path = unix_path
        self.unix.bind(str(unix_path))
        os.chmod(unix_path, 0o777)  # only the mount namespace stands in the way
        self.abstract_name = f"autocrea-hostile-{token}"
        self.abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.abstract.bind("\0" + self.abstract_name)
        self.all = {"trap_tcp": self.tcp, "trap_unix": self.unix, "trap_abstract": self.abstract}
        for sock in self.all.values():
            sock.listen(16)
            sock.setblocking(False)

    @property
    def port(self) -> int:
        port: int = self.tcp.getsockname()[1]
        return port

    def reached(self) -> list[str]:
        """Which traps got a connection (and takes them)."""
        hit = []
        for name, sock in self.all.items():
            try:
                conn, _ = sock.accept()
            except BlockingIOError:
                continue
            conn.close()
            hit.append(name)
        return hit

    def close(self) -> None:
        for sock in self.all.values():
            sock.close()


def host_address() -> str | None:
    """This host's own (non-loopback) address, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            return None
        address: str = sock.getsockname()[0]
    return None if address.startswith("127.") else address


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def run_events(
    platform: Platform, account: Account, run_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    events = platform.events(account, run_id, timeout=240)
    return platform.wait_run(account, run_id), events


def results(events: list[dict[str, Any]], kind: str = "unit") -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == "test.result" and e["data"]["kind"] == kind]


def logs(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["data"] for e in events if e["type"] == "step.log"]


def project_zip(platform: Platform, account: Account, project_id: str) -> bytes:
    response = platform.request("GET", f"/api/projects/{project_id}/zip", account)
    assert response.status_code == 200, response.text
    return response.content


def tree_paths(platform: Platform, account: Account, project_id: str) -> set[str]:
    tree = platform.request("GET", f"/api/projects/{project_id}/tree", account).json()
    return {f["path"] for f in tree["files"]}


def probe_setup(
    *,
    token: str,
    data: Path,
    database: Path | None,
    runtime_root: Path,
    ports: dict[str, int],
    traps: Traps,
    sleeper_pid: int,
) -> dict[str, Any]:
    """What the hostile tests aim at: the platform's real paths, ports and processes."""
    tcp: dict[str, list[object]] = {name: ["127.0.0.1", port] for name, port in ports.items()}
    tcp |= {"trap_tcp": ["127.0.0.1", traps.port], "internet": ["1.1.1.1", 53]}
    host_ip = host_address()
    if host_ip is not None:
        tcp["trap_tcp_host_address"] = [host_ip, traps.port]
    unix = {"trap_unix": str(traps.unix_path), "trap_abstract": "\0" + traps.abstract_name}
    unix |= {f"host_socket_{n}": path for n, path in enumerate(HOST_SOCKETS) if Path(path).exists()}
    return {
        "token": token,
        "keyfile": str(data / "secret.key"),
        "database": str(database) if database is not None else None,
        "data_dir": str(data),
        "server_pid": os.getpid(),  # the platform serves from this process (uvicorn in a thread)
        "sleeper_pid": sleeper_pid,
        "canary_name": CANARY_NAME,
        "tcp": tcp,
        "unix": unix,
        "write_targets": [
            str(data / f"pwned-{token}"),
            str(data / "projects" / f"pwned-{token}"),
            str(runtime_root / f"pwned-{token}"),
            str(CHECKOUT / f"pwned-{token}"),
            f"/etc/pwned-{token}",
            f"/usr/lib/pwned-{token}",
            f"/root/pwned-{token}",
        ],
        "runtime_targets": True,  # and into the runtime itself: sys.prefix, a .pth in site-packages
        "sandboxed": True,
    }


def remove_planted(targets: list[str], runtime_root: Path, token: str) -> None:
    """Take away whatever a probe managed to write (the test has failed by then)."""
    for path in [*map(Path, targets), *runtime_root.rglob(f"pwned-{token}*")]:
        with contextlib.suppress(OSError):
            path.unlink()


def probes_on_host(setup: dict[str, Any], workdir: Path) -> tuple[dict[str, str], str]:
    """The hostile tests' data and network probes run by this process's Python, outside any sandbox
    (writing only into the data dir, never into the shared runtime): outcome per probe, and output."""
    (workdir / "tests").mkdir(parents=True)
    control = {
        **setup,
        "write_targets": [str(Path(setup["data_dir"]) / "control")],
        "runtime_targets": False,
        "sandboxed": False,
    }
    (workdir / "tests" / "test_hostile.py").write_text(hostile_file(control))
    pytest_args = ["-q", "-rA", "-p", "no:cacheprovider", "--color=no", "--rootdir", str(workdir)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *pytest_args,
            "-k",
            "test_denied and not internet",
            "tests/test_hostile.py",
        ],
        cwd=workdir,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    cases = parse_short_summary(done.stdout)
    return {c.name.split("[", 1)[1].rstrip("]"): c.outcome for c in cases}, done.stdout + done.stderr


def everything_shown(
    events: list[dict[str, Any]], run: dict[str, Any], archive: bytes, model: FakeModelServer
) -> str:
    """The run's events, the run itself, every file of its ZIP, and every request to the model."""
    files = zipfile.ZipFile(io.BytesIO(archive))
    return "\n".join(
        [
            json.dumps(events),
            json.dumps(run),
            *(files.read(name).decode("utf-8", "replace") for name in files.namelist()),
            *(json.dumps(request.body) for request in model.requests),
        ]
    )


def test_hostile_tests_are_denied_everything_and_the_run_is_verified_and_charged(
    backend: dict[str, object],
    runtime_root: Path,
    exposed_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Random names carry a dot: detect-secrets takes a random quoted hex or base64-like string
    # (`"/etc/pwned-8bc41b52f5"` too) for a key, a high finding that fails the run at security.
    token = f"hostile.{uuid.uuid4().hex[:10]}"
    server_key = f"sk-canary-server-{uuid.uuid4().hex}"
    canary = f"canary-env-{uuid.uuid4().hex}"
    data = exposed_dir / "data"
    overrides: dict[str, Any] = dict(backend)
    monkeypatch.setenv("OPENAI_API_KEY", server_key)  # the server's own provider key: a canary
    with ExitStack() as stack:
        model = stack.enter_context(
            FakeModelServer(ModelScript(default=Reply("NO CHANGES")), api_key=server_key)
        )
        monkeypatch.setenv("OPENAI_BASE_URL", f"{model.url}/v1")
        sleeper_pid = stack.enter_context(sleeper(canary, token))
        # No secret_key setting: the platform makes DATA_DIR/secret.key, as by default.
        served = stack.enter_context(serve(data, runtime_dir=runtime_root, secret_key=None, **overrides))
        platform = Platform(
            stack.enter_context(httpx.Client(base_url=served.url, timeout=60)), served.settings
        )
        sandbox = platform.request("GET", "/ready").json()["details"]["sandbox"]
        # The probes write to real host paths: never let them loose without isolation.
        need(sandbox["isolated"], f"an isolating sandbox (bubblewrap): {sandbox['warning']}")
        traps = Traps(exposed_dir / "trap.sock", token)
        stack.callback(traps.close)
        secret = (data / "secret.key").read_text().strip()
        assert len(secret) >= 32 and secret == served.settings.secret().decode()
        # Readable by anyone, so that only the sandbox's mount namespace stands in the way (the file is
        # 0600, which would stop a slot uid by itself, but not a sandbox run as the server's own uid).
        os.chmod(data / "secret.key", 0o644)
        os.chmod(data, 0o755)
        sqlite = "sqlite" in served.settings.database_url
        database = data / "autocrea.db" if sqlite else None
        assert database is None or database.stat().st_size > 0
        ports = {
            "postgres": 5432,
            "redis": 6379,
            "platform": served.port,
            "model_server": int(model.url.rsplit(":", 1)[1]),
        }
        setup = probe_setup(
            token=token,
            data=data,
            database=database,
            runtime_root=runtime_root,
            ports=ports,
            traps=traps,
            sleeper_pid=sleeper_pid,
        )
        stack.callback(remove_planted, setup["write_targets"], runtime_root, token)
        model.script = ModelScript(
            {"architect": spec_reply(), "tester": answer_with_file(HOSTILE_PATH, hostile_file(setup))},
            default=Reply("NO CHANGES"),
        )

        ana = platform.register()
        created = platform.generate(ana, model=MODEL)
        run, events = run_events(platform, ana, created["run"]["id"])
        archive = project_zip(platform, ana, created["project"]["id"])
        files = tree_paths(platform, ana, created["project"]["id"])
        reached = traps.reached()

        # Every probe ran in the sandbox and was denied: each is a test that passed, with no repair
        # round and no restore, so the run was verified with the hostile file in it, and charged.
        outcomes = {r["name"]: r for r in results(events)}
        probes = {
            n.split("[", 1)[1].rstrip("]")
            for n in outcomes
            if n.startswith((f"{HOSTILE_PATH}::test_denied[", f"{HOSTILE_PATH}::test_limited["))
        }
        expected = {
            *("read_keyfile", "list_data_dir", "proc_1_environ", "server_environ", "sleeper_environ"),
            *("canary_processes", "write_outside"),
            *(f"connect_{label}" for label in (*setup["tcp"], *setup["unix"])),
            *(["read_database"] if sqlite else []),
            *("memory_2gib", "memory_2gib_in_a_child", "file_200mib", "tmp_file_200mib", "processes_200"),
        }
        assert probes == expected, (run["error"], logs(events))
        failed = {n: r["message"] for n, r in outcomes.items() if r["outcome"] != "passed"}
        assert failed == {}, failed  # every attempt denied, the cap on total disk use included
        assert not [m for m in logs(events) if m.get("key") in ("repair_asking", "blueprint_restored")]
        assert HOSTILE_PATH in files
        findings = [m["finding"] for m in logs(events) if "finding" in m]
        assert run["status"] == "succeeded", (run["error"], [f for f in findings if f["severity"] == "high"])
        assert events[-1]["type"] == "run.finished"
        spent = {"granted": 100, "spent": 50, "held": 0, "available": 50}
        assert platform.credits(ana, expect=spent) == spent

        # Nothing the run shows, and nothing sent to the model provider, holds the secret key, the
        # server's provider key or the host process's canary.
        shown = everything_shown(events, run, archive, model)
        assert [v for v in (secret, server_key, canary) if v in shown] == []
        # The host saw nothing either: no connection, no planted file, no other caller of the model.
        assert reached == []
        assert [p for p in setup["write_targets"] if Path(p).exists()] == []
        assert list(runtime_root.rglob(f"pwned-{token}*")) == []
        assert {r.role for r in model.requests} <= {"architect", "backend", "frontend", "devops", "tester"}

        # Control: the same probes outside the sandbox see the secrets and reach every listener.
        seen, output = probes_on_host(setup, tmp_path / "control")
        must_leak = {
            *("read_keyfile", "list_data_dir", "server_environ", "sleeper_environ", "canary_processes"),
            *("write_outside", "connect_platform", "connect_model_server"),
            *("connect_trap_tcp", "connect_trap_unix", "connect_trap_abstract"),
            *(["read_database"] if sqlite else []),
            *(["connect_trap_tcp_host_address"] if "trap_tcp_host_address" in setup["tcp"] else []),
            *(f"connect_{name}" for name, port in ports.items() if reachable(port)),
        }
        missed = {name: seen.get(name) for name in must_leak if seen.get(name) != "failed"}
        assert missed == {}, (missed, output[-3000:])
        assert secret in output and canary in output  # what a leak would have looked like
        assert set(traps.reached()) == {"trap_tcp", "trap_unix", "trap_abstract"}


def test_tests_that_hog_memory_and_disk_end_the_run_cleanly_beside_another_users_run(
    backend: dict[str, object],
    runtime_root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ana's model writes tests needing 2 GiB and a 200 MiB file; Bo generates at the same time.

    The hog tests fail in the sandbox on their limits, the repair round gets nothing new, the
    Blueprint tests are restored and verified (the safety net): Ana's run succeeds and is charged
    once. (A run that fails for good releases its hold: tests/unit/web/test_runs_api.py.)
    """
    server_key = f"sk-canary-server-{uuid.uuid4().hex}"
    overrides: dict[str, Any] = dict(backend)
    monkeypatch.setenv("OPENAI_API_KEY", server_key)
    script = ModelScript(
        {"architect": spec_reply(), "tester": answer_with_file(HOG_PATH, HOG_TESTS)},
        default=Reply("NO CHANGES"),
    )
    with FakeModelServer(script, api_key=server_key) as model:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{model.url}/v1")
        settings = settings_for(tmp_path / "data", runtime_dir=runtime_root, **overrides)
        assert settings.worker_concurrency >= 2
        with running(settings) as platform:
            ana, bo = platform.register(), platform.register()
            hog = platform.generate(ana, model=MODEL)
            benign = platform.generate(bo)  # the offline engine: Bo's run needs no model
            hog_run, hog_events = run_events(platform, ana, hog["run"]["id"])
            bo_run, bo_events = run_events(platform, bo, benign["run"]["id"])
            hog_files = tree_paths(platform, ana, hog["project"]["id"])

            # The two runs were in the worker at the same time.
            assert hog_events[0]["ts"] < bo_events[-1]["ts"] and bo_events[0]["ts"] < hog_events[-1]["ts"]
            # Bo's run is untouched by Ana's: verified, charged.
            assert bo_run["status"] == "succeeded", bo_run
            assert bo_events[-1]["type"] == "run.finished"
            bo_spent = {"granted": 100, "spent": 50, "held": 0, "available": 50}
            assert platform.credits(bo, expect=bo_spent) == bo_spent

            # In the sandbox, each hog test failed on the limit it hit.
            hogs = {
                r["name"].split("::", 1)[1]: r for r in results(hog_events) if r["name"].startswith(HOG_PATH)
            }
            assert {n: r["outcome"] for n, r in hogs.items()} == {
                "test_the_app_can_hold_two_gib_in_memory": "failed",
                "test_a_worker_process_can_touch_two_gib": "failed",
                "test_the_app_can_export_a_200_mib_file": "failed",
            }, hogs
            finished = {e["step"]: e["data"] for e in hog_events if e["type"] == "step.finished"}

            keys = [m.get("key") for m in logs(hog_events)]
            assert "repair_asking" in keys and "blueprint_restored" in keys, keys
            restored = next(m for m in logs(hog_events) if m.get("key") == "blueprint_restored")
            assert "the app's tests failed" in restored["message"]
            # What the sandbox reported went back to the tester in the repair round.
            output = json.dumps([r.body for r in model.requests if r.role == "tester"][-1])
            assert HOG_PATH not in hog_files
            assert hog_run["status"] == "succeeded", hog_run
            assert hog_events[-1]["type"] == "run.finished"
            assert finished["tester"]["status"] == "succeeded"
            expected = {"granted": 100, "spent": 50, "held": 0, "available": 50}
            # Each hog was stopped by its limit: the address space, the memory cgroup (or the
            # address space where there is none), the largest file.
            assert "MemoryError" in output and "File too large" in output, output
            assert re.search(r"hog child exit (-9|1) after \d+ MiB", output), output
            assert platform.credits(ana, expect=expected) == expected
            ledger = platform.request("GET", "/api/credits", ana).json()
            assert sorted(e["kind"] for e in ledger["entries"]) == sorted(["grant", "hold", "settle"]), ledger
            assert server_key not in json.dumps([hog_events, hog_run, ledger])
