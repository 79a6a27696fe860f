from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autocrea.pipeline.edits import EditBlock, apply_changes, parse_edits
from autocrea.storage.paths import safe_relpath

MAIN = "import os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n"


def edit(path: str, *pairs: tuple[str, str], close: bool = True) -> str:
    body = "".join(f"<<<<<<< SEARCH\n{s}=======\n{r}>>>>>>> REPLACE\n" for s, r in pairs)
    return f'<edit path="{path}">\n{body}' + ("</edit>\n" if close else "")


def anyone(path: str) -> bool:
    return True


# --- parse_edits ------------------------------------------------------------------------------


def test_parse_edits_reads_several_pairs_in_one_block() -> None:
    edits, rejected = parse_edits(edit("app/main.py", ("a\n", "b\n"), ("c\nd\n", "")))
    assert edits == [EditBlock("app/main.py", "a\n", "b\n"), EditBlock("app/main.py", "c\nd\n", "")]
    assert rejected == []


def test_parse_edits_tolerates_crlf_fences_quotes_marker_lengths_and_chatter() -> None:
    text = (
        "Sure, here it is:\r\n```\r\n<edit path='./app//main.py'>\r\n```python\r\n<<<<< SEARCH\r\n"
        "```python\r\nx = 1\r\n```\r\n=========\r\nx = 2\r\n>>>>>>>>> REPLACE\r\n```\r\n"
    )
    edits, rejected = parse_edits(text)
    assert edits == [EditBlock("app/main.py", "x = 1\n", "x = 2\n")] and rejected == []


def test_parse_edits_keeps_fences_in_markdown_files() -> None:
    edits, _ = parse_edits(edit("README.md", ("```\nold\n```\n", "```\nnew\n```\n")))
    assert edits == [EditBlock("README.md", "```\nold\n```\n", "```\nnew\n```\n")]


def test_parse_edits_rejects_unsafe_paths() -> None:
    text = (
        edit("../x.py", ("a\n", "b\n")) + edit(".git/config", ("a\n", "b\n")) + edit("/etc/x", ("a\n", "b\n"))
    )
    edits, rejected = parse_edits(text)
    assert edits == [] and [r.path for r in rejected] == ["../x.py", ".git/config", "/etc/x"]
    assert all(r.reason.startswith("unsafe path") for r in rejected)


def test_parse_edits_reports_broken_pairs() -> None:
    _, rejected = parse_edits('<edit path="a.py">\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n</edit>')
    assert "no =======" in rejected[0].reason
    _, rejected = parse_edits('<edit path="a.py">\n<<<<<<< SEARCH\nx\n=======\ny\n')
    assert "incomplete" in rejected[0].reason
    _, rejected = parse_edits('<edit path="a.py">\njust prose\n</edit>')
    assert "has no" in rejected[0].reason
    _, rejected = parse_edits("<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n")
    assert rejected[0].path == "" and "outside an <edit" in rejected[0].reason


def test_parse_edits_ignores_whole_files_but_reads_pairs_sent_in_a_file_block() -> None:
    pair = "<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n"
    text = f'<file path="b.py">\nx = 1\n</file><file path="a.py">\n{pair}'
    assert parse_edits(text) == ([EditBlock("a.py", "x\n", "y\n")], [])


# --- apply_changes: edits ---------------------------------------------------------------------


def test_edits_apply_in_order_and_are_counted() -> None:
    changes = apply_changes(
        {"app/main.py": MAIN},
        edit("app/main.py", ("    return 1\n", "    return 10\n"), ("    return 10\n", "    return 11\n")),
        may_write=anyone,
    )
    assert changes.files == {"app/main.py": MAIN.replace("return 1\n", "return 11\n")}
    assert changes.applied == ["app/main.py: 2 edits"] and changes.rejected == []


def test_search_must_start_at_a_line_boundary() -> None:
    current = {"a.py": "xx = 1\nx = 1\n"}
    changes = apply_changes(current, edit("a.py", ("x = 1\n", "x = 2\n")), may_write=anyone)
    assert changes.files == {"a.py": "xx = 1\nx = 2\n"}


