"""The bubblewrap sandbox when the server is NOT root: it keeps its own uid, in a user namespace
that shows it none of the server's files, processes or network.

The "server" here is a small script run as `nobody` with Debian's Python and a copy of the sandbox
package (nobody cannot read the test's virtualenv or checkout).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import need

NOBODY = 65534
SRC = Path(__file__).resolve().parents[3] / "src" / "autocrea"

SERVER = """
import asyncio, json, os, pathlib, sys
from autocrea.sandbox.choice import choose
from autocrea.sandbox.protocol import Limits, Mounts
from autocrea.sandbox.sweep import pids_of_uid

PROBE = '''
import json, os, socket
seen = {"uid": os.getuid(), "pids": sorted(p for p in os.listdir("/proc") if p.isdigit())}
for path in [SECRET, "mine.txt"]:
    try:
        seen[path] = open(path).read()
    except OSError as exc:
        seen[path] = type(exc).__name__
s = socket.socket()
s.settimeout(2)
seen["postgres"] = s.connect_ex(("127.0.0.1", 5432))
print(json.dumps(seen))
'''
STORM = '''
import os, time
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
'''


async def main() -> None:
    home = pathlib.Path(sys.argv[1])
    secret = home / "data" / "secret.key"
    chosen = choose("bubblewrap", slots=2, uid_base=1_500_000_000, cgroup_dir=None)
    box = chosen.sandbox
    work = home / "work"
    work.mkdir()
    (work / "mine.txt").write_text("my own file")
    probe = await box.run(["/usr/bin/python3", "-c", PROBE.replace("SECRET", repr(str(secret)))],
                          cwd=work, mounts=Mounts(writable=(work,)))
    storm = await box.run(["/usr/bin/python3", "-c", STORM], cwd=work, mounts=Mounts(writable=(work,)),
                          limits=Limits(wall_seconds=3, processes=64))
    await asyncio.sleep(2)
    left = [p for p in pids_of_uid(os.getuid()) if p != os.getpid()]
    print(json.dumps({
        "mechanism": chosen.mechanism,
        "server_reads_its_secret": secret.read_text(),
        "probe": json.loads(probe.stdout) if probe.ok else probe.stderr,
        "storm_ended": storm.timed_out or storm.exit_code != 0,
        "survivors": left,
    }))

asyncio.run(main())
"""


def test_an_unprivileged_server_keeps_its_sandboxes_blind_and_bounded(tmp_path: Path) -> None:
    need(shutil.which("bwrap") is not None, "bubblewrap is not installed (apt-get install bubblewrap)")
    if os.geteuid() != 0:
        pytest.skip("the test itself must be root to become nobody (it already runs unprivileged here)")
    home = Path("/tmp") / f"autocrea-unpriv-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    try:
        package = home / "lib" / "autocrea"
        (package / "sandbox").mkdir(parents=True)
        for name in ("__init__.py", "errors.py"):
            shutil.copy(SRC / name, package / name)
        for module in (SRC / "sandbox").glob("*.py"):
            shutil.copy(module, package / "sandbox" / module.name)
        (home / "server.py").write_text(textwrap.dedent(SERVER))
        (home / "data").mkdir()
        (home / "data" / "secret.key").write_text("the-servers-secret")
        (home / "cache").mkdir()
        for root, dirs, files in os.walk(home):
            for name in [*dirs, *files, "."]:
                os.chown(os.path.join(root, name), NOBODY, NOBODY)
        os.chmod(home, 0o755)
        os.chmod(home / "data", 0o700)  # the server's own: readable by it, by no sandbox
        done = subprocess.run(
            ["/usr/bin/python3", str(home / "server.py"), str(home)],
            user=NOBODY,
            group=NOBODY,
            extra_groups=[],
            env={"PYTHONPATH": str(home / "lib"), "XDG_CACHE_HOME": str(home / "cache"), "PATH": "/usr/bin"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        assert "the server's uid in a user namespace" in seen["mechanism"]
        assert seen["server_reads_its_secret"] == "the-servers-secret"  # the control: the server can
        probe = seen["probe"]
        assert isinstance(probe, dict), probe
        assert probe["mine.txt"] == "my own file"
        assert probe[str(home / "data" / "secret.key")] in ("FileNotFoundError", "PermissionError")
        assert probe["pids"] == ["1", "2"] and probe["postgres"] != 0
        assert seen["storm_ended"] and seen["survivors"] == []
    finally:
        shutil.rmtree(home, ignore_errors=True)
