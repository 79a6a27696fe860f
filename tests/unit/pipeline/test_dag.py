import asyncio

import pytest

from autocrea.pipeline.dag import Node, Skipped, check_acyclic, run_dag


def test_order_respects_dependencies() -> None:
    nodes = [
        Node("tester", ("backend", "frontend")),
        Node("architect"),
        Node("backend", ("architect",)),
        Node("frontend", ("architect",)),
    ]
    order = check_acyclic(nodes)
    assert order.index("architect") < order.index("backend") < order.index("tester")
    assert order.index("frontend") < order.index("tester")


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([Node("a", ("b",)), Node("b", ("a",))], "cycle"),
        ([Node("a", ("ghost",))], "unknown node ghost"),
        ([Node("a"), Node("a")], "unique"),
    ],
)
def test_bad_graphs_are_refused(nodes: list[Node], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_acyclic(nodes)


async def test_independent_nodes_run_concurrently() -> None:
    running: set[str] = set()
    overlap: list[set[str]] = []

    def work(name: str):  # type: ignore[no-untyped-def]
        async def go() -> None:
            running.add(name)
            await asyncio.sleep(0.05)
            overlap.append(set(running))
            running.discard(name)

        return go

    nodes = [
        Node("root"),
        Node("a", ("root",)),
        Node("b", ("root",)),
        Node("c", ("root",)),
        Node("end", ("a", "b", "c")),
    ]
    result = await run_dag(nodes, {n.name: work(n.name) for n in nodes})
    assert result.ok
    assert any({"a", "b", "c"} <= seen for seen in overlap), overlap


async def test_failure_skips_dependents_but_not_siblings() -> None:
    ran: list[str] = []
    skipped: list[str] = []

    async def ok_a() -> None:
        ran.append("a")

    async def boom() -> None:
        raise RuntimeError("boom")

    async def never() -> None:
        ran.append("after-b")

    async def sibling() -> None:
        ran.append("c")

    nodes = [Node("a"), Node("b", ("a",)), Node("after-b", ("b",)), Node("c", ("a",))]
    result = await run_dag(
        nodes, {"a": ok_a, "b": boom, "after-b": never, "c": sibling}, on_skip=skipped.append
    )
    assert not result.ok
    assert result.status == {"a": "succeeded", "b": "failed", "after-b": "skipped", "c": "succeeded"}
    assert str(result.errors["b"]) == "boom"
    assert skipped == ["after-b"] and "after-b" not in ran and "c" in ran


async def test_a_node_that_raises_skipped_ends_skipped_without_an_error_of_its_own() -> None:
    skipped: list[str] = []

    async def ok() -> None:
        pass

    async def cannot() -> None:
        raise Skipped("what it needed failed")

    nodes = [Node("a"), Node("b", ("a",)), Node("after-b", ("b",))]
    result = await run_dag(nodes, {"a": ok, "b": cannot, "after-b": ok}, on_skip=skipped.append)
    assert result.status == {"a": "succeeded", "b": "skipped", "after-b": "skipped"}
    assert result.errors == {} and not result.ok
    assert skipped == ["after-b"]  # b reported itself; on_skip is for nodes that never started
