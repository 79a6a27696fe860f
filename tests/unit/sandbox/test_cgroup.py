"""Control groups as files: what a sandbox's group is told, on cgroup v2 and v1.

The real hierarchies are exercised by test_bubblewrap.py wherever the host lets the server use one
(CI: v1 as root). A v2 host is not available there, so the v2 file protocol is checked here on a
directory laid out like a delegated v2 subtree.
"""

from __future__ import annotations

from pathlib import Path

from autocrea.sandbox import cgroup
from autocrea.sandbox.cgroup import Cgroups


def test_a_delegated_v2_subtree_is_used_only_with_pids_and_memory(tmp_path: Path) -> None:
    parent = tmp_path / "autocrea.slice"
    parent.mkdir()
    (parent / "cgroup.subtree_control").write_text("cpu memory\n")
    assert cgroup.detect(parent) is None  # no pids controller for its children: not usable
    (parent / "cgroup.subtree_control").write_text("cpu memory pids\n")
    found = cgroup.detect(parent)
    assert found is not None and found.version == 2 and str(parent) in found.mechanism
    assert cgroup.detect(tmp_path / "missing") is None


def test_a_v2_group_gets_its_limits_and_its_process(tmp_path: Path) -> None:
    groups = Cgroups(version=2, parents=(tmp_path,))
    group = groups.create("slot-3-42", memory_bytes=512 * 2**20, processes=64)
    made = tmp_path / "slot-3-42"
    assert (made / "pids.max").read_text() == "64"
    assert (made / "memory.max").read_text() == str(512 * 2**20)
    assert (made / "memory.swap.max").read_text() == "0"
    group.join(4242)
    assert (made / "cgroup.procs").read_text() == "4242" and group.pids() == {4242}
    (made / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert group.oom_killed()


def test_a_v1_group_spans_the_pids_and_memory_hierarchies(tmp_path: Path) -> None:
    pids, memory = tmp_path / "pids" / "autocrea", tmp_path / "memory" / "autocrea"
    pids.mkdir(parents=True)
    memory.mkdir(parents=True)
    group = Cgroups(version=1, parents=(pids, memory)).create("slot-0-1", memory_bytes=2**20, processes=8)
    assert (pids / "slot-0-1" / "pids.max").read_text() == "8"
    assert (memory / "slot-0-1" / "memory.limit_in_bytes").read_text() == str(2**20)
    assert not (pids / "slot-0-1" / "memory.limit_in_bytes").exists()
    group.join(7)
    assert group.pids() == {7} and not group.oom_killed()