def test_search_not_found_is_rejected_with_the_path() -> None:
    changes = apply_changes({"a.py": "x = 1\n"}, edit("a.py", ("y = 1\n", "y = 2\n")), may_write=anyone)
    assert changes.files == {} and changes.rejected[0].reason.startswith("search text not found in a.py")


def test_ambiguous_search_is_rejected() -> None:
    changes = apply_changes(
        {"a.py": "x = 1\nx = 1\n"}, edit("a.py", ("x = 1\n", "x = 2\n")), may_write=anyone
    )
    assert changes.files == {} and "ambiguous search in a.py: found 2 times" in changes.rejected[0].reason


def test_trailing_whitespace_and_blank_edges_are_tolerated_when_unique() -> None:
    current = {"a.py": "a = 1   \nb = 2\nc = 3"}
    changes = apply_changes(
        current, edit("a.py", ("\na = 1\nb = 2  \n\n", "\na = 10\nb = 20\n\n")), may_write=anyone
    )
    assert changes.files == {"a.py": "a = 10\nb = 20\nc = 3"}
    changes = apply_changes({"a.py": "c = 3"}, edit("a.py", ("c = 3\n", "c = 4\n")), may_write=anyone)
    assert changes.files == {"a.py": "c = 4"}  # the last line had no newline: kept that way


def test_loose_match_found_twice_is_ambiguous() -> None:
    changes = apply_changes(
        {"a.py": "x = 1 \nx = 1\t\n"}, edit("a.py", ("x = 1\n", "x = 2\n")), may_write=anyone
    )
    assert "ambiguous" in changes.rejected[0].reason


def test_edit_applies_to_a_whole_file_given_earlier_in_the_answer() -> None:
    text = '<file path="b.py">\nx = 1\n</file>\n' + edit("b.py", ("x = 1\n", "x = 2\n"))
    changes = apply_changes({}, text, may_write=anyone)
    assert changes.files == {"b.py": "x = 2\n"} and changes.applied == ["b.py: new file"]


def test_rewrite_then_edit_is_described() -> None:
    text = '<file path="a.py">\nx = 1\n</file>\n' + edit("a.py", ("x = 1\n", "x = 2\n"))
    changes = apply_changes({"a.py": "x = 0\n"}, text, may_write=anyone)
    assert changes.applied == ["a.py: rewritten + 1 edit"]


def test_empty_search_creates_a_missing_or_blank_file_only() -> None:
    changes = apply_changes({"b/__init__.py": ""}, edit("b/__init__.py", ("", "X = 1\n")), may_write=anyone)
    assert changes.files == {"b/__init__.py": "X = 1\n"}
    changes = apply_changes({}, edit("new.py", ("", "X = 1\n")), may_write=anyone)
    assert changes.files == {"new.py": "X = 1\n"}
    changes = apply_changes({"a.py": "x\n"}, edit("a.py", ("", "X = 1\n")), may_write=anyone)
    assert "empty SEARCH" in changes.rejected[0].reason


def test_editing_a_missing_file_is_rejected() -> None:
    changes = apply_changes({}, edit("a.py", ("x = 1\n", "x = 2\n")), may_write=anyone)
    assert "no such file" in changes.rejected[0].reason


def test_missing_close_tag_at_end_of_stream() -> None:
    changes = apply_changes(
        {"a.py": "x = 1\n"}, edit("a.py", ("x = 1\n", "x = 2\n"), close=False), may_write=anyone
    )
    assert changes.files == {"a.py": "x = 2\n"}


def test_a_good_edit_survives_a_failed_one_in_the_same_file() -> None:
    text = edit("a.py", ("x = 1\n", "x = 2\n"), ("nope\n", "y\n"))
    changes = apply_changes({"a.py": "x = 1\n"}, text, may_write=anyone)
    assert changes.files == {"a.py": "x = 2\n"} and len(changes.rejected) == 1


def test_an_edit_that_changes_nothing_is_not_a_change() -> None:
    changes = apply_changes({"a.py": "x = 1\n"}, edit("a.py", ("x = 1\n", "x = 1\n")), may_write=anyone)
    assert changes.files == {} and changes.applied == [] and changes.rejected == []


