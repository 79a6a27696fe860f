import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autocrea.pipeline.json_repair import MAX_JSON_CHARS, extract_json, load_object, repair_json


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Sure! Here is the spec:\n```json\n{"a": 1}\n```\nAnything else?', {"a": 1}),
        ('The plan {not json} then {"a": {"b": [1, 2]}} done', {"a": {"b": [1, 2]}}),
        ('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}),
        ('{\n  // the name\n  "a": "x", /* block */ "b": 2\n}', {"a": "x", "b": 2}),
        ("{'a': 'it\\'s', 'b': True, 'c': None}", {"a": "it's", "b": True, "c": None}),
        (
            '{"url": "http://x.y/z", "note": "a // not a comment, and a # too"}',
            {"url": "http://x.y/z", "note": "a // not a comment, and a # too"},
        ),
        ('{"a": "brace } inside", "b": "{"}', {"a": "brace } inside", "b": "{"}),
        ("{\u201ca\u201d: 1}", {"a": 1}),
    ],
)
def test_recovers_the_object(answer: str, expected: dict[str, object]) -> None:
    assert load_object(answer) == expected


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("I cannot help with that.", "no JSON object"),
        ('{"a": 1', "no JSON object"),
        ("[1, 2, 3]", "no JSON object"),
        ('{"a": 1 "b": 2}', "invalid JSON"),
        ("{" + " " * MAX_JSON_CHARS + "}", "characters"),
    ],
)
def test_unrecoverable_answers_get_a_reason(answer: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        load_object(answer)


def test_extract_prefers_a_fenced_block() -> None:
    assert extract_json('{"x": 0} ```json\n{"y": 1}\n```') == '{"y": 1}'


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=20,
    )
)
def test_repair_leaves_valid_json_unchanged_in_meaning(value: object) -> None:
    text = json.dumps({"v": value})
    assert json.loads(repair_json(text)) == {"v": value}
