"""A sandbox's kept data directory (`Mounts.data`, a preview's database): the one host path it may
change, kept from one run to the next, capped, and no way out through the links it plants there.
Each attack beside its benign control, in the real bubblewrap sandbox (as root: a slot uid)."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from autocrea.sandbox import datadir
from autocrea.sandbox.bubblewrap import BubblewrapSandbox
from autocrea.sandbox.choice import choose
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.protocol import DATA_DIR, Limits, Mounts
from autocrea.sandbox.scratch import scratch_dir
from tests.conftest import need

PY = "/usr/bin/python3"  # Debian's: readable by the sandbox's uid, unlike pyenv's under /root
UID_BASE = 1_500_000_000 + 200  # a slot pool of this module's own, away from the platform's
SLOTS = 2
ROOT = os.geteuid() == 0
MiB = 2**20


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> BubblewrapSandbox:
    need(shutil.which("bwrap") is not None, "bubblewrap is not installed (apt-get install bubblewrap)")
    chosen = choose(
        "bubblewrap", slots=SLOTS, uid_base=UID_BASE, cgroup_dir=None, locks=tmp_path_factory.mktemp("slots")
    )
    assert isinstance(chosen.sandbox, BubblewrapSandbox) and chosen.isolated
    return chosen.sandbox


@pytest.fixture
def host() -> Iterator[Path]:
    """A root like the previews' data root (searchable by sandbox uids), with a secret of the host's
    beside the project's data directory."""
    root = scratch_dir("autocrea-test-kept-")
    (root / "secret.txt").write_text("the host's own file")
    (root / "big.bin").write_bytes(b"x" * 3 * MiB)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def kept(host: Path) -> Path:
    path = host / "project"
    datadir.make(path)
    return path


@pytest.fixture
def scratch() -> Iterator[Path]:
    path = scratch_dir("autocrea-test-sbx-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def run(
    box: BubblewrapSandbox | ProcessSandbox,
    scratch: Path,
    code: str,
    *,
    kept: Path | None,
    file_bytes: int = 64 * MiB,
    host: Path | None = None,
) -> dict[str, object]:
    """Run `code` with the data directory's inside path as argv[1] and a host path as argv[2]."""
    (scratch / "probe.py").write_text(textwrap.dedent(code))
    result = await box.run(
        [PY, str(scratch / "probe.py"), DATA_DIR, str(host or "/nonexistent")],
        cwd=scratch,
        mounts=Mounts(writable=(scratch,), data=kept),
        env={"APP_DATA": DATA_DIR},
        limits=Limits(file_bytes=file_bytes, wall_seconds=60),
    )
    assert result.exit_code == 0, result.stderr
    seen: dict[str, object] = json.loads(result.stdout)
    return seen


TRY_WRITES = """
import json, os, sys
data = sys.argv[1]
seen = {"data": data, "env": os.environ["APP_DATA"], "uid": os.getuid()}
def attempt(path, text="written"):
    try:
        with open(path, "w") as handle:
            handle.write(text)
        return "ok"
    except OSError as exc:
        return type(exc).__name__
targets = ["/app.db", "/usr/app.db", "/etc/app.db", os.path.join(os.getcwd(), "copy.txt")]
seen["writes"] = {p: attempt(p) for p in [os.path.join(data, "app.db"), *targets]}
seen["before"] = sorted(os.listdir(data))
print(json.dumps(seen))
"""


async def test_the_data_dir_is_written_in_place_kept_and_the_only_host_path_changed(
    box: BubblewrapSandbox, scratch: Path, kept: Path, host: Path
) -> None:
    seen = await run(box, scratch, TRY_WRITES, kept=kept)
    assert seen["data"] == seen["env"] == "/data"  # a fixed path: the host's layout is not shown
    writes = seen["writes"]
    assert isinstance(writes, dict)
    assert writes.pop(os.path.join("/data", "app.db")) == "ok"
    assert writes.pop(str(scratch / "copy.txt")) == "ok"  # its private copy: allowed, never the host's
    assert set(writes.values()) <= {"OSError", "PermissionError", "FileNotFoundError"}, writes
    assert (kept / "app.db").read_text() == "written"
    assert not (scratch / "copy.txt").exists()
    assert sorted(p.name for p in host.iterdir()) == ["big.bin", "project", "secret.txt"]
    if ROOT:  # handed to the slot's uid, which is never the server's
        assert kept.stat().st_uid == (kept / "app.db").stat().st_uid == seen["uid"] != 0

    # The next run (maybe another slot, another uid) finds it and may write it again.
    again = await run(
        box,
        scratch,
        """
        import json, os, sys
        path = os.path.join(sys.argv[1], "app.db")
        with open(path) as handle:
            before = handle.read()
        with open(path, "a") as handle:
            handle.write(" again")
        print(json.dumps({"before": before, "host": os.path.exists(sys.argv[2])}))
        """,
        kept=kept,
        host=kept,
    )
    assert again == {"before": "written", "host": False}  # the host path itself is not there inside
    assert (kept / "app.db").read_text() == "written again"

    # Control: a sandbox given no data directory (a test run, a boot check) has none to write.
    control = await run(
        box,
        scratch,
        """
        import json, os, sys
        print(json.dumps({"data": os.path.exists("/data"), "host": os.path.exists(sys.argv[2])}))
        """,
        kept=None,
        host=kept,
    )
    assert control == {"data": False, "host": False}


