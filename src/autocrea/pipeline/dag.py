"""A tiny async DAG runner: each node starts as soon as everything it depends on has succeeded."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

NodeStatus = Literal["succeeded", "failed", "skipped"]


@dataclass(frozen=True)
class Node:
    name: str
    after: tuple[str, ...] = ()


class Skipped(Exception):
    """Raised by a node's work that cannot do its part because of another node's outcome.

    The node ends as skipped, not failed: no error of its own is recorded (the run's error stays the
    cause's), and its dependents are skipped as they would be after any unsuccessful node.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class DagResult:
    status: dict[str, NodeStatus] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(s == "succeeded" for s in self.status.values())


def check_acyclic(nodes: Sequence[Node]) -> list[str]:
    """Topological order, or ValueError naming the problem (unknown dependency, cycle)."""
    names = {n.name for n in nodes}
    if len(names) != len(nodes):
        raise ValueError("node names must be unique")
    for node in nodes:
        for dep in node.after:
            if dep not in names:
                raise ValueError(f"{node.name} depends on unknown node {dep}")
    order: list[str] = []
    remaining = {n.name: set(n.after) for n in nodes}
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if not deps)
        if not ready:
            raise ValueError(f"cycle among {sorted(remaining)}")
        for name in ready:
            order.append(name)
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


async def run_dag(
    nodes: Sequence[Node],
    work: Mapping[str, Callable[[], Awaitable[None]]],
    *,
    on_skip: Callable[[str], None] | None = None,
) -> DagResult:
    """Run `work[name]` for every node, concurrently where the graph allows.

    A failed node's dependents are skipped, never started; independent branches keep going. A node
    whose work raises `Skipped` ends as skipped; `on_skip` is only for nodes that never started.
    """
    check_acyclic(nodes)
    result = DagResult()
    done: dict[str, asyncio.Event] = {n.name: asyncio.Event() for n in nodes}

    async def run_node(node: Node) -> None:
        try:
            for dep in node.after:
                await done[dep].wait()
            if any(result.status.get(dep) != "succeeded" for dep in node.after):
                result.status[node.name] = "skipped"
                if on_skip is not None:
                    on_skip(node.name)
                return
            try:
                await work[node.name]()
            except Skipped:
                result.status[node.name] = "skipped"
            except Exception as exc:  # one node's failure must not take down its siblings
                result.status[node.name] = "failed"
                result.errors[node.name] = exc
            else:
                result.status[node.name] = "succeeded"
        finally:
            done[node.name].set()

    await asyncio.gather(*(run_node(n) for n in nodes))
    return result
