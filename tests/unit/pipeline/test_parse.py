from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from autocrea.pipeline.parse import MAX_FILE_CHARS, parse_files


def test_blocks_and_prose_are_separated() -> None:
    out = parse_files('Here you go:\n<file path="app/main.py">\nprint(1)\n</file>\nDone!')
    assert out.files == {"app/main.py": "print(1)\n"}
    assert out.prose == "Here you go:\n\nDone!" and not out.rejected and not out.truncated


def test_fences_crlf_and_single_quotes_are_tolerated() -> None:
    out = parse_files("<file path='a.py'>\r\n```python\r\nx = 1\r\n```\r\n</file>")
    assert out.files == {"a.py": "x = 1\n"}


def test_unclosed_last_block_at_end_of_stream_is_kept_and_flagged() -> None:
    out = parse_files('<file path="a.py">\nx = 1\n</file><file path="b.py">\ny = 2\n')
    assert out.files == {"a.py": "x = 1\n", "b.py": "y = 2\n"} and out.truncated


def test_block_without_close_followed_by_another_block() -> None:
    out = parse_files('<file path="a.py">\nx = 1\n<file path="b.py">\ny = 2\n</file>')
    assert out.files == {"a.py": "x = 1\n", "b.py": "y = 2\n"} and not out.truncated


def test_unsafe_paths_are_rejected_never_returned() -> None:
    hostile = ["../../etc/passwd", "/etc/shadow", ".git/hooks/post-checkout", "a\\b.py", "x/../../y", ""]
    text = "".join(f'<file path="{p}">boom</file>' for p in hostile) + '<file path="ok.py">ok</file>'
    out = parse_files(text)
    assert out.files == {"ok.py": "ok\n"}
    assert [r.path for r in out.rejected] == hostile


def test_huge_file_is_rejected() -> None:
    out = parse_files(f'<file path="big.txt">{"x" * (MAX_FILE_CHARS + 1)}</file>')
    assert out.files == {} and "characters" in out.rejected[0].reason


def test_prose_only_answer_writes_nothing() -> None:
    out = parse_files("I think you should use Django. Let me know!")
    assert out.files == {} and out.prose.startswith("I think")


@given(st.text(max_size=500))
def test_arbitrary_output_never_yields_an_unsafe_path(text: str) -> None:
    root = Path("/tmp/autocrea-root")
    for path in parse_files(text).files:
        resolved = (root / path).resolve()
        assert resolved.is_relative_to(root) and ".git" not in [p.casefold() for p in Path(path).parts]
