"""A running fake model server (real HTTP, real SDKs) and a deterministic clock for the chain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autocrea.testing import FakeModelServer, ModelScript, Reply
from tests.unit.providers.helpers import KEY, TEXT, TickClock


@pytest.fixture(scope="module")
def running() -> Iterator[FakeModelServer]:
    with FakeModelServer(ModelScript(), api_key=KEY) as server:
        yield server


@pytest.fixture
def server(running: FakeModelServer) -> FakeModelServer:
    running.reset(ModelScript({"backend": Reply(TEXT)}, default=Reply("default reply")), api_key=KEY)
    return running


@pytest.fixture
def clock() -> TickClock:
    return TickClock()
