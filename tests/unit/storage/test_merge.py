"""Three-way merge of file trees: one side's change wins, both sides' changes merge, clashes are listed."""

from __future__ import annotations

from autocrea.storage.merge import three_way

BASE = {"a.py": b"one\ntwo\nthree\nfour\nfive\n", "gone.py": b"x\n", "same.py": b"s\n"}


def test_each_side_keeps_its_own_changes_and_both_merge_line_by_line() -> None:
    ours = {**BASE, "a.py": b"ONE\ntwo\nthree\nfour\nfive\n", "mine.py": b"m\n"}  # a hand edit, a new file
    theirs = {"a.py": b"one\ntwo\nthree\nfour\nFIVE\n", "same.py": b"s\n", "new.py": b"n\n"}  # re-rendered
    merged = three_way(BASE, ours, theirs)
    assert merged.clean
    assert merged.files == {
        "a.py": b"ONE\ntwo\nthree\nfour\nFIVE\n",
        "mine.py": b"m\n",
        "new.py": b"n\n",
        "same.py": b"s\n",
    }  # gone.py: removed by the engine, untouched by hand


def test_the_same_lines_changed_both_ways_are_a_conflict() -> None:
    ours = {**BASE, "a.py": b"ONE by hand\ntwo\nthree\nfour\nfive\n"}
    theirs = {**BASE, "a.py": b"uno\ntwo\nthree\nfour\nfive\n"}
    merged = three_way(BASE, ours, theirs)
    assert merged.conflicts == ("a.py",)
    assert not merged.clean


def test_a_file_deleted_by_hand_and_changed_by_the_engine_is_a_conflict() -> None:
    ours = {k: v for k, v in BASE.items() if k != "a.py"}
    theirs = {**BASE, "a.py": b"one\ntwo\nthree\nfour\nFIVE\n"}
    assert three_way(BASE, ours, theirs).conflicts == ("a.py",)


def test_binary_and_empty_trees_merge() -> None:
    png = bytes(range(256))
    assert three_way({}, {"logo.png": png}, {"x.txt": b""}).files == {"logo.png": png, "x.txt": b""}
