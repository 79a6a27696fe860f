"""Shared fixtures: the runtime cache for generated apps, services that must exist in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from autocrea.config import Settings
from autocrea.providers.resilience import ResilientModel
from autocrea.providers.select import Credentials, build_model, parse_model, policy_for
from autocrea.sandbox.bubblewrap import closed_parent
from autocrea.sandbox.choice import choose
from autocrea.sandbox.protocol import Sandbox
from autocrea.sandbox.runtime import RuntimeCache

if TYPE_CHECKING:
    from tests.platform import Platform

REQUIRE_SERVICES = os.environ.get("AUTOCREA_REQUIRE_SERVICES") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, but fail in CI where AUTOCREA_REQUIRE_SERVICES=1."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def runtime_root() -> Path:
    """Generated apps' virtualenvs, kept across test runs (creating one costs a pip install)."""
    configured = os.environ.get("AUTOCREA_RUNTIME_DIR")
    root = (
        Path(configured) if configured else Path(__file__).resolve().parent.parent / ".autocrea" / "runtimes"
    )
    if os.geteuid() == 0 and not configured and closed_parent(root.resolve()) is not None:
        root = Path("/var/cache/autocrea/test-runtimes")  # the checkout is closed to sandbox uids
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    """What the platform itself would choose: bubblewrap where it works (required in CI)."""
    settings = Settings()
    chosen = choose("auto", slots=settings.sandbox_slots, uid_base=settings.sandbox_uid_base, cgroup_dir=None)
    if not chosen.isolated and REQUIRE_SERVICES:
        pytest.fail(f"required service missing: bubblewrap ({chosen.warning})")
    return chosen.sandbox


@pytest.fixture(scope="session")
def runtimes(runtime_root: Path) -> RuntimeCache:
    return RuntimeCache(root=runtime_root, python=Settings().sandbox_python)


def openai_model(url: str, key: str, *, timeout: float = 10, model: str = "gpt-4o-mini") -> ResilientModel:
    """An `openai:<model>` chain pointed at a local FakeModelServer, without retries."""
    return build_model(
        parse_model(f"openai:{model}"),
        credentials=Credentials(openai_api_key=SecretStr(key), openai_base_url=f"{url}/v1"),
        policy=policy_for(timeout_seconds=timeout, max_retries=0),
        timeout_seconds=timeout,
    )


@pytest.fixture(params=["sqlite", "postgres+redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, object]]:
    """Settings overrides for each supported deployment: the embedded default, and PostgreSQL + Redis."""
    from tests.services import backend_settings

    with backend_settings(request.param) as overrides:
        yield overrides


@pytest.fixture
def platform(backend: dict[str, object], tmp_path: Path, runtime_root: Path) -> Iterator[Platform]:
    """The running platform on each backend, with its own data dir and the shared runtime cache."""
    from tests.platform import running, settings_for

    with running(settings_for(tmp_path / "data", runtime_dir=runtime_root, **backend)) as running_platform:
        yield running_platform
