from types import SimpleNamespace as NS

import pytest

from autocrea.providers.protocol import (
    SHAPE_ERRORS,
    ChatMessage,
    StreamMeter,
    estimate_tokens,
    read_chat_chunk,
    with_role_line,
)


def test_role_line_leads_the_system_message() -> None:
    given = [ChatMessage("system", "Be brief."), ChatMessage("user", "hi")]
    assert with_role_line(given, "tester")[0].content == "AUTOCREA role: tester\nBe brief."
    assert with_role_line(with_role_line(given, "tester"), "tester") == with_role_line(given, "tester")
    added = with_role_line([ChatMessage("user", "hi")], "devops")
    assert added[0] == ChatMessage("system", "AUTOCREA role: devops") and added[1].content == "hi"


def test_meter_times_first_token_and_estimates_missing_usage() -> None:
    ticks = iter(range(100))
    seen: list[str] = []
    meter = StreamMeter(lambda: float(next(ticks)), seen.append)
    meter.add("")  # keep-alive chunks are not a first token
    meter.add("abcd")
    meter.add("efgh")
    usage = meter.usage(
        provider="openai",
        model="m",
        prompt=[ChatMessage("user", "x" * 40)],
        prompt_tokens=None,
        completion_tokens=None,
    )
    assert seen == ["abcd", "efgh"] and meter.text == "abcdefgh"
    assert usage.ttft == 1.0 and usage.seconds == 2.0
    assert (usage.prompt_tokens, usage.completion_tokens, usage.estimated) == (10, 2, True)
    assert estimate_tokens("") == 0 and estimate_tokens("a") == 1


def _chunk(**fields: object) -> NS:
    return NS(**{"usage": None, "choices": [], **fields})


def test_read_chat_chunk() -> None:
    choice = NS(delta=NS(content="hi"), finish_reason=None)
    assert read_chat_chunk(_chunk(choices=[choice])) == ("hi", None, None)
    usage = NS(prompt_tokens=3, completion_tokens=4)
    assert read_chat_chunk(_chunk(usage=usage)) == ("", None, (3, 4))
    done = NS(delta=None, finish_reason="length")
    assert read_chat_chunk(_chunk(choices=[done])) == ("", "length", None)


@pytest.mark.parametrize(
    "odd",
    [
        NS(foo=1),  # no fields at all
        _chunk(choices=[NS(delta=NS(content=123), finish_reason=None)]),
        _chunk(usage=NS(prompt_tokens="many", completion_tokens=1)),
        _chunk(choices=[NS()]),
    ],
)
def test_odd_chunk_shapes_raise_shape_errors(odd: NS) -> None:
    with pytest.raises(SHAPE_ERRORS):
        read_chat_chunk(odd)