PLANT = """
import json, os, sys
data = sys.argv[1]
host = sys.argv[2]
os.symlink(os.path.join(host, "secret.txt"), os.path.join(data, "secret-link"))
os.symlink(os.path.join(host, "big.bin"), os.path.join(data, "big-link"))
os.symlink(host, os.path.join(data, "root-link"))
os.symlink("/etc", os.path.join(data, "etc-link"))
os.mkdir(os.path.join(data, "sub"))
os.symlink(os.path.join(host, "secret.txt"), os.path.join(data, "sub", "deep-link"))
def read(name):
    try:
        with open(os.path.join(data, name)) as handle:
            return handle.read()
    except OSError as exc:
        return type(exc).__name__
def write(name):
    try:
        with open(os.path.join(data, name), "w") as handle:
            handle.write("overwritten")
        return "ok"
    except OSError as exc:
        return type(exc).__name__
etc = sorted(os.listdir(os.path.join(data, "etc-link")))
print(json.dumps({"read": read("secret-link"), "write": write("secret-link"),
                  "through": write("root-link/secret.txt"), "etc": etc}))
"""


async def test_links_planted_in_the_data_dir_lead_nowhere_and_the_host_never_follows_them(
    box: BubblewrapSandbox, scratch: Path, kept: Path, host: Path
) -> None:
    seen = await run(box, scratch, PLANT, kept=kept, host=host)
    # Inside, a link resolves in the sandbox's own view, where the host's files are not.
    assert seen["read"] == "FileNotFoundError"
    assert seen["write"] != "ok" and seen["through"] != "ok"
    assert "shadow" not in seen["etc"] and "passwd" not in seen["etc"]  # the sandbox's few /etc files
    assert (host / "secret.txt").read_text() == "the host's own file"

    # Outside, the server hands the directory to the next run, measures it and empties it without
    # following a link: the host's files keep their owner, are not counted, and stay.
    owner = (host / "secret.txt").stat().st_uid
    # A hard link to a host file (protected_hardlinks keeps the app from making one; should one be
    # there anyway) is not given away with the data either.
    os.link(host / "secret.txt", kept / "hard-link")
    await run(box, scratch, "import json; print(json.dumps({}))", kept=kept)
    assert (host / "secret.txt").stat().st_uid == (host / "big.bin").stat().st_uid == owner
    assert datadir.usage(kept) < MiB  # big.bin (3 MiB) behind a link is not the app's data
    datadir.clear(kept)
    assert list(kept.iterdir()) == []
    assert sorted(p.name for p in host.iterdir()) == ["big.bin", "project", "secret.txt"]
    assert (host / "secret.txt").read_text() == "the host's own file"
    assert (host / "big.bin").stat().st_size == 3 * MiB
    datadir.remove(kept)
    assert not kept.exists() and (host / "secret.txt").exists()


GROW = """
import json, os, sys
def write(name, size):
    try:
        with open(os.path.join(sys.argv[1], name), "wb") as handle:
            handle.write(b"x" * size)
        return "ok"
    except OSError as exc:
        return type(exc).__name__
print(json.dumps({"small": write("small.db", 512 * 1024), "big": write("big.db", 2 * 1024 * 1024)}))
"""


async def test_no_file_in_the_data_dir_grows_past_the_cap(
    box: BubblewrapSandbox, scratch: Path, kept: Path
) -> None:
    seen = await run(box, scratch, GROW, kept=kept, file_bytes=MiB)
    assert seen == {"small": "ok", "big": "OSError"}  # EFBIG: the rlimit stops the write at the cap
    assert (kept / "small.db").stat().st_size == 512 * 1024
    assert (kept / "big.db").stat().st_size <= MiB
    assert datadir.usage(kept) <= MiB + 512 * 1024 + 3 * 4096


async def test_the_process_runner_writes_the_data_dir_at_its_host_path(tmp_path: Path) -> None:
    """No isolation there (development only): the placeholder names the host path itself."""
    kept = tmp_path / "kept"
    datadir.make(kept)
    code = """
    import json, os, sys
    with open(os.path.join(sys.argv[1], "app.db"), "w") as handle:
        handle.write("written")
    print(json.dumps({"data": sys.argv[1], "env": os.environ["APP_DATA"]}))
    """
    seen = await run(ProcessSandbox(), tmp_path, code, kept=kept)
    assert seen == {"data": str(kept), "env": str(kept)}
    assert (kept / "app.db").read_text() == "written"
