"""Whether a Docker engine answers here, for the few tests that build images or ask `docker compose`.

Docker is not one of CI's services (.ci/run starts none), so these tests skip without an engine even
under AUTOCREA_REQUIRE_SERVICES=1: that setting turns a missing *CI service* into a failure, and a
Docker engine is not one.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

import pytest

NO_ENGINE = (
    "no Docker engine answers here (`docker info` failed or there is no docker CLI); Docker is not "
    "one of CI's services, so this skips even with AUTOCREA_REQUIRE_SERVICES=1"
)


@functools.cache
def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@functools.cache
def compose_command() -> tuple[str, ...] | None:
    """How to run Compose v2 here, if at all: the docker CLI's plugin or a standalone `docker-compose`
    v2 binary. `config` needs no engine: it only reads and resolves the file."""
    candidates: list[tuple[str, ...]] = []
    if shutil.which("docker") is not None:
        candidates.append(("docker", "compose"))
    if shutil.which("docker-compose") is not None:
        candidates.append(("docker-compose",))
    for command in candidates:
        try:
            probe = subprocess.run(
                [*command, "version", "--short"], capture_output=True, text=True, timeout=20
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0 and probe.stdout.strip().lstrip("v").startswith("2"):
            return command
    return None


def need_engine() -> None:
    if not engine_answers():
        pytest.skip(NO_ENGINE)