# --- apply_changes: the rules on every changed file ----------------------------------------


def test_unowned_files_are_rejected() -> None:
    text = '<file path="tests/t.py">\nx = 1\n</file>' + edit("app/main.py", ("import os\n", "import sys\n"))
    changes = apply_changes({"app/main.py": MAIN}, text, may_write=lambda p: p.startswith("app/"))
    assert list(changes.files) == ["app/main.py"]
    assert [(r.path, r.reason.split(":")[0]) for r in changes.rejected] == [("tests/t.py", "not owned")]


def test_unsafe_whole_file_paths_are_rejected() -> None:
    changes = apply_changes({}, '<file path="../x.py">\nx = 1\n</file>', may_write=anyone)
    assert changes.files == {} and changes.rejected[0].reason.startswith("unsafe path")


def test_python_must_compile_and_the_line_is_named() -> None:
    changes = apply_changes({}, '<file path="a.py">\nx = 1\ndef f(:\n</file>', may_write=anyone)
    assert changes.files == {} and "Python does not compile: a.py line 2" in changes.rejected[0].reason
    changes = apply_changes({}, '<file path="a.py">\nx = "\0"\n</file>', may_write=anyone)
    assert changes.files == {}
    changes = apply_changes({}, '<file path="a.txt">\ndef f(:\n</file>', may_write=anyone)
    assert list(changes.files) == ["a.txt"]  # only .py is compiled


def test_empty_files_are_rejected_except_package_markers() -> None:
    changes = apply_changes({"a.py": "x = 1\n"}, '<file path="a.py">\n\n</file>', may_write=anyone)
    assert "empty file" in changes.rejected[0].reason
    changes = apply_changes({}, '<file path="p/__init__.py"></file>', may_write=anyone)
    assert changes.files == {"p/__init__.py": ""}


def test_too_large_and_too_many() -> None:
    changes = apply_changes(
        {}, '<file path="a.txt">\n' + "x" * 50 + "\n</file>", may_write=anyone, max_file_chars=10
    )
    assert "file too large" in changes.rejected[0].reason
    text = "".join(f'<file path="f{i}.txt">\n{i}\n</file>' for i in range(5))
    changes = apply_changes({}, text, may_write=anyone, max_files=2)
    assert list(changes.files) == ["f0.txt", "f1.txt"]
    assert [r.path for r in changes.rejected] == ["f2.txt", "f3.txt", "f4.txt"]


def test_new_lazy_placeholders_are_rejected_existing_ones_tolerated() -> None:
    text = '<file path="a.py">\ndef f():\n    pass\n# ... rest of the code unchanged ...\n</file>'
    assert "placeholder" in apply_changes({}, text, may_write=anyone).rejected[0].reason
    current = {"a.py": "# ... existing handlers ...\nx = 1\n"}
    changes = apply_changes(current, edit("a.py", ("x = 1\n", "x = 2\n")), may_write=anyone)
    assert changes.files == {"a.py": "# ... existing handlers ...\nx = 2\n"}


def test_stray_fence_lines_are_dropped_from_whole_files_but_not_markdown() -> None:
    changes = apply_changes({}, '<file path="a.py">\n```python\nx = 1\n~~~\n</file>', may_write=anyone)
    assert changes.files == {"a.py": "x = 1\n"}
    changes = apply_changes({}, '<file path="a.md">\n```\nx\n</file>', may_write=anyone)
    assert changes.files == {"a.md": "```\nx\n"}


def test_bad_output_never_raises() -> None:
    for text in [
        "",
        "\0",
        "<edit path=>",
        "<file path=''></file>",
        "<<<<<<< SEARCH",
        "<edit path='a'>\n=======\n",
    ]:
        apply_changes({"a": "b"}, text, may_write=anyone)


# --- property ---------------------------------------------------------------------------------

