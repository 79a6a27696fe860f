"""One generated project shared by the web tests that only need a finished app (a generation costs
seconds): a platform on SQLite with its worker, the project's owner and the finished run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.platform import Account, Platform, running, settings_for


@dataclass(frozen=True)
class Library:
    platform: Platform
    owner: Account
    project: dict[str, Any]
    run: dict[str, Any]  # as the API showed it once finished


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory, runtime_root: Path) -> Iterator[Library]:
    """A finished "books, members and loans" app. Tests may add commits and previews, never rewrite
    history or delete it; runs they start belong to other users. The 3 s lease makes a running run
    notice a cancel within a second."""
    data = tmp_path_factory.mktemp("library")
    with running(settings_for(data, runtime_dir=runtime_root, run_lease_seconds=3)) as platform:
        owner = platform.register()
        created = platform.generate(owner, "a library with books, members and loans")
        done = platform.wait_run(owner, created["run"]["id"])
        assert done["status"] == "succeeded", done
        yield Library(platform, owner, created["project"], done)
