"""A generated project written to disk and served by uvicorn from its runtime, for tests that need
the app itself running (pages, a browser, a local Stripe)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from autocrea.sandbox.runtime import RuntimeCache
from autocrea.testing.ports import free_port


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


@contextmanager
def serving(
    project: Path, runtime: Path, env: Mapping[str, str], *, start_seconds: float = 30
) -> Iterator[str]:
    """The app under uvicorn on a free port until the block ends; yields its base URL. A server
    that does not answer /health in time fails the test with its output."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(runtime / "bin" / "python"), "-m", "uvicorn", "app.main:app"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=project,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"the generated app did not start:\n{output}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()


@contextmanager
def serving_files(
    root: Path, files: Mapping[str, str], runtimes: RuntimeCache, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """`files` written to `root`, their runtime installed and the app served on a SQLite file in
    `root` (`env` adds to or overrides its environment); yields its base URL. For browser tests:
    the install runs on a thread of its own, since Playwright's sync API runs an event loop on this
    one."""
    project = write_project(root, files)
    with ThreadPoolExecutor(1) as pool:
        runtime = pool.submit(asyncio.run, runtimes.ensure(files["requirements.txt"])).result().path
    base = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": f"sqlite:///{project / 'app.db'}",
    }
    with serving(project, runtime, {**base, **(env or {})}) as url:
        yield url
