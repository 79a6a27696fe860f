"""Starting, sharing and stopping the fake model server."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from autocrea.testing import FakeModelServer, Latency, ModelScript, Reply

CHAT = {"model": "m", "messages": [{"role": "system", "content": "AUTOCREA role: backend"}]}


def test_a_synchronous_client_can_use_it_and_the_port_is_free_afterwards() -> None:
    server = FakeModelServer(ModelScript(default=Reply("hi")))
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        answer = httpx2.post(server.url + "/v1/chat/completions", json=CHAT)
        assert answer.json()["choices"][0]["message"]["content"] == "hi"
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
    server.stop()  # stopping twice is harmless
    assert len(server.requests) == 1


async def test_parallel_requests_each_keep_their_own_schedule() -> None:
    script = ModelScript(
        {role: Reply("x" + " x" * 7) for role in ("backend", "frontend", "devops")}
    )  # 8 tokens
    latency = Latency(ttft=0.02, tokens_per_second=500)
    async with FakeModelServer(script, latency=latency) as server, httpx2.AsyncClient() as client:

        async def stream(role: str) -> str:
            body = {
                **CHAT,
                "stream": True,
                "messages": [{"role": "system", "content": f"AUTOCREA role: {role}"}],
            }
            answer = await client.post(server.url + "/v1/chat/completions", json=body)
            return answer.text

        texts = await asyncio.gather(*(stream(role) for role in ("backend", "frontend", "devops")))
    assert all(text.endswith("data: [DONE]\n\n") for text in texts)
    assert sorted(r.role or "" for r in server.requests) == ["backend", "devops", "frontend"]
    for emission in server.emissions:
        assert emission.complete and emission.planned == pytest.approx([0.02 + i / 500 for i in range(8)])
        assert all(sent >= due - 0.001 for due, sent in zip(emission.planned, emission.sent, strict=True))


async def test_a_client_that_hangs_up_ends_its_slow_reply_early() -> None:
    latency = Latency(ttft=30.0)  # would outlive the test by far
    async with FakeModelServer(ModelScript(default=Reply("slow")), latency=latency) as server:
        async with httpx2.AsyncClient(timeout=0.2) as client:
            with pytest.raises(httpx2.ReadTimeout):
                await client.post(server.url + "/v1/chat/completions", json=CHAT)
        for _ in range(100):
            if server.emissions:
                break
            await asyncio.sleep(0.01)
        [emission] = server.emissions
        assert emission.complete is False and emission.sent == ()
