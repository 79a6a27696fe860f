"""How each step of a run ended, for a step that waits for others midway instead of depending on them.

The DAG starts a step only after its dependencies succeed. The tester needs less: it can write its
tests from the spec while the builders work, and only its verification needs their files. So it
depends on the architect in the DAG and waits here, inside its run, for the builders to end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from autocrea.pipeline.dag import NodeStatus, Skipped


class StepBoard:
    """One future per step of the run, resolved with the step's status when it ends (any way)."""

    def __init__(self) -> None:
        self._ended: dict[str, asyncio.Future[tuple[str, NodeStatus]]] = {}

    def expect(self, names: Iterable[str]) -> None:
        """Register the run's steps; called by the pipeline before any step starts (in the loop)."""
        loop = asyncio.get_running_loop()
        for name in names:
            self._ended.setdefault(name, loop.create_future())

    def end(self, name: str, status: NodeStatus) -> None:
        """Record how a step ended; the first report wins (a step ends once)."""
        future = self._ended.get(name)
        if future is not None and not future.done():
            future.set_result((name, status))

    async def wait(self, names: Iterable[str], *, waiter: str, purpose: str) -> None:
        """Return when every named step has succeeded; raise `Skipped` as soon as one has not.

        Never hangs on a step that cannot end: an unknown name is refused at once. Every expected
        step ends (succeeded, failed or skipped) because the pipeline reports each one.
        """
        names = tuple(names)
        unknown = [n for n in names if n not in self._ended]
        if unknown:
            raise ValueError(f"{waiter} waits for {', '.join(unknown)}, which are not steps of this run")
        for next_end in asyncio.as_completed([self._ended[n] for n in names]):
            name, status = await next_end
            if status != "succeeded":
                raise Skipped(f"{purpose} needs {', '.join(names)}; {name} {status}")
