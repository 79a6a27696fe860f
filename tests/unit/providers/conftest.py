"""A running fake model server (real HTTP, real SDKs) and a deterministic clock for the chain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autocrea.testing import FakeModelServer, Latency, ModelScript, Reply
from tests.unit.providers.helpers import KEY, TEXT, TickClock


@pytest.fixture(scope="module")
def running() -> Iterator[FakeModelServer]:
    with FakeModelServer(ModelScript(), api_key=KEY) as server:
        yield server


@pytest.fixture
def server(running: FakeModelServer) -> FakeModelServer:
    running.script = ModelScript({"backend": Reply(TEXT)}, default=Reply("default reply"))
    running.latency, running.api_key = Latency(), KEY
    running.requests.clear()
    running.emissions.clear()
    return running


@pytest.fixture
def clock() -> TickClock:
    return TickClock()
