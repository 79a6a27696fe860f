"""A PostgreSQL server of the test's own (initdb in a temporary folder), to stop and restart at will.

CI's PostgreSQL is shared by the whole suite, so a test that restarts the database under load starts
its own from the machine's PostgreSQL binaries (Debian's /usr/lib/postgresql/<version>/bin). The
server refuses to run as root: as root, the folder is given to the `postgres` user and every command
runs as that user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autocrea.testing.ports import free_port
from tests.conftest import need


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


@dataclass(frozen=True)
class PgServer:
    bin: Path
    data: Path
    port: int
    as_user: tuple[str, ...]  # the prefix that runs a command as the server's owner

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        log = str(self.data.parent / "server.log")
        command = [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "start")

    def stop(self) -> None:
        """A fast shutdown, as an operator's restart does: open connections are terminated."""
        self._ctl("-m", "fast", "stop")


@contextmanager
def own_postgres() -> Iterator[PgServer]:
    """A running PostgreSQL on a free port (trust auth, user and database `postgres`), removed after."""
    bin_dir = _bin_dir()
    need(bin_dir is not None, "PostgreSQL's server binaries (initdb, pg_ctl)")
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="autocrea-pg-"))
    as_user: tuple[str, ...] = ()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chmod(root, 0o755)
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ("runuser", "-u", "postgres", "--")
    server = PgServer(bin=bin_dir, data=root / "data", port=free_port(), as_user=as_user)
    try:
        subprocess.run(
            [*as_user, str(bin_dir / "initdb"), "-D", str(server.data), "-U", "postgres", "--auth=trust"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.start()
        yield server
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):  # never started, or stopped
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
