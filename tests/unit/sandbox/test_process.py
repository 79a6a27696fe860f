import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from autocrea.sandbox.http import client_for
from autocrea.sandbox.process import ProcessSandbox
from autocrea.sandbox.protocol import LISTEN_FD, Limits, Mounts
from tests.unit.sandbox.apps import HELLO

PY = sys.executable
NONE = Mounts()  # the process runner shows everything anyway


async def test_runs_and_captures_output(tmp_path: Path) -> None:
    result = await ProcessSandbox().run(
        [PY, "-c", "print('hi'); import sys; sys.exit(3)"], cwd=tmp_path, mounts=NONE
    )
    assert result.stdout.strip() == "hi" and result.exit_code == 3 and not result.ok and not result.timed_out


async def test_environment_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-should-never-leak")
    code = "import os, json; print(json.dumps(dict(os.environ)))"
    result = await ProcessSandbox().run([PY, "-c", code], cwd=tmp_path, mounts=NONE, env={"APP_FLAG": "1"})
    assert "sk-canary-should-never-leak" not in result.stdout
    assert '"APP_FLAG": "1"' in result.stdout
    home = result.stdout.split('"HOME": "')[1].split('"')[0]
    assert home != os.environ.get("HOME") and not Path(home).exists()  # a throw-away HOME, removed after


async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "child-alive"
    # The child spawns a grandchild that would write the marker after 2 s if it survived.
    grandchild = f"import time; time.sleep(2); open({str(marker)!r}, 'w').write('x')"
    script = tmp_path / "parent.py"
    spawn = f"subprocess.Popen([sys.executable, '-c', {grandchild!r}])"
    script.write_text(f"import subprocess, sys, time\n{spawn}\ntime.sleep(60)\n")
    code = f"exec(open({str(script)!r}).read())"
    started = time.monotonic()
    result = await ProcessSandbox().run(
        [PY, "-c", code], cwd=tmp_path, mounts=NONE, limits=Limits(wall_seconds=0.5)
    )
    assert result.timed_out and not result.ok
    assert time.monotonic() - started < 10
    time.sleep(2.5)
    assert not marker.exists(), "the grandchild outlived the timeout"


async def test_file_size_limit(tmp_path: Path) -> None:
    code = "open('big', 'wb').write(b'x' * 5_000_000)"
    result = await ProcessSandbox().run(
        [PY, "-c", code], cwd=tmp_path, mounts=NONE, limits=Limits(file_bytes=1_000_000)
    )
    assert not result.ok
    assert (tmp_path / "big").stat().st_size <= 1_000_000


async def test_memory_limit(tmp_path: Path) -> None:
    code = "x = bytearray(800 * 1024 * 1024)"
    result = await ProcessSandbox().run(
        [PY, "-c", code], cwd=tmp_path, mounts=NONE, limits=Limits(memory_bytes=300 * 1024**2)
    )
    assert not result.ok and "MemoryError" in result.stderr


async def test_output_is_bounded(tmp_path: Path) -> None:
    code = "import sys; sys.stdout.write('y' * 3_000_000)"
    result = await ProcessSandbox().run(
        [PY, "-c", code], cwd=tmp_path, mounts=NONE, limits=Limits(output_bytes=10_000)
    )
    assert result.ok and len(result.stdout) == 10_000


async def test_missing_program_is_a_clear_error(tmp_path: Path) -> None:
    from autocrea.errors import SandboxError

    with pytest.raises(SandboxError, match="could not start"):
        await ProcessSandbox().run(["/nonexistent/program"], cwd=tmp_path, mounts=NONE)


async def test_serve_on_a_unix_socket_and_stop(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text(HELLO)
    server = await ProcessSandbox().serve(
        [PY, "-m", "uvicorn", "hello:app", "--fd", LISTEN_FD], cwd=tmp_path, mounts=NONE
    )
    try:
        async with client_for(server.socket) as client:
            for _ in range(200):
                try:
                    response = await client.get("/")
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
        assert response.status_code == 200 and response.text == "hello"
        assert server.running()
    finally:
        await server.stop()
    assert not server.running() and not server.socket.exists()