_names = st.sampled_from(["a.py", "app/main.py", "../x", ".git/config", "/etc/p", "b.txt", "C:\\x", "a b/c"])
_lines = st.lists(
    st.sampled_from(["x = 1", "y = 2", "", "  ", "def f(", "```", "=======", "#..."]), max_size=4
)
_sections = _lines.map(lambda ls: "".join(f"{line}\n" for line in ls))
_whole_edits = st.builds(
    lambda p, a, b: f'<edit path="{p}">\n<<<<<<< SEARCH\n{a}=======\n{b}>>>>>>> REPLACE\n</edit>\n',
    _names,
    _sections,
    _sections,
)
_fragments = st.one_of(
    _whole_edits,
    st.text(max_size=40),
    _names.map(lambda p: f'<file path="{p}">\n'),
    _names.map(lambda p: f"<edit path='{p}'>\n"),
    st.sampled_from(
        ["</file>\n", "</edit>\n", "<<<<<<< SEARCH\n", "=======\n", ">>>>>>> REPLACE\n", "```\n"]
    ),
    _sections,
)


@settings(max_examples=300, deadline=None)
@given(
    output=st.lists(_fragments, max_size=14).map("".join),
    current=st.dictionaries(_names, _lines.map("\n".join), max_size=3),
    owned_prefix=st.sampled_from(["", "app/", "a"]),
)
def test_any_output_on_any_files_never_raises_and_writes_only_safe_owned_paths(
    output: str, current: dict[str, str], owned_prefix: str
) -> None:
    def may_write(path: str) -> bool:
        return path.startswith(owned_prefix)

    changes = apply_changes(current, output, may_write=may_write, max_files=3)
    root = Path("/tmp/autocrea-project")
    assert len(changes.files) <= 3
    for path, text in changes.files.items():
        assert safe_relpath(path) == path and may_write(path)
        assert ".git" not in [p.casefold() for p in PurePosixPath(path).parts]
        assert (root / path).resolve().is_relative_to(root)
        assert text != current.get(path)
        if path.endswith(".py"):
            compile(text, path, "exec", dont_inherit=True)
    edits, rejected = parse_edits(output)
    assert all(safe_relpath(e.path) == e.path for e in edits)
    assert all(r.reason for r in rejected)


@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    apply_changes({"a.py": text}, text, may_write=anyone)
    parse_edits(text)


@pytest.mark.parametrize("marker", ["<<<<<", "<<<<<<<<<"])
def test_marker_lengths_five_to_nine(marker: str) -> None:
    text = f'<edit path="a.py">\n{marker} SEARCH\nx = 1\n=====\nx = 2\n>>>>> REPLACE\n</edit>'
    assert parse_edits(text)[0] == [EditBlock("a.py", "x = 1\n", "x = 2\n")]
    four = '<edit path="a.py">\n<<<< SEARCH\nx = 1\n====\nx = 2\n>>>> REPLACE\n</edit>'
    assert parse_edits(four)[0] == []


@given(
    lines=st.lists(
        st.from_regex(r"[a-z]{1,6}( = [0-9]{1,3})?", fullmatch=True), min_size=1, max_size=12, unique=True
    ),
    bounds=st.tuples(st.integers(0, 12), st.integers(1, 12)),
    new=st.lists(st.from_regex(r"[A-Z]{1,6}", fullmatch=True), max_size=4),
    crlf=st.booleans(),
)
def test_a_unique_slice_is_replaced_exactly(
    lines: list[str], bounds: tuple[int, int], new: list[str], crlf: bool
) -> None:
    start = min(bounds[0], len(lines) - 1)
    stop = min(start + bounds[1], len(lines))
    text = "".join(f"{line}\n" for line in lines)
    search = "".join(f"{line}\n" for line in lines[start:stop])
    replace = "".join(f"{line}\n" for line in new)
    output = edit("f.txt", (search, replace))
    changes = apply_changes(
        {"f.txt": text}, output.replace("\n", "\r\n") if crlf else output, may_write=anyone
    )
    expected = "".join(f"{line}\n" for line in lines[:start] + new + lines[stop:])
    if expected.strip():
        assert changes.files == {"f.txt": expected} and changes.rejected == []
    else:
        assert changes.files == {} and "empty file" in changes.rejected[0].reason
