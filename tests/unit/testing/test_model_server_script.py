"""The fake model server's pure parts: scripts, faults, tokens, roles, the latency schedule."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autocrea.testing import PROSE, Fault, Latency, ModelScript, Reply
from autocrea.testing.delivery import Frame, Stream, fault_point
from autocrea.testing.latency import Pacer
from autocrea.testing.text import prompt_tokens, role_anywhere, role_in_system, text_of, tokenise


def test_a_role_sequence_is_consumed_in_order_and_the_last_reply_repeats() -> None:
    script = ModelScript({"backend": [Reply("one"), Reply("two")]}, default=Reply("fallback"))
    taken = [script.take("backend") for _ in range(4)]
    assert [d.text for d in taken if d] == ["one", "two", "two", "two"]
    assert all(d is not None and d.fault is None for d in taken)


def test_unknown_or_missing_role_gets_the_default_and_none_without_one() -> None:
    script = ModelScript({"backend": Reply("b")}, default=Reply("d"))
    assert [script.take(r).text for r in ("frontend", None)] == ["d", "d"]  # type: ignore[union-attr]
    assert ModelScript({"backend": Reply("b")}).take("frontend") is None
    assert ModelScript().take(None) is None


def test_faults_come_first_in_order_each_for_its_times_then_the_reply() -> None:
    limited = Fault("status", status=429, retry_after=1.5, times=2)
    cut = Fault("truncate", after_tokens=3)
    script = ModelScript({"backend": [Reply("first", (limited, cut)), Reply("second")]})
    draws = [script.take("backend") for _ in range(5)]
    assert [(d.fault, d.reply.text) for d in draws if d] == [
        (limited, "first"),
        (limited, "first"),
        (cut, "first"),
        (None, "first"),
        (None, "second"),
    ]


def test_the_last_reply_repeats_without_its_faults_and_roles_are_independent() -> None:
    script = ModelScript({"a": Reply("x", (Fault("prose"),)), "b": Reply("y", (Fault("prose"),))})
    assert [script.take("a").text for _ in range(3)] == [PROSE, "x", "x"]  # type: ignore[union-attr]
    assert script.take("b").text == PROSE  # type: ignore[union-attr]


def test_prose_has_no_file_blocks() -> None:
    assert "```" not in PROSE and "FILE" not in PROSE.upper().split()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"kind": "explode"}, "unknown fault kind"),
        ({"kind": "status", "status": 200}, "4xx/5xx"),
        ({"kind": "status", "retry_after": -1}, "retry_after"),
        ({"kind": "slow_first_token", "delay": float("nan")}, "delay"),
        ({"kind": "truncate", "after_tokens": -1}, "after_tokens"),
        ({"kind": "prose", "times": -2}, "times"),
    ],
)
def test_bad_faults_are_refused_with_a_clear_message(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        Fault(**kwargs)  # type: ignore[arg-type]


def test_bad_scripts_and_latencies_are_refused() -> None:
    with pytest.raises(ValueError, match="non-empty sequence"):
        ModelScript({"backend": []})
    with pytest.raises(ValueError, match="tokens_per_second"):
        Latency(tokens_per_second=-1)
    with pytest.raises(ValueError, match="ttft"):
        Latency(ttft=float("inf"))


@given(st.text())
def test_tokens_join_back_to_the_text(text: str) -> None:
    tokens = tokenise(text)
    assert "".join(tokens) == text
    assert all(len(token.strip()) <= 4 for token in tokens)


def test_tokens_are_four_character_chunks_with_their_leading_whitespace() -> None:
    assert tokenise("Hello world!\n  ok ") == ["Hell", "o", " worl", "d!", "\n  ok", " "]
    assert prompt_tokens("abcde") == 2 and prompt_tokens("") == 0


def test_roles_are_read_from_the_first_line_of_a_system_prompt_or_anywhere_in_raw_inputs() -> None:
    assert role_in_system("AUTOCREA role: backend\nYou write code.") == "backend"
    assert role_in_system("  AUTOCREA role:security  \n") == "security"
    assert role_in_system("You write code.\nAUTOCREA role: backend") is None
    assert role_in_system("") is None
    assert role_anywhere("<s>[INST] AUTOCREA role: tester\nhi [/INST]") == "tester"
    assert (
        text_of([{"type": "text", "text": "AUTOCREA role: a"}, {"type": "image"}, "x"]) == "AUTOCREA role: a"
    )
    assert text_of(None) == ""


def test_token_deadlines_follow_the_absolute_schedule() -> None:
    latency = Latency(ttft=0.5, tokens_per_second=20)
    assert [latency.deadline(i) for i in range(3)] == [0.5, 0.55, 0.6]
    assert latency.deadline(2, delay=1.0) == pytest.approx(1.6)
    assert Latency(ttft=0.25).deadline(99) == 0.25


async def test_the_pacer_waits_for_absolute_deadlines_so_late_wakeups_do_not_accumulate() -> None:
    now = [100.0]

    async def oversleeping(seconds: float) -> None:  # every wake-up is 3 ms late
        now[0] += seconds + 0.003

    latency = Latency(ttft=0.1, tokens_per_second=100)
    pacer = Pacer(arrival=100.0, latency=latency, delay=0.2, clock=lambda: now[0], sleep=oversleeping)
    for index in range(50):
        await pacer.wait(index)
        pacer.mark()
    assert pacer.planned == [pytest.approx(0.3 + i / 100) for i in range(50)]
    lateness = [sent - planned for planned, sent in zip(pacer.planned, pacer.sent, strict=True)]
    assert max(lateness) == pytest.approx(0.003)  # per-token sleeps would end 50 * 3 ms late


async def test_the_pacer_does_not_sleep_for_tokens_already_due() -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    pacer = Pacer(arrival=0.0, latency=Latency(ttft=1.0), clock=lambda: 5.0, sleep=record)
    await pacer.wait(0)
    assert slept == [] and pacer.planned == [1.0]


def test_faults_act_on_the_frame_of_token_n_or_the_first_closing_frame() -> None:
    frames = (Frame("{}"), Frame('{"t": 0}', at=0), Frame('{"t": 1}', at=1), Frame("[DONE]", final=True))
    stream = Stream(frames)
    assert [fault_point(stream, n) for n in (0, 1, 2, 9)] == [1, 2, 3, 3]
    broken = stream.encode(Frame('{"text": "hello"}', event="delta"), malformed=True)
    assert broken.startswith(b"event: delta\ndata: {")
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.split(b"data: ", 1)[1])
